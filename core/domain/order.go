package domain

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// StrategyID identifies a strategy. IDs are interned by the journal from the
// strategy's configured name, so they stay stable across restarts and config
// changes.
type StrategyID uint32

// VenueID identifies a venue, interned like StrategyID.
type VenueID uint32

// OrderID is the client order id desk gives an order. It packs three
// numbers, so that an id found at a venue says who sent it even when the
// journal never saw it (a crash between the send and the group commit):
//
//	bits 63..44  the daemon's epoch, a counter the journal bumps durably on
//	             every start (20 bits), so ids never repeat across restarts
//	bits 43..30  the strategy that placed the order (14 bits)
//	bits 29..0   a sequence per strategy within the epoch (30 bits)
//
// Ids sort by epoch first. The wire form is "EPOCH-STRATEGY-SEQ".
type OrderID uint64

// Widths of the parts of an OrderID, and the largest value of each.
const (
	orderSeqBits   = 30
	orderStratBits = 14
	orderEpochBits = 64 - orderSeqBits - orderStratBits

	// MaxOrderEpoch is the largest epoch an OrderID holds.
	MaxOrderEpoch = 1<<orderEpochBits - 1
	// MaxOrderStrategy is the largest StrategyID an OrderID holds; the
	// daemon refuses to configure a strategy above it.
	MaxOrderStrategy = 1<<orderStratBits - 1
	// MaxOrderSeq is the largest sequence an OrderID holds: the most orders
	// one strategy may place in one run of the daemon.
	MaxOrderSeq = 1<<orderSeqBits - 1
)

// MakeOrderID returns the id of strategy s's seq-th order of epoch. Each
// part is masked to its width rather than spilling into the next.
func MakeOrderID(epoch uint32, s StrategyID, seq uint64) OrderID {
	return OrderID(uint64(epoch&MaxOrderEpoch)<<(orderSeqBits+orderStratBits) |
		uint64(s&MaxOrderStrategy)<<orderSeqBits | seq&MaxOrderSeq)
}

// Epoch returns the daemon epoch that issued id.
func (id OrderID) Epoch() uint32 { return uint32(uint64(id) >> (orderSeqBits + orderStratBits)) }

// Strategy returns the strategy that placed id.
func (id OrderID) Strategy() StrategyID {
	return StrategyID(uint64(id) >> orderSeqBits & MaxOrderStrategy)
}

// Issuer returns id without its sequence: the epoch and strategy that
// issued it, as one value to compare and to key maps by.
func (id OrderID) Issuer() uint64 { return uint64(id) >> orderSeqBits }

// Seq returns id's sequence within its strategy and epoch.
func (id OrderID) Seq() uint64 { return uint64(id) & MaxOrderSeq }

// LogValue logs id as its String, in every slog format (JSON would
// otherwise show the packed integer).
func (id OrderID) LogValue() slog.Value { return slog.StringValue(id.String()) }

// String renders id as "EPOCH-STRATEGY-SEQ", the client_order_id of the
// wire.
func (id OrderID) String() string {
	var b [32]byte
	out := strconv.AppendUint(b[:0], uint64(id.Epoch()), 10)
	out = append(out, '-')
	out = strconv.AppendUint(out, uint64(id.Strategy()), 10)
	out = append(out, '-')
	out = strconv.AppendUint(out, id.Seq(), 10)
	return string(out)
}

// ParseOrderID parses the "EPOCH-STRATEGY-SEQ" form of OrderID.String. It
// fails with ErrUnknown for anything else, a part out of range included:
// an id that is not desk's is some other client's order.
func ParseOrderID(s string) (OrderID, error) {
	e, rest, ok1 := strings.Cut(s, "-")
	st, q, ok2 := strings.Cut(rest, "-")
	epoch, err1 := parseIDPart(e, orderEpochBits)
	strat, err2 := parseIDPart(st, orderStratBits)
	seq, err3 := parseIDPart(q, orderSeqBits)
	if !ok1 || !ok2 || err1 != nil || err2 != nil || err3 != nil {
		return 0, fmt.Errorf("order id %q: want EPOCH-STRATEGY-SEQ: %w", s, ErrUnknown)
	}
	return MakeOrderID(uint32(epoch), StrategyID(strat), seq), nil
}

// parseIDPart parses one decimal part of an order id: digits only, no sign.
func parseIDPart(s string, bits int) (uint64, error) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, ErrUnknown
	}
	return strconv.ParseUint(s, 10, bits)
}

// Order is one order and everything known about it. The OMS owns live
// orders; copies handed out are snapshots.
type Order struct {
	ID         OrderID
	Strategy   StrategyID
	Instrument InstrumentID
	Venue      VenueID // chosen by the router; meaningful from pending-new on
	Side       Side
	Type       OrderType
	TIF        TimeInForce
	State      OrderState
	PostOnly   bool // reject rather than take liquidity
	ReduceOnly bool // may only reduce the strategy's position

	Price     Price // limit price; 0 for market and stop orders
	StopPrice Price // trigger for stop and stop-limit
	Qty       Qty   // total quantity, > 0
	Filled    Qty   // cumulative filled quantity, 0 <= Filled <= Qty
	// FilledNotional is the sum of price*qty over the fills, for the average
	// fill price.
	FilledNotional Money
	Fees           Money

	// A pending replace's new price and quantity, applied when the venue
	// confirms it.
	PendingPrice Price
	PendingQty   Qty

	ExpireAt     int64  // unix nanoseconds, for GTD
	VenueOrderID uint64 // the venue's id, once acknowledged
	Reason       string // why it was rejected or canceled, a constant such as "max-order-qty"

	Created int64 // unix nanoseconds, engine clock
	Updated int64 // unix nanoseconds, engine clock
	Stamps  Stamps
}

// Leaves returns the quantity still working.
func (o *Order) Leaves() Qty { return o.Qty - o.Filled }

// IntentKind is what a strategy asks for.
type IntentKind uint8

// Intent kinds.
const (
	IntentNew IntentKind = iota + 1
	IntentCancel
	IntentReplace
)

// Intent is a strategy's request to place, cancel or replace an order. The
// strategy runtime fills ID from the engine's id allocator so the strategy
// knows its order's id at once.
type Intent struct {
	Kind       IntentKind
	ID         OrderID // the new order's id, or the order to cancel or replace
	Strategy   StrategyID
	Instrument InstrumentID
	Side       Side
	Type       OrderType
	TIF        TimeInForce
	PostOnly   bool
	ReduceOnly bool
	Price      Price // new limit price (new, replace)
	StopPrice  Price
	Qty        Qty // quantity (new) or new total quantity (replace)
	ExpireAt   int64
	Stamps     Stamps
}

// ExecKind is what an execution report says happened.
type ExecKind uint8

// Execution report kinds.
const (
	ExecAck           ExecKind = iota + 1 // the venue accepted the order; it rests or is about to fill
	ExecReject                            // the venue refused the order
	ExecFill                              // a trade: LastPx, LastQty, TradeID
	ExecCanceled                          // the rest of the order is canceled (on request, or an IOC or market remainder)
	ExecReplaced                          // the replace took effect: Price, Qty are the new values
	ExecExpired                           // the time in force ran out (GTD, day)
	ExecCancelReject                      // the cancel was refused; the order is unchanged
	ExecReplaceReject                     // the replace was refused; the order is unchanged
)

var execNames = [...]string{"", "ack", "reject", "fill", "canceled", "replaced", "expired", "cancel-reject", "replace-reject"}

func (k ExecKind) String() string { return name(execNames[:], k) }

// ExecReport is a venue's report about one order.
type ExecReport struct {
	Kind         ExecKind
	Venue        VenueID
	OrderID      OrderID
	VenueOrderID uint64

	LastPx    Price // fill price (ExecFill)
	LastQty   Qty   // fill quantity (ExecFill)
	TradeID   uint64
	Fee       Money // fee for this fill; negative is a rebate
	Liquidity Liquidity

	Price Price // the order's price after a replace (ExecReplaced)
	Qty   Qty   // the order's total quantity after a replace (ExecReplaced)

	Reason    string // why rejected, canceled or expired
	VenueTime int64  // unix nanoseconds, the venue's clock
	Stamps    Stamps
}

// Fill is one trade applied to an order and a position.
type Fill struct {
	OrderID    OrderID
	Strategy   StrategyID
	Instrument InstrumentID
	Venue      VenueID
	Side       Side
	Price      Price
	Qty        Qty
	Fee        Money
	Liquidity  Liquidity
	TradeID    uint64
	Time       int64 // unix nanoseconds, engine clock
}

package domain

import (
	"fmt"
	"strconv"
	"strings"
)

// StrategyID identifies a strategy. IDs are interned by the journal from the
// strategy's configured name, so they stay stable across restarts and config
// changes.
type StrategyID uint32

// VenueID identifies a venue, interned like StrategyID.
type VenueID uint32

// OrderID is the client order id desk gives an order: the daemon's epoch (a
// counter the journal bumps durably on every start) in the top 24 bits and a
// sequence in the low 40. Ids are therefore unique across restarts even when
// the tail of the journal is lost in a crash.
type OrderID uint64

const orderSeqBits = 40

// MakeOrderID returns the id of the seq-th order of epoch.
func MakeOrderID(epoch uint32, seq uint64) OrderID {
	return OrderID(uint64(epoch)<<orderSeqBits | seq&(1<<orderSeqBits-1))
}

// Epoch returns the daemon epoch that issued id.
func (id OrderID) Epoch() uint32 { return uint32(uint64(id) >> orderSeqBits) }

// Seq returns id's sequence within its epoch.
func (id OrderID) Seq() uint64 { return uint64(id) & (1<<orderSeqBits - 1) }

// String renders id as "EPOCH-SEQ", the client_order_id of the wire.
func (id OrderID) String() string {
	return strconv.FormatUint(uint64(id.Epoch()), 10) + "-" + strconv.FormatUint(id.Seq(), 10)
}

// ParseOrderID parses the "EPOCH-SEQ" form of OrderID.String.
func ParseOrderID(s string) (OrderID, error) {
	e, q, ok := strings.Cut(s, "-")
	epoch, err1 := strconv.ParseUint(e, 10, 24)
	seq, err2 := strconv.ParseUint(q, 10, orderSeqBits)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("order id %q: want EPOCH-SEQ: %w", s, ErrUnknown)
	}
	return MakeOrderID(uint32(epoch), seq), nil
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

package domain

import "fmt"

// OrderFault names the rule an invalid order or replace breaks: the Fault
// of an *OrderError. Faults are constants, so a venue turns one into a
// reject reason without allocating.
type OrderFault uint8

// Order faults, in the order ValidateOrder and ValidateReplace check the
// rules. The zero OrderFault is no fault.
const (
	FaultInstrument   OrderFault = iota + 1 // no instrument, or not the order's
	FaultSide                               // neither buy nor sell
	FaultType                               // not market, limit, stop or stop-limit
	FaultTIF                                // not GTC, IOC, FOK, GTD or Day (zero included)
	FaultQty                                // quantity not positive
	FaultLot                                // quantity not a multiple of the lot size
	FaultPriceMissing                       // limit or stop-limit order without a limit price
	FaultPriceExtra                         // market or stop order with a limit price
	FaultStopMissing                        // stop or stop-limit order without a stop price
	FaultStopExtra                          // market or limit order with a stop price
	FaultTick                               // price or stop price not a multiple of the tick size
	FaultMarketTIF                          // market order neither IOC nor FOK
	FaultPostOnly                           // post-only on anything but a limit order that may rest
	FaultExpiry                             // GTD without an expiry after now, or an expiry without GTD
	FaultFilled                             // replace to a total quantity not above what has filled
	FaultNoChange                           // replace to the same price and quantity
)

var faultNames = [...]string{"", "bad-instrument", "bad-side", "bad-type", "bad-tif",
	"bad-qty", "off-lot", "missing-price", "unexpected-price", "missing-stop-price",
	"unexpected-stop-price", "off-tick", "market-not-immediate", "bad-post-only", "bad-expiry",
	"qty-not-above-filled", "replace-changes-nothing"}

// String returns the fault as a kebab-case constant such as "off-tick".
func (f OrderFault) String() string { return name(faultNames[:], f) }

// OrderError is the error of ValidateOrder and ValidateReplace: which rule
// the order breaks and what is wrong. It wraps ErrInvalidOrder and, where
// one fits, ErrNotPositive (quantity), ErrOffLot or ErrOffTick.
type OrderError struct {
	Fault  OrderFault
	Detail string // what is wrong, e.g. "market order must be ioc or fok, not gtc"
	err    error  // ErrNotPositive, ErrOffLot, ErrOffTick, or nil
}

// Error returns the detail alone: callers wrap it with what they were
// doing ("order 1-0-7: ...") and, as the OMS and the strategy runtime do,
// with their own sentinel.
func (e *OrderError) Error() string { return e.Detail }

// Unwrap returns ErrInvalidOrder and the domain error that fits the fault,
// if any.
func (e *OrderError) Unwrap() []error {
	if e.err == nil {
		return []error{ErrInvalidOrder}
	}
	return []error{ErrInvalidOrder, e.err}
}

// DefaultTIF returns the time in force an order of type t gets when none is
// given: IOC for a market order, which must not rest, GTC for any other.
func DefaultTIF(t OrderType) TimeInForce {
	if t == Market {
		return IOC
	}
	return GTC
}

// ValidateOrder reports whether o, an order about to be created, is an
// order at all on instrument in at time now (unix nanoseconds). Risk
// decides whether the order may go out; this decides only whether it is an
// order. It reads o's Instrument, Side, Type, TIF, PostOnly, Price,
// StopPrice, Qty and ExpireAt, not its Kind, ID, Strategy or ReduceOnly:
// the id is the caller's business, so a strategy validates before it
// allocates one. The rules, checked in this order:
//
//   - in is o's instrument (not nil, with a positive tick and lot size);
//   - the side is buy or sell; the type is market, limit, stop or
//     stop-limit; the time in force is GTC, IOC, FOK, GTD or Day (zero is
//     none: a caller that defaults it uses DefaultTIF first);
//   - the quantity is positive and a multiple of the lot size;
//   - limit and stop-limit orders have a limit price and the others none;
//     stop and stop-limit orders have a stop price and the others none;
//   - both prices are multiples of the tick size. Zero means no price;
//     a negative price is allowed, since spreads and some futures trade
//     below zero, and left to the risk price collar to judge;
//   - a market order is IOC or FOK: left resting on a thin book it would
//     sweep whatever liquidity appeared later;
//   - a post-only order is a limit order with a time in force that lets
//     it rest (not IOC or FOK);
//   - a GTD order expires after now, and no other order has an expiry.
//
// It returns nil, or an *OrderError wrapping ErrInvalidOrder whose Fault is
// the first rule broken and whose message says what is wrong. It does not
// allocate when o is valid.
func ValidateOrder(o *Intent, in *Instrument, now int64) error {
	if f := orderFault(o, in, now); f != 0 {
		return orderError(f, o, in, now)
	}
	return nil
}

// ValidateReplace reports whether replacing order o, as it is now, with
// limit price price and total quantity qty (what has filled included)
// makes a valid order on instrument in:
//
//   - in is o's instrument (not nil, with a positive tick and lot size);
//   - qty is positive, a multiple of the lot size, and above o.Filled
//     (equal would leave nothing to work: that is a cancel);
//   - price is given for a limit or stop-limit order and zero for the
//     others, and is a multiple of the tick size (negative allowed, as in
//     ValidateOrder);
//   - price or qty differs from o's: venues reject a replace that changes
//     nothing, and it would spend a message and a rate-limit token.
//
// It returns nil or an *OrderError as ValidateOrder does, and does not
// allocate when the replace is valid.
func ValidateReplace(o *Order, price Price, qty Qty, in *Instrument) error {
	if f := replaceFault(o, price, qty, in); f != 0 {
		return replaceError(f, o, price, qty, in)
	}
	return nil
}

func badInstrument(id InstrumentID, in *Instrument) bool {
	return in == nil || in.TickSize <= 0 || in.LotSize <= 0 || in.ID != id
}

func orderFault(o *Intent, in *Instrument, now int64) OrderFault {
	switch {
	case badInstrument(o.Instrument, in):
		return FaultInstrument
	case o.Side != Buy && o.Side != Sell:
		return FaultSide
	case o.Type < Market || o.Type > StopLimit:
		return FaultType
	case o.TIF < GTC || o.TIF > Day:
		return FaultTIF
	case o.Qty <= 0:
		return FaultQty
	case o.Qty%in.LotSize != 0:
		return FaultLot
	}
	limit := o.Type == Limit || o.Type == StopLimit
	stop := o.Type == Stop || o.Type == StopLimit
	switch {
	case limit && o.Price == 0:
		return FaultPriceMissing
	case !limit && o.Price != 0:
		return FaultPriceExtra
	case stop && o.StopPrice == 0:
		return FaultStopMissing
	case !stop && o.StopPrice != 0:
		return FaultStopExtra
	case o.Price%in.TickSize != 0 || o.StopPrice%in.TickSize != 0:
		return FaultTick
	}
	immediate := o.TIF == IOC || o.TIF == FOK
	switch {
	case o.Type == Market && !immediate:
		return FaultMarketTIF
	case o.PostOnly && (o.Type != Limit || immediate):
		return FaultPostOnly
	case o.TIF == GTD && o.ExpireAt <= now, o.TIF != GTD && o.ExpireAt != 0:
		return FaultExpiry
	}
	return 0
}

func replaceFault(o *Order, price Price, qty Qty, in *Instrument) OrderFault {
	limit := o.Type == Limit || o.Type == StopLimit
	switch {
	case badInstrument(o.Instrument, in):
		return FaultInstrument
	case qty <= 0:
		return FaultQty
	case qty%in.LotSize != 0:
		return FaultLot
	case qty <= o.Filled:
		return FaultFilled
	case limit && price == 0:
		return FaultPriceMissing
	case !limit && price != 0:
		return FaultPriceExtra
	case price%in.TickSize != 0:
		return FaultTick
	case price == o.Price && qty == o.Qty:
		return FaultNoChange
	}
	return 0
}

// orderError describes fault f of o. It is the slow path, apart so that
// ValidateOrder stays small.
func orderError(f OrderFault, o *Intent, in *Instrument, now int64) error {
	e := &OrderError{Fault: f}
	switch f {
	case FaultInstrument:
		e.Detail = instrumentDetail(o.Instrument, in)
	case FaultSide:
		e.Detail = "side " + o.Side.String()
	case FaultType:
		e.Detail = "order type " + o.Type.String()
	case FaultTIF:
		e.Detail = "time in force " + o.TIF.String()
	case FaultQty, FaultLot:
		e.err = qtyErr(f)
		e.Detail = fmt.Sprintf("%s quantity %s: %v", in.Symbol, in.FormatQty(o.Qty), e.err)
	case FaultPriceMissing:
		e.Detail = o.Type.String() + " order without a price"
	case FaultPriceExtra:
		e.Detail = o.Type.String() + " order with a limit price"
	case FaultStopMissing:
		e.Detail = o.Type.String() + " order without a stop price"
	case FaultStopExtra:
		e.Detail = o.Type.String() + " order with a stop price"
	case FaultTick:
		what, p := "price", o.Price
		if p%in.TickSize == 0 {
			what, p = "stop price", o.StopPrice
		}
		e.err = ErrOffTick
		e.Detail = fmt.Sprintf("%s %s %s: %v", in.Symbol, what, in.FormatPrice(p), ErrOffTick)
	case FaultMarketTIF:
		e.Detail = "market order must be ioc or fok, not " + o.TIF.String()
	case FaultPostOnly:
		e.Detail = fmt.Sprintf("post-only %s %s order: post-only needs a limit order that may rest", o.Type, o.TIF)
	case FaultExpiry:
		if o.TIF == GTD {
			e.Detail = fmt.Sprintf("gtd order without a future expiry (expire at %d, now %d)", o.ExpireAt, now)
		} else {
			e.Detail = "expiry on a " + o.TIF.String() + " order"
		}
	default:
		e.Detail = f.String()
	}
	return e
}

// replaceError describes fault f of a replace of o.
func replaceError(f OrderFault, o *Order, price Price, qty Qty, in *Instrument) error {
	e := &OrderError{Fault: f}
	switch f {
	case FaultInstrument:
		e.Detail = instrumentDetail(o.Instrument, in)
	case FaultQty, FaultLot:
		e.err = qtyErr(f)
		e.Detail = fmt.Sprintf("%s quantity %s: %v", in.Symbol, in.FormatQty(qty), e.err)
	case FaultFilled:
		e.Detail = fmt.Sprintf("%s quantity %s not above the filled %s", in.Symbol, in.FormatQty(qty), in.FormatQty(o.Filled))
	case FaultPriceMissing:
		e.Detail = o.Type.String() + " order without a price"
	case FaultPriceExtra:
		e.Detail = o.Type.String() + " order with a limit price"
	case FaultTick:
		e.err = ErrOffTick
		e.Detail = fmt.Sprintf("%s price %s: %v", in.Symbol, in.FormatPrice(price), ErrOffTick)
	case FaultNoChange:
		e.Detail = "replace changes nothing"
	default:
		e.Detail = f.String()
	}
	return e
}

func instrumentDetail(id InstrumentID, in *Instrument) string {
	if in == nil || in.TickSize <= 0 || in.LotSize <= 0 {
		return fmt.Sprintf("unknown instrument %d", id)
	}
	return fmt.Sprintf("order on instrument %d checked against %s (%d)", id, in.Symbol, in.ID)
}

func qtyErr(f OrderFault) error {
	if f == FaultQty {
		return ErrNotPositive
	}
	return ErrOffLot
}

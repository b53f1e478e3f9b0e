package domain

import "fmt"

// Side is the direction of an order or fill.
type Side uint8

// Sides. The zero Side is invalid so a forgotten field is caught.
const (
	Buy Side = iota + 1
	Sell
)

// Sign returns +1 for Buy and -1 for Sell.
func (s Side) Sign() int64 {
	if s == Sell {
		return -1
	}
	return 1
}

// Opposite returns the other side.
func (s Side) Opposite() Side {
	if s == Buy {
		return Sell
	}
	return Buy
}

// OrderType is how an order is priced.
type OrderType uint8

// Order types.
const (
	Market OrderType = iota + 1
	Limit
	Stop      // becomes a market order when the stop price trades
	StopLimit // becomes a limit order when the stop price trades
)

// TimeInForce is how long an order may rest.
type TimeInForce uint8

// Times in force. GTC is the default for limit orders.
const (
	GTC TimeInForce = iota + 1 // good till canceled
	IOC                        // immediate or cancel: fill what crosses, cancel the rest
	FOK                        // fill or kill: fill all at once or nothing
	GTD                        // good till date (Order.ExpireAt)
	Day                        // expires at the end of the trading day
)

// OrderState is where an order is in its life. See the OMS for the allowed
// transitions; states only move forward.
type OrderState uint8

// Order states, spelled on the wire as their String.
const (
	StateNew             OrderState = iota + 1 // created, not yet sent
	StatePendingNew                            // sent, not yet acknowledged
	StateOpen                                  // acknowledged, resting, nothing filled
	StatePartiallyFilled                       // some quantity filled, rest working
	StatePendingCancel                         // cancel sent, not yet confirmed
	StatePendingReplace                        // replace sent, not yet confirmed
	StateFilled                                // terminal: fully filled
	StateCanceled                              // terminal: canceled (possibly after partial fills)
	StateRejected                              // terminal: refused by risk or the venue
	StateExpired                               // terminal: time in force ran out
)

// Terminal reports whether no further transition may happen from s.
func (s OrderState) Terminal() bool { return s >= StateFilled }

// Working reports whether an order in s may still fill or rest at a venue.
func (s OrderState) Working() bool { return s >= StatePendingNew && s <= StatePendingReplace }

// TradingState is what a risk node (firm, book, strategy) may do.
type TradingState uint8

// Trading states, spelled on the wire as their String.
const (
	Active     TradingState = iota + 1 // may trade
	ReduceOnly                         // may only send orders that reduce its position
	Halted                             // may send no new order; cancels still go out
)

// Liquidity says whether a fill added or took liquidity.
type Liquidity uint8

// Liquidity flags.
const (
	Maker Liquidity = iota + 1
	Taker
)

var (
	sideNames  = [...]string{"", "buy", "sell"}
	typeNames  = [...]string{"", "market", "limit", "stop", "stop-limit"}
	tifNames   = [...]string{"", "gtc", "ioc", "fok", "gtd", "day"}
	stateNames = [...]string{"", "new", "pending-new", "open", "partially-filled",
		"pending-cancel", "pending-replace", "filled", "canceled", "rejected", "expired"}
	tradingNames   = [...]string{"", "active", "reduce-only", "halted"}
	liquidityNames = [...]string{"", "maker", "taker"}
)

func name[T ~uint8](names []string, v T) string {
	if int(v) < len(names) && v != 0 {
		return names[v]
	}
	return fmt.Sprintf("invalid(%d)", uint8(v))
}

func parse[T ~uint8](names []string, s, what string) (T, error) {
	for i, n := range names {
		if i > 0 && n == s {
			return T(i), nil
		}
	}
	return 0, fmt.Errorf("%s %q: %w", what, s, ErrUnknown)
}

func (s Side) String() string         { return name(sideNames[:], s) }
func (t OrderType) String() string    { return name(typeNames[:], t) }
func (t TimeInForce) String() string  { return name(tifNames[:], t) }
func (s OrderState) String() string   { return name(stateNames[:], s) }
func (s TradingState) String() string { return name(tradingNames[:], s) }
func (l Liquidity) String() string    { return name(liquidityNames[:], l) }

// ParseSide parses "buy" or "sell".
func ParseSide(s string) (Side, error) { return parse[Side](sideNames[:], s, "side") }

// ParseOrderType parses an order type as spelled by OrderType.String.
func ParseOrderType(s string) (OrderType, error) {
	return parse[OrderType](typeNames[:], s, "order type")
}

// ParseTimeInForce parses a time in force as spelled by TimeInForce.String.
func ParseTimeInForce(s string) (TimeInForce, error) {
	return parse[TimeInForce](tifNames[:], s, "time in force")
}

// ParseOrderState parses an order state as spelled by OrderState.String.
func ParseOrderState(s string) (OrderState, error) {
	return parse[OrderState](stateNames[:], s, "order state")
}

// ParseTradingState parses "active", "reduce-only" or "halted".
func ParseTradingState(s string) (TradingState, error) {
	return parse[TradingState](tradingNames[:], s, "trading state")
}

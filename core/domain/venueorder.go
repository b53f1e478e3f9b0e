package domain

import "github.com/shopspring/decimal"

// VenueOrder is what a venue holds of one order under desk's ids: the order
// as it was submitted and every execution report the venue sent about it,
// oldest first. It is the venue's side of reconciliation: the venue is the
// source of truth for what it received, so replaying Reports through the OMS
// adopts an order the journal never saw (a crash between the send and the
// group commit) and applies whatever a known order missed, each fill once.
type VenueOrder struct {
	// Order is the order as submitted: ID, Instrument, Venue, Side, Type,
	// TIF, PostOnly, ReduceOnly, Price, StopPrice, Qty, ExpireAt and
	// Created; State is StatePendingNew and nothing has filled.
	Order Order
	// Reports are the venue's reports about the order, in the order it sent
	// them: the ack or reject, fills, replaces and the final state.
	Reports []ExecReport
}

// ExternalOrder is an order a venue holds on desk's account under a client
// order id that is not desk's: placed by hand, by another program, or by a
// desk whose ids this one cannot read. Reconciliation records it so that
// operators see it; desk never cancels it on its own.
type ExternalOrder struct {
	Venue        VenueID
	Instrument   InstrumentID
	ClientID     string // the venue's client order id, as the venue spells it
	VenueOrderID uint64
	Side         Side
	Price        Price // 0 for a market order
	Qty          Qty
	Filled       Qty
	Created      int64 // unix nanoseconds, the venue's clock
}

// Balance is what a venue account holds of one asset, in the asset's own
// units: Free can be traded, Locked backs open orders.
type Balance struct {
	Asset  string
	Free   decimal.Decimal
	Locked decimal.Decimal
	// At is when the venue last changed the account's balances (unix ns,
	// the venue's clock; Binance's updateTime), so that they can be
	// compared with the fills the venue stamped until then. 0: unknown.
	At int64
}

// Total is the balance's free and locked parts together.
func (b Balance) Total() decimal.Decimal { return b.Free.Add(b.Locked) }

// RateUse is a venue account's rate-limit use as the venue last stated it
// (Binance's X-MBX-USED-WEIGHT-1M and X-MBX-ORDER-COUNT-* headers): the
// engine's own budget takes the higher of its count and the venue's.
type RateUse struct {
	At         int64 // unix nanoseconds the venue said it; 0: never
	Weight1m   int64
	Orders10s  int64
	Orders1d   int64
	RetryUntil int64 // unix nanoseconds until which the venue refuses requests (429, 418); 0: none
	Status     int   // the HTTP status of the last refusal (429 or 418); 0: none
}

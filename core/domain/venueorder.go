package domain

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

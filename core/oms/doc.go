// Package oms is desk's order management system: the state machine of every
// order and the fills applied to them exactly once. What the fills add up
// to, positions and P&L, is the ledger's (package risk): the OMS hands
// each fill out once, and the engine books it there.
//
// # How it fits
//
// The engine goroutine drives it. For a strategy's new-order intent it calls
// Create, runs pre-trade risk, then either Reject (denied, or the venue's
// queue is full) or Sent once the router handed the order to a venue. A
// cancel or replace it sends is recorded with CancelRequested or
// ReplaceRequested. Every execution report from a venue goes through Apply,
// which moves the order along the table in state.go, refuses what does not
// fit (a duplicate or excess fill, an ack for a finished order), and
// returns each fill once. The engine journals the order after
// every change and every fill Apply returns; on start it replays the
// journal through Restore and RestoreFill.
//
// # States
//
// An order starts new and goes to pending-new when sent, then open on the
// venue's ack and partially-filled and filled as fills arrive; fills may
// come before the ack. A cancel or replace in flight is pending-cancel or
// pending-replace until the venue answers; a refused one returns the order
// to where it was (the only way back). Filled, canceled, rejected and
// expired are terminal and never change, with one exception of substance: a
// fill that arrives after a cancel or expiry is still booked (the trade
// happened), and the order stays canceled or expired with the late fill in
// Filled.
//
// # Caveats
//
// An OMS is not safe for concurrent use: only the engine goroutine may call
// it, and the orders and fills it hands out are its own, valid as
// each method's comment says. Copy what goes to another goroutine (a
// strategy, the journal writer, a client).
//
// The hot path (Create, Sent, the other transitions, Apply of acks, fills
// and other reports) does not allocate in the steady state: orders live in
// a slab whose slots are reused, and orders and fills are indexed by
// open-addressing tables (table.go) that reuse their slots where a Go map
// would now and then rebuild itself. Growth to a new high of orders held or
// fills remembered allocates; so do errors, for their message.
//
// Some refusals are benign races rather than faults: an ack that arrives
// after the order filled, a second cancel request while one is in flight,
// a report for an order evicted long ago. They return ErrTransition or
// ErrUnknownOrder and change nothing; the engine should log them, not
// alert. ErrOverfill, and ErrTransition for a fill, are worth an alert and
// a query to the venue.
//
// Terminal orders are kept, at most Options.KeepTerminal of them, so Get and
// Recent can show them and late or repeated reports about them are judged
// correctly; a report about an evicted order fails with ErrUnknownOrder. A
// fill is recognised as a duplicate by (venue, order, trade id) for as long
// as its order is held.
//
// A fill for a rejected order is refused with ErrTransition, not booked: a
// venue that rejects an order should not trade it, and the engine should
// alert and reconcile rather than let the OMS guess. A fill must carry a
// trade id; an adapter for a venue that has none must make a stable one.
//
// RestoreFill remembers fills (and says which are new, for the ledger) and
// Restore puts orders back, independently; the journal must hold a fill and
// the order snapshot after it together (one group commit), or a crash
// between them leaves the order's Filled behind its position until
// reconciliation with the venue.
package oms

// Package risk holds the pre-trade risk tree: the firm, its books and their
// strategies, each a Node with a trading state, circuit breakers, limits,
// and the positions, working orders and P&L of everything below it. It is
// the desk's ledger (ledger.go): the one owner of every strategy's
// positions at average cost and of every node's P&L, which the engine's
// status and the strategies read too.
//
// # Basics
//
// A Tree is built once from config (NewTree). The engine feeds it what
// happens: reference prices (OnMark), orders that go out (Admit), every
// later change of an order with its fill if any (OnOrder: one call,
// whatever the change), cancels and replaces sent (OnMessage), venue
// rejects (OnReject) and denials (OnDenied). For every new order it asks
// Check, which returns Pass or the Reason of the first limit the order
// breaks. Cancels never pass through Check: a cancel always goes out.
//
// Limits are keyed (see Keys), set per node, and the per-instrument ones
// may be overridden per asset class and per instrument. They are compiled
// to each instrument's fixed-point scales, so Check compares integers and
// allocates nothing. Every node on an order's path applies its own limits:
// a strategy may be tighter than its book, never looser. Hard caps bound
// every value, configured or set live (SetLimit). A change may be planned
// first (PlanLimit: the same validation, nothing changed), its Breaches
// listed against the orders, positions and totals of now, and then
// applied (Apply). Use reports each limit of a node against what it
// counts now, for the status.
//
// # States and breakers
//
// A node's effective state is the most restrictive of its operator-set
// state (SetState), the actions of its tripped breakers, and its
// ancestors': halting a book halts its strategies. Breakers trip by
// themselves (Evaluate for daily loss and drawdown, OnReject, OnDenied,
// Stale, VenueDown, JournalFailed) and stay tripped until an operator
// resets them (Reset). Each returns the Trips it caused so the engine can
// journal them, alert, and cancel working orders where configured. A node
// remembers who last set its state (SetStateBy, Changed) and when and why
// each breaker tripped (TripRecords); Cause puts them in words when a
// node's effective state is more restrictive than an operator asked.
//
// # Restarts
//
// Replaying the journal's fills rebuilds positions and cash exactly; the
// engine re-applies journaled states, limit changes, trips and day
// baselines (SetStateBy, SetLimit, Trip, SetDayBase). A day's P&L high-water
// mark restarts from the restored P&L, and token buckets and sliding
// counters start empty.
//
// # Caveats
//
// A Tree is not safe for concurrent use: it is trading state, owned by the
// engine goroutine like orders and positions, and takes time only from
// the now its callers pass, so a replay makes the same decisions. Slices
// of Trips returned by the breaker methods are reused by the next call.
package risk

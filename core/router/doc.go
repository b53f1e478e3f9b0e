// Package router is desk's smart order router: it decides which venue or
// venues each new order goes to, and records why.
//
// # Basics
//
// New takes each venue's fees, rate limits and listed instruments (names
// included, for the text of decisions); SetInstruments gives it the lots
// to split by and the scales to print with. The engine then feeds it:
//
//   - OnBook: each venue's book, of which the router keeps the best Depth
//     levels a side per venue and instrument (book.go);
//   - SetConnected, SetReconciling, SetStale and ObserveAck: whether a
//     venue is up, reconciling its orders, fresh for an instrument, and
//     how fast it acknowledges orders, as an average weighting each new
//     sample 1/8 (venue.go);
//   - Spend: what it sent, against each venue account's rate budget
//     (budget.go).
//
// Plan (plan.go) returns a Decision (decision.go): the legs, best first,
// whose quantities sum to the order's, each a lot multiple; the reason;
// the tie-break, if one decided; the runner-up and its net price; and
// every venue skipped, with why. Venues that are down, reconciling, stale
// for the instrument or out of budget are skipped. An order that takes
// liquidity goes to the best touch net of the taker fee, then the most
// displayed within its limit, then the lowest measured ack latency, then
// the venue listed first. When it is larger than the best venue shows
// within its limit it is split: the displayed levels of every venue that
// can take it are swept best net first, and what nobody shows (and what
// rounding to the lot leaves) goes to the best venue, resting at the
// limit or worked as a market order. A fill-or-kill is never split. An
// order that rests (post-only, or a limit that crosses nowhere) goes to
// the best maker fee, avoiding, when it can, the venues where a post-only
// price would take; a stop goes to the best taker fee.
//
// Route is Plan's first venue, for callers that send one order.
//
// Prices net of fees are integers (Net, millionths of a price unit), and
// fees are held in millionths of notional (0.01 basis point), so every
// comparison is exact.
//
// # Caveats
//
// A Router is engine state: not safe for concurrent use, called only from
// the engine goroutine. OnBook, Plan and Route allocate nothing; a
// Decision is a value of fixed size (MaxVenues legs and skips) that may be
// kept, and its String and AppendText, which allocate, may run on any
// goroutine, off the hot path.
//
// The router knows only what venues display, Depth levels deep: hidden
// and iceberg liquidity, and levels beyond Depth, are unknown, and books
// move between Plan and the venue: a split leg may fill less than
// planned, and then rests at its own limit at its venue (or is canceled,
// if immediate-or-cancel). The router does not re-route what a leg did
// not fill. Plan spends no budget: the caller
// spends what it sends, one order per leg. A price too large for its net
// to fit an int64 (about 9.2e12 price units) counts as no quote.
package router

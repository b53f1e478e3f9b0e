// Package router chooses the venue for each order.
//
// This first router sends an order to the connected venue with the best
// price net of fees for it: for an order that takes liquidity, the best
// touch after the taker fee; for a post-only order, the best maker fee (ties go to
// the venue listed first). Splitting large orders and latency-aware
// routing come later.
//
// # Caveats
//
// A Router is engine state: not safe for concurrent use, called only from
// the engine goroutine. Route allocates nothing.
package router

// Package risk holds the pre-trade risk tree: the firm, its books and their
// strategies, each a Node with a trading state and limits, and the inline
// checks every new order passes before it may reach a venue.
//
// # Basics
//
// A Tree is built once from config (NewTree). The engine asks Check for
// every new order and tells the tree about every fill (OnFill) so node
// positions stay current. Check returns the empty Reason when the order may
// go, or a Reason constant naming the first limit it breaks. Cancels never
// pass through Check: a cancel always goes out.
//
// A node's effective state is the most restrictive of its own and its
// ancestors': halting a book halts its strategies.
//
// Limits are configured in decimal units and compiled per instrument into
// fixed-point values, so Check does integer comparisons only and allocates
// nothing.
//
// # Caveats
//
// A Tree is not safe for concurrent use: it is trading state, owned by the
// engine goroutine like orders and positions. Clients read it through the
// engine's published snapshots.
package risk

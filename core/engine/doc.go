// Package engine is the single writer of all trading state: orders,
// positions, the risk tree and its trading states, and the router's view of
// the venues.
//
// # Basics
//
// One goroutine, Run, owns that state and consumes four bounded queues:
// operator commands (checked first on every turn, so a halt never waits
// behind market data), execution reports, strategy intents and books. For
// each new order it runs the hot path in line:
//
//	intent -> OMS create -> risk check -> router -> OMS pending-new
//	       -> journal (queued for group commit) -> venue submit
//
// and for each report: OMS apply -> journal -> positions and risk -> the
// strategy. Nothing on that path allocates in the steady state, and the
// engine's own state takes no locks; handing an event to a strategy takes
// that strategy's mailbox mutex for a copy.
// The stage stamps each event carries feed a latency histogram per stage,
// published with the status (latency.go).
//
// # Risk
//
// The engine owns the risk tree (package risk) like the orders: it checks
// and admits every new order, feeds the tree fills, marks, rejects and
// denials, and acts on the breakers it trips (breakers.go): journal, alert,
// and cancel the node's working orders where configured. A kill halts a
// node, then cancels everything working under it, in one command. Every
// state change, limit change (limits.go), trip, reset, kill and denial is
// journaled with who and why; the most recent ones answer desk ctl audit
// (audit.go). On start, the config's limits are reconciled with the
// journal's so that the most recent change wins (config.go).
//
// Clients never touch the engine's state: every SnapshotInterval the engine
// publishes an immutable protocol.Status that readers load atomically, and
// commands (halt, resume, orders) go through the command queue and get their
// answer on a reply channel.
//
// Given the same inputs in the same order, the engine makes the same
// decisions: time comes from Options.Clock and state is rebuilt from the
// journal with Restore before Run.
//
// # Caveats
//
//   - Only Run's goroutine touches trading state. Restore and Reconcile run
//     before Run, on the caller's goroutine; never at the same time as Run.
//   - Submit, OnBook and the Reports channel are for other goroutines; they
//     block when their queue is full (backpressure, never a drop). Venue and
//     StrategyHost methods are called from Run and must never block, so no
//     cycle of waits can form.
//   - The journal's Append may block when its queue is full: disk is the one
//     thing the engine waits for, because an unjournaled order must not go out.
package engine

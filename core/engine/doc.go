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
// published with the snapshot (latency.go).
//
// # Risk
//
// The engine owns the risk tree (package risk) like the orders: it checks
// and admits every new order, feeds the tree fills, marks, rejects and
// denials, and acts on the breakers it trips (breakers.go): journal, alert,
// and cancel the node's working orders where configured. A kill halts a
// node, then cancels everything working under it, in one command; an
// operator may also cancel one order or every order under a node without
// changing any state (cancel.go), and kills, breakers and these cancels
// all go through one loop (cancelUnder). A limit change may be a dry run:
// validated as the real one and answered with what it would breach
// (risk.Tree.Breaches), changing and journaling nothing. Every state
// change, limit change (limits.go), trip, reset, kill, cancel and denial
// is journaled with who and why; the most recent ones answer desk ctl audit
// (audit.go). On start, the config's limits are reconciled with the
// journal's so that the most recent change wins (config.go).
//
// Clients never touch the engine's state. Every SnapshotInterval the engine
// publishes an immutable Snapshot of domain values (snapshot.go) that
// readers load atomically; queries (Orders, Audit, Limits) read a view of
// the engine's own (view.go) that the engine feeds with what changed and
// never waits for. The view logs which orders each hand-over changed, so
// the conflated orders stream (OrdersSince, stream.go) costs what changed
// since a client's cursor.
// Commands (halt, resume, reduce-only, kill, cancel, cancel-all, reset,
// limits) go through the command
// queue, served before every other queue but at most 16 in a row, and are
// answered on a reply channel; the caller then waits, off the engine's
// goroutine, until the journal has made the command's records durable
// (Journal.WaitDurable), so an answer survives a crash.
//
// The engine speaks domain types only and imports nothing of
// core/protocol: the snapshot, the query answers (OrdersPage, AuditRecord,
// Limits), the command results (StateChange, KillResult, ResetResult,
// LimitChange) and alerts (Alert) are rendered as the socket's messages by
// package core/wire, on the reader's goroutine, with the static names of
// Names. The engine's goroutine copies what it must read from its own
// state; formatting decimals, times and names, and sorting for display,
// happen there.
//
// # Durability
//
// Orders and reports are journaled (queued for the group commit) before a
// venue hears of them, but the send does not wait for the commit. A crash
// may lose the record of an order a venue received: on start, Reconcile
// replays each venue's record of the orders under desk's ids (the id names
// the strategy) and adopts what the journal lacks, each fill once. While
// the journal cannot write, it holds events in memory; the engine halts
// the firm through the journal breaker, keeps applying reports, refuses
// breaker resets, and answers commands with ErrNotDurable.
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
//   - The journal's Append may block when its queue is full: a slow disk is
//     the one thing the engine waits for, because an unjournaled order must
//     not go out. A failed disk does not block it: the journal then holds
//     events in memory.
//   - Orders, OrdersSince, Audit, Limits, Snapshot and Names are safe from
//     any goroutine and never wait for the engine; the command methods
//     (SetState, Kill, Cancel, CancelAll, Reset, SetLimit, Sync) wait for
//     the engine and then for the journal.
package engine

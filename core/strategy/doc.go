// Package strategy is how desk runs automated strategies: the interface a
// strategy author implements, a typed registry of strategy kinds, and the
// Host that runs one strategy instance in its own goroutine for the engine.
//
// # Basics
//
// A strategy implements Strategy (OnBook) and, when it needs them, the
// optional capabilities Starter, OrderHandler, FillHandler, TimerHandler and
// StateHandler. Every callback receives the strategy's *Context: its
// instruments, the latest books per venue, its position and working orders,
// the clock, and Place, Cancel and Replace.
//
// A kind of strategy is registered by name with a Factory that reads its
// Params:
//
//	reg := strategy.NewRegistry()
//	err := demo.Register(reg) // or reg.Register("my-kind", newMyKind)
//	s, err := reg.New("market-maker", map[string]string{"spread_bps": "8"})
//
// The daemon then wraps each instance in a Host and runs it:
//
//	h, err := strategy.NewHost(strategy.HostOptions{
//		ID: id, Name: "mm-btc", Strategy: s, Instruments: ins,
//		Submit: engine.SubmitIntent, NextID: engine.NextOrderID,
//		OnFailure: engine.StrategyFailed,
//	})
//	go h.Run(ctx) // the engine calls h.OnBook, h.OnOrder, ...
//
// # Delivery
//
// The engine's calls into a Host never block. Books are conflated in a
// mailbox: one slot per (venue, instrument), so a lagging strategy sees the
// newest book of each slot, once. Orders, fills and state changes queue in
// a FIFO that is never dropped; before the strategy sees an order or a
// fill, its Context's open orders and position are updated (unless the
// host is bound to the engine's Ledger, which the Context then reads
// directly: see Host.Bind). On each
// wake-up the strategy gets the queued events first, in order, then the
// changed books in slot order (instrument by instrument as configured, then
// venue by venue as first seen).
//
// Place returns the new order's id at once (HostOptions.NextID) and sends
// the intent through HostOptions.Submit; the order is tracked as working
// until the engine reports it terminal. Positions are the engine's
// ledger's: delivered with each fill (and restored at start), or read from
// the Ledger by a bound host.
//
// # Failure
//
// A panic in any callback is recovered: the Host logs it with its stack,
// stops calling the strategy, calls HostOptions.OnFailure once and Run
// returns an error wrapping ErrPanicked. A strategy that falls
// HostOptions.MaxBacklog events behind fails the same way with ErrBacklog.
// Other hosts are unaffected; the engine halts the failed strategy.
//
// # Caveats
//
//   - OnBook, OnOrder, OnFill and OnState of a Host are called by the
//     engine goroutine (any goroutine is safe) and never block: they copy
//     the event under the mailbox lock and signal a 1-buffered channel.
//   - Every Strategy callback and every Context method runs on the
//     strategy's goroutine (Host.Run), one at a time. A Context must not be
//     used from another goroutine, nor kept after the Host stops.
//   - Callbacks must not block: while one runs, the strategy's books are
//     conflated and its events queue toward MaxBacklog. Do I/O, if ever, in
//     a goroutine of the strategy's own that reports back through a channel
//     the strategy polls in OnTimer.
//   - HostOptions.Submit is called from the strategy goroutine and may block
//     briefly on the engine's inbox; it must copy the intent.
//   - OnFailure is called from the strategy goroutine or, for a backlog
//     overflow, a goroutine of its own; never from the engine goroutine.
//   - Pointers a callback receives (books, orders, fills) and those Context
//     returns are valid until the callback returns.
//   - A Registry is safe for concurrent use; Params are not.
package strategy

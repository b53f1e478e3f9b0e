package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/desk-trading/desk/core/domain"
)

// DrivenHost is a StrategyHost the engine can run on its own goroutine
// (a *strategy.Host is one): a strategy whose slot says Driven has its
// callbacks called by the engine right after the event that caused them,
// and the intents it submits meanwhile taken at once, with no goroutine
// hop between a book and the order it causes.
type DrivenHost interface {
	StrategyHost
	// Start runs the strategy's start-up, once, before any delivery.
	Start() error
	// DeliverNow runs the strategy's callbacks for what it was handed.
	// An error (a panic, a backlog overflow) means the strategy failed.
	DeliverNow() error
	// DeliverBookNow runs its book callback for b at once, after any
	// events still queued, with DeliverNow's errors.
	DeliverBookNow(b *domain.BookUpdate) error
	// TimerNow runs its timer callback when due at wall time now.
	TimerNow(now time.Time) error
	// Unbind stops it reading the engine's records in place (see
	// Ledger), for a move to a goroutine of its own: it takes copies of
	// them now, on the engine goroutine, and keeps them from its events
	// from then on. A host that reads nothing in place does nothing.
	Unbind()
	// Run moves it to a goroutine of its own, until ctx ends.
	Run(ctx context.Context) error
}

// StrategyLedger is one strategy's positions and working orders as the
// engine holds them: the one record of them, which a driven strategy's
// host reads in place (strategy.Host.Bind) rather than keeping copies
// from its events. Its methods read the engine's state unguarded: call
// them only on the engine goroutine, which is where a driven strategy's
// callbacks run.
type StrategyLedger struct {
	e  *Engine
	id domain.StrategyID
}

// Ledger returns strategy id's ledger, for the host of a Driven slot.
func (e *Engine) Ledger(id domain.StrategyID) *StrategyLedger {
	return &StrategyLedger{e: e, id: id}
}

// Position returns the strategy's net position in instrument i, with
// every fill booked so far; zero when it never traded i.
func (l *StrategyLedger) Position(i domain.InstrumentID) domain.Qty {
	if p := l.e.risk.Position(l.id, i); p != nil {
		return p.Qty
	}
	return 0
}

// WorkingOrders calls fn for each of the strategy's working orders,
// oldest first, until fn returns false. The orders are the OMS's own: fn
// must not change them.
func (l *StrategyLedger) WorkingOrders(fn func(o *domain.Order) bool) {
	l.e.oms.WorkingOf(l.id, fn)
}

// DefaultStrategyBudget is how long one delivery to a driven strategy may
// take (Options.StrategyBudget) before the engine moves the strategy to a
// goroutine of its own: past it, it holds up every other strategy and
// every order.
const DefaultStrategyBudget = 2 * time.Millisecond

// overrunsToMove deliveries over the budget within overrunWindow move a
// strategy to a goroutine of its own: one can be a pause of the machine's
// (a GC, another process on the core), three in a second are the
// strategy.
const (
	overrunsToMove = 3
	overrunWindow  = time.Second
)

// overran counts an overrun of st's at at (domain.Mono), and reports
// whether it makes overrunsToMove within overrunWindow.
func (e *Engine) overran(st *strategy, at int64) bool {
	if st.overruns == 0 || time.Duration(at-st.overrunFrom) > overrunWindow {
		st.overruns, st.overrunFrom = 0, at
	}
	st.overruns++
	return st.overruns >= overrunsToMove
}

// maxDrivenRounds bounds the rounds of deliveries and the intents they
// submit that one call of runDriven makes; the rest waits for the next.
const maxDrivenRounds = 8

// drivenHost wraps a driven strategy's host: each event handed to it marks
// the strategy for a delivery.
type drivenHost struct {
	DrivenHost
	e  *Engine
	st *strategy
}

// OnBook delivers the book at once: no copy into the mailbox and out.
func (h *drivenHost) OnBook(b *domain.BookUpdate) {
	if !h.st.driven.Load() {
		h.DrivenHost.OnBook(b) // moved to its goroutine: through its mailbox
		return
	}
	h.e.deliverBook(h.st, b, 0)
}

// deliverBook hands b to driven strategy st at once and times the
// callback against its budget from start (domain.Mono; 0: read it now).
// It returns the clock when the callback returned, the start of the next
// strategy's on the same book: n strategies on a book take n+1 reads of
// the clock rather than 2n.
func (e *Engine) deliverBook(st *strategy, b *domain.BookUpdate, start int64) int64 {
	if start == 0 {
		start = domain.Mono()
	}
	err := st.host.DeliverBookNow(b)
	end := domain.Mono()
	e.delivered(st, start, end, err)
	return end
}
func (h *drivenHost) OnOrder(o *domain.Order) { h.DrivenHost.OnOrder(o); h.e.touch(h.st) }
func (h *drivenHost) OnFill(f *domain.Fill, q domain.Qty) {
	h.DrivenHost.OnFill(f, q)
	h.e.touch(h.st)
}
func (h *drivenHost) OnState(s domain.TradingState) { h.DrivenHost.OnState(s); h.e.touch(h.st) }

// touch marks st for a delivery, once until it is delivered to.
func (e *Engine) touch(st *strategy) {
	if !st.touched && st.driven.Load() {
		st.touched = true
		e.touched = append(e.touched, st)
	}
}

// startDriven starts the driven strategies, before the first event.
func (e *Engine) startDriven() {
	for _, st := range e.strats {
		if st != nil && st.driven.Load() {
			if err := st.host.Start(); err != nil {
				e.drivenFailed(st, err)
			}
		}
	}
	e.runDriven()
}

// runDriven applies the intents the driven strategies submitted and
// delivers to those marked since, in rounds, since an intent's answer (an
// order created, denied) is itself delivered. Each round applies the
// intents first: a strategy is never delivered to again while an intent
// it submitted waits (strategy.Host.Bind counts on it), even when the
// rounds of the last call ran out.
func (e *Engine) runDriven() {
	for round := 0; round < maxDrivenRounds && (len(e.touched) > 0 || len(e.drivenIntents) > 0); round++ {
		q := e.drivenIntents
		e.drivenIntents = e.intentsNext[:0]
		for k := range q {
			e.now = e.clock().UnixNano()
			e.onIntent(&q[k])
		}
		e.intentsNext = q[:0]
		touched := e.touched
		e.touched = e.touchedNext[:0]
		for _, st := range touched {
			st.touched = false
			if !st.driven.Load() {
				continue
			}
			start := domain.Mono()
			err := st.host.DeliverNow()
			e.delivered(st, start, domain.Mono(), err)
		}
		clear(touched)
		e.touchedNext = touched[:0]
	}
	// Intents of the last deliveries, when the rounds ran out, wait for
	// the next call, which applies them before it delivers anything.
}

// delivered takes the outcome of a delivery to st from start to end
// (domain.Mono: the monotonic clock alone, read at half the cost of
// time.Now): a failure halts it, an overrun may move it to a goroutine of
// its own.
func (e *Engine) delivered(st *strategy, start, end int64, err error) {
	if err != nil {
		e.drivenFailed(st, err)
		return
	}
	if took := time.Duration(end - start); took > e.opts.StrategyBudget && e.overran(st, start) {
		e.moveToGoroutine(st, took)
	}
}

// timeDriven runs the driven strategies' timers that are due, each timed
// against its budget like a book's callback.
func (e *Engine) timeDriven() {
	now := time.Now()
	for _, st := range e.strats {
		if st != nil && st.driven.Load() {
			start := domain.Mono()
			err := st.host.TimerNow(now)
			e.delivered(st, start, domain.Mono(), err)
		}
	}
	e.runDriven()
}

// hostsStopLimit bounds how long Run waits, once stopped, for the
// strategies it moved to goroutines of their own.
const hostsStopLimit = 5 * time.Second

// waitHosts waits for wg at most limit, and reports whether it was done.
func waitHosts(wg *sync.WaitGroup, limit time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(limit):
		return false
	}
}

// drivenFailed halts a driven strategy that failed, alone, as a host's
// failure report does.
func (e *Engine) drivenFailed(st *strategy, err error) {
	st.driven.Store(false)
	e.haltFailed(st, err)
}

// moveToGoroutine gives a driven strategy that overran its budget
// (overrunsToMove deliveries within overrunWindow) a goroutine of its own, with its
// mailbox, and says so.
func (e *Engine) moveToGoroutine(st *strategy, took time.Duration) {
	st.driven.Store(false)
	e.alert("warning", st.Name, fmt.Sprintf("strategy %s took %s, over its %s budget on the engine %d times in a second: moved to a goroutine of its own",
		st.Name, took.Round(time.Microsecond), e.opts.StrategyBudget, overrunsToMove))
	st.host.Unbind() // its goroutine must not read the engine's records
	ctx := e.runCtx
	e.hostsWG.Go(func() {
		if err := st.host.Run(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("strategy stopped", "strategy", st.Name, "err", err)
		}
	})
}

// submitDriven takes an intent a driven strategy submitted from its
// callback, on the engine goroutine; it is applied when the callback
// returns. It reports false for a strategy that is not driven.
func (e *Engine) submitDriven(in *domain.Intent) bool {
	st := e.strategy(in.Strategy)
	if st == nil || !st.driven.Load() {
		return false
	}
	e.drivenIntents = append(e.drivenIntents, *in)
	return true
}

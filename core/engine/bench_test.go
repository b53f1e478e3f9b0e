package engine

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// BenchmarkHaltUnderBacklog is a halt (or resume) of a strategy while the
// book queue is full and kept full: a producer refills it as the engine
// drains it, with books that do not conflate, so every halt arrives behind
// a backlog, as in a burst that outruns the engine. backlog-avg is the
// queue a halt found on average (the benchmark fails when more than one
// halt in ten found it empty: it would not measure what its name says);
// worst-us is the slowest halt.
func BenchmarkHaltUnderBacklog(b *testing.B) {
	const backlog = 1 << 16
	f := newFixtureQueue(b, nopVenue{}, &nopJournal{}, nopHost{}, risk.Limits{}, backlog)
	book := domain.BookUpdate{Instrument: 0, NBids: 1, NAsks: 1}
	book.Bids[0] = domain.Level{Price: 10_000, Qty: 1}
	book.Asks[0] = domain.Level{Price: 10_002, Qty: 1}
	for len(f.eng.books) < backlog {
		book.Seq++
		book.Venue = domain.VenueID(book.Seq % 256)
		f.eng.books <- book
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.eng.Run(ctx) }()
	produced := make(chan struct{})
	go func() { // keeps the queue full until the benchmark ends
		defer close(produced)
		for seq := book.Seq; ; {
			seq++
			// Books of 256 venues in turn: none conflates with another in
			// a batch, so each costs the engine a whole book.
			book.Seq, book.Venue = seq, domain.VenueID(seq%256)
			select {
			case f.eng.books <- book:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer func() { cancel(); <-done; <-produced }()

	states := [2]domain.TradingState{domain.Halted, domain.Active}
	var worst time.Duration
	var queued, empty int
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		n := len(f.eng.books)
		queued += n
		if n == 0 {
			empty++
		}
		start := time.Now()
		if _, err := f.eng.SetState(ctx, "mm", states[i&1], "bench", ""); err != nil {
			b.Fatal(err)
		}
		worst = max(worst, time.Since(start))
	}
	// The producer shares two cores with the engine: once in a while it is
	// not running when a halt comes. More than that, and this is not the
	// benchmark its name says.
	if empty*10 > b.N {
		b.Fatalf("%d of %d halts found the book queue empty: no backlog to jump", empty, b.N)
	}
	b.ReportMetric(float64(queued)/float64(b.N), "backlog-avg")
	b.ReportMetric(float64(worst.Microseconds()), "worst-us")
}

// countVenue counts what it is sent.
type countVenue struct{ submits, cancels int }

func (v *countVenue) Submit(*domain.Order) error                            { v.submits++; return nil }
func (v *countVenue) Cancel(*domain.Order) error                            { v.cancels++; return nil }
func (v *countVenue) Replace(*domain.Order, domain.Price, domain.Qty) error { return nil }

// BenchmarkKill1000 measures a firm kill with 1,000 working orders: from
// the command to the last cancel handed to the venue, including the halt,
// 1,001 journal appends and the status publication.
func BenchmarkKill1000(b *testing.B) {
	v := &countVenue{}
	f := newFixtureQueue(b, v, &nopJournal{}, nopHost{}, risk.Limits{}, 0)
	f.liveView(b) // as in Run: the view applies beside the engine
	f.quote()
	var worst time.Duration
	for b.Loop() {
		b.StopTimer()
		if _, err := f.eng.risk.SetState(risk.FirmNode, domain.Active); err != nil {
			b.Fatal(err)
		}
		for k := 0; k < 1000; k++ {
			in := f.intent(1)
			in.Price -= domain.Price(k % 50)
			f.eng.onIntent(&in)
			f.eng.onReport(&domain.ExecReport{Kind: domain.ExecAck, OrderID: in.ID, VenueOrderID: uint64(in.ID)})
		}
		f.settleView() // the tick that follows the setup's orders, before the kill
		before := v.cancels
		b.StartTimer()
		start := time.Now()
		res, err := f.eng.kill(risk.FirmNode, "bench", "")
		elapsed := time.Since(start)
		b.StopTimer()
		if err != nil || res.Canceled != 1000 || v.cancels-before != 1000 {
			b.Fatalf("kill: %+v %v; venue got %d cancels", res, err, v.cancels-before)
		}
		worst = max(worst, elapsed)
		// Confirm the cancels so the next round starts from no working orders.
		f.eng.oms.Working(func(o *domain.Order) bool {
			f.eng.onReport(&domain.ExecReport{Kind: domain.ExecCanceled, OrderID: o.ID})
			return true
		})
		b.StartTimer()
	}
	b.ReportMetric(float64(worst.Microseconds()), "worst-us")
}

// BenchmarkKill1000Queued measures a firm kill with 1,000 working orders
// as an operator gets it: through the command queue of a running engine,
// from the call of Kill to its answer, which comes once the status that
// shows it is built (journal commits are instant here). The engine's
// view, publisher and Run loop all run; the orders are set up through
// the engine's own queues before each kill.
func BenchmarkKill1000Queued(b *testing.B) {
	v := &atomicCancelVenue{}
	f := newFixtureQueue(b, v, &nopJournal{}, nopHost{}, risk.Limits{}, 2048)
	f.quote()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.eng.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	ids := make([]domain.OrderID, 1000)
	var worst time.Duration
	for b.Loop() {
		b.StopTimer()
		if _, err := f.eng.SetState(ctx, risk.FirmNode, domain.Active, "bench", ""); err != nil {
			b.Fatal(err)
		}
		for k := range ids {
			in := f.intent(1)
			in.Price -= domain.Price(k % 50)
			ids[k] = in.ID
			if err := f.eng.Submit(&in); err != nil {
				b.Fatal(err)
			}
			f.eng.reports <- domain.ExecReport{Kind: domain.ExecAck, OrderID: in.ID, VenueOrderID: uint64(in.ID)}
		}
		drain(ctx, b, f.eng)
		before := v.cancels.Load()
		b.StartTimer()
		start := time.Now()
		res, err := f.eng.Kill(ctx, risk.FirmNode, "bench", "")
		elapsed := time.Since(start)
		b.StopTimer()
		if err != nil || res.Canceled != 1000 || v.cancels.Load()-before != 1000 {
			b.Fatalf("kill: %+v %v; venue got %d cancels", res, err, v.cancels.Load()-before)
		}
		worst = max(worst, elapsed)
		for _, id := range ids {
			f.eng.reports <- domain.ExecReport{Kind: domain.ExecCanceled, OrderID: id}
		}
		drain(ctx, b, f.eng)
		b.StartTimer()
	}
	b.ReportMetric(float64(worst.Microseconds()), "worst-us")
}

// drain returns once e has applied every intent and report queued: a
// command jumps those queues, so Sync alone would not wait for them.
func drain(ctx context.Context, tb testing.TB, e *Engine) {
	for len(e.intents) > 0 || len(e.reports) > 0 {
		runtime.Gosched()
	}
	if err := e.Sync(ctx); err != nil { // the last one taken is applied
		tb.Fatal(err)
	}
}

// atomicCancelVenue counts cancels; the count is read off the engine
// goroutine.
type atomicCancelVenue struct{ cancels atomic.Int64 }

func (v *atomicCancelVenue) Submit(*domain.Order) error                            { return nil }
func (v *atomicCancelVenue) Cancel(*domain.Order) error                            { v.cancels.Add(1); return nil }
func (v *atomicCancelVenue) Replace(*domain.Order, domain.Price, domain.Qty) error { return nil }

// BenchmarkOrdersPage measures one query's page of 1,000 orders out of
// 5,000 kept: the copy under the view's lock (rendering is core/wire's).
func BenchmarkOrdersPage(b *testing.B) {
	f := newFixture(b, nopVenue{}, &nopJournal{}, nopHost{}, risk.Limits{})
	f.quote()
	for range 5000 {
		in := f.intent(1)
		f.eng.onIntent(&in)
	}
	f.eng.handView()
	b.ReportAllocs()
	for b.Loop() {
		p, err := f.eng.Orders(context.Background(), "", 1000)
		if err != nil || len(p.Orders) != 1000 {
			b.Fatal(len(p.Orders), err)
		}
	}
}

package engine

import (
	"context"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// BenchmarkHaltUnderBacklog measures how long a halt (or resume) takes to
// be applied, acknowledged, journaled and published while a million book
// updates wait in the engine's queue: operator commands jump the queue, so
// the backlog should not matter. backlog-left shows the queue was still
// deep when the last command ran.
func BenchmarkHaltUnderBacklog(b *testing.B) {
	const backlog = 1 << 20
	f := newFixtureQueue(b, nopVenue{}, &nopJournal{}, nopHost{}, risk.Limits{}, backlog)
	book := domain.BookUpdate{Instrument: 0, NBids: 1, NAsks: 1}
	book.Bids[0] = domain.Level{Price: 10_000, Qty: 1}
	book.Asks[0] = domain.Level{Price: 10_002, Qty: 1}
	for len(f.eng.books) < backlog {
		book.Seq++
		f.eng.books <- book
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.eng.Run(ctx) }()
	defer func() { cancel(); <-done }()

	states := [2]domain.TradingState{domain.Halted, domain.Active}
	var worst time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := f.eng.SetState(ctx, "mm", states[i&1], "bench", ""); err != nil {
			b.Fatal(err)
		}
		worst = max(worst, time.Since(start))
	}
	b.ReportMetric(float64(len(f.eng.books)), "backlog-left")
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

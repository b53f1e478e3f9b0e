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

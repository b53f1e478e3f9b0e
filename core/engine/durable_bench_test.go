package engine

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
	"github.com/desk-trading/desk/store"
)

// BenchmarkCommandDurable measures a state-changing command's reply
// latency against a real journal on disk, fsync on: the engine applies the
// halt (or resume) and journals it, and the reply waits for the group
// commit that holds it. p50-ns and p99-ns are of single replies; commit-us
// is the reply's own figure for the wait.
func BenchmarkCommandDurable(b *testing.B) {
	j, err := store.Open(filepath.Join(b.TempDir(), "journal.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	f := newFixture(b, nopVenue{}, j, nopHost{}, risk.Limits{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.eng.Run(ctx) }()
	defer func() { cancel(); <-done }()

	states := [2]domain.TradingState{domain.Halted, domain.Active}
	var took []time.Duration
	var commit []int64
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		ack, err := f.eng.SetState(ctx, "mm", states[i&1], "bench", "")
		if err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
		us := ack.CommitWait.Microseconds()
		if ack.CommitWait > 0 {
			us = max(1, us) // as the wire rounds it
		}
		commit = append(commit, us)
	}
	slices.Sort(took)
	slices.Sort(commit)
	b.ReportMetric(float64(took[len(took)/2]), "p50-ns")
	b.ReportMetric(float64(took[len(took)*99/100]), "p99-ns")
	b.ReportMetric(float64(commit[len(commit)/2]), "commit-us")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkBookUnderQueries measures the engine's cost per book (a mark,
// the router, the strategy's host) as the wall time of a stream of books
// fed as fast as the engine takes them, with no query running and with
// ten clients querying orders and the audit trail without pause, through
// one query slot as the server runs them. 5,000 orders are kept, so each
// orders query renders a page of 1,000.
func BenchmarkBookUnderQueries(b *testing.B) {
	for _, clients := range []int{0, 10} {
		b.Run(map[int]string{0: "queries=none", 10: "queries=10-clients"}[clients], func(b *testing.B) {
			f := newFixtureQueue(b, nopVenue{}, &nopJournal{}, nopHost{}, risk.Limits{}, 1024)
			f.quote()
			for k := range 5000 {
				in := f.intent(1)
				in.Price -= domain.Price(k % 50)
				f.eng.onIntent(&in)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); f.eng.Run(ctx) }()
			slot := make(chan struct{}, 1) // the server's query pool on two CPUs
			var wg sync.WaitGroup
			for range clients {
				wg.Go(func() {
					for ctx.Err() == nil {
						slot <- struct{}{}
						f.eng.Orders(ctx, "", 0)
						f.eng.Audit(ctx, "", 100)
						<-slot
					}
				})
			}
			book := domain.BookUpdate{Instrument: 0, NBids: 1, NAsks: 1}
			book.Bids[0] = domain.Level{Price: 10_000, Qty: 1}
			book.Asks[0] = domain.Level{Price: 10_002, Qty: 1}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				book.Seq++
				book.Bids[0].Qty = domain.Qty(1 + i&7) // a new book each time
				f.eng.OnBook(&book)
			}
			if err := f.eng.Sync(ctx); err != nil { // every book taken
				b.Fatal(err)
			}
			b.StopTimer()
			cancel()
			wg.Wait()
			<-done
		})
	}
}

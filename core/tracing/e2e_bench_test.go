package tracing_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
	"github.com/desk-trading/desk/core/strategy"
	"github.com/desk-trading/desk/core/tracing"
	"github.com/desk-trading/desk/risk"
)

// fillVenue fills every order at once (one report on the engine's queue:
// the engine takes a report per book, so an ack as well would fill the
// queue) and records the tick-to-submit time of the latest.
type fillVenue struct {
	sent    atomic.Int64
	last    atomic.Int64
	reports chan domain.ExecReport
	trades  uint64
}

func (v *fillVenue) Submit(o *domain.Order) error {
	v.last.Store(domain.Mono() - o.Stamps.Received)
	v.trades++
	v.reports <- domain.ExecReport{Kind: domain.ExecFill, OrderID: o.ID, LastPx: o.Price, LastQty: o.Qty, TradeID: v.trades}
	v.sent.Add(1)
	return nil
}
func (v *fillVenue) Cancel(*domain.Order) error                            { return nil }
func (v *fillVenue) Replace(*domain.Order, domain.Price, domain.Qty) error { return nil }

// buyer buys one lot at the bid on every book.
type buyer struct{}

func (buyer) OnBook(ctx *strategy.Context, b *domain.BookUpdate) {
	if bid, ok := b.BestBid(); ok {
		ctx.Buy(b.Instrument, 1, bid.Price)
	}
}

type nopJournal struct{ seq atomic.Uint64 }

func (j *nopJournal) Append(ev *domain.Event) error             { ev.Seq = j.seq.Add(1); return nil }
func (j *nopJournal) WaitDurable(context.Context, uint64) error { return nil }

// BenchmarkOrderPathTracing is one book through the real engine to the
// venue's Submit of the order it causes (which the venue fills at once),
// with tracing off and on: on, a Tracer samples 1% or every order, polls
// the engine's order stream every millisecond and exports to an in-test
// OTLP collector over HTTP. The tracer reads the engine's view from its
// own goroutine, so the order path itself is unchanged: compare the
// tick-to-submit percentiles p50-ns and p99-ns. ns/op and B/op also count
// the CPU and allocations of the tracer's and exporter's goroutines,
// which on a machine of few cores compete with the engine's and the
// benchmark's spinning one. traced/op is the share of orders traced and
// missed/op the share the view forgot before the tracer saw them;
// KeepOrders is large so that the engine does not forget orders before
// its view sees them (at this rate 1000 would hide most of them from
// the stream, and so from the tracer).
func BenchmarkOrderPathTracing(b *testing.B) {
	for _, c := range []struct {
		name  string
		ratio float64 // < 0: tracing off
	}{{"off", -1}, {"on-1pct", tracing.DefaultSampleRatio}, {"on-100pct", 1}} {
		b.Run(c.name, func(b *testing.B) {
			in, err := domain.NewInstrument(0, domain.InstrumentSpec{Symbol: "BTC-USD", TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("0.001")})
			if err != nil {
				b.Fatal(err)
			}
			insts := []domain.Instrument{in}
			tree, err := risk.NewTree(risk.Config{Instruments: insts, Books: []risk.NodeConfig{{Name: "book"}},
				Strategies: []risk.StrategyConfig{{ID: 0, Name: "s", Book: "book", Instruments: []domain.InstrumentID{0}}}})
			if err != nil {
				b.Fatal(err)
			}
			v := &fillVenue{reports: make(chan domain.ExecReport, 1024)}
			var eng *engine.Engine
			h, err := strategy.NewHost(strategy.HostOptions{ID: 0, Name: "s", Strategy: buyer{}, Instruments: insts,
				Submit: func(in *domain.Intent) error { return eng.Submit(in) },
				NextID: func() domain.OrderID { return eng.NextOrderID(0) }})
			if err != nil {
				b.Fatal(err)
			}
			eng, err = engine.New(engine.Options{Instruments: insts, Venues: []engine.VenueSlot{{ID: 0, Name: "sim", Venue: v}},
				Strategies: []engine.StrategySlot{{ID: 0, Name: "s", Kind: "buyer", Book: "book", Host: h, Instruments: []domain.InstrumentID{0}, Driven: true}},
				Risk:       tree, Journal: &nopJournal{}, Epoch: 1, KeepOrders: 50_000, Reports: v.reports})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); eng.Run(ctx) }()
			defer func() { cancel(); <-done }() // runs after the tracer's defer
			var tr *tracing.Tracer
			if c.ratio >= 0 {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					io.Copy(io.Discard, r.Body)
					w.Header().Set("Content-Type", "application/x-protobuf")
				}))
				defer srv.Close()
				tr, err = tracing.New(ctx, tracing.Options{Endpoint: srv.URL, SampleRatio: c.ratio, Interval: time.Millisecond, Names: eng.Names()})
				if err != nil {
					b.Fatal(err)
				}
				trDone := make(chan struct{})
				go func() { defer close(trDone); tr.Run(ctx, eng) }()
				defer func() {
					// Let the view hand the last orders over and the
					// tracer read them, for at most 2 s.
					want := uint64(c.ratio * float64(b.N) * 0.95)
					for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
						if st := tr.Stats(); st.Traces+st.Missed >= want {
							break
						}
					}
					cancel()
					<-trDone
					sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
					defer c()
					tr.Shutdown(sctx)
					st := tr.Stats()
					b.ReportMetric(float64(st.Traces)/float64(b.N), "traced/op")
					b.ReportMetric(float64(st.Missed)/float64(b.N), "missed/op")
				}()
			}

			book := domain.BookUpdate{Instrument: 0, Venue: 0, NBids: 1, NAsks: 1}
			book.Bids[0] = domain.Level{Price: 10_000, Qty: 5}
			book.Asks[0] = domain.Level{Price: 10_002, Qty: 5}
			lat := make([]int64, 0, 1<<16)
			b.ReportAllocs()
			for b.Loop() {
				book.Seq++
				now := domain.Mono()
				book.Stamps = domain.Stamps{Received: now, Decoded: now}
				want := v.sent.Load() + 1
				eng.OnBook(&book)
				for v.sent.Load() < want {
					// the order is on its way through the engine
				}
				if len(lat) < cap(lat) {
					lat = append(lat, v.last.Load())
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			if len(lat) > 0 {
				b.ReportMetric(float64(lat[len(lat)/2]), "p50-ns")
				b.ReportMetric(float64(lat[len(lat)*99/100]), "p99-ns")
			}
		})
	}
}

package feeds_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/feeds"
)

// inprocWait bounds every wait of the benchmark: past it, it fails.
const inprocWait = 10 * time.Second

// signalSink is the engine's place: it sends the time it saw a book whose
// best bid is want (once per op; the channel has room for one).
type signalSink struct {
	want atomic.Int64
	got  chan time.Time
}

func (s *signalSink) OnBook(b *domain.BookUpdate) {
	now := time.Now()
	if w := s.want.Load(); w != 0 && b.NBids > 0 && int64(b.Bids[0].Price) == w {
		select {
		case s.got <- now:
		default:
		}
	}
}

// BenchmarkInProcessBookToSink is the in-process reference for the
// networked venue benchmarks of feeds/binance (BenchmarkLoopbackFrameToBook,
// BenchmarkSimVenueOverLoopback): a brokers/sim.Venue (no background flow,
// no latency, one instrument) whose Market is a feeds.Handler, whose Sink
// stands for the engine's inbox. One op submits a resting buy at a price
// above every bid so far (Venue.Submit of a *domain.Order) and waits until
// the Sink sees a book whose best bid is that order. The interval timed
// (ns/op and the p50-ns/p99-ns metrics) is time.Now before Submit to
// time.Now in Sink.OnBook: the request's channel handoff to the venue
// goroutine and its wake-up, the venue's batch (the order rests on the
// book), the venue's publication of the changed book (Venue.publish,
// MarketSink.Book), feeds.Handler.Book's sequence check and stamps, and
// the Sink call, all on the venue goroutine; ns/op adds the benchmark
// goroutine's wake-up and a timer reset. That is a venue book change
// reaching the engine's inbox in process, with the order's trip to the
// venue in front of it. (Venue.Mirror would publish to Market too, after
// applying the mirrored book, but it measures a mirror apply rather than a
// venue-side order; Submit is what the networked benchmark does.)
func BenchmarkInProcessBookToSink(b *testing.B) {
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{Symbol: "AAA-USD", Base: "AAA", Quote: "USD",
		TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("1")})
	if err != nil {
		b.Fatal(err)
	}
	sink := &signalSink{got: make(chan time.Time, 1)}
	h := feeds.NewHandler(feeds.Options{Venue: 1, Instruments: 1, Sink: sink})
	reports := make(chan domain.ExecReport, 64)
	v, err := sim.New(sim.Options{ID: 1, Instruments: []sim.SimInstrument{{Instrument: in}}, Reports: reports, Market: h})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-reports:
			case <-ctx.Done():
				return
			}
		}
	})
	wg.Go(func() { _ = v.Run(ctx) })
	b.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	// Setup only, outside the timed loop: Run gives no signal of its start.
	desktest.Eventually(b, inprocWait, "the venue to run", v.Connected)

	ops := make([]time.Duration, b.N)
	timer := time.NewTimer(inprocWait)
	defer timer.Stop()
	b.ReportAllocs()
	o := domain.Order{Instrument: in.ID, Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC, Qty: 1}
	b.ResetTimer()
	for i := range b.N {
		px := domain.Price(10000 + i)
		timer.Reset(inprocWait)
		sink.want.Store(int64(px))
		t0 := time.Now()
		o.ID, o.Price = domain.OrderID(i+1), px // Submit copies o
		if err := v.Submit(&o); err != nil {
			b.Fatal(err)
		}
		select {
		case t1 := <-sink.got:
			ops[i] = t1.Sub(t0)
		case <-timer.C:
			b.Fatalf("timed out after %s waiting for the bid at %d", inprocWait, px)
		}
	}
	b.StopTimer()
	if st := h.Stats(); st.OutOfOrder != 0 || st.Forwarded < uint64(b.N) {
		b.Fatalf("handler stats %+v after %d ops", st, b.N)
	}
	slices.Sort(ops)
	b.ReportMetric(float64(ops[len(ops)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(ops[min(len(ops)-1, len(ops)*99/100)].Nanoseconds()), "p99-ns")
}

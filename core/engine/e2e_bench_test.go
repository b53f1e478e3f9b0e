package engine_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
	"github.com/desk-trading/desk/core/strategy"
	"github.com/desk-trading/desk/risk"
)

// stampVenue records, for each order it is sent, the time from the book
// that caused it (Stamps.Received) to the submit, and fills it at once
// (a report on the engine's queue), so that no order stays open.
type stampVenue struct {
	sent    atomic.Int64
	last    atomic.Int64 // tick-to-submit of the latest, ns
	reports chan domain.ExecReport
	trades  uint64
}

func (v *stampVenue) Submit(o *domain.Order) error {
	v.last.Store(domain.Mono() - o.Stamps.Received)
	v.trades++
	v.reports <- domain.ExecReport{Kind: domain.ExecFill, OrderID: o.ID, LastPx: o.Price, LastQty: o.Qty, TradeID: v.trades}
	v.sent.Add(1)
	return nil
}
func (v *stampVenue) Cancel(*domain.Order) error                            { return nil }
func (v *stampVenue) Replace(*domain.Order, domain.Price, domain.Qty) error { return nil }

// once buys one lot at the bid on every book.
type once struct{}

func (once) OnBook(ctx *strategy.Context, b *domain.BookUpdate) {
	if bid, ok := b.BestBid(); ok {
		ctx.Buy(b.Instrument, 1, bid.Price)
	}
}

// BenchmarkTickToOrderEndToEnd is one book through the real engine, from
// OnBook (the feed's call) to the venue's Submit of the order the strategy
// places for it: the engine's queue and goroutine, the strategy, risk, the
// router and the journal's append, one book at a time. driven runs the
// strategy on the engine's goroutine (the default); goroutine runs it on
// its own, woken per book, as before issue 12. The venue fills each order
// at once, so the strategy's open orders stay few. An op is one book and
// its order; p50-ns and p99-ns are the tick-to-submit percentiles.
func BenchmarkTickToOrderEndToEnd(b *testing.B) {
	for _, driven := range []bool{true, false} {
		name := map[bool]string{true: "driven", false: "goroutine"}[driven]
		b.Run(name, func(b *testing.B) {
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
			v := &stampVenue{reports: make(chan domain.ExecReport, 1024)}
			var eng *engine.Engine
			h, err := strategy.NewHost(strategy.HostOptions{ID: 0, Name: "s", Strategy: once{}, Instruments: insts,
				Submit: func(in *domain.Intent) error { return eng.Submit(in) },
				NextID: func() domain.OrderID { return eng.NextOrderID(0) }})
			if err != nil {
				b.Fatal(err)
			}
			eng, err = engine.New(engine.Options{Instruments: insts, Venues: []engine.VenueSlot{{ID: 0, Name: "sim", Venue: v}},
				Strategies: []engine.StrategySlot{{ID: 0, Name: "s", Kind: "once", Book: "book", Host: h, Instruments: []domain.InstrumentID{0}, Driven: driven}},
				Risk:       tree, Journal: &nopJournal{}, Epoch: 1, KeepOrders: 1000, Reports: v.reports})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); eng.Run(ctx) }()
			if !driven {
				go h.Run(ctx)
			}
			defer func() { cancel(); <-done }()

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

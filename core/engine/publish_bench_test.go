package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// BenchmarkPublish measures one status publication, for the varied state
// of the rendering scenario (three strategies in two books, three
// positions, tripped breakers, latency): see benchPublish.
func BenchmarkPublish(b *testing.B) {
	benchPublish(b, newScenario(b).eng)
}

// benchPublish measures e's publication in its two halves: capture, the
// engine goroutine's share, and build, the publisher goroutine's.
func benchPublish(b *testing.B, e *Engine) {
	b.Run("capture", func(b *testing.B) {
		f := e.pub.frame()
		b.ReportAllocs()
		for b.Loop() {
			e.capture(f)
		}
	})
	b.Run("build", func(b *testing.B) {
		f := e.pub.frame()
		e.capture(f)
		b.ReportAllocs()
		for b.Loop() {
			e.plan.build(f, e.opts.Instruments)
		}
	})
}

// BenchmarkPublish500 measures one publication with 500 strategies in 10
// books, each strategy with five limits set and a working order and a
// position, the size the status is built for.
func BenchmarkPublish500(b *testing.B) {
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{
		Symbol: "BTC-USD", TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("0.001"),
	})
	if err != nil {
		b.Fatal(err)
	}
	insts := []domain.Instrument{in}
	cfg := risk.Config{Instruments: insts, Firm: risk.NodeConfig{Limits: risk.NodeLimits{Base: lims(b, "max_daily_loss", "100000")}}}
	var slots []StrategySlot
	for k := 0; k < 10; k++ {
		cfg.Books = append(cfg.Books, risk.NodeConfig{Name: fmt.Sprintf("book-%d", k), Limits: risk.NodeLimits{Base: lims(b, "max_position", "100")}})
	}
	for id := 0; id < 500; id++ {
		name, book := fmt.Sprintf("s-%d", id), fmt.Sprintf("book-%d", id%10)
		cfg.Strategies = append(cfg.Strategies, risk.StrategyConfig{ID: domain.StrategyID(id), Name: name, Book: book,
			Instruments: []domain.InstrumentID{0}, Limits: risk.NodeLimits{Base: lims(b, "max_position", "10", "max_open_orders", "50",
				"max_orders_per_sec", "20", "max_daily_loss", "1000", "max_rejects_per_min", "10")}})
		slots = append(slots, StrategySlot{ID: domain.StrategyID(id), Name: name, Kind: "bench", Book: book, Host: nopHost{}, Instruments: []domain.InstrumentID{0}})
	}
	tree, err := risk.NewTree(cfg)
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(Options{Instruments: insts, Venues: []VenueSlot{{ID: 0, Name: "sim", Venue: nopVenue{}}}, Strategies: slots,
		Risk: tree, Journal: &nopJournal{}, Epoch: 1, Clock: func() time.Time { return time.Unix(1_700_000_000, 0) }})
	if err != nil {
		b.Fatal(err)
	}
	f := &fixture{eng: e}
	f.quote()
	for id := 0; id < 500; id++ {
		for k, side := range []domain.Side{domain.Buy, domain.Sell} {
			in := domain.Intent{Kind: domain.IntentNew, ID: e.NextOrderID(domain.StrategyID(id)), Strategy: domain.StrategyID(id),
				Side: side, Type: domain.Limit, TIF: domain.GTC, Price: 10_000 + domain.Price(k), Qty: 1}
			e.onIntent(&in)
			if k == 0 {
				e.onReport(&domain.ExecReport{Kind: domain.ExecFill, OrderID: in.ID, LastPx: 10_000, LastQty: 1, TradeID: uint64(id + 1)})
			}
		}
	}
	e.handView()
	benchPublish(b, e)
}

package daemontest

import (
	"strconv"
	"testing"

	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/strategy"
	"github.com/desk-trading/desk/core/strategy/demo"
)

// ladder keeps count post-only buys resting far below the market, placing
// a few per book (the firm's order rate limit paces it), so a test can
// hold many working orders at once.
type ladder struct {
	count int
	next  int // distinct prices, so none is a duplicate of another
}

func (l *ladder) OnBook(ctx *strategy.Context, b *domain.BookUpdate) {
	if ctx.State() != domain.Active {
		return
	}
	in, _ := ctx.InstrumentByID(b.Instrument)
	bid, _, ok := ctx.BestBid(in.ID)
	if !ok {
		return
	}
	for k := 0; k < 20 && ctx.OpenOrderCount(in.ID) < l.count; k++ {
		// 10% and more under the bid: it never fills.
		px := in.RoundToTick(bid.Price - bid.Price/10 - domain.Price(l.next%5000)*in.TickSize)
		l.next++
		if _, err := ctx.Place(strategy.OrderSpec{
			Instrument: in.ID, Side: domain.Buy, Price: px, Qty: in.LotSize, PostOnly: true,
		}); err != nil {
			return
		}
	}
}

// LadderRegistry is the demo strategy kinds plus "ladder", which keeps
// its "count" param (count when unset) of post-only buys resting far
// below the market: orders that stay working until canceled.
func LadderRegistry(t testing.TB, count int) *strategy.Registry {
	t.Helper()
	reg := strategy.NewRegistry()
	if err := demo.Register(reg); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register("ladder", func(p *strategy.Params) (strategy.Strategy, error) {
		return &ladder{count: p.Int("count", count)}, p.Err()
	}); err != nil {
		t.Fatal(err)
	}
	return reg
}

// LadderConfig is the embedded default plus a strategy "ladder" of book
// beta resting count orders on BTC-USD, all on sim-a (so they are where
// a test looks for them). Run it with LadderRegistry.
func LadderConfig(t testing.TB, count int) *config.Config {
	t.Helper()
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Strategies = append(cfg.Strategies, config.Strategy{
		ID: "ladder", Kind: "ladder", Book: "beta", Instruments: []string{"BTC-USD"},
		Params: map[string]config.Scalar{"count": config.Scalar(strconv.Itoa(count))},
	})
	for i := range cfg.Venues {
		if cfg.Venues[i].Name == "sim-b" {
			cfg.Venues[i].Instruments = nil
		}
	}
	return cfg
}

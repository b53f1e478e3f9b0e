package bench

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/strategy"
	"github.com/desk-trading/desk/core/strategy/demo"
)

// LoadKind is the strategy kind the bench runs: it sends orders at a
// steady rate from its book callbacks, half resting one tick outside the
// touch (post-only) and half crossing the spread (IOC), alternating sides
// so its position stays near flat, and cancels its oldest resting order in
// an instrument once it has maxResting there.
const LoadKind = "bench-load"

// Load's shape: resting orders kept per instrument, and the most orders
// one book may release when books are sparse (the budget accrued between
// two books on the strategy's instruments).
const (
	maxResting = 4
	maxBurst   = 20
)

// Registry returns the demo strategy kinds plus LoadKind, for
// daemon.Options.Registry.
func Registry() (*strategy.Registry, error) {
	reg := strategy.NewRegistry()
	if err := demo.Register(reg); err != nil {
		return nil, fmt.Errorf("bench: registry: %w", err)
	}
	if err := reg.Register(LoadKind, newLoad); err != nil {
		return nil, fmt.Errorf("bench: registry: %w", err)
	}
	return reg, nil
}

// newLoad makes a load strategy from its params: "orders_per_sec", a
// decimal, the rate it sends at (default 10).
func newLoad(p *strategy.Params) (strategy.Strategy, error) {
	r := p.Decimal("orders_per_sec", decimal.NewFromInt(10)).InexactFloat64()
	if r <= 0 {
		p.Invalid("orders_per_sec", "must be above zero")
	}
	return &load{rate: r}, p.Err()
}

// load is the LoadKind strategy. Each order is placed inside OnBook, so
// the engine times it from that book's arrival (tick-to-order).
type load struct {
	rate   float64 // orders a second
	budget float64 // orders owed, accrued at rate between books
	last   time.Time
	n      uint64 // orders placed, which picks the next one's shape
}

// OnBook accrues the order budget since the last book and spends it on
// this book's instrument.
func (l *load) OnBook(ctx *strategy.Context, b *domain.BookUpdate) {
	if ctx.State() != domain.Active {
		return
	}
	now := ctx.Now()
	if l.last.IsZero() {
		l.last = now
		return
	}
	l.budget = min(l.budget+now.Sub(l.last).Seconds()*l.rate, maxBurst)
	l.last = now
	in, ok := ctx.InstrumentByID(b.Instrument)
	if !ok {
		return
	}
	bid, _, okb := ctx.BestBid(in.ID)
	ask, _, oka := ctx.BestAsk(in.ID)
	if !okb || !oka || bid.Price <= in.TickSize {
		return
	}
	for l.budget >= 1 {
		l.budget--
		spec := strategy.OrderSpec{Instrument: in.ID, Qty: in.LotSize}
		switch l.n % 4 {
		case 0: // rests one tick under the bid
			spec.Side, spec.Price, spec.PostOnly = domain.Buy, bid.Price-in.TickSize, true
		case 1: // rests one tick over the ask
			spec.Side, spec.Price, spec.PostOnly = domain.Sell, ask.Price+in.TickSize, true
		case 2: // takes the ask
			spec.Side, spec.Price, spec.TIF = domain.Buy, ask.Price, domain.IOC
		default: // takes the bid
			spec.Side, spec.Price, spec.TIF = domain.Sell, bid.Price, domain.IOC
		}
		l.n++
		if spec.PostOnly {
			l.trim(ctx, in.ID)
		}
		if _, err := ctx.Place(spec); err != nil {
			return
		}
	}
}

// trim cancels the oldest resting order in instrument when there are
// maxResting of them not already being canceled.
func (l *load) trim(ctx *strategy.Context, instrument domain.InstrumentID) {
	var oldest domain.OrderID
	n := 0
	for o := range ctx.OpenOrders(instrument) {
		if o.TIF == domain.IOC || o.State == domain.StatePendingCancel {
			continue
		}
		if n == 0 {
			oldest = o.ID
		}
		n++
	}
	if n >= maxResting {
		_ = ctx.Cancel(oldest) // a stopped engine stops the bench anyway
	}
}

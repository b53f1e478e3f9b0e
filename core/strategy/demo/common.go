package demo

import (
	"fmt"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/strategy"
	"github.com/shopspring/decimal"
)

// maxOrdersPerSecond is how many orders (new, replace or cancel) a demo
// strategy sends per second per instrument at most, with a burst of as
// many.
const maxOrdersPerSecond = 4

// sizing holds the order size and position limit every demo but twap reads,
// in decimal until OnStart knows the instruments' lot sizes.
type sizing struct {
	size, maxPos decimal.Decimal
}

// readSizing reads size and max_position and checks 0 < size <= max_position.
func readSizing(p *strategy.Params, size, maxPos string) sizing {
	s := sizing{
		size:   p.Decimal("size", decimal.RequireFromString(size)),
		maxPos: p.Decimal("max_position", decimal.RequireFromString(maxPos)),
	}
	switch {
	case !s.size.IsPositive():
		p.Invalid("size", "must be positive")
	case s.maxPos.LessThan(s.size):
		p.Invalid("max_position", "must be at least size")
	}
	return s
}

// quantities converts the sizing to in's fixed point; it fails when a value
// is off in's lot or too precise for it.
func (s sizing) quantities(in *domain.Instrument) (size, maxPos domain.Qty, err error) {
	if size, err = in.QtyFromDecimal(s.size); err != nil {
		return 0, 0, fmt.Errorf("param size: %w", err)
	}
	if maxPos, err = in.QtyFromDecimal(s.maxPos); err != nil {
		return 0, 0, fmt.Errorf("param max_position: %w", err)
	}
	return size, maxPos, nil
}

// throttle is a GCRA rate limiter: at most maxOrdersPerSecond orders per
// second, with a burst of as many. The zero value allows nothing: build it
// with newThrottle.
type throttle struct {
	every time.Duration // one order's worth of time
	burst time.Duration // every * burst size
	tat   time.Time     // theoretical arrival time of the next order
}

func newThrottle() throttle {
	every := time.Second / maxOrdersPerSecond
	return throttle{every: every, burst: every * maxOrdersPerSecond}
}

// allow reports whether one more order may go out at now, and if so
// counts it.
func (t *throttle) allow(now time.Time) bool {
	tat := t.tat
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(t.every)
	if next.Sub(now) > t.burst {
		return false
	}
	t.tat = next
	return true
}

// room returns how much more the strategy may buy or sell (by side) of in
// without its position, plus its working orders on that side other than
// skip, passing maxPos, and whether the order must be reduce-only. Halted,
// it returns 0; reduce-only, only what brings the position toward zero.
func room(ctx *strategy.Context, in *domain.Instrument, side domain.Side, maxPos domain.Qty, skip domain.OrderID) (domain.Qty, bool) {
	pos := ctx.Position(in.ID)
	var working domain.Qty
	for o := range ctx.OpenOrders(in.ID) {
		if o.Side == side && o.ID != skip {
			working += o.Leaves()
		}
	}
	var r domain.Qty
	reduce := false
	switch ctx.State() {
	case domain.Active:
		if side == domain.Buy {
			r = maxPos - pos - working
		} else {
			r = maxPos + pos - working
		}
	case domain.ReduceOnly:
		reduce = true
		if side == domain.Buy {
			r = -pos - working
		} else {
			r = pos - working
		}
	}
	return in.RoundToLot(max(r, 0)), reduce
}

// takePrice returns a limit price ticks through the touch on the far side
// for an order of side: the best ask plus ticks for a buy, the best bid
// minus ticks for a sell (never below one tick). ok is false when that side
// of the consolidated book is empty.
func takePrice(ctx *strategy.Context, in *domain.Instrument, side domain.Side, ticks int64) (domain.Price, bool) {
	through := domain.Price(ticks) * in.TickSize
	if side == domain.Buy {
		ask, _, ok := ctx.BestAsk(in.ID)
		return roundUp(in, ask.Price+through), ok
	}
	bid, _, ok := ctx.BestBid(in.ID)
	return max(in.RoundToTick(bid.Price-through), in.TickSize), ok
}

// roundUp rounds a positive p up to a multiple of in's tick size.
func roundUp(in *domain.Instrument, p domain.Price) domain.Price {
	if r := p % in.TickSize; r != 0 {
		p += in.TickSize - r
	}
	return p
}

// take sends an immediate-or-cancel limit order for qty of in through the
// touch, reduce-only when asked, if lim allows one more order. It reports
// whether the order went out; without a touch to price from it sends
// nothing and spends no throttle.
func take(ctx *strategy.Context, lim *throttle, in *domain.Instrument, side domain.Side, qty domain.Qty, ticks int64, reduce bool) bool {
	px, ok := takePrice(ctx, in, side, ticks)
	if !ok || qty <= 0 || !lim.allow(ctx.Now()) {
		return false
	}
	_, err := ctx.Place(strategy.OrderSpec{
		Instrument: in.ID, Side: side, Type: domain.Limit, TIF: domain.IOC,
		Price: px, Qty: qty, ReduceOnly: reduce,
	})
	if err != nil {
		ctx.Logger().Warn("order not sent", "instrument", in.Symbol, "side", side, "err", err)
		return false
	}
	return true
}

// readThrough reads through_ticks, how far through the touch taking orders
// are priced.
func readThrough(p *strategy.Params) int64 {
	n := p.Int("through_ticks", 2)
	if n < 0 {
		p.Invalid("through_ticks", "must not be negative")
	}
	return int64(n)
}

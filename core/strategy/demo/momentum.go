// Momentum: a trend taker. It keeps a fast and a slow exponential moving
// average of each instrument's consolidated mid, weighted by time (fast and
// slow are their time constants), so conflated, irregular books count for
// the time they stood. Once warmed up (slow has elapsed since the first
// book), the fast average above the slow one by more than half a tick sets
// a target of +max_position, below it -max_position; a cross flips the
// target. It steps toward the target with immediate-or-cancel limit orders
// of size, through_ticks through the touch, at most one per cooldown and
// one in flight at a time. Halted, it sends nothing; reduce-only, it only
// steps toward flat.
//
// The averages are float64: they are a signal only. Prices and quantities
// sent are fixed-point, rounded to tick and lot.
//
// Params: fast (duration, default 5s), slow (default 30s), size (default
// 1), max_position (default 5), cooldown (default 2s), through_ticks
// (default 2).

package demo

import (
	"math"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/strategy"
)

type momentum struct {
	fast, slow time.Duration
	cooldown   time.Duration
	through    int64
	sizing
	legs map[domain.InstrumentID]*momLeg
}

// momLeg is the momentum strategy's state for one instrument.
type momLeg struct {
	in         *domain.Instrument
	size, max  domain.Qty
	fast, slow float64   // EMAs of the mid, in price units
	first      time.Time // first sample; zero before any
	last       time.Time // last sample
	trend      int       // +1 fast above slow, -1 below, 0 not yet known
	next       time.Time // end of the cooldown
	lim        throttle
}

func init() { builtin.add(KindMomentum, newMomentum) }

func newMomentum(p *strategy.Params) (strategy.Strategy, error) {
	s := &momentum{
		fast:     p.Duration("fast", 5*time.Second),
		slow:     p.Duration("slow", 30*time.Second),
		cooldown: p.Duration("cooldown", 2*time.Second),
		through:  readThrough(p),
		sizing:   readSizing(p, "1", "5"),
	}
	switch {
	case s.fast <= 0:
		p.Invalid("fast", "must be positive")
	case s.slow <= s.fast:
		p.Invalid("slow", "must be longer than fast")
	case s.cooldown < 0:
		p.Invalid("cooldown", "must not be negative")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *momentum) OnStart(ctx *strategy.Context) error {
	s.legs = make(map[domain.InstrumentID]*momLeg)
	for i := range ctx.Instruments() {
		in := &ctx.Instruments()[i]
		size, maxPos, err := s.quantities(in)
		if err != nil {
			return err
		}
		s.legs[in.ID] = &momLeg{in: in, size: size, max: maxPos, lim: newThrottle()}
	}
	return nil
}

func (s *momentum) OnBook(ctx *strategy.Context, b *domain.BookUpdate) {
	l := s.legs[b.Instrument]
	if l == nil {
		return
	}
	mid, ok := ctx.Mid(l.in.ID)
	if !ok {
		return
	}
	now := ctx.Now()
	if !s.sample(l, float64(mid), now) {
		return
	}
	if ctx.State() == domain.Halted || now.Before(l.next) || ctx.OpenOrderCount(l.in.ID) > 0 {
		return
	}
	side := domain.Buy
	if l.trend < 0 {
		side = domain.Sell
	}
	r, reduce := room(ctx, l.in, side, l.max, 0)
	qty := min(l.size, r)
	if take(ctx, &l.lim, l.in, side, qty, s.through, reduce) {
		l.next = now.Add(s.cooldown)
	}
}

// sample folds mid at now into l's averages and updates its trend. It
// reports whether the trend is known, which needs slow to have elapsed
// since the first sample.
func (s *momentum) sample(l *momLeg, mid float64, now time.Time) bool {
	if l.first.IsZero() {
		l.fast, l.slow, l.first, l.last = mid, mid, now, now
		return false
	}
	if dt := now.Sub(l.last); dt > 0 {
		// A time-weighted EMA: the longer since the last sample, the more
		// the new one counts, so conflated, irregular samples are fair.
		l.fast += (1 - math.Exp(-float64(dt)/float64(s.fast))) * (mid - l.fast)
		l.slow += (1 - math.Exp(-float64(dt)/float64(s.slow))) * (mid - l.slow)
		l.last = now
	}
	if now.Sub(l.first) < s.slow {
		return false
	}
	band := float64(l.in.TickSize) / 2
	switch d := l.fast - l.slow; {
	case d > band:
		l.trend = 1
	case d < -band:
		l.trend = -1
	}
	return l.trend != 0
}

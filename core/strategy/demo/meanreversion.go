// Mean reversion: fades stretched moves. It keeps the last window
// consolidated mids of each instrument (one per book delivered) and their
// mean and standard deviation. When the mid is entry_z deviations or more
// above the mean it sells size, below it buys size, within max_position;
// when the position is open and the mid is back within exit_z deviations of
// the mean it closes the position with a reduce-only order. Orders are
// immediate-or-cancel limits through_ticks through the touch, one in flight
// at a time and at most one new entry per cooldown. Halted, it sends
// nothing; reduce-only, it only exits.
//
// The statistics are float64: they are a signal only. Prices and quantities
// sent are fixed-point, rounded to tick and lot.
//
// Params: window (samples, default 50), entry_z (default 2), exit_z
// (default 0.5), size (default 1), max_position (default 5), cooldown
// (default 1s), through_ticks (default 2).

package demo

import (
	"math"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/strategy"
	"github.com/shopspring/decimal"
)

type meanReversion struct {
	window        int
	entryZ, exitZ float64
	cooldown      time.Duration
	through       int64
	sizing
	legs map[domain.InstrumentID]*mrLeg
}

// mrLeg is the mean reversion strategy's state for one instrument.
type mrLeg struct {
	in        *domain.Instrument
	size, max domain.Qty
	mids      []domain.Price // ring of the last window mids
	head      int            // next slot to write
	n         int            // mids held, up to window
	next      time.Time      // end of the entry cooldown
	lim       throttle
}

func init() { builtin.add(KindMeanReversion, newMeanReversion) }

func newMeanReversion(p *strategy.Params) (strategy.Strategy, error) {
	entry := p.Decimal("entry_z", decimal.NewFromInt(2))
	exit := p.Decimal("exit_z", decimal.RequireFromString("0.5"))
	s := &meanReversion{
		window:   p.Int("window", 50),
		cooldown: p.Duration("cooldown", time.Second),
		through:  readThrough(p),
		sizing:   readSizing(p, "1", "5"),
		entryZ:   entry.InexactFloat64(),
		exitZ:    exit.InexactFloat64(),
	}
	switch {
	case s.window < 2:
		p.Invalid("window", "must be at least 2")
	case exit.IsNegative():
		p.Invalid("exit_z", "must not be negative")
	case !entry.GreaterThan(exit):
		p.Invalid("entry_z", "must be greater than exit_z")
	case s.cooldown < 0:
		p.Invalid("cooldown", "must not be negative")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *meanReversion) OnStart(ctx *strategy.Context) error {
	s.legs = make(map[domain.InstrumentID]*mrLeg)
	for i := range ctx.Instruments() {
		in := &ctx.Instruments()[i]
		size, maxPos, err := s.quantities(in)
		if err != nil {
			return err
		}
		s.legs[in.ID] = &mrLeg{in: in, size: size, max: maxPos, mids: make([]domain.Price, s.window), lim: newThrottle()}
	}
	return nil
}

func (s *meanReversion) OnBook(ctx *strategy.Context, b *domain.BookUpdate) {
	l := s.legs[b.Instrument]
	if l == nil {
		return
	}
	mid, ok := ctx.Mid(l.in.ID)
	if !ok {
		return
	}
	z, ok := l.push(mid)
	if !ok || ctx.State() == domain.Halted || ctx.OpenOrderCount(l.in.ID) > 0 {
		return
	}
	now := ctx.Now()
	pos := ctx.Position(l.in.ID)
	switch {
	case pos != 0 && math.Abs(z) <= s.exitZ:
		side := domain.Sell
		if pos < 0 {
			side = domain.Buy
		}
		take(ctx, &l.lim, l.in, side, pos.Abs(), s.through, true)
	case z >= s.entryZ || z <= -s.entryZ:
		side := domain.Sell // fade the rise
		if z < 0 {
			side = domain.Buy
		}
		r, reduce := room(ctx, l.in, side, l.max, 0)
		qty := min(l.size, r)
		if now.Before(l.next) {
			return
		}
		if take(ctx, &l.lim, l.in, side, qty, s.through, reduce) {
			l.next = now.Add(s.cooldown)
		}
	}
}

// push adds mid to the window and returns its z-score against the window
// (mid included); ok is false until the window is full or while it is
// flat.
func (l *mrLeg) push(mid domain.Price) (z float64, ok bool) {
	l.mids[l.head] = mid
	l.head = (l.head + 1) % len(l.mids)
	l.n = min(l.n+1, len(l.mids))
	if l.n < len(l.mids) {
		return 0, false
	}
	// Deviations from the newest mid keep the float64 sums small and exact
	// enough whatever the price level.
	var sum, sq float64
	for _, m := range l.mids {
		d := float64(m - mid)
		sum += d
		sq += d * d
	}
	n := float64(len(l.mids))
	mean := sum / n
	variance := sq/n - mean*mean
	if variance <= 0 {
		return 0, false
	}
	return -mean / math.Sqrt(variance), true
}

// TWAP: works a parent order of quantity per instrument on side over
// duration, in slices equal parts at regular intervals. Each slice is an
// immediate-or-cancel limit through_ticks through the touch, sized to catch
// up with the schedule (what should be done by now minus what filled), at
// most two slices' worth. When the schedule is over it starts again on the
// opposite side for what it got done, so the demo keeps trading without
// building a position. Halted, the schedule pauses its sends; reduce-only,
// a slice goes out only if it reduces the position.
//
// The schedule runs on OnTimer, so the Host's TimerInterval should be no
// longer than duration/slices.
//
// Params: side (buy or sell, default buy), quantity (default 10), duration
// (default 1m), slices (default 12), through_ticks (default 2).

package demo

import (
	"fmt"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/strategy"
	"github.com/shopspring/decimal"
)

type twap struct {
	side     domain.Side
	quantity decimal.Decimal
	duration time.Duration
	slices   int
	through  int64
	legs     map[domain.InstrumentID]*twapLeg
}

// twapLeg is one instrument's parent order and its progress.
type twapLeg struct {
	in    *domain.Instrument
	side  domain.Side
	total domain.Qty // the parent order's quantity
	slice domain.Qty // total / slices, rounded down to the lot
	start time.Time  // when the schedule began
	due   int        // slices released so far, 0..slices
	done  domain.Qty // filled on side since start
	lim   throttle
}

func init() { builtin.add(KindTWAP, newTWAP) }

func newTWAP(p *strategy.Params) (strategy.Strategy, error) {
	s := &twap{
		side:     p.Side("side", domain.Buy),
		quantity: p.Decimal("quantity", decimal.NewFromInt(10)),
		duration: p.Duration("duration", time.Minute),
		slices:   p.Int("slices", 12),
		through:  readThrough(p),
	}
	switch {
	case !s.quantity.IsPositive():
		p.Invalid("quantity", "must be positive")
	case s.duration <= 0:
		p.Invalid("duration", "must be positive")
	case s.slices < 1:
		p.Invalid("slices", "must be at least 1")
	case s.duration/time.Duration(s.slices) < 10*time.Millisecond:
		p.Invalid("slices", "too many for the duration: slices under 10ms apart")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *twap) OnStart(ctx *strategy.Context) error {
	s.legs = make(map[domain.InstrumentID]*twapLeg)
	now := ctx.Now()
	for i := range ctx.Instruments() {
		in := &ctx.Instruments()[i]
		total, err := in.QtyFromDecimal(s.quantity)
		if err != nil {
			return fmt.Errorf("param quantity: %w", err)
		}
		l := &twapLeg{in: in, lim: newThrottle()}
		if !s.restart(l, s.side, total, now) {
			return fmt.Errorf("param quantity: %s of %s is less than one lot per slice", s.quantity, in.Symbol)
		}
		s.legs[in.ID] = l
	}
	return nil
}

// restart begins a new schedule for total on side at now. It reports false
// when total is less than one lot per slice.
func (s *twap) restart(l *twapLeg, side domain.Side, total domain.Qty, now time.Time) bool {
	slice := l.in.RoundToLot(total / domain.Qty(s.slices))
	if slice <= 0 {
		return false
	}
	l.side, l.total, l.slice, l.start, l.due, l.done = side, total, slice, now, 0, 0
	return true
}

// OnBook does nothing: the schedule runs on the timer and prices come from
// the Context's books.
func (s *twap) OnBook(*strategy.Context, *domain.BookUpdate) {}

func (s *twap) OnFill(_ *strategy.Context, f *domain.Fill) {
	if l := s.legs[f.Instrument]; l != nil && f.Side == l.side {
		l.done += f.Qty
	}
}

func (s *twap) OnTimer(ctx *strategy.Context, now time.Time) {
	for _, in := range ctx.Instruments() {
		s.step(ctx, s.legs[in.ID], now)
	}
}

// step releases the slices due at now and, when the schedule is over,
// turns the parent order around.
func (s *twap) step(ctx *strategy.Context, l *twapLeg, now time.Time) {
	if ctx.State() == domain.Halted || ctx.OpenOrderCount(l.in.ID) > 0 {
		return // paused, or a slice is still in flight
	}
	interval := s.duration / time.Duration(s.slices)
	due := min(int(now.Sub(l.start)/interval)+1, s.slices)
	if due > l.due {
		// Catch up with the schedule, but never more than two slices at once.
		target := l.total
		if due < s.slices {
			t, _ := domain.MulDiv(int64(l.total), int64(due), int64(s.slices))
			target = l.in.RoundToLot(domain.Qty(t))
		}
		want := min(target-l.done, 2*l.slice)
		reduce := ctx.State() == domain.ReduceOnly
		if reduce {
			r, _ := room(ctx, l.in, l.side, 0, 0)
			want = min(want, r)
		}
		if want <= 0 {
			l.due = due
			return
		}
		if take(ctx, &l.lim, l.in, l.side, want, s.through, reduce) {
			l.due = due
		}
		return
	}
	if l.due == s.slices && !now.Before(l.start.Add(s.duration)) {
		// Undo what got done; if too little for one lot a slice, keep the
		// size and just switch sides.
		if !s.restart(l, l.side.Opposite(), l.done, now) {
			s.restart(l, l.side.Opposite(), l.total, now)
		}
	}
}

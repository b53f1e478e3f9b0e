// Market maker: quotes one post-only GTC bid and one ask around the
// consolidated mid of each instrument, spread_bps wide in total, size each.
// It requotes (replace, or cancel when a side must go) only when the mid
// moved by requote_ticks or more, or one of its quotes filled or ended.
// Quotes are skewed against the position (long: both prices lower) and the
// side that would take the position past max_position shrinks, then stops.
// Halted, it pulls its quotes; reduce-only, it quotes only the side that
// reduces the position.
//
// Params: spread_bps (decimal, default 10, at most two decimals), size
// (default 1), max_position (default 10), requote_ticks (default 2).

package demo

import (
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/strategy"
	"github.com/shopspring/decimal"
)

// centiBps is hundredths of a basis point in one: 10^6.
const centiBps = 1_000_000

type marketMaker struct {
	spread  int64 // full spread in hundredths of a basis point of the mid
	requote int64 // ticks the mid must move before requoting
	sizing
	legs map[domain.InstrumentID]*mmLeg
}

// mmLeg is the market maker's state for one instrument.
type mmLeg struct {
	in        *domain.Instrument
	size, max domain.Qty
	bid, ask  domain.OrderID // the working quotes; 0 when none
	mid       domain.Price   // the mid when last quoted; 0 before the first quote
	stale     bool           // a quote filled or ended: requote whatever the mid
	lim       throttle
}

func init() { builtin.add(KindMarketMaker, newMarketMaker) }

func newMarketMaker(p *strategy.Params) (strategy.Strategy, error) {
	spread := p.Decimal("spread_bps", decimal.NewFromInt(10))
	s := &marketMaker{
		requote: int64(p.Int("requote_ticks", 2)),
		sizing:  readSizing(p, "1", "10"),
	}
	centi := spread.Shift(2)
	switch {
	case !spread.IsPositive():
		p.Invalid("spread_bps", "must be positive")
	case !centi.IsInteger() || !centi.BigInt().IsInt64():
		p.Invalid("spread_bps", "at most two decimal places")
	default:
		s.spread = centi.IntPart()
	}
	if s.requote < 1 {
		p.Invalid("requote_ticks", "must be at least 1")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *marketMaker) OnStart(ctx *strategy.Context) error {
	s.legs = make(map[domain.InstrumentID]*mmLeg)
	for i := range ctx.Instruments() {
		in := &ctx.Instruments()[i]
		size, maxPos, err := s.quantities(in)
		if err != nil {
			return err
		}
		s.legs[in.ID] = &mmLeg{in: in, size: size, max: maxPos, lim: newThrottle()}
	}
	return nil
}

func (s *marketMaker) OnBook(ctx *strategy.Context, b *domain.BookUpdate) {
	if l := s.legs[b.Instrument]; l != nil {
		s.quote(ctx, l)
	}
}

func (s *marketMaker) OnOrder(ctx *strategy.Context, o *domain.Order) {
	l := s.legs[o.Instrument]
	if l == nil || (o.ID != l.bid && o.ID != l.ask) {
		return
	}
	if o.State.Terminal() {
		if o.ID == l.bid {
			l.bid = 0
		} else {
			l.ask = 0
		}
		l.stale = true
	}
	s.quote(ctx, l)
}

// OnFill marks the quotes stale; the order update the engine sends right
// after the fill requotes, with the order's new state known.
func (s *marketMaker) OnFill(_ *strategy.Context, f *domain.Fill) {
	if l := s.legs[f.Instrument]; l != nil {
		l.stale = true
	}
}

func (s *marketMaker) OnState(ctx *strategy.Context, _ domain.TradingState) {
	for _, in := range ctx.Instruments() {
		l := s.legs[in.ID]
		l.stale = true
		s.quote(ctx, l)
	}
}

// quote brings both quotes of l to where they should be, if the mid moved
// enough or a quote changed. Sides the throttle or a pending order holds
// back are retried on the next event.
func (s *marketMaker) quote(ctx *strategy.Context, l *mmLeg) {
	if ctx.State() == domain.Halted {
		s.pull(ctx, l, &l.bid)
		s.pull(ctx, l, &l.ask)
		l.mid, l.stale = 0, true
		return
	}
	mid, ok := ctx.Mid(l.in.ID)
	if !ok {
		return
	}
	tick := l.in.TickSize
	if l.mid != 0 && !l.stale && abs(mid-l.mid) < domain.Price(s.requote)*tick {
		return
	}
	half, _ := domain.MulDiv(int64(mid), s.spread, 2*centiBps)
	halfSpread := max(domain.Price(half), tick)
	// Skew against the position: at +max_position the quotes sit half a
	// spread lower, so the ask is at the mid.
	pos := min(max(ctx.Position(l.in.ID), -l.max), l.max)
	skew, _ := domain.MulDiv(int64(halfSpread), int64(pos), int64(l.max))
	fair := mid - domain.Price(skew)
	bidPx := max(l.in.RoundToTick(fair-halfSpread), tick)
	askPx := max(roundUp(l.in, fair+halfSpread), bidPx+tick)
	okBid := s.side(ctx, l, &l.bid, domain.Buy, bidPx)
	okAsk := s.side(ctx, l, &l.ask, domain.Sell, askPx)
	if okBid && okAsk {
		l.mid, l.stale = mid, false
	}
}

// side moves the quote *id of side to px at the size the position allows:
// replace it, cancel it when no size is left, or place it when there is
// none. It reports false when the quote could not be brought there now (a
// pending order, the throttle, an error), so the caller retries later.
func (s *marketMaker) side(ctx *strategy.Context, l *mmLeg, id *domain.OrderID, side domain.Side, px domain.Price) bool {
	o, live := ctx.Order(*id)
	if !live {
		*id = 0
	}
	r, reduce := room(ctx, l.in, side, l.max, *id)
	qty := min(l.size, r)
	now := ctx.Now()
	if live {
		if o.State != domain.StateOpen && o.State != domain.StatePartiallyFilled {
			return false // wait for the engine's answer to what is pending
		}
		switch {
		case qty <= 0:
			if !l.lim.allow(now) {
				return false
			}
			return ctx.Cancel(*id) == nil
		case o.Price == px && o.Leaves() == qty && o.ReduceOnly == reduce:
			return true
		case o.ReduceOnly != reduce:
			// The trading state changed: cancel, and place afresh later.
			if l.lim.allow(now) {
				_ = ctx.Cancel(*id)
			}
			return false
		}
		if !l.lim.allow(now) {
			return false
		}
		if err := ctx.Replace(*id, px, o.Filled+qty); err != nil {
			ctx.Logger().Warn("requote failed", "instrument", l.in.Symbol, "order", *id, "err", err)
			return false
		}
		return true
	}
	if qty <= 0 {
		return true
	}
	if !l.lim.allow(now) {
		return false
	}
	newID, err := ctx.Place(strategy.OrderSpec{
		Instrument: l.in.ID, Side: side, Type: domain.Limit, TIF: domain.GTC,
		Price: px, Qty: qty, PostOnly: true, ReduceOnly: reduce,
	})
	if err != nil {
		ctx.Logger().Warn("quote failed", "instrument", l.in.Symbol, "side", side, "err", err)
		return false
	}
	*id = newID
	return true
}

// pull cancels the quote *id if it rests; cancels are not throttled.
func (s *marketMaker) pull(ctx *strategy.Context, l *mmLeg, id *domain.OrderID) {
	o, live := ctx.Order(*id)
	if !live {
		*id = 0
		return
	}
	if o.State == domain.StateOpen || o.State == domain.StatePartiallyFilled {
		if err := ctx.Cancel(*id); err != nil {
			ctx.Logger().Warn("pulling quote failed", "instrument", l.in.Symbol, "order", *id, "err", err)
		}
	}
}

func abs(p domain.Price) domain.Price {
	if p < 0 {
		return -p
	}
	return p
}

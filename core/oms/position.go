package oms

import (
	"math"

	"github.com/desk-trading/desk/core/domain"
)

// Position is one strategy's holding of one instrument, at average cost.
//
// Cost is what the open quantity cost, signed like Qty: a long of 2 bought at
// 100 has Cost 200, a short of 2 sold at 100 has Cost -200. A fill that
// reduces the position releases the closed share of Cost, and the
// difference between that and the fill's value is realized. Every amount
// saturates at ±domain.MaxMoney rather than wrapping, so a limit check on a
// runaway value fails closed.
type Position struct {
	Qty      domain.Qty   // signed: positive long, negative short
	Cost     domain.Money // signed cost basis of Qty; zero when flat
	Realized domain.Money // realized P&L, net of fees
	Fees     domain.Money // fees paid; negative for net rebates
}

// Apply books fill f of instrument in into p. A fill with a quantity that is
// not positive or a side other than buy or sell is ignored: the OMS refuses
// those before they get here.
//
// Each fill's value is split exactly: the part that closes and the part that
// opens add up to Notional(price, signed qty), so Realized - Cost always
// equals minus the sum of the fills' signed values and fees. Truncation of a
// released share of Cost stays in Cost and is realized when the position
// closes.
func (p *Position) Apply(f *domain.Fill, in *domain.Instrument) {
	if f.Qty <= 0 || (f.Side != domain.Buy && f.Side != domain.Sell) {
		return
	}
	dq := f.Qty
	if f.Side == domain.Sell {
		dq = -dq
	}
	sn := in.NotionalSat(f.Price, dq)
	if p.Qty == 0 || (p.Qty > 0) == (dq > 0) {
		p.Qty = addQty(p.Qty, dq)
		p.Cost = domain.AddMoney(p.Cost, sn)
	} else {
		cdq := dq // the closing part, same sign as dq
		if dq.Abs() > p.Qty.Abs() {
			cdq = -p.Qty
		}
		// |cdq| <= |Qty|, so released fits and has Cost's sign; closing
		// all of it releases all of Cost, leaving no rounding residue.
		released, _ := domain.MulDiv(int64(p.Cost), int64(cdq.Abs()), int64(p.Qty.Abs()))
		cn := in.NotionalSat(f.Price, cdq)
		p.Realized = domain.AddMoney(p.Realized, domain.AddMoney(neg(cn), neg(domain.Money(released))))
		p.Cost = domain.AddMoney(p.Cost, neg(domain.Money(released)))
		p.Qty += cdq
		if rdq := dq - cdq; rdq != 0 {
			// The rest opens a position the other way at the fill
			// price; it takes what is left of the fill's value so the
			// two parts sum to it exactly.
			p.Qty = rdq
			p.Cost = domain.AddMoney(p.Cost, domain.AddMoney(sn, neg(cn)))
		}
	}
	p.Realized = domain.AddMoney(p.Realized, neg(f.Fee))
	p.Fees = domain.AddMoney(p.Fees, f.Fee)
}

// Unrealized returns the P&L of the open quantity marked at mark:
// Notional(mark, Qty) - Cost. Zero when flat.
func (p *Position) Unrealized(mark domain.Price, in *domain.Instrument) domain.Money {
	if p.Qty == 0 {
		return 0
	}
	return domain.AddMoney(in.NotionalSat(mark, p.Qty), neg(p.Cost))
}

// AvgPrice returns the average cost per unit of the open quantity in the
// instrument's price units, truncated toward zero (so possibly off tick);
// zero when flat. It is positive for longs and shorts alike when bought or
// sold at positive prices.
func (p *Position) AvgPrice(in *domain.Instrument) domain.Price {
	if p.Qty == 0 {
		return 0
	}
	if v, ok := in.PriceAt(p.Cost, p.Qty); ok {
		return v
	}
	if (p.Cost < 0) != (p.Qty < 0) {
		return math.MinInt64 + 1
	}
	return math.MaxInt64
}

// neg returns -m, saturating the one value whose negation does not fit.
func neg(m domain.Money) domain.Money {
	if m == math.MinInt64 {
		return domain.MaxMoney
	}
	return -m
}

// addQty returns a+b saturated at ±MaxInt64.
func addQty(a, b domain.Qty) domain.Qty {
	s := a + b
	if a > 0 && b > 0 && s < 0 {
		return math.MaxInt64
	}
	if a < 0 && b < 0 && s >= 0 {
		return -math.MaxInt64
	}
	return s
}

// posKey names a position.
type posKey struct {
	strategy   domain.StrategyID
	instrument domain.InstrumentID
}

type posEntry struct {
	key posKey
	p   Position
}

// positions holds every position ever opened, in order of first fill. A
// position is never removed: when flat it still carries its realized P&L.
type positions struct {
	byKey map[posKey]*posEntry
	order []*posEntry
}

func newPositions() positions { return positions{byKey: make(map[posKey]*posEntry)} }

func (t *positions) get(s domain.StrategyID, i domain.InstrumentID) *Position {
	if e := t.byKey[posKey{s, i}]; e != nil {
		return &e.p
	}
	return nil
}

// getOrAdd allocates once per new (strategy, instrument), never per fill.
func (t *positions) getOrAdd(s domain.StrategyID, i domain.InstrumentID) *Position {
	if p := t.get(s, i); p != nil {
		return p
	}
	e := &posEntry{key: posKey{s, i}}
	t.byKey[e.key] = e
	t.order = append(t.order, e)
	return &e.p
}

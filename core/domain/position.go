package domain

import "math"

// Position is one strategy's holding of one instrument, at average cost.
//
// Cost is what the open quantity cost, signed like Qty: a long of 2 bought at
// 100 has Cost 200, a short of 2 sold at 100 has Cost -200. A fill that
// reduces the position releases the closed share of Cost, and the
// difference between that and the fill's value is realized. Every amount
// saturates at ±MaxMoney rather than wrapping, so a limit check on a
// runaway value fails closed.
type Position struct {
	Qty      Qty   // signed: positive long, negative short
	Cost     Money // signed cost basis of Qty; zero when flat
	Realized Money // realized P&L, net of fees
	Fees     Money // fees paid; negative for net rebates
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
func (p *Position) Apply(f *Fill, in *Instrument) {
	if f.Qty <= 0 || (f.Side != Buy && f.Side != Sell) {
		return
	}
	dq := f.Qty
	if f.Side == Sell {
		dq = -dq
	}
	sn := in.NotionalSat(f.Price, dq)
	if p.Qty == 0 || (p.Qty > 0) == (dq > 0) {
		p.Qty = addQty(p.Qty, dq)
		p.Cost = AddMoney(p.Cost, sn)
	} else {
		cdq := dq // the closing part, same sign as dq
		if dq.Abs() > p.Qty.Abs() {
			cdq = -p.Qty
		}
		// |cdq| <= |Qty|, so released fits and has Cost's sign; closing
		// all of it releases all of Cost, leaving no rounding residue.
		released, _ := MulDiv(int64(p.Cost), int64(cdq.Abs()), int64(p.Qty.Abs()))
		cn := in.NotionalSat(f.Price, cdq)
		p.Realized = AddMoney(p.Realized, AddMoney(negMoney(cn), negMoney(Money(released))))
		p.Cost = AddMoney(p.Cost, negMoney(Money(released)))
		p.Qty += cdq
		if rdq := dq - cdq; rdq != 0 {
			// The rest opens a position the other way at the fill
			// price; it takes what is left of the fill's value so the
			// two parts sum to it exactly.
			p.Qty = rdq
			p.Cost = AddMoney(p.Cost, AddMoney(sn, negMoney(cn)))
		}
	}
	p.Realized = AddMoney(p.Realized, negMoney(f.Fee))
	p.Fees = AddMoney(p.Fees, f.Fee)
}

// Unrealized returns the P&L of the open quantity marked at mark:
// Notional(mark, Qty) - Cost. Zero when flat.
func (p *Position) Unrealized(mark Price, in *Instrument) Money {
	if p.Qty == 0 {
		return 0
	}
	return AddMoney(in.NotionalSat(mark, p.Qty), negMoney(p.Cost))
}

// AvgPrice returns the average cost per unit of the open quantity in the
// instrument's price units, truncated toward zero (so possibly off tick);
// zero when flat. It is positive for longs and shorts alike when bought or
// sold at positive prices.
func (p *Position) AvgPrice(in *Instrument) Price {
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

// negMoney returns -m, saturating the one value whose negation does not fit.
func negMoney(m Money) Money {
	if m == math.MinInt64 {
		return MaxMoney
	}
	return -m
}

// addQty returns a+b saturated at ±MaxInt64.
func addQty(a, b Qty) Qty {
	s := a + b
	if a > 0 && b > 0 && s < 0 {
		return math.MaxInt64
	}
	if a < 0 && b < 0 && s >= 0 {
		return -math.MaxInt64
	}
	return s
}

package risk

import (
	"math/bits"

	"github.com/desk-trading/desk/core/domain"
)

// Check runs the pre-trade checks for new order o against its strategy, its
// book and the firm, and returns Pass or the reason for the first breach.
// ref is the instrument's reference price (0 when none) taken at refTime;
// now is the engine clock, both in unix nanoseconds. Check changes nothing
// and allocates nothing.
func (t *Tree) Check(o *domain.Order, ref domain.Price, refTime, now int64) Reason {
	leaf := t.Strategy(o.Strategy)
	if leaf == nil || int(o.Instrument) >= len(t.instruments) {
		return ReasonUnknownStrat
	}
	in := &t.instruments[o.Instrument]
	dq := o.Qty * domain.Qty(o.Side.Sign())

	switch leaf.Effective() {
	case domain.Halted:
		return ReasonHalted
	case domain.ReduceOnly:
		if !reduces(leaf.pos[o.Instrument], dq) {
			return ReasonReduceOnly
		}
	}
	if o.ReduceOnly && !reduces(leaf.pos[o.Instrument], dq) {
		return ReasonReduceOnly
	}

	// The price the order is valued at: its limit, or the reference for
	// orders that have none.
	px := o.Price
	if px == 0 {
		px = ref
	}
	for n := leaf; n != nil; n = n.parent {
		l := &n.inst[o.Instrument]
		if l.collar > 0 || (px == 0 && l.maxNotional > 0) {
			if ref <= 0 {
				return ReasonNoReference
			}
			if now-refTime > t.refMaxAge {
				return ReasonStaleRef
			}
		}
		if l.collar > 0 && o.Price != 0 && outsideCollar(o.Price, ref, l.collar) {
			return ReasonPriceCollar
		}
		if l.maxOrderQty > 0 && o.Qty > l.maxOrderQty {
			return ReasonMaxOrderQty
		}
		if l.maxNotional > 0 {
			if v, ok := in.Notional(px, o.Qty); !ok || v > l.maxNotional {
				return ReasonMaxNotional
			}
		}
		if l.maxPosition > 0 {
			cur := n.pos[o.Instrument]
			next := cur + dq
			if next.Abs() > l.maxPosition && next.Abs() > cur.Abs() {
				return ReasonMaxPosition
			}
		}
	}
	return Pass
}

// reduces reports whether a signed change dq moves position pos toward zero
// without crossing it.
func reduces(pos, dq domain.Qty) bool {
	if pos == 0 || dq == 0 || (pos > 0) == (dq > 0) {
		return false
	}
	return dq.Abs() <= pos.Abs()
}

// outsideCollar reports whether |p-ref|/ref exceeds collar hundredths of a
// basis point, comparing |p-ref|*1e6 with ref*collar in 128 bits.
func outsideCollar(p, ref domain.Price, collar int64) bool {
	d := int64(p - ref)
	if d < 0 {
		d = -d
	}
	lhsHi, lhsLo := bits.Mul64(uint64(d), 1_000_000)
	rhsHi, rhsLo := bits.Mul64(uint64(ref), uint64(collar))
	return lhsHi > rhsHi || (lhsHi == rhsHi && lhsLo > rhsLo)
}

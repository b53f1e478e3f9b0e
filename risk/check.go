package risk

import (
	"math/bits"

	"github.com/desk-trading/desk/core/domain"
)

// Check runs the pre-trade checks for new order o against its strategy, its
// book and the firm at engine time now, and returns Pass or the reason for
// the first breach. It changes nothing and allocates nothing; call Admit
// when the order goes out.
//
// The order of the checks: the strategy exists; the effective state
// (halted; reduce-only, or an order flagged reduce-only, must reduce);
// restricted instruments (reducing orders pass); a fresh reference price
// where a limit needs one; then at each node from the strategy up: price
// collar, order quantity, order notional, potential position, gross and
// net exposure, open orders, order and message rates; last the strategy's
// duplicate window.
func (t *Tree) Check(o *domain.Order, now int64) Reason {
	leaf := t.Strategy(o.Strategy)
	i := o.Instrument
	if leaf == nil || int(i) >= len(t.instruments) || t.instruments[i].Symbol == "" {
		return ReasonUnknownStrat
	}
	in := &t.instruments[i]
	dq := o.Qty * domain.Qty(o.Side.Sign())
	reducing := leaf.reduces(i, o.Side, o.Qty)

	switch leaf.Effective() {
	case domain.Halted:
		return ReasonHalted
	case domain.ReduceOnly:
		if !reducing {
			return ReasonReduceOnly
		}
	}
	if o.ReduceOnly && !reducing {
		return ReasonReduceOnly
	}
	ref, refTime := t.marks[i], t.markTime[i]
	needRef := false
	for n := leaf; n != nil; n = n.parent {
		if n.restricted[i] && !reducing {
			return ReasonRestricted
		}
		l := &n.inst[i]
		needRef = needRef || l.collar > 0 ||
			(o.Price == 0 && (l.maxNotional > 0 || n.whole.maxGross > 0 || n.whole.maxNet > 0))
	}
	if needRef {
		if ref <= 0 {
			return ReasonNoReference
		}
		if now-refTime > t.refMaxAge {
			return ReasonStaleRef
		}
	}
	// The price the order is valued at: its limit, or the reference. Its
	// size is the magnitude: a negative limit price (spreads, some
	// futures) must not make a large order look small.
	px := o.Price
	if px == 0 {
		px = ref
	}
	notional, notionalOK := in.Notional(px, o.Qty)
	notional = notional.Abs()
	for n := leaf; n != nil; n = n.parent {
		l := &n.inst[i]
		if l.collar > 0 && o.Price != 0 && outsideCollar(o.Price, ref, l.collar) {
			return ReasonPriceCollar
		}
		if l.maxOrderQty > 0 && o.Qty > l.maxOrderQty {
			return ReasonMaxOrderQty
		}
		if l.maxNotional > 0 && (!notionalOK || notional > l.maxNotional) {
			return ReasonMaxNotional
		}
		if l.maxPosition > 0 {
			cur, next := n.potential(i, o.Side, o.Qty)
			if next.Abs() > l.maxPosition && next.Abs() > cur.Abs() {
				return ReasonMaxPosition
			}
		}
		w := &n.whole
		if w.maxGross > 0 || w.maxNet > 0 {
			if r := t.exposure(n, in, i, dq, px); r != Pass {
				return r
			}
		}
		if w.maxOpen > 0 && n.open+1 > w.maxOpen {
			return ReasonMaxOpenOrders
		}
		if !n.orders.ok(now) {
			return ReasonOrderRate
		}
		if !n.messages.ok(now) {
			return ReasonMessageRate
		}
	}
	if w := leaf.whole.dupWindow; w > 0 && leaf.duplicate(o, now-w) {
		return ReasonDuplicate
	}
	return Pass
}

// exposure checks n's gross and net exposure after a fill of dq at the
// instrument's mark (the order's price when there is no mark yet).
func (t *Tree) exposure(n *Node, in *domain.Instrument, i domain.InstrumentID, dq domain.Qty, px domain.Price) Reason {
	mark := t.marks[i]
	if mark <= 0 {
		mark = px
	}
	after, ok := in.Notional(mark, n.pos[i]+dq)
	if !ok {
		return ReasonMaxGross
	}
	before := n.value[i]
	w := &n.whole
	if w.maxGross > 0 {
		g := domain.AddMoney(n.gross, domain.AddMoney(after.Abs(), -before.Abs()))
		if g > w.maxGross && g > n.gross {
			return ReasonMaxGross
		}
	}
	if w.maxNet > 0 {
		v := domain.AddMoney(n.net, domain.AddMoney(after, -before))
		if v.Abs() > w.maxNet && v.Abs() > n.net.Abs() {
			return ReasonMaxNet
		}
	}
	return Pass
}

// potential returns n's position in i counting its working orders on side,
// before and after an order of qty on that side would fill.
func (n *Node) potential(i domain.InstrumentID, side domain.Side, qty domain.Qty) (cur, next domain.Qty) {
	if side == domain.Buy {
		cur = n.pos[i] + n.buyWork[i]
		return cur, cur + qty
	}
	cur = n.pos[i] - n.sellWork[i]
	return cur, cur - qty
}

// reduces reports whether an order of qty on side moves the node's
// position in i toward zero without crossing it, counting its working
// orders on that side as filled.
func (n *Node) reduces(i domain.InstrumentID, side domain.Side, qty domain.Qty) bool {
	pos := n.pos[i]
	switch {
	case side == domain.Sell && pos > 0:
		return n.sellWork[i]+qty <= pos
	case side == domain.Buy && pos < 0:
		return n.buyWork[i]+qty <= -pos
	}
	return false
}

// duplicate reports whether an identical order was admitted after since.
func (n *Node) duplicate(o *domain.Order, since int64) bool {
	for k := range n.dups.entries {
		d := &n.dups.entries[k]
		if d.at > since && d.instrument == uint32(o.Instrument) && d.side == uint8(o.Side) &&
			d.typ == uint8(o.Type) && d.price == int64(o.Price) && d.qty == int64(o.Qty) {
			return true
		}
	}
	return false
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

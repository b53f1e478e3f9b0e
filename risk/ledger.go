package risk

import (
	"math"

	"github.com/desk-trading/desk/core/domain"
)

// The ledger is the one owner of positions and P&L. For each strategy and
// instrument it keeps a domain.Position at average cost (quantity, cost
// basis, realized P&L, fees); for each node, the sums over its subtree that
// limits and breakers read (net position and working quantities per
// instrument, value at the marks, net and gross exposure, cash). A fill
// moves a strategy's position and every ancestor's sums once, and a mark
// revalues the nodes that hold the instrument: nothing else computes a
// position or a P&L. The engine's status, the strategies (through the
// engine) and the breakers read it here.

// OrderWas is an order's working part before a change: whether it was
// working and what it had left. Take it with WasOf before changing the
// order, and pass it to OnOrder after.
type OrderWas struct {
	Working bool
	Leaves  domain.Qty
}

// WasOf returns o's working part as it is now.
func WasOf(o *domain.Order) OrderWas {
	return OrderWas{Working: o.State.Working(), Leaves: o.Leaves()}
}

// OnOrder books one change of an order: o as it is after the change, was
// as it was before (WasOf), and f the fill when the change was one (nil
// otherwise). The fill moves the ledger; the order's working quantity and
// count move on every node of its path by what the change did to them:
// from was's leaves (when it was working) to o's (when it is). It is the
// one call for every change (an order sent, acknowledged, filled, filled
// late after it had ended, replaced, canceled, rejected or restored), so
// no combination of changes can release working quantity twice or miss
// it. o may be nil to book a fill alone, as a journal replay does; the
// working orders are restored afterwards with OnOrder(o, OrderWas{}, nil).
func (t *Tree) OnOrder(o *domain.Order, was OrderWas, f *domain.Fill) {
	if f != nil {
		t.applyFill(f)
	}
	if o != nil {
		t.moveWorking(o, was, WasOf(o))
	}
}

// moveWorking moves o's working quantity and count on every node of its
// path from was to now.
func (t *Tree) moveWorking(o *domain.Order, was, now OrderWas) {
	if int(o.Instrument) >= len(t.instruments) {
		return
	}
	var before, after domain.Qty
	var open int64
	if was.Working {
		before, open = was.Leaves, open-1
	}
	if now.Working {
		after, open = now.Leaves, open+1
	}
	d := after - before
	if d == 0 && open == 0 {
		return
	}
	i := o.Instrument
	for n := t.Strategy(o.Strategy); n != nil; n = n.parent {
		w := n.work(o.Side)
		if n.open+open < 0 || w[i]+d < 0 {
			// More released than was working: a bug somewhere upstream.
			// Clamped so limits stay sane, and counted so it is seen.
			t.drift++
		}
		n.open = max(0, n.open+open)
		w[i] = max(0, w[i]+d)
	}
}

// Drift returns how many times a change released more working quantity
// or orders than a node had, which the ledger clamped at zero. It is zero
// unless something upstream double counts; the engine alerts when it
// grows.
func (t *Tree) Drift() uint64 { return t.drift }

// applyFill books f into its strategy's position and every ancestor's
// sums, and revalues them at the instrument's mark.
func (t *Tree) applyFill(f *domain.Fill) {
	i := f.Instrument
	leaf := t.Strategy(f.Strategy)
	if leaf == nil || int(i) >= len(t.instruments) || f.Qty <= 0 {
		return
	}
	in := &t.instruments[i]
	p := &leaf.positions[i]
	if !leaf.traded[i] {
		leaf.traded[i] = true
		t.opened = append(t.opened, posRef{f.Strategy, i})
	}
	p.Apply(f, in)
	dq := f.Qty * domain.Qty(f.Side.Sign())
	paid := in.NotionalSat(f.Price, dq)
	for n := leaf; n != nil; n = n.parent {
		was := n.pos[i]
		n.pos[i] = addQtySat(was, dq)
		t.noteHolding(n, i, was)
		n.cash = domain.AddMoney(n.cash, domain.AddMoney(-paid, -f.Fee))
		t.revalue(n, i)
		n.peak = max(n.peak, n.PnL())
	}
}

// addQtySat returns a+b saturated at ±MaxInt64, as domain.Position does:
// a runaway position must read as huge, never wrap to the other side.
func addQtySat(a, b domain.Qty) domain.Qty {
	s := a + b
	switch {
	case a > 0 && b > 0 && s < 0:
		return math.MaxInt64
	case a < 0 && b < 0 && s >= 0:
		return -math.MaxInt64
	}
	return s
}

// OnMark records instrument i's fresh reference price and revalues every
// node holding it. Check refuses orders that need a reference older than
// MaxReferenceAge.
func (t *Tree) OnMark(i domain.InstrumentID, mark domain.Price, now int64) {
	if int(i) >= len(t.marks) || mark <= 0 {
		return
	}
	unchanged := t.marks[i] == mark
	t.marks[i], t.markTime[i] = mark, now
	if unchanged {
		return // fresh again, and no node's value moved
	}
	for _, n := range t.holders[i] {
		t.revalue(n, i)
	}
}

// noteHolding keeps holders in step with n's position in i, which was
// was: n joins when it stops being flat and leaves when it becomes flat.
func (t *Tree) noteHolding(n *Node, i domain.InstrumentID, was domain.Qty) {
	now := n.pos[i]
	switch {
	case was == 0 && now != 0:
		t.holders[i] = append(t.holders[i], n)
		n.holding[i] = int32(len(t.holders[i]))
	case was != 0 && now == 0:
		h := t.holders[i]
		k, last := n.holding[i]-1, len(h)-1
		h[k] = h[last]
		h[k].holding[i] = k + 1
		h[last] = nil
		t.holders[i] = h[:last]
		n.holding[i] = 0
	}
}

// revalue recomputes n's value in instrument i at the current mark and
// keeps its gross and net totals in step.
func (t *Tree) revalue(n *Node, i domain.InstrumentID) {
	v := t.instruments[i].NotionalSat(t.marks[i], n.pos[i])
	old := n.value[i]
	n.value[i] = v
	n.net = domain.AddMoney(n.net, domain.AddMoney(v, -old))
	n.gross = domain.AddMoney(n.gross, domain.AddMoney(v.Abs(), -old.Abs()))
}

// posRef names one strategy's position in one instrument.
type posRef struct {
	strategy   domain.StrategyID
	instrument domain.InstrumentID
}

// Position returns strategy s's position in instrument i at average cost,
// or nil when s never had a fill in it. The pointer is the tree's own: it
// reflects every later fill, for the life of the tree.
func (t *Tree) Position(s domain.StrategyID, i domain.InstrumentID) *domain.Position {
	leaf := t.Strategy(s)
	if leaf == nil || int(i) >= len(leaf.positions) || !leaf.traded[i] {
		return nil
	}
	return &leaf.positions[i]
}

// Positions calls fn for each strategy position that ever had a fill, in
// the order of their first fills, until fn returns false. fn must not
// change the tree.
func (t *Tree) Positions(fn func(s domain.StrategyID, i domain.InstrumentID, p *domain.Position) bool) {
	for _, r := range t.opened {
		if !fn(r.strategy, r.instrument, &t.strategies[r.strategy].positions[r.instrument]) {
			return
		}
	}
}

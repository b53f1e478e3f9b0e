package risk

import "github.com/desk-trading/desk/core/domain"

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
	t.Walk(func(n *Node) {
		if n.pos[i] != 0 {
			t.revalue(n, i)
		}
	})
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

// OnFill applies a fill to the positions and cash of its strategy and every
// ancestor, and takes its quantity off the working orders of its side.
func (t *Tree) OnFill(f *domain.Fill) { t.fill(f, true) }

// OnLateFill applies a fill of an order that had already finished (a
// venue reported it after the cancel): positions and cash move, but its
// quantity was released from the working orders when the order finished.
func (t *Tree) OnLateFill(f *domain.Fill) { t.fill(f, false) }

func (t *Tree) fill(f *domain.Fill, working bool) {
	i := f.Instrument
	if int(i) >= len(t.instruments) {
		return
	}
	dq := f.Qty * domain.Qty(f.Side.Sign())
	paid := t.instruments[i].NotionalSat(f.Price, dq)
	for n := t.Strategy(f.Strategy); n != nil; n = n.parent {
		n.pos[i] += dq
		n.cash = domain.AddMoney(n.cash, domain.AddMoney(-paid, -f.Fee))
		if working {
			w := n.work(f.Side)
			w[i] = max(0, w[i]-f.Qty)
		}
		t.revalue(n, i)
		n.peak = max(n.peak, n.PnL())
	}
}

// Admit records an order that passed Check and is being sent: it takes
// order and message tokens, remembers it for the duplicate window, and
// counts it and its quantity as working on every node of its path.
func (t *Tree) Admit(o *domain.Order, now int64) {
	leaf := t.Strategy(o.Strategy)
	if leaf == nil || int(o.Instrument) >= len(t.instruments) {
		return
	}
	i := o.Instrument
	d := &leaf.dups.entries[leaf.dups.next]
	leaf.dups.next = (leaf.dups.next + 1) % len(leaf.dups.entries)
	*d = dupEntry{at: now, instrument: uint32(i), side: uint8(o.Side), typ: uint8(o.Type), price: int64(o.Price), qty: int64(o.Qty)}
	for n := leaf; n != nil; n = n.parent {
		n.orders.take(now)
		n.messages.take(now)
		n.open++
		n.work(o.Side)[i] += o.Leaves()
	}
}

// RestoreWorking counts an order that is still working after a journal
// replay as working on every node of its path, as Admit did before the
// restart, without taking tokens: open-order and position limits then see
// it until it finishes (OnDone).
func (t *Tree) RestoreWorking(o *domain.Order) {
	if int(o.Instrument) >= len(t.instruments) {
		return
	}
	for n := t.Strategy(o.Strategy); n != nil; n = n.parent {
		n.open++
		n.work(o.Side)[o.Instrument] += o.Leaves()
	}
}

// OnReplace records that a venue confirmed a replace of o, whose leaves
// were oldLeaves before it: the working quantity follows the new size.
func (t *Tree) OnReplace(o *domain.Order, oldLeaves domain.Qty) {
	if int(o.Instrument) >= len(t.instruments) {
		return
	}
	d := o.Leaves() - oldLeaves
	for n := t.Strategy(o.Strategy); n != nil; n = n.parent {
		w := n.work(o.Side)
		w[o.Instrument] = max(0, w[o.Instrument]+d)
	}
}

// work returns n's working quantities by instrument on side.
func (n *Node) work(side domain.Side) []domain.Qty {
	if side == domain.Buy {
		return n.buyWork
	}
	return n.sellWork
}

// OnDone records that an admitted order left the working states: what it
// still had working is no longer at risk.
func (t *Tree) OnDone(o *domain.Order) {
	i := o.Instrument
	if int(i) >= len(t.instruments) {
		return
	}
	for n := t.Strategy(o.Strategy); n != nil; n = n.parent {
		n.open = max(0, n.open-1)
		w := n.work(o.Side)
		w[i] = max(0, w[i]-o.Leaves())
	}
}

// OnMessage records a cancel or replace sent for strategy s. It takes a
// message token where one is left; it never refuses: a cancel always goes.
func (t *Tree) OnMessage(s domain.StrategyID, now int64) {
	for n := t.Strategy(s); n != nil; n = n.parent {
		if n.messages.ok(now) {
			n.messages.take(now)
		}
	}
}

// day returns the UTC day number of engine time now.
func day(now int64) int64 { return now / (86_400 * second) }

// rollDay starts a new day for n when now is past the day its baseline
// belongs to: the day's P&L counts from here. Only Evaluate rolls days, so
// that each new baseline is reported to the engine, which journals it.
func (t *Tree) rollDay(n *Node, now int64) bool {
	if d := day(now); d != n.day {
		n.day, n.dayBase, n.peak = d, n.PnL(), n.PnL()
		return true
	}
	return false
}

// SetDayBase restores a node's P&L baseline for a day from the journal, so
// a restart within the day keeps the day's loss. It fails with
// ErrUnknownNode.
func (t *Tree) SetDayBase(node string, d int64, base domain.Money) error {
	n, ok := t.byName[node]
	if !ok {
		return ErrUnknownNode
	}
	n.day, n.dayBase = d, base
	n.peak = max(n.PnL(), base)
	return nil
}

// DayBase returns the day a node's P&L baseline belongs to and its value.
func (n *Node) DayBase() (day int64, base domain.Money) { return n.day, n.dayBase }

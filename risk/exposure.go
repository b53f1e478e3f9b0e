package risk

import "github.com/desk-trading/desk/core/domain"

// Admit records an order that passed Check and is being sent (pending
// new): it takes order and message tokens, remembers it for the duplicate
// window, and counts it and its quantity as working on every node of its
// path (OnOrder, from not working).
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
	}
	t.moveWorking(o, OrderWas{}, OrderWas{Working: true, Leaves: o.Leaves()})
}

// work returns n's working quantities by instrument on side.
func (n *Node) work(side domain.Side) []domain.Qty {
	if side == domain.Buy {
		return n.buyWork
	}
	return n.sellWork
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

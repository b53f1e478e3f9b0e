package strategy

import "github.com/desk-trading/desk/core/domain"

// Ledger is the engine's own record of one strategy's positions and
// working orders. A host its owner drives on the owner's goroutine (see
// Host.Start) is bound to it (Host.Bind): its Context then reads the
// strategy's positions and orders there, at the moment it is asked,
// instead of keeping copies of its own. Its methods are called only from
// inside the strategy's callbacks and from Host.Unbind, that is on the
// owner's goroutine, between the owner's own changes: they need no lock.
type Ledger interface {
	// Position returns the strategy's net position in instrument, positive
	// long, with every fill the engine has booked so far (whether or not
	// the strategy has been told of it yet), zero when it holds none.
	Position(instrument domain.InstrumentID) domain.Qty
	// WorkingOrders calls fn for each of the strategy's working orders
	// (domain.OrderState.Working: sent and not yet filled, canceled,
	// rejected or expired), oldest first, until fn returns false. The
	// orders are the engine's own: fn must not change them, and they are
	// valid until the callback the strategy is in returns. fn never calls
	// back into the Ledger.
	WorkingOrders(fn func(o *domain.Order) bool)
}

// ledgerView is a bound Context's view of its Ledger. Reading orders
// collects the matching ones into found (a stack: a nested read appends
// above an outer one and truncates back), so that the strategy's loop
// body runs outside the Ledger's callback and nothing allocates once found
// has grown: a closure handed to an interface method would escape.
type ledgerView struct {
	l Ledger
	// placed are orders the strategy placed that the engine has not taken
	// yet: intents wait until the callback returns, and the Ledger cannot
	// show them before. Each leaves when an event for its order is
	// delivered, and all at the next delivery (begin), by which the owner
	// has taken them (or refused them without a word, as a reused id);
	// one the Ledger shows meanwhile is shown once.
	placed []domain.Order

	found      []*domain.Order
	instrument domain.InstrumentID // what keep collects, when id is 0
	id         domain.OrderID      // what keep collects, when not 0
	keep       func(o *domain.Order) bool
}

func newLedgerView(l Ledger) *ledgerView {
	v := &ledgerView{l: l}
	v.keep = v.collect // bound once: no method value per read
	return v
}

// collect is keep: it appends o to found when it matches, and stops at the
// order sought by id.
func (v *ledgerView) collect(o *domain.Order) bool {
	if v.id != 0 {
		if o.ID == v.id {
			v.found = append(v.found, o)
			return false
		}
		return true
	}
	if o.Instrument == v.instrument {
		v.found = append(v.found, o)
	}
	return true
}

// orders appends to found the working orders in instrument, the Ledger's
// oldest first and then those placed and not yet taken, and returns where
// they start; the caller truncates found back to it when done.
func (v *ledgerView) orders(instrument domain.InstrumentID) int {
	start := len(v.found)
	v.instrument, v.id = instrument, 0
	v.l.WorkingOrders(v.keep)
	end := len(v.found)
	for k := range v.placed {
		if o := &v.placed[k]; o.Instrument == instrument && !v.shown(o.ID, start, end) {
			v.found = append(v.found, o)
		}
	}
	return start
}

// shown reports whether found[start:end] holds order id.
func (v *ledgerView) shown(id domain.OrderID, start, end int) bool {
	for _, o := range v.found[start:end] {
		if o.ID == id {
			return true
		}
	}
	return false
}

// order returns working order id: the Ledger's, or one placed and not yet
// taken.
func (v *ledgerView) order(id domain.OrderID) *domain.Order {
	start := len(v.found)
	v.instrument, v.id = 0, id
	v.l.WorkingOrders(v.keep)
	if len(v.found) > start {
		o := v.found[start]
		v.found = v.found[:start]
		return o
	}
	for k := range v.placed {
		if v.placed[k].ID == id {
			return &v.placed[k]
		}
	}
	return nil
}

// begin starts a delivery: the owner has taken every order placed before
// (see Bind), so none is pending any more.
func (v *ledgerView) begin() {
	if v != nil {
		v.placed = v.placed[:0]
	}
}

// own reports whether o is one of placed, the view's own copies, rather
// than the Ledger's.
func (v *ledgerView) own(o *domain.Order) bool {
	for k := range v.placed {
		if &v.placed[k] == o {
			return true
		}
	}
	return false
}

// taken drops the placed order id, the engine having reported on it.
func (v *ledgerView) taken(id domain.OrderID) {
	for k := range v.placed {
		if v.placed[k].ID == id {
			v.placed = append(v.placed[:k], v.placed[k+1:]...)
			return
		}
	}
}

// Bind makes the Context read the strategy's positions and working orders
// through l from now on (Context.Position, OpenOrders, OpenOrderCount,
// Order), and stops the Host keeping its own copies: order and fill events
// are still delivered to the strategy as they come, but change nothing
// the Context shows. The owner calls it before Start, for a host it drives
// on its own goroutine, where the strategy's callbacks run, and that
// applies the intents a callback submits before it delivers to the
// strategy again (the engine does, at the callback's return); it must
// call Unbind before moving the host to a goroutine of its own (Run
// refuses a bound host, with ErrBound). After Run it is ignored.
func (h *Host) Bind(l Ledger) {
	if h.ran.Load() {
		h.log.Error("ledger bound after run ignored")
		return
	}
	h.stratCtx.ledger = newLedgerView(l)
}

// Unbind goes back to copies, for a host its owner is about to move to a
// goroutine of its own: the owner calls it on its goroutine just before
// Run. It copies the owner's books it was handed (DeliverBookNow), and
// seeds the copies from the Ledger (the position in every traded
// instrument, the working orders in each oldest first, then the orders
// placed and not yet taken) and the Context reads the copies from then on,
// which order and fill events update again.
//
// The seed is the engine's state as of now, so it already reflects every
// event handed to the Host so far. Those still queued (there are none when
// the owner moves the host right after a delivery, which takes them all:
// the strategy's callbacks only submit intents) are delivered to the
// strategy as they are, but do not update the copies, which would
// otherwise go back to an older state; each event handed over after
// Unbind does. An order placed and not yet taken is in the seed in state
// new, as Place would have left it, and the engine's report on it updates
// it like any other: even one queued before Unbind, when it reports the
// order ended (which the seed cannot go back on: an order that ended
// stays ended).
func (h *Host) Unbind() {
	c := &h.stratCtx
	if h.ran.Load() {
		return
	}
	c.unshare()
	v := c.ledger
	if v == nil {
		return
	}
	for i := range c.instruments {
		c.positions[i] = v.l.Position(c.instruments[i].ID)
		c.open[i] = c.open[i][:0]
	}
	v.l.WorkingOrders(func(o *domain.Order) bool {
		if i, ok := instrumentIndex(c.index, o.Instrument); ok {
			c.open[i] = append(c.open[i], *o)
		}
		return true
	})
	c.ledger = nil
	for k := range v.placed {
		if o := &v.placed[k]; c.find(o.ID) == nil {
			i, _ := instrumentIndex(c.index, o.Instrument) // Place took only traded instruments
			c.open[i] = append(c.open[i], *o)
		}
	}
	_, _, h.seeded = h.mb.counts()
}

// mirror reports whether the event about to be delivered updates the
// Context's copies: not while bound, nor for the events Unbind found
// queued. It is called once for each event.
func (h *Host) mirror() bool {
	if h.seeded > 0 {
		h.seeded--
		return false
	}
	return h.stratCtx.ledger == nil
}

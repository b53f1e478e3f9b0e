package engine

import (
	"slices"

	"github.com/desk-trading/desk/core/domain"
)

// Bounds of the orders stream.
const (
	// DefaultStreamFinished is how many finished orders a reset of the
	// orders stream holds when the client names none; MaxStreamFinished
	// is the most it may ask for.
	DefaultStreamFinished = 500
	MaxStreamFinished     = 5000
	// changeKeep bounds the view's change log: past it, the oldest half
	// is dropped, and a client whose cursor is older gets a reset.
	changeKeep = 1 << 17
)

// OrdersUpdate is what changed in the orders since a cursor (see
// OrdersSince), or with Reset the whole set. Orders are oldest first,
// each once at its latest state, with Routes by index as in OrdersPage;
// Gone are orders the view forgot since the cursor.
type OrdersUpdate struct {
	Reset  bool
	Orders []domain.Order
	Routes []string
	Gone   []domain.OrderID
}

// OrdersSince returns what changed in the orders after cursor and the
// cursor to pass next (never 0). Cursor 0, or one older than the view's
// change log, gets the whole set with Reset: every working order and the
// finished most recently ended (finished of them; DefaultStreamFinished
// when <= 0, at most MaxStreamFinished), oldest first. Otherwise each
// order changed since, once at its latest state, in the order of its
// last change, and Gone: those forgotten since. Nothing changed: an
// empty update and the same cursor. It reads the view only, never waits
// for the engine, and costs O(changes since cursor) but for a reset.
// Safe for concurrent use.
func (e *Engine) OrdersSince(cursor uint64, finished int) (OrdersUpdate, uint64) {
	if finished <= 0 {
		finished = DefaultStreamFinished
	}
	return e.view.ordersSince(cursor, min(finished, MaxStreamFinished))
}

// EachOrderSince is OrdersSince for a reader that wants each changed
// order's own fields and nothing else (a metrics exporter, a tracer): it
// calls fn for each order changed after cursor, at its latest state, with
// o nil for one forgotten since (id only), and returns the cursor to pass
// next and whether it was a reset. A reset (cursor 0, or one older than
// the change log) visits the working orders only. Nothing is copied or
// formatted: fn runs under the view's read lock, so it must be quick,
// must not keep o, and must not call back into the engine. Safe for
// concurrent use.
func (e *Engine) EachOrderSince(cursor uint64, fn func(id domain.OrderID, o *domain.Order)) (next uint64, reset bool) {
	return e.view.eachOrderSince(cursor, fn)
}

func (v *view) eachOrderSince(cursor uint64, fn func(id domain.OrderID, o *domain.Order)) (uint64, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	next := v.version + 1
	if cursor == 0 || cursor-1 < v.changes.from || cursor > next {
		for _, k := range v.sorted {
			if o := v.orders[k.id]; k.id != 0 && o != nil && !o.State.Terminal() {
				fn(k.id, &o.Order)
			}
		}
		return next, true
	}
	for _, c := range v.changes.since(cursor - 1) {
		if o, ok := v.orders[c.id]; ok && !c.gone {
			fn(c.id, &o.Order)
		} else if !ok && c.gone {
			fn(c.id, nil)
		}
	}
	return next, false
}

// ordersSince is OrdersSince on the view. A cursor is the view version
// it has seen plus one, so that 0 always means "nothing seen".
func (v *view) ordersSince(cursor uint64, finished int) (OrdersUpdate, uint64) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	next := v.version + 1
	if cursor == 0 || cursor-1 < v.changes.from || cursor > next {
		return v.resetSet(finished), next
	}
	var u OrdersUpdate
	for _, c := range v.changes.since(cursor - 1) {
		if o, ok := v.orders[c.id]; ok && !c.gone {
			u.Orders = append(u.Orders, o.Order)
			u.Routes = append(u.Routes, o.routeString())
		} else if !ok && c.gone {
			u.Gone = append(u.Gone, c.id)
		}
	}
	return u, next
}

// resetSet is every working order and the most recently ended finished
// ones, in view order. The caller holds mu.
func (v *view) resetSet(finished int) OrdersUpdate {
	u := OrdersUpdate{Reset: true}
	recent := make(map[domain.OrderID]bool, min(finished, len(v.ended)))
	for _, id := range v.ended[max(0, len(v.ended)-finished):] {
		recent[id] = true
	}
	for _, k := range v.sorted {
		if k.id == 0 {
			continue
		}
		o := v.orders[k.id]
		if !o.State.Terminal() || recent[k.id] {
			u.Orders = append(u.Orders, o.Order)
			u.Routes = append(u.Routes, o.routeString())
		}
	}
	return u
}

// routeString is the order's routing decision formatted, "" when it was
// not routed by this run.
func (o *viewOrder) routeString() string {
	if !o.routed {
		return ""
	}
	return o.route.String()
}

// changeLog is the view's record of which orders each delta changed or
// forgot, in version order. from is the newest version it no longer
// fully holds: it answers for every cursor at or after it.
type changeLog struct {
	log  []orderChange
	from uint64
}

// orderChange is one order changed (or forgotten: gone) by the delta of
// version.
type orderChange struct {
	version uint64
	id      domain.OrderID
	gone    bool
}

// add logs a change, dropping the oldest half of the log, whole versions
// at a time, past changeKeep.
func (l *changeLog) add(version uint64, id domain.OrderID, gone bool) {
	l.log = append(l.log, orderChange{version: version, id: id, gone: gone})
	if len(l.log) <= changeKeep {
		return
	}
	cut := len(l.log) - changeKeep/2
	for cut < len(l.log) && l.log[cut].version == l.log[cut-1].version {
		cut++ // never split a version
	}
	l.from = l.log[cut-1].version
	l.log = slices.Delete(l.log, 0, cut)
}

// since returns the changes after version, each order once at its last
// change, in the order of those last changes. The caller holds the
// view's lock.
func (l *changeLog) since(version uint64) []orderChange {
	i, _ := slices.BinarySearchFunc(l.log, version+1, func(c orderChange, v uint64) int {
		switch {
		case c.version < v:
			return -1
		case c.version > v:
			return 1
		}
		return 0
	})
	tail := l.log[i:]
	out := make([]orderChange, 0, len(tail))
	seen := make(map[domain.OrderID]int, len(tail))
	for _, c := range tail {
		if k, ok := seen[c.id]; ok {
			out[k].id = 0 // superseded by this later change
		}
		seen[c.id] = len(out)
		out = append(out, c)
	}
	return slices.DeleteFunc(out, func(c orderChange) bool { return c.id == 0 })
}

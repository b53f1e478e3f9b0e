package engine

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/router"
)

// Query defaults and bounds.
const (
	// DefaultOrdersPage is how many orders one Orders query returns when
	// it names no limit; MaxOrdersPage is the most it may ask for.
	DefaultOrdersPage = 1000
	MaxOrdersPage     = 5000
	// auditKeep is how many audit entries the view keeps; the journal
	// keeps them all.
	auditKeep = 10_000
)

// view is the read side of the engine: its own copy of the orders and the
// audit trail, which queries (orders, audit) read from any goroutine
// without ever touching the engine's state or waiting for the engine.
//
// The engine notes which orders changed as it journals them (an id
// appended to a slice, no allocation once it has grown) and, every
// SnapshotInterval and when many changes pile up, copies each changed
// order once into a viewDelta and hands it over. A command (a kill of a
// thousand orders) therefore pays nothing for the view on its way to the
// venues and its answer. A goroutine of the view's own applies it under
// mu; the engine never takes mu while it runs, and never waits: when the
// view is still applying the previous delta, the engine keeps collecting
// into its current one. Queries therefore see the orders as of the last
// hand-over, at most one SnapshotInterval behind the engine.
//
// mu guards orders, sorted, ended and audit. Lock order: mu is the only
// lock; nothing is called while it is held.
type view struct {
	names *Names
	keep  int // finished orders kept

	in   chan *viewDelta // to the view goroutine; capacity 1
	free chan *viewDelta // applied deltas back to the engine for reuse; capacity 1

	// applied is the version of the last delta applied; appliedCh is
	// closed and replaced at each, waking waitApplied.
	applied   atomic.Uint64
	appliedCh atomic.Pointer[chan struct{}]

	mu     sync.RWMutex
	orders map[domain.OrderID]*viewOrder
	sorted []orderKey       // every kept order, in the order the view first saw it; id 0: forgotten
	dead   int              // forgotten entries in sorted, compacted away past half
	seen   uint64           // the last orderKey.seq given
	ended  []domain.OrderID // finished orders in the order they ended, oldest first
	audit  auditLog         // the most recent audit records
	spare  []*viewOrder     // forgotten orders' memory, for the next new ones
	// version is the version of the delta being or last applied;
	// changes logs which orders each delta changed, for OrdersSince.
	version uint64
	changes changeLog
}

// viewOrder is one kept order and its place in sorted.
type viewOrder struct {
	seq uint64
	domain.Order
	// route is why the router sent it where it went, formatted only when
	// a query asks; routed is false for an order never routed in this run.
	route  router.Decision
	routed bool
}

// viewDelta is what changed since the last hand-over, oldest first.
type viewDelta struct {
	version uint64 // counts the hand-overs
	orders  []domain.Order
	// gone are orders that changed and that the OMS no longer holds
	// (evicted before the hand-over): the view forgets them too, rather
	// than keep a stale state.
	gone   []domain.OrderID
	audits []AuditRecord
	// routes are the routing decisions of the orders sent since the last
	// hand-over; the view formats them, off the engine goroutine.
	routes []routed
}

// routed is one order's routing decision.
type routed struct {
	id domain.OrderID
	d  router.Decision
}

// orderKey is an order's place in the view: the order in which the view
// first saw it, not a wall-clock time, so a clock stepping back cannot
// reorder the pages.
type orderKey struct {
	seq uint64
	id  domain.OrderID
}

func (a orderKey) cmp(b orderKey) int {
	switch {
	case a.seq < b.seq:
		return -1
	case a.seq > b.seq:
		return 1
	}
	return 0
}

// Names turns ids into the names clients see: the instruments (symbols
// and scales), strategies and venues. Everything in it is fixed when the
// engine is built and never changes, so it is read from any goroutine.
type Names struct {
	instruments []domain.Instrument
	strategies  []string // by StrategyID; "" where unused
	venues      []string // by VenueID; "" where unused
}

// Instrument returns instrument id, nil when id is beyond the table (an
// entry with an empty Symbol is an unused id).
func (n *Names) Instrument(id domain.InstrumentID) *domain.Instrument {
	if int(id) < len(n.instruments) {
		return &n.instruments[id]
	}
	return nil
}

// Strategy returns the name of strategy id, "unknown" for an unused id.
func (n *Names) Strategy(id domain.StrategyID) string {
	if int(id) < len(n.strategies) && n.strategies[id] != "" {
		return n.strategies[id]
	}
	return "unknown"
}

// Venue returns the name of venue id, "venue-N" for an unused id.
func (n *Names) Venue(id domain.VenueID) string {
	if int(id) < len(n.venues) && n.venues[id] != "" {
		return n.venues[id]
	}
	return fmt.Sprintf("venue-%d", id)
}

func newView(names *Names, keep int) *view {
	if keep <= 0 {
		keep = 10_000
	}
	v := &view{
		names:  names,
		keep:   keep,
		in:     make(chan *viewDelta, 1),
		free:   make(chan *viewDelta, 1),
		orders: make(map[domain.OrderID]*viewOrder),
	}
	ch := make(chan struct{})
	v.appliedCh.Store(&ch)
	return v
}

// waitApplied waits until the view has applied the delta of version, so
// that an operator's command is visible to the queries that follow its
// answer. It fails with ctx's error.
func (v *view) waitApplied(ctx context.Context, version uint64) error {
	for {
		ch := *v.appliedCh.Load() // before the version: see markApplied
		if v.applied.Load() >= version {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("engine: wait for the view: %w", ctx.Err())
		}
	}
}

// markApplied records version applied and wakes waitApplied.
func (v *view) markApplied(version uint64) {
	v.applied.Store(version)
	ch := make(chan struct{})
	close(*v.appliedCh.Swap(&ch))
}

// run applies deltas until ctx is done, then applies what is still queued.
func (v *view) run(ctx context.Context) {
	for {
		select {
		case d := <-v.in:
			v.apply(d)
			v.recycle(d)
		case <-ctx.Done():
			select {
			case d := <-v.in:
				v.apply(d)
			default:
			}
			return
		}
	}
}

func (v *view) recycle(d *viewDelta) {
	clear(d.orders) // drop the strings they reference
	clear(d.audits)
	d.orders, d.gone, d.audits, d.routes = d.orders[:0], d.gone[:0], d.audits[:0], d.routes[:0]
	select {
	case v.free <- d:
	default:
	}
}

// apply takes in one delta.
func (v *view) apply(d *viewDelta) {
	v.mu.Lock()
	defer v.markApplied(d.version) // after the unlock: deferred calls run last in, first out
	defer v.mu.Unlock()
	v.version = d.version
	for k := range d.orders {
		o := &d.orders[k]
		v.changes.add(d.version, o.ID, false)
		if cur, ok := v.orders[o.ID]; ok {
			if !cur.State.Terminal() && o.State.Terminal() {
				v.ended = append(v.ended, o.ID)
			}
			cur.Order = *o
			continue
		}
		var c *viewOrder
		if n := len(v.spare); n > 0 {
			c, v.spare = v.spare[n-1], v.spare[:n-1]
		} else {
			c = new(viewOrder)
		}
		v.seen++
		c.seq, c.Order = v.seen, *o
		v.orders[o.ID] = c
		v.sorted = append(v.sorted, orderKey{c.seq, o.ID}) // in seq order by construction
		if o.State.Terminal() {
			v.ended = append(v.ended, o.ID)
		}
	}
	for k := range d.routes {
		if o, ok := v.orders[d.routes[k].id]; ok {
			o.route, o.routed = d.routes[k].d, true
		}
	}
	for k := range d.audits {
		v.audit.add(&d.audits[k])
	}
	if len(d.gone) > 0 {
		for _, id := range d.gone {
			if o, ok := v.orders[id]; ok {
				v.forget(o)
			}
		}
		v.ended = slices.DeleteFunc(v.ended, func(id domain.OrderID) bool { _, ok := v.orders[id]; return !ok })
	}
	v.trim()
}

// trim forgets the oldest finished orders beyond keep. The caller holds
// mu.
func (v *view) trim() {
	if over := len(v.ended) - v.keep; over > 0 {
		for _, id := range v.ended[:over] {
			if o, ok := v.orders[id]; ok {
				v.forget(o)
			}
		}
		v.ended = slices.Delete(v.ended, 0, over)
	}
	if v.dead > len(v.sorted)/2 {
		v.sorted = slices.DeleteFunc(v.sorted, func(k orderKey) bool { return k.id == 0 })
		v.dead = 0
	}
}

// forget drops o from the map and its entry in sorted (compacted later);
// its memory is kept for a new order. The caller holds mu.
func (v *view) forget(o *viewOrder) {
	if i, ok := slices.BinarySearchFunc(v.sorted, orderKey{seq: o.seq}, orderKey.cmp); ok {
		v.sorted[i].id = 0
		v.dead++
	}
	delete(v.orders, o.ID)
	v.changes.add(v.version, o.ID, true)
	*o = viewOrder{} // no strings kept alive
	v.spare = append(v.spare, o)
}

// OrdersPage is one page of orders, oldest first, and the cursor of the
// next page ("" when this is the last).
type OrdersPage struct {
	Orders []domain.Order
	// Routes are why the router sent each order where it went, by index
	// of Orders ("" for an order not routed by this run: restored, or
	// denied before routing).
	Routes []string
	Next   string
}

// ordersPage returns up to limit orders after the cursor (a Next from an
// earlier page; empty for the first), in the order the view first saw them
// (oldest first), and the cursor of the
// next page ("" when this is the last). The work under the lock is a copy
// of the page; rendering is the caller's (core/wire).
func (v *view) ordersPage(after string, limit int) (OrdersPage, error) {
	if limit <= 0 {
		limit = DefaultOrdersPage
	}
	if limit > MaxOrdersPage {
		return OrdersPage{}, fmt.Errorf("%w: limit %d above %d", ErrBadCommand, limit, MaxOrdersPage)
	}
	var from orderKey
	if after != "" {
		k, err := parseCursor(after)
		if err != nil {
			return OrdersPage{}, err
		}
		from = k
	}
	page := make([]domain.Order, 0, min(limit, 256))
	routes := make([]string, 0, min(limit, 256))
	next := ""
	v.mu.RLock()
	i := 0
	if after != "" {
		i, _ = slices.BinarySearchFunc(v.sorted, from, orderKey.cmp)
		if i < len(v.sorted) && v.sorted[i].seq == from.seq {
			i++
		}
	}
	last := -1
	for ; i < len(v.sorted) && len(page) < limit; i++ {
		if k := v.sorted[i]; k.id != 0 {
			o := v.orders[k.id]
			page, routes = append(page, o.Order), append(routes, o.routeString())
			last = i
		}
	}
	for i < len(v.sorted) && v.sorted[i].id == 0 {
		i++ // forgotten entries do not make a next page
	}
	if i < len(v.sorted) && last >= 0 {
		next = formatCursor(v.sorted[last])
	}
	v.mu.RUnlock()
	return OrdersPage{Orders: page, Routes: routes, Next: next}, nil
}

// formatCursor and parseCursor spell a page cursor: the last order's place
// in the view. It stays valid when that order is forgotten.
func formatCursor(k orderKey) string { return "v" + strconv.FormatUint(k.seq, 10) }

func parseCursor(s string) (orderKey, error) {
	n, err := strconv.ParseUint(strings.TrimPrefix(s, "v"), 10, 64)
	if err != nil || !strings.HasPrefix(s, "v") {
		return orderKey{}, fmt.Errorf("%w: bad page cursor %q: pass the next of the previous page", ErrBadCommand, s)
	}
	return orderKey{seq: n}, nil
}

// auditPage returns the most recent entries (limit of them; all kept when
// limit <= 0) about node (every node when empty), oldest first. Never nil.
func (v *view) auditPage(node string, limit int) []AuditRecord {
	var recs []AuditRecord
	v.mu.RLock()
	a := &v.audit
	for k := len(a.recs) - 1; k >= 0; k-- {
		r := &a.recs[(a.start+k)%len(a.recs)]
		if node != "" && r.node(v.names) != node {
			continue
		}
		recs = append(recs, *r)
		if limit > 0 && len(recs) == limit {
			break
		}
	}
	v.mu.RUnlock()
	if recs == nil {
		return []AuditRecord{}
	}
	slices.Reverse(recs)
	return recs
}

// AuditRecord is an audit entry as journaled: an EventAudit (Audit), or an
// EventDenied order (Order: the denial's node is its strategy, its reason
// the denial's). Formatting waits until a client asks (core/wire), so
// recording one costs a copy and no allocation.
type AuditRecord struct {
	Seq   uint64 // the journal sequence
	Time  int64  // engine clock, unix ns
	Kind  domain.EventKind
	Audit domain.Audit // Kind EventAudit
	Order domain.Order // Kind EventDenied
}

// auditRecordOf returns ev as an audit record, and false when ev is not
// one (neither an audit record nor a denial).
func auditRecordOf(ev *domain.Event) (AuditRecord, bool) {
	if ev.Kind != domain.EventAudit && ev.Kind != domain.EventDenied {
		return AuditRecord{}, false
	}
	r := AuditRecord{Seq: ev.Seq, Time: ev.Time, Kind: ev.Kind}
	if ev.Kind == domain.EventAudit {
		r.Audit = ev.Audit
	} else {
		r.Order = ev.Order
	}
	return r, true
}

// auditLog is a ring of the most recent audit records, oldest first.
type auditLog struct {
	recs  []AuditRecord // grows to auditKeep, then wraps
	start int           // index of the oldest record once full
}

func (a *auditLog) add(r *AuditRecord) {
	if len(a.recs) < auditKeep {
		a.recs = append(a.recs, *r)
		return
	}
	a.recs[a.start] = *r
	a.start = (a.start + 1) % auditKeep
}

// node is the node r is about: the audit record's, or the denied order's
// strategy.
func (r *AuditRecord) node(n *Names) string {
	if r.Kind == domain.EventAudit {
		return r.Audit.Node
	}
	return n.Strategy(r.Order.Strategy)
}

package binance

import (
	"context"
	"sync"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

// resolver queries, by client order id, every order whose outcome is
// unknown (a lost answer, a held final state, a stream that was away)
// until the venue's record settles it: it posts each record to the
// applier, which reports what is new and tells the resolver, through
// done, when nothing is left unknown. It never resends anything.
//
// One goroutine queries one order at a time, so its load on the venue is
// bounded by ResolveInterval and the REST round trip; a failing query
// backs off per order up to 16 intervals.
type resolver struct {
	v    *Venue
	mu   sync.Mutex // guards due
	due  map[domain.OrderID]*resEntry
	wake chan struct{} // room for one
	// resyncDue asks run to compare the venue's open orders with the
	// live tracks (the stream came back); guarded by mu.
	resyncDue bool
}

type resEntry struct {
	next  time.Time
	tries int
	sync  bool // queried at least once whatever the events say (a resync)
}

func newResolver(v *Venue) *resolver {
	return &resolver{v: v, due: map[domain.OrderID]*resEntry{}, wake: make(chan struct{}, 1)}
}

// add schedules id's query one interval from now, unless it is already
// scheduled. It never blocks (it is called under v.mu).
func (r *resolver) add(id domain.OrderID) { r.schedule(id, false) }

// sync schedules id's query even if the order's state looks settled.
func (r *resolver) sync(id domain.OrderID) { r.schedule(id, true) }

func (r *resolver) schedule(id domain.OrderID, sync bool) {
	r.mu.Lock()
	e := r.due[id]
	if e == nil {
		e = &resEntry{next: time.Now().Add(r.v.opts.ResolveInterval)}
		r.due[id] = e
	}
	e.sync = e.sync || sync
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// done drops id once it is settled; queried says the settling came from
// a query (which a resync waits for).
func (r *resolver) done(id domain.OrderID, queried bool) {
	r.mu.Lock()
	if e := r.due[id]; e != nil && (!e.sync || queried) {
		delete(r.due, id)
	}
	r.mu.Unlock()
}

// resync asks for a comparison of the open orders with the live tracks.
func (r *resolver) resync() {
	r.mu.Lock()
	r.resyncDue = true
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// resyncOpen reads the open orders of every symbol (one light request
// each, not one per order) and queries each live track they do not
// confirm: missing (it ended or never arrived), at another replace, or
// with another fill. If the list fails, every live track is queried.
func (r *resolver) resyncOpen(ctx context.Context) {
	v := r.v
	type open struct {
		n    int
		exec string
	}
	seen := map[domain.OrderID]open{}
	var err error
	for _, sym := range v.sortedSymbols() {
		var rows []api.Order
		if rows, err = v.openOrders(ctx, sym); err != nil {
			break
		}
		for _, row := range rows {
			if id, n, ok := parseClientID(row.ClientOrderID); ok {
				if o, dup := seen[id]; !dup || n > o.n {
					seen[id] = open{n, row.ExecutedQty}
				}
			}
		}
	}
	if err != nil && ctx.Err() == nil {
		v.log.Warn("binance: open orders failed after the stream came back; querying every live order", "err", err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for id, t := range v.tracks {
		if t.ended {
			continue
		}
		o, ok := seen[id]
		if err == nil && ok && o.n == t.gen && t.acked && t.resolved() {
			if exec, perr := t.sym.qty(orZero(o.exec)); perr == nil && exec == t.filled-t.legBase {
				continue
			}
		}
		r.sync(id)
	}
}

func (r *resolver) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		r.mu.Lock()
		resync := r.resyncDue
		r.resyncDue = false
		r.mu.Unlock()
		if resync {
			r.resyncOpen(ctx)
		}
		now := time.Now()
		var next time.Time
		var ready []domain.OrderID
		r.mu.Lock()
		for id, e := range r.due {
			if !e.next.After(now) {
				ready = append(ready, id)
			} else if next.IsZero() || e.next.Before(next) {
				next = e.next
			}
		}
		r.mu.Unlock()
		for _, id := range ready {
			if ctx.Err() != nil {
				return
			}
			r.query(ctx, id)
		}
		if len(ready) > 0 {
			continue
		}
		wait := time.Hour
		if !next.IsZero() {
			wait = time.Until(next)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// query asks the venue for id's record and posts it; on failure it backs
// off. The entry stays until the applier says done.
func (r *resolver) query(ctx context.Context, id domain.OrderID) {
	v := r.v
	v.mu.Lock()
	t := v.tracks[id]
	var sym *symbol
	maxN := 0
	if t != nil {
		sym, maxN = t.sym, t.nextN
	}
	v.mu.Unlock()
	if t == nil {
		r.done(id, true)
		return
	}
	ch, err := v.queryChain(ctx, sym, id, maxN)
	r.mu.Lock()
	if e := r.due[id]; e != nil {
		if err != nil {
			e.tries++
		} else {
			e.tries = 0
		}
		e.next = time.Now().Add(v.opts.ResolveInterval << min(e.tries, 4))
	}
	r.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			v.log.Warn("binance: order query failed; will retry", "order", id, "err", err)
		}
		return
	}
	v.post(ctx, &event{kind: evQueried, id: id, chain: ch})
}

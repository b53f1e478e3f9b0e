package sim

import (
	"cmp"
	"context"
	"slices"

	"github.com/desk-trading/desk/core/domain"
)

// orderRec is what the venue remembers of one client order for Orders: the
// order as submitted and every report issued about it. The venue goroutine
// owns it; Orders hands out copies.
type orderRec struct {
	order   domain.Order
	reports []domain.ExecReport
	seq     uint64 // submission order, to sort orders that reuse an id
}

// Orders returns every client order the venue holds under desk's ids: those
// live on its books and the last Options.History that ended (filled,
// canceled, rejected or expired), each with every report the venue issued
// about it, oldest first, whether or not the report has been delivered yet:
// what the venue did is the truth. Each Order is as submitted (ID,
// Instrument, Venue, Side, Type, TIF, PostOnly, Price, Qty, and Created, the
// venue's clock when the order reached the book), in StatePendingNew with
// nothing filled. Orders are sorted by ID; an id reused after its first
// order ended is listed once per order, in the order they were submitted.
//
// Like OpenOrders, it is safe from any goroutine and answered by the venue
// goroutine between two batches: orders still within Latency of their Submit
// have not reached the venue and are not listed. Reports about an order the
// venue does not hold (a cancel or replace of an order that ended or never
// existed) and the rejection of a duplicate live id are not recorded. It
// fails with ErrNotRunning when Run is not running and with ctx's error
// when ctx ends first. The slices are the caller's.
func (v *Venue) Orders(ctx context.Context) ([]domain.VenueOrder, error) {
	return ask(ctx, v, "orders", v.orders)
}

func (v *Venue) orders() []domain.VenueOrder {
	recs := make([]*orderRec, 0, len(v.clients)+v.ended.len())
	n := 0
	for _, c := range v.clients {
		recs = append(recs, c.rec)
		n += len(c.rec.reports)
	}
	for i := range v.ended.len() {
		rec := v.ended.at(i)
		recs = append(recs, rec)
		n += len(rec.reports)
	}
	slices.SortFunc(recs, func(a, b *orderRec) int {
		return cmp.Or(cmp.Compare(a.order.ID, b.order.ID), cmp.Compare(a.seq, b.seq))
	})
	// One array for all the reports, each order's slice capped so that an
	// append by the caller cannot run into the next order's.
	all := make([]domain.ExecReport, 0, n)
	out := make([]domain.VenueOrder, len(recs))
	for i, rec := range recs {
		from := len(all)
		all = append(all, rec.reports...)
		out[i] = domain.VenueOrder{Order: rec.order, Reports: all[from:len(all):len(all)]}
	}
	return out
}

// newRec starts the record of the order submitted by r, reusing a forgotten
// order's record when there is one.
func (v *Venue) newRec(r *request) *orderRec {
	var rec *orderRec
	if n := len(v.spare); n > 0 {
		rec, v.spare = v.spare[n-1], v.spare[:n-1]
	} else {
		rec = &orderRec{reports: make([]domain.ExecReport, 0, 2)}
	}
	v.lastSeq++
	rec.seq = v.lastSeq
	rec.order = domain.Order{ID: r.id, Instrument: r.inst, Venue: v.cfg.ID, Side: r.side, Type: r.typ,
		TIF: r.tif, State: domain.StatePendingNew, PostOnly: r.postOnly, Price: r.price, Qty: r.qty,
		Created: v.wall}
	return rec
}

// end moves the record of an order that is no longer live to the history,
// forgetting the oldest ended order beyond Options.History. Call it after
// the order's last report.
func (v *Venue) end(rec *orderRec) {
	if rec == nil {
		return
	}
	if v.cfg.History <= 0 {
		v.forget(rec)
		return
	}
	v.ended.push(rec)
	if v.ended.len() > v.cfg.History {
		v.forget(v.ended.pop())
	}
}

func (v *Venue) forget(rec *orderRec) {
	clear(rec.reports) // drop the reasons' strings
	rec.reports = rec.reports[:0]
	v.spare = append(v.spare, rec)
}

// recOf returns the record of live order id: rec when it is id's, which is
// the case of every event about the order of the request being handled,
// else the client map's.
func (v *Venue) recOf(id domain.OrderID, rec *orderRec) *orderRec {
	if rec != nil && rec.order.ID == id {
		return rec
	}
	return v.clients[id].rec
}

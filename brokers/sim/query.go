package sim

import (
	"context"
	"slices"

	"github.com/desk-trading/desk/core/domain"
)

// QueryOrder returns the venue's record of o (engine.OrderQuerier): the
// order as submitted with every report the venue issued about it, as
// Orders lists it. An order still on its way to the book (within Latency
// of its Submit) is held by the venue too: it is returned as submitted,
// with no report yet. It fails with domain.ErrNotAtVenue when the venue
// holds no request of that id at all: a submit the venue took is always
// somewhere (queued, on a book, or among the last Options.History ended
// orders), so an order it does not hold never reached it and never will.
// An order that ended more than History orders ago is forgotten and reads
// as not at the venue.
func (v *Venue) QueryOrder(ctx context.Context, o domain.Order) (domain.VenueOrder, error) {
	a, err := ask(ctx, v, "query order", func() queried {
		v.drain() // a Submit that returned has queued its request
		return v.queryOrder(o)
	})
	if err != nil {
		return domain.VenueOrder{}, err
	}
	if !a.found {
		return domain.VenueOrder{}, domain.ErrNotAtVenue
	}
	return a.vo, nil
}

// queried is the venue goroutine's answer to QueryOrder.
type queried struct {
	vo    domain.VenueOrder
	found bool
}

// queryOrder looks for o's id among the live orders, the requests on their
// way to the books, and the ended orders (the newest first).
func (v *Venue) queryOrder(o domain.Order) queried {
	if c, ok := v.clients[o.ID]; ok {
		return queried{vo: c.rec.venueOrder(), found: true}
	}
	for i := range v.pending.len() {
		if r := v.pending.at(i); r.kind == reqSubmit && r.id == o.ID {
			// On its way: held, nothing happened to it yet.
			so := o
			so.State, so.Filled, so.FilledNotional, so.Fees = domain.StatePendingNew, 0, 0, 0
			return queried{vo: domain.VenueOrder{Order: so}, found: true}
		}
	}
	for i := v.ended.len() - 1; i >= 0; i-- {
		if rec := v.ended.at(i); rec.order.ID == o.ID {
			return queried{vo: rec.venueOrder(), found: true}
		}
	}
	return queried{}
}

// venueOrder copies the record for a caller.
func (rec *orderRec) venueOrder() domain.VenueOrder {
	return domain.VenueOrder{Order: rec.order, Reports: slices.Clone(rec.reports)}
}

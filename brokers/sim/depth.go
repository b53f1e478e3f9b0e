package sim

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/desk-trading/desk/core/domain"
)

// ErrUnknownInstrument is returned by Depth for an instrument the venue
// does not list. (It lives here, not in errors.go, to keep this query's
// change to the package in new files.)
var ErrUnknownInstrument = errors.New("sim venue: unknown instrument")

// Depth is one instrument's aggregated book at one update id: every price
// level with resting quantity, or the best few, each side best first.
type Depth struct {
	Instrument domain.InstrumentID
	// UpdateID is the book's version (match.Book.Version): it increases by
	// at least one on every change of the book's contents, and a Depth
	// with a given UpdateID always holds the same levels. Two Depths of
	// one instrument at versions a < b differ by the changes numbered
	// a+1 through b.
	UpdateID uint64
	// Time is the venue's clock (unix nanoseconds) of the batch that made
	// this version.
	Time int64
	// Bids are best (highest) first, Asks best (lowest) first. Every
	// level's Qty is positive.
	Bids, Asks []domain.Level
}

// DepthSink is an optional interface of a MarketSink: when Options.Market
// implements it, the venue also calls Depth after each batch that changed
// an instrument's book, right after Book, with every level of that book
// and its UpdateID. Consecutive calls for one instrument carry increasing
// UpdateIDs and no change is skipped between them, so the difference of
// two consecutive Depths is exactly what the versions between them did;
// and the last Depth delivered for an instrument is the book that the
// Depth query returns until the next one. Like the MarketSink's methods,
// it runs on the venue goroutine and must not block; d and its slices are
// reused after the call.
type DepthSink interface {
	Depth(d *Depth)
}

// Depth returns instrument inst's book as of the last batch, with its
// UpdateID: every level when limit <= 0, else the best limit levels a side.
// It is answered by the venue goroutine between two batches, like
// OpenOrders, so the book it returns is always one the DepthSink was given
// (or the book before any change, while none was). It fails with
// ErrUnknownInstrument when the venue does not list inst, ErrNotRunning
// when Run is not running and ctx's error when ctx ends first. The slices
// are the caller's.
func (v *Venue) Depth(ctx context.Context, inst domain.InstrumentID, limit int) (Depth, error) {
	if _, ok := v.byID[inst]; !ok { // byID is never changed after New
		return Depth{}, fmt.Errorf("%w: %d", ErrUnknownInstrument, inst)
	}
	return ask(ctx, v, "depth", func() Depth {
		m := v.byID[inst]
		var d Depth
		v.fullDepth(m, &d)
		if limit > 0 {
			d.Bids, d.Asks = d.Bids[:min(limit, len(d.Bids))], d.Asks[:min(limit, len(d.Asks))]
		}
		// The scratch of fullDepth is reused: hand out copies.
		d.Bids, d.Asks = slices.Clone(d.Bids), slices.Clone(d.Asks)
		return d
	})
}

// Instruments returns the instruments the venue lists, in the order of
// Options.Instruments. Safe from any goroutine; the slice is the caller's.
func (v *Venue) Instruments() []SimInstrument {
	return slices.Clone(v.cfg.Instruments)
}

// depthScratch is what fullDepth reuses between calls for one market.
type depthScratch struct {
	bids, asks map[domain.Price]domain.Qty
	b, a       []domain.Level
}

// fullDepth writes every level of m's book into d, reusing m's scratch:
// d's slices are valid until the next call for m. The match book exposes
// only its top levels, so the levels are summed from the orders the venue
// knows rest on it: the flow's, the mirror's and the clients'. Every
// resting order is one of those; the count is checked against the book's
// (see depthComplete in the tests).
func (v *Venue) fullDepth(m *market, d *Depth) int {
	s := &m.scratch
	if s.bids == nil {
		s.bids, s.asks = make(map[domain.Price]domain.Qty), make(map[domain.Price]domain.Qty)
	}
	clear(s.bids)
	clear(s.asks)
	n := 0
	add := func(id uint64) {
		r, ok := m.book.Lookup(id)
		if !ok || r.Leaves() <= 0 {
			return
		}
		n++
		if r.Side == domain.Buy {
			s.bids[r.Price] += r.Leaves()
		} else {
			s.asks[r.Price] += r.Leaves()
		}
	}
	for _, id := range m.flow.resting {
		add(id)
	}
	for _, o := range m.mirror.orders {
		add(o.id) // ids the book no longer holds are skipped
	}
	for _, c := range v.clients {
		if c.market == m {
			add(c.void)
		}
	}
	s.b, s.a = s.b[:0], s.a[:0]
	for p, q := range s.bids {
		s.b = append(s.b, domain.Level{Price: p, Qty: q})
	}
	for p, q := range s.asks {
		s.a = append(s.a, domain.Level{Price: p, Qty: q})
	}
	slices.SortFunc(s.b, func(x, y domain.Level) int { return cmp.Compare(y.Price, x.Price) })
	slices.SortFunc(s.a, func(x, y domain.Level) int { return cmp.Compare(x.Price, y.Price) })
	*d = Depth{Instrument: m.inst.ID, UpdateID: m.book.Version(), Time: v.wall, Bids: s.b, Asks: s.a}
	return n
}

// publishDepth hands m's full book to the DepthSink, when there is one.
func (v *Venue) publishDepth(m *market) {
	if v.depthSink == nil {
		return
	}
	v.fullDepth(m, &m.depth)
	v.depthSink.Depth(&m.depth)
}

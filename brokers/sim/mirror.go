package sim

import (
	"slices"
	"sync"

	"github.com/desk-trading/desk/brokers/sim/match"
	"github.com/desk-trading/desk/core/domain"
)

// mirror is one market's mirrored outside liquidity (see Venue.Mirror).
type mirror struct {
	// mu guards next and dirty, which Mirror writes from the feed's
	// goroutine and the venue goroutine takes.
	mu    sync.Mutex
	next  domain.BookUpdate // the latest book handed to Mirror
	dirty bool              // next not applied yet

	// Owned by the venue goroutine.
	cur    domain.BookUpdate // the book being applied, copied from next
	bids   [domain.BookDepth]domain.Level
	asks   [domain.BookDepth]domain.Level
	nb, na int           // levels of bids and asks in use
	orders []mirrorOrder // the mirror's resting orders, at most one a level and side
}

// mirrorOrder is one resting mirror order. An order taken entirely (by a
// client or flow taker) is forgotten by fill, through forget.
type mirrorOrder struct {
	id    uint64
	side  domain.Side
	price domain.Price
}

// Mirror makes the outside liquidity of instrument b.Instrument follow b,
// the book of an external market (typically a live exchange feed): after
// it, the venue's book holds one resting order per level of b and side,
// for the level's quantity, alongside the client orders, so that desk's
// orders trade against the real market's displayed book. This is paper
// trading: a client order that crosses mirrored levels fills at their
// prices, walking them as on the real market, with the taker fee; and a
// client order resting at a price the real market later trades through (a
// mirrored ask at or below a client bid, a mirrored bid at or above a
// client ask) fills as maker, at the client order's price, with the maker
// fee. Mirror orders, like background flow orders, never produce execution
// reports; their trades with client orders are public trades as usual.
//
// Mirror may be called from any goroutine, typically the feed's, whether or
// not Run is running; it never blocks and does not allocate. It copies *b
// (b may change as soon as it returns) and wakes the venue goroutine, which
// applies the latest book of each instrument at once, undelayed by
// Options.Latency (client requests and reports still are), then publishes
// and delivers reports as after any batch. Books are conflated: when the
// feed outpaces the venue, only the last one of an instrument is applied.
// A b of an instrument the venue does not list is ignored, as are levels
// whose price is not a positive multiple of the tick or whose quantity is
// not a positive multiple of the lot, levels out of best-first order, and
// levels of one side that cross the other side's best.
//
// Each apply runs in two phases, so that mirror orders never trade with
// each other: it first cancels every mirror order whose level is gone from
// b or whose remaining quantity differs from b's at that price (a client
// order may have taken part of it), then places a limit order for each
// level of b left without one. Placing is where a resting client order the
// market has traded through gets its fill.
//
// The approximation, compared with trading on the real market:
//   - a mirror order re-placed because its level changed goes to the back
//     of its level, behind client orders resting at the same price;
//   - the real market never sees desk's paper orders, so liquidity a
//     paper order took comes back with the next book, and a client order
//     resting where the real market shows liquidity of the other side fills
//     again on each book that shows it;
//   - only the levels in b, at most domain.BookDepth a side, are mirrored:
//     a client order that sweeps past them finds nothing beyond.
//
// Mirror is meant for a venue with background flow off (Flow.OpsPerTick 0)
// and usually no Options.Market. A venue can do both, but the mirror and
// the flow then share the book: the flow's orders trade with the mirror's
// and rest beside them, and the published book is their sum.
func (v *Venue) Mirror(b *domain.BookUpdate) {
	if b == nil {
		return
	}
	m := v.byID[b.Instrument] // byID is never changed after New
	if m == nil {
		v.mirrorUnknown.Add(1)
		return
	}
	mr := &m.mirror
	mr.mu.Lock()
	mr.next = *b
	mr.dirty = true
	mr.mu.Unlock()
	select {
	case v.mirrorWake <- struct{}{}:
	default: // a wake-up is already pending; it will see this book
	}
}

// applyMirrors applies the latest mirrored book of every market that has
// one pending. It runs on the venue goroutine.
func (v *Venue) applyMirrors() {
	v.setClock()
	for _, m := range v.markets {
		mr := &m.mirror
		mr.mu.Lock()
		dirty := mr.dirty
		if dirty {
			mr.cur = mr.next
			mr.dirty = false
		}
		mr.mu.Unlock()
		if dirty {
			v.applyMirror(m, &mr.cur)
		}
	}
}

// applyMirror makes m's mirror orders follow b in two phases: cancel the
// ones b no longer shows as they are, then place what b shows and no
// mirror order holds. Client orders that the placed orders cross get their
// fills through apply.
func (v *Venue) applyMirror(m *market, b *domain.BookUpdate) {
	mr := &m.mirror
	mr.levels(&m.inst, b)
	var haveBid, haveAsk [domain.BookDepth]bool

	// Phase 1: cancel, and forget what the book no longer holds.
	kept := mr.orders[:0]
	for _, o := range mr.orders {
		r, ok := m.book.Lookup(o.id)
		if !ok {
			continue // not reached: fill forgets the orders taken entirely
		}
		levels, have := mr.bids[:mr.nb], &haveBid
		if o.side == domain.Sell {
			levels, have = mr.asks[:mr.na], &haveAsk
		}
		i := levelAt(levels, o.price)
		if i < 0 || levels[i].Qty != r.Leaves() {
			// The Canceled event has tag zero: apply hands it to
			// flow.forget, which does not know the id and does nothing.
			v.apply(m, m.book.Cancel(o.id), nil, nil)
			continue
		}
		have[i] = true
		kept = append(kept, o)
	}
	mr.orders = kept

	// Phase 2: place the missing levels. The levels of b do not cross each
	// other, so these orders can trade only with client or flow orders.
	for i := range mr.nb {
		if !haveBid[i] {
			v.placeMirror(m, domain.Buy, mr.bids[i])
		}
	}
	for i := range mr.na {
		if !haveAsk[i] {
			v.placeMirror(m, domain.Sell, mr.asks[i])
		}
	}
}

// placeMirror submits one mirror order of l's size at l's price, and keeps
// it in the mirror's list if it rests.
func (v *Venue) placeMirror(m *market, side domain.Side, l domain.Level) {
	v.lastVOID++
	id := v.lastVOID
	v.apply(m, m.book.Submit(match.Order{ID: id, Side: side, Type: domain.Limit, TIF: domain.GTC,
		Price: l.Price, Qty: l.Qty}), nil, nil)
	if _, ok := m.book.Lookup(id); ok {
		m.mirror.orders = append(m.mirror.orders, mirrorOrder{id: id, side: side, price: l.Price})
	}
}

// forget drops id from the mirror's resting orders once it filled. The
// list is short (2*domain.BookDepth at most), so a scan is fine.
func (mr *mirror) forget(id uint64) {
	for i, o := range mr.orders {
		if o.id == id {
			mr.orders = slices.Delete(mr.orders, i, i+1)
			return
		}
	}
}

// levels copies the levels of b the book can hold into mr.bids and
// mr.asks: on tick and lot, strictly in best-first order, and, should b be
// crossed, not through the other side's best (both crossing parts are
// dropped).
func (mr *mirror) levels(in *domain.Instrument, b *domain.BookUpdate) {
	mr.nb = validLevels(in, b.Bids[:min(int(b.NBids), domain.BookDepth)], &mr.bids, 1)
	mr.na = validLevels(in, b.Asks[:min(int(b.NAsks), domain.BookDepth)], &mr.asks, -1)
	if mr.nb == 0 || mr.na == 0 {
		return
	}
	bestBid, bestAsk := mr.bids[0].Price, mr.asks[0].Price
	if bestBid < bestAsk {
		return
	}
	mr.nb = dropCrossing(mr.bids[:mr.nb], func(p domain.Price) bool { return p >= bestAsk })
	mr.na = dropCrossing(mr.asks[:mr.na], func(p domain.Price) bool { return p <= bestBid })
}

// validLevels copies the levels of src that are on tick and lot and
// strictly worse than the previous one copied (sign 1 for bids, whose
// prices fall, -1 for asks) into dst, and returns how many it copied.
func validLevels(in *domain.Instrument, src []domain.Level, dst *[domain.BookDepth]domain.Level, sign int) int {
	n := 0
	for _, l := range src {
		switch {
		case l.Price <= 0 || l.Price%in.TickSize != 0 || l.Qty <= 0 || l.Qty%in.LotSize != 0:
			continue
		case n > 0 && (sign > 0 && l.Price >= dst[n-1].Price || sign < 0 && l.Price <= dst[n-1].Price):
			continue
		}
		dst[n] = l
		n++
	}
	return n
}

// dropCrossing removes the leading levels of ls (best first) whose price
// crosses, and returns how many are left, moved to the front of ls.
func dropCrossing(ls []domain.Level, crosses func(domain.Price) bool) int {
	k := 0
	for k < len(ls) && crosses(ls[k].Price) {
		k++
	}
	return copy(ls, ls[k:])
}

// levelAt returns the index of the level at price p in ls, or -1.
func levelAt(ls []domain.Level, p domain.Price) int {
	for i := range ls {
		if ls[i].Price == p {
			return i
		}
	}
	return -1
}

package router

import "github.com/desk-trading/desk/core/domain"

// Depth is how many displayed price levels a side the router keeps per
// venue and instrument: enough to say how much of an order each venue
// fills within a limit, and to sweep a split across venues level by level.
const Depth = 5

// levels is one side of a venue's displayed book, best first.
type levels struct {
	n  uint8
	lv [Depth]domain.Level
}

func (s *levels) best() (domain.Price, bool) {
	if s.n == 0 {
		return 0, false
	}
	return s.lv[0].Price, true
}

// within returns the displayed quantity of the levels at or better than
// limit for an order on side (which takes from this side); limit 0 means
// no limit.
func (s *levels) within(side domain.Side, limit domain.Price) domain.Qty {
	var q domain.Qty
	for k := 0; k < int(s.n); k++ {
		if !reaches(side, s.lv[k].Price, limit) {
			break
		}
		q += s.lv[k].Qty
	}
	return q
}

// reaches reports whether an order on side with limit (0: none) may trade
// at price p. Anything but a sell is a buy, here and throughout Plan.
func reaches(side domain.Side, p, limit domain.Price) bool {
	if limit <= 0 {
		return true
	}
	if side == domain.Sell {
		return p >= limit
	}
	return p <= limit
}

// book is what the router knows of one venue's market in one instrument.
type book struct {
	bids, asks levels
	listed     bool // the venue lists the instrument
	stale      bool // the feed says the data cannot be trusted
}

// opposite returns the side of the book an order on side takes from.
func (bk *book) opposite(side domain.Side) *levels {
	if side == domain.Sell {
		return &bk.bids
	}
	return &bk.asks
}

// copyLevels copies the first Depth non-empty levels of src into dst.
func copyLevels(dst *levels, src []domain.Level, n uint8) {
	m := int(n)
	if m > len(src) {
		m = len(src)
	}
	if m > Depth {
		m = Depth
	}
	k := 0
	for j := 0; j < m; j++ {
		if src[j].Price > 0 && src[j].Qty > 0 {
			dst.lv[k] = src[j]
			k++
		}
	}
	dst.n = uint8(k)
}

// OnBook records the best Depth levels a side of a venue's book. A book
// of an unknown venue or instrument, or of an instrument the venue does
// not list, is ignored. It allocates nothing.
func (r *Router) OnBook(b *domain.BookUpdate) {
	v := r.venue(b.Venue)
	if v == nil || int(b.Instrument) >= len(v.books) {
		return
	}
	bk := &v.books[b.Instrument]
	if !bk.listed {
		return
	}
	copyLevels(&bk.bids, b.Bids[:], b.NBids)
	copyLevels(&bk.asks, b.Asks[:], b.NAsks)
}

// Displayed returns how much an order on side with limit price limit (0:
// a market order) could fill at venue id in instrument i, by the venue's
// last book: the displayed quantity of its best Depth levels on the
// opposite side at or better than the limit. It is zero for an unknown
// venue or instrument, and says nothing of whether the venue is up.
func (r *Router) Displayed(id domain.VenueID, i domain.InstrumentID, side domain.Side, limit domain.Price) domain.Qty {
	v := r.venue(id)
	if v == nil || int(i) >= len(v.books) {
		return 0
	}
	return v.books[i].opposite(side).within(side, limit)
}

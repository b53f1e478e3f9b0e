package binance

import "github.com/desk-trading/desk/core/domain"

// Side is a side of a book.
type Side uint8

// The sides.
const (
	Bid Side = iota
	Ask
)

// Book is one symbol's price levels in fixed point. Each side is a sorted
// slice kept worst to best (bids ascending, asks descending), so a change at
// the top of the book, the most frequent, moves the fewest levels; lookups
// are binary searches. Updating a level in place or deleting one never
// allocates, nor does inserting once the slice's capacity has grown to the
// book's depth. Readers see levels best first through Level and
// AppendLevels. The zero Book is empty and ready.
type Book struct {
	side [2][]Level
}

// NewBook returns an empty book with room for depth levels a side.
func NewBook(depth int) *Book {
	b := &Book{}
	b.side[Bid] = make([]Level, 0, depth)
	b.side[Ask] = make([]Level, 0, depth)
	return b
}

// key orders a side's levels ascending, worst to best.
func key(s Side, p domain.Price) int64 {
	if s == Ask {
		return -int64(p)
	}
	return int64(p)
}

// search returns the index of the first level whose key is >= k. Diffs
// touch the levels near the best, the end of lv, so it first gallops down
// from the end (1, 2, 4, ... levels) to the first level below k and then
// bisects that stretch alone: a change at the top costs a couple of
// comparisons, one deep in the book about twice a plain bisection's.
func search(lv []Level, s Side, k int64) int {
	lo, hi := 0, len(lv)
	for step := 1; hi > 0; step *= 2 {
		i := max(len(lv)-step, 0)
		if key(s, lv[i].Price) < k {
			lo = i + 1
			break
		}
		hi = i
		if i == 0 {
			return 0
		}
	}
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if key(s, lv[m].Price) < k {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// Len returns the number of levels on side s.
func (b *Book) Len(s Side) int { return len(b.side[s]) }

// Level returns level i of side s, 0 being the best; it panics when i is
// out of range, as a slice index does.
func (b *Book) Level(s Side, i int) Level {
	lv := b.side[s]
	return lv[len(lv)-1-i]
}

// Best returns the best level of side s; ok is false when the side is
// empty.
func (b *Book) Best(s Side) (l Level, ok bool) {
	lv := b.side[s]
	if len(lv) == 0 {
		return Level{}, false
	}
	return lv[len(lv)-1], true
}

// AppendLevels appends side s's levels to dst, best first: bids high to
// low, asks low to high.
func (b *Book) AppendLevels(dst []Level, s Side) []Level {
	lv := b.side[s]
	for i := len(lv) - 1; i >= 0; i-- {
		dst = append(dst, lv[i])
	}
	return dst
}

// Top copies the best domain.BookDepth levels a side (fewer when the side
// has fewer) into u's Bids and Asks, best first, and sets NBids and NAsks.
// It leaves u's other fields alone.
func (b *Book) Top(u *domain.BookUpdate) {
	u.NBids = uint8(top(b.side[Bid], u.Bids[:]))
	u.NAsks = uint8(top(b.side[Ask], u.Asks[:]))
}

// top copies the best levels of lv (best last) into dst, best first, and
// returns how many.
func top(lv []Level, dst []domain.Level) int {
	n := min(len(lv), len(dst))
	for i := range n {
		l := lv[len(lv)-1-i]
		dst[i] = domain.Level{Price: l.Price, Qty: l.Qty}
	}
	return n
}

// Set sets the quantity at price p on side s; zero quantity deletes the
// level (deleting a level the book does not have is a no-op, as the venue
// documents).
func (b *Book) Set(s Side, p domain.Price, q domain.Qty) {
	lv := b.side[s]
	k := key(s, p)
	i := search(lv, s, k)
	found := i < len(lv) && lv[i].Price == p
	switch {
	case q == 0 && found:
		copy(lv[i:], lv[i+1:])
		b.side[s] = lv[:len(lv)-1]
	case q == 0:
	case found:
		lv[i].Qty = q
	default:
		lv = append(lv, Level{})
		copy(lv[i+1:], lv[i:])
		lv[i] = Level{Price: p, Qty: q}
		b.side[s] = lv
	}
}

// Apply sets each of bids and asks, in order.
func (b *Book) Apply(bids, asks []Level) {
	for _, l := range bids {
		b.Set(Bid, l.Price, l.Qty)
	}
	for _, l := range asks {
		b.Set(Ask, l.Price, l.Qty)
	}
}

// Reset empties the book, keeping its capacity.
func (b *Book) Reset() {
	b.side[Bid] = b.side[Bid][:0]
	b.side[Ask] = b.side[Ask][:0]
}

// Load replaces the book with a snapshot's levels (bids high to low, asks
// low to high, as the venue sends them; levels out of that order are
// placed where they belong, zero quantities skipped).
func (b *Book) Load(bids, asks []Level) {
	b.Reset()
	b.load(Bid, bids)
	b.load(Ask, asks)
}

func (b *Book) load(s Side, levels []Level) {
	lv := b.side[s]
	for i := len(levels) - 1; i >= 0; i-- {
		l := levels[i]
		if l.Qty == 0 {
			continue
		}
		if n := len(lv); n > 0 && key(s, lv[n-1].Price) >= key(s, l.Price) {
			b.side[s] = lv
			b.Set(s, l.Price, l.Qty)
			lv = b.side[s]
			continue
		}
		lv = append(lv, l)
	}
	b.side[s] = lv
}

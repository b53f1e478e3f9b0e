package match

import "github.com/desk-trading/desk/core/domain"

// nilNode marks the end of a queue or of the free list.
const nilNode int32 = -1

// level is one price level: a FIFO queue of resting orders, linked through
// node indices so that it holds no pointers.
type level struct {
	key        int64 // price for bids, -price for asks: see ladder
	price      domain.Price
	qty        domain.Qty // sum of the leaves of the queued orders
	head, tail int32
}

// ladder is one side's price levels sorted by key ascending, so the best
// price is always last. Bids use key = price and asks key = -price, which
// lets one search serve both sides. Keeping the best level at the end puts
// the busy part of the book where slice insertion and removal are cheapest:
// most orders arrive, fill and cancel near the touch.
type ladder struct {
	levels []level
	sign   int64 // +1 for bids, -1 for asks
}

func (l *ladder) key(p domain.Price) int64 { return l.sign * int64(p) }

// best returns the best level, or nil when the side is empty. The pointer is
// valid until the ladder is next changed.
func (l *ladder) best() *level {
	if n := len(l.levels); n > 0 {
		return &l.levels[n-1]
	}
	return nil
}

// find returns the index of the level with price p and true, or the index
// where such a level would be inserted and false.
func (l *ladder) find(p domain.Price) (int, bool) {
	k := l.key(p)
	lv := l.levels
	n := len(lv)
	// Most lookups are at or beyond the touch: answer them without a search.
	if n == 0 || lv[n-1].key < k {
		return n, false
	}
	if lv[n-1].key == k {
		return n - 1, true
	}
	lo, hi := 0, n-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if lv[mid].key < k {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lv[lo].key == k
}

// insertAt inserts an empty level for price p at index i and returns it. The
// pointer is valid until the ladder is next changed.
func (l *ladder) insertAt(i int, p domain.Price) *level {
	l.levels = append(l.levels, level{})
	copy(l.levels[i+1:], l.levels[i:])
	l.levels[i] = level{key: l.key(p), price: p, head: nilNode, tail: nilNode}
	return &l.levels[i]
}

// removeAt deletes the level at index i.
func (l *ladder) removeAt(i int) {
	copy(l.levels[i:], l.levels[i+1:])
	l.levels = l.levels[:len(l.levels)-1]
}

// crosses reports whether an order on the other side at limit p (any price
// when market) would trade against this side's best level.
func (l *ladder) crosses(p domain.Price, market bool) bool {
	b := l.best()
	if b == nil {
		return false
	}
	// On this ladder a better price has a higher key; an incoming order
	// crosses when its limit reaches the best level, that is when the key of
	// its limit is at or below the best key.
	return market || l.key(p) <= b.key
}

// available returns how much of this side an order on the other side at
// limit p could fill, counting no further than want.
func (l *ladder) available(p domain.Price, market bool, want domain.Qty) domain.Qty {
	var sum domain.Qty
	k := l.key(p)
	for i := len(l.levels) - 1; i >= 0 && sum < want; i-- {
		if !market && k > l.levels[i].key {
			break
		}
		sum += l.levels[i].qty
	}
	return sum
}

// depth copies the best len(out) levels into out and returns how many it
// wrote, zeroing the rest so no stale level is left behind.
func (l *ladder) depth(out []domain.Level) int {
	n := 0
	for i := len(l.levels) - 1; i >= 0 && n < len(out); i-- {
		out[n] = domain.Level{Price: l.levels[i].price, Qty: l.levels[i].qty}
		n++
	}
	clear(out[n:])
	return n
}

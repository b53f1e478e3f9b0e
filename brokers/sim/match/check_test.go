package match

import (
	"fmt"

	"github.com/desk-trading/desk/core/domain"
)

// check verifies every structural invariant of b: ladders sorted with no
// empty level, level totals equal to the leaves queued, queue links
// consistent, the id table naming exactly the resting nodes, every node
// either resting or free, no resting order overfilled, and a book that is
// not crossed.
func (b *Book) check() error {
	resting := 0
	for _, l := range []*ladder{&b.bids, &b.asks} {
		side := domain.Buy
		if l.sign < 0 {
			side = domain.Sell
		}
		for i := range l.levels {
			lv := &l.levels[i]
			if i > 0 && l.levels[i-1].key >= lv.key {
				return fmt.Errorf("%v level %d (%d) not sorted", side, i, lv.price)
			}
			if lv.key != l.key(lv.price) {
				return fmt.Errorf("%v level %d: key %d for price %d", side, i, lv.key, lv.price)
			}
			if lv.head == nilNode {
				return fmt.Errorf("%v level %d (%d) is empty", side, i, lv.price)
			}
			var sum domain.Qty
			prev := nilNode
			for ni := lv.head; ni != nilNode; ni = b.nodes[ni].next {
				n := &b.nodes[ni]
				switch {
				case n.prev != prev:
					return fmt.Errorf("order %d: prev %d, want %d", n.id, n.prev, prev)
				case n.price != lv.price || n.side != side:
					return fmt.Errorf("order %d (%v %d) queued at %v %d", n.id, n.side, n.price, side, lv.price)
				case n.filled < 0 || n.filled >= n.qty:
					return fmt.Errorf("order %d rests with filled %d of %d", n.id, n.filled, n.qty)
				}
				if got, ok := b.ids.get(n.id); !ok || got != ni {
					return fmt.Errorf("order %d: id table says %d %v, want node %d", n.id, got, ok, ni)
				}
				sum += n.qty - n.filled
				prev = ni
				resting++
				if resting > len(b.nodes) {
					return fmt.Errorf("queue cycle at %v %d", side, lv.price)
				}
			}
			if lv.tail != prev {
				return fmt.Errorf("%v level %d: tail %d, want %d", side, lv.price, lv.tail, prev)
			}
			if sum != lv.qty {
				return fmt.Errorf("%v level %d: qty %d, orders sum to %d", side, lv.price, lv.qty, sum)
			}
		}
	}
	if resting != b.ids.n {
		return fmt.Errorf("%d orders queued, id table holds %d", resting, b.ids.n)
	}
	free := 0
	for ni := b.free; ni != nilNode; ni = b.nodes[ni].next {
		if free++; free > len(b.nodes) {
			return fmt.Errorf("free list cycle")
		}
	}
	if free+resting != len(b.nodes) {
		return fmt.Errorf("%d free + %d resting != %d nodes", free, resting, len(b.nodes))
	}
	bid, okb := b.BestBid()
	ask, oka := b.BestAsk()
	if okb && oka && bid.Price >= ask.Price {
		return fmt.Errorf("crossed book: bid %d >= ask %d", bid.Price, ask.Price)
	}
	return nil
}

// restingQty returns the sum of the leaves of all resting orders.
func (b *Book) restingQty() domain.Qty {
	var sum domain.Qty
	for _, l := range []*ladder{&b.bids, &b.asks} {
		for i := range l.levels {
			sum += l.levels[i].qty
		}
	}
	return sum
}

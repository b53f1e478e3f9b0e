package oms

import "github.com/desk-trading/desk/core/domain"

// Fills are deduplicated by (venue, order, trade id). The order is part of
// the key because a venue prints one trade id for both sides of a trade, and
// when two of desk's strategies trade with each other at a venue both fills
// are real.
//
// A fill's key is remembered for as long as its order is held: the records
// of one order are chained from its slot and dropped when the order is
// evicted. A report for an evicted order fails with ErrUnknownOrder anyway,
// so no duplicate can slip through while the set stays bounded by the orders
// held. Journaled fills whose order is not held (RestoreFill into an OMS
// that has not seen, or has evicted, the order) are remembered in a ring of
// the most recent Options.OrphanFills.

type fillKey struct {
	venue domain.VenueID
	order domain.OrderID
	trade uint64
}

// hash folds the fields with distinct odd multipliers, then mixes once:
// for one order and venue, distinct trade ids give distinct inputs.
func (k fillKey) hash(seed uint64) uint64 {
	return mix((uint64(k.order) ^ seed) + k.trade*0x9e3779b97f4a7c15 + uint64(k.venue)*0xc2b2ae3d27d4eb4f)
}

func keyOf(f *domain.Fill) fillKey {
	return fillKey{venue: f.Venue, order: f.OrderID, trade: f.TradeID}
}

// fillRec is one remembered fill, chained per order through next.
type fillRec struct {
	key  fillKey
	next int32
}

type dedupe struct {
	seen table[fillKey] // values unused
	recs []fillRec      // indices are stable, the backing array may move
	free int32          // head of free records

	orphans    []fillKey // ring, grown up to orphanMax
	orphanNext int
	orphanMax  int
}

func newDedupe(orphanMax int) dedupe {
	return dedupe{seen: newTable[fillKey](), free: none, orphanMax: orphanMax}
}

func (d *dedupe) has(k fillKey) bool {
	return d.seen.has(k)
}

// add remembers k on the list headed by *head (an order's slot).
func (d *dedupe) add(k fillKey, head *int32) {
	var r int32
	if d.free != none {
		r = d.free
		d.free = d.recs[r].next
	} else {
		r = int32(len(d.recs))
		d.recs = append(d.recs, fillRec{})
	}
	d.recs[r] = fillRec{key: k, next: *head}
	*head = r
	d.seen.put(k, 0)
}

// drop forgets every fill on the list headed by head.
func (d *dedupe) drop(head int32) {
	for r := head; r != none; {
		next := d.recs[r].next
		d.seen.del(d.recs[r].key)
		d.recs[r] = fillRec{next: d.free}
		d.free = r
		r = next
	}
}

// addOrphan remembers k for a fill whose order is not held, forgetting the
// oldest such fill when the ring is full.
func (d *dedupe) addOrphan(k fillKey) {
	if d.orphanMax <= 0 {
		return
	}
	if len(d.orphans) < d.orphanMax {
		d.orphans = append(d.orphans, k)
	} else {
		d.seen.del(d.orphans[d.orphanNext])
		d.orphans[d.orphanNext] = k
		d.orphanNext = (d.orphanNext + 1) % d.orphanMax
	}
	d.seen.put(k, 0)
}

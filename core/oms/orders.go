package oms

import "github.com/desk-trading/desk/core/domain"

// Orders live in a slab of fixed-size chunks that never move, so a
// *domain.Order handed out stays valid while its slot is in use, and a slot
// freed by eviction is reused without allocating. The index maps ids to slot
// numbers in a table (table.go) that, unlike a Go map, never allocates under
// steady churn once grown to the working set.

const (
	chunkBits = 8
	chunkSize = 1 << chunkBits
	none      = int32(-1)
)

// slot is one order and the OMS's bookkeeping for it.
type slot struct {
	o domain.Order
	// prev and next link the slot into the live list (state new or
	// working, in creation order) or the terminal list (oldest first); next
	// also links free slots.
	prev, next int32
	// fills heads the list of this order's fill records (see dedupe.go).
	fills int32
	// prior is the state before a cancel or replace was requested, for a
	// refused cancel to return to.
	prior domain.OrderState
	// ended tells which list the slot is on: the terminal list if set.
	ended bool
}

// list is a doubly linked list of slots.
type list struct {
	head, tail int32
	n          int
}

// orders holds every order the OMS keeps: a slab of slots in chunks, an
// index by id, and the lists of live and ended orders.
type orders struct {
	chunks [][]slot
	used   int32 // slots ever handed out; those beyond are untouched
	free   int32 // head of the free list
	index  table[orderKey]
	live   list
	ended  list
}

func newOrders() orders {
	return orders{
		free:  none,
		index: newTable[orderKey](),
		live:  list{head: none, tail: none},
		ended: list{head: none, tail: none},
	}
}

func (s *orders) at(i int32) *slot { return &s.chunks[i>>chunkBits][i&(chunkSize-1)] }

// find returns the slot of id.
func (s *orders) find(id domain.OrderID) (int32, *slot, bool) {
	i, ok := s.index.get(orderKey(id))
	if !ok {
		return none, nil, false
	}
	return i, s.at(i), true
}

// add takes a free slot for id, puts it on the live list or, if ended, the
// terminal list, and returns it zeroed but for the links.
func (s *orders) add(id domain.OrderID, ended bool) (int32, *slot) {
	var i int32
	if s.free != none {
		i = s.free
		s.free = s.at(i).next
	} else {
		if int(s.used>>chunkBits) == len(s.chunks) {
			s.chunks = append(s.chunks, make([]slot, chunkSize))
		}
		i = s.used
		s.used++
	}
	sl := s.at(i)
	*sl = slot{fills: none, ended: ended}
	s.index.put(orderKey(id), i)
	s.push(s.listOf(ended), i)
	return i, sl
}

func (s *orders) listOf(ended bool) *list {
	if ended {
		return &s.ended
	}
	return &s.live
}

// setEnded moves slot i to the terminal list (or back to the live list,
// which only Restore does).
func (s *orders) setEnded(i int32, ended bool) {
	sl := s.at(i)
	if sl.ended == ended {
		return
	}
	s.unlink(s.listOf(sl.ended), i)
	sl.ended = ended
	s.push(s.listOf(ended), i)
}

// evict frees the slot of the oldest terminal order and returns it (still
// holding the order until the caller clears it).
func (s *orders) evictOldest() (int32, *slot) {
	i := s.ended.head
	sl := s.at(i)
	s.unlink(&s.ended, i)
	s.index.del(orderKey(sl.o.ID))
	return i, sl
}

// release puts slot i on the free list, clearing it so a stale pointer
// reads an order with id 0 rather than another order's past.
func (s *orders) release(i int32) {
	sl := s.at(i)
	*sl = slot{next: s.free}
	s.free = i
}

func (s *orders) push(l *list, i int32) {
	sl := s.at(i)
	sl.prev, sl.next = l.tail, none
	if l.tail != none {
		s.at(l.tail).next = i
	} else {
		l.head = i
	}
	l.tail = i
	l.n++
}

func (s *orders) unlink(l *list, i int32) {
	sl := s.at(i)
	if sl.prev != none {
		s.at(sl.prev).next = sl.next
	} else {
		l.head = sl.next
	}
	if sl.next != none {
		s.at(sl.next).prev = sl.prev
	} else {
		l.tail = sl.prev
	}
	sl.prev, sl.next = none, none
	l.n--
}

// orderKey is an order id as a table key.
type orderKey domain.OrderID

func (k orderKey) hash(seed uint64) uint64 { return mix(uint64(k) ^ seed) }

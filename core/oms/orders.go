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
	// links link the slot into the live list (state new or working, in
	// creation order) or the terminal list (oldest first); next also links
	// free slots.
	links
	// byStrategy links a live slot into its strategy's live list (same
	// order as the live list), under o.Strategy: Restore is the only way an
	// order's Strategy changes, and it moves the slot.
	byStrategy links
	// fills heads the list of this order's fill records (see dedupe.go).
	fills int32
	// prior is the state before a cancel or replace was requested, for a
	// refused cancel to return to.
	prior domain.OrderState
	// ended tells which list the slot is on: the terminal list if set.
	ended bool
}

// links are a slot's neighbours on one list.
type links struct{ prev, next int32 }

// linkKind says which of a slot's links a list uses.
type linkKind uint8

const (
	byAge      linkKind = iota // the live, terminal and free lists
	byStrategy                 // a strategy's live list
)

func (sl *slot) link(k linkKind) *links {
	if k == byStrategy {
		return &sl.byStrategy
	}
	return &sl.links
}

// list is a doubly linked list of slots.
type list struct {
	head, tail int32
	n          int
}

var emptyList = list{head: none, tail: none}

// orders holds every order the OMS keeps: a slab of slots in chunks, an
// index by id, and the lists of live and ended orders.
type orders struct {
	chunks [][]slot
	used   int32 // slots ever handed out; those beyond are untouched
	free   int32 // head of the free list
	index  table[orderKey]
	live   list
	ended  list
	// strategies are the live lists of each strategy, by StrategyID
	// (dense small ints), grown on demand.
	strategies []list
}

func newOrders() orders {
	return orders{
		free:  none,
		index: newTable[orderKey](),
		live:  emptyList,
		ended: emptyList,
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

// add takes a free slot for id of strategy, puts it on the live list (and
// its strategy's) or, if ended, the terminal list, and returns it zeroed
// but for the links, ID and Strategy.
func (s *orders) add(id domain.OrderID, strategy domain.StrategyID, ended bool) (int32, *slot) {
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
	*sl = slot{o: domain.Order{ID: id, Strategy: strategy}, fills: none, ended: ended}
	s.index.put(orderKey(id), i)
	s.join(i)
	return i, sl
}

func (s *orders) listOf(ended bool) *list {
	if ended {
		return &s.ended
	}
	return &s.live
}

// strategy returns the live list of strategy id, growing the lists to hold
// it.
func (s *orders) strategy(id domain.StrategyID) *list {
	for int(id) >= len(s.strategies) {
		s.strategies = append(s.strategies, emptyList)
	}
	return &s.strategies[id]
}

// setEnded moves slot i to the terminal list (or back to the live list,
// which only Restore does).
func (s *orders) setEnded(i int32, ended bool) {
	sl := s.at(i)
	if sl.ended == ended {
		return
	}
	s.leave(i)
	sl.ended = ended
	s.join(i)
}

// join puts slot i at the tail of the list its ended flag names and, when
// live, of its strategy's. Every slot enters the live list here and leaves
// it in leave, so a strategy's list holds exactly its live orders.
func (s *orders) join(i int32) {
	sl := s.at(i)
	s.push(s.listOf(sl.ended), i, &sl.links, byAge)
	if !sl.ended {
		s.push(s.strategy(sl.o.Strategy), i, &sl.byStrategy, byStrategy)
	}
}

// leave takes slot i off the lists join put it on.
func (s *orders) leave(i int32) {
	sl := s.at(i)
	if !sl.ended {
		s.unlink(s.strategy(sl.o.Strategy), &sl.byStrategy, byStrategy)
	}
	s.unlink(s.listOf(sl.ended), &sl.links, byAge)
}

// setStrategy sets the Strategy of the order in slot i, moving a live one
// to its new strategy's list where it keeps its place in creation order
// (after the nearest older live order of that strategy). Only Restore
// changes an order's strategy; this is linear in the live orders older
// than i.
func (s *orders) setStrategy(i int32, strategy domain.StrategyID) {
	sl := s.at(i)
	if sl.o.Strategy == strategy {
		return
	}
	if sl.ended {
		sl.o.Strategy = strategy
		return
	}
	s.unlink(s.strategy(sl.o.Strategy), &sl.byStrategy, byStrategy)
	sl.o.Strategy = strategy
	p := sl.prev
	for p != none && s.at(p).o.Strategy != strategy {
		p = s.at(p).prev
	}
	s.insert(s.strategy(strategy), p, i, byStrategy)
}

// evict frees the slot of the oldest terminal order and returns it (still
// holding the order until the caller clears it).
func (s *orders) evictOldest() (int32, *slot) {
	i := s.ended.head
	sl := s.at(i)
	s.leave(i)
	s.index.del(orderKey(sl.o.ID))
	return i, sl
}

// release puts slot i on the free list, clearing it so a stale pointer
// reads an order with id 0 rather than another order's past.
func (s *orders) release(i int32) {
	sl := s.at(i)
	*sl = slot{links: links{next: s.free}}
	s.free = i
}

// push appends slot i, whose links of kind k are ln, to l.
func (s *orders) push(l *list, i int32, ln *links, k linkKind) {
	*ln = links{prev: l.tail, next: none}
	if l.tail != none {
		s.at(l.tail).link(k).next = i
	} else {
		l.head = i
	}
	l.tail = i
	l.n++
}

// insert links slot i into l after slot after, or at the head when after
// is none: push, anywhere.
func (s *orders) insert(l *list, after, i int32, k linkKind) {
	next := l.head
	if after != none {
		next = s.at(after).link(k).next
	}
	*s.at(i).link(k) = links{prev: after, next: next}
	if after != none {
		s.at(after).link(k).next = i
	} else {
		l.head = i
	}
	if next != none {
		s.at(next).link(k).prev = i
	} else {
		l.tail = i
	}
	l.n++
}

// unlink takes the slot whose links of kind k are ln off l.
func (s *orders) unlink(l *list, ln *links, k linkKind) {
	if ln.prev != none {
		s.at(ln.prev).link(k).next = ln.next
	} else {
		l.head = ln.next
	}
	if ln.next != none {
		s.at(ln.next).link(k).prev = ln.prev
	} else {
		l.tail = ln.prev
	}
	ln.prev, ln.next = none, none
	l.n--
}

// orderKey is an order id as a table key.
type orderKey domain.OrderID

func (k orderKey) hash(seed uint64) uint64 { return mix(uint64(k) ^ seed) }

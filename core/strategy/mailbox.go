package strategy

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/desk-trading/desk/core/domain"
)

// eventKind says which field of an event is meaningful.
type eventKind uint8

const (
	evOrder eventKind = iota + 1
	evFill
	evState
)

// event is one order, fill or state change waiting for the strategy. It is
// a value so the queue holds events without allocating per event.
type event struct {
	kind     eventKind
	state    domain.TradingState
	order    domain.Order
	fill     domain.Fill
	position domain.Qty // after the fill, as the ledger has it
}

// slot holds the latest book of one (venue, instrument) pair.
type slot struct {
	book  domain.BookUpdate
	dirty bool // changed since the consumer last took it
}

// mailbox carries events from the engine goroutine (the producer) to the
// strategy goroutine (the consumer) without ever blocking the producer.
//
// Books are conflated: each (venue, instrument) pair has one slot holding
// the latest book and a dirty flag, so a lagging strategy sees only the
// newest book per slot. Slots are indexed venue*ninstr+instrument; a
// venue's slots are allocated the first time one of its books arrives (or
// at construction for HostOptions.Venues), so steady state allocates
// nothing. Orders, fills and state changes go to a FIFO that is never
// dropped: a slice the producer appends to and the consumer swaps with its
// own empty one. A 1-buffered channel wakes the consumer; a full channel
// means a wake-up is already pending, so the producer skips the send.
type mailbox struct {
	// notify holds at most one pending wake-up for the consumer.
	notify chan struct{}
	// index maps an InstrumentID to the instrument's position in the
	// strategy's instrument list, -1 when not traded. Read-only after
	// construction, shared with the Context.
	index  []int32
	ninstr int
	// maxBacklog is the queue length at which the strategy is deemed stuck.
	maxBacklog int
	// overflow is called once, in a new goroutine, when the queue reaches
	// maxBacklog, so the producer never runs the failure callback itself.
	overflow func(error)
	// state is the latest TradingState, written by the producer and read
	// lock-free by Context.State so a halt is visible at once, even while
	// older events are still queued.
	state atomic.Uint32

	// mu guards every field below. The producer holds it while it copies
	// one book into its slot or appends one event; the consumer holds it
	// while it swaps the queue and copies the dirty books out. No strategy
	// callback ever runs under mu, and no other lock is taken while holding
	// it, so the producer waits at most for one such copy.
	mu     sync.Mutex
	venues []domain.VenueID // venue of each slot block, in order of first sight
	slots  []slot
	ndirty int     // slots with dirty set
	queue  []event // FIFO of orders, fills, state changes
	closed bool    // the consumer has stopped; everything is dropped
	err    error   // ErrBacklog once the queue overflowed
	books  uint64  // books received for traded instruments
	events uint64  // events received

	// pending is set while the queue or a book slot holds something not
	// yet taken: a driven host's direct book delivery (Host.DeliverBookNow)
	// checks it without the lock.
	pending atomic.Bool
}

// directSlot returns the venue block of v for a book delivered directly to
// c, adding one on first sight to the mailbox and to c alike.
func (m *mailbox) directSlot(c *Context, v domain.VenueID) int {
	for k, have := range c.venues {
		if have == v {
			return k
		}
	}
	m.mu.Lock()
	k := m.venueLocked(v)
	if len(c.venues) < len(m.venues) {
		c.addVenues(m.venues[len(c.venues):])
	}
	m.mu.Unlock()
	return k
}

func newMailbox(index []int32, ninstr int, venues []domain.VenueID, maxBacklog int, overflow func(error)) *mailbox {
	m := &mailbox{
		notify:     make(chan struct{}, 1),
		index:      index,
		ninstr:     ninstr,
		maxBacklog: maxBacklog,
		overflow:   overflow,
	}
	for _, v := range venues {
		m.venueLocked(v)
	}
	return m
}

// instrumentIndex returns the instrument position of id, ok false when the
// strategy does not trade it.
func instrumentIndex(index []int32, id domain.InstrumentID) (int, bool) {
	if int(id) < len(index) {
		if i := index[id]; i >= 0 {
			return int(i), true
		}
	}
	return 0, false
}

// venueLocked returns the slot block of venue v, adding one on first sight.
// m.mu must be held (or m not yet shared).
func (m *mailbox) venueLocked(v domain.VenueID) int {
	for k, have := range m.venues {
		if have == v {
			return k
		}
	}
	m.venues = append(m.venues, v)
	m.slots = append(m.slots, make([]slot, m.ninstr)...)
	return len(m.venues) - 1
}

// wake makes sure the consumer will look at the mailbox. It never blocks.
func (m *mailbox) wake() {
	select {
	case m.notify <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// putBook stores b as the latest book of its slot. Books for instruments
// the strategy does not trade are ignored.
func (m *mailbox) putBook(b *domain.BookUpdate) {
	i, ok := instrumentIndex(m.index, b.Instrument)
	if !ok {
		return
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	s := &m.slots[m.venueLocked(b.Venue)*m.ninstr+i]
	s.book = *b
	if !s.dirty {
		s.dirty = true
		m.ndirty++
	}
	m.books++
	m.pending.Store(true)
	m.mu.Unlock()
	m.wake()
}

// putOrder queues a copy of o.
func (m *mailbox) putOrder(o *domain.Order) {
	m.mu.Lock()
	if m.admitLocked() {
		m.queue = append(m.queue, event{kind: evOrder, order: *o})
		m.pending.Store(true)
	}
	m.mu.Unlock()
	m.wake()
}

// putFill queues a copy of f and the position after it.
func (m *mailbox) putFill(f *domain.Fill, position domain.Qty) {
	m.mu.Lock()
	if m.admitLocked() {
		m.queue = append(m.queue, event{kind: evFill, fill: *f, position: position})
		m.pending.Store(true)
	}
	m.mu.Unlock()
	m.wake()
}

// putState records s as the latest state and queues it for StateHandler.
func (m *mailbox) putState(s domain.TradingState) {
	m.state.Store(uint32(s))
	m.mu.Lock()
	if m.admitLocked() {
		m.queue = append(m.queue, event{kind: evState, state: s})
		m.pending.Store(true)
	}
	m.mu.Unlock()
	m.wake()
}

// admitLocked reports whether one more event may be queued. When the queue
// is full it closes the mailbox, frees the queue and reports the overflow
// once. m.mu must be held.
func (m *mailbox) admitLocked() bool {
	if m.closed {
		return false
	}
	if len(m.queue) >= m.maxBacklog {
		m.err = fmt.Errorf("%d events queued: %w", len(m.queue), ErrBacklog)
		m.closed = true
		m.queue = nil
		go m.overflow(m.err)
		return false
	}
	m.events++
	return true
}

// take hands the consumer everything pending. It swaps the event queue with
// batch, which must be empty, and copies each dirty book into c's copies,
// appending its slot to dirty in delivery order: instrument by instrument
// in the order of the strategy's instruments, and venue by venue in the
// order the venues were first seen. It returns the new batch and dirty
// slices, or the overflow error.
func (m *mailbox) take(batch []event, c *Context, dirty []int) ([]event, []int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return batch, dirty, m.err
	}
	batch, m.queue = m.queue, batch
	m.pending.Store(false) // all is taken below, under the lock the puts hold
	if len(c.venues) < len(m.venues) {
		c.addVenues(m.venues[len(c.venues):])
	}
	if m.ndirty == 0 {
		return batch, dirty, nil
	}
	for i := range m.ninstr {
		for v := range m.venues {
			k := v*m.ninstr + i
			s := &m.slots[k]
			if !s.dirty {
				continue
			}
			s.dirty = false
			c.books[k] = s.book
			c.have[k], c.shared[k] = true, nil
			dirty = append(dirty, k)
		}
	}
	m.ndirty = 0
	return batch, dirty, nil
}

// close drops everything pending and makes every later put a no-op.
func (m *mailbox) close() {
	m.mu.Lock()
	m.closed = true
	m.queue = nil
	m.mu.Unlock()
}

// counts returns the books and events received and the current backlog.
func (m *mailbox) counts() (books, events uint64, backlog int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.books, m.events, len(m.queue)
}

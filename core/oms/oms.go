package oms

import (
	"fmt"

	"github.com/desk-trading/desk/core/domain"
)

// Options configure an OMS. The zero value of each field has the meaning
// its comment gives.
type Options struct {
	// Instruments are the tradable instruments, each built with
	// domain.NewInstrument. Each is stored under its own ID, so the slice
	// may be in any order and the IDs may have gaps; an order for an ID not
	// listed is refused. New panics when two share an ID or one was not
	// built by NewInstrument: both are wiring bugs.
	Instruments []domain.Instrument
	// KeepTerminal is how many orders that ended (filled, canceled,
	// rejected, expired) stay queryable through Get and Recent, and
	// protected against duplicate and late reports; beyond it the oldest is
	// evicted. Zero means 10000; a negative value keeps none (each is
	// evicted by the next Create or Restore).
	KeepTerminal int
	// OrphanFills is how many journaled fills of orders the OMS does not
	// hold RestoreFill remembers to stay idempotent. Fills of held orders
	// are remembered as long as the order is held, whatever this says.
	// Zero means 65536; a negative value remembers none.
	OrphanFills int
}

// OMS holds the orders of the desk and the fills applied to them. See the package
// documentation for who may call it.
type OMS struct {
	instruments []domain.Instrument // by ID; TickSize 0 marks a gap
	keep        int

	orders orders
	fills  dedupe

	fill domain.Fill // returned by Apply, reused by the next call
}

// New returns an empty OMS. It panics when opts.Instruments holds two
// instruments with one ID or one not built by domain.NewInstrument.
func New(opts Options) *OMS {
	m := &OMS{
		keep:   opts.KeepTerminal,
		orders: newOrders(),
	}
	switch {
	case m.keep == 0:
		m.keep = 10000
	case m.keep < 0:
		m.keep = 0
	}
	orphans := opts.OrphanFills
	if orphans == 0 {
		orphans = 65536
	}
	m.fills = newDedupe(orphans)
	for _, in := range opts.Instruments {
		// Notional fails only on a zero divisor for 0*0: the sign of an
		// Instrument that NewInstrument did not build.
		if _, ok := in.Notional(0, 0); !ok || in.TickSize <= 0 || in.LotSize <= 0 {
			panic(fmt.Sprintf("oms: instrument %d (%q) was not built by domain.NewInstrument", in.ID, in.Symbol))
		}
		for int(in.ID) >= len(m.instruments) {
			m.instruments = append(m.instruments, domain.Instrument{})
		}
		if m.instruments[in.ID].TickSize != 0 {
			panic(fmt.Sprintf("oms: two instruments with id %d", in.ID))
		}
		m.instruments[in.ID] = in
	}
	return m
}

// instrument returns the configured instrument id, or nil.
func (m *OMS) instrument(id domain.InstrumentID) *domain.Instrument {
	if int(id) < len(m.instruments) && m.instruments[id].TickSize != 0 {
		return &m.instruments[id]
	}
	return nil
}

// Create makes an order in state new from an IntentNew, validated against
// its instrument (see ErrInvalidOrder for what is checked). It fails with
// ErrDuplicateID when the OMS holds an order with in.ID, live or kept.
//
// The returned order is the OMS's own; see Get for how long it stays valid.
// Create may evict the oldest terminal orders beyond Options.KeepTerminal.
func (m *OMS) Create(in *domain.Intent, now int64) (*domain.Order, error) {
	// The id first: an invalid order under a live order's id must be
	// refused as a duplicate, or its rejection would be journaled over the
	// real order.
	if _, _, ok := m.orders.find(in.ID); ok {
		return nil, fmt.Errorf("%w: %s", ErrDuplicateID, in.ID)
	}
	if err := m.validateNew(in, now); err != nil {
		return nil, err
	}
	m.evict()
	_, sl := m.orders.add(in.ID, in.Strategy, false)
	sl.o = domain.Order{
		ID:         in.ID,
		Strategy:   in.Strategy,
		Instrument: in.Instrument,
		Side:       in.Side,
		Type:       in.Type,
		TIF:        in.TIF,
		State:      domain.StateNew,
		PostOnly:   in.PostOnly,
		ReduceOnly: in.ReduceOnly,
		Price:      in.Price,
		StopPrice:  in.StopPrice,
		Qty:        in.Qty,
		ExpireAt:   in.ExpireAt,
		Created:    now,
		Updated:    now,
		Stamps:     in.Stamps,
	}
	return &sl.o, nil
}

// evict drops the oldest terminal orders beyond the bound, with the fills
// remembered for them. It runs only in Create and Restore, so an order that
// Apply or a transition just ended stays readable until the next of those.
func (m *OMS) evict() {
	for m.orders.ended.n > m.keep {
		i, sl := m.orders.evictOldest()
		m.fills.drop(sl.fills)
		m.orders.release(i)
	}
}

// Get returns the order with id if the OMS holds it, live or kept after it
// ended.
//
// The pointer is the OMS's own: it stays valid, and reflects every later
// change, until the order is evicted, which happens only inside a later
// Create or Restore once the order has ended and more than
// Options.KeepTerminal orders ended after it. A live order is never evicted.
// After eviction the memory is reused for another order. Anything that
// leaves the engine goroutine must take a copy.
func (m *OMS) Get(id domain.OrderID) (*domain.Order, bool) {
	if _, sl, ok := m.orders.find(id); ok {
		return &sl.o, true
	}
	return nil, false
}

// Working calls fn for each working order (pending-new, open,
// partially-filled, pending-cancel, pending-replace) in creation order until
// fn returns false. It does not allocate.
//
// fn may change the order it is given through the OMS (CancelRequested, for
// a kill switch; even Apply), but must not create orders or change others.
func (m *OMS) Working(fn func(o *domain.Order) bool) {
	m.walk(m.orders.live.head, byAge, fn)
}

// WorkingOf calls fn for each working order of strategy s, as Working
// would for those among its orders, in creation order until fn returns
// false: it visits only s's live orders, not every order. It does not
// allocate. fn may do what Working's may.
func (m *OMS) WorkingOf(s domain.StrategyID, fn func(o *domain.Order) bool) {
	if int(s) < len(m.orders.strategies) {
		m.walk(m.orders.strategies[s].head, byStrategy, fn)
	}
}

// Live returns how many of strategy s's orders are live: new or working.
// Between the engine's events none is new (an order is sent or refused in
// the event that creates it), so it is then the count WorkingOf visits,
// found without walking them.
func (m *OMS) Live(s domain.StrategyID) int {
	if int(s) < len(m.orders.strategies) {
		return m.orders.strategies[s].n
	}
	return 0
}

// walk calls fn for each working order on the list from slot i linked by
// k, until fn returns false.
func (m *OMS) walk(i int32, k linkKind, fn func(o *domain.Order) bool) {
	for i != none {
		sl := m.orders.at(i)
		next := sl.link(k).next // o may leave the list inside fn
		if sl.o.State.Working() && !fn(&sl.o) {
			return
		}
		i = next
	}
}

// Recent calls fn for each kept terminal order, most recently ended first,
// until fn returns false. fn must not change the OMS.
func (m *OMS) Recent(fn func(o *domain.Order) bool) {
	for i := m.orders.ended.tail; i != none; i = m.orders.at(i).prev {
		if !fn(&m.orders.at(i).o) {
			return
		}
	}
}

package oms

import (
	"fmt"

	"github.com/desk-trading/desk/core/domain"
)

// own returns the slot of o, which must be the OMS's own *Order (from
// Create, Get or an iterator), not a copy.
func (m *OMS) own(o *domain.Order) (int32, *slot, error) {
	i, sl, ok := m.orders.find(o.ID)
	if !ok || &sl.o != o {
		return none, nil, fmt.Errorf("%w: %s is not an order this OMS holds", ErrUnknownOrder, o.ID)
	}
	return i, sl, nil
}

// step returns the state ev takes the order in sl to, given filled of qty
// filled once ev is applied, or ErrTransition.
func step(sl *slot, ev event, filled, qty domain.Qty) (domain.OrderState, error) {
	t := lookup(sl.o.State, ev)
	if t == 0 {
		return 0, fmt.Errorf("%w: order %s: %s in state %s", ErrTransition, sl.o.ID, ev, sl.o.State)
	}
	return t.resolve(sl.o.State, sl.prior, filled, qty), nil
}

// enter puts the order in slot i into state s.
func (m *OMS) enter(i int32, sl *slot, s domain.OrderState, now int64) {
	if s != sl.o.State && (s == domain.StatePendingCancel || s == domain.StatePendingReplace) {
		sl.prior = sl.o.State
	}
	sl.o.State = s
	sl.o.Updated = now
	if s.Terminal() {
		m.orders.setEnded(i, true)
	}
}

// Sent records that o, in state new, was handed to venue: new ->
// pending-new. It fails with ErrUnknownOrder for an order the OMS does not
// hold and ErrTransition in any other state.
func (m *OMS) Sent(o *domain.Order, venue domain.VenueID, now int64) error {
	i, sl, err := m.own(o)
	if err != nil {
		return err
	}
	s, err := step(sl, evSent, o.Filled, o.Qty)
	if err != nil {
		return err
	}
	o.Venue = venue
	m.enter(i, sl, s, now)
	return nil
}

// Reject records that o, in state new, was refused before reaching a venue
// (a risk denial, a full venue queue): new -> rejected, with reason. It
// fails like Sent.
func (m *OMS) Reject(o *domain.Order, reason string, now int64) error {
	i, sl, err := m.own(o)
	if err != nil {
		return err
	}
	s, err := step(sl, evDenied, o.Filled, o.Qty)
	if err != nil {
		return err
	}
	o.Reason = reason
	m.enter(i, sl, s, now)
	return nil
}

// CancelRequested records that a cancel of o was sent: pending-new, open or
// partially-filled -> pending-cancel. It fails with ErrTransition in any
// other state; in pending-cancel that means a cancel is already in flight,
// which the caller may take as success. A cancel of a pending replace must
// wait for the venue's answer to the replace.
func (m *OMS) CancelRequested(o *domain.Order, now int64) error {
	i, sl, err := m.own(o)
	if err != nil {
		return err
	}
	s, err := step(sl, evCancelRequest, o.Filled, o.Qty)
	if err != nil {
		return err
	}
	m.enter(i, sl, s, now)
	return nil
}

// ReplaceRequested records that a replace of o to price and total quantity
// qty was sent: open or partially-filled -> pending-replace, with
// PendingPrice and PendingQty set until the venue answers. It fails with
// ErrTransition in any other state, and with ErrInvalidOrder when qty is
// off lot or not above what is filled, price is off tick or missing for (or
// given to) the order's type, or nothing would change. Only the engine's
// bookkeeping changes here: the caller sends the replace.
func (m *OMS) ReplaceRequested(o *domain.Order, price domain.Price, qty domain.Qty, now int64) error {
	i, sl, err := m.own(o)
	if err != nil {
		return err
	}
	s, err := step(sl, evReplaceRequest, o.Filled, o.Qty)
	if err != nil {
		return err
	}
	if err := m.validateReplace(o, price, qty); err != nil {
		return err
	}
	o.PendingPrice, o.PendingQty = price, qty
	m.enter(i, sl, s, now)
	return nil
}

// Apply applies execution report r from a venue to its order.
//
// It returns the order after the change, and for a fill the fill as booked
// (nil otherwise). The *Fill is the OMS's and is overwritten by the next
// Apply: copy it to keep it. On error nothing has changed, and the order is
// returned when the OMS holds it, for the caller's log and alert.
//
// Apply fails with ErrUnknownOrder when the order is not held or was sent to
// another venue; ErrInvalidReport for an unknown kind, a fill without a
// positive quantity or a trade id, or a replace below the filled quantity;
// ErrDuplicateFill for a fill seen before; ErrTransition when the report
// is not allowed in the order's state (see state.go); ErrOverfill when a
// fill exceeds what is left of the order.
//
// A fill updates the order's Filled, FilledNotional and Fees and the
// strategy's position. A fill for a canceled or expired order (a late fill:
// the trade happened at the venue before the cancel took effect) is applied
// too, as long as it does not overfill, and the order stays in its terminal
// state; the caller can tell by the returned order's state.
//
// An ack, or a fill, sets VenueOrderID when the order has none yet. The
// first ack's Stamps.Acked and the first fill's Stamps.Filled are copied
// from the report to the order when set there; no other stamp is touched.
func (m *OMS) Apply(r *domain.ExecReport, now int64) (*domain.Order, *domain.Fill, error) {
	i, sl, ok := m.orders.find(r.OrderID)
	if !ok {
		return nil, nil, fmt.Errorf("%w: %s %s", ErrUnknownOrder, r.Kind, r.OrderID)
	}
	o := &sl.o
	if o.State != domain.StateNew && r.Venue != o.Venue {
		// A venue cannot report on an order it was never sent.
		return o, nil, fmt.Errorf("%w: %s %s from venue %d, sent to venue %d", ErrUnknownOrder, r.Kind, o.ID, r.Venue, o.Venue)
	}
	ev := reportEvent(r.Kind)
	if ev == 0 {
		return o, nil, fmt.Errorf("%w: order %s: report kind %d", ErrInvalidReport, o.ID, r.Kind)
	}
	if ev == evFill {
		f, err := m.applyFill(i, sl, r, now)
		return o, f, err
	}

	filled, qty := o.Filled, o.Qty
	price := o.Price
	if ev == evReplaced {
		// The venue's values are the truth; a report without them
		// confirms what was asked.
		price, qty = o.PendingPrice, o.PendingQty
		if r.Price != 0 {
			price = r.Price
		}
		if r.Qty != 0 {
			qty = r.Qty
		}
	}
	s, err := step(sl, ev, filled, qty)
	if err != nil {
		return o, nil, err
	}
	if ev == evReplaced && (qty <= 0 || qty < filled) {
		return o, nil, fmt.Errorf("%w: order %s: replaced to quantity %d with %d filled", ErrInvalidReport, o.ID, qty, filled)
	}

	switch ev {
	case evAck:
		if o.Stamps.Acked == 0 {
			o.Stamps.Acked = r.Stamps.Acked
		}
		if sl.prior == domain.StatePendingNew {
			// Acked while a cancel was in flight: a refused cancel now
			// returns to open.
			sl.prior = domain.StateOpen
		}
	case evVenueReject, evCanceled, evExpired:
		if r.Reason != "" {
			o.Reason = r.Reason
		}
	case evReplaced:
		o.Price, o.Qty = price, qty
		o.PendingPrice, o.PendingQty = 0, 0
	case evReplaceReject:
		o.PendingPrice, o.PendingQty = 0, 0
		if r.Reason != "" {
			o.Reason = r.Reason
		}
	case evCancelReject:
		if r.Reason != "" {
			o.Reason = r.Reason
		}
	}
	if o.VenueOrderID == 0 {
		o.VenueOrderID = r.VenueOrderID
	}
	m.enter(i, sl, s, now)
	return o, nil, nil
}

// applyFill is Apply for a fill.
func (m *OMS) applyFill(i int32, sl *slot, r *domain.ExecReport, now int64) (*domain.Fill, error) {
	o := &sl.o
	if r.LastQty <= 0 || r.TradeID == 0 {
		// Without a trade id a resent fill could not be told from a new
		// one; the adapter must supply one.
		return nil, fmt.Errorf("%w: order %s: fill of %d with trade id %d", ErrInvalidReport, o.ID, r.LastQty, r.TradeID)
	}
	key := fillKey{venue: r.Venue, order: o.ID, trade: r.TradeID}
	if m.fills.has(key) {
		return nil, fmt.Errorf("%w: order %s trade %d at venue %d", ErrDuplicateFill, o.ID, r.TradeID, r.Venue)
	}
	filled := o.Filled + r.LastQty
	s, err := step(sl, evFill, filled, o.Qty)
	if err != nil {
		return nil, err
	}
	if r.LastQty > o.Leaves() {
		return nil, fmt.Errorf("%w: order %s: fill of %d with %d left (trade %d)", ErrOverfill, o.ID, r.LastQty, o.Leaves(), r.TradeID)
	}
	inst := m.instrument(o.Instrument)
	if inst == nil {
		// Only a restored order can name an instrument no longer
		// configured; without its scales the fill cannot be valued.
		return nil, fmt.Errorf("%w: order %s: instrument %d is not configured", ErrInvalidReport, o.ID, o.Instrument)
	}

	f := &m.fill
	*f = domain.Fill{
		OrderID:    o.ID,
		Strategy:   o.Strategy,
		Instrument: o.Instrument,
		Venue:      r.Venue,
		Side:       o.Side,
		Price:      r.LastPx,
		Qty:        r.LastQty,
		Fee:        r.Fee,
		Liquidity:  r.Liquidity,
		TradeID:    r.TradeID,
		Time:       now,
	}
	o.Filled = filled
	o.FilledNotional = domain.AddMoney(o.FilledNotional, inst.NotionalSat(f.Price, f.Qty))
	o.Fees = domain.AddMoney(o.Fees, f.Fee)
	if o.VenueOrderID == 0 {
		o.VenueOrderID = r.VenueOrderID
	}
	if o.Stamps.Filled == 0 {
		o.Stamps.Filled = r.Stamps.Filled
	}
	m.fills.add(key, &sl.fills)
	if s != o.State {
		m.enter(i, sl, s, now)
	} else {
		o.Updated = now
	}
	return f, nil
}

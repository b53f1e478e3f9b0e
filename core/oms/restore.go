package oms

import (
	"fmt"

	"github.com/desk-trading/desk/core/domain"
)

// Restore puts a snapshot of an order in place, as the journal recorded it:
// the last snapshot of an id wins, whatever its state. It is for rebuilding
// state on start and for reconciliation with a venue, not for the hot path;
// it does not validate the order or change the fills
// remembered (RestoreFill does that). Pointers to the order from Get stay
// valid and see the new snapshot. Restore may evict the oldest terminal
// orders beyond Options.KeepTerminal.
//
// For an order restored in pending-cancel, whether a refused cancel should
// return it to pending-new or open is not in the snapshot: Restore assumes
// open if the order has a VenueOrderID (the venue acknowledged it) and
// pending-new otherwise.
func (m *OMS) Restore(o *domain.Order) {
	i, sl, ok := m.orders.find(o.ID)
	if ok {
		m.orders.setStrategy(i, o.Strategy)
		m.orders.setEnded(i, o.State.Terminal())
	} else {
		// Evict first, so the order being restored is never the one
		// evicted.
		m.evict()
		_, sl = m.orders.add(o.ID, o.Strategy, o.State.Terminal())
	}
	sl.o = *o
	sl.prior = domain.StateOpen
	if o.State == domain.StatePendingCancel && o.VenueOrderID == 0 {
		sl.prior = domain.StatePendingNew
	}
}

// RestoreFill remembers a journaled fill, so that the venue resending it
// after a restart is refused as a duplicate, and reports whether it is new:
// a fill whose (venue, order, trade id) is remembered already is not, and
// must not be booked again (the ledger books what RestoreFill calls new).
// It does not change the order: the journal's order snapshot after the
// fill carries Filled, and Restore puts it in place.
//
// It fails with ErrInvalidReport, changing nothing, for a fill without a
// positive quantity, a valid side or a trade id, or for an instrument that
// is not configured.
func (m *OMS) RestoreFill(f *domain.Fill) (applied bool, err error) {
	if f.Qty <= 0 || (f.Side != domain.Buy && f.Side != domain.Sell) || f.TradeID == 0 {
		return false, fmt.Errorf("%w: journaled fill of order %s: qty %d side %s trade %d", ErrInvalidReport, f.OrderID, f.Qty, f.Side, f.TradeID)
	}
	if m.instrument(f.Instrument) == nil {
		return false, fmt.Errorf("%w: journaled fill of order %s: instrument %d is not configured", ErrInvalidReport, f.OrderID, f.Instrument)
	}
	key := keyOf(f)
	if m.fills.has(key) {
		return false, nil
	}
	if _, sl, ok := m.orders.find(f.OrderID); ok {
		m.fills.add(key, &sl.fills)
	} else {
		m.fills.addOrphan(key)
	}
	return true, nil
}

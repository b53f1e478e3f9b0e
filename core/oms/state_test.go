package oms

import (
	"errors"
	"fmt"
	"testing"

	"github.com/desk-trading/desk/core/domain"
)

// allowed lists every allowed (state, filled before, event) and the state
// it leads to, written out by hand from the design rather than derived from
// state.go, so that a change to the state machine has to be made in both
// places. The order has Qty 10; "fill" is one lot, "fill-all" what is left.
var allowed = []struct {
	from   domain.OrderState
	filled domain.Qty
	ev     string
	want   domain.OrderState
}{
	{domain.StateNew, 0, "sent", domain.StatePendingNew},
	{domain.StateNew, 0, "denied", domain.StateRejected},

	{domain.StatePendingNew, 0, "ack", domain.StateOpen},
	{domain.StatePendingNew, 0, "reject", domain.StateRejected},
	{domain.StatePendingNew, 0, "fill", domain.StatePartiallyFilled},
	{domain.StatePendingNew, 0, "fill-all", domain.StateFilled},
	{domain.StatePendingNew, 0, "canceled", domain.StateCanceled},
	{domain.StatePendingNew, 0, "expired", domain.StateExpired},
	{domain.StatePendingNew, 0, "cancel-request", domain.StatePendingCancel},

	{domain.StateOpen, 0, "ack", domain.StateOpen},
	{domain.StateOpen, 0, "fill", domain.StatePartiallyFilled},
	{domain.StateOpen, 0, "fill-all", domain.StateFilled},
	{domain.StateOpen, 0, "canceled", domain.StateCanceled},
	{domain.StateOpen, 0, "expired", domain.StateExpired},
	{domain.StateOpen, 0, "cancel-request", domain.StatePendingCancel},
	{domain.StateOpen, 0, "replace-request", domain.StatePendingReplace},

	{domain.StatePartiallyFilled, 4, "ack", domain.StatePartiallyFilled},
	{domain.StatePartiallyFilled, 4, "fill", domain.StatePartiallyFilled},
	{domain.StatePartiallyFilled, 4, "fill-all", domain.StateFilled},
	{domain.StatePartiallyFilled, 4, "canceled", domain.StateCanceled},
	{domain.StatePartiallyFilled, 4, "expired", domain.StateExpired},
	{domain.StatePartiallyFilled, 4, "cancel-request", domain.StatePendingCancel},
	{domain.StatePartiallyFilled, 4, "replace-request", domain.StatePendingReplace},

	{domain.StatePendingCancel, 0, "ack", domain.StatePendingCancel},
	{domain.StatePendingCancel, 0, "reject", domain.StateRejected},
	{domain.StatePendingCancel, 0, "fill", domain.StatePendingCancel},
	{domain.StatePendingCancel, 0, "fill-all", domain.StateFilled},
	{domain.StatePendingCancel, 0, "canceled", domain.StateCanceled},
	{domain.StatePendingCancel, 0, "expired", domain.StateExpired},
	{domain.StatePendingCancel, 0, "cancel-reject", domain.StateOpen},
	{domain.StatePendingCancel, 4, "ack", domain.StatePendingCancel},
	{domain.StatePendingCancel, 4, "reject", domain.StateRejected},
	{domain.StatePendingCancel, 4, "fill", domain.StatePendingCancel},
	{domain.StatePendingCancel, 4, "fill-all", domain.StateFilled},
	{domain.StatePendingCancel, 4, "canceled", domain.StateCanceled},
	{domain.StatePendingCancel, 4, "expired", domain.StateExpired},
	{domain.StatePendingCancel, 4, "cancel-reject", domain.StatePartiallyFilled},

	// The pending replace is to 12 at a tick higher.
	{domain.StatePendingReplace, 0, "fill", domain.StatePendingReplace},
	{domain.StatePendingReplace, 0, "fill-all", domain.StateFilled},
	{domain.StatePendingReplace, 0, "replaced", domain.StateOpen},
	{domain.StatePendingReplace, 0, "replace-reject", domain.StateOpen},
	{domain.StatePendingReplace, 0, "canceled", domain.StateCanceled},
	{domain.StatePendingReplace, 0, "expired", domain.StateExpired},
	{domain.StatePendingReplace, 4, "fill", domain.StatePendingReplace},
	{domain.StatePendingReplace, 4, "fill-all", domain.StateFilled},
	{domain.StatePendingReplace, 4, "replaced", domain.StatePartiallyFilled},
	{domain.StatePendingReplace, 4, "replace-reject", domain.StatePartiallyFilled},
	{domain.StatePendingReplace, 4, "canceled", domain.StateCanceled},
	{domain.StatePendingReplace, 4, "expired", domain.StateExpired},

	// Late fills: booked, the state stays.
	{domain.StateCanceled, 0, "fill", domain.StateCanceled},
	{domain.StateCanceled, 0, "fill-all", domain.StateCanceled},
	{domain.StateCanceled, 4, "fill", domain.StateCanceled},
	{domain.StateCanceled, 4, "fill-all", domain.StateCanceled},
	{domain.StateExpired, 0, "fill", domain.StateExpired},
	{domain.StateExpired, 0, "fill-all", domain.StateExpired},
	{domain.StateExpired, 4, "fill", domain.StateExpired},
	{domain.StateExpired, 4, "fill-all", domain.StateExpired},
}

// fillLevels are the filled quantities (of 10) an order in each state may
// have.
var fillLevels = map[domain.OrderState][]domain.Qty{
	domain.StateNew:             {0},
	domain.StatePendingNew:      {0},
	domain.StateOpen:            {0},
	domain.StatePartiallyFilled: {4},
	domain.StatePendingCancel:   {0, 4},
	domain.StatePendingReplace:  {0, 4},
	domain.StateFilled:          {10},
	domain.StateCanceled:        {0, 4},
	domain.StateRejected:        {0, 4},
	domain.StateExpired:         {0, 4},
}

// eventNamesForTest are the events as the test drives them: every event of
// state.go, with the fill split into a partial and a completing one.
var eventNamesForTest = []string{
	"sent", "denied", "cancel-request", "replace-request", "ack", "reject", "fill", "fill-all",
	"canceled", "replaced", "expired", "cancel-reject", "replace-reject",
}

func eventOf(name string) event {
	if name == "fill-all" {
		name = "fill"
	}
	for e := event(1); e < numEvents; e++ {
		if e.String() == name {
			return e
		}
	}
	panic("no event " + name)
}

// restored returns an OMS holding one ES order in state s with filled of
// its 10 filled, sent to venue and acknowledged (so a refused cancel returns
// to open).
func restored(t *testing.T, s domain.OrderState, filled domain.Qty) (*bookedOMS, *domain.Order) {
	t.Helper()
	m := newOMS(t, 0)
	snap := domain.Order{
		ID: oid(1), Strategy: 1, Instrument: es, Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC,
		State: s, Price: 500000, Qty: 10, Filled: filled, FilledNotional: domain.Money(filled) * 5000 * domain.MoneyScale,
		Created: 1, Updated: 1,
	}
	if s != domain.StateNew {
		snap.Venue = venue
		snap.VenueOrderID = 77
	}
	if s == domain.StatePendingReplace {
		snap.PendingPrice, snap.PendingQty = 500025, 12
	}
	m.Restore(&snap)
	o, ok := m.Get(snap.ID)
	if !ok {
		t.Fatal("restored order not found")
	}
	return m, o
}

// drive applies the named event to o.
func drive(m *bookedOMS, o *domain.Order, name string) (*domain.Fill, error) {
	const now = 100
	switch name {
	case "sent":
		return nil, m.Sent(o, venue, now)
	case "denied":
		return nil, m.Reject(o, "max-order-qty", now)
	case "cancel-request":
		return nil, m.CancelRequested(o, now)
	case "replace-request":
		return nil, m.ReplaceRequested(o, o.Price+25, o.Qty+1, now)
	}
	r := report(0, o.ID)
	switch name {
	case "ack":
		r.Kind = domain.ExecAck
	case "reject":
		r.Kind = domain.ExecReject
	case "fill", "fill-all":
		r.Kind, r.TradeID, r.LastPx, r.LastQty, r.Fee = domain.ExecFill, 5555, 500000, 1, 1000
		if name == "fill-all" {
			r.LastQty = max(o.Qty-o.Filled, 1)
		}
	case "canceled":
		r.Kind = domain.ExecCanceled
	case "replaced":
		r.Kind, r.Price, r.Qty = domain.ExecReplaced, o.PendingPrice, o.PendingQty
	case "expired":
		r.Kind = domain.ExecExpired
	case "cancel-reject":
		r.Kind = domain.ExecCancelReject
	case "replace-reject":
		r.Kind = domain.ExecReplaceReject
	default:
		panic(name)
	}
	_, f, err := m.Apply(r, now)
	return f, err
}

func TestTransitionTable(t *testing.T) {
	type key struct {
		from   domain.OrderState
		filled domain.Qty
		ev     string
	}
	want := map[key]domain.OrderState{}
	for _, a := range allowed {
		want[key{a.from, a.filled, a.ev}] = a.want
	}
	// The table in state.go allows exactly the pairs listed above.
	for s := domain.StateNew; s <= domain.StateExpired; s++ {
		for e := event(1); e < numEvents; e++ {
			listed := false
			for _, a := range allowed {
				if a.from == s && eventOf(a.ev) == e {
					listed = true
				}
			}
			if got := lookup(s, e) != 0; got != listed {
				t.Errorf("state.go allows %s in %s: %v; the test's list says %v", e, s, got, listed)
			}
		}
	}

	seen := 0
	for s := domain.StateNew; s <= domain.StateExpired; s++ {
		for _, filled := range fillLevels[s] {
			for _, name := range eventNamesForTest {
				t.Run(fmt.Sprintf("%s/filled-%d/%s", s, filled, name), func(t *testing.T) {
					m, o := restored(t, s, filled)
					before := *o
					f, err := drive(m, o, name)
					to, ok := want[key{s, filled, name}]
					if !ok {
						if !errors.Is(err, ErrTransition) {
							t.Fatalf("err = %v, want ErrTransition", err)
						}
						if *o != before {
							t.Fatalf("refused %s changed the order:\n got %+v\nwant %+v", name, *o, before)
						}
						if f != nil || m.Position(1, es) != nil {
							t.Fatal("refused event booked a fill")
						}
						return
					}
					seen++
					if err != nil {
						t.Fatalf("err = %v, want %s", err, to)
					}
					if o.State != to {
						t.Fatalf("state = %s, want %s", o.State, to)
					}
					if o.Updated != 100 {
						t.Errorf("Updated = %d, want 100", o.Updated)
					}
					switch name {
					case "fill", "fill-all":
						if f == nil || o.Filled != before.Filled+f.Qty {
							t.Fatalf("fill %v: Filled %d -> %d", f, before.Filled, o.Filled)
						}
						if p := m.Position(1, es); p == nil || p.Qty != f.Qty {
							t.Fatalf("position %+v after a fill of %d", p, f.Qty)
						}
					case "replaced":
						if o.Price != 500025 || o.Qty != 12 || o.PendingPrice != 0 || o.PendingQty != 0 {
							t.Fatalf("replaced order: price %d qty %d pending %d/%d", o.Price, o.Qty, o.PendingPrice, o.PendingQty)
						}
					case "replace-reject":
						if o.Price != before.Price || o.Qty != before.Qty || o.PendingQty != 0 {
							t.Fatalf("replace-rejected order: price %d qty %d pending %d", o.Price, o.Qty, o.PendingQty)
						}
					case "sent":
						if o.Venue != venue {
							t.Fatalf("Venue = %d", o.Venue)
						}
					case "denied":
						if o.Reason != "max-order-qty" {
							t.Fatalf("Reason = %q", o.Reason)
						}
					}
					if f != nil && name != "fill" && name != "fill-all" {
						t.Fatalf("%s returned a fill", name)
					}
				})
			}
		}
	}
	if seen != len(allowed) {
		t.Errorf("exercised %d allowed transitions, the list has %d", seen, len(allowed))
	}
}

// A refused cancel returns the order to where it was: if the venue never
// acknowledged it, that is pending-new, not open.
func TestCancelRejectReturnsToPrior(t *testing.T) {
	m := newOMS(t, 0)
	o := mustSend(t, m, limitBuy(oid(1)))
	if err := m.CancelRequested(o, 3); err != nil {
		t.Fatal(err)
	}
	mustApply(t, m, report(domain.ExecCancelReject, o.ID))
	if o.State != domain.StatePendingNew {
		t.Fatalf("cancel reject before ack: state %s, want pending-new", o.State)
	}

	// Ack while the cancel is in flight: a refused cancel then means open.
	if err := m.CancelRequested(o, 4); err != nil {
		t.Fatal(err)
	}
	mustApply(t, m, report(domain.ExecAck, o.ID))
	if o.State != domain.StatePendingCancel || o.VenueOrderID == 0 {
		t.Fatalf("ack during pending cancel: state %s venue id %d", o.State, o.VenueOrderID)
	}
	mustApply(t, m, report(domain.ExecCancelReject, o.ID))
	if o.State != domain.StateOpen {
		t.Fatalf("cancel reject after ack: state %s, want open", o.State)
	}

	// A restored pending cancel without a venue order id goes back to
	// pending-new.
	snap := *o
	snap.ID, snap.State, snap.VenueOrderID = oid(2), domain.StatePendingCancel, 0
	m.Restore(&snap)
	mustApply(t, m, report(domain.ExecCancelReject, snap.ID))
	if r, _ := m.Get(snap.ID); r.State != domain.StatePendingNew {
		t.Fatalf("restored pending cancel, cancel reject: %s", r.State)
	}
}

func TestTerminalNeverChanges(t *testing.T) {
	for _, s := range []domain.OrderState{domain.StateFilled, domain.StateCanceled, domain.StateRejected, domain.StateExpired} {
		for _, filled := range fillLevels[s] {
			for _, name := range eventNamesForTest {
				m, o := restored(t, s, filled)
				drive(m, o, name)
				if o.State != s {
					t.Errorf("%s then %s: state %s", s, name, o.State)
				}
			}
		}
	}
}

package engine

import (
	"context"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
	"github.com/desk-trading/desk/store"
)

// TestReconcileSkipsOrdersTheJournalHad restarts cleanly after a filled
// order was pushed out of the OMS's kept orders by 10,050 later denials,
// while the venue still lists it: the journal had it, so reconcile must
// not adopt it again nor book its fill twice. Found by review.
func TestReconcileSkipsOrdersTheJournalHad(t *testing.T) {
	r := newCrashRig(t)
	j1, err := store.Open(r.path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e1 := r.engineLimited(j1, 1, lims(t, "max_order_qty", "0.003"))
	stop := r.start(e1)
	sell := r.restingSell(e1)
	take := r.place(e1, 0, domain.Buy, domain.IOC, 10_002, 2)
	desktest.Eventually(t, 5*time.Second, "take filled", func() bool {
		for _, s := range e1.Snapshot().Strategies {
			if s.Name == "a" && len(s.Positions) == 1 && s.Positions[0].Position.Qty == 2 { // 0.002 at lot 0.001
				return true
			}
		}
		return false
	})
	var last domain.OrderID
	for i := 0; i < 10_050; i++ {
		last = r.place(e1, 0, domain.Buy, domain.GTC, 9_000, 4) // above max_order_qty: denied
	}
	desktest.Eventually(t, 5*time.Second, "every denial is in", func() bool {
		a, _ := e1.Audit(context.Background(), "a", 1)
		return len(a) == 1 && a[0].Kind == domain.EventDenied && a[0].Order.ID == last
	})
	stop()
	if err := j1.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := j1.Close(); err != nil {
		t.Fatal(err)
	}
	if _, held := e1.oms.Get(take); held {
		t.Fatal("the take is still held: the test no longer pushes it out")
	}
	e2, _, rec := r.restart(2)
	if rec.Adopted != 0 || rec.Fills != 0 {
		t.Errorf("reconcile after a clean restart: %+v, want nothing adopted or applied", rec)
	}
	if q := e2.risk.Strategy(0).Position(0); q != 2 {
		t.Errorf("risk position of a after restart: %d, the venue's fills say 2", q)
	}
	if p := e2.risk.Position(0, 0); p == nil || p.Qty != 2 {
		t.Errorf("ledger position of a after restart: %v, the venue's fills say 2", p)
	}
	_ = sell
}

// TestReconcileAppliesAReplaceTheJournalLacks adopts an order the venue
// acknowledged, replaced up to 20 and filled 15 of: the replace the journal
// never saw is applied, so the fill is booked and 5 stay working. Found by
// review: the replace was refused (no request pending), and the fill then
// as an overfill of the original 10.
func TestReconcileAppliesAReplaceTheJournalLacks(t *testing.T) {
	f := newFixture(t, &recVenue{}, &memJournal{}, nopHost{}, risk.Limits{})
	f.quote()
	id := domain.MakeOrderID(f.eng.opts.Epoch-1, 0, 1) // sent by the run before this one
	vo := domain.VenueOrder{
		Order: domain.Order{ID: id, Instrument: 0, Venue: 0, Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC,
			Price: 10_000, Qty: 10, State: domain.StatePendingNew},
		Reports: []domain.ExecReport{
			{Kind: domain.ExecAck, VenueOrderID: 77},
			{Kind: domain.ExecReplaced, VenueOrderID: 77, Price: 10_001, Qty: 20},
			{Kind: domain.ExecFill, VenueOrderID: 77, LastPx: 10_001, LastQty: 15, TradeID: 1},
		},
	}
	var sum ReconcileSummary
	f.eng.reconcileOrder(0, &vo, &sum)
	o, ok := f.eng.oms.Get(id)
	if !ok || o.Qty != 20 || o.Filled != 15 || o.Price != 10_001 || o.State != domain.StatePartiallyFilled {
		t.Fatalf("adopted order %+v (held %v); want qty 20 at 100.01, 15 filled, partially filled", o, ok)
	}
	if sum.Adopted != 1 || sum.Fills != 1 {
		t.Fatalf("summary %+v, want 1 adopted, 1 fill", sum)
	}
	if p := f.eng.risk.Position(0, 0); p == nil || p.Qty != 15 {
		t.Fatalf("ledger %v, want 15", p)
	}
	if n := f.eng.risk.Strategy(0); n.OpenOrders() != 1 {
		t.Fatalf("risk counts %d working orders, want 1", n.OpenOrders())
	}
}

// TestReconcileLeavesLookAlikeOrdersExternal: an order under an id of
// desk's form that this desk cannot have sent (this run's epoch, a later
// one, a strategy it does not run, an instrument its strategy does not
// trade) is not adopted: it is shown as external, open or not, and its id
// stays free for the order desk is about to send under it. Found by
// review: a hand-placed "4-0-1" became mm-btc's order, and mm-btc's own
// 4-0-1 was then refused as a duplicate.
func TestReconcileLeavesLookAlikeOrdersExternal(t *testing.T) {
	f := newFixture(t, &recVenue{}, &memJournal{}, nopHost{}, risk.Limits{})
	f.quote()
	ep := f.eng.opts.Epoch
	resting := func(id domain.OrderID, inst domain.InstrumentID) domain.VenueOrder {
		return domain.VenueOrder{
			Order:   domain.Order{ID: id, Instrument: inst, Side: domain.Sell, Type: domain.Limit, TIF: domain.GTC, Price: 10_100, Qty: 10},
			Reports: []domain.ExecReport{{Kind: domain.ExecAck, VenueOrderID: 9}, {Kind: domain.ExecFill, LastPx: 10_100, LastQty: 4, TradeID: 1}},
		}
	}
	rec := &venueRecord{venue: 0, orders: []domain.VenueOrder{
		resting(domain.MakeOrderID(ep, 0, 1), 0),   // this run's epoch: the id desk sends next
		resting(domain.MakeOrderID(ep+1, 0, 1), 0), // an epoch to come
		resting(domain.MakeOrderID(ep-1, 9, 1), 0), // no such strategy
		resting(domain.MakeOrderID(ep-1, 0, 2), 1), // an instrument mm does not trade
	}}
	sum := f.eng.applyRecord(rec)
	if sum.Adopted != 0 || sum.Fills != 0 || sum.External != 4 || sum.Foreign != 1 {
		t.Fatalf("summary %+v; want nothing adopted, 4 external (1 of them foreign)", sum)
	}
	for _, x := range f.eng.account(0).external {
		if x.Qty != 10 || x.Filled != 4 || x.VenueOrderID != 9 || x.Side != domain.Sell {
			t.Errorf("external %+v; want the venue's order as it stands", x)
		}
	}
	if p := f.eng.risk.Position(0, 0); p != nil && p.Qty != 0 {
		t.Fatalf("mm's position %d: it took an order it did not send", p.Qty)
	}
	in := domain.Intent{Kind: domain.IntentNew, ID: f.eng.NextOrderID(0), Strategy: 0, Instrument: 0,
		Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC, Price: 10_000, Qty: 1}
	f.eng.onIntent(&in)
	if o, ok := f.eng.oms.Get(in.ID); !ok || o.State != domain.StatePendingNew {
		t.Fatalf("mm's own order %s: %+v, %v; want it sent", in.ID, o, ok)
	}
}

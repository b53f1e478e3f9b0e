package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// twoVenues is an engine of one strategy over two recording venues, a
// (taker 10 bps) and b (taker 2 bps), both listing BTC-USD.
func twoVenues(t *testing.T) (*Engine, *recVenue, *recVenue) {
	t.Helper()
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{
		Symbol: "BTC-USD", TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("0.001"),
	})
	if err != nil {
		t.Fatal(err)
	}
	tree, err := risk.NewTree(risk.Config{
		Instruments: []domain.Instrument{in},
		Books:       []risk.NodeConfig{{Name: "alpha"}},
		Strategies:  []risk.StrategyConfig{{ID: 0, Name: "mm", Book: "alpha", Instruments: []domain.InstrumentID{0}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	a, b := &recVenue{}, &recVenue{}
	slot := func(id domain.VenueID, name string, v Venue, taker string) VenueSlot {
		s := VenueSlot{ID: id, Name: name, Venue: v, Instruments: []domain.InstrumentID{0}}
		s.Fees.TakerBps = decimal.RequireFromString(taker)
		return s
	}
	e, err := New(Options{
		Instruments: []domain.Instrument{in},
		Venues:      []VenueSlot{slot(0, "a", a, "10"), slot(1, "b", b, "2")},
		Strategies:  []StrategySlot{{ID: 0, Name: "mm", Kind: "test", Book: "alpha", Host: nopHost{}, Instruments: []domain.InstrumentID{0}}},
		Risk:        tree, Journal: &memJournal{}, Epoch: 7,
		Clock: func() time.Time { return time.Unix(1_700_000_000, 0) },
	})
	if err != nil {
		t.Fatal(err)
	}
	var rs RestoreSummary
	e.FinishRestore(&rs)
	e.now = e.clock().UnixNano()
	return e, a, b
}

// ask gives venue v one ask level.
func ask(e *Engine, v domain.VenueID, px domain.Price, qty domain.Qty) {
	bu := domain.BookUpdate{Instrument: 0, Venue: v, Seq: 1, NBids: 1, NAsks: 1}
	bu.Bids[0] = domain.Level{Price: px - 100, Qty: 1_000}
	bu.Asks[0] = domain.Level{Price: px, Qty: qty}
	e.onBook(&bu)
}

func buy(e *Engine, tif domain.TimeInForce, px domain.Price, qty domain.Qty) domain.OrderID {
	in := domain.Intent{Kind: domain.IntentNew, ID: e.NextOrderID(0), Strategy: 0, Instrument: 0,
		Side: domain.Buy, Type: domain.Limit, TIF: tif, Price: px, Qty: qty}
	e.onIntent(&in)
	return in.ID
}

// routeOf returns the route the view shows for id.
func routeOf(t *testing.T, e *Engine, id domain.OrderID) string {
	t.Helper()
	e.handView()
	page, err := e.view.ordersPage("", MaxOrdersPage)
	if err != nil {
		t.Fatal(err)
	}
	for k, o := range page.Orders {
		if o.ID == id {
			return page.Routes[k]
		}
	}
	t.Fatalf("order %s not in the view", id)
	return ""
}

// TestEngineSendsTheBestNetPriceAndSplitsWhatItCannotFill: the engine
// sends an order where the router's plan says, splits one the best venue
// cannot fill across both, and shows why for each order.
func TestEngineSendsTheBestNetPriceAndSplitsWhatItCannotFill(t *testing.T) {
	e, a, b := twoVenues(t)
	// a asks 100.00, b 100.01: with a's 10 bps and b's 2 bps taker fees,
	// b is the better net price to buy.
	ask(e, 0, 10_000, 5_000)
	ask(e, 1, 10_001, 2_000)
	small := buy(e, domain.IOC, 10_001, 1_000)
	if a.count() != 0 || b.count() != 1 || b.sent[0].ID != small || b.sent[0].Qty != 1_000 {
		t.Fatalf("a got %v, b got %v; want the 1.000 at b, the best net price", a.sent, b.sent)
	}
	if r := routeOf(t, e, small); !strings.Contains(r, "b 1") {
		t.Fatalf("route %q does not say b", r)
	}

	// 3.000 is more than b shows (2.000): b takes 2, a the rest.
	big := buy(e, domain.IOC, 10_001, 3_000)
	if b.count() != 2 || a.count() != 1 {
		t.Fatalf("a got %v, b got %v; want a split", a.sent, b.sent)
	}
	first, second := b.sent[1], a.sent[0]
	if first.ID != big || first.Qty != 2_000 || second.Qty != 1_000 || second.ID == big || second.ID.Strategy() != 0 {
		t.Fatalf("legs %+v and %+v; want the order itself for 2.000 at b and a new order of mm for 1.000 at a", first, second)
	}
	r := routeOf(t, e, big)
	if !strings.HasPrefix(r, "split") || routeOf(t, e, second.ID) != r {
		t.Fatalf("routes %q and %q; want the split on both legs", r, routeOf(t, e, second.ID))
	}

	// b goes down: everything goes to a, and the route says b was down.
	e.router.SetConnected(1, false)
	after := buy(e, domain.IOC, 10_001, 1_000)
	if a.count() != 2 || a.sent[1].ID != after {
		t.Fatalf("a got %v after b went down", a.sent)
	}
	if r := routeOf(t, e, after); !strings.Contains(r, "down") {
		t.Fatalf("route %q does not say b is down", r)
	}
	// b reconciling and a down: the order is denied, and says why.
	e.router.SetConnected(1, true)
	e.setReconciling(1, true)
	e.router.SetConnected(0, false)
	denied := buy(e, domain.IOC, 10_001, 1_000)
	if o, _ := e.oms.Get(denied); o == nil || o.State != domain.StateRejected || o.Reason != reasonReconciling {
		t.Fatalf("order %+v; want it denied venue-reconciling", o)
	}
}

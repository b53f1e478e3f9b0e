package oms

import (
	"testing"

	"github.com/desk-trading/desk/core/domain"
	"github.com/shopspring/decimal"
)

// Instrument ids of the test table. Id 2 is left out on purpose: the table
// is sparse.
const (
	btc  domain.InstrumentID = 0 // tick 0.01, lot 0.0001: notional multiplies by 100
	es   domain.InstrumentID = 1 // tick 0.25, lot 1: multiplies by 10^6
	gap  domain.InstrumentID = 2 // not configured
	fine domain.InstrumentID = 3 // tick 0.000001, lot 0.00001: notional divides by 1000
	half domain.InstrumentID = 4 // tick 0.05, lot 0.5: tick and lot of 5 units
)

const venue domain.VenueID = 3

func instrument(t testing.TB, id domain.InstrumentID, sym, tick, lot string) domain.Instrument {
	t.Helper()
	in, err := domain.NewInstrument(id, domain.InstrumentSpec{
		Symbol: sym, Base: sym[:3], Quote: "USD", Class: "test",
		TickSize: decimal.RequireFromString(tick), LotSize: decimal.RequireFromString(lot),
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func instruments(t testing.TB) []domain.Instrument {
	return []domain.Instrument{
		// Out of id order on purpose.
		instrument(t, fine, "FIN-USD", "0.000001", "0.00001"),
		instrument(t, btc, "BTC-USD", "0.01", "0.0001"),
		instrument(t, es, "ESZ-USD", "0.25", "1"),
		instrument(t, half, "HLF-USD", "0.05", "0.5"),
	}
}

func newOMS(t testing.TB, keep int) *OMS {
	t.Helper()
	return New(Options{Instruments: instruments(t), KeepTerminal: keep})
}

// limitBuy is a valid GTC limit intent for 10 ES at 5000.00.
func limitBuy(id domain.OrderID) domain.Intent {
	return domain.Intent{
		Kind: domain.IntentNew, ID: id, Strategy: 1, Instrument: es,
		Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC,
		Price: 500000, Qty: 10,
	}
}

func oid(seq uint64) domain.OrderID { return domain.MakeOrderID(1, 0, seq) }

// mustCreate creates and sends an order for in.
func mustSend(t testing.TB, m *OMS, in domain.Intent) *domain.Order {
	t.Helper()
	o, err := m.Create(&in, 1)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := m.Sent(o, venue, 2); err != nil {
		t.Fatalf("Sent: %v", err)
	}
	return o
}

func report(kind domain.ExecKind, id domain.OrderID) *domain.ExecReport {
	return &domain.ExecReport{Kind: kind, Venue: venue, OrderID: id, VenueOrderID: 900 + uint64(id.Seq())}
}

func fillReport(id domain.OrderID, trade uint64, px domain.Price, qty domain.Qty, fee domain.Money) *domain.ExecReport {
	r := report(domain.ExecFill, id)
	r.TradeID, r.LastPx, r.LastQty, r.Fee = trade, px, qty, fee
	return r
}

func mustApply(t testing.TB, m *OMS, r *domain.ExecReport) (*domain.Order, *domain.Fill) {
	t.Helper()
	o, f, err := m.Apply(r, 10)
	if err != nil {
		t.Fatalf("Apply %s: %v", r.Kind, err)
	}
	return o, f
}

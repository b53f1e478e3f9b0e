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

func newOMS(t testing.TB, keep int) *bookedOMS {
	t.Helper()
	return booked(New(Options{Instruments: instruments(t), KeepTerminal: keep}))
}

// bookedOMS is an OMS whose fills are booked into positions at average
// cost, as the engine books them into the ledger (risk), so that tests can
// check what the fills the OMS hands out add up to: each once, none lost.
type bookedOMS struct {
	*OMS
	pos   map[posKey]*domain.Position
	order []posKey
}

type posKey struct {
	strategy   domain.StrategyID
	instrument domain.InstrumentID
}

func booked(m *OMS) *bookedOMS { return &bookedOMS{OMS: m, pos: map[posKey]*domain.Position{}} }

func (b *bookedOMS) book(f *domain.Fill) {
	k := posKey{f.Strategy, f.Instrument}
	p := b.pos[k]
	if p == nil {
		p = &domain.Position{}
		b.pos[k] = p
		b.order = append(b.order, k)
	}
	p.Apply(f, b.instrument(f.Instrument))
}

// Apply is OMS.Apply, booking the fill it returns.
func (b *bookedOMS) Apply(r *domain.ExecReport, now int64) (*domain.Order, *domain.Fill, error) {
	o, f, err := b.OMS.Apply(r, now)
	if f != nil {
		b.book(f)
	}
	return o, f, err
}

// RestoreFill is OMS.RestoreFill, booking the fill when it is new.
func (b *bookedOMS) RestoreFill(f *domain.Fill) error {
	applied, err := b.OMS.RestoreFill(f)
	if applied {
		b.book(f)
	}
	return err
}

// Position returns s's position in i, nil before its first fill.
func (b *bookedOMS) Position(s domain.StrategyID, i domain.InstrumentID) *domain.Position {
	return b.pos[posKey{s, i}]
}

// Positions calls fn for each position in order of first fill.
func (b *bookedOMS) Positions(fn func(s domain.StrategyID, i domain.InstrumentID, p *domain.Position) bool) {
	for _, k := range b.order {
		if !fn(k.strategy, k.instrument, b.pos[k]) {
			return
		}
	}
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
func mustSend(t testing.TB, m *bookedOMS, in domain.Intent) *domain.Order {
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

func mustApply(t testing.TB, m *bookedOMS, r *domain.ExecReport) (*domain.Order, *domain.Fill) {
	t.Helper()
	o, f, err := m.Apply(r, 10)
	if err != nil {
		t.Fatalf("Apply %s: %v", r.Kind, err)
	}
	return o, f
}

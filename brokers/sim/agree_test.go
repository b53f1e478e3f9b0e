package sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/brokers/sim/match"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/oms"
	"github.com/desk-trading/desk/core/strategy"
)

// agreeCases are orders of the kind this venue trades (limit and market,
// GTC, IOC or FOK, prices above zero), valid or not. Every entry point
// that judges a new order must give each the same verdict, since all of
// them apply domain.ValidateOrder. Valid FOK and crossing post-only orders
// are left out: the venue refuses those for what its book holds, not for
// what they are. So are stop prices and expiries: Venue.Submit does not
// pass them to the venue goroutine, which cannot judge what it never sees.
var agreeCases = []struct {
	name  string
	o     domain.Intent // on instrument 0, tick 1, lot 1
	valid bool
}{
	{"limit gtc", domain.Intent{Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC, Price: 9000, Qty: 1}, true},
	{"limit ioc", domain.Intent{Side: domain.Sell, Type: domain.Limit, TIF: domain.IOC, Price: 11000, Qty: 2}, true},
	{"post-only limit", domain.Intent{Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC, PostOnly: true, Price: 9000, Qty: 1}, true},
	{"market ioc", domain.Intent{Side: domain.Buy, Type: domain.Market, TIF: domain.IOC, Qty: 1}, true},
	{"market gtc", domain.Intent{Side: domain.Buy, Type: domain.Market, TIF: domain.GTC, Qty: 1}, false},
	{"market with price", domain.Intent{Side: domain.Buy, Type: domain.Market, TIF: domain.IOC, Price: 9000, Qty: 1}, false},
	{"limit without price", domain.Intent{Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC, Qty: 1}, false},
	{"no side", domain.Intent{Type: domain.Limit, TIF: domain.GTC, Price: 9000, Qty: 1}, false},
	{"zero qty", domain.Intent{Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC, Price: 9000}, false},
	{"negative qty", domain.Intent{Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC, Price: 9000, Qty: -1}, false},
	{"post-only ioc", domain.Intent{Side: domain.Buy, Type: domain.Limit, TIF: domain.IOC, PostOnly: true, Price: 9000, Qty: 1}, false},
	{"post-only fok", domain.Intent{Side: domain.Buy, Type: domain.Limit, TIF: domain.FOK, PostOnly: true, Price: 9000, Qty: 1}, false},
	{"post-only market", domain.Intent{Side: domain.Buy, Type: domain.Market, TIF: domain.IOC, PostOnly: true, Qty: 1}, false},
	{"bad tif", domain.Intent{Side: domain.Buy, Type: domain.Limit, TIF: domain.Day + 1, Price: 9000, Qty: 1}, false},
}

// TestEntryPointsAgree runs agreeCases through domain.ValidateOrder, the
// OMS's Create, the strategy runtime's Place and this venue's Submit.
func TestEntryPointsAgree(t *testing.T) {
	in := instrument(t, 0, "AAA-USD")
	const now = 1_000

	// OMS.
	m := oms.New(oms.Options{Instruments: []domain.Instrument{in}})
	omsOK := make([]bool, len(agreeCases))
	for i, c := range agreeCases {
		o := c.o
		o.Kind, o.ID, o.Instrument = domain.IntentNew, domain.MakeOrderID(1, 0, uint64(i+1)), in.ID
		_, err := m.Create(&o, now)
		omsOK[i] = err == nil
	}

	// Strategy runtime.
	var next uint64
	p := &placer{in: in.ID, done: make(chan []bool, 1)}
	h, err := strategy.NewHost(strategy.HostOptions{
		Strategy: p, Instruments: []domain.Instrument{in},
		Submit: func(*domain.Intent) error { return nil },
		NextID: func() domain.OrderID { next++; return domain.MakeOrderID(2, 0, next) },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = h.Run(ctx) }()
	var placeOK []bool
	select {
	case placeOK = <-p.done:
	case <-time.After(5 * time.Second):
		t.Fatal("strategy did not start")
	}

	// Venue.
	v := start(t, sim.Options{})
	venueOK := make([]bool, len(agreeCases))
	for i, c := range agreeCases {
		id := domain.MakeOrderID(3, 0, uint64(i+1))
		submit(t, v.v, &domain.Order{ID: id, Instrument: in.ID, Side: c.o.Side, Type: c.o.Type, TIF: c.o.TIF,
			PostOnly: c.o.PostOnly, Price: c.o.Price, StopPrice: c.o.StopPrice, Qty: c.o.Qty})
		for {
			r := v.next(t)
			if r.OrderID != id || (r.Kind != domain.ExecAck && r.Kind != domain.ExecReject) {
				continue
			}
			venueOK[i] = r.Kind == domain.ExecAck
			if r.Kind == domain.ExecReject && r.Reason == match.ReasonFOKNotFillable {
				t.Errorf("%s: refused for the book (%s), not for what it is", c.name, r.Reason)
			}
			break
		}
	}

	for i, c := range agreeCases {
		o := c.o
		domainOK := domain.ValidateOrder(&o, &in, now) == nil
		if domainOK != c.valid || omsOK[i] != c.valid || placeOK[i] != c.valid || venueOK[i] != c.valid {
			t.Errorf("%s: valid by domain %v, oms %v, strategy %v, venue %v; want %v",
				c.name, domainOK, omsOK[i], placeOK[i], venueOK[i], c.valid)
		}
	}
}

// placer places agreeCases from OnStart and reports which were accepted.
type placer struct {
	in   domain.InstrumentID
	done chan []bool
}

func (p *placer) OnBook(*strategy.Context, *domain.BookUpdate) {}

func (p *placer) OnStart(c *strategy.Context) error {
	ok := make([]bool, len(agreeCases))
	for i, tc := range agreeCases {
		_, err := c.Place(strategy.OrderSpec{Instrument: p.in, Side: tc.o.Side, Type: tc.o.Type, TIF: tc.o.TIF,
			PostOnly: tc.o.PostOnly, Price: tc.o.Price, StopPrice: tc.o.StopPrice, Qty: tc.o.Qty})
		ok[i] = err == nil
	}
	p.done <- ok
	return nil
}

// TestRefusalReasons: what domain.ValidateOrder refuses, the venue refuses
// with the reason of package match that fits.
func TestRefusalReasons(t *testing.T) {
	h := start(t, sim.Options{})
	tests := []struct {
		o      domain.Order
		reason string
	}{
		{domain.Order{Side: domain.Buy, Type: domain.Market, TIF: domain.GTC, Qty: 1}, match.ReasonBadTIF},
		{domain.Order{Side: domain.Buy, Type: domain.Market, TIF: domain.IOC, Price: 9000, Qty: 1}, match.ReasonBadPrice},
		{domain.Order{Side: domain.Buy, Type: domain.Limit, TIF: domain.IOC, PostOnly: true, Price: 9000, Qty: 1}, match.ReasonBadTIF},
		{domain.Order{Side: domain.Buy, Type: domain.Market, TIF: domain.IOC, PostOnly: true, Qty: 1}, match.ReasonBadType},
		{domain.Order{Type: domain.Limit, TIF: domain.GTC, Price: 9000, Qty: 1}, match.ReasonBadSide},
		{domain.Order{Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC, Qty: 1}, match.ReasonBadPrice},
		{domain.Order{Side: domain.Buy, Type: domain.Limit, TIF: domain.Day, Price: 9000, Qty: 1}, match.ReasonBadTIF},
		{domain.Order{Side: domain.Buy, Type: domain.StopLimit, TIF: domain.GTC, Price: 9000, StopPrice: 9100, Qty: 1}, match.ReasonBadType},
	}
	for i, tt := range tests {
		o := tt.o
		o.ID = domain.OrderID(i + 1)
		submit(t, h.v, &o)
		if r := h.expect(t, want{domain.ExecReject, o.ID})[0]; r.Reason != tt.reason {
			t.Errorf("%s %s post-only %v price %d: reason %q, want %q", o.Type, o.TIF, o.PostOnly, o.Price, r.Reason, tt.reason)
		}
	}
	// A market order without a time in force is IOC, as for a strategy.
	submit(t, h.v, &domain.Order{ID: 100, Side: domain.Buy, Type: domain.Market, Qty: 1})
	h.expect(t, want{domain.ExecAck, 100}, want{domain.ExecCanceled, 100})
	h.quiet(t)
}

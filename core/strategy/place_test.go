package strategy_test

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/strategy"
)

// TestPlaceMarketDefaultsToIOC is the regression test of a market order
// placed without a time in force: it used to default to GTC, get an id,
// and be rejected by the OMS later. It goes out as IOC now.
func TestPlaceMarketDefaultsToIOC(t *testing.T) {
	btc := instrument(t, 0, "BTC-USD")
	s := &sink{}
	errs := make(chan error, 1)
	start(t, s, strategy.HostOptions{Instruments: []domain.Instrument{btc}, Strategy: &funcs{start: func(c *strategy.Context) error {
		id, err := c.Place(strategy.OrderSpec{Instrument: btc.ID, Side: domain.Sell, Type: domain.Market, Qty: 2})
		if err == nil {
			if o, ok := c.Order(id); !ok || o.TIF != domain.IOC {
				t.Errorf("tracked order %+v, want IOC", o)
			}
		}
		errs <- err
		return nil
	}}})
	if err := <-errs; err != nil {
		t.Fatalf("Place of a market order without TIF: %v", err)
	}
	in := s.Intents()
	if len(in) != 1 || in[0].Type != domain.Market || in[0].TIF != domain.IOC || in[0].ID == 0 {
		t.Fatalf("intents %+v, want one market IOC", in)
	}
}

// TestPlaceInvalidAllocatesNoID: an invalid order fails Place with
// ErrBadOrder (and domain.ErrInvalidOrder) before NextID is called, and
// nothing is sent or tracked.
func TestPlaceInvalidAllocatesNoID(t *testing.T) {
	btc := instrument(t, 0, "BTC-USD")
	fake := time.Unix(1_000, 0)
	s := &sink{}
	var ids atomic.Int32
	type result struct {
		id    domain.OrderID
		err   error
		open  int
		fault domain.OrderFault
	}
	specs := []strategy.OrderSpec{
		{Instrument: btc.ID, Side: domain.Buy, Type: domain.Market, TIF: domain.GTC, Qty: 1},                              // resting market
		{Instrument: btc.ID, Side: domain.Buy, Type: domain.Market, TIF: domain.Day, Qty: 1},                              // resting market
		{Instrument: btc.ID, Side: domain.Buy, Price: 100, Qty: 1, TIF: domain.GTD, ExpireAt: fake},                       // expires now
		{Instrument: btc.ID, Side: domain.Buy, Price: 100, Qty: 1, ExpireAt: fake.Add(time.Hour)},                         // expiry on gtc
		{Instrument: btc.ID, Side: domain.Buy, Type: domain.StopLimit, Price: 100, StopPrice: 99, Qty: 1, PostOnly: true}, // post-only stop-limit
		{Instrument: btc.ID, Side: domain.Buy, Price: 100, Qty: 0},                                                        // no qty
	}
	faults := []domain.OrderFault{domain.FaultMarketTIF, domain.FaultMarketTIF, domain.FaultExpiry,
		domain.FaultExpiry, domain.FaultPostOnly, domain.FaultQty}
	out := make(chan []result, 1)
	start(t, s, strategy.HostOptions{
		Instruments: []domain.Instrument{btc},
		Clock:       func() time.Time { return fake },
		NextID: func() domain.OrderID {
			ids.Add(1)
			return s.NextID()
		},
		Strategy: &funcs{start: func(c *strategy.Context) error {
			var rs []result
			for _, spec := range specs {
				id, err := c.Place(spec)
				r := result{id: id, err: err, open: c.OpenOrderCount(btc.ID)}
				var oe *domain.OrderError
				if errors.As(err, &oe) {
					r.fault = oe.Fault
				}
				rs = append(rs, r)
			}
			out <- rs
			return nil
		}},
	})
	rs := <-out
	for i, r := range rs {
		if !errors.Is(r.err, strategy.ErrBadOrder) || !errors.Is(r.err, domain.ErrInvalidOrder) {
			t.Errorf("spec %d: err %v, want ErrBadOrder and domain.ErrInvalidOrder", i, r.err)
		}
		if r.fault != faults[i] {
			t.Errorf("spec %d: fault %s, want %s (%v)", i, r.fault, faults[i], r.err)
		}
		if r.id != 0 || r.open != 0 {
			t.Errorf("spec %d: id %s, %d open orders", i, r.id, r.open)
		}
	}
	if n := ids.Load(); n != 0 {
		t.Errorf("NextID called %d times for invalid orders", n)
	}
	if in := s.Intents(); len(in) != 0 {
		t.Errorf("invalid orders sent: %+v", in)
	}
}

// TestReplaceChecks: Replace refuses what domain.ValidateReplace refuses,
// before sending anything.
func TestReplaceChecks(t *testing.T) {
	btc := instrument(t, 0, "BTC-USD")
	s := &sink{}
	out := make(chan []error, 1)
	start(t, s, strategy.HostOptions{Instruments: []domain.Instrument{btc}, Strategy: &funcs{start: func(c *strategy.Context) error {
		id, err := c.Sell(btc.ID, 2, 101)
		if err != nil {
			t.Error(err)
		}
		out <- []error{
			c.Replace(id, 101, 2),  // changes nothing
			c.Replace(id, 0, 3),    // limit without price
			c.Replace(id, 101, 0),  // no qty
			c.Replace(id, -101, 2), // negative price: an order, as for the OMS
		}
		return nil
	}}})
	errs := <-out
	for i, want := range []domain.OrderFault{domain.FaultNoChange, domain.FaultPriceMissing, domain.FaultQty} {
		var oe *domain.OrderError
		if !errors.Is(errs[i], strategy.ErrBadOrder) || !errors.As(errs[i], &oe) || oe.Fault != want {
			t.Errorf("replace %d: %v, want ErrBadOrder with fault %s", i, errs[i], want)
		}
	}
	if errs[3] != nil {
		t.Errorf("replace to a negative price: %v", errs[3])
	}
	if in := s.Intents(); len(in) != 2 || in[1].Kind != domain.IntentReplace {
		t.Errorf("intents %+v, want the new order and one replace", in)
	}
}

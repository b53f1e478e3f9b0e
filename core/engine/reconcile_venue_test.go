package engine

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// lossyVenue is a simulator whose reports reach the engine through a
// session that can drop: while it is down the reports are lost, as a
// venue's user-data stream loses the events sent while it is away. The
// simulator's record keeps them, as a venue's does. It reports opening
// balances plus its fills, as a venue account would.
type lossyVenue struct {
	*sim.Venue
	down    atomic.Bool
	gen     atomic.Uint64
	lost    atomic.Int64
	base    decimal.Decimal // the account's opening BTC
	skewBTC decimal.Decimal // added to the BTC balance it reports
	inst    domain.Instrument
}

func (v *lossyVenue) Session() (bool, uint64) { return !v.down.Load(), v.gen.Load() }

func (v *lossyVenue) Balances(ctx context.Context) ([]domain.Balance, error) {
	orders, err := v.Orders(ctx)
	if err != nil {
		return nil, err
	}
	btc := v.base.Add(v.skewBTC)
	for _, vo := range orders {
		for _, r := range vo.Reports {
			if r.Kind == domain.ExecFill {
				btc = btc.Add(v.inst.QtyDecimal(r.LastQty * domain.Qty(vo.Order.Side.Sign())))
			}
		}
	}
	return []domain.Balance{{Asset: "BTC", Free: btc}, {Asset: "USD", Free: decimal.NewFromInt(1)}}, nil
}

func (v *lossyVenue) forward(ctx context.Context, from <-chan domain.ExecReport, to chan<- domain.ExecReport) {
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-from:
			if v.down.Load() {
				v.lost.Add(1)
				continue
			}
			select {
			case to <- r:
			case <-ctx.Done():
				return
			}
		}
	}
}

// TestReconcileVenueAppliesWhatTheSessionLost drops a venue's session
// while orders trade, then reconciles it as the daemon does when the
// session comes back: the fills the engine never heard of are applied
// once, the venue takes no new order until it is done, and the balances
// agree with the positions (or the mismatch is found).
func TestReconcileVenueAppliesWhatTheSessionLost(t *testing.T) {
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{
		Symbol: "BTC-USD", Base: "BTC", Quote: "USD", TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("0.001"),
	})
	if err != nil {
		t.Fatal(err)
	}
	raw := make(chan domain.ExecReport, 1024)
	sv, err := sim.New(sim.Options{Name: "sim", Instruments: []sim.SimInstrument{{Instrument: in, InitialPrice: 10_000}}, Reports: raw})
	if err != nil {
		t.Fatal(err)
	}
	lv := &lossyVenue{Venue: sv, base: decimal.NewFromInt(10), inst: in}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	vdone := make(chan struct{})
	go func() { defer close(vdone); sv.Run(ctx) }()
	defer func() { cancel(); <-vdone }()
	desktest.Eventually(t, 5*time.Second, "venue up", sv.Connected)

	tree, err := risk.NewTree(risk.Config{
		Instruments: []domain.Instrument{in},
		Books:       []risk.NodeConfig{{Name: "alpha"}},
		Strategies: []risk.StrategyConfig{
			{ID: 0, Name: "a", Book: "alpha", Instruments: []domain.InstrumentID{0}},
			{ID: 1, Name: "b", Book: "alpha", Instruments: []domain.InstrumentID{0}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	reports := make(chan domain.ExecReport, 1024)
	e, err := New(Options{
		Instruments: []domain.Instrument{in},
		Venues: []VenueSlot{{ID: 0, Name: "sim", Venue: lv, Instruments: []domain.InstrumentID{0},
			Balances: map[string]decimal.Decimal{"btc": decimal.NewFromInt(10)}}},
		Strategies: []StrategySlot{
			{ID: 0, Name: "a", Kind: "test", Book: "alpha", Host: nopHost{}, Instruments: []domain.InstrumentID{0}},
			{ID: 1, Name: "b", Kind: "test", Book: "alpha", Host: nopHost{}, Instruments: []domain.InstrumentID{0}},
		},
		Risk: tree, Journal: &memJournal{}, Epoch: 1, Reports: reports,
	})
	if err != nil {
		t.Fatal(err)
	}
	go lv.forward(ctx, raw, reports)
	r := &crashRig{t: t, in: in, venue: sv}
	stop := r.start(e)
	defer stop()
	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()

	sell := r.restingSell(e)
	lv.down.Store(true) // the session drops
	take := r.place(e, 0, domain.Buy, domain.IOC, 10_002, 2_000)
	desktest.Eventually(t, 5*time.Second, "the venue fills the take while the session is down", func() bool {
		vo, err := sv.QueryOrder(context.Background(), domain.Order{ID: take})
		return err == nil && len(vo.Reports) >= 2
	})
	// The take's ack and fill and the sell's fill never reach the engine.
	desktest.Eventually(t, 5*time.Second, "the session loses the reports", func() bool { return lv.lost.Load() >= 3 })
	desktest.Eventually(t, 5*time.Second, "the view shows the take", func() bool { return orderIn(t, e, take).ID == take })
	if o := orderIn(t, e, take); o.State != domain.StatePendingNew {
		t.Fatalf("before reconciling the take is %s; the engine heard of it", o.State)
	}
	lv.down.Store(false)
	lv.gen.Add(1) // the session is back

	// While the venue reconciles it takes no new order.
	if _, _, err := e.do(rctx, &command{kind: cmdReconcileBegin, venue: 0}); err != nil {
		t.Fatal(err)
	}
	denied := r.place(e, 0, domain.Buy, domain.GTC, 9_000, 1_000)
	desktest.Eventually(t, 5*time.Second, "the submit is denied", func() bool {
		o := orderIn(t, e, denied)
		return o.State == domain.StateRejected && o.Reason == reasonReconciling
	})

	sum, err := e.ReconcileVenue(rctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Fills != 2 || sum.Adopted != 0 || sum.Canceled != 0 || sum.Mismatches != 0 {
		t.Fatalf("reconcile: %+v, want the 2 lost fills (the take's and the sell's) and balances that agree", sum)
	}
	for _, c := range []struct {
		id     domain.OrderID
		state  domain.OrderState
		filled domain.Qty
	}{{take, domain.StateFilled, 2_000}, {sell, domain.StatePartiallyFilled, 2_000}} {
		if o := orderIn(t, e, c.id); o.State != c.state || o.Filled != c.filled {
			t.Fatalf("order %s: %s filled %d, want %s filled %d", c.id, o.State, o.Filled, c.state, c.filled)
		}
	}
	if s := e.Snapshot(); len(s.Venues) != 1 || s.Venues[0].Reconciling || s.Venues[0].Reconciled == 0 ||
		len(s.Venues[0].Balances) != 1 || !s.Venues[0].Balances[0].Match {
		t.Fatalf("venue after reconcile: %+v; want done, with BTC matching", s.Venues)
	}
	// The venue trades again.
	again := r.place(e, 0, domain.Buy, domain.GTC, 9_000, 1_000)
	desktest.Eventually(t, 5*time.Second, "a new order is acknowledged", func() bool {
		return orderIn(t, e, again).State == domain.StateOpen
	})

	// Nothing twice; and a balance off by a lot is found.
	lv.skewBTC = decimal.RequireFromString("0.5")
	sum, err = e.ReconcileVenue(rctx, 0)
	if err != nil || sum.Fills != 0 || sum.Updated != 0 || sum.Mismatches != 1 {
		t.Fatalf("second reconcile: %+v, %v; want no change and the BTC mismatch", sum, err)
	}
	if b := e.Snapshot().Venues[0].Balances[0]; b.Match || !b.Venue.Sub(b.Opening).Sub(b.Desk).Equal(decimal.RequireFromString("0.5")) {
		t.Fatalf("balance check %+v; want the 0.5 BTC the desk does not know", b)
	}
}

// orderIn returns order id as the engine's view shows it (a zero order
// when it has none).
func orderIn(t *testing.T, e *Engine, id domain.OrderID) domain.Order {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	page, err := e.Orders(ctx, "", MaxOrdersPage)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range page.Orders {
		if o.ID == id {
			return o
		}
	}
	return domain.Order{}
}

// TestBalanceCheckSetsAsideFillsAfterTheStamp: balances the venue stamped
// before a fill it then made are compared with desk's position as it
// stood at the stamp, so a fill in between is no mismatch, and a missing
// one still is.
func TestBalanceCheckSetsAsideFillsAfterTheStamp(t *testing.T) {
	e, _, _ := twoVenues(t)
	e.opts.Instruments[0].Base = "BTC"
	fill := func(at int64, side domain.Side, q domain.Qty) {
		e.bookVenueFill(&domain.Fill{Venue: 0, Instrument: 0, Side: side, Qty: q}, at)
	}
	fill(10, domain.Buy, 2_000) // 2.000 BTC bought at t=10
	fill(20, domain.Sell, 500)  // 0.500 sold at t=20, after the stamp
	bal := func(btc string, at int64) []domain.Balance {
		return []domain.Balance{{Asset: "BTC", Free: decimal.RequireFromString(btc), At: at}}
	}
	if c := e.checkBalances(0, bal("2", 15)); len(c) != 1 || !c[0].Match {
		t.Fatalf("balances stamped at 15 with the first fill: %+v; want a match", c)
	}
	if c := e.checkBalances(0, bal("1.5", 25)); !c[0].Match {
		t.Fatalf("balances stamped at 25 with both fills: %+v; want a match", c)
	}
	if c := e.checkBalances(0, bal("1.5", 15)); c[0].Match {
		t.Fatalf("balances stamped at 15 that count the later sell: %+v; want a mismatch", c)
	}
	if c := e.checkBalances(0, bal("2", 0)); c[0].Match {
		t.Fatalf("unstamped balances without the sell: %+v; want a mismatch", c)
	}
}

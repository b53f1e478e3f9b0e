package engine

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
	"github.com/desk-trading/desk/store"
)

// crashJournal is a real journal that loses everything appended after
// crash is called, as a process killed between the queue and the group
// commit does: sequence numbers go on, nothing reaches the file.
type crashJournal struct {
	*store.Journal
	mu      sync.Mutex
	crashed bool
	seq     uint64
	lost    []domain.Event
}

func (j *crashJournal) Append(ev *domain.Event) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.crashed {
		return j.Journal.Append(ev)
	}
	j.seq++
	ev.Seq = j.seq
	j.lost = append(j.lost, *ev)
	return nil
}

// crash flushes what came before and drops all that follows.
func (j *crashJournal) crash(t *testing.T) {
	t.Helper()
	if err := j.Journal.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	j.mu.Lock()
	j.crashed, j.seq = true, j.Journal.LastSeq()
	j.mu.Unlock()
}

func (j *crashJournal) lostOrders() map[domain.OrderID]bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	ids := map[domain.OrderID]bool{}
	for _, ev := range j.lost {
		if ev.Kind == domain.EventOrder {
			ids[ev.Order.ID] = true
		}
	}
	return ids
}

// crashRig is one venue that outlives the engines started against it.
type crashRig struct {
	t       *testing.T
	in      domain.Instrument
	venue   *sim.Venue
	reports chan domain.ExecReport
	path    string
}

func newCrashRig(t *testing.T) *crashRig {
	t.Helper()
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{
		Symbol: "BTC-USD", TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("0.001"),
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &crashRig{t: t, in: in, reports: make(chan domain.ExecReport, 1024), path: filepath.Join(t.TempDir(), "journal.db")}
	r.venue, err = sim.New(sim.Options{
		Name: "sim", Instruments: []sim.SimInstrument{{Instrument: in, InitialPrice: 10_000}}, Reports: r.reports,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.venue.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	desktest.Eventually(t, 5*time.Second, "venue up", r.venue.Connected)
	return r
}

// engine builds an engine of two strategies, a and b, on the rig's venue.
func (r *crashRig) engine(j Journal, epoch uint32) *Engine {
	r.t.Helper()
	return r.engineLimited(j, epoch, risk.Limits{})
}

// engineLimited is engine with limits on strategy a.
func (r *crashRig) engineLimited(j Journal, epoch uint32, aLimits risk.Limits) *Engine {
	r.t.Helper()
	tree, err := risk.NewTree(risk.Config{
		Instruments: []domain.Instrument{r.in},
		Books:       []risk.NodeConfig{{Name: "alpha"}},
		Strategies: []risk.StrategyConfig{
			{ID: 0, Name: "a", Book: "alpha", Instruments: []domain.InstrumentID{0}, Limits: risk.NodeLimits{Base: aLimits}},
			{ID: 1, Name: "b", Book: "alpha", Instruments: []domain.InstrumentID{0}},
		},
	})
	if err != nil {
		r.t.Fatal(err)
	}
	e, err := New(Options{
		Instruments: []domain.Instrument{r.in},
		Venues:      []VenueSlot{{ID: 0, Name: "sim", Venue: r.venue}},
		Strategies: []StrategySlot{
			{ID: 0, Name: "a", Kind: "test", Book: "alpha", Host: nopHost{}, Instruments: []domain.InstrumentID{0}},
			{ID: 1, Name: "b", Kind: "test", Book: "alpha", Host: nopHost{}, Instruments: []domain.InstrumentID{0}},
		},
		Risk: tree, Journal: j, Epoch: epoch, Reports: r.reports,
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return e
}

// start runs e, fresh, with the venue's quote as its market (the router
// and risk want one), and returns how to stop it.
func (r *crashRig) start(e *Engine) (stop func()) {
	var rs RestoreSummary
	e.FinishRestore(&rs)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.Run(ctx) }()
	quote := domain.BookUpdate{Instrument: 0, Venue: 0, Seq: 1, NBids: 1, NAsks: 1}
	quote.Bids[0] = domain.Level{Price: 9_990, Qty: 1_000}
	quote.Asks[0] = domain.Level{Price: 10_002, Qty: 5_000}
	e.OnBook(&quote)
	return func() { cancel(); <-done }
}

// restingSell has strategy b rest a sell of 5 at 100.02 and waits until
// the venue holds it.
func (r *crashRig) restingSell(e *Engine) domain.OrderID {
	r.t.Helper()
	id := r.place(e, 1, domain.Sell, domain.GTC, 10_002, 5_000)
	desktest.Eventually(r.t, 5*time.Second, "the sell rests", func() bool {
		o, err := r.venue.OpenOrders(context.Background())
		return err == nil && len(o) == 1
	})
	return id
}

// restart opens the journal, rebuilds an engine from it and reconciles.
func (r *crashRig) restart(epoch uint32) (*Engine, *store.Journal, ReconcileSummary) {
	r.t.Helper()
	j, err := store.Open(r.path, store.Options{})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { j.Close() })
	e := r.engine(j, epoch)
	var sum RestoreSummary
	if err := j.Replay(func(ev *domain.Event) error { e.Restore(ev, &sum); return nil }); err != nil {
		r.t.Fatal(err)
	}
	e.FinishRestore(&sum)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rec, err := e.Reconcile(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	return e, j, rec
}

func (r *crashRig) place(e *Engine, s domain.StrategyID, side domain.Side, tif domain.TimeInForce, px domain.Price, qty domain.Qty) domain.OrderID {
	r.t.Helper()
	in := domain.Intent{Kind: domain.IntentNew, ID: e.NextOrderID(s), Strategy: s, Instrument: 0,
		Side: side, Type: domain.Limit, TIF: tif, Price: px, Qty: qty}
	if err := e.Submit(&in); err != nil {
		r.t.Fatal(err)
	}
	return in.ID
}

// venueFills sums, from the venue's records, each strategy's signed filled
// quantity.
func (r *crashRig) venueFills() map[domain.StrategyID]domain.Qty {
	r.t.Helper()
	orders, err := r.venue.Orders(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	pos := map[domain.StrategyID]domain.Qty{}
	for _, vo := range orders {
		for _, rep := range vo.Reports {
			if rep.Kind == domain.ExecFill {
				pos[vo.Order.ID.Strategy()] += rep.LastQty * domain.Qty(vo.Order.Side.Sign())
			}
		}
	}
	return pos
}

// TestReconcileAdoptsOrdersTheJournalLost crashes the desk between the
// queue and the group commit while the venue keeps the orders: on restart
// every order the journal lacks is adopted with its strategy and fills,
// the known order gets the fill it missed, none of it twice, and the
// adoption is itself durable.
func TestReconcileAdoptsOrdersTheJournalLost(t *testing.T) {
	r := newCrashRig(t)
	j1, err := store.Open(r.path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cj := &crashJournal{Journal: j1}
	e1 := r.engine(cj, 1)
	stop := r.start(e1)
	sell := r.restingSell(e1) // journaled
	cj.crash(t)
	// Lost with the crash: a's buy that takes 2 of b's sell, and a's
	// resting bid.
	take := r.place(e1, 0, domain.Buy, domain.IOC, 10_002, 2_000)
	bid := r.place(e1, 0, domain.Buy, domain.GTC, 9_990, 1_000)
	desktest.Eventually(t, 5*time.Second, "the venue has both lost orders", func() bool {
		orders, err := r.venue.Orders(context.Background())
		if err != nil {
			return false
		}
		n := 0
		for _, vo := range orders {
			if (vo.Order.ID == take && len(vo.Reports) >= 2) || (vo.Order.ID == bid && len(vo.Reports) >= 1) {
				n++
			}
		}
		return n == 2
	})
	stop()
	if err := j1.Close(); err != nil {
		t.Fatal(err)
	}
	lost := cj.lostOrders()
	if !lost[take] || !lost[bid] {
		t.Fatalf("the crash lost %v; want the take and the bid (and the sell's fill)", lost)
	}

	e2, j2, rec := r.restart(2)
	if rec.Adopted != 2 || rec.Fills != 2 || rec.Canceled != 0 || rec.Foreign != 0 {
		t.Fatalf("reconcile: %+v, want 2 adopted, 2 fills (the take's and the sell's)", rec)
	}
	check := func(e *Engine, when string) {
		t.Helper()
		for _, c := range []struct {
			id     domain.OrderID
			strat  domain.StrategyID
			state  domain.OrderState
			filled domain.Qty
		}{
			{take, 0, domain.StateFilled, 2_000},
			{bid, 0, domain.StateOpen, 0},
			{sell, 1, domain.StatePartiallyFilled, 2_000},
		} {
			o, ok := e.oms.Get(c.id)
			if !ok || o.Strategy != c.strat || o.State != c.state || o.Filled != c.filled || o.Venue != 0 {
				t.Fatalf("%s: order %s = %+v (held %v); want strategy %d, %s, filled %d", when, c.id, o, ok, c.strat, c.state, c.filled)
			}
		}
		for s, q := range r.venueFills() {
			if p := e.risk.Position(s, 0); p == nil || p.Qty != q {
				t.Fatalf("%s: strategy %d position %v, the venue's fills say %d", when, s, p, q)
			}
		}
		if n := e.risk.Strategy(0).OpenOrders(); n != 1 {
			t.Fatalf("%s: risk counts %d working orders of a, want 1 (the bid)", when, n)
		}
		if q := e.risk.Strategy(0).Position(0); q != 2_000 {
			t.Fatalf("%s: risk's position of a %d, want 2000", when, q)
		}
	}
	check(e2, "after reconcile")

	// Reconciling again changes nothing: every report is already applied.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if again, err := e2.Reconcile(ctx2); err != nil || again != (ReconcileSummary{}) {
		t.Fatalf("second reconcile: %+v, %v; want nothing", again, err)
	}
	check(e2, "after a second reconcile")
	if err := j2.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := j2.Close(); err != nil {
		t.Fatal(err)
	}

	// The adoption was journaled: a third start finds it all without
	// the venue's help, and reconciling then changes nothing.
	e3, _, rec3 := r.restart(3)
	if rec3 != (ReconcileSummary{}) {
		t.Fatalf("reconcile after the adoption was journaled: %+v, want nothing", rec3)
	}
	check(e3, "after the next restart")
}

package strategy_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/strategy"
)

func TestNewHostOptions(t *testing.T) {
	s := &sink{}
	btc := instrument(t, 0, "BTC-USD")
	for name, opts := range map[string]strategy.HostOptions{
		"no strategy": {Submit: s.Submit, NextID: s.NextID},
		"no submit":   {Strategy: nop{}, NextID: s.NextID},
		"no next id":  {Strategy: nop{}, Submit: s.Submit},
		"dup symbol":  {Strategy: nop{}, Submit: s.Submit, NextID: s.NextID, Instruments: []domain.Instrument{btc, instrument(t, 1, "BTC-USD")}},
		"dup id":      {Strategy: nop{}, Submit: s.Submit, NextID: s.NextID, Instruments: []domain.Instrument{btc, instrument(t, 0, "ETH-USD")}},
		"no tick":     {Strategy: nop{}, Submit: s.Submit, NextID: s.NextID, Instruments: []domain.Instrument{{Symbol: "X"}}},
		"id huge":     {Strategy: nop{}, Submit: s.Submit, NextID: s.NextID, Instruments: []domain.Instrument{instrument(t, 1<<30, "ETH-USD")}},
	} {
		if _, err := strategy.NewHost(opts); !errors.Is(err, strategy.ErrBadOptions) {
			t.Errorf("%s: %v, want ErrBadOptions", name, err)
		}
	}
}

// TestPanicIsolated checks that a panicking strategy fails alone: its host
// reports once and stops, while another host keeps delivering.
func TestPanicIsolated(t *testing.T) {
	btc := instrument(t, 0, "BTC-USD")
	var fails failures
	bad := start(t, &sink{}, strategy.HostOptions{
		ID: 1, Name: "bad", Instruments: []domain.Instrument{btc}, OnFailure: fails.OnFailure,
		Strategy: &funcs{book: func(*strategy.Context, *domain.BookUpdate) { panic("boom") }},
	})
	var goodBooks atomic.Int32
	good := start(t, &sink{}, strategy.HostOptions{
		ID: 2, Name: "good", Instruments: []domain.Instrument{btc},
		Strategy: &funcs{book: func(*strategy.Context, *domain.BookUpdate) { goodBooks.Add(1) }},
	})

	b := book(btc.ID, 1, 1, 100, 101)
	bad.OnBook(&b)
	err := bad.wait(t)
	if !errors.Is(err, strategy.ErrPanicked) || !strings.Contains(err.Error(), "boom") || !strings.Contains(err.Error(), "bad") {
		t.Errorf("Run = %v, want ErrPanicked naming the strategy and the panic", err)
	}
	if n := fails.n.Load(); n != 1 || !errors.Is(fails.Err(), strategy.ErrPanicked) {
		t.Errorf("OnFailure called %d times with %v, want once with ErrPanicked", n, fails.Err())
	}
	// The failed host drops what follows; the other one carries on.
	for seq := uint64(2); seq < 10; seq++ {
		b := book(btc.ID, 1, seq, 100, 101)
		bad.OnBook(&b)
		bad.OnFill(&domain.Fill{Instrument: btc.ID, Side: domain.Buy, Qty: 1}, domain.Qty(seq-1))
		good.OnBook(&b)
		desktest.Eventually(t, 5*time.Second, "the good strategy", func() bool { return good.Stats().BooksDelivered == seq-1 })
	}
	if n := fails.n.Load(); n != 1 {
		t.Errorf("OnFailure called %d times, want once", n)
	}
	if got := goodBooks.Load(); got != 8 {
		t.Errorf("good strategy saw %d books, want 8", got)
	}
}

func TestStartError(t *testing.T) {
	var fails failures
	boom := errors.New("no such instrument")
	h := start(t, &sink{}, strategy.HostOptions{
		OnFailure: fails.OnFailure,
		Strategy:  &funcs{start: func(*strategy.Context) error { return boom }},
	})
	if err := h.wait(t); !errors.Is(err, boom) {
		t.Errorf("Run = %v, want the start error", err)
	}
	if n := fails.n.Load(); n != 1 {
		t.Errorf("OnFailure called %d times, want once", n)
	}
	if err := h.Run(t.Context()); !errors.Is(err, strategy.ErrAlreadyRun) {
		t.Errorf("second Run = %v, want ErrAlreadyRun", err)
	}
}

func TestBacklogOverflow(t *testing.T) {
	btc := instrument(t, 0, "BTC-USD")
	var fails failures
	g := newGate()
	h := start(t, &sink{}, strategy.HostOptions{
		Instruments: []domain.Instrument{btc}, OnFailure: fails.OnFailure, MaxBacklog: 10,
		Strategy: &funcs{order: func(*strategy.Context, *domain.Order) { g.block() }},
	})
	o := domain.Order{ID: 1, Instrument: btc.ID, State: domain.StateOpen}
	h.OnOrder(&o)
	g.waitEntered(t)
	for range 11 { // one over the limit while the strategy is stuck
		h.OnOrder(&o)
	}
	desktest.Eventually(t, 5*time.Second, "OnFailure", func() bool { return fails.n.Load() == 1 })
	if !errors.Is(fails.Err(), strategy.ErrBacklog) {
		t.Errorf("OnFailure got %v, want ErrBacklog", fails.Err())
	}
	close(g.open)
	if err := h.wait(t); !errors.Is(err, strategy.ErrBacklog) {
		t.Errorf("Run = %v, want ErrBacklog", err)
	}
	if n := fails.n.Load(); n != 1 {
		t.Errorf("OnFailure called %d times, want once", n)
	}
}

// TestTrackingAndSubmit walks an order through its life: Place sends an
// intent with the id from NextID, the order is tracked as working, a fill
// moves the position before OnFill runs, and the terminal report removes
// the order.
func TestTrackingAndSubmit(t *testing.T) {
	btc, eth := instrument(t, 0, "BTC-USD"), instrument(t, 1, "ETH-USD")
	s := &sink{}
	type seen struct {
		placed  domain.OrderID
		open    int
		posFill domain.Qty // position inside OnFill
		state   domain.OrderState
	}
	results := make(chan seen, 10)
	var placed domain.OrderID
	strat := &funcs{
		book: func(c *strategy.Context, b *domain.BookUpdate) {
			if placed != 0 {
				return
			}
			id, err := c.Buy(btc.ID, 5, b.Bids[0].Price)
			if err != nil {
				t.Error(err)
			}
			placed = id
			o, ok := c.Order(id)
			if !ok || o.State != domain.StateNew {
				t.Errorf("placed order not tracked as new: %v %v", o, ok)
			}
			results <- seen{placed: id, open: c.OpenOrderCount(btc.ID)}
		},
		fill: func(c *strategy.Context, f *domain.Fill) {
			results <- seen{posFill: c.Position(f.Instrument)}
		},
		order: func(c *strategy.Context, o *domain.Order) {
			results <- seen{open: c.OpenOrderCount(o.Instrument), state: o.State}
		},
	}
	h := start(t, s, strategy.HostOptions{ID: 42, Strategy: strat, Instruments: []domain.Instrument{btc, eth}})
	b := book(btc.ID, 1, 1, 10000, 10001)
	b.Stamps.Received = 12345
	h.OnBook(&b)
	r := <-results
	if r.open != 1 {
		t.Errorf("open orders after Place = %d, want 1", r.open)
	}
	in := s.Intents()
	if len(in) != 1 {
		t.Fatalf("%d intents, want 1", len(in))
	}
	want := domain.Intent{
		Kind: domain.IntentNew, ID: domain.MakeOrderID(7, 0, 1), Strategy: 42, Instrument: btc.ID,
		Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC, Price: 10000, Qty: 5,
	}
	got := in[0]
	if got.Stamps.Received != 12345 || got.Stamps.Decided == 0 {
		t.Errorf("intent stamps %+v, want the book's received stamp and a decision stamp", got.Stamps)
	}
	got.Stamps = domain.Stamps{}
	if got != want {
		t.Errorf("intent\n got %+v\nwant %+v", got, want)
	}
	if r.placed != want.ID {
		t.Errorf("Place returned %s, want %s", r.placed, want.ID)
	}

	o := domain.Order{ID: r.placed, Strategy: 42, Instrument: btc.ID, Side: domain.Buy, Type: domain.Limit,
		TIF: domain.GTC, Price: 10000, Qty: 5, State: domain.StateOpen}
	h.OnOrder(&o)
	if r := <-results; r.open != 1 || r.state != domain.StateOpen {
		t.Errorf("after ack: %+v", r)
	}
	// The engine's ledger says what the position is after each fill.
	h.OnFill(&domain.Fill{OrderID: o.ID, Instrument: btc.ID, Side: domain.Buy, Price: 10000, Qty: 3}, 3)
	if r := <-results; r.posFill != 3 {
		t.Errorf("position in OnFill = %d, want 3", r.posFill)
	}
	h.OnFill(&domain.Fill{OrderID: 99, Instrument: btc.ID, Side: domain.Sell, Price: 10000, Qty: 1}, 2)
	if r := <-results; r.posFill != 2 {
		t.Errorf("position in OnFill = %d, want 2", r.posFill)
	}
	o.State, o.Filled = domain.StateFilled, 5
	h.OnOrder(&o)
	if r := <-results; r.open != 0 || r.state != domain.StateFilled {
		t.Errorf("after the last fill: %+v, want no open order", r)
	}
}

func TestPlaceChecks(t *testing.T) {
	btc := instrument(t, 0, "BTC-USD")
	s := &sink{}
	errs := make(chan []error, 1)
	strat := &funcs{start: func(c *strategy.Context) error {
		var out []error
		for _, spec := range []strategy.OrderSpec{
			{Instrument: 5, Side: domain.Buy, Price: 100, Qty: 1},                                       // unknown instrument
			{Instrument: btc.ID, Price: 100, Qty: 1},                                                    // no side
			{Instrument: btc.ID, Side: domain.Buy, Price: 100, Qty: 0},                                  // no qty
			{Instrument: btc.ID, Side: domain.Buy, Price: 100, Qty: 1, TIF: domain.IOC, PostOnly: true}, // post-only IOC
			{Instrument: btc.ID, Side: domain.Buy, Type: domain.Market, Price: 100, Qty: 1},             // priced market
			{Instrument: btc.ID, Side: domain.Buy, Type: domain.Stop, Qty: 1},                           // stop without trigger
			{Instrument: btc.ID, Side: domain.Buy, Price: 100, Qty: 1, TIF: domain.GTD},                 // gtd without expiry
			{Instrument: btc.ID, Side: domain.Sell, Price: 0, Qty: 1},                                   // no price
		} {
			if _, err := c.Place(spec); err == nil {
				t.Errorf("Place(%+v) succeeded", spec)
			} else {
				out = append(out, err)
			}
		}
		if err := c.Cancel(12345); !errors.Is(err, strategy.ErrUnknownOrder) {
			t.Errorf("Cancel unknown: %v", err)
		}
		if _, err := c.Place(strategy.OrderSpec{Instrument: btc.ID, Side: domain.Buy, Type: domain.Market, TIF: domain.IOC, Qty: 1}); err != nil {
			t.Errorf("market IOC: %v", err)
		}
		id, err := c.Sell(btc.ID, 2, 101)
		if err != nil {
			t.Error(err)
		}
		if err := c.Replace(id, 103, 2); err != nil {
			t.Errorf("Replace: %v", err)
		}
		if o, _ := c.Order(id); o.State != domain.StatePendingReplace || o.PendingPrice != 103 {
			t.Errorf("replaced order %+v", o)
		}
		if err := c.Cancel(id); err != nil {
			t.Errorf("Cancel: %v", err)
		}
		errs <- out
		return nil
	}}
	start(t, s, strategy.HostOptions{Strategy: strat, Instruments: []domain.Instrument{btc}})
	out := <-errs
	if !errors.Is(out[0], strategy.ErrUnknownInstrument) {
		t.Errorf("unknown instrument: %v", out[0])
	}
	for _, err := range out[1:] {
		if !errors.Is(err, strategy.ErrBadOrder) {
			t.Errorf("%v: want ErrBadOrder", err)
		}
	}
	if !errors.Is(out[2], domain.ErrNotPositive) {
		t.Errorf("zero quantity: %v, want ErrNotPositive too", out[2])
	}
	kinds := []domain.IntentKind{}
	for _, in := range s.Intents() {
		kinds = append(kinds, in.Kind)
	}
	if want := []domain.IntentKind{domain.IntentNew, domain.IntentNew, domain.IntentReplace, domain.IntentCancel}; len(kinds) != 4 || kinds[2] != want[2] || kinds[3] != want[3] {
		t.Errorf("intents %v, want %v", kinds, want)
	}
}

func TestOffTick(t *testing.T) {
	eth := instrumentSpec(t, "ETH-USD", "0.05", "0.01") // price units of 0.01, tick 5 units
	errs := make(chan [2]error, 1)
	start(t, &sink{}, strategy.HostOptions{Instruments: []domain.Instrument{eth}, Strategy: &funcs{start: func(c *strategy.Context) error {
		_, offTick := c.Buy(eth.ID, 1, 7) // 0.07
		_, onTick := c.Buy(eth.ID, 3, 5)  // 0.05
		errs <- [2]error{offTick, onTick}
		return nil
	}}})
	e := <-errs
	if !errors.Is(e[0], domain.ErrOffTick) || !errors.Is(e[0], strategy.ErrBadOrder) {
		t.Errorf("off tick: %v, want ErrBadOrder and ErrOffTick", e[0])
	}
	if e[1] != nil {
		t.Errorf("on tick: %v", e[1])
	}
}

func TestTimerFires(t *testing.T) {
	var ticks atomic.Int32
	fake := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	var gotNow atomic.Value
	start(t, &sink{}, strategy.HostOptions{
		TimerInterval: 2 * time.Millisecond,
		Clock:         func() time.Time { return fake },
		Strategy: &funcs{timer: func(_ *strategy.Context, now time.Time) {
			gotNow.Store(now)
			ticks.Add(1)
		}},
	})
	desktest.Eventually(t, 5*time.Second, "a timer tick", func() bool { return ticks.Load() >= 1 })
	if now := gotNow.Load().(time.Time); !now.Equal(fake) {
		t.Errorf("OnTimer now = %v, want the Host's clock %v", now, fake)
	}
}

// TestHaltedStillDelivers checks that a halt is visible at once, reaches
// StateHandler, and that books and fills keep flowing: refusing orders is
// the engine's job.
func TestHaltedStillDelivers(t *testing.T) {
	btc := instrument(t, 0, "BTC-USD")
	states := make(chan [2]domain.TradingState, 4) // callback value, ctx.State()
	var booksWhileHalted atomic.Int32
	h := start(t, &sink{}, strategy.HostOptions{
		Instruments: []domain.Instrument{btc},
		Strategy: &funcs{
			state: func(c *strategy.Context, s domain.TradingState) { states <- [2]domain.TradingState{s, c.State()} },
			book: func(c *strategy.Context, _ *domain.BookUpdate) {
				if c.State() == domain.Halted {
					booksWhileHalted.Add(1)
				}
			},
		},
	})
	h.OnState(domain.Halted)
	if s := <-states; s != [2]domain.TradingState{domain.Halted, domain.Halted} {
		t.Errorf("state %v", s)
	}
	b := book(btc.ID, 1, 1, 100, 101)
	h.OnBook(&b)
	desktest.Eventually(t, 5*time.Second, "a book while halted", func() bool { return booksWhileHalted.Load() == 1 })
	h.OnState(domain.ReduceOnly)
	if s := <-states; s[0] != domain.ReduceOnly {
		t.Errorf("state %v", s)
	}
}

func TestContextViews(t *testing.T) {
	btc := instrument(t, 0, "BTC-USD")
	type result struct {
		bid, ask domain.Level
		bidV     domain.VenueID
		askV     domain.VenueID
		mid      domain.Price
		allocs   float64
		sym      bool
		book     uint64
	}
	out := make(chan result, 1)
	h := start(t, &sink{}, strategy.HostOptions{
		Instruments: []domain.Instrument{btc},
		Strategy: &funcs{
			start: func(c *strategy.Context) error {
				// Two working orders to iterate over.
				c.Buy(btc.ID, 1, 90)
				c.Sell(btc.ID, 1, 110)
				return nil
			},
			book: func(c *strategy.Context, b *domain.BookUpdate) {
				if b.Venue != 2 {
					return
				}
				var r result
				r.bid, r.bidV, _ = c.BestBid(btc.ID)
				r.ask, r.askV, _ = c.BestAsk(btc.ID)
				r.mid, _ = c.Mid(btc.ID)
				_, r.sym = c.Instrument("BTC-USD")
				if bk, ok := c.Book(btc.ID, 1); ok {
					r.book = bk.Seq
				}
				var n domain.Qty
				r.allocs = testing.AllocsPerRun(100, func() {
					for o := range c.OpenOrders(btc.ID) {
						n += o.Qty
					}
					c.BestBid(btc.ID)
					c.Mid(btc.ID)
					c.Position(btc.ID)
				})
				out <- r
			},
		},
	})
	b1 := book(btc.ID, 1, 7, 100, 104)
	b2 := book(btc.ID, 2, 8, 101, 105)
	h.OnBook(&b1)
	h.OnBook(&b2)
	r := <-out
	if r.bid.Price != 101 || r.bidV != 2 || r.ask.Price != 104 || r.askV != 1 || r.mid != 102 {
		t.Errorf("consolidated top: %+v", r)
	}
	if !r.sym || r.book != 7 {
		t.Errorf("lookups: %+v", r)
	}
	if r.allocs != 0 {
		t.Errorf("views allocate %.1f times per call, want 0", r.allocs)
	}
}

// TestRestoredPosition checks that a position restored before Run is what
// the strategy sees, and that fills add to it.
func TestRestoredPosition(t *testing.T) {
	btc := instrument(t, 0, "BTC-USD")
	s := &sink{}
	seen := make(chan domain.Qty, 4)
	strat := &funcs{
		start: func(c *strategy.Context) error { seen <- c.Position(btc.ID); return nil },
		fill:  func(c *strategy.Context, f *domain.Fill) { seen <- c.Position(btc.ID) },
	}
	h, err := strategy.NewHost(strategy.HostOptions{
		Name: "restored", Strategy: strat, Instruments: []domain.Instrument{btc},
		Submit: s.Submit, NextID: s.NextID,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.OnRestore(btc.ID, -7)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	expect := func(want domain.Qty) {
		t.Helper()
		select {
		case got := <-seen:
			if got != want {
				t.Fatalf("position %d, want %d", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no callback (want position %d)", want)
		}
	}
	expect(-7)
	h.OnFill(&domain.Fill{Instrument: btc.ID, Side: domain.Buy, Qty: 2, TradeID: 1}, -5)
	expect(-5)
	h.OnRestore(btc.ID, 100) // after Run: ignored
	h.OnFill(&domain.Fill{Instrument: btc.ID, Side: domain.Buy, Qty: 1, TradeID: 2}, -4)
	expect(-4)
}

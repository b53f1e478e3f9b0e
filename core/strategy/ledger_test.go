package strategy_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/strategy"
)

// fakeLedger stands in for the engine's records of one strategy.
type fakeLedger struct {
	pos    map[domain.InstrumentID]domain.Qty
	orders []*domain.Order // every order, oldest first; WorkingOrders filters
}

func newFakeLedger() *fakeLedger { return &fakeLedger{pos: map[domain.InstrumentID]domain.Qty{}} }

func (l *fakeLedger) Position(i domain.InstrumentID) domain.Qty { return l.pos[i] }

func (l *fakeLedger) WorkingOrders(fn func(o *domain.Order) bool) {
	for _, o := range l.orders {
		if o.State.Working() && !fn(o) {
			return
		}
	}
}

func (l *fakeLedger) add(id domain.OrderID, in domain.InstrumentID, s domain.OrderState) *domain.Order {
	o := &domain.Order{ID: id, Instrument: in, Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC,
		State: s, Price: 100, Qty: 1}
	l.orders = append(l.orders, o)
	return o
}

var _ strategy.Ledger = (*fakeLedger)(nil)

// view is what a callback saw of its Context's positions and orders.
func view(c *strategy.Context, ins ...domain.InstrumentID) string {
	var b strings.Builder
	for _, in := range ins {
		fmt.Fprintf(&b, "[%d: pos %d,", in, c.Position(in))
		for o := range c.OpenOrders(in) {
			fmt.Fprintf(&b, " %d %s", o.ID.Seq(), o.State)
		}
		fmt.Fprintf(&b, " n %d]", c.OpenOrderCount(in))
	}
	return b.String()
}

func oid(seq uint64) domain.OrderID { return domain.MakeOrderID(7, 0, seq) }

// drivenHost returns a started host, driven by the test, bound to l when
// l is not nil. Each book delivered runs onBook.
func drivenHost(t *testing.T, l *fakeLedger, s *sink, f *funcs, ins ...domain.Instrument) *strategy.Host {
	t.Helper()
	h, err := strategy.NewHost(strategy.HostOptions{Strategy: f, Instruments: ins, Submit: s.Submit, NextID: s.NextID})
	if err != nil {
		t.Fatal(err)
	}
	if l != nil {
		h.Bind(l)
	}
	if err := h.Start(); err != nil {
		t.Fatal(err)
	}
	return h
}

// A bound host's Context shows the ledger's positions and working orders
// as they are now, without any event; events are still delivered but
// change nothing it shows.
func TestBoundContextReadsTheLedger(t *testing.T) {
	btc, eth := instrument(t, 1, "BTC-USD"), instrument(t, 2, "ETH-USD")
	l := newFakeLedger()
	var saw []string
	var do func(c *strategy.Context)
	f := &funcs{
		book:  func(c *strategy.Context, _ *domain.BookUpdate) { do(c) },
		order: func(c *strategy.Context, o *domain.Order) { saw = append(saw, "order "+view(c, btc.ID)) },
		fill:  func(c *strategy.Context, _ *domain.Fill) { saw = append(saw, "fill "+view(c, btc.ID)) },
	}
	s := &sink{}
	s.seq.Store(4) // the next order placed is 5
	h := drivenHost(t, l, s, f, btc, eth)
	deliver := func(fn func(c *strategy.Context)) {
		t.Helper()
		do = fn
		b := book(btc.ID, 1, 1, 100, 101)
		if err := h.DeliverBookNow(&b); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(got, want string) {
		t.Helper()
		if got != want {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	}

	// Positions and orders change in the ledger, with no event.
	l.pos[btc.ID], l.pos[eth.ID], l.pos[99] = 5, -2, 7
	l.add(oid(1), btc.ID, domain.StateOpen)
	l.add(oid(2), eth.ID, domain.StatePendingNew)
	l.add(oid(3), btc.ID, domain.StateFilled) // not working
	o4 := l.add(oid(4), btc.ID, domain.StatePartiallyFilled)
	deliver(func(c *strategy.Context) {
		expect(view(c, btc.ID, eth.ID, 99), "[1: pos 5, 1 open 4 partially-filled n 2][2: pos -2, 2 pending-new n 1][99: pos 0, n 0]")
		if o, ok := c.Order(oid(4)); !ok || o != o4 {
			t.Errorf("Order(4) = %v, %v: want the ledger's own", o, ok)
		}
		if _, ok := c.Order(oid(2)); !ok {
			t.Error("Order(2), in another instrument, not found")
		}
		if _, ok := c.Order(oid(3)); ok {
			t.Error("Order(3), filled, found")
		}
	})

	// Events are delivered as they are, and change nothing shown.
	h.OnFill(&domain.Fill{OrderID: oid(4), Instrument: btc.ID, Side: domain.Buy, Qty: 1, TradeID: 1}, 99)
	h.OnOrder(&domain.Order{ID: oid(9), Instrument: btc.ID, State: domain.StateOpen, Qty: 1})
	h.OnOrder(&domain.Order{ID: oid(1), Instrument: btc.ID, State: domain.StateCanceled, Qty: 1})
	if err := h.DeliverNow(); err != nil {
		t.Fatal(err)
	}
	expect(strings.Join(saw, "; "), "fill [1: pos 5, 1 open 4 partially-filled n 2]; "+
		"order [1: pos 5, 1 open 4 partially-filled n 2]; order [1: pos 5, 1 open 4 partially-filled n 2]")

	// An order placed shows at once, in state new; once the engine has
	// it, the ledger's shows, once; its report ends the local copy.
	var placed domain.OrderID
	deliver(func(c *strategy.Context) {
		var err error
		if placed, err = c.Buy(btc.ID, 1, 100); err != nil {
			t.Fatal(err)
		}
		expect(view(c, btc.ID), "[1: pos 5, 1 open 4 partially-filled 5 new n 3]")
		if err := c.Cancel(placed); err != nil {
			t.Fatal(err)
		}
		expect(view(c, btc.ID), "[1: pos 5, 1 open 4 partially-filled 5 pending-cancel n 3]")
		// A cancel of the ledger's order leaves it to the engine.
		if err := c.Cancel(oid(1)); err != nil {
			t.Fatal(err)
		}
		expect(view(c, btc.ID), "[1: pos 5, 1 open 4 partially-filled 5 pending-cancel n 3]")
	})
	if got := len(s.Intents()); got != 3 {
		t.Fatalf("%d intents, want 3", got)
	}
	taken := l.add(placed, btc.ID, domain.StatePendingNew)
	deliver(func(c *strategy.Context) {
		expect(view(c, btc.ID), "[1: pos 5, 1 open 4 partially-filled 5 pending-new n 3]")
		if o, _ := c.Order(placed); o != taken {
			t.Errorf("Order(placed) = %+v, want the ledger's", o)
		}
	})
	taken.State = domain.StateRejected
	h.OnOrder(taken)
	deliver(func(c *strategy.Context) { expect(view(c, btc.ID), "[1: pos 5, 1 open 4 partially-filled n 2]") })
}

// Reading a bound Context's orders does not allocate, nested reads
// included.
func TestBoundContextDoesNotAllocate(t *testing.T) {
	btc, eth := instrument(t, 1, "BTC-USD"), instrument(t, 2, "ETH-USD")
	l := newFakeLedger()
	for seq := range uint64(20) {
		l.add(oid(seq+1), domain.InstrumentID(1+seq%2), domain.StateOpen)
	}
	var allocs float64
	var n, pairs int
	f := &funcs{book: func(c *strategy.Context, _ *domain.BookUpdate) {
		c.Buy(btc.ID, 1, 100) // one placed, not yet taken
		allocs = testing.AllocsPerRun(100, func() {
			n, pairs = 0, 0
			for o := range c.OpenOrders(btc.ID) {
				n++
				for range c.OpenOrders(eth.ID) {
					pairs++
				}
				if _, ok := c.Order(o.ID); !ok {
					t.Fatalf("Order(%s) not found inside the loop", o.ID)
				}
			}
			n += c.OpenOrderCount(eth.ID)
			c.Position(btc.ID)
		})
	}}
	s := &sink{}
	s.seq.Store(100)
	h := drivenHost(t, l, s, f, btc, eth)
	b := book(btc.ID, 1, 1, 100, 101)
	if err := h.DeliverBookNow(&b); err != nil {
		t.Fatal(err)
	}
	if n != 11+10 || pairs != 11*10 {
		t.Fatalf("visited %d orders and %d pairs, want 21 and 110", n, pairs)
	}
	if allocs != 0 {
		t.Fatalf("%.1f allocations per read, want 0", allocs)
	}
}

// Unbind seeds the copies with what the ledger holds, orders placed and
// not yet taken included; events queued before it are delivered without
// changing the seed, and events after it update the copies as ever.
func TestUnbindSeedsTheCopies(t *testing.T) {
	btc, eth := instrument(t, 1, "BTC-USD"), instrument(t, 2, "ETH-USD")
	l := newFakeLedger()
	saw := make(chan string, 16)
	var place bool
	f := &funcs{
		book: func(c *strategy.Context, _ *domain.BookUpdate) {
			if place {
				c.Sell(eth.ID, 1, 100)
				place = false
			}
			saw <- "book " + view(c, btc.ID, eth.ID)
		},
		order: func(c *strategy.Context, o *domain.Order) {
			saw <- fmt.Sprintf("order %d %s %s", o.ID.Seq(), o.State, view(c, btc.ID, eth.ID))
		},
		fill: func(c *strategy.Context, fl *domain.Fill) {
			saw <- fmt.Sprintf("fill %d %s", fl.Qty, view(c, btc.ID, eth.ID))
		},
	}
	s := &sink{}
	s.seq.Store(4) // the order placed is 5
	h := drivenHost(t, l, s, f, btc, eth)
	l.pos[btc.ID], l.pos[eth.ID] = 3, -1
	l.add(oid(1), btc.ID, domain.StateOpen)
	l.add(oid(2), eth.ID, domain.StateFilled)
	l.add(oid(3), btc.ID, domain.StatePendingCancel)
	l.add(oid(4), 77, domain.StateOpen) // an instrument no longer traded
	place = true
	b := book(btc.ID, 1, 1, 100, 101)
	if err := h.DeliverBookNow(&b); err != nil {
		t.Fatal(err)
	}
	expect := func(want string) {
		t.Helper()
		select {
		case got := <-saw:
			if got != want {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("nothing delivered, want %s", want)
		}
	}
	expect("book [1: pos 3, 1 open 3 pending-cancel n 2][2: pos -1, 5 new n 1]")

	// Queued before Unbind: the ledger already reflects them, and has
	// moved on since (the position is 4, not the fill's 2).
	h.OnFill(&domain.Fill{OrderID: oid(1), Instrument: btc.ID, Side: domain.Buy, Qty: 1, TradeID: 1}, 2)
	h.OnOrder(&domain.Order{ID: oid(3), Instrument: btc.ID, State: domain.StateCanceled})
	l.orders[0].State = domain.StatePartiallyFilled
	l.orders[2].State = domain.StateCanceled
	l.pos[btc.ID] = 4
	h.Unbind()
	// The ledger moves on: the copies no longer see it.
	l.pos[btc.ID] = 1000
	l.add(oid(6), btc.ID, domain.StateOpen)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	defer func() { cancel(); <-done }()
	seed := "[1: pos 4, 1 partially-filled n 1][2: pos -1, 5 new n 1]"
	expect("fill 1 " + seed)
	expect("order 3 canceled " + seed)

	// After Unbind, events update the copies.
	h.OnOrder(&domain.Order{ID: oid(5), Instrument: eth.ID, Side: domain.Sell, State: domain.StatePendingNew, Qty: 1})
	expect("order 5 pending-new [1: pos 4, 1 partially-filled n 1][2: pos -1, 5 pending-new n 1]")
	h.OnOrder(&domain.Order{ID: oid(1), Instrument: btc.ID, State: domain.StateCanceled})
	expect("order 1 canceled [1: pos 4, n 0][2: pos -1, 5 pending-new n 1]")
	h.OnFill(&domain.Fill{OrderID: oid(5), Instrument: eth.ID, Side: domain.Sell, Qty: 1, TradeID: 2}, -2)
	expect("fill 1 [1: pos 4, n 0][2: pos -2, 5 pending-new n 1]")
}

// Run refuses a host still bound: its goroutine would read the engine's
// state.
func TestRunRefusesABoundHost(t *testing.T) {
	btc := instrument(t, 1, "BTC-USD")
	fails := &failures{}
	s := &sink{}
	h, err := strategy.NewHost(strategy.HostOptions{Strategy: &funcs{}, Instruments: []domain.Instrument{btc},
		Submit: s.Submit, NextID: s.NextID, OnFailure: fails.OnFailure})
	if err != nil {
		t.Fatal(err)
	}
	h.Bind(newFakeLedger())
	if err := h.Run(context.Background()); !errors.Is(err, strategy.ErrBound) {
		t.Fatalf("Run of a bound host: %v, want ErrBound", err)
	}
	if fails.n.Load() != 1 || !errors.Is(fails.Err(), strategy.ErrBound) {
		t.Fatalf("OnFailure: %d calls, %v", fails.n.Load(), fails.Err())
	}
}

// An order placed while bound that the engine took and ended before
// Unbind (its report still queued) leaves the seed when the report is
// delivered.
func TestUnbindThenQueuedEndOfAPlacedOrder(t *testing.T) {
	btc := instrument(t, 1, "BTC-USD")
	l := newFakeLedger()
	saw := make(chan string, 4)
	var id domain.OrderID
	f := &funcs{
		book:  func(c *strategy.Context, _ *domain.BookUpdate) { id, _ = c.Buy(btc.ID, 1, 100) },
		order: func(c *strategy.Context, o *domain.Order) { saw <- o.State.String() + " " + view(c, btc.ID) },
	}
	s := &sink{}
	h := drivenHost(t, l, s, f, btc)
	b := book(btc.ID, 1, 1, 100, 101)
	if err := h.DeliverBookNow(&b); err != nil {
		t.Fatal(err)
	}
	// The engine took it and rejected it: not in the ledger, its report
	// queued.
	h.OnOrder(&domain.Order{ID: id, Instrument: btc.ID, State: domain.StateRejected})
	h.Unbind()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	defer func() { cancel(); <-done }()
	select {
	case got := <-saw:
		if want := "rejected [1: pos 0, n 0]"; got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the rejection was not delivered")
	}
}

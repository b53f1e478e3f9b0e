package engine_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
	"github.com/desk-trading/desk/core/strategy"
	"github.com/desk-trading/desk/risk"
)

// quoter buys one lot at the bid on every book; on the book numbered
// panicAt it panics, on those from slowFrom on it takes slow, and from
// blockFrom on it blocks until block is closed. open is the count of its
// working orders it saw on its last book. Its timer takes timerSlow.
type quoter struct {
	books     atomic.Int64
	open      atomic.Int64
	panicAt   int64
	slowFrom  int64
	slow      time.Duration
	blockFrom int64
	block     chan struct{}
	timerSlow time.Duration
	timers    atomic.Int64
}

func (q *quoter) OnBook(ctx *strategy.Context, b *domain.BookUpdate) {
	n := q.books.Add(1)
	if n == q.panicAt {
		panic("quoter: bad book")
	}
	if q.slowFrom > 0 && n >= q.slowFrom {
		time.Sleep(q.slow)
	}
	if q.blockFrom > 0 && n >= q.blockFrom {
		<-q.block
	}
	q.open.Store(int64(ctx.OpenOrderCount(b.Instrument)))
	if bid, ok := b.BestBid(); ok {
		ctx.Buy(b.Instrument, 1, bid.Price)
	}
}

func (q *quoter) OnTimer(*strategy.Context, time.Time) {
	q.timers.Add(1)
	time.Sleep(q.timerSlow)
}

// countingVenue counts its submits; safe for concurrent use.
type countingVenue struct{ submits atomic.Int64 }

func (v *countingVenue) Submit(*domain.Order) error                            { v.submits.Add(1); return nil }
func (v *countingVenue) Cancel(*domain.Order) error                            { return nil }
func (v *countingVenue) Replace(*domain.Order, domain.Price, domain.Qty) error { return nil }

type nopJournal struct{ seq atomic.Uint64 }

func (j *nopJournal) Append(ev *domain.Event) error             { ev.Seq = j.seq.Add(1); return nil }
func (j *nopJournal) WaitDurable(context.Context, uint64) error { return nil }

// drivenDesk is an engine with two driven strategies, "a" and "b", on one
// instrument, each a quoter behind a real strategy.Host that reads the
// engine's ledger in place, as the daemon wires them.
type drivenDesk struct {
	eng    *engine.Engine
	venue  *countingVenue
	q      [2]*quoter
	alerts chan engine.Alert
	stop   context.CancelFunc // stops Run; done is closed when it returned
	done   chan struct{}
}

func newDrivenDesk(t *testing.T, qa, qb *quoter, budget time.Duration) *drivenDesk {
	t.Helper()
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{Symbol: "BTC-USD", TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("0.001")})
	if err != nil {
		t.Fatal(err)
	}
	insts := []domain.Instrument{in}
	tree, err := risk.NewTree(risk.Config{Instruments: insts, Books: []risk.NodeConfig{{Name: "book"}},
		Strategies: []risk.StrategyConfig{
			{ID: 0, Name: "a", Book: "book", Instruments: []domain.InstrumentID{0}},
			{ID: 1, Name: "b", Book: "book", Instruments: []domain.InstrumentID{0}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	d := &drivenDesk{venue: &countingVenue{}, q: [2]*quoter{qa, qb}, alerts: make(chan engine.Alert, 64)}
	var slots []engine.StrategySlot
	var hosts []*strategy.Host
	for id, q := range d.q {
		sid := domain.StrategyID(id)
		h, err := strategy.NewHost(strategy.HostOptions{ID: sid, Name: []string{"a", "b"}[id], Strategy: q, Instruments: insts,
			Submit:        func(in *domain.Intent) error { return d.eng.Submit(in) },
			NextID:        func() domain.OrderID { return d.eng.NextOrderID(sid) },
			OnFailure:     func(id domain.StrategyID, err error) { d.eng.StrategyFailed(id, err) },
			TimerInterval: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		slots = append(slots, engine.StrategySlot{ID: sid, Name: []string{"a", "b"}[id], Kind: "quoter", Book: "book", Host: h,
			Instruments: []domain.InstrumentID{0}, Driven: true})
		hosts = append(hosts, h)
	}
	d.eng, err = engine.New(engine.Options{Instruments: insts, Venues: []engine.VenueSlot{{ID: 0, Name: "sim", Venue: d.venue}},
		Strategies: slots, Risk: tree, Journal: &nopJournal{}, Epoch: 1, StrategyBudget: budget, SnapshotInterval: 5 * time.Millisecond,
		OnAlert: func(a engine.Alert) {
			select {
			case d.alerts <- a:
			default:
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	for id, h := range hosts {
		h.Bind(d.eng.Ledger(domain.StrategyID(id)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.stop, d.done = cancel, make(chan struct{})
	go func() { defer close(d.done); d.eng.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-d.done })
	return d
}

func (d *drivenDesk) book(seq uint64) {
	b := &domain.BookUpdate{Instrument: 0, Venue: 0, Seq: seq, NBids: 1, NAsks: 1,
		Stamps: domain.Stamps{Received: domain.Mono(), Decoded: domain.Mono()}}
	b.Bids[0] = domain.Level{Price: 10_000, Qty: 5}
	b.Asks[0] = domain.Level{Price: 10_002, Qty: 5}
	d.eng.OnBook(b)
}

func (d *drivenDesk) strategyState(t *testing.T, name string) string {
	for _, s := range d.eng.Snapshot().Strategies {
		if s.Name == name {
			return s.State.String()
		}
	}
	t.Fatalf("no strategy %s", name)
	return ""
}

// A driven strategy's order for a book goes out before the engine takes
// the next book: each book, one order from each strategy, no goroutine in
// between.
func TestDrivenStrategiesAnswerEachBookAtOnce(t *testing.T) {
	d := newDrivenDesk(t, &quoter{}, &quoter{}, time.Second)
	for seq := uint64(1); seq <= 5; seq++ {
		d.book(seq)
		want := int64(2 * seq)
		desktest.Eventually(t, 5*time.Second, "both strategies' orders", func() bool { return d.venue.submits.Load() >= want })
		if got := d.venue.submits.Load(); got != want {
			t.Fatalf("after book %d: %d orders, want %d", seq, got, want)
		}
		// The venue answers nothing: every order it was sent is working,
		// and the ledger the strategy reads shows each one.
		for k, q := range d.q {
			if got := q.open.Load(); got != int64(seq-1) {
				t.Fatalf("book %d: strategy %d saw %d working orders, want %d", seq, k, got, seq-1)
			}
		}
	}
	desktest.Eventually(t, 5*time.Second, "the tick-to-order stage", func() bool {
		for _, l := range d.eng.Snapshot().Latency {
			// The first book may have been stamped before Run started
			// trading, and is not counted.
			if l.Stage == engine.StageTickToOrder && l.Count >= 8 {
				return true
			}
		}
		return false
	})
	desktest.Eventually(t, 5*time.Second, "the timers", func() bool { return d.q[0].timers.Load() > 0 && d.q[1].timers.Load() > 0 })
}

// A driven strategy that panics is halted alone and told nothing more;
// the other trades on.
func TestDrivenStrategyThatPanicsIsHaltedAlone(t *testing.T) {
	d := newDrivenDesk(t, &quoter{panicAt: 2}, &quoter{}, time.Second)
	for seq := uint64(1); seq <= 4; seq++ {
		d.book(seq) // one at a time: queued books conflate
		desktest.Eventually(t, 5*time.Second, "b's book", func() bool { return d.q[1].books.Load() >= int64(seq) })
	}
	desktest.Eventually(t, 5*time.Second, "a halted", func() bool { return d.strategyState(t, "a") == "halted" })
	desktest.Eventually(t, 5*time.Second, "b's orders", func() bool { return d.venue.submits.Load() >= 1+4 })
	if s := d.strategyState(t, "b"); s != "active" {
		t.Fatalf("b is %s", s)
	}
	for seq := uint64(5); seq <= 6; seq++ {
		d.book(seq)
		desktest.Eventually(t, 5*time.Second, "b's book", func() bool { return d.q[1].books.Load() >= int64(seq) })
	}
	if n := d.q[0].books.Load(); n != 2 {
		t.Fatalf("the failed strategy saw %d books, want 2 (none after its panic)", n)
	}
	for {
		select {
		case a := <-d.alerts:
			if a.Severity == "critical" && a.Node == "a" && strings.Contains(a.Message, "panicked") {
				return
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no critical alert for a's panic")
		}
	}
}

// A driven strategy that overruns its budget is moved to a goroutine of
// its own, with an alert, and goes on trading from there.
func TestDrivenStrategyOverBudgetMovesToItsOwnGoroutine(t *testing.T) {
	d := newDrivenDesk(t, &quoter{slowFrom: 2, slow: 20 * time.Millisecond}, &quoter{}, 5*time.Millisecond)
	d.book(1)
	desktest.Eventually(t, 5*time.Second, "the first book", func() bool { return d.q[1].books.Load() >= 1 })
	// a overruns from the second book on; the third overrun within a
	// second moves it.
	for seq := uint64(2); seq <= 4; seq++ {
		d.book(seq)
		desktest.Eventually(t, 5*time.Second, "b's book", func() bool { return d.q[1].books.Load() >= int64(seq) })
	}
	var moved bool
	for !moved {
		select {
		case a := <-d.alerts:
			moved = a.Severity == "warning" && a.Node == "a" && strings.Contains(a.Message, "3 times in a second: moved to a goroutine of its own")
		case <-time.After(5 * time.Second):
			t.Fatal("no alert that a was moved")
		}
	}
	for seq := uint64(5); seq <= 8; seq++ {
		d.book(seq)
		time.Sleep(30 * time.Millisecond) // a's goroutine takes 20 ms a book
	}
	desktest.Eventually(t, 5*time.Second, "a trading from its goroutine", func() bool { return d.q[0].books.Load() >= 6 })
	if s := d.strategyState(t, "a"); s != "active" {
		t.Fatalf("a is %s after the move", s)
	}
	// Its copies, taken from the ledger when it moved and kept from its
	// events since, hold every order it placed (none is answered).
	desktest.Eventually(t, 5*time.Second, "a's copies", func() bool {
		n := d.q[0].books.Load()
		return d.q[0].open.Load() == n-1
	})
}

// awaitMove waits for the alert that strategy node was moved to a
// goroutine of its own.
func (d *drivenDesk) awaitMove(t *testing.T, node string) {
	t.Helper()
	for {
		select {
		case a := <-d.alerts:
			if a.Severity == "warning" && a.Node == node && strings.Contains(a.Message, "moved to a goroutine of its own") {
				return
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no alert that %s was moved", node)
		}
	}
}

// A driven strategy whose timer overruns its budget is moved like one
// whose book callbacks do: a timer holds up the engine as much.
func TestDrivenStrategyWhoseTimerOverrunsIsMoved(t *testing.T) {
	d := newDrivenDesk(t, &quoter{timerSlow: 20 * time.Millisecond}, &quoter{}, 5*time.Millisecond)
	d.awaitMove(t, "a")
	if n := d.q[1].timers.Load(); n == 0 {
		t.Fatal("b's timer never ran")
	}
}

// A strategy moved to a goroutine of its own that then hangs in a
// callback does not keep the engine from stopping: commands are answered
// (stopped) at once, and Run returns within its limit.
func TestHungMovedStrategyDoesNotHoldTheEngine(t *testing.T) {
	block := make(chan struct{})
	defer close(block) // releases the hung callback when the test ends
	q := &quoter{slowFrom: 1, slow: 20 * time.Millisecond, blockFrom: 6, block: block}
	d := newDrivenDesk(t, q, &quoter{}, 5*time.Millisecond)
	for seq := uint64(1); seq <= 4; seq++ {
		d.book(seq)
		time.Sleep(30 * time.Millisecond)
	}
	d.awaitMove(t, "a")
	for seq := uint64(5); seq <= 7; seq++ {
		d.book(seq)
		time.Sleep(30 * time.Millisecond)
	}
	desktest.Eventually(t, 5*time.Second, "a hung in its callback", func() bool { return q.books.Load() >= 6 })
	d.stop()
	// The engine stops at once (a command may still be served before it
	// sees the stop: commands jump every queue), then answers ErrStopped.
	select {
	case <-d.eng.Done():
	case <-time.After(time.Second):
		t.Fatal("the engine did not stop within a second: it waits for its hung strategy")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := d.eng.SetState(ctx, "b", domain.Halted, "op", "after stop"); !errors.Is(err, engine.ErrStopped) {
		t.Fatalf("a command after the stop: %v, want ErrStopped at once", err)
	}
	select {
	case <-d.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return though its strategy is hung")
	}
}

package strategy_test

import (
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/strategy"
)

// gate blocks a strategy callback until the test opens it.
type gate struct {
	entered chan struct{} // receives once per blocked call
	open    chan struct{}
}

func newGate() *gate {
	return &gate{entered: make(chan struct{}, 1), open: make(chan struct{})}
}

func (g *gate) block() {
	select {
	case g.entered <- struct{}{}:
	default:
	}
	<-g.open
}

func (g *gate) waitEntered(t *testing.T) {
	t.Helper()
	desktest.Eventually(t, 5*time.Second, "the strategy to block", func() bool { return len(g.entered) == 1 })
}

func TestMailboxConflatesBooks(t *testing.T) {
	btc := instrument(t, 0, "BTC-USD")
	g := newGate()
	var mu sync.Mutex
	var seen []uint64
	s := &funcs{book: func(_ *strategy.Context, b *domain.BookUpdate) {
		mu.Lock()
		seen = append(seen, b.Seq)
		mu.Unlock()
		if b.Seq == 0 {
			g.block()
		}
	}}
	h := start(t, &sink{}, strategy.HostOptions{Strategy: s, Instruments: []domain.Instrument{btc}})

	b := book(btc.ID, 1, 0, 100, 101)
	h.OnBook(&b)
	g.waitEntered(t)
	for seq := uint64(1); seq <= 100; seq++ {
		b := book(btc.ID, 1, seq, domain.Price(100+seq), domain.Price(101+seq))
		h.OnBook(&b)
	}
	close(g.open)
	desktest.Eventually(t, 5*time.Second, "the latest book", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) > 0 && seen[len(seen)-1] == 100
	})
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(seen, []uint64{0, 100}) {
		t.Errorf("strategy saw seqs %v, want [0 100]: the 99 in between conflated", seen)
	}
	st := h.Stats()
	if st.Books != 101 || st.BooksDelivered != 2 {
		t.Errorf("stats %+v, want 101 books in, 2 delivered", st)
	}
}

func TestMailboxSlotOrder(t *testing.T) {
	btc, eth := instrument(t, 3, "BTC-USD"), instrument(t, 1, "ETH-USD")
	g := newGate()
	type key struct {
		in domain.InstrumentID
		v  domain.VenueID
	}
	var mu sync.Mutex
	var seen []key
	s := &funcs{
		start: func(*strategy.Context) error { g.block(); return nil },
		book: func(_ *strategy.Context, b *domain.BookUpdate) {
			mu.Lock()
			seen = append(seen, key{b.Instrument, b.Venue})
			mu.Unlock()
		},
	}
	// Venue 9 is known up front; venue 4 is first seen below.
	h := start(t, &sink{}, strategy.HostOptions{
		Strategy: s, Instruments: []domain.Instrument{btc, eth}, Venues: []domain.VenueID{9},
	})
	g.waitEntered(t)
	for _, k := range []key{{eth.ID, 4}, {btc.ID, 4}, {eth.ID, 9}, {btc.ID, 9}, {eth.ID, 4}} {
		b := book(k.in, k.v, 1, 100, 101)
		h.OnBook(&b)
	}
	other := book(2, 9, 1, 100, 101) // not traded: ignored
	h.OnBook(&other)
	close(g.open)
	desktest.Eventually(t, 5*time.Second, "4 books", func() bool { return h.Stats().BooksDelivered == 4 })
	mu.Lock()
	defer mu.Unlock()
	want := []key{{btc.ID, 9}, {btc.ID, 4}, {eth.ID, 9}, {eth.ID, 4}}
	if !slices.Equal(seen, want) {
		t.Errorf("delivery order %v, want %v (instrument as configured, then venue)", seen, want)
	}
}

// TestMailboxNeverDropsEvents sends orders and fills interleaved with books
// from another goroutine while the strategy is slow, and checks that every
// order and fill arrives exactly once and in order.
func TestMailboxNeverDropsEvents(t *testing.T) {
	btc := instrument(t, 0, "BTC-USD")
	const n = 20_000
	var got []uint64 // order ids and fill trade ids, as one sequence
	var spin int
	s := &funcs{
		order: func(_ *strategy.Context, o *domain.Order) { got = append(got, uint64(o.ID)) },
		fill:  func(_ *strategy.Context, f *domain.Fill) { got = append(got, f.TradeID) },
		book: func(*strategy.Context, *domain.BookUpdate) {
			for k := range 2000 { // a slow strategy, so events pile up
				spin += k
			}
		},
	}
	h := start(t, &sink{}, strategy.HostOptions{Strategy: s, Instruments: []domain.Instrument{btc}})
	go func() {
		for i := uint64(1); i <= n; i++ {
			if i%2 == 0 {
				h.OnFill(&domain.Fill{Instrument: btc.ID, Side: domain.Buy, Qty: 1, TradeID: i}, domain.Qty(i/2))
			} else {
				h.OnOrder(&domain.Order{ID: domain.OrderID(i), Instrument: btc.ID, State: domain.StateFilled})
			}
			b := book(btc.ID, 1, i, 100, 101)
			h.OnBook(&b)
		}
	}()
	desktest.Eventually(t, 5*time.Second, "every event", func() bool { return h.Stats().EventsDelivered == n })
	h.OnState(domain.Halted) // a barrier: after it, the strategy goroutine is done with got
	desktest.Eventually(t, 5*time.Second, "the barrier", func() bool { return h.Stats().EventsDelivered == n+1 })
	t.Logf("spun %d", spin)
	if len(got) != n {
		t.Fatalf("%d events delivered, want %d", len(got), n)
	}
	for i, id := range got {
		if id != uint64(i+1) {
			t.Fatalf("event %d is %d: out of order or dropped", i, id)
		}
	}
	st := h.Stats()
	t.Logf("books in %d, delivered %d", st.Books, st.BooksDelivered)
	if st.BooksDelivered > st.Books {
		t.Errorf("more books delivered than received: %+v", st)
	}
}

// BenchmarkMailboxBook measures the engine's side of delivering a book
// (OnBook) with the strategy goroutine draining concurrently; allocations
// count both goroutines.
func BenchmarkMailboxBook(b *testing.B) {
	ins := []domain.Instrument{instrument(b, 0, "BTC-USD"), instrument(b, 1, "ETH-USD"),
		instrument(b, 2, "SOL-USD"), instrument(b, 3, "XRP-USD")}
	h := start(b, &sink{}, strategy.HostOptions{Strategy: nop{}, Instruments: ins, Venues: []domain.VenueID{1, 2}})
	var books [8]domain.BookUpdate
	for i := range books {
		books[i] = book(domain.InstrumentID(i%4), domain.VenueID(1+i/4), 1, 100, 101)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		h.OnBook(&books[i%len(books)])
	}
}

// BenchmarkMailboxFill measures OnFill, the never-dropped FIFO path, with
// the strategy goroutine draining concurrently. The producer pauses when
// 4096 events wait, as a real engine's fill rate never outruns a strategy
// for long; allocations count both goroutines.
func BenchmarkMailboxFill(b *testing.B) {
	btc := instrument(b, 0, "BTC-USD")
	h := start(b, &sink{}, strategy.HostOptions{Strategy: &funcs{}, Instruments: []domain.Instrument{btc}})
	f := domain.Fill{Instrument: btc.ID, Side: domain.Buy, Qty: 1}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		h.OnFill(&f, domain.Qty(i+1))
		if i%256 == 0 {
			for h.Stats().Backlog > 4096 {
				runtime.Gosched()
			}
		}
	}
	b.StopTimer()
	if st := h.Stats(); st.Events == 0 || st.Backlog > 4096+256 {
		b.Fatalf("stats %+v", st)
	}
}

package strategy_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/strategy"
)

// A driven host delivers a book at once, after the events still queued,
// and the strategy's view of the books (BestBid) includes it.
func TestDeliverBookNowKeepsTheOrderOfEvents(t *testing.T) {
	in := instrument(t, 1, "X-USD")
	var seen []string
	var bestAfter domain.Price
	f := &funcs{
		book: func(c *strategy.Context, b *domain.BookUpdate) {
			seen = append(seen, fmt.Sprintf("book v%d seq %d", b.Venue, b.Seq))
			lv, _, _ := c.BestBid(b.Instrument)
			bestAfter = lv.Price
		},
		state: func(_ *strategy.Context, s domain.TradingState) { seen = append(seen, "state "+s.String()) },
	}
	s := &sink{}
	h, err := strategy.NewHost(strategy.HostOptions{ID: 0, Strategy: f, Instruments: []domain.Instrument{in}, Submit: s.Submit, NextID: s.NextID})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(); err != nil {
		t.Fatal(err)
	}
	b1 := book(1, 2, 1, 10_000, 10_002)
	if err := h.DeliverBookNow(&b1); err != nil {
		t.Fatal(err)
	}
	h.OnState(domain.ReduceOnly) // queued in the mailbox
	b2 := book(1, 3, 1, 10_001, 10_003)
	if err := h.DeliverBookNow(&b2); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(seen); got != "[book v2 seq 1 state reduce-only book v3 seq 1]" {
		t.Fatalf("delivered %s", got)
	}
	if bestAfter != 10_001 {
		t.Fatalf("best bid across both venues' books %d, want 10001", bestAfter)
	}
	if got := h.Stats().BooksDelivered; got != 2 {
		t.Fatalf("books delivered %d, want 2", got)
	}
	other := book(9, 2, 1, 1, 2) // not traded
	if err := h.DeliverBookNow(&other); err != nil || len(seen) != 3 {
		t.Fatalf("a book of another instrument: %v, %v", err, seen)
	}
}

// A driven strategy that panics gets ErrPanicked once, and nothing more.
func TestDeliverBookNowPanic(t *testing.T) {
	in := instrument(t, 1, "X-USD")
	n := 0
	f := &funcs{book: func(*strategy.Context, *domain.BookUpdate) { n++; panic("boom") }}
	s := &sink{}
	h, err := strategy.NewHost(strategy.HostOptions{ID: 0, Strategy: f, Instruments: []domain.Instrument{in}, Submit: s.Submit, NextID: s.NextID})
	if err != nil {
		t.Fatal(err)
	}
	b := book(1, 0, 1, 10_000, 10_002)
	if err := h.DeliverBookNow(&b); !errors.Is(err, strategy.ErrPanicked) {
		t.Fatalf("panic returned %v", err)
	}
	if err := h.DeliverBookNow(&b); err != nil || n != 1 {
		t.Fatalf("after the panic: %v, %d calls", err, n)
	}
}

// An order a timer callback places is timed from the timer's firing: its
// intent carries a Received stamp, as a book's order does.
func TestTimerOrdersAreStamped(t *testing.T) {
	in := instrument(t, 1, "X-USD")
	f := &funcs{timer: func(c *strategy.Context, _ time.Time) { c.Buy(1, 1, 10_000) }}
	s := &sink{}
	h, err := strategy.NewHost(strategy.HostOptions{ID: 0, Strategy: f, Instruments: []domain.Instrument{in}, Submit: s.Submit, NextID: s.NextID,
		TimerInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(); err != nil {
		t.Fatal(err)
	}
	before := domain.Mono()
	if err := h.TimerNow(time.Now()); err != nil {
		t.Fatal(err)
	}
	got := s.Intents()
	if len(got) != 1 || got[0].Stamps.Received < before || got[0].Stamps.Decided < got[0].Stamps.Received {
		t.Fatalf("intents %+v, want one stamped from the timer", got)
	}
}

// A driven host reads its owner's book in place: every strategy that
// trades the instrument shares the one copy, and the owner's update of it
// shows at once. Unbind copies it, after which the owner's book is the
// owner's alone, and only then may the host run on a goroutine of its own.
func TestDrivenHostSharesTheOwnersBook(t *testing.T) {
	in := instrument(t, 1, "X-USD")
	var mid domain.Price
	f := &funcs{book: func(c *strategy.Context, b *domain.BookUpdate) { mid, _ = c.Mid(b.Instrument) }}
	s := &sink{}
	fails := &failures{}
	h, err := strategy.NewHost(strategy.HostOptions{ID: 0, Strategy: f, Instruments: []domain.Instrument{in},
		Submit: s.Submit, NextID: s.NextID, OnFailure: fails.OnFailure})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(); err != nil {
		t.Fatal(err)
	}
	owners := book(1, 2, 1, 10_000, 10_002) // the owner's latest book, updated in place
	if err := h.DeliverBookNow(&owners); err != nil || mid != 10_001 {
		t.Fatalf("deliver: %v, mid %d", err, mid)
	}
	var got *domain.BookUpdate
	var bid domain.Level
	f.fill = func(c *strategy.Context, _ *domain.Fill) {
		got, _ = c.Book(1, 2)
		bid, _, _ = c.BestBid(1)
	}
	owners.Bids[0].Price = 10_001 // the owner's next book, not delivered to this strategy
	h.OnFill(&domain.Fill{Instrument: 1}, 0)
	if err := h.DeliverNow(); err != nil {
		t.Fatal(err)
	}
	if got != &owners || bid.Price != 10_001 {
		t.Fatalf("Book %p (owner's %p), best bid %d: want the owner's book, read in place", got, &owners, bid.Price)
	}
	h.Unbind()
	owners.Bids[0].Price = 9_000 // the owner's again; the host holds its copy
	h.OnFill(&domain.Fill{Instrument: 1}, 0)
	if err := h.DeliverNow(); err != nil {
		t.Fatal(err)
	}
	if got == &owners || bid.Price != 10_001 {
		t.Fatalf("after Unbind: Book %p (owner's %p), best bid %d: want its own copy at 10001", got, &owners, bid.Price)
	}
}

// A driven host that was handed its owner's books refuses to run on a
// goroutine of its own until Unbind has copied them.
func TestRunRefusesAHostHoldingTheOwnersBooks(t *testing.T) {
	in := instrument(t, 1, "X-USD")
	s := &sink{}
	fails := &failures{}
	h, err := strategy.NewHost(strategy.HostOptions{ID: 0, Strategy: &funcs{}, Instruments: []domain.Instrument{in},
		Submit: s.Submit, NextID: s.NextID, OnFailure: fails.OnFailure})
	if err != nil {
		t.Fatal(err)
	}
	b := book(1, 2, 1, 10_000, 10_002)
	if err := h.DeliverBookNow(&b); err != nil {
		t.Fatal(err)
	}
	if err := h.Run(t.Context()); !errors.Is(err, strategy.ErrBound) {
		t.Fatalf("Run: %v, want ErrBound", err)
	}
}

package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// bookHost records the books and state changes a strategy is told, in
// order; onFirst runs on the first book, on the engine goroutine.
type bookHost struct {
	nopHost
	mu      sync.Mutex
	seen    []string
	onFirst func()
}

func (h *bookHost) OnBook(b *domain.BookUpdate) {
	h.mu.Lock()
	h.seen = append(h.seen, fmt.Sprintf("book v%d seq %d", b.Venue, b.Seq))
	first := len(h.seen) == 1
	h.mu.Unlock()
	if first && h.onFirst != nil {
		h.onFirst()
	}
}

func (h *bookHost) OnState(s domain.TradingState) {
	h.mu.Lock()
	h.seen = append(h.seen, "state "+s.String())
	h.mu.Unlock()
}

func (h *bookHost) log() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.seen...)
}

func book(venue domain.VenueID, seq uint64) *domain.BookUpdate {
	b := &domain.BookUpdate{Instrument: 0, Venue: venue, Seq: seq, NBids: 1, NAsks: 1}
	b.Bids[0] = domain.Level{Price: 10_000, Qty: 5}
	b.Asks[0] = domain.Level{Price: 10_002, Qty: 5}
	return b
}

// Books queued behind one another reach the strategy once per venue and
// instrument, at their newest: an engine behind a burst skips its steps.
func TestQueuedBooksConflatePerVenueAndInstrument(t *testing.T) {
	h := &bookHost{}
	f := newFixture(t, nopVenue{}, &nopJournal{}, h, risk.Limits{})
	for seq := uint64(1); seq <= 10; seq++ {
		f.eng.OnBook(book(0, seq))
		f.eng.OnBook(book(1, seq))
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); f.eng.Run(ctx) }()
	defer func() { cancel(); <-done }()
	desktest.Eventually(t, 5*time.Second, "the books applied", func() bool { return len(h.log()) >= 2 })
	f.eng.Sync(ctx)
	if got := fmt.Sprint(h.log()); got != "[book v0 seq 10 book v1 seq 10]" {
		t.Fatalf("strategy saw %s", got)
	}
	if f.eng.conflated != 18 {
		t.Fatalf("conflated %d books, want 18", f.eng.conflated)
	}
}

// A halt that arrives while the engine works through a batch of books is
// applied before the next book of the batch: it waits for one book at
// most, as it would behind a single one.
func TestHaltJumpsTheRestOfABookBatch(t *testing.T) {
	h := &bookHost{}
	f := newFixture(t, nopVenue{}, &nopJournal{}, h, risk.Limits{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	halted := make(chan error, 1)
	h.onFirst = func() { // on the engine goroutine: queue a halt and wait until it is queued
		go func() {
			_, err := f.eng.SetState(ctx, "mm", domain.Halted, "test", "mid-batch")
			halted <- err
		}()
		desktest.Eventually(t, 5*time.Second, "the halt queued", func() bool { return len(f.eng.ctrl) > 0 })
	}
	for v := range domain.VenueID(5) {
		f.eng.OnBook(book(v, 1))
	}
	done := make(chan struct{})
	go func() { defer close(done); f.eng.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if err := <-halted; err != nil {
		t.Fatal(err)
	}
	desktest.Eventually(t, 5*time.Second, "the batch applied", func() bool { return len(h.log()) >= 6 })
	if got := fmt.Sprint(h.log()); got != "[book v0 seq 1 state halted book v1 seq 1 book v2 seq 1 book v3 seq 1 book v4 seq 1]" {
		t.Fatalf("strategy saw %s", got)
	}
}

// A halt queued while the engine conflates a burst of one instrument's
// books waits for one batch of them, not for the whole burst: the books
// taken are bounded, not only the books kept.
func TestHaltDoesNotWaitForAConflatingBurst(t *testing.T) {
	h := &bookHost{}
	f := newFixture(t, nopVenue{}, &nopJournal{}, h, risk.Limits{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	halted := make(chan error, 1)
	h.onFirst = func() {
		go func() {
			_, err := f.eng.SetState(ctx, "mm", domain.Halted, "test", "burst")
			halted <- err
		}()
		desktest.Eventually(t, 5*time.Second, "the halt queued", func() bool { return len(f.eng.ctrl) > 0 })
	}
	for seq := uint64(1); seq <= 1000; seq++ {
		f.eng.OnBook(book(0, seq))
	}
	done := make(chan struct{})
	go func() { defer close(done); f.eng.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if err := <-halted; err != nil {
		t.Fatal(err)
	}
	desktest.Eventually(t, 5*time.Second, "the halt seen", func() bool { return len(h.log()) >= 2 })
	if got := h.log()[:2]; fmt.Sprint(got) != fmt.Sprintf("[book v0 seq %d state halted]", maxBookBatch) {
		t.Fatalf("strategy saw %v first", got)
	}
}

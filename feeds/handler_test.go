package feeds

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
)

type recordSink struct {
	mu    sync.Mutex
	books []domain.BookUpdate
}

func (s *recordSink) OnBook(b *domain.BookUpdate) {
	s.mu.Lock()
	s.books = append(s.books, *b)
	s.mu.Unlock()
}

func TestHandlerDropsOutOfOrderAndStamps(t *testing.T) {
	sink := &recordSink{}
	h := NewHandler(Options{Venue: 3, Instruments: 2, Sink: sink})
	for _, seq := range []uint64{1, 2, 2, 1, 5, 4, 6} {
		h.Book(&domain.BookUpdate{Instrument: 1, Seq: seq})
	}
	h.Book(&domain.BookUpdate{Instrument: 7, Seq: 1}) // unknown instrument

	var got []uint64
	for _, b := range sink.books {
		got = append(got, b.Seq)
		if b.Venue != 3 || b.Stamps.Received == 0 || b.Stamps.Decoded < b.Stamps.Received {
			t.Fatalf("book %d not normalised: venue %d stamps %+v", b.Seq, b.Venue, b.Stamps)
		}
	}
	want := []uint64{1, 2, 5, 6}
	if len(got) != len(want) {
		t.Fatalf("forwarded %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("forwarded %v, want %v", got, want)
		}
	}
	if d := h.Stats().OutOfOrder; d != 4 {
		t.Fatalf("dropped %d, want 4", d)
	}
}

func TestHandlerReportsStaleAndRecovery(t *testing.T) {
	var now atomic.Int64
	now.Store(int64(time.Hour))
	events := make(chan bool, 8)
	h := NewHandler(Options{
		Instruments: 1, Sink: &recordSink{}, StaleAfter: 40 * time.Millisecond,
		Now:     now.Load,
		OnStale: func(_ domain.VenueID, _ domain.InstrumentID, stale bool) { events <- stale },
	})
	h.Book(&domain.BookUpdate{Seq: 1})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- h.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	now.Add(int64(time.Second)) // the clock moves on; no update arrives
	expect(t, events, true)
	h.Book(&domain.BookUpdate{Seq: 2})
	expect(t, events, false)
}

func expect(t *testing.T, events <-chan bool, want bool) {
	t.Helper()
	select {
	case got := <-events:
		if got != want {
			t.Fatalf("stale = %v, want %v", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no staleness report (want stale=%v)", want)
	}
}

// A book that arrives stamped with its frame's arrival (a protocol's
// decoder does) keeps that stamp, so the feed stage times the decode; one
// without (an in-process venue) is stamped on arrival here.
func TestHandlerKeepsTheDecodersReceivedStamp(t *testing.T) {
	sink := &recordSink{}
	h := NewHandler(Options{Venue: 1, Instruments: 1, Sink: sink})
	arrived := domain.Mono() - 5_000
	h.Book(&domain.BookUpdate{Instrument: 0, Seq: 1, Stamps: domain.Stamps{Received: arrived}})
	h.Book(&domain.BookUpdate{Instrument: 0, Seq: 2})
	if got := sink.books[0].Stamps; got.Received != arrived || got.Decoded-got.Received < 5_000 {
		t.Fatalf("a decoder's stamp: %+v, want received %d kept", got, arrived)
	}
	if got := sink.books[1].Stamps; got.Received == 0 || got.Received < arrived+5_000 || got.Decoded < got.Received {
		t.Fatalf("an unstamped book: %+v", got)
	}
}

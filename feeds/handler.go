package feeds

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/desk-trading/desk/core/domain"
)

// Sink receives normalised market data; the engine implements it.
type Sink interface {
	// OnBook takes a venue's book for one instrument. It may block when the
	// engine's inbox is full.
	OnBook(b *domain.BookUpdate)
}

// StaleFunc is told when an instrument of a venue goes stale (stale true)
// and when it recovers (stale false). It is called from Run's goroutine.
type StaleFunc func(venue domain.VenueID, instrument domain.InstrumentID, stale bool)

// Options configure a Handler.
type Options struct {
	Venue domain.VenueID
	// Instruments is how many instrument ids there are; updates for ids at
	// or above it are dropped.
	Instruments int
	Sink        Sink
	// StaleAfter is how long an instrument may go without an update before
	// it is reported stale. Zero (or a negative value) means 5 seconds;
	// below 4ms it is raised to 4ms, the staleness check's tick being a
	// quarter of it.
	StaleAfter time.Duration
	// OnStale is told of stale and recovered instruments; nil means only log.
	OnStale StaleFunc
	// Now is the clock, in unix nanoseconds; nil means time.Now.
	Now    func() int64
	Logger *slog.Logger // nil means discard
}

// Handler normalises one venue's market data.
type Handler struct {
	opts Options
	// lastSeq is written only by Book; lastSeen is written by Book and read
	// by Run, hence atomic.
	lastSeq  []uint64
	lastSeen []atomic.Int64
	stale    []bool // owned by Run
	staleN   atomic.Int64
	received atomic.Uint64
	dropped  atomic.Uint64
	log      *slog.Logger
}

// Stats are a Handler's counts. They may be read from any goroutine.
type Stats struct {
	Received   uint64 // books handed to Book
	Forwarded  uint64 // books passed to the Sink
	OutOfOrder uint64 // books dropped for a sequence number not above the last
	Stale      int    // instruments now stale
}

// NewHandler returns a handler for opts.
func NewHandler(opts Options) *Handler {
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = 5 * time.Second
	}
	if opts.StaleAfter < 4*time.Millisecond {
		opts.StaleAfter = 4 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = func() int64 { return time.Now().UnixNano() }
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{
		opts:     opts,
		lastSeq:  make([]uint64, opts.Instruments),
		lastSeen: make([]atomic.Int64, opts.Instruments),
		stale:    make([]bool, opts.Instruments),
		log:      log.With("venue", opts.Venue),
	}
}

// Book takes one book publication from the venue. An update whose sequence
// number is not above the last one seen for its instrument is out of order
// and dropped (counted in Dropped).
func (h *Handler) Book(b *domain.BookUpdate) {
	recv := domain.Mono()
	h.received.Add(1)
	i := int(b.Instrument)
	if i >= len(h.lastSeq) || b.Seq <= h.lastSeq[i] {
		h.dropped.Add(1)
		return
	}
	h.lastSeq[i] = b.Seq
	h.lastSeen[i].Store(h.opts.Now())
	b.Venue = h.opts.Venue
	if b.Stamps.Received == 0 || b.Stamps.Received > recv {
		// An in-process venue decodes nothing: the feed stage starts here.
		// A protocol's decoder stamps the frame's arrival itself.
		b.Stamps.Received = recv
	}
	b.Stamps.Decoded = domain.Mono()
	h.opts.Sink.OnBook(b)
}

// Trade takes a public trade. Trades only keep the instrument fresh for
// now; strategies see prices through books.
func (h *Handler) Trade(t *domain.Trade) {
	if i := int(t.Instrument); i < len(h.lastSeen) {
		h.lastSeen[i].Store(h.opts.Now())
	}
}

// Stats returns the counts. Every book received is either dropped or
// forwarded, so Forwarded is derived; while a book is in Book it may be
// counted as forwarded a moment early.
func (h *Handler) Stats() Stats {
	dropped := h.dropped.Load()
	return Stats{Received: h.received.Load(), Forwarded: h.received.Load() - dropped,
		OutOfOrder: dropped, Stale: int(h.staleN.Load())}
}

// Run watches for stale instruments until ctx is done. Only instruments
// that have had at least one update are watched.
func (h *Handler) Run(ctx context.Context) error {
	t := time.NewTicker(h.opts.StaleAfter / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			h.checkStale()
		}
	}
}

func (h *Handler) checkStale() {
	now := h.opts.Now()
	for i := range h.lastSeen {
		seen := h.lastSeen[i].Load()
		if seen == 0 {
			continue
		}
		stale := now-seen > int64(h.opts.StaleAfter)
		if stale == h.stale[i] {
			continue
		}
		h.stale[i] = stale
		if stale {
			h.staleN.Add(1)
		} else {
			h.staleN.Add(-1)
		}
		h.log.Warn("feed staleness changed", "instrument", i, "stale", stale)
		if h.opts.OnStale != nil {
			h.opts.OnStale(h.opts.Venue, domain.InstrumentID(i), stale)
		}
	}
}

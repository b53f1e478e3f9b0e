package binance

import (
	"context"
	"fmt"

	"github.com/desk-trading/desk/core/domain"
)

// FeedSymbol maps one venue symbol to the desk instrument it is.
type FeedSymbol struct {
	Symbol     string // as the venue spells it, e.g. "BTCUSDT"
	Instrument domain.Instrument
}

// FeedOptions configure a Feed.
type FeedOptions struct {
	// Client configures the connection (RESTURL, WSURL, backoff, ...).
	// Its Handler's Symbols and OnBook are the Feed's: leave them zero.
	Client ClientOptions
	// Symbols are the venue symbols to keep books of, each with its desk
	// instrument (whose tick and lot give the fixed-point scales).
	Symbols []FeedSymbol
	// Publish receives each book after a diff or snapshot changed it, and
	// with Client.BookTicker after each best bid and ask newer than the
	// book, as desk's top of book (domain.BookDepth levels a side), with
	// Seq rising by one per instrument on each publication. It is called on Run's
	// goroutine: while it runs no frame is handled, so it must not block
	// for long (feeds.Handler.Book, which waits only for the engine's
	// inbox, is the usual one). b is reused after it returns.
	Publish func(b *domain.BookUpdate)
}

// Feed is desk's market-data feed from one Binance-protocol venue: a
// Client whose synced books are published as desk's BookUpdates.
//
// The venue sends its diffs in 100 ms batches, so a book built from them
// alone is up to 100 ms behind. With ClientOptions.BookTicker the venue's
// real-time best bid and ask (bookTicker, whose u is the book's update
// id) come in between: one newer than the book replaces the book's top
// level on each side, the book's deeper levels kept where they are worse
// than it, and stays merged into every publication until a diff brings the
// book to its update id. A ticker not newer than the book, or for a book
// not synced, is dropped; a reconnect forgets the tickers.
type Feed struct {
	c       *Client
	publish func(*domain.BookUpdate)
	syms    map[string]*feedSymbol
	order   []domain.InstrumentID // by configuration order, for Stats
}

type feedSymbol struct {
	u domain.BookUpdate // reused for every publication
	// ticker is the last best bid and ask newer than the book, valid when
	// tickerConn is the connection count it came on.
	ticker     BookTicker
	hasTicker  bool
	tickerConn uint64
}

// NewFeed builds a feed. It fails on no symbols, a symbol or instrument
// twice, a nil Publish, or what NewClient refuses.
func NewFeed(o FeedOptions) (*Feed, error) {
	venue := o.Client.Handler.Venue
	if o.Publish == nil {
		return nil, fmt.Errorf("binance %s: feed without Publish", venue)
	}
	f := &Feed{publish: o.Publish, syms: make(map[string]*feedSymbol, len(o.Symbols))}
	seen := make(map[domain.InstrumentID]string, len(o.Symbols))
	o.Client.Handler.Symbols = nil
	for _, s := range o.Symbols {
		if other, dup := seen[s.Instrument.ID]; dup {
			return nil, fmt.Errorf("binance %s: instrument %s is both %s and %s", venue, s.Instrument.Symbol, other, s.Symbol)
		}
		seen[s.Instrument.ID] = s.Symbol
		o.Client.Handler.Symbols = append(o.Client.Handler.Symbols, SymbolConfig{Symbol: s.Symbol, Scales: ScalesOf(&s.Instrument)})
		f.syms[s.Symbol] = &feedSymbol{u: domain.BookUpdate{Instrument: s.Instrument.ID}}
		f.order = append(f.order, s.Instrument.ID)
	}
	o.Client.Handler.OnBook = f.onBook
	o.Client.Handler.OnBookTicker = f.onTicker
	c, err := NewClient(o.Client)
	if err != nil {
		return nil, err
	}
	f.c = c
	return f, nil
}

// onBook publishes symbol's synced book, with the ticker merged while it
// is newer than the book.
func (f *Feed) onBook(symbol string, s *Sync) {
	fs := f.syms[symbol]
	if fs == nil {
		return
	}
	u := &fs.u
	u.Seq++
	u.VenueTime = s.EventTime() * 1e6
	s.Book().Top(u)
	if fs.hasTicker {
		if fs.ticker.UpdateID <= s.LastUpdateID() || fs.tickerConn != f.c.h.c.reconnects.Load() {
			fs.hasTicker = false
		} else {
			mergeTicker(u, &fs.ticker)
		}
	}
	f.publish(u)
}

// onTicker publishes symbol's book with t as its top when t is newer than
// the synced book.
func (f *Feed) onTicker(symbol string, t *BookTicker) {
	fs := f.syms[symbol]
	s := f.c.h.Sync(symbol)
	if fs == nil || s == nil || !s.Synced() || t.UpdateID <= s.LastUpdateID() ||
		(fs.hasTicker && t.UpdateID <= fs.ticker.UpdateID && fs.tickerConn == f.c.h.c.reconnects.Load()) {
		return
	}
	fs.ticker, fs.hasTicker, fs.tickerConn = *t, true, f.c.h.c.reconnects.Load()
	u := &fs.u
	u.Seq++
	s.Book().Top(u)
	mergeTicker(u, t)
	f.publish(u)
}

// mergeTicker makes t's best bid and ask u's top levels, keeping u's
// levels worse than them; a side t shows empty (zero quantity) is left as
// u has it.
func mergeTicker(u *domain.BookUpdate, t *BookTicker) {
	if t.BidQty > 0 {
		u.NBids = uint8(mergeTop(u.Bids[:], int(u.NBids), domain.Level{Price: t.BidPrice, Qty: t.BidQty},
			func(p domain.Price) bool { return p < t.BidPrice }))
	}
	if t.AskQty > 0 {
		u.NAsks = uint8(mergeTop(u.Asks[:], int(u.NAsks), domain.Level{Price: t.AskPrice, Qty: t.AskQty},
			func(p domain.Price) bool { return p > t.AskPrice }))
	}
}

// mergeTop puts top first in lv[:n] (best first), followed by the levels
// worse than it (those for which worse is true), and returns the new count.
func mergeTop(lv []domain.Level, n int, top domain.Level, worse func(domain.Price) bool) int {
	k := 0
	for k < n && !worse(lv[k].Price) {
		k++ // levels as good as top or better: gone by the ticker's word
	}
	m := min(n-k, len(lv)-1)
	copy(lv[1:1+m], lv[k:k+m])
	lv[0] = top
	return 1 + m
}

// Run runs the client until ctx ends (see Client.Run).
func (f *Feed) Run(ctx context.Context) error { return f.c.Run(ctx) }

// Client returns the feed's client.
func (f *Feed) Client() *Client { return f.c }

// Stats returns the feed's counts and each symbol's state as desk's
// domain.FeedStats (Protocol "binance"; Books, OutOfOrder and Stale are
// the caller's, who hands the books on). It may be called from any
// goroutine.
func (f *Feed) Stats() domain.FeedStats {
	st := f.c.Stats()
	out := domain.FeedStats{
		Protocol: "binance", Connected: f.c.Connected(), Frames: st.Frames,
		DiffsApplied: st.DiffsApplied, DiffsDropped: st.DiffsDropped, Gaps: st.Gaps,
		Resyncs: st.Resyncs, Reconnects: st.Reconnects, Malformed: st.Malformed,
	}
	for i, ss := range f.c.h.SymbolStats() {
		out.Symbols = append(out.Symbols, domain.FeedSymbol{
			Symbol: ss.Symbol, Instrument: f.order[i], Synced: ss.Synced,
			LastUpdateID: ss.LastUpdateID, Gaps: ss.Gaps, Resyncs: ss.Resyncs,
		})
	}
	return out
}

package binance

import (
	"context"
	"fmt"
	"sync/atomic"

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
// level on each side, the book's levels that its prices make impossible
// (as good as its bid or ask, or crossing them) left out, and stays merged
// into the publications until a diff brings the book to its update id,
// for at most TickerDiffs applied diffs: the diff batch that holds a
// ticker's update follows it on the connection, so a ticker the diffs do
// not reach by then is wrong (a venue's bug, a hostile peer) and is
// dropped rather than left to freeze the top. A ticker not newer than the
// book, or for a book not synced, is dropped; a reconnect forgets the
// tickers.
//
// A book whose best bid is at or above its best ask is not published
// (Stats.Crossed counts them): no venue trades on a crossed book, and
// strategies and marks must not see one. When the connection is lost every
// symbol is published empty once, so that nothing (the paper venue's
// mirror, a strategy) keeps trading on a book nobody updates.
type Feed struct {
	c       *Client
	publish func(*domain.BookUpdate)
	syms    map[string]*feedSymbol
	names   []string              // the symbols in configuration order
	order   []domain.InstrumentID // by configuration order, for Stats
	crossed atomic.Uint64
}

// TickerDiffs is how many diffs a Feed applies with a ticker still ahead
// of the book before it drops the ticker as wrong.
const TickerDiffs = 2

type feedSymbol struct {
	u domain.BookUpdate // reused for every publication
	// ticker is the last best bid and ask newer than the book; diffs
	// counts the diffs applied since it came.
	ticker    BookTicker
	hasTicker bool
	diffs     int
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
		f.names = append(f.names, s.Symbol)
		f.order = append(f.order, s.Instrument.ID)
	}
	o.Client.Handler.OnBook = f.onBook
	o.Client.Handler.OnBookTicker = f.onTicker
	o.Client.Handler.OnReset = f.onReset
	c, err := NewClient(o.Client)
	if err != nil {
		return nil, err
	}
	f.c = c
	return f, nil
}

// onBook publishes symbol's synced book, with the ticker merged while it
// is newer than the book and not past TickerDiffs.
func (f *Feed) onBook(symbol string, s *Sync) {
	fs := f.syms[symbol]
	if fs == nil {
		return
	}
	u := &fs.u
	u.VenueTime = s.EventTime() * 1e6
	u.Stamps = domain.Stamps{Received: f.c.h.received}
	s.Book().Top(u)
	if fs.hasTicker {
		fs.diffs++
		if fs.ticker.UpdateID <= s.LastUpdateID() || fs.diffs > TickerDiffs {
			fs.hasTicker = false
		} else {
			mergeTicker(u, &fs.ticker)
		}
	}
	f.send(u)
}

// onTicker publishes symbol's book with t as its top when t is newer than
// the synced book and than the ticker held.
func (f *Feed) onTicker(symbol string, t *BookTicker) {
	fs := f.syms[symbol]
	s := f.c.h.Sync(symbol)
	if fs == nil || s == nil || !s.Synced() || t.UpdateID <= s.LastUpdateID() ||
		(fs.hasTicker && t.UpdateID <= fs.ticker.UpdateID) {
		return
	}
	fs.ticker, fs.hasTicker, fs.diffs = *t, true, 0
	u := &fs.u
	u.Stamps = domain.Stamps{Received: f.c.h.received}
	s.Book().Top(u)
	mergeTicker(u, t)
	f.send(u)
}

// onReset publishes every symbol empty and forgets the tickers: the
// connection is gone and the books wait for new snapshots.
func (f *Feed) onReset() {
	for _, name := range f.names {
		fs := f.syms[name]
		fs.hasTicker = false
		fs.u.NBids, fs.u.NAsks = 0, 0
		fs.u.Stamps = domain.Stamps{}
		f.send(&fs.u)
	}
}

// send publishes u with the next sequence number, unless it is crossed.
func (f *Feed) send(u *domain.BookUpdate) {
	if u.NBids > 0 && u.NAsks > 0 && u.Bids[0].Price >= u.Asks[0].Price {
		f.crossed.Add(1)
		return
	}
	u.Seq++
	f.publish(u)
}

// mergeTicker makes t's best bid and ask u's top levels. Of u's levels it
// keeps those t leaves possible: bids below t's bid and asks above t's
// ask, and on each side none that crosses t's other side. A side t shows
// empty (zero quantity) keeps u's levels, less those crossing t's other
// side.
func mergeTicker(u *domain.BookUpdate, t *BookTicker) {
	nb := dropLeading(u.Bids[:], int(u.NBids), func(p domain.Price) bool {
		return (t.BidQty == 0 || p < t.BidPrice) && (t.AskQty == 0 || p < t.AskPrice)
	})
	if t.BidQty > 0 {
		nb = pushTop(u.Bids[:], nb, domain.Level{Price: t.BidPrice, Qty: t.BidQty})
	}
	na := dropLeading(u.Asks[:], int(u.NAsks), func(p domain.Price) bool {
		return (t.AskQty == 0 || p > t.AskPrice) && (t.BidQty == 0 || p > t.BidPrice)
	})
	if t.AskQty > 0 {
		na = pushTop(u.Asks[:], na, domain.Level{Price: t.AskPrice, Qty: t.AskQty})
	}
	u.NBids, u.NAsks = uint8(nb), uint8(na)
}

// dropLeading removes the leading levels of lv[:n] (best first) that keep
// refuses, and returns how many are left, moved to the front.
func dropLeading(lv []domain.Level, n int, keep func(domain.Price) bool) int {
	k := 0
	for k < n && !keep(lv[k].Price) {
		k++
	}
	return copy(lv, lv[k:n])
}

// pushTop puts top in front of lv[:n], dropping the last level when lv is
// full, and returns the new count.
func pushTop(lv []domain.Level, n int, top domain.Level) int {
	m := min(n, len(lv)-1)
	copy(lv[1:1+m], lv[:m])
	lv[0] = top
	return m + 1
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
		Resyncs: st.Resyncs, Reconnects: st.Reconnects, Malformed: st.Malformed, Crossed: f.crossed.Load(),
	}
	for i, ss := range f.c.h.SymbolStats() {
		out.Symbols = append(out.Symbols, domain.FeedSymbol{
			Symbol: ss.Symbol, Instrument: f.order[i], Synced: ss.Synced,
			LastUpdateID: ss.LastUpdateID, Gaps: ss.Gaps, Resyncs: ss.Resyncs,
		})
	}
	return out
}

package binance

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
)

func TestBookTop(t *testing.T) {
	b := NewBook(16)
	for i := range 12 {
		b.Set(Bid, domain.Price(100-i), domain.Qty(i+1))
	}
	b.Set(Ask, 101, 5)
	b.Set(Ask, 103, 7)
	var u domain.BookUpdate
	u.Instrument, u.Seq = 7, 9
	u.NAsks, u.Asks[5] = 10, domain.Level{Price: 1, Qty: 1} // stale levels past NAsks are not read
	b.Top(&u)
	if u.NBids != domain.BookDepth || u.NAsks != 2 || u.Instrument != 7 || u.Seq != 9 {
		t.Fatalf("NBids %d NAsks %d instrument %d seq %d", u.NBids, u.NAsks, u.Instrument, u.Seq)
	}
	for i := range domain.BookDepth {
		if want := (domain.Level{Price: domain.Price(100 - i), Qty: domain.Qty(i + 1)}); u.Bids[i] != want {
			t.Errorf("bid %d %v, want %v", i, u.Bids[i], want)
		}
	}
	if u.Asks[0] != (domain.Level{Price: 101, Qty: 5}) || u.Asks[1] != (domain.Level{Price: 103, Qty: 7}) {
		t.Errorf("asks %v", u.Asks[:2])
	}
	b.Reset()
	b.Top(&u)
	if u.NBids != 0 || u.NAsks != 0 {
		t.Errorf("empty book: %d bids %d asks", u.NBids, u.NAsks)
	}
}

// TestFeedPublishesSyncedBooks runs a Feed against the simulated venue's
// server on loopback: every publication is the handler's top of book at
// that moment, with Seq rising by one per instrument, and Stats maps each
// symbol to its instrument.
func TestFeedPublishesSyncedBooks(t *testing.T) {
	v := startVenue(t, liveFlow)
	var syms []FeedSymbol
	for _, sc := range v.syms {
		in, err := domain.NewInstrument(v.ids[sc.Symbol], domain.InstrumentSpec{Symbol: sc.Symbol[:3] + "-USD",
			Base: sc.Symbol[:3], Quote: "USD", TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("1")})
		if err != nil {
			t.Fatal(err)
		}
		syms = append(syms, FeedSymbol{Symbol: sc.Symbol, Instrument: in})
	}
	var f *Feed
	var mu sync.Mutex
	seq := map[domain.InstrumentID]uint64{}
	var bad []string
	resets := 0
	f, err := NewFeed(FeedOptions{
		Client:  ClientOptions{RESTURL: "http://" + v.base, WSURL: "ws://" + v.base},
		Symbols: syms,
		Publish: func(b *domain.BookUpdate) {
			// On Run's goroutine: the handler's books may be read here.
			var want domain.BookUpdate
			sym := ""
			for _, s := range syms {
				if s.Instrument.ID == b.Instrument {
					sym = s.Symbol
				}
			}
			f.c.h.Sync(sym).Book().Top(&want)
			mu.Lock()
			defer mu.Unlock()
			synced := f.c.h.Sync(sym).Synced()
			// A connection lost under load publishes every book empty
			// once (onReset), while the handler waits for snapshots.
			reset := b.NBids == 0 && b.NAsks == 0 && !synced
			switch {
			case b.Seq != seq[b.Instrument]+1:
				bad = append(bad, fmt.Sprintf("%s: seq %d after %d", sym, b.Seq, seq[b.Instrument]))
			case reset:
				resets++
			case b.Stamps.Received == 0 || b.Stamps.Received > domain.Mono():
				bad = append(bad, fmt.Sprintf("%s: received stamp %d: want the frame's arrival", sym, b.Stamps.Received))
			case b.NBids != want.NBids || b.NAsks != want.NAsks || b.Bids != want.Bids || b.Asks != want.Asks || !synced:
				bad = append(bad, fmt.Sprintf("%s: published %d/%d levels, handler %d/%d, synced %v", sym, b.NBids, b.NAsks, want.NBids, want.NAsks, synced))
			}
			seq[b.Instrument] = b.Seq
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	defer func() { cancel(); <-done }()
	desktest.Eventually(t, clientWait, "50 books of each instrument", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range syms {
			if seq[s.Instrument.ID] < 50 {
				return false
			}
		}
		return true
	})
	st := f.Stats()
	if st.Protocol != "binance" || !st.Connected || st.Frames == 0 || st.DiffsApplied == 0 || len(st.Symbols) != len(syms) {
		t.Fatalf("stats %+v", st)
	}
	for i, s := range st.Symbols {
		if s.Symbol != syms[i].Symbol || s.Instrument != syms[i].Instrument.ID || !s.Synced || s.LastUpdateID == 0 {
			t.Errorf("symbol %d: %+v", i, s)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bad) > 0 {
		t.Errorf("%d publications differ from the handler's book or its sequence, first %s", len(bad), bad[0])
	}
	if resets > 0 {
		t.Logf("%d empty publications of a lost connection", resets)
	}
}

func TestNewFeedRefuses(t *testing.T) {
	in, _ := domain.NewInstrument(1, domain.InstrumentSpec{Symbol: "A-USD", Base: "A", Quote: "USD",
		TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("1")})
	ok := ClientOptions{RESTURL: "http://127.0.0.1:1", WSURL: "ws://127.0.0.1:1"}
	pub := func(*domain.BookUpdate) {}
	for name, o := range map[string]FeedOptions{
		"no publish":       {Client: ok, Symbols: []FeedSymbol{{Symbol: "AUSD", Instrument: in}}},
		"no symbols":       {Client: ok, Publish: pub},
		"instrument twice": {Client: ok, Publish: pub, Symbols: []FeedSymbol{{Symbol: "AUSD", Instrument: in}, {Symbol: "AUSDT", Instrument: in}}},
		"symbol twice":     {Client: ok, Publish: pub, Symbols: []FeedSymbol{{Symbol: "AUSD", Instrument: in}, {Symbol: "AUSD", Instrument: domain.Instrument{ID: 2}}}},
		"bad url":          {Client: ClientOptions{RESTURL: "x", WSURL: "y"}, Publish: pub, Symbols: []FeedSymbol{{Symbol: "AUSD", Instrument: in}}},
	} {
		if _, err := NewFeed(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestMergeTicker(t *testing.T) {
	book := func(bids, asks []domain.Level) domain.BookUpdate {
		var u domain.BookUpdate
		u.NBids, u.NAsks = uint8(copy(u.Bids[:], bids)), uint8(copy(u.Asks[:], asks))
		return u
	}
	lv := func(p, q int64) domain.Level { return domain.Level{Price: domain.Price(p), Qty: domain.Qty(q)} }
	full := make([]domain.Level, domain.BookDepth)
	for i := range full {
		full[i] = lv(int64(100-i), 1)
	}
	for _, c := range []struct {
		name             string
		bids, asks       []domain.Level
		tk               BookTicker
		wantBid, wantAsk []domain.Level
	}{
		{"same prices, new sizes", []domain.Level{lv(100, 1), lv(99, 2)}, []domain.Level{lv(101, 1), lv(102, 2)},
			BookTicker{BidPrice: 100, BidQty: 5, AskPrice: 101, AskQty: 6},
			[]domain.Level{lv(100, 5), lv(99, 2)}, []domain.Level{lv(101, 6), lv(102, 2)}},
		{"better prices", []domain.Level{lv(100, 1)}, []domain.Level{lv(102, 1)},
			BookTicker{BidPrice: 101, BidQty: 3, AskPrice: 101 + 0, AskQty: 0},
			[]domain.Level{lv(101, 3), lv(100, 1)}, []domain.Level{lv(102, 1)}},
		{"levels taken out", []domain.Level{lv(100, 1), lv(99, 1), lv(98, 1)}, []domain.Level{lv(101, 1), lv(102, 1), lv(103, 1)},
			BookTicker{BidPrice: 98, BidQty: 7, AskPrice: 103, AskQty: 8},
			[]domain.Level{lv(98, 7)}, []domain.Level{lv(103, 8)}},
		{"full side keeps its depth", full, nil, BookTicker{BidPrice: 101, BidQty: 9},
			append([]domain.Level{lv(101, 9)}, full[:domain.BookDepth-1]...), nil},
		{"empty book", nil, nil, BookTicker{BidPrice: 5, BidQty: 1, AskPrice: 6, AskQty: 1},
			[]domain.Level{lv(5, 1)}, []domain.Level{lv(6, 1)}},
	} {
		u := book(c.bids, c.asks)
		mergeTicker(&u, &c.tk)
		if got := u.Bids[:u.NBids]; !slices.Equal(got, c.wantBid) {
			t.Errorf("%s: bids %v, want %v", c.name, got, c.wantBid)
		}
		if got := u.Asks[:u.NAsks]; !slices.Equal(got, c.wantAsk) {
			t.Errorf("%s: asks %v, want %v", c.name, got, c.wantAsk)
		}
	}
}

// TestFeedMergesBookTicker runs a Feed with the bookTicker streams against
// the simulated venue with live flow: every publication is in sequence and
// never crossed, its top is the handler's book's or a ticker newer than it,
// and the levels below the top are the book's.
func TestFeedMergesBookTicker(t *testing.T) {
	v := startVenue(t, liveFlow)
	sc := v.syms[0]
	in, err := domain.NewInstrument(v.ids[sc.Symbol], domain.InstrumentSpec{Symbol: "AAA-USD", Base: "AAA", Quote: "USD",
		TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("1")})
	if err != nil {
		t.Fatal(err)
	}
	var f *Feed
	var mu sync.Mutex
	var n, merged int
	var last uint64
	var bad []string
	f, err = NewFeed(FeedOptions{
		Client:  ClientOptions{RESTURL: "http://" + v.base, WSURL: "ws://" + v.base, BookTicker: true},
		Symbols: []FeedSymbol{{Symbol: sc.Symbol, Instrument: in}},
		Publish: func(b *domain.BookUpdate) {
			var book domain.BookUpdate
			f.c.h.Sync(sc.Symbol).Book().Top(&book)
			mu.Lock()
			defer mu.Unlock()
			n++
			switch {
			case b.Seq != last+1:
				bad = append(bad, "sequence")
			case b.NBids > 0 && b.NAsks > 0 && b.Bids[0].Price >= b.Asks[0].Price:
				bad = append(bad, "crossed")
			case b.Bids != book.Bids || b.Asks != book.Asks || b.NBids != book.NBids || b.NAsks != book.NAsks:
				merged++ // the ticker's top: the rest must be the book's, below it
				for i := 1; i < int(b.NBids); i++ {
					if b.Bids[i].Price >= b.Bids[0].Price || !slices.Contains(book.Bids[:book.NBids], b.Bids[i]) {
						bad = append(bad, "bid below the ticker not the book's")
					}
				}
				for i := 1; i < int(b.NAsks); i++ {
					if b.Asks[i].Price <= b.Asks[0].Price || !slices.Contains(book.Asks[:book.NAsks], b.Asks[i]) {
						bad = append(bad, "ask above the ticker not the book's")
					}
				}
			}
			last = b.Seq
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	defer func() { cancel(); <-done }()
	desktest.Eventually(t, clientWait, "tickers merged into 20 publications", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return merged >= 20
	})
	mu.Lock()
	defer mu.Unlock()
	if len(bad) > 0 {
		t.Fatalf("%d of %d publications wrong, first: %s", len(bad), n, bad[0])
	}
}

// offlineFeed is a Feed whose client never runs: the test drives its
// handler directly, as Run's goroutine would, and collects publications.
func offlineFeed(t *testing.T) (*Feed, *[]domain.BookUpdate) {
	t.Helper()
	in, err := domain.NewInstrument(3, domain.InstrumentSpec{Symbol: "AAA-USD", Base: "AAA", Quote: "USD",
		TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("1")})
	if err != nil {
		t.Fatal(err)
	}
	var got []domain.BookUpdate
	f, err := NewFeed(FeedOptions{
		Client:  ClientOptions{RESTURL: "http://127.0.0.1:1", WSURL: "ws://127.0.0.1:1", BookTicker: true},
		Symbols: []FeedSymbol{{Symbol: "AAAUSD", Instrument: in}},
		Publish: func(b *domain.BookUpdate) { got = append(got, *b) },
	})
	if err != nil {
		t.Fatal(err)
	}
	h := f.Client().Handler()
	if err := h.OnSnapshot("AAAUSD", []byte(`{"lastUpdateId":100,"bids":[["10.00","5"],["9.99","5"]],"asks":[["10.02","5"],["10.03","5"]]}`)); err != nil {
		t.Fatal(err)
	}
	return f, &got
}

func diffFrame(first, final int64, bids, asks string) []byte {
	return fmt.Appendf(nil, `{"e":"depthUpdate","E":1,"s":"AAAUSD","U":%d,"u":%d,"b":[%s],"a":[%s]}`, first, final, bids, asks)
}

func tickerFrame(u int64, bid, bidQty, ask, askQty string) []byte {
	return fmt.Appendf(nil, `{"u":%d,"s":"AAAUSD","b":"%s","B":"%s","a":"%s","A":"%s"}`, u, bid, bidQty, ask, askQty)
}

// TestFeedDropsATickerTheDiffsNeverReach: a ticker far ahead of the book
// (a venue's bug or a hostile peer) is merged, but only until TickerDiffs
// diffs have come without reaching it; then the book's own top is
// published again and later tickers count.
func TestFeedDropsATickerTheDiffsNeverReach(t *testing.T) {
	f, got := offlineFeed(t)
	h := f.Client().Handler()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.OnFrame(tickerFrame(1<<60, "10.01", "1", "10.02", "1")))
	if last := (*got)[len(*got)-1]; last.Bids[0].Price != 1001 {
		t.Fatalf("the ticker was not merged: %v", last.Bids[:last.NBids])
	}
	for i := int64(0); i < TickerDiffs; i++ {
		must(h.OnFrame(diffFrame(101+i, 101+i, `["9.98","1"]`, "")))
	}
	if last := (*got)[len(*got)-1]; last.Bids[0].Price != 1001 {
		t.Fatalf("dropped before TickerDiffs diffs: %v", last.Bids[:last.NBids])
	}
	must(h.OnFrame(diffFrame(101+TickerDiffs, 101+TickerDiffs, `["9.97","1"]`, "")))
	last := (*got)[len(*got)-1]
	if last.Bids[0].Price != 1000 || last.NBids != 4 {
		t.Fatalf("after %d diffs the ticker still rules: %v", TickerDiffs+1, last.Bids[:last.NBids])
	}
	must(h.OnFrame(tickerFrame(200, "10.01", "2", "10.02", "5")))
	if last := (*got)[len(*got)-1]; last.Bids[0] != (domain.Level{Price: 1001, Qty: 2}) {
		t.Fatalf("a ticker after the dropped one was refused: %v", last.Bids[:last.NBids])
	}
	for i, b := range *got {
		if b.Seq != uint64(i+1) {
			t.Fatalf("publication %d has Seq %d", i, b.Seq)
		}
	}
}

// TestFeedNeverPublishesACrossedBook: a ticker whose bid crosses the
// book's asks trims them; a book crossed by its own diff is withheld and
// counted.
func TestFeedNeverPublishesACrossedBook(t *testing.T) {
	f, got := offlineFeed(t)
	h := f.Client().Handler()
	if err := h.OnFrame(tickerFrame(101, "10.02", "1", "0", "0")); err != nil {
		t.Fatal(err)
	}
	last := (*got)[len(*got)-1]
	if last.Bids[0].Price != 1002 || last.NAsks != 1 || last.Asks[0].Price != 1003 {
		t.Fatalf("ticker bid at the ask: bids %v asks %v", last.Bids[:last.NBids], last.Asks[:last.NAsks])
	}
	n := len(*got)
	if err := h.OnFrame(diffFrame(101, 102, `["10.05","1"]`, "")); err != nil {
		t.Fatal(err)
	}
	if len(*got) != n || f.Stats().Crossed != 1 {
		t.Fatalf("a crossed book was published: %d publications, crossed %d", len(*got)-n, f.Stats().Crossed)
	}
}

// TestFeedPublishesEmptyBooksOnReset: a lost connection empties every
// book, so a paper venue's mirror holds nothing the venue no longer shows.
func TestFeedPublishesEmptyBooksOnReset(t *testing.T) {
	f, got := offlineFeed(t)
	f.Client().Handler().Reset()
	last := (*got)[len(*got)-1]
	if last.NBids != 0 || last.NAsks != 0 || last.Seq != uint64(len(*got)) {
		t.Fatalf("after a reset: %+v", last)
	}
}

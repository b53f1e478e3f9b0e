package binance

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/sim"
	simbinance "github.com/desk-trading/desk/brokers/sim/binance"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
)

// clientWait bounds every wait of the client tests: a failure deadline.
const clientWait = 15 * time.Second

// venueBooks sits between the venue and the server and keeps the recent
// full books the venue hands out, by instrument and update id, so a test
// can compare the client's book with the venue's at the same version.
type venueBooks struct {
	*simbinance.Server
	mu    sync.Mutex
	books map[domain.InstrumentID]map[uint64]sim.Depth
	order map[domain.InstrumentID][]uint64
}

const keepBooks = 20000

func (r *venueBooks) Depth(d *sim.Depth) {
	c := *d
	c.Bids, c.Asks = slices.Clone(d.Bids), slices.Clone(d.Asks)
	r.mu.Lock()
	m := r.books[d.Instrument]
	if m == nil {
		m = map[uint64]sim.Depth{}
		r.books[d.Instrument] = m
	}
	m[d.UpdateID] = c
	o := append(r.order[d.Instrument], d.UpdateID)
	if len(o) > keepBooks {
		delete(m, o[0])
		o = o[1:]
	}
	r.order[d.Instrument] = o
	r.mu.Unlock()
	r.Server.Depth(d)
}

func (r *venueBooks) at(inst domain.InstrumentID, id uint64) (sim.Depth, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.books[inst][id]
	return d, ok
}

type venueFixture struct {
	base  string // host:port
	venue *sim.Venue
	rec   *venueBooks
	syms  []SymbolConfig
	ids   map[string]domain.InstrumentID
}

func startVenue(t *testing.T, flow sim.FlowOptions) *venueFixture {
	t.Helper()
	f := &venueFixture{ids: map[string]domain.InstrumentID{}}
	var ins []domain.Instrument
	var sis []sim.SimInstrument
	for i, b := range []string{"AAA", "BBB", "CCC"} {
		in, err := domain.NewInstrument(domain.InstrumentID(i), domain.InstrumentSpec{Symbol: b + "-USD", Base: b, Quote: "USD",
			TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("1")})
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, in)
		sis = append(sis, sim.SimInstrument{Instrument: in, InitialPrice: domain.Price(10000 * (i + 1))})
		f.syms = append(f.syms, SymbolConfig{Symbol: b + "USD", Scales: ScalesOf(&in)})
		f.ids[b+"USD"] = in.ID
	}
	srv, err := simbinance.New(simbinance.Options{Instruments: ins})
	if err != nil {
		t.Fatal(err)
	}
	f.rec = &venueBooks{Server: srv, books: map[domain.InstrumentID]map[uint64]sim.Depth{}, order: map[domain.InstrumentID][]uint64{}}
	f.venue, err = sim.New(sim.Options{Instruments: sis, Reports: make(chan domain.ExecReport, 1<<16), Market: f.rec, Flow: flow})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := simbinance.Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = f.venue.Run(ctx) })
	served := make(chan error, 1)
	wg.Go(func() { served <- srv.Serve(ctx, ln, f.venue) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	desktest.Eventually(t, clientWait, "the venue to start", f.venue.Connected)
	f.base = ln.Addr().String()
	return f
}

var liveFlow = sim.FlowOptions{OpsPerTick: 10, Interval: time.Millisecond, Volatility: 1, Levels: 20}

// seen is the client's book of one symbol as OnBook last saw it, copied on
// the handler goroutine.
type seen struct {
	id         int64
	bids, asks []Level
	stats      SyncStats
	reconnects uint64 // Stats.Reconnects when it was copied
	calls      int
}

type clientFixture struct {
	c      *Client
	v      *venueFixture
	mu     sync.Mutex
	books  map[string]seen
	cancel context.CancelFunc
	done   chan error
}

func startClient(t *testing.T, v *venueFixture, tweak func(*ClientOptions)) *clientFixture {
	t.Helper()
	cf := &clientFixture{v: v, books: map[string]seen{}, done: make(chan error, 1)}
	opts := ClientOptions{
		RESTURL: "http://" + v.base,
		WSURL:   "ws://" + v.base,
		Handler: Options{Venue: "sim", Symbols: v.syms, OnBook: func(symbol string, s *Sync) {
			b := seen{id: s.LastUpdateID(), stats: s.Stats(), reconnects: cf.c.Stats().Reconnects,
				bids: s.Book().AppendLevels(nil, Bid), asks: s.Book().AppendLevels(nil, Ask)}
			cf.mu.Lock()
			b.calls = cf.books[symbol].calls + 1
			cf.books[symbol] = b
			cf.mu.Unlock()
		}},
		HTTPClient:  &http.Client{Timeout: 5 * time.Second},
		BackoffMin:  10 * time.Millisecond,
		BackoffMax:  200 * time.Millisecond,
		ReadTimeout: 5 * time.Second,
		Logger:      slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	if tweak != nil {
		tweak(&opts)
	}
	c, err := NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	cf.c = c
	ctx, cancel := context.WithCancel(context.Background())
	cf.cancel = cancel
	go func() { cf.done <- c.Run(ctx) }()
	t.Cleanup(func() { cf.stop(t) })
	return cf
}

// stop cancels Run and waits, briefly, for it to return.
func (cf *clientFixture) stop(t *testing.T) {
	t.Helper()
	cf.cancel()
	select {
	case err, ok := <-cf.done:
		if ok && err != nil {
			t.Errorf("Run: %v", err)
		}
		if ok {
			close(cf.done)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return within 2s of the cancel")
	}
}

func (cf *clientFixture) book(sym string) seen {
	cf.mu.Lock()
	defer cf.mu.Unlock()
	return cf.books[sym]
}

// matches reports whether the client's last book of sym is the venue's at
// the same update id, every level; why says how not.
func (cf *clientFixture) matches(sym string) (ok bool, why string) {
	b := cf.book(sym)
	if b.calls == 0 {
		return false, "no book yet"
	}
	want, found := cf.v.rec.at(cf.v.ids[sym], uint64(b.id))
	if !found {
		return false, fmt.Sprintf("the venue has no book at %d", b.id)
	}
	if !sameLevels(b.bids, want.Bids) || !sameLevels(b.asks, want.Asks) {
		return false, fmt.Sprintf("at %d the client has %d bids and %d asks, the venue %d and %d (or different levels)",
			b.id, len(b.bids), len(b.asks), len(want.Bids), len(want.Asks))
	}
	return true, ""
}

func sameLevels(a []Level, b []domain.Level) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Price != b[i].Price || a[i].Qty != b[i].Qty {
			return false
		}
	}
	return true
}

// waitSynced waits until every symbol's book has been updated at least
// twice since the client's reconnects reached minReconnects and matches the
// venue's.
func (cf *clientFixture) waitSynced(t *testing.T, minReconnects uint64) map[string]seen {
	t.Helper()
	start := map[string]int{}
	for _, s := range cf.v.syms {
		start[s.Symbol] = cf.book(s.Symbol).calls
	}
	out := map[string]seen{}
	for _, s := range cf.v.syms {
		desktest.Eventually(t, clientWait, s.Symbol+" synced and equal to the venue's book", func() bool {
			b := cf.book(s.Symbol)
			if b.reconnects < minReconnects || b.calls < start[s.Symbol]+2 {
				return false
			}
			ok, _ := cf.matches(s.Symbol)
			return ok
		})
		out[s.Symbol] = cf.book(s.Symbol)
	}
	return out
}

func TestClientSyncsEverySymbol(t *testing.T) {
	v := startVenue(t, liveFlow)
	cf := startClient(t, v, nil)
	cf.waitSynced(t, 0)
	// Continuously: whenever we look, each book is the venue's at its id.
	for range 50 {
		for _, s := range v.syms {
			if ok, why := cf.matches(s.Symbol); !ok {
				t.Fatalf("%s: %s", s.Symbol, why)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	st := cf.c.Stats()
	if st.Reconnects != 0 || st.Malformed != 0 || st.Snapshots < uint64(len(v.syms)) || st.DiffsApplied == 0 {
		t.Fatalf("stats %+v", st)
	}
	for _, s := range v.syms {
		b := cf.book(s.Symbol)
		if len(b.bids) == 0 || len(b.asks) == 0 {
			t.Errorf("%s: empty side (%d bids, %d asks)", s.Symbol, len(b.bids), len(b.asks))
		}
	}
	t.Logf("stats %+v", st)
}

// TestClientQuietPointMatchesVenueDepth: without background flow, after
// orders are placed and the venue is quiet, each book equals sim.Venue.Depth.
func TestClientQuietPointMatchesVenueDepth(t *testing.T) {
	v := startVenue(t, sim.FlowOptions{})
	cf := startClient(t, v, nil)
	for i := range 20 {
		for id := range domain.InstrumentID(3) {
			px := domain.Price(10000 * (int(id) + 1))
			for _, o := range []*domain.Order{
				{ID: domain.OrderID(1000*int(id) + 2*i + 1), Instrument: id, Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC, Price: px - domain.Price(3*i+1), Qty: 5},
				{ID: domain.OrderID(1000*int(id) + 2*i + 2), Instrument: id, Side: domain.Sell, Type: domain.Limit, TIF: domain.GTC, Price: px + domain.Price(2*i+1), Qty: 4},
			} {
				if err := v.venue.Submit(o); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, s := range v.syms {
		desktest.Eventually(t, clientWait, s.Symbol+" at the venue's quiet book", func() bool {
			d, err := v.venue.Depth(context.Background(), v.ids[s.Symbol], 0)
			if err != nil {
				t.Fatal(err)
			}
			b := cf.book(s.Symbol)
			return len(d.Bids) == 20 && b.id == int64(d.UpdateID) && sameLevels(b.bids, d.Bids) && sameLevels(b.asks, d.Asks)
		})
	}
}

func TestClientReconnectsAfterDrop(t *testing.T) {
	v := startVenue(t, liveFlow)
	cf := startClient(t, v, nil)
	cf.waitSynced(t, 0)
	before := cf.c.Stats()
	post(t, "http://"+v.base+"/admin/fault?kind=drop-connections")
	desktest.Eventually(t, clientWait, "a reconnect", func() bool { return cf.c.Stats().Reconnects > before.Reconnects })
	cf.waitSynced(t, before.Reconnects+1)
	if st := cf.c.Stats(); st.Snapshots < before.Snapshots+uint64(len(v.syms)) {
		t.Fatalf("snapshots %d before, %d after the reconnect", before.Snapshots, st.Snapshots)
	}
}

func TestClientReplacesAgedConnection(t *testing.T) {
	v := startVenue(t, liveFlow)
	cf := startClient(t, v, func(o *ClientOptions) { o.MaxConnAge = 300 * time.Millisecond })
	desktest.Eventually(t, clientWait, "two reconnects", func() bool { return cf.c.Stats().Reconnects >= 2 })
	cf.waitSynced(t, 2)
}

func TestClientGapResyncsOneSymbol(t *testing.T) {
	v := startVenue(t, liveFlow)
	cf := startClient(t, v, nil)
	before := cf.waitSynced(t, 0)
	st0 := cf.c.Stats()
	post(t, "http://"+v.base+"/admin/fault?kind=skip-updates&symbol=BBBUSD&count=3")
	desktest.Eventually(t, clientWait, "BBBUSD's gap and resync", func() bool {
		b := cf.book("BBBUSD")
		return b.stats.Gaps > before["BBBUSD"].stats.Gaps && b.stats.Resyncs > before["BBBUSD"].stats.Resyncs &&
			b.stats.Snapshots > before["BBBUSD"].stats.Snapshots
	})
	after := cf.waitSynced(t, 0)
	st := cf.c.Stats()
	if st.Reconnects != st0.Reconnects || st.Gaps <= st0.Gaps || st.Resyncs <= st0.Resyncs {
		t.Fatalf("stats before %+v, after %+v", st0, st)
	}
	for _, s := range []string{"AAAUSD", "CCCUSD"} {
		if a, b := after[s].stats, before[s].stats; a.Gaps != b.Gaps || a.Resyncs != b.Resyncs || a.Snapshots != b.Snapshots {
			t.Errorf("%s resynced too: %+v, then %+v", s, b, a)
		}
	}
}

func TestClientSkipsMalformedFrame(t *testing.T) {
	v := startVenue(t, liveFlow)
	cf := startClient(t, v, nil)
	cf.waitSynced(t, 0)
	st0 := cf.c.Stats()
	post(t, "http://"+v.base+"/admin/fault?kind=malformed&stream=aaausd@depth@100ms")
	desktest.Eventually(t, clientWait, "a malformed frame counted", func() bool { return cf.c.Stats().Malformed > st0.Malformed })
	cf.waitSynced(t, 0)
	if st := cf.c.Stats(); st.Reconnects != st0.Reconnects || st.Resyncs != st0.Resyncs {
		t.Fatalf("stats before %+v, after %+v", st0, st)
	}
}

func TestClientRunReturnsOnCancel(t *testing.T) {
	t.Run("connected", func(t *testing.T) {
		v := startVenue(t, liveFlow)
		cf := startClient(t, v, nil)
		cf.waitSynced(t, 0)
		cf.stop(t)
	})
	t.Run("backing off", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // refused from now on
		v := &venueFixture{base: addr, syms: []SymbolConfig{{Symbol: "AAAUSD", Scales: Scales{PriceDecimals: 2}}}}
		cf := startClient(t, v, func(o *ClientOptions) { o.BackoffMin, o.BackoffMax = time.Second, 10*time.Second })
		time.Sleep(50 * time.Millisecond) // into the backoff
		cf.stop(t)
	})
	t.Run("twice", func(t *testing.T) {
		v := &venueFixture{base: "127.0.0.1:1", syms: []SymbolConfig{{Symbol: "AAAUSD"}}}
		cf := startClient(t, v, func(o *ClientOptions) { o.BackoffMin = time.Second })
		desktest.Eventually(t, clientWait, "Run running", cf.c.running.Load)
		if err := cf.c.Run(context.Background()); err == nil {
			t.Fatal("a second Run did not fail")
		}
	})
}

func TestNewClientRefusesBadOptions(t *testing.T) {
	syms := []SymbolConfig{{Symbol: "AAAUSD"}}
	for _, o := range []ClientOptions{
		{WSURL: "ws://127.0.0.1:1", Handler: Options{Symbols: syms}},
		{RESTURL: "http://127.0.0.1:1", WSURL: "127.0.0.1:1", Handler: Options{Symbols: syms}},
		{RESTURL: "http://127.0.0.1:1", WSURL: "ws://127.0.0.1:1"},
		{RESTURL: "http://127.0.0.1:1", WSURL: "ws://127.0.0.1:1", Handler: Options{Symbols: append(syms, syms...)}},
	} {
		if _, err := NewClient(o); err == nil {
			t.Errorf("NewClient(%+v) did not fail", o)
		}
	}
}

func post(t *testing.T, url string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: clientWait}).Post(url, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d", url, resp.StatusCode)
	}
}

func TestSyncAndHandlerReset(t *testing.T) {
	h, err := NewHandler(Options{Symbols: []SymbolConfig{{Symbol: "AAAUSD"}, {Symbol: "BBBUSD"}}})
	if err != nil {
		t.Fatal(err)
	}
	s := h.Sync("AAAUSD")
	s.OnSnapshot(&Snapshot{LastUpdateID: 10, Bids: []Level{{1, 9}}})
	if s.OnDiff(diff(11, 12, Level{2, 3})) != Applied {
		t.Fatal("diff not applied")
	}
	h.Sync("BBBUSD").OnDiff(diff(5, 6))
	h.Reset()
	for _, sym := range h.Symbols() {
		s := h.Sync(sym)
		if !h.NeedsSnapshot(sym) || s.Synced() || s.LastUpdateID() != 0 || s.Buffered() != 0 || s.Book().Len(Bid) != 0 {
			t.Fatalf("%s after Reset: synced %v, id %d, %d buffered, %d bids", sym, s.Synced(), s.LastUpdateID(), s.Buffered(), s.Book().Len(Bid))
		}
	}
	if st := s.Stats(); st.DiffsApplied != 1 || st.Resyncs != 0 || st.Snapshots != 1 {
		t.Fatalf("counts after Reset: %+v", st)
	}
	if st := h.Stats(); st.Reconnects != 1 {
		t.Fatalf("reconnects %d", st.Reconnects)
	}
	// A new stream's diffs then sync as at the start.
	s.OnDiff(diff(100, 101))
	s.OnSnapshot(&Snapshot{LastUpdateID: 100})
	if !s.Synced() || s.LastUpdateID() != 101 {
		t.Fatalf("after Reset and a snapshot: synced %v at %d", s.Synced(), s.LastUpdateID())
	}
}

func TestClientBackoffBounds(t *testing.T) {
	c, err := NewClient(ClientOptions{RESTURL: "http://127.0.0.1:1", WSURL: "ws://127.0.0.1:1",
		Handler: Options{Symbols: []SymbolConfig{{Symbol: "AAAUSD"}}}, BackoffMin: 100 * time.Millisecond, BackoffMax: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for fails := range 40 {
		want := min(100*time.Millisecond<<min(fails, 10), time.Second)
		for range 20 {
			if d := c.backoff(fails); d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %s, want in [%s, %s]", fails, d, want/2, want)
			}
		}
	}
}

// recClock is a Clock whose waits end at once and are recorded, and
// whose time does not pass: every connection is short-lived to it.
type recClock struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (c *recClock) Now() time.Time { return time.Unix(1_700_000_000, 0) }
func (c *recClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d < time.Hour { // the connection's age limit never fires
		ch <- c.Now()
	}
	return ch
}

// TestClientBackoffGrowsOnShortConnections: a venue that delivers a frame
// and then drops the connection, again and again, gets reconnects with a
// growing backoff; only a connection that lasted HealthyAfter resets it.
func TestClientBackoffGrowsOnShortConnections(t *testing.T) {
	up := websocket.Upgrader{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v3/depth", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"lastUpdateId":1,"bids":[["1.00","1"]],"asks":[["2.00","1"]]}`)
	})
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		_ = c.WriteMessage(websocket.TextMessage, []byte(`{"result":null,"id":1}`))
		c.Close()
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()
	clock := &recClock{}
	v := &venueFixture{base: ln.Addr().String(), syms: []SymbolConfig{{Symbol: "AAAUSD", Scales: Scales{PriceDecimals: 2}}}}
	cf := startClient(t, v, func(o *ClientOptions) {
		o.Clock, o.BackoffMin, o.BackoffMax = clock, time.Millisecond, time.Hour/2
	})
	desktest.Eventually(t, clientWait, "8 reconnects", func() bool { return cf.c.Stats().Reconnects >= 8 })
	cf.stop(t)
	clock.mu.Lock()
	defer clock.mu.Unlock()
	var backoffs []time.Duration
	for _, d := range clock.waits {
		if d < time.Hour {
			backoffs = append(backoffs, d)
		}
	}
	// The k-th consecutive failure waits at least half of BackoffMin*2^k.
	for k, d := range backoffs[:8] {
		if floor := time.Millisecond << k / 2; d < floor {
			t.Fatalf("backoff %d is %v, below %v: the backoff was reset by a short connection (%v)", k, d, floor, backoffs)
		}
	}
}

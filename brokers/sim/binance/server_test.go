package binance_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/brokers/sim/binance"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
)

// waitFor bounds every wait: a failure deadline, not an expectation.
const waitFor = 10 * time.Second

// recorder sits between the venue and the server and keeps every full book
// the venue hands out, by update id, so a test can compare a client's book
// with the venue's at the same version.
type recorder struct {
	*binance.Server
	mu    sync.Mutex
	books map[uint64]sim.Depth
}

func (r *recorder) Depth(d *sim.Depth) {
	c := *d
	c.Bids, c.Asks = slices.Clone(d.Bids), slices.Clone(d.Asks)
	r.mu.Lock()
	r.books[d.UpdateID] = c
	r.mu.Unlock()
	r.Server.Depth(d)
}

func (r *recorder) at(id uint64) (sim.Depth, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.books[id]
	return d, ok
}

type fixture struct {
	base  string // host:port
	venue *sim.Venue
	rec   *recorder
}

func start(t *testing.T, flow sim.FlowOptions) *fixture {
	t.Helper()
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{Symbol: "AAA-USD", Base: "AAA", Quote: "USD",
		TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("1")})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := binance.New(binance.Options{Instruments: []domain.Instrument{in}})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{Server: srv, books: map[uint64]sim.Depth{}}
	v, err := sim.New(sim.Options{Instruments: []sim.SimInstrument{{Instrument: in, InitialPrice: 10000}},
		Reports: make(chan domain.ExecReport, 1<<16), Market: rec, Flow: flow})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{base: run(t, srv, v), venue: v, rec: rec}
}

// run runs v and srv on a loopback listener until the test ends and
// returns the listener's address once the venue is up.
func run(t *testing.T, srv *binance.Server, v *sim.Venue) string {
	t.Helper()
	ln, err := binance.Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = v.Run(ctx) })
	served := make(chan error, 1)
	wg.Go(func() { served <- srv.Serve(ctx, ln, v) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	desktest.Eventually(t, waitFor, "the venue to start", v.Connected)
	return ln.Addr().String()
}

var client = &http.Client{Timeout: waitFor}

func get(t *testing.T, url string, into any) int {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if into != nil && resp.StatusCode != http.StatusNotFound {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("GET %s: %v: %s", url, err, b)
		}
	}
	return resp.StatusCode
}

func post(t *testing.T, url string) {
	t.Helper()
	resp, err := client.Post(url, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, b)
	}
}

type apiErr struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

func TestRESTShapesAndErrors(t *testing.T) {
	f := start(t, sim.FlowOptions{OpsPerTick: 10, Interval: time.Millisecond, Volatility: 1})
	api := "http://" + f.base + "/api/v3/"

	var ping map[string]any
	if c := get(t, api+"ping", &ping); c != 200 || len(ping) != 0 {
		t.Fatalf("ping: %d %v", c, ping)
	}
	var tm struct{ ServerTime int64 }
	if get(t, api+"time", &tm); time.Since(time.UnixMilli(tm.ServerTime)).Abs() > time.Minute {
		t.Fatalf("time: %d", tm.ServerTime)
	}

	type filter map[string]any
	var info struct {
		Timezone   string
		ServerTime int64
		RateLimits []struct {
			RateLimitType, Interval string
			IntervalNum, Limit      int
		}
		Symbols []struct {
			Symbol, Status, BaseAsset, QuoteAsset string
			BaseAssetPrecision, QuotePrecision    int
			OrderTypes                            []string
			Filters                               []filter
		}
	}
	for _, q := range []string{"", "?symbol=AAAUSD", `?symbols=["AAAUSD"]`} {
		info.Symbols = nil
		if c := get(t, api+"exchangeInfo"+q, &info); c != 200 || len(info.Symbols) != 1 {
			t.Fatalf("exchangeInfo%s: %d %+v", q, c, info)
		}
	}
	s := info.Symbols[0]
	if info.Timezone != "UTC" || len(info.RateLimits) == 0 || s.Symbol != "AAAUSD" || s.Status != "TRADING" ||
		s.BaseAsset != "AAA" || s.QuoteAsset != "USD" || s.BaseAssetPrecision != 8 || !slices.Contains(s.OrderTypes, "LIMIT") {
		t.Fatalf("exchangeInfo: %+v", info)
	}
	want := map[string]map[string]any{
		"PRICE_FILTER": {"minPrice": "0.01000000", "tickSize": "0.01000000", "maxPrice": "10000000.00000000"},
		"LOT_SIZE":     {"minQty": "1.00000000", "stepSize": "1.00000000", "maxQty": "1000000000.00000000"},
		"NOTIONAL":     {"minNotional": "0.01000000", "applyMinToMarket": true, "applyMaxToMarket": false},
	}
	for _, fl := range s.Filters {
		w, ok := want[fl["filterType"].(string)]
		if !ok {
			continue
		}
		for k, v := range w {
			if fl[k] != v {
				t.Errorf("%s.%s = %v, want %v", fl["filterType"], k, fl[k], v)
			}
		}
		if _, ok := fl["maxNotional"]; fl["filterType"] == "NOTIONAL" && !ok {
			t.Error("NOTIONAL has no maxNotional")
		}
		delete(want, fl["filterType"].(string))
	}
	if len(want) != 0 {
		t.Errorf("filters missing: %v", want)
	}

	var depth struct {
		LastUpdateID uint64     `json:"lastUpdateId"`
		Bids         [][]string `json:"bids"`
		Asks         [][]string `json:"asks"`
	}
	if c := get(t, api+"depth?symbol=AAAUSD&limit=3", &depth); c != 200 || depth.LastUpdateID == 0 ||
		len(depth.Bids) == 0 || len(depth.Bids) > 3 || len(depth.Asks) > 3 || len(depth.Bids[0]) != 2 {
		t.Fatalf("depth: %d %+v", c, depth)
	}
	var bt struct{ Symbol, BidPrice, BidQty, AskPrice, AskQty string }
	if c := get(t, api+"ticker/bookTicker?symbol=AAAUSD", &bt); c != 200 || bt.Symbol != "AAAUSD" || bt.BidPrice == "" {
		t.Fatalf("bookTicker: %d %+v", c, bt)
	}
	var bts []map[string]string
	if c := get(t, api+"ticker/bookTicker", &bts); c != 200 || len(bts) != 1 {
		t.Fatalf("bookTicker (all): %d %+v", c, bts)
	}
	var trades []struct {
		ID                        uint64
		Price, Qty, QuoteQty      string
		Time                      int64
		IsBuyerMaker, IsBestMatch bool
	}
	deadline := time.Now().Add(waitFor)
	for len(trades) == 0 && time.Now().Before(deadline) {
		get(t, api+"trades?symbol=AAAUSD&limit=5", &trades)
		time.Sleep(10 * time.Millisecond)
	}
	if len(trades) == 0 || len(trades) > 5 || !trades[0].IsBestMatch || trades[0].Price == "" || trades[0].QuoteQty == "" {
		t.Fatalf("trades: %+v", trades)
	}
	for i := 1; i < len(trades); i++ {
		if trades[i].ID <= trades[i-1].ID {
			t.Fatalf("trades not oldest first: %+v", trades)
		}
	}

	for _, tc := range []struct {
		path string
		code int
	}{
		{"depth", -1102},
		{"depth?symbol=NOPE", -1121},
		{"depth?symbol=AAAUSD&limit=abc", -1100},
		{"trades", -1102},
		{"trades?symbol=aaausd", -1121},
		{"exchangeInfo?symbol=NOPE", -1121},
		{"exchangeInfo?symbols=NOPE", -1100},
		{"ticker/bookTicker?symbol=NOPE", -1121},
	} {
		var e apiErr
		if c := get(t, api+tc.path, &e); c != 400 || e.Code != tc.code || e.Msg == "" {
			t.Errorf("%s: %d %+v, want 400 %d", tc.path, c, e, tc.code)
		}
	}
	if e := (apiErr{}); get(t, api+"depth?symbol=NOPE", &e) == 400 && e.Msg != "Invalid symbol." {
		t.Errorf("msg %q", e.Msg)
	}
	if c := get(t, api+"nothing", nil); c != 404 {
		t.Errorf("unknown path: %d", c)
	}
}

func TestListenRefusesRemote(t *testing.T) {
	for _, a := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0"} {
		if _, err := binance.Listen(a, false); !errors.Is(err, binance.ErrNotLoopback) {
			t.Errorf("Listen(%q): %v, want ErrNotLoopback", a, err)
		}
	}
	ln, err := binance.Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
}

func dial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: waitFor}
	c, resp, err := d.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v (%v)", url, err, resp)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func readJSON(t *testing.T, c *websocket.Conn, into any) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitFor))
	_, b, err := c.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

// readReply reads frames until the reply to request id, skipping events.
func readReply(t *testing.T, c *websocket.Conn, id int) map[string]any {
	t.Helper()
	for {
		var m map[string]any
		readJSON(t, c, &m)
		if v, ok := m["id"]; ok && v == float64(id) {
			return m
		}
	}
}

func TestSubscribeUnsubscribeList(t *testing.T) {
	f := start(t, sim.FlowOptions{OpsPerTick: 10, Interval: time.Millisecond, Volatility: 1})
	c := dial(t, "ws://"+f.base+"/ws")
	send := func(v any) {
		_ = c.SetWriteDeadline(time.Now().Add(waitFor))
		if err := c.WriteJSON(v); err != nil {
			t.Fatal(err)
		}
	}
	send(map[string]any{"method": "SUBSCRIBE", "params": []string{"aaausd@trade", "aaausd@bookTicker"}, "id": 1})
	if r := readReply(t, c, 1); r["result"] != nil || len(r) != 2 {
		t.Fatalf("subscribe reply %v", r)
	}
	// A raw frame of a subscribed stream arrives unwrapped.
	for {
		var m map[string]any
		readJSON(t, c, &m)
		if m["e"] == "trade" {
			if m["s"] != "AAAUSD" || m["p"] == nil || m["t"] == nil {
				t.Fatalf("trade %v", m)
			}
			break
		}
		if _, ok := m["u"]; ok && m["s"] == "AAAUSD" && m["b"] != nil && m["e"] == nil {
			continue // bookTicker
		}
	}
	send(map[string]any{"method": "LIST_SUBSCRIPTIONS", "id": 2})
	r := readReply(t, c, 2)
	if got, _ := json.Marshal(r["result"]); string(got) != `["aaausd@bookTicker","aaausd@trade"]` {
		t.Fatalf("list %s", got)
	}
	send(map[string]any{"method": "UNSUBSCRIBE", "params": []string{"aaausd@trade"}, "id": 3})
	if r := readReply(t, c, 3); r["result"] != nil {
		t.Fatalf("unsubscribe reply %v", r)
	}
	send(map[string]any{"method": "LIST_SUBSCRIPTIONS", "id": 4})
	if got, _ := json.Marshal(readReply(t, c, 4)["result"]); string(got) != `["aaausd@bookTicker"]` {
		t.Fatalf("list after unsubscribe %s", got)
	}
	send(map[string]any{"method": "SUBSCRIBE", "params": []string{"nope@trade"}, "id": 5})
	if r := readReply(t, c, 5); r["error"] == nil {
		t.Fatalf("bad stream accepted: %v", r)
	}
}

func TestCombinedStreamEnvelope(t *testing.T) {
	f := start(t, sim.FlowOptions{OpsPerTick: 10, Interval: time.Millisecond, Volatility: 1})
	c := dial(t, "ws://"+f.base+"/stream?streams=aaausd@depth@100ms/aaausd@aggTrade")
	seen := map[string]bool{}
	for !seen["aaausd@depth@100ms"] || !seen["aaausd@aggTrade"] {
		var env struct {
			Stream string                     `json:"stream"`
			Data   map[string]json.RawMessage `json:"data"`
		}
		readJSON(t, c, &env)
		var e string
		_ = json.Unmarshal(env.Data["e"], &e)
		switch {
		case env.Stream == "aaausd@depth@100ms" && e == "depthUpdate":
		case env.Stream == "aaausd@aggTrade" && e == "aggTrade":
		default:
			t.Fatalf("frame %+v", env)
		}
		seen[env.Stream] = true
	}
}

func TestPingPong(t *testing.T) {
	f := start(t, sim.FlowOptions{})
	c := dial(t, "ws://"+f.base+"/ws/aaausd@trade")
	got := make(chan string, 1)
	c.SetPongHandler(func(p string) error { got <- p; return nil })
	if err := c.WriteControl(websocket.PingMessage, []byte("hello"), time.Now().Add(waitFor)); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = c.SetReadDeadline(time.Now().Add(waitFor))
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}()
	select {
	case p := <-got:
		if p != "hello" {
			t.Fatalf("pong payload %q", p)
		}
	case <-time.After(waitFor):
		t.Fatal("no pong")
	}
}

type diff struct {
	E     string     `json:"e"`
	Time  int64      `json:"E"` // without it, "E" would fill E: JSON keys match fields regardless of case
	S     string     `json:"s"`
	First uint64     `json:"U"`
	Last  uint64     `json:"u"`
	B     [][]string `json:"b"`
	A     [][]string `json:"a"`
}

// frames reads a diff stream into a channel, as a client buffers it.
func frames(c *websocket.Conn) <-chan diff {
	out := make(chan diff, 1<<14)
	go func() {
		defer close(out)
		for {
			_ = c.SetReadDeadline(time.Now().Add(waitFor))
			_, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			var d diff
			if json.Unmarshal(b, &d) == nil && d.E == "depthUpdate" {
				out <- d
			}
		}
	}()
	return out
}

// book is a client's local order book, in the venue's fixed point (tick
// 0.01, lot 1).
type book struct{ bids, asks map[domain.Price]domain.Qty }

func parse(t *testing.T, s string, dec int32) int64 {
	t.Helper()
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	return d.Shift(dec).IntPart()
}

func (b *book) apply(t *testing.T, side map[domain.Price]domain.Qty, levels [][]string) {
	for _, l := range levels {
		p, q := domain.Price(parse(t, l[0], 2)), domain.Qty(parse(t, l[1], 0))
		if q == 0 {
			delete(side, p)
		} else {
			side[p] = q
		}
	}
}

func (b *book) equals(d sim.Depth) bool {
	if len(b.bids) != len(d.Bids) || len(b.asks) != len(d.Asks) {
		return false
	}
	for _, l := range d.Bids {
		if b.bids[l.Price] != l.Qty {
			return false
		}
	}
	for _, l := range d.Asks {
		if b.asks[l.Price] != l.Qty {
			return false
		}
	}
	return true
}

type snapshot struct {
	LastUpdateID uint64     `json:"lastUpdateId"`
	Bids         [][]string `json:"bids"`
	Asks         [][]string `json:"asks"`
}

// TestBookSyncOverLiveDiffs is the update-id contract: a client that
// follows Binance's documented procedure over a live diff stream with
// background flow holds, after every event it applies, exactly the venue's
// book at that event's u, every level of it.
func TestBookSyncOverLiveDiffs(t *testing.T) {
	f := start(t, sim.FlowOptions{OpsPerTick: 20, Interval: time.Millisecond, Volatility: 2, Levels: 20})
	time.Sleep(50 * time.Millisecond) // let the book grow and move
	c := dial(t, "ws://"+f.base+"/ws/aaausd@depth@100ms")
	ch := frames(c)
	// Buffer first, then the snapshot.
	var snap snapshot
	if code := get(t, "http://"+f.base+"/api/v3/depth?symbol=AAAUSD&limit=5000", &snap); code != 200 {
		t.Fatal(code)
	}
	if d, ok := f.rec.at(snap.LastUpdateID); !ok || len(d.Bids) != len(snap.Bids) || len(d.Asks) != len(snap.Asks) {
		t.Fatalf("snapshot at %d is not the book the venue published at that id", snap.LastUpdateID)
	}
	b := &book{bids: map[domain.Price]domain.Qty{}, asks: map[domain.Price]domain.Qty{}}
	b.apply(t, b.bids, snap.Bids)
	b.apply(t, b.asks, snap.Asks)
	var prev uint64
	applied, compared := 0, 0
	deadline := time.After(waitFor)
	for applied < 15 {
		var d diff
		select {
		case d = <-ch:
		case <-deadline:
			t.Fatalf("only %d diffs applied", applied)
		}
		if d.Last <= snap.LastUpdateID {
			continue // older than the snapshot
		}
		if prev == 0 {
			if d.First > snap.LastUpdateID+1 {
				t.Fatalf("first kept diff [%d, %d] does not straddle snapshot %d", d.First, d.Last, snap.LastUpdateID)
			}
		} else if d.First != prev+1 {
			t.Fatalf("gap: U %d after u %d", d.First, prev)
		}
		prev = d.Last
		b.apply(t, b.bids, d.B)
		b.apply(t, b.asks, d.A)
		applied++
		want, ok := f.rec.at(d.Last)
		if !ok {
			t.Fatalf("no venue book at %d", d.Last)
		}
		if !b.equals(want) {
			t.Fatalf("after diff [%d, %d] the client's book (%d bids, %d asks) differs from the venue's (%d, %d)",
				d.First, d.Last, len(b.bids), len(b.asks), len(want.Bids), len(want.Asks))
		}
		compared++
	}
	if len(b.bids)+len(b.asks) <= 2*domain.BookDepth {
		t.Logf("book has only %d levels; deeper than the top %d was not exercised", len(b.bids)+len(b.asks), domain.BookDepth)
	}
	t.Logf("%d diffs applied and compared, book of %d bids and %d asks at %d", compared, len(b.bids), len(b.asks), prev)
}

// TestQuietPointMatchesSnapshot: with no flow, client orders placed through
// Submit; once the venue is quiet the synced client's book is exactly the
// REST snapshot's.
func TestQuietPointMatchesSnapshot(t *testing.T) {
	f := start(t, sim.FlowOptions{})
	c := dial(t, "ws://"+f.base+"/ws/aaausd@depth@100ms")
	ch := frames(c)
	submit := func(id domain.OrderID, side domain.Side, px domain.Price, qty domain.Qty) {
		o := &domain.Order{ID: id, Instrument: 0, Side: side, Type: domain.Limit, TIF: domain.GTC, Price: px, Qty: qty}
		if err := f.venue.Submit(o); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 30 {
		submit(domain.OrderID(i+1), domain.Buy, domain.Price(9000+i*3), 5)
		submit(domain.OrderID(i+101), domain.Sell, domain.Price(11000-i*2), 4)
	}
	var snap snapshot
	get(t, "http://"+f.base+"/api/v3/depth?symbol=AAAUSD", &snap)
	b := &book{bids: map[domain.Price]domain.Qty{}, asks: map[domain.Price]domain.Qty{}}
	b.apply(t, b.bids, snap.Bids)
	b.apply(t, b.asks, snap.Asks)
	// More changes: a crossing order that takes levels, then cancels.
	submit(500, domain.Buy, 10950, 30)
	for i := range 5 {
		if err := f.venue.Cancel(&domain.Order{ID: domain.OrderID(i + 1), Instrument: 0}); err != nil {
			t.Fatal(err)
		}
	}
	var final snapshot
	deadline := time.Now().Add(waitFor)
	for {
		get(t, "http://"+f.base+"/api/v3/depth?symbol=AAAUSD&limit=5000", &final)
		if final.LastUpdateID > snap.LastUpdateID+5 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	var prev uint64
	for prev < final.LastUpdateID {
		var d diff
		select {
		case d = <-ch:
		case <-time.After(waitFor):
			t.Fatalf("stream stopped at %d, snapshot at %d", prev, final.LastUpdateID)
		}
		if d.Last <= snap.LastUpdateID {
			continue
		}
		if prev != 0 && d.First != prev+1 || prev == 0 && d.First > snap.LastUpdateID+1 {
			t.Fatalf("diff [%d, %d] after %d (snapshot %d)", d.First, d.Last, prev, snap.LastUpdateID)
		}
		prev = d.Last
		b.apply(t, b.bids, d.B)
		b.apply(t, b.asks, d.A)
	}
	want := &book{bids: map[domain.Price]domain.Qty{}, asks: map[domain.Price]domain.Qty{}}
	want.apply(t, want.bids, final.Bids)
	want.apply(t, want.asks, final.Asks)
	if prev != final.LastUpdateID || !maps(b.bids, want.bids) || !maps(b.asks, want.asks) {
		t.Fatalf("at u %d the client's book differs from the snapshot at %d:\n%v %v\n%v %v",
			prev, final.LastUpdateID, b.bids, b.asks, want.bids, want.asks)
	}
}

func maps(a, b map[domain.Price]domain.Qty) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSkipUpdatesMakesAGap(t *testing.T) {
	f := start(t, sim.FlowOptions{OpsPerTick: 10, Interval: time.Millisecond, Volatility: 1})
	c := dial(t, "ws://"+f.base+"/ws/aaausd@depth@100ms")
	ch := frames(c)
	var first diff
	select {
	case first = <-ch:
	case <-time.After(waitFor):
		t.Fatal("no diff")
	}
	post(t, "http://"+f.base+"/admin/fault?kind=skip-updates&symbol=AAAUSD&count=1")
	prev := first.Last
	deadline := time.After(waitFor)
	for {
		select {
		case d, ok := <-ch:
			if !ok {
				t.Fatal("stream ended")
			}
			if d.First != prev+1 {
				if d.First <= prev {
					t.Fatalf("U %d after u %d", d.First, prev)
				}
				return // the gap
			}
			prev = d.Last
		case <-deadline:
			t.Fatal("no gap seen")
		}
	}
}

func TestDropConnectionsClosesEveryWebsocket(t *testing.T) {
	f := start(t, sim.FlowOptions{})
	conns := []*websocket.Conn{
		dial(t, "ws://"+f.base+"/ws/aaausd@trade"),
		dial(t, "ws://"+f.base+"/ws"),
		dial(t, "ws://"+f.base+"/stream?streams=aaausd@depth"),
	}
	// A dial returns when the handshake is answered, a moment before the
	// server holds the connection: a round trip on each makes sure it does.
	for i, c := range conns {
		if err := c.WriteJSON(map[string]any{"method": "LIST_SUBSCRIPTIONS", "id": 99}); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(waitFor))
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				t.Fatalf("conn %d: no answer to LIST_SUBSCRIPTIONS: %v", i, err)
			}
			if strings.Contains(string(b), `"id":99`) {
				break
			}
		}
	}
	post(t, "http://"+f.base+"/admin/fault?kind=drop-connections")
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(waitFor))
		if _, _, err := c.ReadMessage(); err == nil || errors.Is(err, context.DeadlineExceeded) ||
			strings.Contains(err.Error(), "timeout") {
			t.Errorf("conn %d: %v, want closed", i, err)
		}
	}
}

func TestMalformedAndStall(t *testing.T) {
	f := start(t, sim.FlowOptions{OpsPerTick: 10, Interval: time.Millisecond, Volatility: 1})
	c := dial(t, "ws://"+f.base+"/ws/aaausd@trade")
	// A dial returns a moment before the server holds the subscription: a
	// first trade says it does, so the fault below reaches this client.
	_ = c.SetReadDeadline(time.Now().Add(waitFor))
	if _, _, err := c.ReadMessage(); err != nil {
		t.Fatal("no trade:", err)
	}
	post(t, "http://"+f.base+"/admin/fault?kind=malformed&stream=aaausd@trade")
	deadline := time.Now().Add(waitFor)
	for {
		_ = c.SetReadDeadline(deadline)
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Fatal("no malformed frame:", err)
		}
		if !json.Valid(b) {
			break
		}
	}
	post(t, "http://"+f.base+"/admin/fault?kind=stall&stream=aaausd@trade&for=500ms")
	// Drain what was queued before the stall, then expect silence.
	_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			break
		}
	}
	// gorilla's connection is unusable after a read timeout: a new one
	// tells whether the stream is quiet.
	c2 := dial(t, "ws://"+f.base+"/ws/aaausd@trade")
	_ = c2.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, b, err := c2.ReadMessage(); err == nil {
		t.Fatalf("frame during stall: %s", b)
	}
	c3 := dial(t, "ws://"+f.base+"/ws/aaausd@trade")
	_ = c3.SetReadDeadline(time.Now().Add(waitFor))
	if _, _, err := c3.ReadMessage(); err != nil {
		t.Fatal("stream did not resume:", err)
	}
}

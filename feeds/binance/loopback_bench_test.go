package binance_test

// Loopback benchmarks of the real Client and Feed: a tiny in-test venue
// (net/http and gorilla/websocket on 127.0.0.1:0) answers GET
// /api/v3/depth with a fixed snapshot and writes pre-encoded depthUpdate
// frames, in the combined-stream envelope and in sequence, on /stream. The
// figures are reported, never asserted. Run them with, e.g.,
//
//	go test -run '^$' -bench 'LoopbackFrame' -benchtime=2000x ./feeds/binance
//	go test -run '^$' -bench 'SimVenueOverLoopback' -benchtime=20x ./feeds/binance
//
// (BenchmarkSimVenueOverLoopback is bound by the venue's 100 ms cadence:
// keep its b.N small.) The in-process reference, BenchmarkInProcessBookToSink,
// is in package feeds.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/sim"
	simbinance "github.com/desk-trading/desk/brokers/sim/binance"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/feeds/binance"
)

// lbWait bounds every wait of the loopback benchmarks: past it they fail.
const lbWait = 10 * time.Second

// lbSnapID is the snapshot's lastUpdateId; symbol s's j-th frame (from 0)
// is U = u = lbSnapID+1+j, so every frame follows the one before.
const lbSnapID = 1000

// lbSymbols are the benchmark's instruments: tick 0.01, lot 1, ids from 0,
// symbols AAAUSD, BBBUSD, ...
func lbSymbols(tb testing.TB, n int) []binance.FeedSymbol {
	tb.Helper()
	var out []binance.FeedSymbol
	for i := range n {
		base := string(rune('A'+i)) + string(rune('A'+i)) + string(rune('A'+i))
		in, err := domain.NewInstrument(domain.InstrumentID(i), domain.InstrumentSpec{Symbol: base + "-USD", Base: base, Quote: "USD",
			TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("1")})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, binance.FeedSymbol{Symbol: base + "USD", Instrument: in})
	}
	return out
}

// lbSnapshot is every symbol's snapshot: 100 levels a side on every other
// tick, bids 99.98, 99.96, ... and asks 100.02, 100.04, ..., 50 lots each.
func lbSnapshot() []byte {
	b := fmt.Appendf(nil, `{"lastUpdateId":%d,"bids":[`, lbSnapID)
	for i := range 100 {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `["%s","50.00000000"]`, lbPrice(9998-2*i))
	}
	b = append(b, `],"asks":[`...)
	for i := range 100 {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `["%s","50.00000000"]`, lbPrice(10002+2*i))
	}
	return append(b, `]}`...)
}

// lbPrice formats a price in cents as the venue does (eight decimals).
func lbPrice(cents int) string { return fmt.Sprintf("%d.%02d000000", cents/100, cents%100) }

// lbFrame encodes symbol s's j-th diff: 10 levels, five a side. An even j
// inserts three levels a side between the snapshot's (99.99, 99.97, 99.95
// and 100.01, 100.03, 100.05, so the best bid and ask move in) and updates
// two; an odd j deletes the three again and restores the two. The book
// keeps its size and its top changes on every frame: the published best
// bid is 99.99 after an even frame and 99.98 after an odd one.
func lbFrame(b []byte, s binance.FeedSymbol, j int) []byte {
	id := lbSnapID + 1 + j
	b = fmt.Appendf(b, `{"stream":"%s@depth@100ms","data":{"e":"depthUpdate","E":%d,"s":"%s","U":%d,"u":%d,"b":[`,
		lower(s.Symbol), 1_700_000_000_000+j, s.Symbol, id, id)
	levels := func(b []byte, px [5]int) []byte {
		for i, p := range px {
			if i > 0 {
				b = append(b, ',')
			}
			qty := "0.00000000"
			switch {
			case j%2 == 0:
				qty = fmt.Sprintf("%d.00000000", 7+i)
			case i%2 == 1:
				qty = "50.00000000"
			}
			b = fmt.Appendf(b, `["%s","%s"]`, lbPrice(p), qty)
		}
		return b
	}
	b = levels(b, [5]int{9999, 9998, 9997, 9996, 9995})
	b = append(b, `],"a":[`...)
	b = levels(b, [5]int{10001, 10002, 10003, 10004, 10005})
	return append(b, `]}}`...)
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// lbFrames pre-encodes n frames, the symbols interleaved: frame k is
// symbol k%len(syms)'s diff number k/len(syms). The frames share one
// backing array.
func lbFrames(syms []binance.FeedSymbol, n int) [][]byte {
	var buf []byte
	ends := make([]int, n)
	for k := range n {
		buf = lbFrame(buf, syms[k%len(syms)], k/len(syms))
		ends[k] = len(buf)
	}
	out := make([][]byte, n)
	start := 0
	for k, e := range ends {
		out[k] = buf[start:e:e]
		start = e
	}
	return out
}

// lbServer is the in-test venue. Its websocket handler writes frames only
// when told: all of them, back to back, once start is closed, or frame k
// whenever k arrives on next (then it sends the time it called the write
// on wrote).
type lbServer struct {
	addr   string // host:port
	frames [][]byte
	start  chan struct{}
	next   chan int
	wrote  chan time.Time
	errc   chan error // the first write or upgrade error
	done   chan struct{}
	srv    *http.Server
	wg     sync.WaitGroup // websocket handlers
	mu     sync.Mutex
	conns  []*websocket.Conn
}

func startLBServer(b *testing.B, syms []binance.FeedSymbol, frames [][]byte) *lbServer {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &lbServer{addr: ln.Addr().String(), frames: frames, start: make(chan struct{}), next: make(chan int, 1),
		wrote: make(chan time.Time, 1), errc: make(chan error, 1), done: make(chan struct{})}
	snap := lbSnapshot()
	known := map[string]bool{}
	for _, sy := range syms {
		known[sy.Symbol] = true
	}
	up := websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 16384}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v3/depth", func(w http.ResponseWriter, r *http.Request) {
		if !known[r.URL.Query().Get("symbol")] {
			http.Error(w, `{"code":-1121,"msg":"Invalid symbol."}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(snap)
	})
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		s.wg.Add(1)
		defer s.wg.Done()
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			s.fail(err)
			return
		}
		defer c.Close()
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		if err := s.serve(c); err != nil {
			s.fail(err)
		}
	})
	s.srv = &http.Server{Handler: mux}
	served := make(chan error, 1)
	go func() { served <- s.srv.Serve(ln) }()
	b.Cleanup(func() {
		close(s.done)
		_ = s.srv.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			_ = c.Close() // unblocks a write to a client that stopped reading
		}
		s.mu.Unlock()
		s.wg.Wait()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			b.Errorf("Serve: %v", err)
		}
	})
	return s
}

// serve writes the frames as told until done closes.
func (s *lbServer) serve(c *websocket.Conn) error {
	for {
		select {
		case <-s.done:
			return nil
		case <-s.start:
			_ = c.SetWriteDeadline(time.Now().Add(lbWait))
			for _, f := range s.frames {
				if err := c.WriteMessage(websocket.TextMessage, f); err != nil {
					return err
				}
			}
			<-s.done
			return nil
		case k := <-s.next:
			_ = c.SetWriteDeadline(time.Now().Add(lbWait))
			t := time.Now()
			if err := c.WriteMessage(websocket.TextMessage, s.frames[k]); err != nil {
				return err
			}
			select {
			case s.wrote <- t: // room for one: the benchmark takes it before it sends the next k
			case <-s.done:
				return nil
			}
		}
	}
}

func (s *lbServer) fail(err error) {
	select {
	case <-s.done: // shutting down: errors are expected
	default:
		select {
		case s.errc <- err:
		default:
		}
	}
}

// lbAwait waits for ch, failing on a server error or after lbWait.
func lbAwait(b *testing.B, what string, ch <-chan struct{}, errc <-chan error) {
	b.Helper()
	t := time.NewTimer(lbWait)
	defer t.Stop()
	select {
	case <-ch:
	case err := <-errc:
		b.Fatalf("waiting for %s: server: %v", what, err)
	case <-t.C:
		b.Fatalf("timed out after %s waiting for %s", lbWait, what)
	}
}

// lbRun runs r (a Client's or Feed's Run) until the benchmark ends.
func lbRun(b *testing.B, run func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	b.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				b.Errorf("Run: %v", err)
			}
		case <-time.After(lbWait):
			b.Errorf("Run did not return within %s of the cancel", lbWait)
		}
	})
}

// lbClientOptions point a client at s, without proxies, with bounded
// timeouts and a transport of its own that is closed when the benchmark
// ends.
func lbClientOptions(b *testing.B, addr string) binance.ClientOptions {
	tr := &http.Transport{}
	b.Cleanup(tr.CloseIdleConnections)
	return binance.ClientOptions{
		RESTURL:    "http://" + addr,
		WSURL:      "ws://" + addr,
		HTTPClient: &http.Client{Transport: tr, Timeout: lbWait},
		Dialer:     &websocket.Dialer{HandshakeTimeout: lbWait},
	}
}

// lbCheck fails the benchmark unless every one of want diffs was applied,
// in sequence, on one connection.
func lbCheck(b *testing.B, st binance.Stats, want int) {
	b.Helper()
	if st.DiffsApplied != uint64(want) || st.Gaps != 0 || st.Resyncs != 0 || st.Malformed != 0 ||
		st.Reconnects != 0 || st.DiffsDropped != 0 || st.Ignored != 0 {
		b.Fatalf("want %d diffs applied and nothing else, stats %+v", want, st)
	}
}

// BenchmarkLoopbackFrames is the throughput of one connection on
// loopback: the real Client, one websocket carrying four symbols'
// @depth@100ms streams, reads b.N pre-encoded 10-level depthUpdate frames
// (the symbols interleaved, each in sequence) that the server writes back
// to back, as fast as the socket takes them. The timed interval runs from
// the signal to the server, once every snapshot is loaded, to the b.N-th
// diff applied (Handler.OnBook's call for it, on Run's goroutine): server
// writes, kernel loopback, socket reader, frame queue, decode, sync and
// book. ns/op is per frame, frames/s its inverse; allocs count every
// goroutine, the server's writes included.
func BenchmarkLoopbackFrames(b *testing.B) {
	syms := lbSymbols(b, 4)
	frames := lbFrames(syms, b.N)
	srv := startLBServer(b, syms, frames)
	n := len(syms)
	snapped, finished := make(chan struct{}), make(chan struct{})
	calls := 0 // OnBook's, on Run's goroutine only: n snapshots, then b.N diffs
	opts := lbClientOptions(b, srv.addr)
	opts.Handler = binance.Options{Venue: "loopback", OnBook: func(string, *binance.Sync) {
		calls++
		switch calls {
		case n:
			close(snapped)
		case n + b.N:
			close(finished)
		}
	}}
	for _, s := range syms {
		opts.Handler.Symbols = append(opts.Handler.Symbols, binance.SymbolConfig{Symbol: s.Symbol, Scales: binance.ScalesOf(&s.Instrument)})
	}
	c, err := binance.NewClient(opts)
	if err != nil {
		b.Fatal(err)
	}
	lbRun(b, c.Run)
	lbAwait(b, "every snapshot", snapped, srv.errc)
	if st := c.Stats(); st.Snapshots != uint64(n) {
		b.Fatalf("stats after the snapshots %+v", st)
	}
	total := 0
	for _, f := range frames {
		total += len(f)
	}
	b.SetBytes(int64(total / len(frames)))
	b.ReportAllocs()
	b.ResetTimer()
	t0 := time.Now()
	close(srv.start)
	lbAwait(b, fmt.Sprintf("%d diffs applied", b.N), finished, srv.errc)
	el := time.Since(t0)
	b.StopTimer()
	lbCheck(b, c.Stats(), b.N)
	b.ReportMetric(float64(b.N)/el.Seconds(), "frames/s")
}

// BenchmarkLoopbackFrameToBook is the latency of one frame on loopback:
// one op signals the server (a channel) to write frame k, one 10-level
// diff of one of four symbols, and waits until the Feed's Publish has
// published that symbol's book at the frame's update id (checked, with the
// frame's new best bid and ask). The interval timed, ns/op and the
// p50-ns/p99-ns metrics, is time.Now before the signal to time.Now at the
// start of the Publish call: the channel handoff to the server goroutine,
// the websocket write, kernel loopback, the socket reader, frame queue,
// decode, sync, Top and Publish; ns/op adds the benchmark goroutine's
// wake-up and a timer reset. write-p50-ns/write-p99-ns start instead at
// the server's time.Now just before its WriteMessage call.
func BenchmarkLoopbackFrameToBook(b *testing.B) {
	syms := lbSymbols(b, 4)
	frames := lbFrames(syms, b.N)
	srv := startLBServer(b, syms, frames)
	n := len(syms)
	var f *binance.Feed
	var target atomic.Int64 // the frame whose book is awaited; -1 before the ops
	target.Store(-1)
	published := make(chan time.Time, 1)
	bad := make(chan string, 1)
	snapped := make(chan struct{})
	snaps := 0 // on Run's goroutine only
	opts := binance.FeedOptions{Client: lbClientOptions(b, srv.addr), Symbols: syms, Publish: func(u *domain.BookUpdate) {
		now := time.Now()
		k := target.Load()
		if k < 0 {
			if snaps++; snaps == n {
				close(snapped)
			}
			return
		}
		s, j := syms[int(k)%n], int(k)/n
		if u.Instrument != s.Instrument.ID || f.Client().Handler().Sync(s.Symbol).LastUpdateID() != int64(lbSnapID+1+j) {
			return // not the awaited book (none other should come)
		}
		bid, ask := domain.Price(9998), domain.Price(10002)
		if j%2 == 0 {
			bid, ask = 9999, 10001
		}
		if u.NBids != domain.BookDepth || u.NAsks != domain.BookDepth || u.Bids[0].Price != bid || u.Asks[0].Price != ask {
			select {
			case bad <- fmt.Sprintf("frame %d: published best %d/%d, want %d/%d", k, u.Bids[0].Price, u.Asks[0].Price, bid, ask):
			default:
			}
			return
		}
		select {
		case published <- now:
		default:
			select {
			case bad <- fmt.Sprintf("frame %d published twice", k):
			default:
			}
		}
	}}
	opts.Client.Handler.Venue = "loopback"
	f, err := binance.NewFeed(opts)
	if err != nil {
		b.Fatal(err)
	}
	lbRun(b, f.Run)
	lbAwait(b, "every snapshot", snapped, srv.errc)
	ops := make([]time.Duration, b.N)
	writes := make([]time.Duration, b.N)
	timer := time.NewTimer(lbWait)
	defer timer.Stop()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		timer.Reset(lbWait)
		target.Store(int64(i))
		t0 := time.Now()
		srv.next <- i // room for one: the server took the last one
		var t1, tw time.Time
		select {
		case t1 = <-published:
		case msg := <-bad:
			b.Fatal(msg)
		case err := <-srv.errc:
			b.Fatalf("frame %d: server: %v", i, err)
		case <-timer.C:
			b.Fatalf("timed out after %s waiting for frame %d's book", lbWait, i)
		}
		select {
		case tw = <-srv.wrote:
		case <-timer.C:
			b.Fatalf("timed out after %s waiting for frame %d's write", lbWait, i)
		}
		ops[i], writes[i] = t1.Sub(t0), t1.Sub(tw)
	}
	b.StopTimer()
	lbCheck(b, f.Client().Stats(), b.N)
	lbPercentiles(b, ops, "")
	lbPercentiles(b, writes, "write-")
}

// lbPercentiles reports d's median and 99th percentile in nanoseconds.
func lbPercentiles(b *testing.B, d []time.Duration, prefix string) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Nanoseconds()), prefix+"p50-ns")
	b.ReportMetric(float64(d[min(len(d)-1, len(d)*99/100)].Nanoseconds()), prefix+"p99-ns")
}

// BenchmarkSimVenueOverLoopback is desk's networked venue end to end: a
// brokers/sim.Venue (no background flow, one instrument) whose Market is a
// brokers/sim/binance.Server served on loopback, and a Feed subscribed to
// its AAAUSD@depth@100ms stream. One op submits a resting buy at a price
// above every bid so far (Venue.Submit) and waits until the Feed's Publish
// shows it as the best bid. The interval timed (ns/op, p50-ns, p99-ns) is
// time.Now before Submit to time.Now in the Publish call: the venue
// goroutine's batch, the server's diff, the wait for the server's next
// 100 ms flush of the @depth@100ms streams (Binance's cadence, which
// dominates), the websocket write, loopback and the Feed's path. The ops
// are phase-locked to the flusher: each Submit follows at once the flush
// that ended the op before, so it waits nearly a whole interval for the
// next one, and the figure is the cadence's worst case (about 100 ms) plus
// the path, not the half interval a change at a random moment waits on
// average. Run it with -benchtime=20x or so: each op takes about 100 ms.
//
// The bookTicker variant also subscribes AAAUSD@bookTicker
// (ClientOptions.BookTicker), which the venue sends at once on every change
// of its best bid or ask, and which the Feed merges into the book's top:
// the same interval without the cadence's wait, as the daemon runs it.
func BenchmarkSimVenueOverLoopback(b *testing.B) {
	b.Run("diffs", func(b *testing.B) { simVenueOverLoopback(b, false) })
	b.Run("bookTicker", func(b *testing.B) { simVenueOverLoopback(b, true) })
}

// simVenueOverLoopback is BenchmarkSimVenueOverLoopback with the feed
// taking the diff streams alone, or the bookTicker streams too.
func simVenueOverLoopback(b *testing.B, ticker bool) {
	in := lbSymbols(b, 1)[0]
	srv, err := simbinance.New(simbinance.Options{Instruments: []domain.Instrument{in.Instrument}})
	if err != nil {
		b.Fatal(err)
	}
	reports := make(chan domain.ExecReport, 64)
	v, err := sim.New(sim.Options{Instruments: []sim.SimInstrument{{Instrument: in.Instrument}}, Reports: reports, Market: srv})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := simbinance.Listen("127.0.0.1:0", false)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-reports:
			case <-ctx.Done():
				return
			}
		}
	})
	wg.Go(func() { _ = v.Run(ctx) })
	served := make(chan error, 1)
	wg.Go(func() { served <- srv.Serve(ctx, ln, v) })
	b.Cleanup(func() {
		cancel()
		wg.Wait()
		if err := <-served; err != nil {
			b.Errorf("Serve: %v", err)
		}
	})
	// Setup only, outside the timed loop: Run gives no signal of its start.
	desktest.Eventually(b, lbWait, "the venue to run", v.Connected)

	var target atomic.Int64 // the awaited best bid; 0 before the ops
	published := make(chan time.Time, 1)
	synced := make(chan struct{})
	var once sync.Once
	opts := binance.FeedOptions{Client: lbClientOptions(b, ln.Addr().String()), Symbols: []binance.FeedSymbol{in},
		Publish: func(u *domain.BookUpdate) {
			now := time.Now()
			once.Do(func() { close(synced) }) // the snapshot's publication
			if t := target.Load(); t != 0 && u.NBids > 0 && int64(u.Bids[0].Price) == t {
				select {
				case published <- now:
				default:
				}
			}
		}}
	opts.Client.Handler.Venue = "sim"
	opts.Client.BookTicker = ticker
	f, err := binance.NewFeed(opts)
	if err != nil {
		b.Fatal(err)
	}
	lbRun(b, f.Run)
	lbAwait(b, "the feed's first book", synced, nil)

	ops := make([]time.Duration, b.N)
	timer := time.NewTimer(lbWait)
	defer timer.Stop()
	o := domain.Order{Instrument: in.Instrument.ID, Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC, Qty: 1}
	b.ResetTimer()
	for i := range b.N {
		px := domain.Price(10000 + i)
		timer.Reset(lbWait)
		target.Store(int64(px))
		t0 := time.Now()
		o.ID, o.Price = domain.OrderID(i+1), px // Submit copies o
		if err := v.Submit(&o); err != nil {
			b.Fatal(err)
		}
		select {
		case t1 := <-published:
			ops[i] = t1.Sub(t0)
		case <-timer.C:
			b.Fatalf("timed out after %s waiting for the bid at %d", lbWait, px)
		}
	}
	b.StopTimer()
	if st := f.Client().Stats(); st.Gaps != 0 || st.Resyncs != 0 || st.Malformed != 0 || st.Reconnects != 0 {
		b.Fatalf("stats %+v", st)
	}
	lbPercentiles(b, ops, "")
}

package binance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/desk-trading/desk/core/domain"
)

// Clock is the time source of a Client's waits: the reconnect backoff, the
// connection's age (MaxConnAge) and the snapshot retries. Socket deadlines
// (ReadTimeout) are the operating system's and use the wall clock.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time                         { return time.Now() }
func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// The defaults of ClientOptions' zero fields.
const (
	DefaultBackoffMin      = 100 * time.Millisecond
	DefaultBackoffMax      = 30 * time.Second
	DefaultMaxConnAge      = 23 * time.Hour // the venue closes a connection at 24 h
	DefaultReadTimeout     = 30 * time.Second
	DefaultSnapshotLimit   = 1000
	DefaultSnapshotWorkers = 4
	DefaultFrameQueue      = 256
	// MaxStreams is the most streams the venue allows on one connection.
	MaxStreams = 1024
	// HealthyAfter is how long a connection must last, delivering frames,
	// for its end to count as a fresh failure rather than one more of a
	// run (ClientOptions.BackoffMin).
	HealthyAfter = 10 * time.Second
)

const (
	writeWait    = 5 * time.Second  // for a pong
	closeWait    = time.Second      // for the close frame
	maxFrame     = 4 << 20          // bytes: a frame past it closes the connection
	maxSnapshot  = 64 << 20         // bytes of a REST snapshot body
	httpTimeout  = 10 * time.Second // of the default HTTP client
	dialTimeout  = 10 * time.Second // websocket handshake of the default dialer
	streamSuffix = "@depth@100ms"
)

// ClientOptions configure a Client. Every field but RESTURL, WSURL and
// Handler.Symbols may be left zero.
type ClientOptions struct {
	// RESTURL is the REST API's base, e.g. "https://api.binance.com";
	// snapshots are GET RESTURL/api/v3/depth?symbol=SYM&limit=N. Required.
	RESTURL string
	// WSURL is the websocket base, e.g. "wss://stream.binance.com:9443";
	// the client connects to WSURL/stream?streams=<sym>@depth@100ms/...
	// (every symbol in lower case, one connection). Required.
	WSURL string
	// Handler configures the Handler the client builds and owns: the
	// venue's name, the symbols with their scales (at most MaxStreams),
	// the sync options and the callbacks. The callbacks run on the
	// goroutine that calls Run and must not block it.
	Handler Options
	// HTTPClient fetches the snapshots; nil: a client with a 10 s timeout.
	HTTPClient *http.Client
	// Dialer opens the websocket; nil: one with the environment's proxy
	// and a 10 s handshake timeout.
	Dialer *websocket.Dialer
	// BackoffMin and BackoffMax bound the wait before a reconnect and
	// before a failed snapshot's retry: it doubles from BackoffMin on each
	// consecutive failure up to BackoffMax, and a random part of up to
	// half of it is taken off (jitter). Zero: DefaultBackoffMin and
	// DefaultBackoffMax. A connection that delivered frames for at least
	// HealthyAfter resets it; one that fails sooner (a venue that sends a
	// frame, then garbage) keeps it growing. A snapshot answered 429 or
	// 418 waits at least its Retry-After.
	BackoffMin, BackoffMax time.Duration
	// MaxConnAge is how long a connection is kept before the client
	// replaces it, ahead of the venue's 24 h limit; zero: 23 h.
	MaxConnAge time.Duration
	// ReadTimeout is how long the connection may be silent (no frame, no
	// ping) before it is deemed dead and replaced; zero: 30 s. The
	// simulated venue pings every 20 s; against a venue that pings less
	// often and streams that can be quiet, set it longer than its ping
	// interval.
	ReadTimeout time.Duration
	// SnapshotLimit is the snapshot's depth (limit=); zero: 1000.
	SnapshotLimit int
	// SnapshotWorkers is how many snapshots may be fetched at once; zero:
	// 4.
	SnapshotWorkers int
	// FrameQueue is how many frames read from the socket may wait for the
	// handler goroutine; zero: 256. When it is full the socket's reader
	// waits (and the venue, whose own queue then fills, closes the
	// connection).
	FrameQueue int
	// BookTicker also subscribes every symbol's <sym>@bookTicker stream,
	// the venue's real-time best bid and ask, on the same connection (two
	// streams a symbol, so at most MaxStreams/2 symbols). The diff stream
	// comes in 100 ms batches; the ticker is how a book's top stays current
	// between them (see Feed). Its events go to Handler.OnBookTicker.
	BookTicker bool
	// Clock is the time source of the backoff, MaxConnAge and retries;
	// nil: the wall clock.
	Clock Clock
	// Logger receives connects, disconnects and failed snapshots (Info and
	// Warn) and malformed frames (Debug); nil: nothing is logged.
	Logger *slog.Logger
}

// Client is the feed's network part: one websocket connection carrying
// every symbol's diff depth stream, REST snapshots for the symbols that
// need one, and reconnects. It owns a Handler (see Run for its
// goroutines).
type Client struct {
	opts    ClientOptions
	h       *Handler
	wsURL   string
	restURL string
	http    *http.Client
	dialer  *websocket.Dialer
	clock   Clock
	log     *slog.Logger
	running atomic.Bool
	conn    atomic.Bool // a connection is open
}

// NewClient checks opts, applies the defaults and builds the Handler. It
// fails on a missing or malformed URL, no symbols, more than MaxStreams, or
// what NewHandler refuses.
func NewClient(opts ClientOptions) (*Client, error) {
	for _, u := range []struct{ name, v string }{{"RESTURL", opts.RESTURL}, {"WSURL", opts.WSURL}} {
		p, err := url.Parse(u.v)
		if err != nil || p.Scheme == "" || p.Host == "" {
			return nil, fmt.Errorf("binance %s: %s %q is not an absolute URL", opts.Handler.Venue, u.name, u.v)
		}
	}
	perSymbol := 1
	if opts.BookTicker {
		perSymbol = 2
	}
	if n := len(opts.Handler.Symbols); n == 0 || n*perSymbol > MaxStreams {
		return nil, fmt.Errorf("binance %s: %d symbols, want 1 to %d", opts.Handler.Venue, n, MaxStreams/perSymbol)
	}
	h, err := NewHandler(opts.Handler)
	if err != nil {
		return nil, err
	}
	if opts.BackoffMin <= 0 {
		opts.BackoffMin = DefaultBackoffMin
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = DefaultBackoffMax
	}
	opts.BackoffMax = max(opts.BackoffMax, opts.BackoffMin)
	if opts.MaxConnAge <= 0 {
		opts.MaxConnAge = DefaultMaxConnAge
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = DefaultReadTimeout
	}
	if opts.SnapshotLimit <= 0 {
		opts.SnapshotLimit = DefaultSnapshotLimit
	}
	if opts.SnapshotWorkers <= 0 {
		opts.SnapshotWorkers = DefaultSnapshotWorkers
	}
	if opts.FrameQueue <= 0 {
		opts.FrameQueue = DefaultFrameQueue
	}
	c := &Client{opts: opts, h: h, http: opts.HTTPClient, dialer: opts.Dialer, clock: opts.Clock, log: opts.Logger}
	if c.http == nil {
		c.http = &http.Client{Timeout: httpTimeout}
	}
	if c.dialer == nil {
		c.dialer = &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: dialTimeout}
	}
	if c.clock == nil {
		c.clock = wallClock{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	streams := make([]string, 0, perSymbol*len(h.names))
	for _, s := range h.names {
		streams = append(streams, strings.ToLower(s)+streamSuffix)
		if opts.BookTicker {
			streams = append(streams, strings.ToLower(s)+"@bookTicker")
		}
	}
	c.wsURL = strings.TrimRight(opts.WSURL, "/") + "/stream?streams=" + strings.Join(streams, "/")
	c.restURL = strings.TrimRight(opts.RESTURL, "/") + "/api/v3/depth?limit=" + strconv.Itoa(opts.SnapshotLimit) + "&symbol="
	return c, nil
}

// Stats returns the handler's counts, reconnects included. It may be
// called from any goroutine.
func (c *Client) Stats() Stats { return c.h.Stats() }

// Connected reports whether a websocket connection is open. The books
// may still wait for their snapshots (Handler.NeedsSnapshot). It may be
// called from any goroutine.
func (c *Client) Connected() bool { return c.conn.Load() }

// Handler returns the client's handler. Only the goroutine running Run
// may use it while Run runs (its callbacks are on that goroutine); once
// Run has returned, or before it is called, any one goroutine may, e.g.
// to read the final books.
func (c *Client) Handler() *Handler { return c.h }

// Run connects and keeps the feed going until ctx ends, then returns nil
// once every goroutine it started has returned. It returns an error only
// when another Run of the client is running.
//
// The goroutine that calls Run owns the Handler: it alone calls OnFrame,
// OnSnapshot, NeedsSnapshot and Reset, so the Handler's callbacks run on
// it. Per connection Run starts a socket reader, which reads frames and
// queues them (FrameQueue) for it, and SnapshotWorkers fetchers, which GET
// the snapshots it asks for and hand each body back on a channel with room
// for one per symbol, so neither ever waits for the other. Whenever a
// symbol needs a snapshot (at the start, after a gap or a snapshot the
// diffs do not follow) Run asks for one, at most one per symbol at a time;
// a failed one is retried after a backoff. When the connection fails, is
// silent for ReadTimeout or reaches MaxConnAge, Run closes it, waits for
// its goroutines, resets every symbol (Handler.Reset, counted in
// Stats.Reconnects) and connects again: at once after MaxConnAge, else
// after the backoff.
func (c *Client) Run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return fmt.Errorf("binance %s: Run is already running", c.opts.Handler.Venue)
	}
	defer c.running.Store(false)
	fails := 0
	for {
		if ctx.Err() != nil {
			return nil
		}
		start := c.clock.Now()
		r := c.session(ctx)
		if ctx.Err() != nil {
			// The books stay as the last connection left them, for
			// whoever reads them once Run has returned.
			return nil
		}
		if r.connected {
			c.h.Reset()
		}
		if r.frames > 0 && c.clock.Now().Sub(start) >= HealthyAfter {
			fails = 0
		}
		if r.aged {
			c.log.Info("binance: replacing the connection at its maximum age", "venue", c.opts.Handler.Venue, "age", c.opts.MaxConnAge)
			continue
		}
		d := c.backoff(fails)
		fails++
		c.log.Warn("binance: connection lost, reconnecting", "venue", c.opts.Handler.Venue, "err", r.err, "in", d)
		select {
		case <-ctx.Done():
			return nil
		case <-c.clock.After(d):
		}
	}
}

// backoff returns the wait after fails consecutive failures: BackoffMin
// doubled fails times, at most BackoffMax, less a random part of up to half.
func (c *Client) backoff(fails int) time.Duration {
	d := c.opts.BackoffMin
	for i := 0; i < fails && d < c.opts.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, c.opts.BackoffMax)
	return d - rand.N(d/2+1)
}

type sessionResult struct {
	connected bool
	aged      bool
	frames    uint64
	err       error
}

type snapResult struct {
	symbol     string
	body       []byte
	err        error
	retryAfter time.Duration // the venue's Retry-After on a 429 or 418
	at         int64         // when the answer arrived (domain.Mono)
}

// session runs one connection until it fails, ages or ctx ends.
func (c *Client) session(ctx context.Context) (res sessionResult) {
	conn, resp, err := c.dialer.DialContext(ctx, c.wsURL, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		res.err = err
		return res
	}
	res.connected = true
	c.conn.Store(true)
	defer c.conn.Store(false)
	c.log.Info("binance: connected", "venue", c.opts.Handler.Venue, "streams", len(c.h.names))

	sctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		_ = conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(closeWait))
		conn.Close()
		wg.Wait()
	}()

	frames := make(chan frame, c.opts.FrameQueue)
	free := make(chan *bytes.Buffer, c.opts.FrameQueue+2)
	readErr := make(chan error, 1)
	wg.Go(func() { readErr <- c.read(sctx, conn, frames, free) })
	n := len(c.h.names)
	reqs := make(chan string, n)
	results := make(chan snapResult, n)
	for range c.opts.SnapshotWorkers {
		wg.Go(func() { c.fetch(sctx, reqs, results) })
	}

	inflight := make(map[string]bool, n)
	retryAt := make(map[string]time.Time)
	fails := make(map[string]int)
	var retry <-chan time.Time
	// ask requests a snapshot for every symbol that needs one and has none
	// in flight and no retry pending; reqs has room for every symbol.
	ask := func() {
		now := c.clock.Now()
		var next time.Time
		for _, s := range c.h.names {
			if inflight[s] || !c.h.NeedsSnapshot(s) {
				continue
			}
			if t, ok := retryAt[s]; ok && now.Before(t) {
				if next.IsZero() || t.Before(next) {
					next = t
				}
				continue
			}
			delete(retryAt, s)
			inflight[s] = true
			reqs <- s
		}
		if !next.IsZero() {
			retry = c.clock.After(next.Sub(now))
		}
	}
	ask()
	age := c.clock.After(c.opts.MaxConnAge)
	resyncs := c.h.c.resyncs.Load()
	for {
		select {
		case <-ctx.Done():
			return res
		case <-age:
			res.aged = true
			return res
		case res.err = <-readErr:
			return res
		case f := <-frames:
			res.frames++
			c.h.received = f.at
			if err := c.h.OnFrame(f.buf.Bytes()); err != nil {
				c.log.Debug("binance: frame skipped", "venue", c.opts.Handler.Venue, "err", err)
			}
			c.h.received = 0
			select {
			case free <- f.buf:
			default:
			}
			if r := c.h.c.resyncs.Load(); r != resyncs {
				resyncs = r
				ask()
			}
		case r := <-results:
			delete(inflight, r.symbol)
			err := r.err
			if err == nil {
				c.h.received = r.at
				err = c.h.OnSnapshot(r.symbol, r.body)
				c.h.received = 0
				resyncs = c.h.c.resyncs.Load()
				if err == nil && c.h.NeedsSnapshot(r.symbol) {
					err = errors.New("the buffered diffs do not follow it")
				}
			}
			if err != nil {
				d := max(c.backoff(fails[r.symbol]), r.retryAfter)
				fails[r.symbol]++
				retryAt[r.symbol] = c.clock.Now().Add(d)
				c.log.Warn("binance: snapshot failed", "venue", c.opts.Handler.Venue, "symbol", r.symbol, "err", err, "retry in", d)
			} else {
				delete(fails, r.symbol)
			}
			ask()
		case <-retry:
			retry = nil
			ask()
		}
	}
}

// frame is one frame read from the socket and when its first bytes were
// (domain.Mono), the start of the feed stage: what follows, the rest of
// the read, the queue to the handler, the decode and the book's update,
// is the feed handler's time.
type frame struct {
	buf *bytes.Buffer
	at  int64
}

// read reads the connection's frames into buffers (reused through free)
// and queues them on out, until the connection fails or ctx ends.
func (c *Client) read(ctx context.Context, conn *websocket.Conn, out chan<- frame, free <-chan *bytes.Buffer) error {
	timeout := c.opts.ReadTimeout
	conn.SetReadLimit(maxFrame)
	conn.SetPingHandler(func(data string) error {
		_ = conn.SetReadDeadline(time.Now().Add(timeout))
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeWait))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	for {
		if err := conn.SetReadDeadline(time.Now().Add(timeout)); err != nil {
			return err
		}
		_, r, err := conn.NextReader()
		if err != nil {
			return err
		}
		at := domain.Mono()
		var b *bytes.Buffer
		select {
		case b = <-free:
			b.Reset()
		default:
			b = new(bytes.Buffer)
		}
		if _, err := b.ReadFrom(r); err != nil {
			return err
		}
		select {
		case out <- frame{b, at}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// fetch serves snapshot requests until ctx ends. out has room for a result
// per symbol and each symbol has at most one request in flight, so the
// send does not wait for the handler goroutine.
func (c *Client) fetch(ctx context.Context, reqs <-chan string, out chan<- snapResult) {
	for {
		select {
		case <-ctx.Done():
			return
		case s := <-reqs:
			body, retryAfter, err := c.snapshot(ctx, s)
			select {
			case out <- snapResult{symbol: s, body: body, err: err, retryAfter: retryAfter, at: domain.Mono()}:
			case <-ctx.Done():
				return
			}
		}
	}
}

// snapshot fetches symbol's depth snapshot. On a 429 (rate limited) or
// 418 (banned for ignoring 429s) it returns the venue's Retry-After, in
// seconds on the wire, as the least wait before the next try.
func (c *Client) snapshot(ctx context.Context, symbol string) ([]byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.restURL+url.QueryEscape(symbol), nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSnapshot))
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		var wait time.Duration
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusTeapot {
			if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && n > 0 {
				wait = time.Duration(n) * time.Second
			}
		}
		return nil, wait, fmt.Errorf("GET depth %s: HTTP %d: %.200s", symbol, resp.StatusCode, body)
	}
	return body, 0, nil
}

package binance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/core/domain"
)

// Options configure a Server. Each field says what its zero value means.
type Options struct {
	// Instruments are the venue's instruments (sim.Venue.Instruments), each
	// listed under its Binance symbol: its desk symbol in capitals without
	// separators ("BTC-USD" is BTCUSD). Zero (none) or two instruments with
	// one Binance symbol: New fails.
	Instruments []domain.Instrument
	// SendQueue bounds each websocket connection's queue of frames; a
	// client that lets it fill is disconnected. Zero: 4096.
	SendQueue int
	// RecentTrades is how many trades per symbol /api/v3/trades keeps.
	// Zero: 1000.
	RecentTrades int
	// Logger receives the server's few log lines. Zero (nil): none.
	Logger *slog.Logger

	// Accounts are the API keys order entry accepts, each with its secret
	// and each its own account. Zero (none): order entry answers every
	// request as Binance answers an unknown key (-2015, HTTP 401).
	Accounts []api.Credentials
	// Balances are an account's opening balances by asset, given to each
	// account the record does not hold yet (a new key, a new state dir).
	// Zero: accounts open empty.
	Balances map[string]decimal.Decimal
	// StateDir is the directory of the venue of record (the bbolt file
	// venue.db), created 0700 if missing. Zero: allowed only without
	// Accounts; New fails otherwise.
	StateDir string
	// Reports is the venue's execution reports (the channel passed as
	// sim.Options.Reports); Serve drains it. Zero (nil): allowed only
	// without Accounts.
	Reports <-chan domain.ExecReport
	// Fees is the venue's fee schedule (sim.Options.Fees): what a buy
	// locks beyond its notional, and the rates GET /api/v3/account
	// shows. The venue charges the fees; this only has to agree with it.
	// Zero: free.
	Fees sim.Fees
	// RateLimits are order entry's limits; each zero field is Binance's
	// default.
	RateLimits RateLimits
	// RequestQueue bounds the queue of order-entry requests waiting for
	// the ledger; a request that finds it full is answered -1008 (HTTP
	// 503), not executed. Zero: 1024.
	RequestQueue int
}

// RateLimits are order entry's rate limits, counted per account (an API
// key); the ban counts per client address.
type RateLimits struct {
	// Weight1m is the request weight per minute. Zero: 6000.
	Weight1m int
	// Orders10s is the new orders per 10 seconds. Zero: 50.
	Orders10s int
	// Orders1d is the new orders per day (UTC). Zero: 160000.
	Orders1d int
	// BanAfter is how many 429s a client address may earn within BanFor
	// with requests sent while an earlier Retry-After still ran (not
	// backing off) before it is answered 418 (banned) for BanFor. Zero: 5.
	BanAfter int
	// BanFor is how long a ban lasts, and the window BanAfter counts in.
	// Zero: 2 minutes.
	BanFor time.Duration
}

// Server serves a simulated venue over the Binance spot protocol: market
// data, and with Options.Accounts order entry against its venue of
// record. It is the venue's sim.MarketSink (and sim.DepthSink): pass it
// as sim.Options.Market to sim.New, and the venue's Reports channel as
// Options.Reports, then call Serve with the venue, and Close after.
type Server struct {
	opts    Options
	log     *slog.Logger
	start   time.Time
	markets []*market
	byName  map[string]*market // by Binance symbol
	byInst  map[domain.InstrumentID]*market
	venue   atomic.Pointer[sim.Venue]
	serving atomic.Bool

	mu    sync.RWMutex                  // guards subs and conns; see flush for why flushes hold it
	subs  map[string]map[*conn]struct{} // stream -> subscribers
	conns map[*conn]struct{}
	// stopping is set, under mu, when Serve shuts down: a websocket
	// upgraded after that is closed at once rather than started, so no
	// goroutine is added to wg once Serve waits on it.
	stopping bool
	wg       sync.WaitGroup // connection goroutines

	faultMu sync.Mutex
	stalled map[string]time.Time // stream -> until when its frames are dropped
	faults  map[faultKind]int    // order-entry faults still to inject, guarded by faultMu
	delay   time.Duration        // delay-acks' hold, guarded by faultMu

	// Order entry (nil without Accounts).
	keys    map[string]api.Credentials // by API key
	store   *store
	ledger  *ledger
	limits  *limiter
	users   *userHub
	listen  *listenKeys
	broken  atomic.Bool // a commit failed: order entry answers -1001
	closeMu sync.Mutex
}

var (
	_ sim.MarketSink = (*Server)(nil)
	_ sim.DepthSink  = (*Server)(nil)
)

// New builds a Server for opts.Instruments.
func New(opts Options) (*Server, error) {
	if opts.SendQueue == 0 {
		opts.SendQueue = 4096
	}
	if opts.RecentTrades == 0 {
		opts.RecentTrades = 1000
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RequestQueue == 0 {
		opts.RequestQueue = 1024
	}
	switch {
	case len(opts.Accounts) > 0 && (opts.StateDir == "" || opts.Reports == nil):
		return nil, fmt.Errorf("%w: Accounts need StateDir and Reports", ErrInvalidOptions)
	case opts.RequestQueue < 0:
		return nil, fmt.Errorf("%w: RequestQueue %d", ErrInvalidOptions, opts.RequestQueue)
	case len(opts.Instruments) == 0:
		return nil, fmt.Errorf("%w: no Instruments", ErrInvalidOptions)
	case opts.SendQueue < 0 || opts.RecentTrades < 0:
		return nil, fmt.Errorf("%w: SendQueue %d, RecentTrades %d", ErrInvalidOptions, opts.SendQueue, opts.RecentTrades)
	}
	s := &Server{opts: opts, log: opts.Logger, start: time.Now(),
		byName: map[string]*market{}, byInst: map[domain.InstrumentID]*market{},
		subs: map[string]map[*conn]struct{}{}, conns: map[*conn]struct{}{}, stalled: map[string]time.Time{},
		faults: map[faultKind]int{}, keys: map[string]api.Credentials{}, limits: newLimiter(opts.RateLimits, opts.Logger),
		users: newUserHub(), listen: newListenKeys()}
	for _, in := range opts.Instruments {
		m := newMarket(in, opts.RecentTrades)
		if m.name == "" || s.byName[m.name] != nil {
			return nil, fmt.Errorf("%w: instrument %q: Binance symbol %q empty or taken", ErrInvalidOptions, in.Symbol, m.name)
		}
		s.markets = append(s.markets, m)
		s.byName[m.name] = m
		s.byInst[in.ID] = m
	}
	for _, c := range opts.Accounts {
		s.keys[c.APIKey] = c
	}
	if len(opts.Accounts) > 0 {
		st, err := openStore(opts.StateDir)
		if err != nil {
			return nil, err
		}
		rec, err := st.load()
		if err != nil {
			st.close()
			return nil, err
		}
		if s.ledger, err = newLedger(s, st, rec); err != nil {
			st.close()
			return nil, err
		}
		s.store = st
	}
	return s, nil
}

// Close closes the venue of record's file. Call it after Serve returned;
// a Server without Accounts has nothing to close. Close is idempotent.
func (s *Server) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.store == nil {
		return nil
	}
	err := s.store.close()
	s.store = nil
	if err != nil {
		return fmt.Errorf("binance server: close record: %w", err)
	}
	return nil
}

// Listen listens on TCP address addr, refusing with ErrNotLoopback an
// address that is not loopback (a host that is not 127.0.0.0/8, ::1 or
// localhost, or an empty host, which means every interface) unless
// allowRemote is true.
func Listen(addr string, allowRemote bool) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("binance server: listen %q: %w", addr, err)
	}
	if !allowRemote {
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("%w: %q", ErrNotLoopback, addr)
		}
	}
	return net.Listen("tcp", addr)
}

// Serve serves the protocol on ln, answering queries from v (whose
// Options.Market must be s), until ctx is canceled; then it closes every
// connection and ln and returns nil, or the listener's error if it failed
// first. v must be running (sim.Venue.Run) for the REST depth and
// bookTicker to answer; while it is not, they fail with HTTP 503. With
// Accounts, Serve runs the ledger, which first sends the record's open
// orders back to v's books (waiting up to 10 s for v to run), and stops
// it last, answering what still waits -1001.
func (s *Server) Serve(ctx context.Context, ln net.Listener, v *sim.Venue) error {
	if !s.serving.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer s.serving.Store(false)
	s.venue.Store(v)
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	var fl sync.WaitGroup
	fl.Go(func() { s.runFlusher(done) })
	fl.Go(func() { s.runListenKeyExpiry(done) })
	lctx, lcancel := context.WithCancel(context.Background())
	defer lcancel()
	var lg sync.WaitGroup
	switch {
	case s.ledger != nil:
		lg.Go(func() { s.ledger.run(lctx, v, s.opts.Reports) })
	case s.opts.Reports != nil:
		lg.Go(func() { drainReports(lctx, s.opts.Reports) })
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("binance protocol server listening", "addr", ln.Addr().String(), "symbols", len(s.markets))
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	close(done)
	fl.Wait()
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = hs.Shutdown(sctx) // hijacked websockets are not waited for: see stopping
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	s.dropAll("server stopping")
	s.wg.Wait()
	lcancel()
	lg.Wait()
	s.mu.Lock()
	s.stopping = false // for a later Serve
	s.mu.Unlock()
	s.log.Info("binance protocol server stopped")
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Handler returns the server's HTTP handler: the REST API, the websocket
// endpoints, order entry (REST, the WebSocket API and the legacy listen
// keys) and the admin (fault) endpoint. Every other path is 404.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v3/ping", s.ping)
	mux.HandleFunc("GET /api/v3/time", s.serverTime)
	mux.HandleFunc("GET /api/v3/exchangeInfo", s.exchangeInfo)
	mux.HandleFunc("GET /api/v3/depth", s.depth)
	mux.HandleFunc("GET /api/v3/ticker/bookTicker", s.bookTicker)
	mux.HandleFunc("GET /api/v3/trades", s.trades)
	// Binance still answers the recent-trades query on its v1 path, which
	// clients such as go-binance use.
	mux.HandleFunc("GET /api/v1/trades", s.trades)
	mux.HandleFunc("GET /ws", s.wsRaw)
	mux.HandleFunc("GET /ws/{stream}", s.wsStream)
	mux.HandleFunc("GET /stream", s.wsCombined)
	mux.HandleFunc("POST /admin/fault", s.fault)
	s.orderRoutes(mux)
	return mux
}

// drainReports discards the venue's execution reports when nobody trades
// on the server, so that the venue never stalls on them.
func drainReports(ctx context.Context, reports <-chan domain.ExecReport) {
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-reports:
			if !ok {
				return
			}
		}
	}
}

// hasSubs reports whether stream has a subscriber, so that the venue
// goroutine encodes nothing nobody reads.
func (s *Server) hasSubs(stream string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.subs[stream]) > 0
}

// broadcast queues payload, a stream's event, on every subscriber. It
// never blocks: a subscriber whose queue is full is disconnected.
func (s *Server) broadcast(stream string, payload []byte) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.broadcastLocked(stream, payload)
}

func (s *Server) broadcastLocked(stream string, payload []byte) {
	subs := s.subs[stream]
	if len(subs) == 0 || s.isStalled(stream) {
		return
	}
	var wrapped []byte
	for c := range subs {
		if c.combined {
			if wrapped == nil {
				wrapped = wrap(stream, payload)
			}
			c.enqueue(wrapped)
		} else {
			c.enqueue(payload)
		}
	}
}

// wrap is a combined stream's envelope around payload.
func wrap(stream string, payload []byte) []byte {
	b := make([]byte, 0, len(payload)+len(stream)+22)
	b = append(b, `{"stream":"`...)
	b = append(b, stream...)
	b = append(b, `","data":`...)
	b = append(b, payload...)
	return append(b, '}')
}

func (s *Server) isStalled(stream string) bool {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	until, ok := s.stalled[stream]
	if !ok {
		return false
	}
	if time.Now().After(until) {
		delete(s.stalled, stream)
		return false
	}
	return true
}

// dropAll closes every websocket connection.
func (s *Server) dropAll(why string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for c := range s.conns {
		c.close(why)
	}
	return len(s.conns)
}

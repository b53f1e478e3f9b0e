package binance

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

// Venue is desk's adapter for a Binance spot account: an engine.Venue that
// sends signed orders over the WebSocket API (REST when it is down) and
// reports what the user data stream and the venue's answers say. See the
// package documentation.
type Venue struct {
	opts Options
	log  *slog.Logger

	syms   map[string]*symbol              // by venue symbol; filters written by Run before sending starts
	byInst map[domain.InstrumentID]*symbol // immutable after New

	out         chan request  // Submit, Cancel, Replace -> sender; bounded, never waited on
	held        []request     // cancels waiting for a 429 window to close; the sender's alone
	events      chan *event   // everything that may produce a report -> applier; bounded, producers wait
	restq       chan restJob  // sender -> REST workers while the WebSocket API is down
	resyncClock chan struct{} // -1021 seen: measure the clock again (room for one)

	running atomic.Bool
	ready   atomic.Bool // symbols and filters read: queries and orders may go
	clock   clock
	rates   rates
	ws      atomic.Pointer[wsAPI] // the live WebSocket API connection, nil while down
	// noWSCancelReplace is set once the WebSocket API refused
	// order.cancelReplace as a method: replaces go over REST from then on.
	noWSCancelReplace atomic.Bool
	res               *resolver

	// mu guards tracks and each track's fields. It is held only to read
	// or change them, never across I/O or a channel send.
	mu     sync.Mutex
	tracks map[domain.OrderID]*track
	outBuf []domain.ExecReport // the applier's reports of one event; applier only

	sess sessionState

	signer *api.Signer // signs WebSocket API requests; safe for concurrent use
}

// eventQueue bounds the queue of answers, stream events and query
// results waiting for the applier; their producers (the WebSocket
// reader, the REST workers, the resolver) wait while it is full, so
// nothing is dropped and a stalled report reader slows them down.
const eventQueue = 4096

// New checks o and builds a Venue; nothing connects until Run. It fails
// with ErrInvalidOptions naming the field.
func New(o Options) (*Venue, error) {
	o, err := o.defaults()
	if err != nil {
		return nil, err
	}
	v := &Venue{opts: o, log: o.Logger.With("venue", o.Name),
		syms: map[string]*symbol{}, byInst: map[domain.InstrumentID]*symbol{},
		out: make(chan request, o.QueueSize), events: make(chan *event, eventQueue),
		restq: make(chan restJob), resyncClock: make(chan struct{}, 1),
		tracks: map[domain.OrderID]*track{}, signer: api.NewSigner(o.Credentials.Secret)}
	for name, in := range o.Symbols {
		if v.byInst[in.ID] != nil {
			return nil, fmt.Errorf("%w: instrument %s is mapped twice (%s, %s)", ErrInvalidOptions, in.Symbol, v.byInst[in.ID].name, name)
		}
		if !validSymbol(name) {
			return nil, fmt.Errorf("%w: symbol %q", ErrInvalidOptions, name)
		}
		s := &symbol{name: name, inst: in, base: in.Base, quote: in.Quote, cancelReplace: true}
		v.syms[name] = s
		v.byInst[in.ID] = s
	}
	v.res = newResolver(v)
	return v, nil
}

func validSymbol(s string) bool {
	return api.OrderRef{Symbol: s, OrderID: 1}.Validate() == nil
}

// readTimeout is how long a websocket may stay silent before it is taken
// for dead; Binance pings every 20 s.
func (v *Venue) readTimeout() time.Duration { return time.Minute }

// Run connects and keeps the session until ctx is done: it measures the
// server clock, reads the symbols' filters (retrying with backoff until
// both succeed), then keeps a WebSocket API connection with the user data
// stream subscribed on it (or the legacy listenKey stream when the
// subscription is refused), reconnecting with backoff. Meanwhile it runs
// the sender, the REST workers, the report applier and the resolver of
// unknown outcomes. It returns nil once ctx is done and every goroutine
// it started has ended, or ErrRunning at once if it is already running.
func (v *Venue) Run(ctx context.Context) error {
	if !v.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer v.running.Store(false)
	fails := 0
	for !v.ready.Load() {
		err := v.syncClock(ctx)
		if err == nil {
			err = v.loadSymbols(ctx)
		}
		if err == nil {
			v.ready.Store(true)
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		d := v.backoff(fails)
		fails++
		v.log.Warn("binance: venue not reachable at start, retrying", "err", err, "in", d)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d):
		}
	}
	v.sess.set(&v.sess.rest, true, v)
	var wg sync.WaitGroup
	wctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		wg.Wait()
		v.sess.set(&v.sess.rest, false, v)
	}()
	wg.Go(func() { v.applier(wctx) })
	wg.Go(func() { v.sender(wctx) })
	for range v.opts.RESTWorkers {
		wg.Go(func() { v.restWorker(wctx) })
	}
	wg.Go(func() { v.res.run(wctx) })
	wg.Go(func() { v.clockKeeper(wctx) })
	fails = 0
	for ctx.Err() == nil {
		start := time.Now()
		err := v.session(wctx)
		if ctx.Err() != nil {
			break
		}
		if time.Since(start) > healthyAfter {
			fails = 0
		}
		d := v.backoff(fails)
		fails++
		v.log.Warn("binance: session lost, reconnecting", "err", err, "in", d)
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
	}
	return nil
}

// clockKeeper measures the clock again after a -1021 and every 10
// minutes, and probes REST while it is marked down.
func (v *Venue) clockKeeper(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	probe := time.NewTicker(time.Second)
	defer probe.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-v.resyncClock:
		case <-t.C:
		case <-probe.C:
			if v.sess.restOK() {
				continue
			}
		}
		if err := v.syncClock(ctx); err != nil && ctx.Err() == nil {
			v.log.Warn("binance: measuring the server clock failed", "err", err)
		}
	}
}

// backoff is the wait after fails consecutive failures: BackoffMin
// doubled fails times, at most BackoffMax, less a random part of up to
// half.
func (v *Venue) backoff(fails int) time.Duration {
	d := v.opts.BackoffMin
	for i := 0; i < fails && d < v.opts.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, v.opts.BackoffMax)
	return d - rand.N(d/2+1)
}

// Connected reports whether the session is up: orders can be sent and
// their reports arrive (Session's up).
func (v *Venue) Connected() bool { up, _ := v.Session(); return up }

// Session reports whether both the order-entry path (the WebSocket API,
// or REST while it is down) and the user data stream are up, and how
// many times that has become true since New: each reconnect of the
// stream is a new generation. Safe from any goroutine; never blocks.
func (v *Venue) Session() (up bool, generation uint64) {
	return v.sess.up.Load(), v.sess.gen.Load()
}

// RateUse is the venue's last statement of the account's rate-limit use:
// the X-MBX-USED-WEIGHT-1M and X-MBX-ORDER-COUNT-10S/-1D headers of REST
// answers, the rateLimits of WebSocket API answers, and the window of
// the last 429 or 418. It never blocks.
func (v *Venue) RateUse() domain.RateUse { return v.rates.load() }

// sessionState is the up state of the order-entry paths and the user
// data stream, and the generation count.
type sessionState struct {
	mu                sync.Mutex // guards the three flags and the transition of up
	wsAPI, rest, strm bool
	up                atomic.Bool // strm and (wsAPI or rest), while Run runs
	entry             atomic.Bool // wsAPI or rest: Submit reads it without the lock
	gen               atomic.Uint64
}

func (s *sessionState) streamOK() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.strm
}

func (s *sessionState) set(flag *bool, on bool, v *Venue) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*flag = on
	s.entry.Store(s.wsAPI || s.rest)
	up := s.strm && (s.wsAPI || s.rest) && v.running.Load()
	if up && !s.up.Load() {
		g := s.gen.Add(1)
		v.log.Info("binance: session up", "generation", g, "ws_api", s.wsAPI)
	} else if !up && s.up.Load() {
		v.log.Warn("binance: session down", "ws_api", s.wsAPI, "rest", s.rest, "stream", s.strm)
	}
	s.up.Store(up)
}

func (s *sessionState) restOK() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rest
}

func (v *Venue) restUp() {
	if !v.sess.restOK() && v.ready.Load() {
		v.sess.set(&v.sess.rest, true, v)
	}
}

func (v *Venue) restDown() {
	if v.sess.restOK() {
		v.sess.set(&v.sess.rest, false, v)
	}
}

// reqKind is what a request asks of the venue.
type reqKind uint8

const (
	reqNew reqKind = iota + 1
	reqCancel
	reqReplace
)

// request is what Submit, Cancel and Replace copy from the order for the
// sender: a value without pointers, so the caller's order may change at
// once.
type request struct {
	kind       reqKind
	id         domain.OrderID
	inst       domain.InstrumentID
	side       domain.Side
	typ        domain.OrderType
	tif        domain.TimeInForce
	postOnly   bool
	price      domain.Price
	stop       domain.Price
	qty        domain.Qty
	filled     domain.Qty
	venueID    uint64 // the OMS's venue order id, for an order without a track
	stamps     domain.Stamps
	enqueuedAt int64
}

// Submit queues o for the sender and returns at once. The outcome comes
// on Options.Reports: ExecAck and fills, ExecReject (the venue's refusal,
// or a local one: "venue-filter", "rate-limited", "unsupported"), or,
// when the venue's answer is lost, nothing until the resolver learns the
// truth by query. It fails with ErrNotRunning when Run is not running,
// ErrNotConnected while no order-entry path is up, ErrUnknownInstrument
// for an instrument not in Options.Symbols, and ErrQueueFull when the
// queue is full. It never blocks; the engine goroutine calls it.
func (v *Venue) Submit(o *domain.Order) error {
	if v.byInst[o.Instrument] == nil {
		return fmt.Errorf("order %s: %w", o.ID, ErrUnknownInstrument)
	}
	return v.enqueue(request{kind: reqNew, id: o.ID, inst: o.Instrument, side: o.Side, typ: o.Type, tif: o.TIF,
		postOnly: o.PostOnly, price: o.Price, stop: o.StopPrice, qty: o.Qty, stamps: o.Stamps}, true)
}

// Cancel queues a cancel of what is left of o. The outcome is ExecCanceled
// or ExecCancelReject; an unknown one is resolved by query. Cancels go
// even during a 429 window (not during a 418 ban: ExecCancelReject
// "rate-limited"). Errors and blocking as for Submit, except that a
// cancel is queued while order entry is down and goes when it is back.
func (v *Venue) Cancel(o *domain.Order) error {
	return v.enqueue(request{kind: reqCancel, id: o.ID, inst: o.Instrument, venueID: o.VenueOrderID, stamps: o.Stamps}, false)
}

// Replace queues a change of o's price and total quantity, sent as
// cancelReplace (STOP_ON_FAILURE) whose new order, client id
// "<id>-<n>", carries the leaves. The outcome is ExecReplaced (Qty the
// new total: filled plus the new order's quantity), ExecReplaceReject,
// or ExecCanceled when the cancel half succeeded and the new order
// failed. A qty not above what has filled is sent as a cancel. Errors and
// blocking as for Submit.
func (v *Venue) Replace(o *domain.Order, price domain.Price, qty domain.Qty) error {
	return v.enqueue(request{kind: reqReplace, id: o.ID, inst: o.Instrument, side: o.Side, typ: o.Type, tif: o.TIF,
		postOnly: o.PostOnly, price: price, stop: o.StopPrice, qty: qty, filled: o.Filled, stamps: o.Stamps}, true)
}

func (v *Venue) enqueue(r request, needEntry bool) error {
	if !v.running.Load() || !v.ready.Load() {
		return fmt.Errorf("order %s: %w", r.id, ErrNotRunning)
	}
	if needEntry && !v.sess.entry.Load() {
		return fmt.Errorf("order %s: %w", r.id, ErrNotConnected)
	}
	r.enqueuedAt = domain.Mono()
	select {
	case v.out <- r:
		return nil
	default:
		return fmt.Errorf("order %s: %w", r.id, ErrQueueFull)
	}
}

// post hands ev to the applier, waiting while its queue is full (the
// report path never drops) until ctx is done.
func (v *Venue) post(ctx context.Context, ev *event) {
	select {
	case v.events <- ev:
	case <-ctx.Done():
	}
}

// String gives "binance.Venue{Name: ..., ID: ..., Credentials{...}}":
// the venue's name, id and key hint, never the secret.
func (v *Venue) String() string {
	return "binance.Venue{Name: " + v.opts.Name + ", ID: " + strconv.FormatUint(uint64(v.opts.ID), 10) +
		", " + v.opts.Credentials.String() + "}"
}

// Format writes String for every verb and flag, so that no formatting of
// a Venue reads its live state (a data race) or reaches its keys.
func (v *Venue) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, v.String()) }

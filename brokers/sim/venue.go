package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"time"

	"github.com/desk-trading/desk/brokers/sim/match"
	"github.com/desk-trading/desk/core/domain"
)

// ReasonUnknownInstrument is the Reason of an ExecReject for an order on an
// instrument the venue does not list. The other reasons come from package
// match (match.ReasonPostOnlyWouldCross, match.ReasonBadQty, ...); an
// off-tick price is "bad-price" and an off-lot quantity "bad-qty".
const ReasonUnknownInstrument = "unknown-instrument"

// Venue is a simulated exchange: one price-time priority book per
// instrument, background order flow, fees and latency. Build it with New,
// run it with Run, and trade on it through Submit, Cancel and Replace, which
// make it an engine.Venue.
type Venue struct {
	cfg   config
	start time.Time // anchors the monotonic clock of request timestamps

	in      chan request // bounded; Submit, Cancel and Replace never block on it
	queries chan func()  // OpenOrders and Orders: run by the venue goroutine between batches
	session atomic.Pointer[session]
	runs    atomic.Uint64 // calls of Run so far: the session generation

	depthSink DepthSink // Options.Market when it implements DepthSink, else nil

	// mirrorWake holds a token while some market has a mirrored book not
	// yet applied (see Mirror); mirrorUnknown counts the books Mirror
	// ignored because the venue does not list their instrument.
	mirrorWake    chan struct{}
	mirrorUnknown atomic.Uint64

	// Everything below is owned by the goroutine running Run.
	markets   []*market
	byID      map[domain.InstrumentID]*market
	clients   map[domain.OrderID]clientOrder // live client orders, by client id
	ended     fifo[*orderRec]                // ended client orders, oldest first, at most History
	spare     []*orderRec                    // records of forgotten orders, for reuse
	lastSeq   uint64                         // last orderRec.seq handed out
	pending   fifo[request]                  // requests on their way to the books
	outbox    fifo[outReport]                // reports on their way to the engine
	lastVOID  uint64                         // last venue order id handed out
	lastTrade uint64                         // last trade id handed out
	nextFlow  int64                          // monotonic time of the next flow tick
	now       int64                          // monotonic time of the current batch
	wall      int64                          // unix time of the current batch
}

// session is one call of Run; done closes when it returns.
type session struct{ done chan struct{} }

// market is one instrument's book and everything the venue keeps about it.
type market struct {
	inst      domain.Instrument
	book      *match.Book
	flow      flow
	published uint64 // book.Version() when last published
	update    domain.BookUpdate
	trade     domain.Trade
	depth     Depth        // handed to the DepthSink
	scratch   depthScratch // reused by fullDepth
	mirror    mirror       // outside liquidity, when Mirror is used
}

// clientOrder is what the venue remembers of a live client order.
type clientOrder struct {
	void   uint64
	market *market
	stamps domain.Stamps
	rec    *orderRec
}

type reqKind uint8

const (
	reqSubmit reqKind = iota + 1
	reqCancel
	reqReplace
)

// request is an order, cancel or replace as copied by Submit, Cancel or
// Replace. It is a value with no pointers: it crosses the channel without
// allocating and the caller's order can change at once.
type request struct {
	kind     reqKind
	postOnly bool
	side     domain.Side
	typ      domain.OrderType
	tif      domain.TimeInForce
	at       int64 // monotonic time it was handed over
	id       domain.OrderID
	inst     domain.InstrumentID
	price    domain.Price
	qty      domain.Qty
	stamps   domain.Stamps
}

type outReport struct {
	due int64
	r   domain.ExecReport
}

// New builds a venue from opts. It fails with ErrInvalidOptions when a field
// is out of range. With background flow on, each book starts with one order
// a level on each side around its InitialPrice.
func New(opts Options) (*Venue, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	v := &Venue{
		cfg:        cfg,
		start:      time.Now(),
		in:         make(chan request, cfg.QueueSize),
		queries:    make(chan func()),
		mirrorWake: make(chan struct{}, 1),
		byID:       make(map[domain.InstrumentID]*market, len(cfg.Instruments)),
		clients:    make(map[domain.OrderID]clientOrder),
	}
	v.depthSink, _ = cfg.Market.(DepthSink)
	for i, si := range cfg.Instruments {
		m := &market{inst: si.Instrument, book: match.NewBook(1024)}
		m.update = domain.BookUpdate{Instrument: m.inst.ID, Venue: cfg.ID}
		m.trade = domain.Trade{Instrument: m.inst.ID, Venue: cfg.ID}
		// One stream per instrument, so that listing another instrument does
		// not change this one's flow.
		m.flow.rng = rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(i)))
		m.flow.fair = float64(si.InitialPrice / m.inst.TickSize)
		v.markets = append(v.markets, m)
		v.byID[m.inst.ID] = m
	}
	if cfg.Flow.OpsPerTick > 0 {
		for _, m := range v.markets {
			v.seedFlow(m)
		}
	}
	return v, nil
}

// Connected reports whether Run is running, that is whether the venue takes
// requests. Safe to call from any goroutine.
func (v *Venue) Connected() bool { return v.session.Load() != nil }

// Session reports whether Run is running and how many times it has been
// called (engine.SessionReporter): a venue stopped and run again is a
// session that came back, and must be reconciled.
func (v *Venue) Session() (up bool, generation uint64) {
	g := v.runs.Load()
	return v.Connected(), g
}

// Submit queues a new order o for the book of o.Instrument and returns at
// once, copying what it needs so o may change afterwards. Its outcome comes
// back on Options.Reports: ExecAck then fills, or ExecReject. It returns
// ErrQueueFull when the inbound queue is full and ErrNotRunning when Run is
// not running. It never blocks or allocates, so the engine goroutine may
// call it.
func (v *Venue) Submit(o *domain.Order) error {
	return v.send(request{kind: reqSubmit, id: o.ID, inst: o.Instrument, side: o.Side, typ: o.Type,
		tif: o.TIF, postOnly: o.PostOnly, price: o.Price, qty: o.Qty, stamps: o.Stamps})
}

// Cancel queues a cancel of what is left of o, found by o.ID. The outcome is
// an ExecCanceled, or an ExecCancelReject when the venue holds no live order
// o.ID. Errors and blocking as for Submit.
func (v *Venue) Cancel(o *domain.Order) error {
	return v.send(request{kind: reqCancel, id: o.ID, inst: o.Instrument, stamps: o.Stamps})
}

// Replace queues a change of o's limit price and total quantity (filled
// quantity included). The outcome is an ExecReplaced (then fills, when the
// new price crosses), an ExecCanceled when qty is not above what has
// filled, or an ExecReplaceReject. A lower quantity at the same price keeps
// the order's place in the queue; anything else sends it to the back.
// Errors and blocking as for Submit.
func (v *Venue) Replace(o *domain.Order, price domain.Price, qty domain.Qty) error {
	return v.send(request{kind: reqReplace, id: o.ID, inst: o.Instrument, price: price, qty: qty, stamps: o.Stamps})
}

func (v *Venue) send(r request) error {
	if v.session.Load() == nil {
		return ErrNotRunning
	}
	r.at = v.mono()
	select {
	case v.in <- r:
		return nil
	default:
		return ErrQueueFull
	}
}

// OpenOrders returns the ids of the client orders resting on the venue's
// books, sorted, as the venue goroutine sees them between two batches.
// Orders still within Latency of their Submit are not on a book yet and are
// not listed. It fails with ErrNotRunning when Run is not running and with
// ctx's error when ctx ends first. The slice is the caller's.
func (v *Venue) OpenOrders(ctx context.Context) ([]domain.OrderID, error) {
	return ask(ctx, v, "open orders", v.openOrders)
}

// ask has the venue goroutine call f between two batches and returns what
// f returned. f runs on the venue goroutine and may read all venue state;
// what it returns must not share memory with that state. It fails with
// ErrNotRunning when Run is not running and with ctx's error (naming the
// query what) when ctx ends first.
func ask[T any](ctx context.Context, v *Venue, what string, f func() T) (T, error) {
	var zero T
	s := v.session.Load()
	if s == nil {
		return zero, ErrNotRunning
	}
	if err := ctx.Err(); err != nil {
		return zero, fmt.Errorf("sim venue %s: %s: %w", v.cfg.Name, what, err)
	}
	reply := make(chan T, 1)
	select {
	case v.queries <- func() { reply <- f() }:
	case <-s.done:
		return zero, ErrNotRunning
	case <-ctx.Done():
		return zero, fmt.Errorf("sim venue %s: %s: %w", v.cfg.Name, what, ctx.Err())
	}
	// The venue runs the query at once after taking it, before it could
	// stop, and the reply is buffered, so waiting on it alone cannot hang.
	return <-reply, nil
}

func (v *Venue) openOrders() []domain.OrderID {
	ids := make([]domain.OrderID, 0, len(v.clients))
	for id := range v.clients {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// mono returns monotonic nanoseconds since New.
func (v *Venue) mono() int64 { return int64(time.Since(v.start)) }

// Run runs the venue in the calling goroutine until ctx is canceled, then
// returns nil. While it runs, Connected is true and the venue takes
// requests; after it returns they fail with ErrNotRunning, and requests
// still queued or within Latency are kept for the next Run, as orders in
// flight to a disconnected exchange stay unconfirmed. The books, the client
// orders and what Orders returns survive between runs. Run returns
// ErrRunning if another Run is running. It starts no goroutine.
func (v *Venue) Run(ctx context.Context) error {
	s := &session{done: make(chan struct{})}
	if !v.session.CompareAndSwap(nil, s) {
		return ErrRunning
	}
	v.runs.Add(1)
	defer close(s.done)
	defer v.session.Store(nil)
	log := v.cfg.Logger.With("venue", v.cfg.Name)
	log.Info("simulated venue running", "instruments", len(v.markets), "latency", v.cfg.Latency,
		"flow_ops_per_tick", v.cfg.Flow.OpsPerTick)
	defer log.Info("simulated venue stopped")

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	v.nextFlow = v.mono() + int64(v.cfg.Flow.Interval)
	for {
		if ctx.Err() != nil {
			return nil
		}
		if !v.step(ctx) {
			return nil
		}
		var wake <-chan time.Time
		if next, ok := v.nextDue(); ok {
			d := time.Duration(next - v.mono())
			if d <= 0 {
				continue
			}
			timer.Reset(d)
			wake = timer.C
		}
		select {
		case <-ctx.Done():
			return nil
		case r := <-v.in:
			v.accept(r)
			v.drain()
		case q := <-v.queries:
			q()
		case <-v.mirrorWake:
			v.applyMirrors()
		case <-wake:
		}
		timer.Stop()
	}
}

// accept queues r until it is due at the book.
func (v *Venue) accept(r request) { v.pending.push(r) }

// drain takes whatever else is already queued, so that one batch handles a
// burst and its books are published once.
func (v *Venue) drain() {
	for range cap(v.in) {
		select {
		case r := <-v.in:
			v.accept(r)
		default:
			return
		}
	}
}

// nextDue returns the monotonic time of the next thing to do, ok false when
// nothing is scheduled.
func (v *Venue) nextDue() (int64, bool) {
	next, ok := int64(0), false
	consider := func(t int64) {
		if !ok || t < next {
			next, ok = t, true
		}
	}
	if v.pending.len() > 0 {
		consider(v.pending.peek().at + int64(v.cfg.Latency))
	}
	if v.outbox.len() > 0 {
		consider(v.outbox.peek().due)
	}
	if v.cfg.Flow.OpsPerTick > 0 {
		consider(v.nextFlow)
	}
	return next, ok
}

// step is one processing batch: the requests that have reached the books,
// a flow tick if one is due, then one book publication per changed
// instrument and the delivery of the reports that are due. It returns false
// when ctx ended while a report was waiting to be delivered.
func (v *Venue) step(ctx context.Context) bool {
	v.setClock()
	for v.pending.len() > 0 && v.pending.peek().at+int64(v.cfg.Latency) <= v.now {
		r := v.pending.pop()
		v.handle(&r)
	}
	if f := &v.cfg.Flow; f.OpsPerTick > 0 && v.nextFlow <= v.now {
		for _, m := range v.markets {
			v.flowTick(m)
		}
		v.nextFlow += int64(f.Interval)
		// When the venue falls far behind (a stalled engine, a paused
		// process), skip the missed ticks rather than replay them in a
		// burst.
		if v.nextFlow < v.now-10*int64(f.Interval) {
			v.nextFlow = v.now + int64(f.Interval)
		}
	}
	v.publish()
	return v.flush(ctx)
}

// setClock sets the time of the current batch.
func (v *Venue) setClock() {
	t := time.Now()
	v.now, v.wall = int64(t.Sub(v.start)), t.UnixNano()
}

// publish sends each book that changed since it was last published.
func (v *Venue) publish() {
	for _, m := range v.markets {
		ver := m.book.Version()
		if ver == m.published {
			continue
		}
		m.published = ver
		if v.cfg.Market == nil {
			continue
		}
		m.update.Seq++
		m.update.VenueTime = v.wall
		m.update.Stamps = domain.Stamps{} // a new publication: its stamps are the feed handler's to take
		m.book.Depth(&m.update)
		v.cfg.Market.Book(&m.update)
		v.publishDepth(m)
	}
}

// flush delivers the reports that are due. The send blocks on purpose:
// reports are never dropped, so a slow reader stalls the venue rather than
// lose a fill. It returns false when ctx ended while waiting.
func (v *Venue) flush(ctx context.Context) bool {
	for v.outbox.len() > 0 && v.outbox.peek().due <= v.now {
		select {
		case v.cfg.Reports <- v.outbox.peek().r:
			v.outbox.pop()
		case <-ctx.Done():
			return false
		}
	}
	return true
}

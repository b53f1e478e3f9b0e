package strategy

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/desk-trading/desk/core/domain"
)

// HostOptions configure a Host. Strategy, Submit and NextID are required.
type HostOptions struct {
	// ID is the strategy's id, set on every intent it sends.
	ID domain.StrategyID
	// Name is the strategy's configured name, for logs. Empty means the id
	// in decimal.
	Name string
	// Strategy is the instance to run, typically from Registry.New.
	Strategy Strategy
	// Instruments are those the strategy trades, built with
	// domain.NewInstrument; only their books are delivered, and only they
	// may be ordered. IDs and symbols must be unique; IDs are dense table
	// indexes (below 1<<20). Empty means a strategy that receives no books.
	Instruments []domain.Instrument
	// Venues are the venues whose books the strategy will receive, so their
	// book slots are allocated now. Nil is fine: a venue's slots are then
	// allocated when its first book arrives.
	Venues []domain.VenueID
	// Submit hands an intent to the engine's inbox. It is called from the
	// strategy goroutine, may block briefly, and returns an error when the
	// engine has stopped. in is reused by the next call: Submit must copy
	// it before returning.
	Submit func(in *domain.Intent) error
	// NextID returns a fresh order id; called from the strategy goroutine.
	// It must be safe to call concurrently with other strategies' hosts.
	NextID func() domain.OrderID
	// OnFailure is called once when the strategy fails: its OnStart returned
	// an error, a callback panicked, or its event backlog overflowed. The
	// engine then halts the strategy. It is never called from the engine
	// goroutine (an overflow reports from a goroutine of its own), so it may
	// block briefly to post to the engine's inbox, but must not call back
	// into the Host. Nil means failures are only logged and returned by Run.
	OnFailure func(id domain.StrategyID, err error)
	// Clock is the time Context.Now and OnTimer report. Nil means time.Now.
	// The timer itself ticks on wall time.
	Clock func() time.Time
	// TimerInterval is how often OnTimer is called, for strategies that
	// implement TimerHandler. Zero means one second.
	TimerInterval time.Duration
	// Seed seeds Context.Rand, together with ID. Zero is a seed like any
	// other: the same Seed and ID always give the same sequence.
	Seed int64
	// MaxBacklog is how many order, fill and state events may wait for the
	// strategy before it is deemed stuck and fails with ErrBacklog. Zero
	// means 100000.
	MaxBacklog int
	// State is the trading state Context.State reports until the engine
	// calls OnState. Zero means Active.
	State domain.TradingState
	// Logger receives the Host's and the strategy's logs, with the
	// strategy's name and id attached. Nil discards them.
	Logger *slog.Logger
}

// Host runs one strategy in its own goroutine (Run) and implements the
// engine's StrategyHost: the engine delivers books, orders, fills and state
// changes through OnBook, OnOrder, OnFill and OnState, which never block,
// and the strategy sends intents back through HostOptions.Submit.
type Host struct {
	id        domain.StrategyID
	name      string
	strat     Strategy
	starter   Starter
	orders    OrderHandler
	fills     FillHandler
	timer     TimerHandler
	states    StateHandler
	interval  time.Duration
	onFailure func(domain.StrategyID, error)
	log       *slog.Logger

	mb *mailbox
	// stratCtx is what the strategy sees and acts through; a Context,
	// not a context.Context.
	stratCtx Context

	ran     atomic.Bool
	failed  atomic.Bool
	started bool // OnStart ran (Start): Run does not run it again

	// lastTimer is when TimerNow last called OnTimer.
	lastTimer time.Time
	// seeded counts the events that were queued when Unbind seeded the
	// Context's copies, which already reflect them (see mirror).
	seeded int

	// Consumer side, owned by the goroutine in Run.
	batch []event
	dirty []int
	small int // batches in a row that fit in keepBatch while cap(batch) exceeds it

	booksDone  atomic.Uint64
	eventsDone atomic.Uint64
	timersDone atomic.Uint64
}

// Stats are a Host's delivery counters, for metrics and tests.
type Stats struct {
	Books           uint64 // books received for the strategy's instruments
	BooksDelivered  uint64 // OnBook calls completed; the rest were conflated away or are pending
	Events          uint64 // order, fill and state events received
	EventsDelivered uint64 // of those, processed by the strategy goroutine
	Backlog         int    // events queued and not yet taken by the strategy goroutine
	Timers          uint64 // OnTimer calls completed
}

const (
	defaultTimerInterval = time.Second
	defaultMaxBacklog    = 100_000
	maxInstrumentID      = 1 << 20
	// keepBatch is the largest event batch always kept for reuse. A bigger
	// one, grown by a burst, is released after trimAfter batches in a row
	// that would have fit in keepBatch: kept under sustained load, freed
	// once the burst is over.
	keepBatch = 4096
	trimAfter = 64
)

// NewHost returns a Host for opts.Strategy. It fails with ErrBadOptions when
// Strategy, Submit or NextID is missing, or an instrument lacks a tick or
// lot size or repeats an id or a symbol.
func NewHost(opts HostOptions) (*Host, error) {
	switch {
	case opts.Strategy == nil:
		return nil, fmt.Errorf("strategy %d: no Strategy: %w", opts.ID, ErrBadOptions)
	case opts.Submit == nil:
		return nil, fmt.Errorf("strategy %d: no Submit: %w", opts.ID, ErrBadOptions)
	case opts.NextID == nil:
		return nil, fmt.Errorf("strategy %d: no NextID: %w", opts.ID, ErrBadOptions)
	}
	name := opts.Name
	if name == "" {
		name = strconv.FormatUint(uint64(opts.ID), 10)
	}
	instruments := append([]domain.Instrument(nil), opts.Instruments...)
	bySymbol := make(map[string]int, len(instruments))
	maxID := -1
	for i := range instruments {
		in := &instruments[i]
		if in.ID >= maxInstrumentID {
			return nil, fmt.Errorf("strategy %s: instrument %s id %d too large: %w", name, in.Symbol, in.ID, ErrBadOptions)
		}
		if in.TickSize <= 0 || in.LotSize <= 0 {
			return nil, fmt.Errorf("strategy %s: instrument %s has no tick or lot size: %w", name, in.Symbol, ErrBadOptions)
		}
		if _, dup := bySymbol[in.Symbol]; dup {
			return nil, fmt.Errorf("strategy %s: instrument %s twice: %w", name, in.Symbol, ErrBadOptions)
		}
		bySymbol[in.Symbol] = i
		maxID = max(maxID, int(in.ID))
	}
	index := make([]int32, maxID+1)
	for i := range index {
		index[i] = -1
	}
	for i := range instruments {
		if index[instruments[i].ID] >= 0 {
			return nil, fmt.Errorf("strategy %s: instrument id %d twice: %w", name, instruments[i].ID, ErrBadOptions)
		}
		index[instruments[i].ID] = int32(i)
	}

	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("strategy", name, "strategy_id", opts.ID)
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	interval := opts.TimerInterval
	if interval <= 0 {
		interval = defaultTimerInterval
	}
	maxBacklog := opts.MaxBacklog
	if maxBacklog <= 0 {
		maxBacklog = defaultMaxBacklog
	}
	state := opts.State
	if state == 0 {
		state = domain.Active
	}

	h := &Host{
		id: opts.ID, name: name, strat: opts.Strategy,
		interval: interval, onFailure: opts.OnFailure, log: log,
	}
	h.starter, _ = opts.Strategy.(Starter)
	h.orders, _ = opts.Strategy.(OrderHandler)
	h.fills, _ = opts.Strategy.(FillHandler)
	h.timer, _ = opts.Strategy.(TimerHandler)
	h.states, _ = opts.Strategy.(StateHandler)
	h.mb = newMailbox(index, len(instruments), opts.Venues, maxBacklog, h.fail)
	h.mb.state.Store(uint32(state))
	h.stratCtx = Context{
		id: opts.ID, name: name, clock: clock, submit: opts.Submit, nextID: opts.NextID,
		log: log, rnd: rand.New(rand.NewPCG(uint64(opts.Seed), uint64(opts.ID))),
		state:       &h.mb.state,
		instruments: instruments, index: index, bySymbol: bySymbol,
		positions: make([]domain.Qty, len(instruments)),
		open:      make([][]domain.Order, len(instruments)),
	}
	h.stratCtx.addVenues(h.mb.venues)
	h.dirty = make([]int, 0, len(h.mb.slots))
	return h, nil
}

// ID returns the strategy's id.
func (h *Host) ID() domain.StrategyID { return h.id }

// Name returns the strategy's name.
func (h *Host) Name() string { return h.name }

// OnBook delivers a venue's book. It copies b and never blocks; when the
// strategy lags, only the latest book per (venue, instrument) is kept.
// Books for instruments the strategy does not trade are ignored. Safe to
// call from any goroutine; the engine calls it from its own.
func (h *Host) OnBook(b *domain.BookUpdate) { h.mb.putBook(b) }

// OnOrder delivers a change of one of the strategy's orders. It copies o,
// never blocks and never drops it, unless the backlog overflows (see
// HostOptions.MaxBacklog) or Run has returned.
func (h *Host) OnOrder(o *domain.Order) { h.mb.putOrder(o) }

// OnFill delivers a fill of one of the strategy's orders, like OnOrder,
// with the strategy's position in the instrument after it, as the engine's
// ledger has it: unless bound to a Ledger (Bind), which it reads instead,
// the Context shows that position rather than adding up fills of its own.
func (h *Host) OnFill(f *domain.Fill, position domain.Qty) { h.mb.putFill(f, position) }

// OnState tells the strategy its effective trading state changed. It takes
// effect at once for Context.State and is queued for StateHandler. The
// Host keeps delivering events in every state: refusing orders is the
// engine's job.
func (h *Host) OnState(s domain.TradingState) { h.mb.putState(s) }

// Stats returns the Host's delivery counters. Safe to call from any
// goroutine. The delivered counts are read before the received ones, so
// EventsDelivered == Events means the strategy had handled every event
// received so far, including those its own callbacks caused.
func (h *Host) Stats() Stats {
	booksDone, eventsDone := h.booksDone.Load(), h.eventsDone.Load()
	books, events, backlog := h.mb.counts()
	return Stats{
		Books: books, BooksDelivered: booksDone,
		Events: events, EventsDelivered: eventsDone,
		Backlog: backlog, Timers: h.timersDone.Load(),
	}
}

// OnRestore sets the strategy's position in instrument i to q, as the
// engine rebuilt it from the journal, so a restarted strategy knows what
// it holds. The engine calls it before Run starts; afterwards it is
// ignored, because the Context then belongs to the strategy's goroutine.
// A host bound to a Ledger reads positions there, and Unbind seeds them
// afresh.
func (h *Host) OnRestore(i domain.InstrumentID, q domain.Qty) {
	if h.ran.Load() {
		h.log.Error("position restore after start ignored", "instrument", i)
		return
	}
	if k, ok := instrumentIndex(h.stratCtx.index, i); ok {
		h.stratCtx.positions[k] = q
	}
}

// Run is the strategy's goroutine: it calls OnStart, then delivers events
// until ctx is done or the strategy fails. Within one wake-up it delivers
// the queued orders, fills and state changes first, in order, each after
// updating the Context's positions and open orders, then the books that
// changed, in slot order. A host bound to a Ledger must be unbound first
// (Unbind): Run returns ErrBound otherwise.
//
// Run returns nil when ctx is done. It returns an error, after calling
// HostOptions.OnFailure once, when OnStart fails, when a callback panics
// (wrapping ErrPanicked; the stack is logged) or when the backlog overflows
// (wrapping ErrBacklog). A strategy stuck inside a callback keeps Run from
// returning: Go cannot stop it, but OnFailure still reports the overflow so
// the engine halts it. After Run returns, every delivery is dropped. Run
// may be called only once; a second call returns ErrAlreadyRun.
func (h *Host) Run(ctx context.Context) error {
	if !h.ran.CompareAndSwap(false, true) {
		return fmt.Errorf("strategy %s: %w", h.name, ErrAlreadyRun)
	}
	defer h.mb.close()
	var err error
	if h.stratCtx.ledger != nil || slices.ContainsFunc(h.stratCtx.shared, func(b *domain.BookUpdate) bool { return b != nil }) {
		// Its goroutine must not read the engine's state.
		err = ErrBound
	} else {
		err = h.run(ctx)
	}
	if err != nil {
		err = fmt.Errorf("strategy %s: %w", h.name, err)
		h.fail(err)
	}
	return err
}

func (h *Host) run(ctx context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrPanicked, r)
			h.log.Error("strategy panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	if h.starter != nil && !h.started {
		if err := h.starter.OnStart(&h.stratCtx); err != nil {
			return fmt.Errorf("start: %w", err)
		}
	}
	h.started = true
	var tick <-chan time.Time
	if h.timer != nil {
		t := time.NewTicker(h.interval)
		defer t.Stop()
		tick = t.C
	}
	// Events may have arrived before Run.
	if err := h.deliver(); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-h.mb.notify:
			if err := h.deliver(); err != nil {
				return err
			}
		case <-tick:
			h.stratCtx.trigger = timerStamps()
			h.timer.OnTimer(&h.stratCtx, h.stratCtx.clock())
			h.stratCtx.trigger = domain.Stamps{}
			h.timersDone.Add(1)
		}
	}
}

// deliver takes what the mailbox holds and hands it to the strategy.
func (h *Host) deliver() error {
	var err error
	h.batch, h.dirty, err = h.mb.take(h.batch[:0], &h.stratCtx, h.dirty[:0])
	if err != nil {
		return err
	}
	c := &h.stratCtx
	c.trigger = domain.Stamps{}
	for k := range h.batch {
		e := &h.batch[k]
		mirror := h.mirror()
		switch e.kind {
		case evOrder:
			switch {
			case mirror:
				c.applyOrder(&e.order)
			case c.ledger != nil:
				c.ledger.taken(e.order.ID)
			case e.order.State.Terminal():
				// Queued before Unbind: an order that ended is out
				// of the seed already, unless the seed took it from
				// those placed and not yet taken.
				c.applyOrder(&e.order)
			}
			if h.orders != nil {
				h.orders.OnOrder(c, &e.order)
			}
		case evFill:
			if mirror {
				c.setPosition(e.fill.Instrument, e.position)
			}
			if h.fills != nil {
				h.fills.OnFill(c, &e.fill)
			}
		case evState:
			if h.states != nil {
				h.states.OnState(c, e.state)
			}
		}
		h.eventsDone.Add(1)
	}
	h.trimBatch()
	for _, k := range h.dirty {
		b := &c.books[k]
		c.trigger = b.Stamps
		h.strat.OnBook(c, b)
		h.booksDone.Add(1)
	}
	c.trigger = domain.Stamps{}
	return nil
}

// trimBatch releases a batch buffer grown by a burst once the burst is
// over. The buffer alternates with the producer's queue, so each is trimmed
// in turn.
func (h *Host) trimBatch() {
	switch {
	case cap(h.batch) <= keepBatch:
		h.small = 0
	case len(h.batch) > keepBatch:
		h.small = 0
	default:
		h.small++
		if h.small >= trimAfter {
			h.batch, h.small = nil, 0
		}
	}
}

// fail reports the strategy's failure once.
func (h *Host) fail(err error) {
	if !h.failed.CompareAndSwap(false, true) {
		return
	}
	h.log.Error("strategy failed; the engine halts it", "err", err)
	if h.onFailure != nil {
		h.onFailure(h.id, err)
	}
}

// A Host is either run on its own goroutine (Run) or driven by its owner,
// the engine, on the owner's goroutine: Start once, then DeliverNow after
// handing it events and TimerNow on the owner's clock. A driven host may
// be moved to a goroutine of its own at any time by calling Run, which
// then carries on from where the owner left it (it does not start the
// strategy again). The owner must not call the driving methods
// concurrently with each other or after Run.
//
// A driven host's callbacks run on the owner's goroutine, so its Context
// can read the owner's own records of the strategy's positions and orders
// rather than copies: the owner binds it to them (Bind) before Start, and
// unbinds it (Unbind) just before Run.

// Start calls the strategy's OnStart, for a host its owner drives. A
// panic is returned as ErrPanicked; either error closes the mailbox.
func (h *Host) Start() (err error) {
	defer h.recoverDriven(&err)
	h.started = true
	if h.starter != nil {
		if err := h.starter.OnStart(&h.stratCtx); err != nil {
			return fmt.Errorf("strategy %s: start: %w", h.name, err)
		}
	}
	return nil
}

// DeliverNow hands the strategy what its mailbox holds, on the caller's
// goroutine. A panic in a callback is returned as ErrPanicked and a
// backlog overflow as ErrBacklog; after either, the mailbox is closed and
// the host does nothing more. The failure is not reported through
// HostOptions.OnFailure: the owner, which called, handles it.
func (h *Host) DeliverNow() (err error) {
	if h.failed.Load() {
		return nil
	}
	defer h.recoverDriven(&err)
	h.stratCtx.ledger.begin()
	if err := h.deliver(); err != nil {
		return fmt.Errorf("strategy %s: %w", h.name, err)
	}
	return nil
}

// TimerNow calls OnTimer when the timer interval has passed since the last
// call, for a host its owner drives; now is the wall time.
func (h *Host) TimerNow(now time.Time) (err error) {
	if h.timer == nil || h.failed.Load() || now.Sub(h.lastTimer) < h.interval {
		return nil
	}
	defer h.recoverDriven(&err)
	h.stratCtx.ledger.begin()
	h.lastTimer = now
	h.stratCtx.trigger = timerStamps()
	h.timer.OnTimer(&h.stratCtx, h.stratCtx.clock())
	h.stratCtx.trigger = domain.Stamps{}
	h.timersDone.Add(1)
	return nil
}

// timerStamps are the trigger of a timer callback: an order it places is
// timed from the timer's firing, as a book's order is from the book.
func timerStamps() domain.Stamps {
	now := domain.Mono()
	return domain.Stamps{Received: now, Decoded: now}
}

// recoverDriven turns a panic of a driven strategy into ErrPanicked, and
// marks the host failed on any error so that it is driven no more.
func (h *Host) recoverDriven(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("strategy %s: %w: %v", h.name, ErrPanicked, r)
		h.log.Error("strategy panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	}
	if *err != nil {
		h.failed.Store(true)
		h.mb.close()
	}
}

// DeliverBookNow hands a driven strategy b at once, on the caller's
// goroutine, without the mailbox (no lock, no copy, no conflation: each
// book is delivered as it comes). b must be the owner's own latest book of
// its venue and instrument, which the owner updates in place for each new
// one and keeps for the host's life: the Context reads it there
// (Context.Book, BestBid) rather than keeping a copy, so every strategy
// that trades the instrument shares the one book. Unbind copies what it
// holds before the host leaves the owner's goroutine. Orders, fills and
// state changes still queue in the mailbox; any pending are delivered
// first, so the strategy sees events in the order they happened. Errors
// are DeliverNow's.
func (h *Host) DeliverBookNow(b *domain.BookUpdate) (err error) {
	if h.failed.Load() {
		return nil
	}
	defer h.recoverDriven(&err)
	i, ok := instrumentIndex(h.mb.index, b.Instrument)
	if !ok {
		return nil
	}
	h.stratCtx.ledger.begin()
	if h.mb.pending.Load() {
		if err := h.deliver(); err != nil {
			return fmt.Errorf("strategy %s: %w", h.name, err)
		}
	}
	k := h.mb.directSlot(&h.stratCtx, b.Venue)*len(h.stratCtx.instruments) + i
	c := &h.stratCtx
	c.shared[k] = b
	c.trigger = b.Stamps
	h.strat.OnBook(c, b)
	c.trigger = domain.Stamps{}
	h.booksDone.Add(1)
	return nil
}

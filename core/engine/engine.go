package engine

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/oms"
	"github.com/desk-trading/desk/core/router"
	"github.com/desk-trading/desk/risk"
	"github.com/shopspring/decimal"
)

// Options configure an Engine.
type Options struct {
	// Instruments are the tradable instruments indexed by ID; entries with an
	// empty Symbol are unused IDs.
	Instruments []domain.Instrument
	// Venues the router may send to.
	Venues []VenueSlot
	// Strategies and the hosts that run them.
	Strategies []StrategySlot
	// Risk is the risk tree; the engine owns it from New on.
	Risk *risk.Tree
	// Journal receives every order change, fill, denial and audit record.
	Journal Journal
	// Epoch is this run's daemon epoch from the journal; order ids are made
	// from it so they are unique across restarts.
	Epoch uint32
	// Clock is the engine's time; nil means time.Now.
	Clock func() time.Time
	// Reports is the queue venues deliver execution reports to; a venue
	// blocks while it is full (reports are never dropped). Nil means the
	// engine makes one of QueueSize.
	Reports chan domain.ExecReport
	// QueueSize bounds each inbound queue (reports, intents, books). Zero
	// means 8192.
	QueueSize int
	// SnapshotInterval is how often a Snapshot is published. Zero means 100ms.
	SnapshotInterval time.Duration
	// OnAlert receives alerts for operators (breaker trips, halts, journal
	// errors); it is called from Run and must not block. Nil means log only.
	OnAlert func(Alert)
	// KeepOrders is how many finished orders the OMS and the query view
	// keep. Zero means 10000.
	KeepOrders int
	// JournalHealth, when set, tells the status what the journal's state
	// is; it is called from Run at every publication and must not block.
	// Nil shows the journal as up with nothing pending.
	JournalHealth func() JournalHealth
	// Alerts are the thresholds whose crossing the engine alerts on and
	// journals (AlertThresholds); zero: none.
	Alerts AlertThresholds
	// LatencyWindow is the window of the recent latency figures the status
	// shows beside those since start. Zero means 10s.
	LatencyWindow time.Duration
	// UncleanStart tells the status that the previous run ended with
	// events that may not have been journaled (Snapshot.UncleanStart).
	UncleanStart bool
	// StrategyBudget is how long one delivery to a driven strategy may
	// take before it is moved to a goroutine of its own. Zero means
	// DefaultStrategyBudget.
	StrategyBudget time.Duration
	Logger         *slog.Logger // nil means discard
}

// Alert is something an operator must see at once, as the engine raises
// it; core/wire renders it for the socket.
type Alert struct {
	Time     int64  // engine clock, unix ns
	Severity string // "info", "warning", "critical"
	Node     string // the risk node it is about; "" for none
	Message  string
}

// JournalHealth is the journal's state as the status shows it.
type JournalHealth struct {
	Down    bool
	Pending uint64 // events appended but not yet durable
	Err     error  // the failed write, while Down
}

// VenueSlot is a venue and how the router should see it.
type VenueSlot struct {
	ID    domain.VenueID
	Name  string
	Venue Venue
	Fees  router.VenueFees // ID and Name are filled from the slot
	// Feed, when set, reports the venue's market-data counts; each
	// Snapshot carries them. It is called from the engine goroutine at
	// every publication and must not block.
	Feed FeedReporter
	// Instruments are the instruments the venue lists; empty: all.
	Instruments []domain.InstrumentID
	// Execution says how the venue's orders are executed, for the status:
	// "live" (sent to the venue), "paper" (matched in process against the
	// venue's live book) or "sim" (a simulated venue). Empty: not said.
	Execution string
	// Balances are the venue account's opening balances by asset, which
	// reconciliation compares with the venue's balances less desk's net
	// position there (BalanceReporter). Nil: every asset opened at zero.
	Balances map[string]decimal.Decimal
}

// StrategySlot is a strategy instance and the host that runs it.
type StrategySlot struct {
	ID          domain.StrategyID
	Name        string
	Kind        string
	Book        string
	Host        StrategyHost
	Instruments []domain.InstrumentID // books of these are delivered to it
	// Driven runs the strategy's callbacks on the engine's goroutine
	// (Host must be a DrivenHost) until it overruns its budget; else its
	// host runs on a goroutine of its own.
	Driven bool
}

// strategy is the engine's per-strategy state.
type strategy struct {
	StrategySlot
	node       *risk.Node
	ordersSent int64
	fills      int64
	denials    int64
	cancels    int64 // cancels sent for its orders, by it or an operator
	// denialsBy counts its denials by reason, in the order each reason
	// first came: a handful of reasons, searched in order.
	denialsBy []ReasonCount
	lastState domain.TradingState // last effective state told to the host
	// lastDenial is the reason of the latest denial, lastDenialAt and
	// lastOrder the engine times of it and of the last order sent.
	lastDenial   string
	lastDenialAt int64
	lastOrder    int64
	tick         tickLatency // tick-to-order of this strategy's orders
	// host is the driven strategy's host, nil for one on its own
	// goroutine; driven says whether the engine drives it now (it stops on
	// a failure or an overrun), read by Submit from any goroutine.
	host        DrivenHost
	driven      atomic.Bool
	touched     bool  // in Engine.touched
	overruns    int   // deliveries over the budget since overrunFrom
	overrunFrom int64 // when the first of them began (domain.Mono)
}

// Engine is the single-writer execution core. Build it with New, rebuild its
// state with Restore, then Run it.
type Engine struct {
	opts   Options
	log    *slog.Logger
	clock  func() time.Time
	oms    *oms.OMS
	risk   *risk.Tree
	router *router.Router

	venues     []Venue        // by VenueID; nil where unused
	venueNames []string       // by VenueID
	executions []string       // VenueSlot.Execution by VenueID
	feeds      []FeedReporter // by VenueID; nil entries have none
	accounts   []venueAccount // by VenueID
	strats     []*strategy
	byInstr    [][]*strategy // subscribers by InstrumentID

	ctrl    chan *command
	reports chan domain.ExecReport
	intents chan domain.Intent
	books   chan domain.BookUpdate
	done    chan struct{} // closed when Run returns
	running atomic.Bool

	// Receive buffers: select receives into these fields so that passing
	// their address to interfaces does not move a fresh copy to the heap on
	// every event.
	inReport domain.ExecReport
	inIntent domain.Intent
	inBook   domain.BookUpdate
	ev       domain.Event
	// touched are the driven strategies handed events since their last
	// delivery, drivenIntents what they submitted from their callbacks;
	// the Next slices are the spares they swap with. runCtx is Run's, for
	// strategies moved to goroutines of their own (hostsWG).
	touched, touchedNext       []*strategy
	drivenIntents, intentsNext []domain.Intent
	runCtx                     context.Context
	hostsWG                    sync.WaitGroup
	// bookBatch holds the books one receive took from the queue, the
	// newest of each venue and instrument (see onBooks); conflated counts
	// the older ones it dropped since start.
	bookBatch []domain.BookUpdate
	conflated uint64

	// nextSeq is each strategy's order id sequence within Epoch, by
	// StrategyID.
	nextSeq []atomic.Uint64
	now     int64 // engine clock at the current input, unix ns
	status  atomic.Pointer[Snapshot]
	limits  atomic.Pointer[Limits] // every node's limits, republished on each change
	retry   []domain.OrderID       // cancels a full venue queue refused, retried each snapshot tick
	// plan is the fixed shape of the snapshots publish builds; pub
	// builds them off the engine goroutine (publish.go).
	plan snapPlan
	// rejects counts the venues' rejects by venue and reason, and trips
	// the breakers' trips by node and breaker: counters for monitoring,
	// in the order each first came.
	rejects []RejectCount
	trips   []TripCount
	monitor monitor // Options.Alerts' state
	// latest is each venue's latest book of each instrument, by venue
	// then instrument: the one copy of a book the strategies that trade it
	// share. A venue's books are allocated at its first, and never move.
	latest [][]domain.BookUpdate
	pub    *publisher
	// cancelAfterReplace holds orders to cancel as soon as the venue
	// answers their pending replace (a kill or breaker met them mid-replace).
	cancelAfterReplace []domain.OrderID
	// view answers queries from its own copy of the orders and audit
	// trail. dirty lists the orders changed since the last hand-over
	// (lastDirty skips an order's back-to-back changes), delta collects
	// the audit records and, at the hand-over, a copy of each dirty order.
	// viewLive says whether the view's goroutine runs (else the engine
	// applies deltas itself, before and after Run).
	view      *view
	delta     *viewDelta
	dirty     []domain.OrderID
	lastDirty domain.OrderID
	viewLive  bool
	// viewNext is the version of the last delta handed to the view.
	viewNext uint64
	// viewOwed is set when a hand-over found the view busy: changes wait
	// that an answered command (a halt) may be waiting to see, so Run
	// hands them over the moment the view is free, not at the next tick.
	viewOwed bool
	// lastSeq is the journal sequence of the last event appended; a
	// command's reply waits until it is durable.
	lastSeq uint64
	// ctrlStreak counts operator commands served in a row ahead of the
	// other queues; see Run.
	ctrlStreak int
	// journalDown is set while the journal cannot write: events wait in
	// its memory, no new order is sent, the journal breaker holds the firm
	// halted, and no breaker may be reset.
	journalDown bool
	// journalNote is the journal callbacks' latest report (any
	// goroutine); journalOutages is how many outages the engine has acted
	// on (engine goroutine).
	journalNote    atomic.Pointer[journalNote]
	journalOutages uint64
	// driftSeen is the last risk.Tree.Drift alerted.
	driftSeen uint64
	// journaledIDs holds, per epoch and strategy (OrderID.Issuer),
	// the highest order sequence the journal held at Restore; see
	// noteJournaledID.
	journaledIDs map[uint64]uint64
	// configSeen holds the config file's limits as the journal last
	// recorded them, by configKey; see ApplyConfig.
	configSeen map[string]ConfigLimit
	latency    *latency // per-stage histograms, published with the status
}

// New builds an engine. It fails when a strategy subscribes to an unknown
// instrument, a venue id is duplicated, or the router rejects a fee.
func New(opts Options) (*Engine, error) {
	if opts.Risk == nil || opts.Journal == nil {
		return nil, fmt.Errorf("engine: Risk and Journal are required")
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.QueueSize == 0 {
		opts.QueueSize = 8192
	}
	if opts.LatencyWindow <= 0 {
		opts.LatencyWindow = 10 * time.Second
	}
	if opts.SnapshotInterval < 0 {
		return nil, fmt.Errorf("engine: SnapshotInterval %s is negative", opts.SnapshotInterval)
	}
	if opts.SnapshotInterval == 0 {
		opts.SnapshotInterval = 100 * time.Millisecond
	}
	if opts.StrategyBudget <= 0 {
		opts.StrategyBudget = DefaultStrategyBudget
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := len(opts.Instruments)
	e := &Engine{
		opts:    opts,
		log:     log,
		clock:   opts.Clock,
		oms:     oms.New(oms.Options{Instruments: opts.Instruments, KeepTerminal: opts.KeepOrders}),
		risk:    opts.Risk,
		byInstr: make([][]*strategy, n),
		ctrl:    make(chan *command, 64),
		reports: opts.Reports,
		intents: make(chan domain.Intent, opts.QueueSize),
		books:   make(chan domain.BookUpdate, opts.QueueSize),
		done:    make(chan struct{}),

		configSeen: make(map[string]ConfigLimit),
		latency:    newLatency(int64(opts.LatencyWindow)),
	}
	if e.reports == nil {
		e.reports = make(chan domain.ExecReport, opts.QueueSize)
	}
	var fees []router.VenueFees
	for _, v := range opts.Venues {
		for int(v.ID) >= len(e.venues) {
			e.venues = append(e.venues, nil)
			e.venueNames = append(e.venueNames, "")
		}
		if e.venues[v.ID] != nil {
			return nil, fmt.Errorf("engine: venue id %d used twice", v.ID)
		}
		for int(v.ID) >= len(e.executions) {
			e.executions = append(e.executions, "")
		}
		e.venues[v.ID], e.venueNames[v.ID], e.executions[v.ID] = v.Venue, v.Name, v.Execution
		if v.Feed != nil {
			for int(v.ID) >= len(e.feeds) {
				e.feeds = append(e.feeds, nil)
			}
			e.feeds[v.ID] = v.Feed
		}
		f := v.Fees
		f.ID, f.Name, f.Instruments = v.ID, v.Name, v.Instruments
		fees = append(fees, f)
	}
	e.accounts = make([]venueAccount, len(e.venues))
	for _, v := range opts.Venues {
		a := &e.accounts[v.ID]
		a.pos = make([]domain.Qty, n)
		a.opening = make(map[string]decimal.Decimal, len(v.Balances))
		for asset, b := range v.Balances {
			a.opening[strings.ToUpper(asset)] = b
		}
		if len(v.Instruments) > 0 {
			a.listed = make([]bool, n)
			for _, i := range v.Instruments {
				if int(i) >= n {
					return nil, fmt.Errorf("engine: venue %s lists instrument %d, of %d", v.Name, i, n)
				}
				a.listed[i] = true
			}
		}
	}
	r, err := router.New(fees, n)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	if err := r.SetInstruments(opts.Instruments); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	e.router = r
	for _, s := range opts.Strategies {
		if s.ID > domain.MaxOrderStrategy {
			return nil, fmt.Errorf("engine: strategy %s: id %d above %d, the most an order id holds", s.Name, s.ID, domain.MaxOrderStrategy)
		}
		st := &strategy{StrategySlot: s, node: opts.Risk.Strategy(s.ID), lastState: domain.Active}
		if st.node == nil {
			return nil, fmt.Errorf("engine: strategy %s: not in the risk tree", s.Name)
		}
		if s.Driven {
			dh, ok := s.Host.(DrivenHost)
			if !ok {
				return nil, fmt.Errorf("engine: strategy %s: Driven, but its host (%T) is no DrivenHost", s.Name, s.Host)
			}
			st.host = dh
			st.Host = &drivenHost{DrivenHost: dh, e: e, st: st}
			st.driven.Store(true)
		}
		for int(s.ID) >= len(e.strats) {
			e.strats = append(e.strats, nil)
		}
		e.strats[s.ID] = st
		for _, i := range s.Instruments {
			if int(i) >= n || opts.Instruments[i].Symbol == "" {
				return nil, fmt.Errorf("engine: strategy %s: unknown instrument id %d", s.Name, i)
			}
			e.byInstr[i] = append(e.byInstr[i], st)
		}
	}
	e.nextSeq = make([]atomic.Uint64, len(e.strats))
	names := &Names{instruments: opts.Instruments, venues: e.venueNames}
	opts.Risk.Strategies(func(id domain.StrategyID, n *risk.Node) {
		for int(id) >= len(names.strategies) {
			names.strategies = append(names.strategies, "")
		}
		names.strategies[id] = n.Name()
	})
	e.view = newView(names, opts.KeepOrders)
	e.plan = newSnapPlan(e.strats, opts.Risk)
	e.pub = newPublisher()
	e.delta = &viewDelta{}
	e.publishLimits()
	e.publish()
	return e, nil
}

// NextOrderID returns a fresh client order id for strategy s: this run's
// epoch, s, and s's next sequence. Safe for concurrent use: strategy hosts
// call it so a strategy knows its order's id at once. Past
// domain.MaxOrderSeq orders of one strategy in one run the sequence wraps
// and the OMS refuses the reused id (ErrDuplicateID); restart the daemon to
// take a new epoch.
func (e *Engine) NextOrderID(s domain.StrategyID) domain.OrderID {
	if int(s) >= len(e.nextSeq) {
		return domain.MakeOrderID(e.opts.Epoch, s, 0) // unknown strategy: refused by the engine
	}
	return domain.MakeOrderID(e.opts.Epoch, s, e.nextSeq[s].Add(1))
}

// Submit queues a strategy's intent. It blocks while the intent queue is
// full and fails with ErrStopped once the engine has stopped.
func (e *Engine) Submit(in *domain.Intent) error {
	if e.submitDriven(in) {
		return nil // a driven strategy, from its callback on the engine goroutine
	}
	select {
	case e.intents <- *in:
		return nil
	case <-e.done:
		return ErrStopped
	}
}

// Abandon gives up an engine that never ran: whoever blocks on it (a feed
// in OnBook behind a full queue, a host in Submit) returns at once, as
// after Run, and Run refuses to start. It does nothing once Run started.
// The daemon calls it when start-up fails before the engine runs.
func (e *Engine) Abandon() {
	if e.running.CompareAndSwap(false, true) {
		close(e.done)
	}
}

// OnBook queues a venue's book (the feeds' Sink). It blocks while the book
// queue is full and drops the book once the engine has stopped.
func (e *Engine) OnBook(b *domain.BookUpdate) {
	select {
	case e.books <- *b:
	case <-e.done:
	}
}

// Snapshot returns the latest published snapshot. The caller must not
// modify it; it is replaced, never changed, by the next publication, so a
// new pointer means a new state. Safe for concurrent use.
func (e *Engine) Snapshot() *Snapshot { return e.status.Load() }

// Names returns the static names (instruments, strategies, venues) that
// turn the ids of a Snapshot, an order or an audit record into what
// clients see. The table is fixed in New and never changes. Safe for
// concurrent use.
func (e *Engine) Names() *Names { return e.view.names }

// Done is closed when Run has returned.
func (e *Engine) Done() <-chan struct{} { return e.done }

// Run processes inputs until ctx is done. It may be called once.
func (e *Engine) Run(ctx context.Context) error {
	if !e.running.CompareAndSwap(false, true) {
		return fmt.Errorf("engine: Run called twice, or after Abandon")
	}
	// Strategies moved to goroutines of their own stop with ctx. They are
	// waited for after done is closed, so that one blocked on the
	// engine's queues gets ErrStopped, and for a bounded time: one stuck
	// inside a callback never returns, and must not keep the engine from
	// stopping (nor a command sent meanwhile from its answer).
	defer func() {
		if !waitHosts(&e.hostsWG, hostsStopLimit) {
			e.log.Error("strategies moved to goroutines of their own did not stop within the limit; the engine stopped without them",
				"limit", hostsStopLimit)
		}
	}()
	defer close(e.done)
	tick := time.NewTicker(e.opts.SnapshotInterval)
	defer tick.Stop()
	viewCtx, stopView := context.WithCancel(context.Background())
	viewDone := make(chan struct{})
	e.viewLive = true
	go func() { defer close(viewDone); e.view.run(viewCtx) }()
	defer func() {
		stopView()
		<-viewDone
		e.viewLive = false
		e.handView()
	}()
	stopPub, pubDone := make(chan struct{}), make(chan struct{})
	e.pub.live = true
	go func() { defer close(pubDone); e.runPublisher(stopPub) }()
	defer func() { // before the view stops: the last status it waits on is stored
		close(stopPub)
		<-pubDone
		e.pub.live = false
	}()
	e.latency.since = domain.Mono() // trading starts now: what waited for it is not the hot path
	e.runCtx = ctx
	e.log.Info("engine running", "epoch", e.opts.Epoch, "strategies", len(e.opts.Strategies))
	e.startDriven()
	for {
		if len(e.touched) > 0 || len(e.drivenIntents) > 0 {
			e.runDriven()
		}
		viewFree := e.owedView()
		// Operator commands jump every queue, but only maxCtrlStreak in a
		// row: a flood of commands must not starve market data and
		// reports, while a halt behind a full book queue waits for at most
		// one event.
		if e.ctrlStreak < maxCtrlStreak {
			select {
			case c := <-e.ctrl:
				e.ctrlStreak++
				e.command(c)
				continue
			default:
			}
		}
		e.ctrlStreak = 0
		select {
		case c := <-e.ctrl:
			e.command(c)
		case e.inReport = <-e.reports:
			e.now = e.clock().UnixNano()
			e.onReport(&e.inReport)
		case e.inIntent = <-e.intents:
			e.now = e.clock().UnixNano()
			e.onIntent(&e.inIntent)
		case e.inBook = <-e.books:
			e.onBooks()
		case <-viewFree:
			e.handView()
		case <-tick.C:
			e.now = e.clock().UnixNano()
			e.timeDriven()
			e.retryCancels()
			e.evaluate()
			rotated := e.latency.rotate(e.now)
			if rotated {
				e.rotateTicks()
			}
			e.watch(e.now, rotated)
			e.handView()
			e.publish()
		case <-ctx.Done():
			e.drainReports()
			e.publish()
			e.failPending()
			return nil
		}
	}
}

// maxCtrlStreak is how many commands Run serves in a row before it lets
// one event of the other queues in.
const maxCtrlStreak = 16

// owedView hands the view what it is owed when it is free now, and
// otherwise returns a channel closed when it next is (nil when nothing is
// owed). The channel is loaded before the view's queue is looked at, so an
// apply that ends between the two still closes the channel waited on.
func (e *Engine) owedView() <-chan struct{} {
	if !e.viewOwed {
		return nil
	}
	free := *e.view.appliedCh.Load()
	if len(e.view.in) == 0 {
		e.handView()
		return nil
	}
	return free
}

// maxBookBatch is how many queued books one receive takes at most.
const maxBookBatch = 64

// onBooks applies e.inBook and the books queued behind it (maxBookBatch
// at most), each venue's instrument once at its newest: a book is the
// venue's whole top of book, so a newer one makes an older unread one
// moot, and an engine that fell behind a burst catches up in one pass
// instead of replaying every step of it. A command that arrives meanwhile
// is served before the next book, so a halt waits for one book at most,
// as it does behind a single one.
func (e *Engine) onBooks() {
	batch := append(e.bookBatch[:0], e.inBook)
	for taken := 1; taken < maxBookBatch; taken++ { // taken, not kept: a conflating burst must not drain the whole queue past a halt
		select {
		case b := <-e.books:
			if k := bookSlot(batch, &b); k >= 0 {
				batch[k] = b
				e.conflated++
				continue
			}
			batch = append(batch, b)
			continue
		default:
		}
		break
	}
	for k := range batch {
		if k > 0 {
			e.serveCommands()
		}
		e.now = e.clock().UnixNano()
		e.onBook(&batch[k])
		e.runDriven() // the strategies answer this book before the next
	}
	e.bookBatch = batch[:0] // books hold no pointers: nothing to clear
}

// bookSlot returns the index of the book in batch for b's venue and
// instrument, -1 when there is none.
func bookSlot(batch []domain.BookUpdate, b *domain.BookUpdate) int {
	for k := range batch {
		if batch[k].Venue == b.Venue && batch[k].Instrument == b.Instrument {
			return k
		}
	}
	return -1
}

// serveCommands applies the commands queued now, maxCtrlStreak at most.
func (e *Engine) serveCommands() {
	for range maxCtrlStreak {
		select {
		case c := <-e.ctrl:
			e.command(c)
		default:
			return
		}
	}
}

// drainReports applies the execution reports already queued when the
// engine stops, so a fill the venue delivered is journaled, never dropped.
// The daemon stops its venues before the engine, so the queue is finite.
func (e *Engine) drainReports() {
	for {
		select {
		case e.inReport = <-e.reports:
			e.now = e.clock().UnixNano()
			e.onReport(&e.inReport)
		default:
			return
		}
	}
}

// alert tells operators; it never blocks.
func (e *Engine) alert(severity, node, msg string) {
	e.log.Warn("alert", "severity", severity, "node", node, "msg", msg)
	if e.opts.OnAlert != nil {
		e.opts.OnAlert(Alert{Time: e.now, Severity: severity, Node: node, Message: msg})
	}
}

// journal appends the event in e.ev and collects it for the view. The
// journal takes events even while it cannot write (it holds them and
// retries); an error here means it is closed or the event is invalid,
// which trips the firm's journal breaker like a write error: trading on
// without a journal would risk losing orders.
func (e *Engine) journal() {
	e.ev.Time = e.now
	if err := e.opts.Journal.Append(&e.ev); err != nil {
		e.journalFailed(err)
		return
	}
	e.lastSeq = e.ev.Seq
	switch e.ev.Kind {
	case domain.EventOrder, domain.EventFill:
		e.markDirty(e.ev.Order.ID)
	case domain.EventDenied:
		e.markDirty(e.ev.Order.ID)
		fallthrough
	case domain.EventAudit:
		if r, ok := auditRecordOf(&e.ev); ok {
			e.delta.audits = append(e.delta.audits, r)
		}
	}
	if len(e.dirty)+len(e.delta.audits) >= maxPending {
		e.handView()
	}
}

// maxPending is how many changes the engine collects before it hands them
// to the view without waiting for the next tick.
const maxPending = 8192

func (e *Engine) markDirty(id domain.OrderID) {
	if id != e.lastDirty {
		e.dirty = append(e.dirty, id)
		e.lastDirty = id
	}
}

// viewVersion returns the view version that will show every change made
// so far: the last handed over, or the next when changes wait for it.
func (e *Engine) viewVersion() uint64 {
	if len(e.dirty) > 0 || len(e.delta.audits) > 0 {
		return e.viewNext + 1
	}
	return e.viewNext
}

// handView hands the changes collected since the last call to the view,
// copying each changed order once, and returns the version the view must
// reach to show them (0 when there was nothing). It never waits: when the
// view is still busy with the previous delta, the engine keeps collecting,
// and the version returned is that of the next hand-over.
func (e *Engine) handView() uint64 {
	if len(e.dirty) == 0 && len(e.delta.audits) == 0 {
		return 0
	}
	if e.viewLive && len(e.view.in) > 0 {
		e.viewOwed = true
		return e.viewNext + 1 // the engine is the only sender: an empty queue takes the send
	}
	e.viewOwed = false
	d := e.delta
	e.viewNext++
	d.version = e.viewNext
	for _, id := range e.dirty {
		if o, ok := e.oms.Get(id); ok {
			d.orders = append(d.orders, *o)
		} else {
			d.gone = append(d.gone, id)
		}
	}
	e.dirty, e.lastDirty = e.dirty[:0], 0
	if !e.viewLive {
		e.view.apply(d)
		e.view.recycle(d)
		select {
		case e.delta = <-e.view.free:
		default:
			e.delta = &viewDelta{}
		}
		return e.viewNext
	}
	e.view.in <- d
	select {
	case e.delta = <-e.view.free:
	default:
		e.delta = &viewDelta{}
	}
	return e.viewNext
}

func (e *Engine) journalOrder(kind domain.EventKind, o *domain.Order) {
	e.ev.Kind = kind
	e.ev.Order = *o
	e.journal()
}

// journalFill journals fill f with o, its order after the fill, in one
// record.
func (e *Engine) journalFill(f *domain.Fill, o *domain.Order) {
	e.ev.Kind = domain.EventFill
	e.ev.Fill = *f
	e.ev.Order = *o
	e.journal()
}

func (e *Engine) strategy(id domain.StrategyID) *strategy {
	if int(id) < len(e.strats) {
		return e.strats[id]
	}
	return nil
}

// Package daemon wires desk's parts into the running daemon: the journal,
// the instruments, venues and feeds, the risk tree, the engine, the
// strategies and the control socket. It holds no trading logic of its own.
//
// # Start-up
//
//  1. open the journal (a second daemon on the same state fails fast) and
//     take a new epoch for order ids;
//  2. build instruments, the risk tree and the engine from the config;
//  3. replay the journal into the engine: orders, fills, positions, P&L
//     counters and halt states come back as they were;
//  4. start the venues and reconcile working orders with them;
//  5. start the engine, then the strategies, then the socket.
//
// Shutdown stops clients, strategies and venues, then the engine once it
// has journaled every report the venues delivered, and closes the journal
// last.
//
// New does steps 1 to 3 and binds the socket, so that every way a start can
// fail (state held, bad config, unusable socket) fails before an order is
// sent; Daemon.Run does steps 4 and 5 and serves; Daemon.Stop, or the end
// of Run, shuts down. Run is New and Daemon.Run in one call.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
	"github.com/desk-trading/desk/core/metrics"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/core/server"
	"github.com/desk-trading/desk/core/strategy"
	"github.com/desk-trading/desk/core/strategy/demo"
	"github.com/desk-trading/desk/core/tracing"
	"github.com/desk-trading/desk/core/wire"
	"github.com/desk-trading/desk/feeds"
	"github.com/desk-trading/desk/feeds/binance"
	"github.com/desk-trading/desk/risk"
	"github.com/desk-trading/desk/store"
)

// Version is reported to clients in the socket's hello.
const Version = "0.1.0"

// Options configure a daemon run.
type Options struct {
	Config *config.Config // required
	Paths  Paths          // required: resolved state dir and socket
	// Registry holds the strategy kinds; nil means the demo kinds.
	Registry *strategy.Registry
	// Ready, when set, is closed once the socket accepts clients.
	Ready chan<- struct{}
	// LatencyWindow is the window of the recent latency figures in the
	// status; zero means the engine's default (10s).
	LatencyWindow time.Duration
	// Metrics, when set, is where Prometheus metrics are served
	// (/metrics, package core/metrics) while the daemon runs; the caller
	// binds it, so a bad or busy address fails before anything starts.
	// Run closes it.
	Metrics net.Listener
	// OTLP, when its Endpoint is set, has each sampled order traced to an
	// OpenTelemetry collector (package core/tracing) while the daemon
	// runs; its Names and Logger are the daemon's.
	OTLP tracing.Options
	// JournalFault, when set, is the journal's disk-fault hook
	// (store.Options.FailCommit): a test of a full disk. Nil in production.
	JournalFault func() error
	Logger       *slog.Logger // nil means discard
}

// Daemon is one run of the desk daemon on one state dir and socket. New
// builds it and takes what it needs exclusively (the journal's lock, the
// socket); Run trades and serves until its context is done; Stop, or the
// end of Run, shuts it down in order and releases both.
//
// A Daemon runs once: after Run has returned, or Stop was called, make a
// new one with New to start again on the same state.
type Daemon struct {
	opts Options
	log  *slog.Logger

	j           *store.Journal
	journalPath string
	epoch       uint32
	w           *wiring
	eng         *engine.Engine
	srv         *server.Server
	commits     *metrics.JournalCommits // the journal's commit latency, for --metrics
	tracer      *tracing.Tracer         // order traces, for Options.OTLP; nil: off
	ready       chan struct{}

	mu      sync.Mutex
	started bool          // Run was called
	stopped bool          // Stop was called or Run returned
	stopRun func()        // cancels Run's context, once it runs
	done    chan struct{} // closed when Run has returned
	runErr  error         // Run's result, once done is closed
}

// New opens the journal in opts.Paths.StateDir (creating the dir), takes a
// new epoch for order ids, builds instruments, venues, the risk tree, the
// engine and the strategies from opts.Config, replays the journal into the
// engine and binds the control socket. Nothing trades yet: no venue,
// strategy or engine goroutine runs until Run.
//
// New fails, having released whatever it took, when the state is held by
// another daemon (store.ErrLocked), the config does not build, the journal
// cannot be replayed, or the socket cannot be served (taken by another
// daemon, an insecure directory, a non-socket file in the way). All of these
// fail before any order is sent.
//
// On success the Daemon owns the journal and the bound socket until Run
// returns or Stop is called.
func New(opts Options) (_ *Daemon, err error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := opts.Config
	if err := os.MkdirAll(opts.Paths.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("daemon: state dir: %w", err)
	}
	d := &Daemon{opts: opts, log: log, ready: make(chan struct{}), done: make(chan struct{}), commits: metrics.NewJournalCommits()}

	// The engine is built after the journal, the venues and the hosts, but
	// they report to it; d.eng is set before any of them runs.
	d.journalPath = filepath.Join(opts.Paths.StateDir, "journal.db")
	j, err := store.Open(d.journalPath, store.Options{
		Timeout:   time.Second,
		QueueSize: 16384, // ~6 MB of events in flight; plenty at 10x the demo's rate
		OnError:   func(err error) { d.eng.JournalFailed(err) },
		OnRecover: func() { d.eng.JournalRecovered() },
		// Retry soon: a disk that got space back should not keep trading
		// halted for long, and a retry of a failed commit costs little.
		RetryInterval: 50 * time.Millisecond,
		FailCommit:    opts.JournalFault,
		OnCommit:      d.commits.Observe,
		Logger:        log.With("component", "journal"),
	})
	if err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	d.j = j
	defer func() {
		if err != nil {
			j.Close()
		}
	}()
	if d.epoch, err = j.NextEpoch(); err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	if err := d.build(); err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	if err := d.restore(); err != nil {
		return nil, err
	}

	d.srv, err = server.New(server.Options{
		Path:           opts.Paths.Socket,
		Backend:        &backend{eng: d.eng},
		StatusInterval: cfg.Daemon.SnapshotInterval.D,
		Logger:         log.With("component", "server"),
		Version:        Version,
	})
	if err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	// Bind the socket before any venue or strategy starts: a daemon that
	// cannot serve its operators must fail before it sends an order, not
	// after.
	if err := d.srv.Listen(); err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	if !j.PreviousRunClean() {
		// Kept among the recent alerts, so the first TUI to attach sees it.
		d.srv.Alert(protocol.Alert{
			Time: time.Now().UTC().Format(time.RFC3339Nano), Severity: "warning",
			Message: "the previous run did not end cleanly: events it sent may be missing from the journal; " +
				"the venues are asked what they hold before anything trades",
		})
	}
	return d, nil
}

// build makes the wiring, the venues, the strategy hosts and the engine.
func (d *Daemon) build() error {
	cfg := d.opts.Config
	w, err := build(cfg, d.j, d.opts.Registry, d.log)
	if err != nil {
		return err
	}
	d.w = w
	engRef := func() *engine.Engine { return d.eng }
	reports := make(chan domain.ExecReport, 8192)
	if err := w.makeVenues(cfg, reports, engRef, d.log); err != nil {
		return err
	}
	if err := w.makeHosts(engRef, d.log); err != nil {
		return err
	}
	j := d.j
	d.eng, err = engine.New(engine.Options{
		Instruments:      w.instruments,
		Venues:           w.venueSlots(cfg),
		Strategies:       w.strategySlots(),
		Risk:             w.tree,
		Journal:          j,
		Epoch:            d.epoch,
		Reports:          reports,
		SnapshotInterval: cfg.Daemon.SnapshotInterval.D,
		Alerts: engine.AlertThresholds{TickToOrderP99: cfg.Alerts.TickToOrderP99.D,
			RejectsPerMin: cfg.Alerts.RejectsPerMin, FeedGapsPerMin: cfg.Alerts.FeedGapsPerMin},
		OnAlert: func(a engine.Alert) { d.srv.Alert(wire.Alert(a)) },
		JournalHealth: func() engine.JournalHealth {
			h := j.Health()
			return engine.JournalHealth{Down: h.Down, Pending: h.Pending, Err: h.Err}
		},
		UncleanStart:  !j.PreviousRunClean(),
		LatencyWindow: d.opts.LatencyWindow,
		Logger:        d.log.With("component", "engine"),
	})
	if err != nil {
		return err
	}
	w.bindLedgers(d.eng)
	if o := d.opts.OTLP; o.Endpoint != "" {
		// Made here, so that a bad endpoint or ratio fails before anything
		// trades; it exports nothing until Run.
		o.Names, o.Logger = d.eng.Names(), d.log.With("component", "tracing")
		if d.tracer, err = tracing.New(context.Background(), o); err != nil {
			return err // New adds "daemon: "
		}
	}
	return nil
}

// restore replays the journal into the engine and applies the config's
// limits over what it restored.
func (d *Daemon) restore() error {
	j, eng, log := d.j, d.eng, d.log
	var sum engine.RestoreSummary
	if err := j.Replay(func(ev *domain.Event) error { eng.Restore(ev, &sum); return nil }); err != nil {
		return fmt.Errorf("daemon: replay journal: %w", err)
	}
	eng.FinishRestore(&sum)
	if n := eng.ApplyConfig(configLimits(d.opts.Config)); n > 0 && sum.Events > 0 {
		log.Info("config limits changed since the last start were applied", "limits", n)
	}
	if !j.PreviousRunClean() {
		log.Warn("the previous run did not end cleanly (crash, kill -9 or journal down): " +
			"events it sent may be missing from the journal; the venues are asked what they hold before anything trades")
	}
	if sum.Events > 0 {
		log.Info("state restored from journal", "epoch", d.epoch, "events", sum.Events, "orders", sum.Orders,
			"working", sum.Working, "fills", sum.Fills, "audits", sum.Audits, "halted", sum.Halted)
	} else {
		log.Info("fresh state", "epoch", d.epoch, "journal", d.journalPath)
	}
	return nil
}

// Ready returns a channel closed once Run serves the socket (and
// Options.Ready, when set, is closed too). It is never closed when Run fails
// before that.
func (d *Daemon) Ready() <-chan struct{} { return d.ready }

// Paths returns where the daemon keeps its state and listens.
func (d *Daemon) Paths() Paths { return d.opts.Paths }

// Run starts the venues and waits until each is connected, reconciles the
// restored orders with them, then starts the engine, the strategies and the
// socket, and serves until ctx is done, Stop is called, or a component
// (the engine, the server) fails. Then it shuts down in order (see Stop) and
// returns: nil after a clean stop, the component's error after a failure.
//
// Run fails at start when a venue does not come up within 10s or
// reconciliation does not finish within startReconcileLimit (30s). Run
// may be called once; it returns an error at once when called again or
// after Stop.
func (d *Daemon) Run(ctx context.Context) error {
	d.mu.Lock()
	if d.started || d.stopped {
		d.mu.Unlock()
		return errors.New("daemon: Run called twice or after Stop")
	}
	d.started = true
	ctx, cancel := context.WithCancel(ctx)
	d.stopRun = cancel
	d.mu.Unlock()
	defer cancel()

	err := d.run(ctx)
	d.mu.Lock()
	d.stopped, d.runErr = true, err
	d.mu.Unlock()
	close(d.done)
	return err
}

// run is Run once it may go ahead.
func (d *Daemon) run(ctx context.Context) error {
	w, eng, srv, log := d.w, d.eng, d.srv, d.log
	// Everything below runs under one context and is waited for in reverse
	// order of start; each part has a context of its own, so shutdown
	// stops them one by one.
	var venuesWG, engineWG, hostsWG, serverWG, obsWG sync.WaitGroup
	errc := make(chan error, 4)
	// Metrics and traces watch the rest, and stop after it: a scrape
	// during shutdown still answers, and the last orders are traced.
	obsCtx, stopObs := context.WithCancel(context.Background())
	venueCtx, stopVenues := context.WithCancel(context.Background())
	engineCtx, stopEngine := context.WithCancel(context.Background())
	hostCtx, stopHosts := context.WithCancel(context.Background())
	serverCtx, stopServer := context.WithCancel(ctx)
	serverWG.Add(1) // Done below when the server is not started
	serverStarted := false

	// shutdown stops clients first, then the strategies (no new intents),
	// then the venues (no new reports), and the engine last, so it
	// journals every report the venues delivered; then it flushes and
	// closes the journal.
	shutdown := func() error {
		stopServer()
		if !serverStarted {
			// Release the bound socket: Run on a done context closes it.
			srv.Run(serverCtx)
			serverWG.Done()
		}
		serverWG.Wait()
		stopHosts()
		// A strategy stuck inside a callback never returns; the rest of the
		// shutdown must not wait for it.
		if !waitFor(&hostsWG, 5*time.Second) {
			log.Error("strategies did not stop within 5s; shutting down without them")
		}
		stopVenues()
		// An engine that never ran never drains its queues: feeds blocked
		// on a full one would never stop.
		eng.Abandon()
		venuesWG.Wait()
		stopEngine()
		engineWG.Wait()
		stopObs()
		obsWG.Wait()
		if d.opts.Metrics != nil {
			d.opts.Metrics.Close() // already closed when it was served
		}
		var err error
		if ferr := d.j.Flush(context.Background()); ferr != nil {
			err = fmt.Errorf("daemon: flush journal: %w", ferr)
		}
		if cerr := d.j.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("daemon: close journal: %w", cerr)
		}
		return err
	}
	fail := func(err error) error {
		return errors.Join(fmt.Errorf("daemon: %w", err), shutdown())
	}

	for _, v := range w.venues {
		venuesWG.Add(2)
		go func() { defer venuesWG.Done(); v.venue.Run(venueCtx) }()
		go func() { defer venuesWG.Done(); v.feed.Run(venueCtx) }()
		if v.net != nil {
			venuesWG.Go(func() { v.net.Run(venueCtx) })
		}
	}
	if err := w.awaitVenues(ctx, 10*time.Second); err != nil {
		return fail(err)
	}
	// The venues are live, and the engine does not yet drain their books:
	// a venue stalls once its queue fills, so reconciliation gets a bound.
	gens := w.sessionGens()
	rec, err := reconcileAtStart(ctx, eng, log)
	if err != nil {
		return fail(err)
	}
	if rec != (engine.ReconcileSummary{}) {
		log.Warn("reconciled with the venues", "adopted", rec.Adopted, "fills", rec.Fills,
			"updated", rec.Updated, "canceled", rec.Canceled, "foreign", rec.Foreign)
	}

	engineWG.Add(1)
	go func() { defer engineWG.Done(); errc <- eng.Run(engineCtx) }()

	// Venue connectivity feeds the router and the venue-down breaker. The
	// watcher stops with the strategies, before the venues are shut down,
	// so a shutdown never reads as a venue failure.
	hostsWG.Add(1)
	go func() { defer hostsWG.Done(); w.watchVenues(hostCtx, eng, gens, log) }()
	for _, h := range w.hosts {
		hostsWG.Add(1)
		go func() {
			defer hostsWG.Done()
			if err := h.Run(hostCtx); err != nil && !errors.Is(err, context.Canceled) {
				log.Warn("strategy stopped", "err", err)
			}
		}()
	}

	serverStarted = true
	go func() { defer serverWG.Done(); errc <- srv.Run(serverCtx) }()
	if d.tracer != nil {
		obsWG.Go(func() { traceOrders(obsCtx, d.tracer, d.opts.OTLP, eng, log) })
	}
	if d.opts.Metrics != nil {
		obsWG.Go(func() { serveMetrics(obsCtx, d.opts.Metrics, eng, srv, d.commits, log) })
	}
	select {
	case <-srv.Ready():
		log.Info("daemon ready", "socket", d.opts.Paths.Socket, "state", d.opts.Paths.StateDir,
			"strategies", len(w.strategies), "on_goroutines", len(w.hosts), "venues", len(w.venues))
		close(d.ready)
		if d.opts.Ready != nil {
			close(d.opts.Ready)
		}
	case err := <-errc:
		return fail(err)
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
		log.Error("daemon component stopped", "err", runErr)
	}
	log.Info("shutting down")
	if err := shutdown(); err != nil {
		return err
	}
	log.Info("stopped")
	return runErr
}

// startReconcileLimit bounds reconciliation at start: long enough for an
// order sent just before a crash to be settled by the venue's answer (a
// venue cannot say it will never hold an order before the order's
// recvWindow has passed, 5 s by default), short enough that a venue that
// never answers fails the start.
const startReconcileLimit = 30 * time.Second

// reconcileAtStart reconciles the restored orders with the venues before
// anything trades, trying again (every 250ms) while a venue cannot yet
// answer for an order, until startReconcileLimit. What a failed try
// applied stays applied: the next finds it reflected.
func reconcileAtStart(ctx context.Context, eng *engine.Engine, log *slog.Logger) (engine.ReconcileSummary, error) {
	ctx, cancel := context.WithTimeout(ctx, startReconcileLimit)
	defer cancel()
	var total engine.ReconcileSummary
	for {
		rec, err := eng.Reconcile(ctx)
		total.Add(rec)
		if err == nil || ctx.Err() != nil {
			return total, err
		}
		log.Warn("reconciliation at start must wait for a venue's answer; trying again", "err", err)
		select {
		case <-ctx.Done():
			return total, err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Stop shuts the daemon down in order: it stops serving clients (each is
// told the daemon is shutting down), then the strategies (waiting 5s at
// most for one stuck in a callback), then the venues and feeds, then the
// engine once it has journaled every report the venues delivered, and
// flushes and closes the journal last, which marks the run clean. It waits
// for Run to return and returns Run's result.
//
// On a Daemon that was never Run, Stop releases what New took (the socket
// and the journal). Stop may be called more than once and from any
// goroutine; later calls return the first one's result.
func (d *Daemon) Stop() error {
	d.mu.Lock()
	if !d.started {
		if d.stopped {
			d.mu.Unlock()
			<-d.done
			return d.runErr
		}
		d.stopped = true
		d.mu.Unlock()
		// Never run: nothing but the socket and the journal to release.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := d.srv.Run(ctx)
		if cerr := d.j.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("daemon: close journal: %w", cerr)
		}
		d.runErr = err
		close(d.done)
		return err
	}
	stop := d.stopRun
	d.mu.Unlock()
	stop()
	<-d.done
	return d.runErr
}

// Run runs a daemon on opts until ctx is done: New, then Daemon.Run. It
// fails at start as New and Daemon.Run do.
func Run(ctx context.Context, opts Options) error {
	d, err := New(opts)
	if err != nil {
		return err
	}
	return d.Run(ctx)
}

// wiring is the daemon's parts, built from the config before anything runs.
type wiring struct {
	instruments []domain.Instrument // by InstrumentID
	bySymbol    map[string]domain.InstrumentID
	tree        *risk.Tree
	venues      []*venue
	strategies  []*strat
	hosts       []*strategy.Host
}

type venue struct {
	id  domain.VenueID
	cfg config.Venue
	// venue executes the orders: the simulator of a "sim" venue, the
	// paper simulator of a networked one, or the Binance adapter of a
	// live one.
	venue executor
	paper *sim.Venue     // a paper-traded venue's simulator; nil otherwise
	feed  *feeds.Handler // market data to the engine, staleness
	net   *binance.Feed  // a networked venue's market data; nil for "sim"
	// seenFrames is the frame count FeedStats last saw, lastMessage when
	// it saw it move (unix ns); only the engine goroutine calls FeedStats.
	seenFrames  uint64
	lastMessage int64
}

// executor is a venue as the daemon runs it: the engine's port, and a
// session it runs and watches.
type executor interface {
	engine.Venue
	Run(ctx context.Context) error
	Connected() bool
}

type strat struct {
	id   domain.StrategyID
	cfg  config.Strategy
	impl strategy.Strategy
	inst []domain.InstrumentID
	host *strategy.Host
}

// build interns every name in the journal (so ids are stable across
// restarts and config edits) and builds instruments, the risk tree and the
// strategy instances.
func build(cfg *config.Config, j *store.Journal, reg *strategy.Registry, log *slog.Logger) (*wiring, error) {
	w := &wiring{bySymbol: make(map[string]domain.InstrumentID)}
	for _, ic := range cfg.Instruments {
		id, err := j.Intern("instrument", ic.Symbol)
		if err != nil {
			return nil, err
		}
		in, err := domain.NewInstrument(domain.InstrumentID(id), domain.InstrumentSpec{
			Symbol: ic.Symbol, Base: ic.Base, Quote: ic.Quote, Class: ic.Class,
			TickSize: ic.TickSize.Decimal, LotSize: ic.LotSize.Decimal,
		})
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		for int(id) >= len(w.instruments) {
			w.instruments = append(w.instruments, domain.Instrument{})
		}
		w.instruments[id] = in
		w.bySymbol[ic.Symbol] = in.ID
	}
	for _, vc := range cfg.Venues {
		id, err := j.Intern("venue", vc.Name)
		if err != nil {
			return nil, err
		}
		w.venues = append(w.venues, &venue{id: domain.VenueID(id), cfg: vc})
	}
	if reg == nil {
		reg = strategy.NewRegistry()
		if err := demo.Register(reg); err != nil {
			return nil, err
		}
	}
	rc := risk.Config{
		Instruments:     w.instruments,
		Firm:            risk.NodeConfig{Limits: cfg.Risk.Firm.Limits.NodeLimits(), Restricted: cfg.Risk.Firm.Restricted},
		MaxReferenceAge: cfg.Risk.MaxReferenceAge.D,
		Breakers:        map[risk.Breaker]risk.BreakerAction{},
	}
	for k, v := range cfg.Risk.Caps {
		key, _ := risk.ParseKey(k) // validated with the config
		rc.Caps.Set(key, v.Decimal)
	}
	for name, a := range cfg.Risk.Breakers {
		b, _ := risk.ParseBreaker(name)
		s, _ := domain.ParseTradingState(a.Action)
		rc.Breakers[b] = risk.BreakerAction{Action: s, Cancel: a.Cancel}
	}
	for _, b := range cfg.Risk.Books {
		rc.Books = append(rc.Books, risk.NodeConfig{Name: b.Name, Limits: b.Limits.NodeLimits(), Restricted: b.Restricted})
	}
	for _, sc := range cfg.Strategies {
		id, err := j.Intern("strategy", sc.ID)
		if err != nil {
			return nil, err
		}
		params := make(map[string]string, len(sc.Params))
		for k, v := range sc.Params {
			params[k] = string(v)
		}
		impl, err := reg.New(sc.Kind, params)
		if err != nil {
			return nil, fmt.Errorf("config: strategy %s: %w", sc.ID, err)
		}
		s := &strat{id: domain.StrategyID(id), cfg: sc, impl: impl}
		for _, sym := range sc.Instruments {
			s.inst = append(s.inst, w.bySymbol[sym])
		}
		w.strategies = append(w.strategies, s)
		rc.Strategies = append(rc.Strategies, risk.StrategyConfig{
			ID: s.id, Name: sc.ID, Book: sc.Book, Instruments: s.inst,
			Limits: sc.Limits.NodeLimits(), Restricted: sc.Restricted,
		})
	}
	tree, err := risk.NewTree(rc)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	w.tree = tree
	return w, nil
}

// configLimits lists every limit the config sets, for the engine to
// reconcile with the journal.
func configLimits(cfg *config.Config) []engine.ConfigLimit {
	var out []engine.ConfigLimit
	add := func(node string, l config.Limits) {
		put := func(scope string, vals map[string]config.Decimal) {
			for k, v := range vals {
				key, _ := risk.ParseKey(k) // validated with the config
				out = append(out, engine.ConfigLimit{Node: node, Scope: scope, Key: key, Value: v.Decimal})
			}
		}
		put("", l.Values)
		for c, vals := range l.Class {
			put("class:"+c, vals)
		}
		for sym, vals := range l.Instrument {
			put("instrument:"+sym, vals)
		}
	}
	add(risk.FirmNode, cfg.Risk.Firm.Limits)
	for _, b := range cfg.Risk.Books {
		add(b.Name, b.Limits)
	}
	for _, s := range cfg.Strategies {
		add(s.ID, s.Limits)
	}
	return out
}

// waitFor waits for wg up to limit and reports whether it finished.
func waitFor(wg *sync.WaitGroup, limit time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(limit):
		return false
	}
}

// RunWith runs a daemon on opts and, once it serves its socket, fn (desk
// demo's TUI) in the same process; when fn returns or ctx is done the
// daemon is stopped. It returns the daemon's error if it failed (to start,
// or while running), else fn's.
func RunWith(ctx context.Context, opts Options, fn func(ctx context.Context) error) error {
	d, err := New(opts)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	select {
	case <-d.Ready():
	case err := <-done:
		return err
	}
	fnErr := fn(ctx)
	cancel()
	if err := <-done; err != nil {
		return err
	}
	return fnErr
}

// NewLogger returns the daemon's text logger on w, at the level DESK_LOG
// names (debug, info, warn, error; info when unset or unknown).
func NewLogger(w io.Writer) *slog.Logger {
	l, _ := NewLoggerFormat(w, "text")
	return l
}

// LogFormats are the formats NewLoggerFormat takes: one line per record,
// key=value pairs or a JSON object.
var LogFormats = []string{"text", "json"}

// NewLoggerFormat returns the daemon's logger on w in format ("text" or
// "json"; see LogFormats), at the level DESK_LOG names.
func NewLoggerFormat(w io.Writer, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("DESK_LOG"))); err != nil {
		l = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("daemon: log format %q: want one of %v", format, LogFormats)
}

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
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/core/server"
	"github.com/desk-trading/desk/core/strategy"
	"github.com/desk-trading/desk/core/strategy/demo"
	"github.com/desk-trading/desk/feeds"
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
	// JournalFault, when set, is the journal's disk-fault hook
	// (store.Options.FailCommit): a test of a full disk. Nil in production.
	JournalFault func() error
	Logger       *slog.Logger // nil means discard
}

// Run runs the daemon until ctx is done, then shuts it down in order. It
// fails at start when the state is held by another daemon, the config does
// not build, or the socket cannot be served.
func Run(ctx context.Context, opts Options) (err error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := opts.Config
	if err := os.MkdirAll(opts.Paths.StateDir, 0o700); err != nil {
		return fmt.Errorf("daemon: state dir: %w", err)
	}

	// The engine is built after the journal, the venues and the hosts, but
	// they report to it; eng is set before any of them runs.
	var eng *engine.Engine
	journalPath := filepath.Join(opts.Paths.StateDir, "journal.db")
	j, err := store.Open(journalPath, store.Options{
		Timeout:   time.Second,
		QueueSize: 16384, // ~6 MB of events in flight; plenty at 10x the demo's rate
		OnError:   func(err error) { eng.JournalFailed(err) },
		OnRecover: func() { eng.JournalRecovered() },
		// Retry soon: a disk that got space back should not keep trading
		// halted for long, and a retry of a failed commit costs little.
		RetryInterval: 50 * time.Millisecond,
		FailCommit:    opts.JournalFault,
		Logger:        log.With("component", "journal"),
	})
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	defer func() {
		if cerr := j.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("daemon: close journal: %w", cerr)
		}
	}()
	epoch, err := j.NextEpoch()
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}

	w, err := build(cfg, j, opts.Registry, log)
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}

	reports := make(chan domain.ExecReport, 8192)
	if err := w.makeVenues(cfg, reports, func() *engine.Engine { return eng }, log); err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	if err := w.makeHosts(func() *engine.Engine { return eng }, log); err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	var srv *server.Server
	eng, err = engine.New(engine.Options{
		Instruments:      w.instruments,
		Venues:           w.venueSlots(),
		Strategies:       w.strategySlots(),
		Risk:             w.tree,
		Journal:          j,
		Epoch:            epoch,
		Reports:          reports,
		SnapshotInterval: cfg.Daemon.SnapshotInterval.D,
		OnAlert:          func(a protocol.Alert) { srv.Alert(a) },
		JournalHealth: func() engine.JournalHealth {
			h := j.Health()
			return engine.JournalHealth{Down: h.Down, Pending: h.Pending, Err: h.Err}
		},
		UncleanStart:  !j.PreviousRunClean(),
		LatencyWindow: opts.LatencyWindow,
		Logger:        log.With("component", "engine"),
	})
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}

	var sum engine.RestoreSummary
	if err := j.Replay(func(ev *domain.Event) error { eng.Restore(ev, &sum); return nil }); err != nil {
		return fmt.Errorf("daemon: replay journal: %w", err)
	}
	eng.FinishRestore(&sum)
	if n := eng.ApplyConfig(configLimits(cfg)); n > 0 && sum.Events > 0 {
		log.Info("config limits changed since the last start were applied", "limits", n)
	}
	if !j.PreviousRunClean() {
		log.Warn("the previous run did not end cleanly (crash, kill -9 or journal down): " +
			"events it sent may be missing from the journal; the venues are asked what they hold before anything trades")
	}
	if sum.Events > 0 {
		log.Info("state restored from journal", "epoch", epoch, "events", sum.Events, "orders", sum.Orders,
			"working", sum.Working, "fills", sum.Fills, "audits", sum.Audits, "halted", sum.Halted)
	} else {
		log.Info("fresh state", "epoch", epoch, "journal", journalPath)
	}

	srv, err = server.New(server.Options{
		Path:           opts.Paths.Socket,
		Backend:        &backend{eng: eng},
		StatusInterval: cfg.Daemon.SnapshotInterval.D,
		Logger:         log.With("component", "server"),
		Version:        Version,
	})
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	// Bind the socket before any venue or strategy starts: a daemon that
	// cannot serve its operators must fail before it sends an order, not
	// after.
	if err := srv.Listen(); err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	if !j.PreviousRunClean() {
		// Kept among the recent alerts, so the first TUI to attach sees it.
		srv.Alert(protocol.Alert{
			Time: time.Now().UTC().Format(time.RFC3339Nano), Severity: "warning",
			Message: "the previous run did not end cleanly: events it sent may be missing from the journal; " +
				"the venues are asked what they hold before anything trades",
		})
	}

	// Everything below runs under one context and is waited for in reverse
	// order of start.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var venuesWG, engineWG, hostsWG, serverWG sync.WaitGroup
	errc := make(chan error, 4)
	venueCtx, stopVenues := context.WithCancel(context.Background())
	defer stopVenues()
	for _, v := range w.venues {
		venuesWG.Add(2)
		go func() { defer venuesWG.Done(); v.venue.Run(venueCtx) }()
		go func() { defer venuesWG.Done(); v.feed.Run(venueCtx) }()
	}
	if err := w.awaitVenues(ctx, 10*time.Second); err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	// The venues are live, and the engine does not yet drain their books:
	// a venue stalls once its queue fills, so reconciliation gets a bound.
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	rec, err := eng.Reconcile(rctx)
	rcancel()
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	if rec != (engine.ReconcileSummary{}) {
		log.Warn("reconciled with the venues", "adopted", rec.Adopted, "fills", rec.Fills,
			"updated", rec.Updated, "canceled", rec.Canceled, "foreign", rec.Foreign)
	}

	engineCtx, stopEngine := context.WithCancel(context.Background())
	defer stopEngine()
	engineWG.Add(1)
	go func() { defer engineWG.Done(); errc <- eng.Run(engineCtx) }()

	hostCtx, stopHosts := context.WithCancel(context.Background())
	defer stopHosts()
	// Venue connectivity feeds the router and the venue-down breaker. The
	// watcher stops with the strategies, before the venues are shut down,
	// so a shutdown never reads as a venue failure.
	hostsWG.Add(1)
	go func() { defer hostsWG.Done(); w.watchVenues(hostCtx, eng) }()
	for _, h := range w.hosts {
		hostsWG.Add(1)
		go func() {
			defer hostsWG.Done()
			if err := h.Run(hostCtx); err != nil && !errors.Is(err, context.Canceled) {
				log.Warn("strategy stopped", "err", err)
			}
		}()
	}

	// shutdown stops clients first, then the strategies (no new intents),
	// then the venues (no new reports), and the engine last, so it
	// journals every report the venues delivered.
	shutdown := func() {
		cancel()
		serverWG.Wait()
		stopHosts()
		// A strategy stuck inside a callback never returns; the rest of the
		// shutdown must not wait for it.
		if !waitFor(&hostsWG, 5*time.Second) {
			log.Error("strategies did not stop within 5s; shutting down without them")
		}
		stopVenues()
		venuesWG.Wait()
		stopEngine()
		engineWG.Wait()
	}
	serverWG.Add(1)
	go func() { defer serverWG.Done(); errc <- srv.Run(ctx) }()
	select {
	case <-srv.Ready():
		log.Info("daemon ready", "socket", opts.Paths.Socket, "state", opts.Paths.StateDir,
			"strategies", len(w.hosts), "venues", len(w.venues))
		if opts.Ready != nil {
			close(opts.Ready)
		}
	case err := <-errc:
		shutdown()
		return fmt.Errorf("daemon: %w", err)
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
		log.Error("daemon component stopped", "err", runErr)
	}
	log.Info("shutting down")
	shutdown()
	if err := j.Flush(context.Background()); err != nil {
		return fmt.Errorf("daemon: flush journal: %w", err)
	}
	log.Info("stopped")
	return runErr
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
	id    domain.VenueID
	cfg   config.Venue
	venue *sim.Venue
	feed  *feeds.Handler
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

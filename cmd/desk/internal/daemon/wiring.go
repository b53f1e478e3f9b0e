package daemon

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bexec "github.com/desk-trading/desk/brokers/binance"
	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
	"github.com/desk-trading/desk/core/router"
	"github.com/desk-trading/desk/core/strategy"
	"github.com/desk-trading/desk/feeds"
	"github.com/desk-trading/desk/feeds/binance"
	"github.com/shopspring/decimal"
)

// engineRef returns the engine once it is built. The venues, feeds and
// hosts are built before it but only call it once they run, after it is.
type engineRef func() *engine.Engine

// bookSink forwards a feed's books to the engine.
type bookSink struct{ eng engineRef }

func (s bookSink) OnBook(b *domain.BookUpdate) { s.eng().OnBook(b) }

// makeVenues builds each venue and the feed handler that carries its
// market data to the engine. A "sim" venue is the simulator, which
// publishes its own books to the handler. A "binance" venue is a network
// feed (feeds/binance) whose books go both to the handler and to an
// in-process simulator without flow that mirrors them (sim.Venue.Mirror)
// and executes the venue's orders against them: paper trading on the
// venue's live book.
func (w *wiring) makeVenues(cfg *config.Config, reports chan domain.ExecReport, eng engineRef, log *slog.Logger) error {
	for _, v := range w.venues {
		vlog := log.With("venue", v.cfg.Name)
		networked := v.cfg.Kind == config.KindBinance
		var insts []sim.SimInstrument
		for _, sym := range cfg.ListedSymbols(&v.cfg) {
			in := w.instruments[w.bySymbol[sym]]
			si := sim.SimInstrument{Instrument: in}
			if !networked {
				px, err := in.PriceFromDecimal(priceOf(cfg, sym).Decimal)
				if err != nil {
					return fmt.Errorf("venue %s: %w", v.cfg.Name, err)
				}
				si.InitialPrice = px
			}
			insts = append(insts, si)
		}
		v.feed = feeds.NewHandler(feeds.Options{
			Venue:       v.id,
			Instruments: len(w.instruments),
			Sink:        bookSink{eng},
			StaleAfter:  cfg.Daemon.StaleAfter.D,
			OnStale: func(vid domain.VenueID, i domain.InstrumentID, stale bool) {
				eng().FeedStale(vid, i, stale)
			},
			Logger: vlog.With("component", "feed"),
		})
		so := sim.Options{
			Name:        v.cfg.Name,
			ID:          v.id,
			Instruments: insts,
			Fees:        sim.Fees{MakerBps: v.cfg.MakerFeeBps.Decimal, TakerBps: v.cfg.TakerFeeBps.Decimal},
			Latency:     v.cfg.Latency.D,
			Seed:        v.cfg.Seed,
			Flow:        v.cfg.Flow.SimFlow(),
			Reports:     reports,
			Market:      v.feed,
			QueueSize:   16384, // a firm kill sends a cancel per working order at once
			Logger:      log.With("component", "venue"),
		}
		if networked && v.cfg.Execution == config.ExecLive {
			bv, err := w.makeLiveVenue(v, reports, vlog)
			if err != nil {
				return fmt.Errorf("venue %s: %w", v.cfg.Name, err)
			}
			v.venue = bv
			if v.net, err = w.makeNetFeed(v, vlog); err != nil {
				return fmt.Errorf("venue %s: %w", v.cfg.Name, err)
			}
			continue
		}
		if networked {
			// The paper venue's liquidity is the network's; it publishes no
			// market data of its own.
			so.Flow, so.Market = sim.FlowOptions{}, nil
		}
		sv, err := sim.New(so)
		if err != nil {
			return fmt.Errorf("venue %s: %w", v.cfg.Name, err)
		}
		v.venue = sv
		if networked {
			v.paper = sv
			if v.net, err = w.makeNetFeed(v, vlog); err != nil {
				return fmt.Errorf("venue %s: %w", v.cfg.Name, err)
			}
		}
	}
	return nil
}

// makeLiveVenue builds a "live" binance venue: desk's adapter, sending
// signed orders with the keys of the venue's keys file (or of its
// environment variables, see credentials).
func (w *wiring) makeLiveVenue(v *venue, reports chan domain.ExecReport, log *slog.Logger) (*bexec.Venue, error) {
	creds, err := credentials(&v.cfg)
	if err != nil {
		return nil, err
	}
	syms := make(map[string]domain.Instrument, len(v.cfg.Symbols))
	for vs, in := range v.cfg.Symbols {
		syms[vs] = w.instruments[w.bySymbol[in]]
	}
	return bexec.New(bexec.Options{
		Name: v.cfg.Name, ID: v.id, RESTURL: v.cfg.RESTURL, WSURL: v.cfg.WSURL,
		Credentials: creds, Symbols: syms, Reports: reports,
		QueueSize: 16384, // a firm kill sends a cancel per working order at once
		Logger:    log.With("component", "binance-orders"),
	})
}

// credentials returns a live venue's API key and secret: the first pair of
// its keys file, or, without one, DESK_<VENUE>_API_KEY and
// DESK_<VENUE>_API_SECRET (the venue's name in capitals, "-" as "_").
func credentials(vc *config.Venue) (api.Credentials, error) {
	if vc.Keys == "" {
		name := strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(vc.Name))
		return api.CredentialsFromEnv("DESK_"+name+"_API_KEY", "DESK_"+name+"_API_SECRET")
	}
	pairs, err := api.LoadCredentials(vc.Keys)
	if err != nil {
		return api.Credentials{}, err
	}
	if len(pairs) != 1 {
		return api.Credentials{}, fmt.Errorf("keys %s: %d key pairs; a venue account signs with one", vc.Keys, len(pairs))
	}
	return pairs[0], nil
}

// makeNetFeed builds a "binance" venue's network feed: its books go to
// the paper venue's mirror first, then to the feed handler (the engine).
func (w *wiring) makeNetFeed(v *venue, log *slog.Logger) (*binance.Feed, error) {
	var syms []binance.FeedSymbol
	for vs, in := range v.cfg.Symbols {
		syms = append(syms, binance.FeedSymbol{Symbol: vs, Instrument: w.instruments[w.bySymbol[in]]})
	}
	slices.SortFunc(syms, func(a, b binance.FeedSymbol) int { return cmp.Compare(a.Symbol, b.Symbol) })
	paper, handler := v.paper, v.feed
	return binance.NewFeed(binance.FeedOptions{
		Client: binance.ClientOptions{
			RESTURL: v.cfg.RESTURL, WSURL: v.cfg.WSURL,
			Handler: binance.Options{Venue: v.cfg.Name},
			// The diffs come every 100 ms; the ticker keeps the top of
			// each book current between them.
			BookTicker: true,
			Logger:     log.With("component", "binance-feed"),
		},
		Symbols: syms,
		Publish: func(b *domain.BookUpdate) {
			if paper == nil { // live: the venue executes
				if b.NBids > 0 || b.NAsks > 0 {
					handler.Book(b)
				}
				return
			}
			paper.Mirror(b)
			if b.NBids == 0 && b.NAsks == 0 {
				// The connection is gone (Feed publishes every book empty
				// then): the paper venue drops its liquidity, and the
				// engine keeps the last book until it goes stale.
				return
			}
			handler.Book(b)
		},
	})
}

func priceOf(cfg *config.Config, sym string) (d config.Decimal) {
	for _, ic := range cfg.Instruments {
		if ic.Symbol == sym {
			return ic.Price
		}
	}
	return d
}

// makeHosts builds each strategy's host: driven by the engine on its own
// goroutine (config run = "engine", the default), or run on a goroutine of
// its own (run = "goroutine"; w.hosts).
func (w *wiring) makeHosts(eng engineRef, log *slog.Logger) error {
	for _, s := range w.strategies {
		var insts []domain.Instrument
		for _, id := range s.inst {
			insts = append(insts, w.instruments[id])
		}
		h, err := strategy.NewHost(strategy.HostOptions{
			ID:          s.id,
			Name:        s.cfg.ID,
			Strategy:    s.impl,
			Instruments: insts,
			Submit:      func(in *domain.Intent) error { return eng().Submit(in) },
			NextID:      func() domain.OrderID { return eng().NextOrderID(s.id) },
			OnFailure:   func(id domain.StrategyID, err error) { eng().StrategyFailed(id, err) },
			Seed:        s.cfg.Seed + int64(s.id),
			Logger:      log,
		})
		if err != nil {
			return fmt.Errorf("strategy %s: %w", s.cfg.ID, err)
		}
		s.host = h
		if s.cfg.Run == config.RunGoroutine {
			w.hosts = append(w.hosts, h) // the daemon runs it; the engine drives the rest
		}
	}
	return nil
}

// bindLedgers has each strategy the engine drives read its positions and
// working orders from the engine's own records, in place, rather than
// keep copies from its events: its callbacks run on the engine goroutine,
// where those records may be read. One on a goroutine of its own keeps
// its copies, as does one the engine moves to a goroutine of its own
// (engine.DrivenHost.Unbind).
func (w *wiring) bindLedgers(eng *engine.Engine) {
	for _, s := range w.strategies {
		if s.cfg.Run != config.RunGoroutine {
			s.host.Bind(eng.Ledger(s.id))
		}
	}
}

func (w *wiring) venueSlots(cfg *config.Config) []engine.VenueSlot {
	var out []engine.VenueSlot
	for _, v := range w.venues {
		var listed []domain.InstrumentID
		for _, sym := range cfg.ListedSymbols(&v.cfg) {
			listed = append(listed, w.bySymbol[sym])
		}
		bal := make(map[string]decimal.Decimal, len(v.cfg.Balances))
		for a, b := range v.cfg.Balances {
			bal[a] = b.Decimal
		}
		out = append(out, engine.VenueSlot{
			ID: v.id, Name: v.cfg.Name, Venue: v.venue, Feed: v, Instruments: listed, Balances: bal, Execution: execution(&v.cfg),
			Fees: router.VenueFees{MakerBps: v.cfg.MakerFeeBps.Decimal, TakerBps: v.cfg.TakerFeeBps.Decimal,
				Limits: router.Limits{Orders10s: int64(v.cfg.RateLimits.Orders10s),
					Orders1d: int64(v.cfg.RateLimits.Orders1d), Weight1m: int64(v.cfg.RateLimits.Weight1m)}},
		})
	}
	return out
}

// execution is how venue v's orders are executed, as the status says it:
// "sim" for a simulator, else its Execution ("paper" when unset).
func execution(v *config.Venue) string {
	switch {
	case v.Kind != config.KindBinance:
		return config.KindSim
	case v.Execution == config.ExecLive:
		return config.ExecLive
	}
	return config.ExecPaper
}

func (w *wiring) strategySlots() []engine.StrategySlot {
	var out []engine.StrategySlot
	for _, s := range w.strategies {
		out = append(out, engine.StrategySlot{
			ID: s.id, Name: s.cfg.ID, Kind: s.cfg.Kind, Book: s.cfg.Book, Host: s.host, Instruments: s.inst,
			Driven: s.cfg.Run != config.RunGoroutine,
		})
	}
	return out
}

// awaitVenues waits until every venue's session is up, so reconciliation
// asks venues that can answer.
func (w *wiring) awaitVenues(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for _, v := range w.venues {
		for !v.venue.Connected() {
			if time.Now().After(deadline) {
				return fmt.Errorf("venue %s did not come up within %s", v.cfg.Name, limit)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	return nil
}

// watchVenues tells the engine when a venue's session goes down or comes
// back, polling every 100ms until ctx is done, and reconciles a venue
// whose session came back (engine.SessionReporter: a new generation)
// before its strategies may trade on it again.
//
// gen is each venue's session generation when the start's reconciliation
// began (sessionGens): a session that came back since is reconciled at
// once.
func (w *wiring) watchVenues(ctx context.Context, eng *engine.Engine, gen []uint64, log *slog.Logger) {
	up := make([]bool, len(w.venues))
	for k, v := range w.venues {
		up[k] = v.venue.Connected()
	}
	var reconciling sync.WaitGroup
	defer reconciling.Wait()
	busy := make([]atomic.Bool, len(w.venues))
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for k, v := range w.venues {
			if c := v.venue.Connected(); c != up[k] {
				up[k] = c
				eng.VenueState(v.id, c)
			}
			s, ok := v.venue.(engine.SessionReporter)
			if !ok {
				continue
			}
			if sup, g := s.Session(); sup && g != gen[k] && busy[k].CompareAndSwap(false, true) {
				gen[k] = g
				reconciling.Go(func() {
					defer busy[k].Store(false)
					reconcileUntilDone(ctx, eng, v, log)
				})
			}
		}
	}
}

// sessionGens returns each venue's session generation (0 for a venue
// that is no engine.SessionReporter).
func (w *wiring) sessionGens() []uint64 {
	gen := make([]uint64, len(w.venues))
	for k, v := range w.venues {
		if s, ok := v.venue.(engine.SessionReporter); ok {
			_, gen[k] = s.Session()
		}
	}
	return gen
}

// reconcileUntilDone reconciles venue v after its session came back,
// trying again with a growing pause (100ms to 5s) until it succeeds or
// ctx is done. The venue takes no new order meanwhile.
func reconcileUntilDone(ctx context.Context, eng *engine.Engine, v *venue, log *slog.Logger) {
	pause := 100 * time.Millisecond
	for {
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		sum, err := eng.ReconcileVenue(rctx, v.id)
		cancel()
		if err == nil {
			log.Info("reconciled after the session came back", "venue", v.cfg.Name, "adopted", sum.Adopted,
				"fills", sum.Fills, "updated", sum.Updated, "canceled", sum.Canceled, "external", sum.External,
				"mismatches", sum.Mismatches)
			return
		}
		log.Warn("reconcile failed; trying again", "venue", v.cfg.Name, "err", err, "in", pause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// FeedStats reports the venue's market data (engine.FeedReporter): the
// network feed's counts for a networked venue, with what the feed handler
// counted of the books it passed to the engine. LastMessage is when a
// call first saw the frame count move, so it is as fine as the engine's
// snapshot interval: the feeds keep counts, not times.
func (v *venue) FeedStats() domain.FeedStats {
	hs := v.feed.Stats()
	f := domain.FeedStats{Protocol: config.KindSim, Connected: v.venue.Connected(), Frames: hs.Received}
	if v.net != nil {
		f = v.net.Stats()
	}
	f.Books, f.OutOfOrder, f.Stale = hs.Forwarded, hs.OutOfOrder, hs.Stale
	if f.Frames != v.seenFrames {
		v.seenFrames, v.lastMessage = f.Frames, time.Now().UnixNano()
	}
	f.LastMessage = v.lastMessage
	return f
}

package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
	"github.com/desk-trading/desk/core/router"
	"github.com/desk-trading/desk/core/strategy"
	"github.com/desk-trading/desk/feeds"
)

// engineRef returns the engine once it is built. The venues, feeds and
// hosts are built before it but only call it once they run, after it is.
type engineRef func() *engine.Engine

// bookSink forwards a feed's books to the engine.
type bookSink struct{ eng engineRef }

func (s bookSink) OnBook(b *domain.BookUpdate) { s.eng().OnBook(b) }

// makeVenues builds each simulated venue and the feed handler that carries
// its market data to the engine.
func (w *wiring) makeVenues(cfg *config.Config, reports chan domain.ExecReport, eng engineRef, log *slog.Logger) error {
	for _, v := range w.venues {
		listed := v.cfg.Instruments
		if len(listed) == 0 {
			for _, ic := range cfg.Instruments {
				listed = append(listed, ic.Symbol)
			}
		}
		var insts []sim.SimInstrument
		for _, sym := range listed {
			in := w.instruments[w.bySymbol[sym]]
			px, err := in.PriceFromDecimal(priceOf(cfg, sym).Decimal)
			if err != nil {
				return fmt.Errorf("venue %s: %w", v.cfg.Name, err)
			}
			insts = append(insts, sim.SimInstrument{Instrument: in, InitialPrice: px})
		}
		v.feed = feeds.NewHandler(feeds.Options{
			Venue:       v.id,
			Instruments: len(w.instruments),
			Sink:        bookSink{eng},
			StaleAfter:  cfg.Daemon.StaleAfter.D,
			OnStale: func(vid domain.VenueID, i domain.InstrumentID, stale bool) {
				eng().FeedStale(vid, i, stale)
			},
			Logger: log.With("component", "feed", "venue", v.cfg.Name),
		})
		sv, err := sim.New(sim.Options{
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
		})
		if err != nil {
			return fmt.Errorf("venue %s: %w", v.cfg.Name, err)
		}
		v.venue = sv
	}
	return nil
}

func priceOf(cfg *config.Config, sym string) (d config.Decimal) {
	for _, ic := range cfg.Instruments {
		if ic.Symbol == sym {
			return ic.Price
		}
	}
	return d
}

// makeHosts builds the host that runs each strategy in its own goroutine.
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
		w.hosts = append(w.hosts, h)
	}
	return nil
}

func (w *wiring) venueSlots() []engine.VenueSlot {
	var out []engine.VenueSlot
	for _, v := range w.venues {
		out = append(out, engine.VenueSlot{
			ID: v.id, Name: v.cfg.Name, Venue: v.venue,
			Fees: router.VenueFees{MakerBps: v.cfg.MakerFeeBps.Decimal, TakerBps: v.cfg.TakerFeeBps.Decimal},
		})
	}
	return out
}

func (w *wiring) strategySlots() []engine.StrategySlot {
	var out []engine.StrategySlot
	for _, s := range w.strategies {
		out = append(out, engine.StrategySlot{
			ID: s.id, Name: s.cfg.ID, Kind: s.cfg.Kind, Book: s.cfg.Book, Host: s.host, Instruments: s.inst,
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
// back, polling every 100ms until ctx is done.
func (w *wiring) watchVenues(ctx context.Context, eng *engine.Engine) {
	up := make([]bool, len(w.venues))
	for k, v := range w.venues {
		up[k] = v.venue.Connected()
	}
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
		}
	}
}

package venue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/brokers/sim/binance"
	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/core/domain"
)

// Options configure Run.
type Options struct {
	// Listen is the TCP address to listen on, e.g. "127.0.0.1:9443";
	// port 0 picks a free one (see Ready).
	Listen string
	// Config is the config file; empty: the embedded default.
	Config string
	// Venue names the simulated venue to run; empty: the config's first
	// venue of kind "sim".
	Venue string
	// AllowRemote permits a listen address that is not loopback.
	AllowRemote bool
	// Logger receives the log lines; nil: slog.Default().
	Logger *slog.Logger
	// Ready, when set, is called once with the listener's address after
	// the venue and server run.
	Ready func(addr net.Addr)
	// AddrFile, when set, is where the listener's address (host:port) is
	// written once the venue serves, for a parent process that asked for
	// port 0. It is written to a temporary file and renamed, so a reader
	// never sees a partial address.
	AddrFile string
	// Keys is the file of the API keys order entry accepts ("KEY SECRET",
	// one pair a line, readable by its owner only: see
	// api.LoadCredentials); each key is one account, opening with the
	// venue's configured balances. Empty: no order entry (every signed
	// request is -2015).
	Keys string
	// StateDir is the directory of the venue of record (venue.db), which
	// outlives a restart. Required with Keys.
	StateDir string
}

// reportQueue bounds the venue's execution reports waiting for the
// server's ledger.
const reportQueue = 1 << 14

// Run runs the venue and its Binance-protocol server until ctx is done,
// then stops both and returns nil; it returns an error when the config,
// the venue or the listener cannot be set up.
func Run(ctx context.Context, o Options) error {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	cfg, err := loadConfig(o.Config)
	if err != nil {
		return err
	}
	vc, insts, err := pick(cfg, o.Venue)
	if err != nil {
		return err
	}
	var dis []domain.Instrument
	for _, si := range insts {
		dis = append(dis, si.Instrument)
	}
	var creds []api.Credentials
	if o.Keys != "" {
		if o.StateDir == "" {
			return fmt.Errorf("desk venue %s: %w", vc.Name, ErrNoState)
		}
		if creds, err = api.LoadCredentials(o.Keys); err != nil {
			return fmt.Errorf("desk venue %s: %w", vc.Name, err)
		}
	}
	balances := make(map[string]decimal.Decimal, len(vc.Balances))
	for asset, d := range vc.Balances {
		balances[asset] = d.Decimal
	}
	fees := sim.Fees{MakerBps: vc.MakerFeeBps.Decimal, TakerBps: vc.TakerFeeBps.Decimal}
	// Reports are read by the server's ledger, which never blocks on
	// anything but its own commit; the buffer absorbs a burst of fills
	// while a commit is fsyncing.
	reports := make(chan domain.ExecReport, reportQueue)
	srv, err := binance.New(binance.Options{Instruments: dis, Logger: log.With("component", "binance"),
		Accounts: creds, Balances: balances, StateDir: o.StateDir, Reports: reports, Fees: fees,
		RateLimits: binance.RateLimits{Weight1m: vc.RateLimits.Weight1m, Orders10s: vc.RateLimits.Orders10s,
			Orders1d: vc.RateLimits.Orders1d}})
	if err != nil {
		return fmt.Errorf("desk venue %s: %w", vc.Name, err)
	}
	defer srv.Close()
	v, err := sim.New(sim.Options{
		Name:        vc.Name,
		Instruments: insts,
		Fees:        fees,
		Latency:     vc.Latency.D,
		Seed:        vc.Seed,
		Flow:        vc.Flow.SimFlow(),
		Reports:     reports,
		Market:      srv,
		Logger:      log.With("component", "venue"),
	})
	if err != nil {
		return fmt.Errorf("desk venue %s: %w", vc.Name, err)
	}
	ln, err := binance.Listen(o.Listen, o.AllowRemote)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	venueErr := make(chan error, 1)
	wg.Go(func() { venueErr <- v.Run(ctx) })
	serveErr := make(chan error, 1)
	wg.Go(func() { serveErr <- srv.Serve(ctx, ln, v) })
	log.Info("desk venue listening", "venue", vc.Name, "addr", ln.Addr().String(),
		"rest", "http://"+ln.Addr().String()+"/api/v3", "ws", "ws://"+ln.Addr().String()+"/ws",
		"instruments", len(insts), "accounts", len(creds), "state", o.StateDir)
	if o.AddrFile != "" {
		if err := writeAddr(o.AddrFile, ln.Addr().String()); err != nil {
			cancel()
			wg.Wait()
			return err
		}
	}
	if o.Ready != nil {
		o.Ready(ln.Addr())
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-venueErr:
	case runErr = <-serveErr:
	}
	cancel()
	wg.Wait()
	if err := srv.Close(); err != nil && runErr == nil {
		runErr = err
	}
	log.Info("desk venue stopped", "venue", vc.Name)
	return runErr
}

func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.Default()
	}
	return config.Load(path)
}

// pick returns the venue to run and its instruments, with ids as the
// daemon gives them (their index in the config).
func pick(cfg *config.Config, name string) (config.Venue, []sim.SimInstrument, error) {
	var vc *config.Venue
	for i := range cfg.Venues {
		c := &cfg.Venues[i]
		if c.Kind == "sim" && (name == "" || c.Name == name) {
			vc = c
			break
		}
	}
	if vc == nil {
		if name == "" {
			return config.Venue{}, nil, ErrNoVenue
		}
		return config.Venue{}, nil, fmt.Errorf("%w: %q", ErrNoVenue, name)
	}
	listed := map[string]bool{}
	for _, s := range vc.Instruments {
		listed[s] = true
	}
	var out []sim.SimInstrument
	for i, ic := range cfg.Instruments {
		if len(listed) > 0 && !listed[ic.Symbol] {
			continue
		}
		in, err := domain.NewInstrument(domain.InstrumentID(i), domain.InstrumentSpec{Symbol: ic.Symbol,
			Base: ic.Base, Quote: ic.Quote, Class: ic.Class, TickSize: ic.TickSize.Decimal, LotSize: ic.LotSize.Decimal})
		if err != nil {
			return config.Venue{}, nil, err
		}
		px, err := in.PriceFromDecimal(ic.Price.Decimal)
		if err != nil {
			return config.Venue{}, nil, fmt.Errorf("venue %s: %w", vc.Name, err)
		}
		out = append(out, sim.SimInstrument{Instrument: in, InitialPrice: px})
	}
	if len(out) == 0 {
		return config.Venue{}, nil, errors.Join(ErrNoVenue, fmt.Errorf("venue %s lists no instrument", vc.Name))
	}
	return *vc, out, nil
}

// writeAddr writes addr to path through a temporary file and a rename.
func writeAddr(path, addr string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(addr+"\n"), 0o600); err != nil {
		return fmt.Errorf("desk venue: addr file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("desk venue: addr file: %w", err)
	}
	return nil
}

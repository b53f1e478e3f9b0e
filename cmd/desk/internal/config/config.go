package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
	"github.com/shopspring/decimal"
)

//go:embed default.toml
var defaultTOML []byte

// ErrInvalid is returned, wrapped with the offending key, when a config is
// well-formed TOML but not a usable desk configuration.
var ErrInvalid = errors.New("invalid config")

// Config is a whole desk configuration.
type Config struct {
	Daemon      Daemon       `toml:"daemon"`
	Instruments []Instrument `toml:"instruments"`
	Venues      []Venue      `toml:"venues"`
	Risk        Risk         `toml:"risk"`
	Strategies  []Strategy   `toml:"strategies"`
	TUI         TUI          `toml:"tui"`
	Alerts      Alerts       `toml:"alerts"`
}

// Alerts are the thresholds the daemon alerts on when crossed, and again
// when back under: every client sees the alert at once and the journal
// keeps it. They stop nothing (breakers do). Zero turns one off.
type Alerts struct {
	// TickToOrderP99 bounds the tick-to-order p99 of each latency window
	// (10 s).
	TickToOrderP99 Duration `toml:"tick_to_order_p99"`
	// RejectsPerMin bounds the venue rejects in the last minute, all
	// venues together.
	RejectsPerMin int `toml:"rejects_per_min"`
	// FeedGapsPerMin bounds the sequence gaps in one venue's market data
	// in the last minute.
	FeedGapsPerMin int `toml:"feed_gaps_per_min"`
}

// TUI holds the settings of the terminal UI, read by desk attach from the
// same file as the daemon's (its --config, else the default lookup).
type TUI struct {
	// ReadOnly attaches read-only, as --read-only does: no action key is
	// bound and the daemon refuses actions from the connection. For
	// screens on a wall.
	ReadOnly bool `toml:"read_only"`
}

// Daemon holds process settings. Empty paths mean the XDG defaults.
type Daemon struct {
	StateDir         string   `toml:"state_dir"`
	Socket           string   `toml:"socket"`
	SnapshotInterval Duration `toml:"snapshot_interval"` // zero: 100ms
	StaleAfter       Duration `toml:"stale_after"`       // zero: 5s
}

// Instrument is one tradable pair.
type Instrument struct {
	Symbol   string  `toml:"symbol"`
	Base     string  `toml:"base"`
	Quote    string  `toml:"quote"`
	Class    string  `toml:"class"`
	TickSize Decimal `toml:"tick_size"`
	LotSize  Decimal `toml:"lot_size"`
	// Price is where simulated venues start the instrument's fair value.
	Price Decimal `toml:"price"`
}

// Venue is one execution venue, of a kind:
//
//   - "sim", the built-in simulator: an in-process exchange with its own
//     books and background flow (Flow, Seed, Instruments);
//   - "binance", a venue speaking the Binance spot protocol (Binance,
//     Binance.US, or a desk venue process): market data over the network
//     from RESTURL and WSURL for the venue symbols in Symbols. Orders are
//     paper-traded (Execution "paper"): they match, after Latency, against
//     the venue's live displayed book in an in-process simulator, at the
//     venue's fees; order entry over the network is not built yet.
//
// Fees and Latency apply to both kinds.
type Venue struct {
	Name        string   `toml:"name"`
	Kind        string   `toml:"kind"`
	MakerFeeBps Decimal  `toml:"maker_fee_bps"`
	TakerFeeBps Decimal  `toml:"taker_fee_bps"`
	Latency     Duration `toml:"latency"`
	Seed        int64    `toml:"seed"`
	// Instruments the venue lists; empty means all. Kind "sim" only: a
	// "binance" venue lists what Symbols maps.
	Instruments []string `toml:"instruments"`
	Flow        Flow     `toml:"flow"`

	// RESTURL is a "binance" venue's REST base, e.g.
	// "https://api.binance.com" (http or https).
	RESTURL string `toml:"rest_url"`
	// WSURL is its websocket base, e.g. "wss://stream.binance.com:9443"
	// (ws or wss).
	WSURL string `toml:"ws_url"`
	// Symbols maps each venue symbol to trade ("BTCUSDT") to the desk
	// instrument it is ("BTC-USDT"); each instrument at most once.
	Symbols map[string]string `toml:"symbols"`
	// Execution is how a "binance" venue's orders are executed: "paper"
	// (the default) matches them against the venue's live book inside the
	// daemon; "live" sends them to the venue, signed with Keys.
	Execution string `toml:"execution"`
	// Keys is the file of a "live" venue's API key and secret (one pair a
	// line, "KEY SECRET"; readable by its owner only). Empty: the
	// environment's DESK_<VENUE>_API_KEY and DESK_<VENUE>_API_SECRET, the
	// venue's name in capitals with "-" as "_".
	Keys string `toml:"keys"`
	// Balances are the venue account's opening balances by asset
	// ({BTC = "10", USD = "1000000"}): what a simulated venue's accounts
	// hold when first opened, and what a live venue's account held before
	// desk traded on it, so that reconciliation can compare each traded
	// asset's balance less its opening balance with desk's net position.
	Balances map[string]Decimal `toml:"balances"`
	// RateLimits is the venue account's rate budget, spent by the engine
	// for every strategy on the venue (zero fields: no limit).
	RateLimits RateLimits `toml:"rate_limits"`
}

// RateLimits are a venue account's published rate limits (Binance spot:
// 50 orders per 10 s, 160000 per day, 6000 request weight per minute).
// New orders and replaces that would exceed them are routed elsewhere or
// denied ("rate-budget"); cancels are never held back. Zero: no limit.
type RateLimits struct {
	Orders10s int `toml:"orders_10s"`
	Orders1d  int `toml:"orders_1d"`
	Weight1m  int `toml:"weight_1m"`
}

// The venue kinds.
const (
	KindSim     = "sim"
	KindBinance = "binance"
)

// The execution modes of a "binance" venue.
const (
	ExecPaper = "paper"
	ExecLive  = "live"
)

// ListedSymbols returns the desk instruments a venue lists, in config
// order: Instruments (all of the config's when empty) for a simulator,
// Symbols' values for a networked venue.
func (c *Config) ListedSymbols(v *Venue) []string {
	var out []string
	mapped := map[string]bool{}
	for _, in := range v.Symbols {
		mapped[in] = true
	}
	listed := map[string]bool{}
	for _, s := range v.Instruments {
		listed[s] = true
	}
	for _, ic := range c.Instruments {
		switch {
		case v.Kind == KindBinance && mapped[ic.Symbol],
			v.Kind != KindBinance && (len(listed) == 0 || listed[ic.Symbol]):
			out = append(out, ic.Symbol)
		}
	}
	return out
}

// Flow is a simulated venue's background order flow: liquidity providers
// quoting around a random-walk fair value and takers crossing the spread.
// Zero fields take the defaults named below.
type Flow struct {
	// Disabled turns the background flow off (a quiet venue for tests).
	Disabled bool `toml:"disabled"`
	// Interval is how often background orders are generated; zero: 10ms.
	Interval Duration `toml:"interval"`
	// OpsPerTick is how many background orders each instrument gets per
	// interval; zero: 6.
	OpsPerTick int `toml:"ops_per_tick"`
	// VolatilityTicks is the standard deviation of the fair value's move per
	// interval, in ticks; zero: 0.6.
	VolatilityTicks Decimal `toml:"volatility_ticks"`
	// Levels is how many ticks from the fair value providers quote; zero: 8.
	Levels int `toml:"levels"`
	// MaxLots is the largest background order in lots; zero: 20.
	MaxLots int `toml:"max_lots"`
	// TakerPct is the share of background orders that cross, in percent;
	// zero: 25.
	TakerPct int `toml:"taker_pct"`
}

// Risk is the risk tree: limits for the firm and each book (strategies
// carry their own), hard caps on every limit, and what each breaker does.
type Risk struct {
	MaxReferenceAge Duration `toml:"max_reference_age"` // zero: 5s
	Firm            Node     `toml:"firm"`
	Books           []Book   `toml:"books"`
	// Caps are hard caps: no configured or live limit may exceed them.
	Caps map[string]Decimal `toml:"caps"`
	// Breakers say, per breaker name ("daily-loss", "drawdown",
	// "reject-storm", "order-rate-storm", "stale-data", "venue-down",
	// "journal-error"), what a trip does; absent ones take the defaults.
	Breakers map[string]BreakerAction `toml:"breakers"`
}

// Node is the firm's risk settings.
type Node struct {
	Limits     Limits   `toml:"limits"`
	Restricted []string `toml:"restricted"` // symbols only reducing orders may trade
}

// Book is one sub-portfolio.
type Book struct {
	Name       string   `toml:"name"`
	Limits     Limits   `toml:"limits"`
	Restricted []string `toml:"restricted"`
}

// BreakerAction is what a breaker does when it trips.
type BreakerAction struct {
	Action string `toml:"action"` // "halted" or "reduce-only"
	Cancel bool   `toml:"cancel"` // cancel the node's working orders
}

// Limits are one node's limits by key (max_position, max_daily_loss, ...;
// see risk.Keys), with overrides per asset class and per instrument
// symbol in the sub-tables class.NAME and instrument.SYMBOL. An absent key
// means no limit at this node.
type Limits struct {
	Values     map[string]Decimal
	Class      map[string]map[string]Decimal
	Instrument map[string]map[string]Decimal
}

// UnmarshalTOML implements toml.Unmarshaler: scalar keys are limits, the
// class and instrument tables hold overrides.
func (l *Limits) UnmarshalTOML(v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("limits: want a table, got %T", v)
	}
	l.Values = map[string]Decimal{}
	for k, x := range m {
		switch k {
		case "class", "instrument":
			sub, ok := x.(map[string]any)
			if !ok {
				return fmt.Errorf("limits.%s: want a table of tables", k)
			}
			out := map[string]map[string]Decimal{}
			for name, t := range sub {
				vals, ok := t.(map[string]any)
				if !ok {
					return fmt.Errorf("limits.%s.%s: want a table of limits", k, name)
				}
				out[name] = map[string]Decimal{}
				for key, raw := range vals {
					var d Decimal
					if err := d.UnmarshalTOML(raw); err != nil {
						return fmt.Errorf("limits.%s.%s.%s: %w", k, name, key, err)
					}
					out[name][key] = d
				}
			}
			if k == "class" {
				l.Class = out
			} else {
				l.Instrument = out
			}
		default:
			var d Decimal
			if err := d.UnmarshalTOML(x); err != nil {
				return fmt.Errorf("limits.%s: %w", k, err)
			}
			l.Values[k] = d
		}
	}
	return nil
}

// Strategy is one strategy instance.
type Strategy struct {
	ID          string            `toml:"id"`
	Kind        string            `toml:"kind"`
	Book        string            `toml:"book"`
	Instruments []string          `toml:"instruments"`
	Seed        int64             `toml:"seed"`
	Params      map[string]Scalar `toml:"params"`
	Limits      Limits            `toml:"limits"`
	Restricted  []string          `toml:"restricted"`
	// Run is where the strategy's callbacks run: "engine" (the default:
	// on the engine's goroutine, right after the event, until one overruns
	// its budget) or "goroutine" (a goroutine of its own from the start,
	// for a strategy known to be slow).
	Run string `toml:"run"`
}

// Where a strategy runs (Strategy.Run).
const (
	RunEngine    = "engine"
	RunGoroutine = "goroutine"
)

// Default returns the embedded default configuration: two simulated venues
// with different fees and latencies, six instruments, and demo strategies
// in two books.
func Default() (*Config, error) {
	c, err := Parse(defaultTOML)
	if err != nil {
		return nil, fmt.Errorf("config: embedded default: %w", err)
	}
	return c, nil
}

// Load reads and validates the file at path.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	return c, nil
}

// Parse decodes and validates a TOML document.
func Parse(b []byte) (*Config, error) {
	var c Config
	md, err := toml.NewDecoder(bytes.NewReader(b)).Decode(&c)
	if err != nil {
		return nil, err
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("unknown key %q: %w", und[0].String(), ErrInvalid)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks the references between sections and the ranges of
// values.
func (c *Config) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf(format+": %w", append(a, ErrInvalid)...)
	}
	if err := c.validateDurations(); err != nil {
		return err
	}
	if len(c.Instruments) == 0 {
		return bad("no instruments")
	}
	symbols := make(map[string]bool)
	for i, in := range c.Instruments {
		switch {
		case in.Symbol == "":
			return bad("instruments[%d]: symbol is empty", i)
		case symbols[in.Symbol]:
			return bad("instruments[%d]: symbol %s listed twice", i, in.Symbol)
		}
		if err := in.validateNumbers(fmt.Sprintf("instruments[%d] (%s)", i, in.Symbol)); err != nil {
			return err
		}
		symbols[in.Symbol] = true
	}
	if len(c.Venues) == 0 {
		return bad("no venues")
	}
	venues := make(map[string]bool)
	for i, v := range c.Venues {
		switch {
		case v.Name == "":
			return bad("venues[%d]: name is empty", i)
		case venues[v.Name]:
			return bad("venues[%d]: name %s used twice", i, v.Name)
		case v.Kind != KindSim && v.Kind != KindBinance:
			return bad("venue %s: kind %q: want \"sim\" or \"binance\"", v.Name, v.Kind)
		}
		if err := v.validateKind(symbols); err != nil {
			return err
		}
		if err := v.validateNumbers(fmt.Sprintf("venues[%d] (%s)", i, v.Name)); err != nil {
			return err
		}
		for _, s := range v.Instruments {
			if !symbols[s] {
				return bad("venue %s: instrument %s is not configured", v.Name, s)
			}
		}
		venues[v.Name] = true
	}
	if err := c.validateFreshness(); err != nil {
		return err
	}
	books := map[string]bool{}
	for i, b := range c.Risk.Books {
		if b.Name == "" || b.Name == "firm" || books[b.Name] {
			return bad("risk.books[%d]: name %q is empty, reserved or used twice", i, b.Name)
		}
		books[b.Name] = true
	}
	if err := c.validateRisk(symbols); err != nil {
		return err
	}
	ids := map[string]bool{}
	for i, s := range c.Strategies {
		switch {
		case s.ID == "" || s.ID == "firm" || ids[s.ID] || books[s.ID]:
			return bad("strategies[%d]: id %q is empty, reserved or used twice", i, s.ID)
		case s.Kind == "":
			return bad("strategy %s: kind is empty", s.ID)
		case !books[s.Book]:
			return bad("strategy %s: book %q is not in risk.books", s.ID, s.Book)
		case len(s.Instruments) == 0:
			return bad("strategy %s: no instruments", s.ID)
		case s.Run != "" && s.Run != RunEngine && s.Run != RunGoroutine:
			return bad("strategy %s: run %q: want %q (on the engine's goroutine) or %q (a goroutine of its own)", s.ID, s.Run, RunEngine, RunGoroutine)
		}
		for _, sym := range s.Instruments {
			if !symbols[sym] {
				return bad("strategy %s: instrument %s is not configured", s.ID, sym)
			}
		}
		if err := validateNode("strategy "+s.ID, s.Limits, s.Restricted, symbols, c.classes()); err != nil {
			return err
		}
		ids[s.ID] = true
	}
	return nil
}

// Ranges of the numeric keys. They are generous for real use and exclude
// what breaks at run time: a negative or sub-millisecond ticker panics or
// spins, a huge duration overflows the int64 nanosecond arithmetic of
// deadlines, and a huge count stalls the simulator's goroutine or
// overflows a quantity. Zero keeps meaning the documented default.
const (
	// daemon.snapshot_interval drives the engine's Status ticker and the
	// server's push interval: faster than 10ms only burns CPU, slower than
	// 10s makes operators' screens look dead.
	minSnapshotInterval, maxSnapshotInterval, defSnapshotInterval = 10 * time.Millisecond, 10 * time.Second, 100 * time.Millisecond
	// daemon.stale_after: the feed handler ticks every stale_after/4, so
	// 1ns panics time.NewTicker and a few ms spins; an hour is already a
	// feed that is not watched.
	minStaleAfter, maxStaleAfter, defStaleAfter = 100 * time.Millisecond, time.Hour, 5 * time.Second
	// risk.max_reference_age: a negative or tiny age makes every order
	// that needs a reference price fail with a stale reference.
	minReferenceAge, maxReferenceAge, defReferenceAge = 100 * time.Millisecond, time.Hour, 5 * time.Second
	// venues.latency is one-way and simulated; 10s is far beyond any real
	// venue, and huge values overflow the simulator's due times.
	maxLatency = 10 * time.Second
	// venues.flow.interval schedules the simulator's flow ticks: below 1ms
	// the venue goroutine spins.
	minFlowInterval, maxFlowInterval, defFlowInterval = time.Millisecond, time.Minute, 10 * time.Millisecond
	// Per flow tick and instrument, in the venue goroutine: ops_per_tick
	// operations, up to 8*levels resting orders (2*levels placed at
	// start), sizes up to max_lots lots.
	maxOpsPerTick, defOpsPerTick = 1000, 6
	maxLevels, defLevels         = 1000, 8
	maxMaxLots, defMaxLots       = 1_000_000, 20
	maxTakerPct, defTakerPct     = 99, 25 // the simulator wants [0, 100)
	// freshnessTicks: stale_after and max_reference_age must exceed this
	// many flow intervals of every venue with flow, or its books look
	// stale between two ticks.
	freshnessTicks = 2
)

var (
	// volatility_ticks is a random walk's step in ticks per flow tick;
	// beyond 100 the fair value leaves any sane price range in a few
	// ticks and its float overflows the tick arithmetic.
	maxVolatilityTicks, defVolatilityTicks = decimal.NewFromInt(100), "0.6"
	// Fees in bps: the router holds them in millionths of notional with
	// |fee| <= 1000 bps (two decimals of a bp), the simulator in 10^-4 bp;
	// a maker rebate beyond 1% of notional is certainly a typo.
	minFeeBps, maxFeeBps, feeBpsPlaces = decimal.NewFromInt(-100), decimal.NewFromInt(1000), int32(2)
)

// validateDurations checks the process-wide durations.
func (c *Config) validateDurations() error {
	if err := checkDuration("daemon.snapshot_interval", c.Daemon.SnapshotInterval, minSnapshotInterval, maxSnapshotInterval, defSnapshotInterval); err != nil {
		return err
	}
	if err := checkDuration("daemon.stale_after", c.Daemon.StaleAfter, minStaleAfter, maxStaleAfter, defStaleAfter); err != nil {
		return err
	}
	if err := checkDuration("alerts.tick_to_order_p99", c.Alerts.TickToOrderP99, 0, time.Minute, 0); err != nil {
		return err
	}
	if err := checkInt("alerts.rejects_per_min", c.Alerts.RejectsPerMin, 0, 1_000_000, 0); err != nil {
		return err
	}
	if err := checkInt("alerts.feed_gaps_per_min", c.Alerts.FeedGapsPerMin, 0, 1_000_000, 0); err != nil {
		return err
	}
	return checkDuration("risk.max_reference_age", c.Risk.MaxReferenceAge, minReferenceAge, maxReferenceAge, defReferenceAge)
}

// validateFreshness checks stale_after and max_reference_age against the
// flow interval of every simulated venue whose books the flow keeps alive:
// a value at or below a couple of ticks marks every book stale between two
// ticks, which trips stale-data or refuses every order.
func (c *Config) validateFreshness() error {
	for _, k := range []struct {
		key string
		d   Duration
		def time.Duration
	}{
		{"daemon.stale_after", c.Daemon.StaleAfter, defStaleAfter},
		{"risk.max_reference_age", c.Risk.MaxReferenceAge, defReferenceAge},
	} {
		d, what := k.d.D, fmt.Sprintf("%s = %q", k.key, fmtDuration(k.d.D))
		if d == 0 {
			d, what = k.def, fmt.Sprintf("%s (unset: the default %s)", k.key, fmtDuration(k.def))
		}
		for i, v := range c.Venues {
			if v.Flow.Disabled || v.Kind != KindSim {
				continue
			}
			if iv := or(v.Flow.Interval.D, defFlowInterval); d <= freshnessTicks*iv {
				return fmt.Errorf("%s: must be more than %d times venues[%d] (%s).flow.interval (%s): %w",
					what, freshnessTicks, i, v.Name, fmtDuration(iv), ErrInvalid)
			}
		}
	}
	return nil
}

// validateNumbers checks an instrument's sizes and price; where names it.
// They are the ones the daemon builds the instrument from, so one that
// loads always builds.
func (in *Instrument) validateNumbers(where string) error {
	bad := func(key string, d Decimal, err error) error {
		return fmt.Errorf("%s.%s = %q: %w: %w", where, key, d.String(), err, ErrInvalid)
	}
	one := decimal.NewFromInt(1)
	spec := func(tick, lot decimal.Decimal) domain.InstrumentSpec {
		return domain.InstrumentSpec{Symbol: in.Symbol, TickSize: tick, LotSize: lot}
	}
	for _, k := range []struct {
		key string
		d   Decimal
	}{{"tick_size", in.TickSize}, {"lot_size", in.LotSize}, {"price", in.Price}} {
		if !k.d.IsPositive() {
			return bad(k.key, k.d, errors.New("must be positive"))
		}
	}
	if _, err := domain.NewInstrument(0, spec(in.TickSize.Decimal, one)); err != nil {
		return bad("tick_size", in.TickSize, err)
	}
	if _, err := domain.NewInstrument(0, spec(one, in.LotSize.Decimal)); err != nil {
		return bad("lot_size", in.LotSize, err)
	}
	inst, err := domain.NewInstrument(0, spec(in.TickSize.Decimal, in.LotSize.Decimal))
	if err != nil {
		return fmt.Errorf("%s: tick_size %q with lot_size %q: %w: %w", where, in.TickSize.String(), in.LotSize.String(), err, ErrInvalid)
	}
	if _, err := inst.PriceFromDecimal(in.Price.Decimal); err != nil {
		return bad("price", in.Price, err)
	}
	return nil
}

// maxRateLimit bounds each of a venue's rate limits.
const maxRateLimit = 100_000_000

// Opening balances: an asset is named in capitals, and holds 0 to 10^15
// units with at most 18 decimals.
var (
	assetRE    = regexp.MustCompile(`^[A-Z0-9]{1,20}$`)
	maxBalance = decimal.New(1, 15)
)

const balancePlaces = 18

// maxVenueSymbols is the most symbols one networked venue may map: a
// Binance websocket connection carries at most 1024 streams, and the feed
// takes two a symbol (the diffs and the best bid and ask).
const maxVenueSymbols = 512

// validateKind checks the fields of v's kind, and that it sets none of
// the other kind's.
func (v *Venue) validateKind(symbols map[string]bool) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("venue %s: "+format+": %w", append(append([]any{v.Name}, a...), ErrInvalid)...)
	}
	if v.Kind == KindSim {
		if v.RESTURL != "" || v.WSURL != "" || len(v.Symbols) > 0 || v.Execution != "" || v.Keys != "" {
			return bad("rest_url, ws_url, symbols, execution and keys are for kind \"binance\"")
		}
		return nil
	}
	if len(v.Instruments) > 0 || v.Flow != (Flow{}) || v.Seed != 0 {
		return bad("instruments, flow and seed are for kind \"sim\"; a binance venue lists what symbols maps")
	}
	for _, u := range []struct{ key, v, a, b string }{{"rest_url", v.RESTURL, "http", "https"}, {"ws_url", v.WSURL, "ws", "wss"}} {
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != u.a && p.Scheme != u.b) || p.Host == "" || p.RawQuery != "" {
			return bad("%s %q: want an absolute %s:// or %s:// URL without a query", u.key, u.v, u.a, u.b)
		}
	}
	if v.Execution != "" && v.Execution != ExecPaper && v.Execution != ExecLive {
		return bad("execution %q: want %q (match against the venue's live book in process) or %q (send orders to the venue)", v.Execution, ExecPaper, ExecLive)
	}
	if v.Keys != "" && v.Execution != ExecLive {
		return bad("keys: only a venue with execution = %q signs orders", ExecLive)
	}
	if n := len(v.Symbols); n == 0 || n > maxVenueSymbols {
		return bad("symbols: %d mapped, want 1 to %d", n, maxVenueSymbols)
	}
	seen := map[string]string{}
	for vs, in := range v.Symbols {
		switch {
		case vs == "" || strings.ToUpper(vs) != vs || strings.ContainsAny(vs, "/@ "):
			return bad("symbols: venue symbol %q must be in capitals, as the venue spells it (\"BTCUSDT\")", vs)
		case !symbols[in]:
			return bad("symbols.%s: instrument %s is not configured", vs, in)
		case seen[in] != "":
			return bad("symbols: instrument %s mapped twice (%s and %s)", in, min(seen[in], vs), max(seen[in], vs))
		}
		seen[in] = vs
	}
	return nil
}

// validateNumbers checks a venue's fees, latency and flow; where names it.
func (v *Venue) validateNumbers(where string) error {
	for _, k := range []struct {
		key string
		d   Decimal
	}{{"maker_fee_bps", v.MakerFeeBps}, {"taker_fee_bps", v.TakerFeeBps}} {
		if err := checkDecimal(where+"."+k.key, k.d, minFeeBps, maxFeeBps, feeBpsPlaces, ""); err != nil {
			return err
		}
	}
	if err := checkDuration(where+".latency", v.Latency, 0, maxLatency, 0); err != nil {
		return err
	}
	for _, k := range []struct {
		key string
		v   int
	}{{"orders_10s", v.RateLimits.Orders10s}, {"orders_1d", v.RateLimits.Orders1d}, {"weight_1m", v.RateLimits.Weight1m}} {
		if err := checkInt(where+".rate_limits."+k.key, k.v, 0, maxRateLimit, 0); err != nil {
			return err
		}
	}
	for asset, b := range v.Balances {
		if !assetRE.MatchString(asset) {
			return fmt.Errorf("%s.balances: asset %q: want 1 to 20 capitals or digits (\"BTC\"): %w", where, asset, ErrInvalid)
		}
		if err := checkDecimal(where+".balances."+asset, b, decimal.Zero, maxBalance, balancePlaces, ""); err != nil {
			return err
		}
	}
	f := &v.Flow
	if err := checkDuration(where+".flow.interval", f.Interval, minFlowInterval, maxFlowInterval, defFlowInterval); err != nil {
		return err
	}
	for _, k := range []struct {
		key         string
		v, max, def int
	}{
		{"ops_per_tick", f.OpsPerTick, maxOpsPerTick, defOpsPerTick},
		{"levels", f.Levels, maxLevels, defLevels},
		{"max_lots", f.MaxLots, maxMaxLots, defMaxLots},
		{"taker_pct", f.TakerPct, maxTakerPct, defTakerPct},
	} {
		if err := checkInt(where+".flow."+k.key, k.v, 0, k.max, k.def); err != nil {
			return err
		}
	}
	return checkDecimal(where+".flow.volatility_ticks", f.VolatilityTicks, decimal.Zero, maxVolatilityTicks, -1, defVolatilityTicks)
}

// checkDuration checks that d is in [lo, hi]. A non-zero def is what zero
// means, and zero is then allowed whatever lo is.
func checkDuration(key string, d Duration, lo, hi, def time.Duration) error {
	if (d.D == 0 && def != 0) || (d.D >= lo && d.D <= hi) {
		return nil
	}
	return fmt.Errorf("%s = %q: must be between %s and %s%s: %w",
		key, fmtDuration(d.D), fmtDuration(lo), fmtDuration(hi), zeroMeans(def != 0, fmtDuration(def)), ErrInvalid)
}

// checkInt checks that v is in [lo, hi]; a non-zero def is what zero means.
func checkInt(key string, v, lo, hi, def int) error {
	if (v == 0 && def != 0) || (v >= lo && v <= hi) {
		return nil
	}
	return fmt.Errorf("%s = %d: must be between %d and %d%s: %w",
		key, v, lo, hi, zeroMeans(def != 0, strconv.Itoa(def)), ErrInvalid)
}

// checkDecimal checks that d is in [lo, hi] with at most places decimal
// places (negative: any); a non-empty def is what zero means.
func checkDecimal(key string, d Decimal, lo, hi decimal.Decimal, places int32, def string) error {
	ok := d.GreaterThanOrEqual(lo) && d.LessThanOrEqual(hi)
	if places >= 0 && !d.Equal(d.Truncate(places)) {
		ok = false
	}
	if ok || (d.IsZero() && def != "") {
		return nil
	}
	prec := ""
	if places >= 0 {
		prec = fmt.Sprintf(" with at most %d decimal places", places)
	}
	return fmt.Errorf("%s = %q: must be between %s and %s%s%s: %w",
		key, d.String(), lo, hi, prec, zeroMeans(def != "", def), ErrInvalid)
}

func zeroMeans(ok bool, def string) string {
	if !ok {
		return ""
	}
	return " (zero means the default " + def + ")"
}

// fmtDuration is d as written in a config: "1h" rather than "1h0m0s".
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// classes returns the asset classes the instruments name.
func (c *Config) classes() map[string]bool {
	out := map[string]bool{}
	for _, in := range c.Instruments {
		if in.Class != "" {
			out[in.Class] = true
		}
	}
	return out
}

func (c *Config) validateRisk(symbols map[string]bool) error {
	classes := c.classes()
	if err := validateNode("risk.firm", c.Risk.Firm.Limits, c.Risk.Firm.Restricted, symbols, classes); err != nil {
		return err
	}
	for _, b := range c.Risk.Books {
		if err := validateNode("risk.books "+b.Name, b.Limits, b.Restricted, symbols, classes); err != nil {
			return err
		}
	}
	if err := validateValues("risk.caps", c.Risk.Caps); err != nil {
		return err
	}
	for name, a := range c.Risk.Breakers {
		if _, err := risk.ParseBreaker(name); err != nil {
			return fmt.Errorf("risk.breakers.%s: %w: %w", name, err, ErrInvalid)
		}
		if a.Action != "halted" && a.Action != "reduce-only" {
			return fmt.Errorf("risk.breakers.%s: action %q: want \"halted\" or \"reduce-only\": %w", name, a.Action, ErrInvalid)
		}
	}
	return nil
}

func validateNode(where string, l Limits, restricted []string, symbols, classes map[string]bool) error {
	if err := validateValues(where+" limits", l.Values); err != nil {
		return err
	}
	for c, vals := range l.Class {
		if !classes[c] {
			return fmt.Errorf("%s limits.class.%s: no instrument has that class: %w", where, c, ErrInvalid)
		}
		if err := validateValues(where+" limits.class."+c, vals); err != nil {
			return err
		}
	}
	for sym, vals := range l.Instrument {
		if !symbols[sym] {
			return fmt.Errorf("%s limits.instrument.%s: instrument is not configured: %w", where, sym, ErrInvalid)
		}
		if err := validateValues(where+" limits.instrument."+sym, vals); err != nil {
			return err
		}
	}
	for _, sym := range restricted {
		if !symbols[sym] {
			return fmt.Errorf("%s restricted: instrument %s is not configured: %w", where, sym, ErrInvalid)
		}
	}
	return nil
}

func validateValues(where string, vals map[string]Decimal) error {
	for k, v := range vals {
		key, err := risk.ParseKey(k)
		if err != nil {
			return fmt.Errorf("%s: %w: %w", where, err, ErrInvalid)
		}
		if _, err := risk.ParseValue(key, v.String()); err != nil {
			return fmt.Errorf("%s: %s: %w: %w", where, k, err, ErrInvalid)
		}
	}
	return nil
}

// NodeLimits converts l to the risk package's form. Call it on a config
// that passed Validate.
func (l Limits) NodeLimits() risk.NodeLimits {
	conv := func(vals map[string]Decimal) risk.Limits {
		var out risk.Limits
		for k, v := range vals {
			key, _ := risk.ParseKey(k)
			out.Set(key, v.Decimal)
		}
		return out
	}
	n := risk.NodeLimits{Base: conv(l.Values)}
	if len(l.Class) > 0 {
		n.Class = map[string]risk.Limits{}
		for c, vals := range l.Class {
			n.Class[c] = conv(vals)
		}
	}
	if len(l.Instrument) > 0 {
		n.Instrument = map[string]risk.Limits{}
		for s, vals := range l.Instrument {
			n.Instrument[s] = conv(vals)
		}
	}
	return n
}

// Decimal is a decimal.Decimal that TOML may give as a string, an integer
// or a float.
type Decimal struct{ decimal.Decimal }

// UnmarshalTOML implements toml.Unmarshaler.
func (d *Decimal) UnmarshalTOML(v any) error {
	var err error
	switch x := v.(type) {
	case string:
		d.Decimal, err = decimal.NewFromString(x)
	case int64:
		d.Decimal = decimal.NewFromInt(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("decimal: %v is not a number", x)
		}
		// The shortest form that reads back as the same float is what the
		// author wrote, e.g. 0.01 rather than 0.01000000000000000020817.
		d.Decimal, err = decimal.NewFromString(strconv.FormatFloat(x, 'f', -1, 64))
	default:
		return fmt.Errorf("decimal: want a string or number, got %T", v)
	}
	if err != nil {
		return fmt.Errorf("decimal %v: %w", v, err)
	}
	return nil
}

// Duration is a time.Duration written as a string such as "250ms".
type Duration struct{ D time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	d.D = v
	return nil
}

// Scalar is a strategy parameter: a string, number or boolean, kept in its
// text form so the strategy parses it at its own precision.
type Scalar string

// UnmarshalTOML implements toml.Unmarshaler.
func (s *Scalar) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case string:
		*s = Scalar(x)
	case int64:
		*s = Scalar(strconv.FormatInt(x, 10))
	case float64:
		*s = Scalar(strconv.FormatFloat(x, 'f', -1, 64))
	case bool:
		*s = Scalar(strconv.FormatBool(x))
	default:
		return fmt.Errorf("param: want a string, number or boolean, got %T", v)
	}
	return nil
}

// SimFlow is f as the simulator takes it, with the defaults documented on
// Flow (the same constants validation names): the one mapping the daemon
// and desk venue share.
func (f Flow) SimFlow() sim.FlowOptions {
	if f.Disabled {
		return sim.FlowOptions{}
	}
	vol := decimal.RequireFromString(defVolatilityTicks)
	if !f.VolatilityTicks.IsZero() {
		vol = f.VolatilityTicks.Decimal
	}
	return sim.FlowOptions{
		OpsPerTick: or(f.OpsPerTick, defOpsPerTick),
		Interval:   f.Interval.D,
		Levels:     or(f.Levels, defLevels),
		MaxLots:    or(f.MaxLots, defMaxLots),
		TakerPct:   or(f.TakerPct, defTakerPct),
		Volatility: vol.InexactFloat64(), // shapes a simulation; never a price
	}
}

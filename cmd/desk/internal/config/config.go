package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/BurntSushi/toml"
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

// Venue is one execution venue. Kind "sim" is the built-in simulator.
type Venue struct {
	Name        string   `toml:"name"`
	Kind        string   `toml:"kind"`
	MakerFeeBps Decimal  `toml:"maker_fee_bps"`
	TakerFeeBps Decimal  `toml:"taker_fee_bps"`
	Latency     Duration `toml:"latency"`
	Seed        int64    `toml:"seed"`
	// Instruments the venue lists; empty means all.
	Instruments []string `toml:"instruments"`
	Flow        Flow     `toml:"flow"`
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
}

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
		case !in.TickSize.IsPositive() || !in.LotSize.IsPositive():
			return bad("instrument %s: tick_size and lot_size must be positive", in.Symbol)
		case !in.Price.IsPositive():
			return bad("instrument %s: price must be positive", in.Symbol)
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
		case v.Kind != "sim":
			return bad("venue %s: kind %q: only \"sim\" is built in", v.Name, v.Kind)
		case v.Latency.D < 0:
			return bad("venue %s: latency is negative", v.Name)
		case v.Flow.OpsPerTick < 0 || v.Flow.Levels < 0 || v.Flow.MaxLots < 0 || v.Flow.VolatilityTicks.IsNegative():
			return bad("venue %s: flow settings must not be negative", v.Name)
		case v.Flow.TakerPct < 0 || v.Flow.TakerPct >= 100:
			return bad("venue %s: flow.taker_pct must be in [0, 100)", v.Name)
		}
		for _, s := range v.Instruments {
			if !symbols[s] {
				return bad("venue %s: instrument %s is not configured", v.Name, s)
			}
		}
		venues[v.Name] = true
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

package sim

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/domain"
)

// Options configure a Venue. Each field says what its zero value means.
type Options struct {
	// Name labels the venue in logs. Zero: "sim".
	Name string
	// ID is stamped on every report, book and trade the venue produces.
	// Zero is a valid id.
	ID domain.VenueID
	// Instruments are the markets the venue lists, each with its own book.
	// Instrument IDs must be unique. Zero (none): New fails.
	Instruments []SimInstrument
	// Fees are charged on every client fill. Zero: no fees.
	Fees Fees
	// Latency is the one-way delay between the engine and the book: an
	// order reaches the book Latency after Submit and its reports leave the
	// venue Latency after the book produced them, so an ack arrives at the
	// earliest 2*Latency after Submit. Zero: no delay.
	Latency time.Duration
	// Seed seeds the background flow. The same seed, options and sequence
	// of flow ticks and client requests give the same books. Zero is a seed
	// like any other.
	Seed int64
	// Flow is the background order flow that keeps the books alive. Zero:
	// no background flow, the books hold only client orders.
	Flow FlowOptions
	// Reports receives every execution report about client orders. The
	// venue goroutine sends with a blocking send: reports are never
	// dropped, so whoever reads the channel (the engine's inbox adapter)
	// must keep draining it, or the venue stalls until it does. Zero (nil):
	// New fails.
	Reports chan<- domain.ExecReport
	// Market receives the venue's public market data. Zero (nil): none is
	// published.
	Market MarketSink
	// QueueSize bounds the inbound queue of Submit, Cancel and Replace
	// requests; when it is full they return ErrQueueFull. Zero: 1024.
	QueueSize int
	// Logger receives the venue's few log lines (start, stop, anomalies).
	// Zero (nil): nothing is logged.
	Logger *slog.Logger
	// History is how many ended client orders (filled, canceled, rejected
	// or expired) Venue.Orders still returns, with their reports: past it,
	// the oldest ended order is forgotten. Live orders are never forgotten.
	// Each order kept costs its submitted order and its reports, about half
	// a kilobyte for an order acknowledged then filled or canceled. Zero:
	// 10000, far more than finish within the few milliseconds of a group
	// commit that a crash can lose; negative: none.
	History int
}

// SimInstrument is one market of the venue.
type SimInstrument struct {
	// Instrument supplies the id, tick and lot size; client prices must be
	// multiples of TickSize and quantities of LotSize.
	Instrument domain.Instrument
	// InitialPrice is where the background flow's fair value starts; it is
	// rounded to the tick. Zero: allowed only when Flow is off.
	InitialPrice domain.Price
}

// Fees are the venue's fee schedule in basis points of notional: a fill's
// fee is notional*bps/10000, rounded toward zero to domain.Money. At most
// four decimal places. Zero: free.
type Fees struct {
	// MakerBps is charged on fills of resting orders; negative is a rebate
	// paid to the maker.
	MakerBps decimal.Decimal
	// TakerBps is charged on fills of incoming orders.
	TakerBps decimal.Decimal
}

// FlowOptions shape the background order flow. On every tick of Interval,
// each instrument gets OpsPerTick random operations: liquidity providers
// place limit orders within Levels ticks of a random-walk fair value and
// cancel the stale ones, and takers send market orders. Flow orders trade
// with client orders like any other but never produce execution reports.
type FlowOptions struct {
	// OpsPerTick is how many flow operations each instrument gets per tick.
	// Zero: no background flow at all.
	OpsPerTick int
	// Interval is the time between ticks. Zero: 10ms.
	Interval time.Duration
	// Levels is how many price levels a side the liquidity providers quote,
	// counted in ticks from the fair value. Zero: 5.
	Levels int
	// MaxLots is the largest flow order, in lots; sizes are uniform from one
	// lot to MaxLots. Zero: 10.
	MaxLots int
	// TakerPct is the percentage of operations that are market orders, in
	// [0, 100). Zero: 20; negative: no takers.
	TakerPct int
	// Volatility is the standard deviation of the fair value's move per
	// tick, in ticks (a float: it shapes a simulation, it is never a price).
	// Zero: the fair value never moves.
	Volatility float64
}

// MarketSink receives a venue's public market data. Its methods are called
// from the venue goroutine and must not block: copy what you need and
// return (a conflating mailbox is the usual implementation). The pointers
// are valid only during the call; the venue reuses what they point to.
type MarketSink interface {
	// Book delivers an instrument's top domain.BookDepth levels a side after
	// a batch of changes. Books are conflated: at most one per instrument
	// per processing batch or flow tick, with Seq increasing by one per
	// instrument on each delivery.
	Book(b *domain.BookUpdate)
	// Trade delivers each public trade as it happens, before the Book that
	// reflects it.
	Trade(t *domain.Trade)
}

// config is Options with the defaults applied and the fees in fixed point.
type config struct {
	Options
	makerE4, takerE4 int64 // fees in units of 10^-4 basis points
}

const (
	defaultQueueSize = 1024
	defaultHistory   = 10_000
	defaultInterval  = 10 * time.Millisecond
	defaultLevels    = 5
	defaultMaxLots   = 10
	defaultTakerPct  = 20
)

func newConfig(o Options) (config, error) {
	c := config{Options: o}
	if c.Name == "" {
		c.Name = "sim"
	}
	if c.QueueSize == 0 {
		c.QueueSize = defaultQueueSize
	}
	switch {
	case c.History == 0:
		c.History = defaultHistory
	case c.History < 0:
		c.History = 0
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	f := &c.Flow
	if f.Interval == 0 {
		f.Interval = defaultInterval
	}
	if f.Levels == 0 {
		f.Levels = defaultLevels
	}
	if f.MaxLots == 0 {
		f.MaxLots = defaultMaxLots
	}
	switch {
	case f.TakerPct == 0:
		f.TakerPct = defaultTakerPct
	case f.TakerPct < 0:
		f.TakerPct = 0
	}
	var err error
	if c.makerE4, err = bpsE4(o.Fees.MakerBps); err != nil {
		return c, fmt.Errorf("%w: Fees.MakerBps %s: %w", ErrInvalidOptions, o.Fees.MakerBps, err)
	}
	if c.takerE4, err = bpsE4(o.Fees.TakerBps); err != nil {
		return c, fmt.Errorf("%w: Fees.TakerBps %s: %w", ErrInvalidOptions, o.Fees.TakerBps, err)
	}
	switch {
	case c.Reports == nil:
		return c, fmt.Errorf("%w: Reports is nil", ErrInvalidOptions)
	case len(c.Instruments) == 0:
		return c, fmt.Errorf("%w: no Instruments", ErrInvalidOptions)
	case c.QueueSize < 0:
		return c, fmt.Errorf("%w: QueueSize %d", ErrInvalidOptions, c.QueueSize)
	case c.Latency < 0:
		return c, fmt.Errorf("%w: Latency %v", ErrInvalidOptions, c.Latency)
	case f.OpsPerTick < 0, f.Interval < 0, f.Levels < 0, f.MaxLots < 0, f.TakerPct >= 100, f.Volatility < 0:
		return c, fmt.Errorf("%w: Flow %+v", ErrInvalidOptions, o.Flow)
	}
	seen := map[domain.InstrumentID]bool{}
	for _, si := range c.Instruments {
		in := &si.Instrument
		switch {
		case seen[in.ID]:
			return c, fmt.Errorf("%w: instrument %d (%s) listed twice", ErrInvalidOptions, in.ID, in.Symbol)
		case in.TickSize <= 0 || in.LotSize <= 0:
			return c, fmt.Errorf("%w: instrument %s: tick or lot size not positive (build it with domain.NewInstrument)",
				ErrInvalidOptions, in.Symbol)
		case f.OpsPerTick > 0 && si.InitialPrice < in.TickSize:
			return c, fmt.Errorf("%w: instrument %s: InitialPrice %d is needed by the background flow",
				ErrInvalidOptions, in.Symbol, si.InitialPrice)
		}
		seen[in.ID] = true
	}
	return c, nil
}

// bpsE4 converts basis points to an integer count of 10^-4 basis points, so
// that fees are computed in fixed point.
func bpsE4(bps decimal.Decimal) (int64, error) {
	s := bps.Shift(4)
	if !s.Equal(s.Truncate(0)) {
		return 0, domain.ErrPrecision
	}
	// |bps| above 10000 is a fee above the notional: certainly a typo.
	if s.Abs().GreaterThan(decimal.New(10_000, 4)) {
		return 0, domain.ErrOverflow
	}
	return s.IntPart(), nil
}

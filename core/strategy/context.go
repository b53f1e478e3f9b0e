package strategy

import (
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/desk-trading/desk/core/domain"
)

// Context is what a strategy sees of the desk and how it acts: its
// instruments, the latest books it received, its positions and working
// orders, the clock, and the order methods (Place, Cancel, Replace in
// orders.go).
//
// Positions and working orders come from one of two places. A strategy
// its owner drives on the engine goroutine reads the engine's own records
// (Host.Bind): what Position, OpenOrders and Order return is the engine's
// state at that moment, which may be ahead of the event being delivered
// (OnOrder of an ack for an order that has since filled). A strategy on a
// goroutine of its own keeps copies: the ledger's position delivered with
// each fill (and restored at start), and its working orders tracked from
// its own events; they show the state as of the last event delivered.
//
// A Context belongs to its strategy's callbacks: call its methods only from
// inside them. Pointers it returns point into state the Host or the
// engine updates between callbacks; they are valid until the callback
// returns.
type Context struct {
	id     domain.StrategyID
	name   string
	clock  func() time.Time
	submit func(*domain.Intent) error
	nextID func() domain.OrderID
	log    *slog.Logger
	rnd    *rand.Rand
	state  *atomic.Uint32 // the mailbox's latest TradingState

	instruments []domain.Instrument
	index       []int32 // InstrumentID -> position in instruments; shared read-only with the mailbox
	bySymbol    map[string]int

	// The latest books delivered, one per slot (venue*len(instruments) +
	// instrument), copied in by mailbox.take.
	venues []domain.VenueID
	books  []domain.BookUpdate
	have   []bool
	// shared are, for a host its owner drives, the owner's own latest
	// books, by slot, which DeliverBookNow hands over: read in place
	// rather than copied, one book for every strategy that trades it. A
	// slot not nil here is read here rather than in books.
	shared []*domain.BookUpdate

	// ledger, when bound, is where positions and working orders are read;
	// otherwise these copies hold them.
	ledger    *ledgerView
	positions []domain.Qty     // per instrument, the ledger's as of the last fill
	open      [][]domain.Order // working orders per instrument, oldest first

	trigger domain.Stamps // stamps of the book being delivered, copied into intents
	intent  domain.Intent // reused by every Submit
}

// ID returns the strategy's id.
func (c *Context) ID() domain.StrategyID { return c.id }

// Name returns the strategy's configured name.
func (c *Context) Name() string { return c.name }

// Now returns the Host's clock (HostOptions.Clock).
func (c *Context) Now() time.Time { return c.clock() }

// State returns the strategy's effective trading state: the latest one the
// engine announced, even when events from before that announcement are
// still being delivered, so a halt takes effect at once. The engine refuses
// new orders when halted and orders that do not reduce the position when
// reduce-only; a strategy checks State to avoid trying.
func (c *Context) State() domain.TradingState { return domain.TradingState(c.state.Load()) }

// Rand returns the strategy's random source, seeded from HostOptions.Seed
// and the strategy id, so a run with the same seed repeats.
func (c *Context) Rand() *rand.Rand { return c.rnd }

// Logger returns the strategy's logger, which carries its name and id.
func (c *Context) Logger() *slog.Logger { return c.log }

// Instruments returns the instruments the strategy trades, in configured
// order. The slice is shared: do not modify it.
func (c *Context) Instruments() []domain.Instrument { return c.instruments }

// Instrument returns the traded instrument with symbol, ok false when the
// strategy does not trade it. The pointer stays valid for the Host's life.
func (c *Context) Instrument(symbol string) (*domain.Instrument, bool) {
	i, ok := c.bySymbol[symbol]
	if !ok {
		return nil, false
	}
	return &c.instruments[i], true
}

// InstrumentByID returns the traded instrument with id, ok false when the
// strategy does not trade it. The pointer stays valid for the Host's life.
func (c *Context) InstrumentByID(id domain.InstrumentID) (*domain.Instrument, bool) {
	i, ok := instrumentIndex(c.index, id)
	if !ok {
		return nil, false
	}
	return &c.instruments[i], true
}

// Book returns the latest book received from venue for instrument, ok
// false when none has arrived yet. It is valid until the callback returns.
func (c *Context) Book(instrument domain.InstrumentID, venue domain.VenueID) (*domain.BookUpdate, bool) {
	i, ok := instrumentIndex(c.index, instrument)
	if !ok {
		return nil, false
	}
	for v, id := range c.venues {
		if id == venue {
			return c.book(v*len(c.instruments) + i)
		}
	}
	return nil, false
}

// BestBid returns the highest bid for instrument across the latest books of
// every venue, and the venue showing it (the first seen on a tie); ok is
// false when no venue shows a bid.
func (c *Context) BestBid(instrument domain.InstrumentID) (best domain.Level, venue domain.VenueID, ok bool) {
	i, known := instrumentIndex(c.index, instrument)
	if !known {
		return best, 0, false
	}
	for v, id := range c.venues {
		if b, have := c.book(v*len(c.instruments) + i); have && b.NBids > 0 && (!ok || b.Bids[0].Price > best.Price) {
			best, venue, ok = b.Bids[0], id, true
		}
	}
	return best, venue, ok
}

// BestAsk returns the lowest ask for instrument across the latest books of
// every venue, and the venue showing it (the first seen on a tie); ok is
// false when no venue shows an ask.
func (c *Context) BestAsk(instrument domain.InstrumentID) (best domain.Level, venue domain.VenueID, ok bool) {
	i, known := instrumentIndex(c.index, instrument)
	if !known {
		return best, 0, false
	}
	for v, id := range c.venues {
		if b, have := c.book(v*len(c.instruments) + i); have && b.NAsks > 0 && (!ok || b.Asks[0].Price < best.Price) {
			best, venue, ok = b.Asks[0], id, true
		}
	}
	return best, venue, ok
}

// Mid returns the consolidated mid of instrument: halfway between BestBid
// and BestAsk, rounded toward zero, so it may fall between ticks; ok is
// false unless both sides show a price. Across venues the best bid can be
// above the best ask; Mid is still their midpoint.
func (c *Context) Mid(instrument domain.InstrumentID) (domain.Price, bool) {
	bid, _, okb := c.BestBid(instrument)
	ask, _, oka := c.BestAsk(instrument)
	if !okb || !oka {
		return 0, false
	}
	return (bid.Price + ask.Price) / 2, true
}

// Position returns the strategy's net position in instrument, positive
// long, zero for an instrument it does not trade: the engine's ledger's,
// now when bound, otherwise as of the last fill delivered (and as restored
// at start).
func (c *Context) Position(instrument domain.InstrumentID) domain.Qty {
	i, ok := instrumentIndex(c.index, instrument)
	switch {
	case !ok:
		return 0
	case c.ledger != nil:
		return c.ledger.l.Position(instrument)
	}
	return c.positions[i]
}

// book returns the latest book of slot k: the owner's shared one, or the
// Context's copy; ok false when none has arrived.
func (c *Context) book(k int) (*domain.BookUpdate, bool) {
	if b := c.shared[k]; b != nil {
		return b, true
	}
	return &c.books[k], c.have[k]
}

// addVenues extends the book copies for venues seen for the first time.
// Called by mailbox.take under the mailbox lock.
func (c *Context) addVenues(vs []domain.VenueID) {
	n := len(vs) * len(c.instruments)
	c.venues = append(c.venues, vs...)
	c.books = append(c.books, make([]domain.BookUpdate, n)...)
	c.have = append(c.have, make([]bool, n)...)
	c.shared = append(c.shared, make([]*domain.BookUpdate, n)...)
}

// unshare copies the owner's shared books into the Context's own, for a
// host about to leave its owner's goroutine.
func (c *Context) unshare() {
	for k, b := range c.shared {
		if b != nil {
			c.books[k], c.have[k], c.shared[k] = *b, true, nil
		}
	}
}

// setPosition takes the ledger's position in instrument after a fill.
// Called before the strategy sees the fill.
func (c *Context) setPosition(instrument domain.InstrumentID, q domain.Qty) {
	if i, ok := instrumentIndex(c.index, instrument); ok {
		c.positions[i] = q
	}
}

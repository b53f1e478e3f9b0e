package router

import (
	"fmt"

	"github.com/desk-trading/desk/core/domain"
	"github.com/shopspring/decimal"
)

// MaxVenues is the most venues one Router holds. It bounds the fixed
// arrays of a Decision, so that planning allocates nothing.
const MaxVenues = 8

// feeUnit is the number of fee units in one: fees are held in millionths
// (0.01 basis point) so comparisons stay in integers.
const feeUnit = 1_000_000

// VenueFees is a venue the router may choose, its fee schedule, its
// account's rate limits and the instruments it lists.
type VenueFees struct {
	ID       domain.VenueID
	Name     string
	MakerBps decimal.Decimal // negative is a rebate
	TakerBps decimal.Decimal
	Limits   Limits // zero: none
	// Instruments are the instruments the venue lists; the router never
	// sends it an order for another. Nil: every instrument.
	Instruments []domain.InstrumentID
}

// venueState is one venue as the router sees it. Everything but id and
// the fees changes at run time, on the engine goroutine.
type venueState struct {
	id          domain.VenueID
	maker       int64 // millionths of notional
	taker       int64
	connected   bool
	reconciling bool
	budget      Budget
	ack         ackLatency
	books       []book // by InstrumentID
}

// venueTable is what a Decision needs to name its venues. It is built by
// New and never written again, so a Decision may be formatted on any
// goroutine.
type venueTable struct {
	ids   [MaxVenues]domain.VenueID
	names [MaxVenues]string
	n     int
}

func (t *venueTable) name(id domain.VenueID) string {
	if t != nil {
		for k := 0; k < t.n; k++ {
			if t.ids[k] == id {
				return t.names[k]
			}
		}
	}
	return "?"
}

// instrument is what the router knows of an instrument: its lot, for
// splitting, and its scales, for Decision's text.
type instrument struct {
	lot      domain.Qty // 1 until SetInstruments
	priceDec uint8
	qtyDec   uint8
}

// Router holds each venue's fees, state, rate budget and displayed book,
// and plans where each order goes.
type Router struct {
	venues []venueState
	inst   []instrument // by InstrumentID
	tab    *venueTable
}

// New returns a router for venues over nInstruments instrument ids, with
// every venue connected, none reconciling, no market data stale and no
// ack latency measured. Until SetInstruments, every lot is one quantity
// unit. It fails with ErrTooManyVenues for more than MaxVenues venues, and
// when a fee has more precision than 0.01 basis point or is out of range,
// or a venue lists an instrument at or beyond nInstruments.
func New(venues []VenueFees, nInstruments int) (*Router, error) {
	if len(venues) > MaxVenues {
		return nil, fmt.Errorf("router: %d venues, at most %d: %w", len(venues), MaxVenues, ErrTooManyVenues)
	}
	r := &Router{inst: make([]instrument, nInstruments), tab: &venueTable{n: len(venues)}}
	for i := range r.inst {
		r.inst[i].lot = 1
	}
	for k, v := range venues {
		maker, err := feeRate(v.MakerBps)
		if err != nil {
			return nil, fmt.Errorf("router: venue %s: maker fee: %w", v.Name, err)
		}
		taker, err := feeRate(v.TakerBps)
		if err != nil {
			return nil, fmt.Errorf("router: venue %s: taker fee: %w", v.Name, err)
		}
		books := make([]book, nInstruments)
		for i := range books {
			books[i].listed = v.Instruments == nil
		}
		for _, i := range v.Instruments {
			if int(i) >= nInstruments {
				return nil, fmt.Errorf("router: venue %s lists instrument %d of %d: %w", v.Name, i, nInstruments, ErrUnknownInstrument)
			}
			books[i].listed = true
		}
		r.tab.ids[k], r.tab.names[k] = v.ID, v.Name
		r.venues = append(r.venues, venueState{
			id: v.ID, maker: maker, taker: taker, connected: true, budget: NewBudget(v.Limits), books: books,
		})
	}
	return r, nil
}

// SetInstruments takes each instrument's lot size and price and quantity
// scales from ins, indexed by InstrumentID as the engine's table is:
// Plan rounds split legs to the lot, and Decision's text prints prices
// and quantities in the instrument's decimals. An entry with no lot size
// (a hole in the table) keeps a lot of one unit. It fails with
// ErrUnknownInstrument when ins is longer than the router's table.
func (r *Router) SetInstruments(ins []domain.Instrument) error {
	if len(ins) > len(r.inst) {
		return fmt.Errorf("router: %d instruments for a table of %d: %w", len(ins), len(r.inst), ErrUnknownInstrument)
	}
	for i := range ins {
		in := &ins[i]
		lot := in.LotSize
		if lot <= 0 {
			lot = 1
		}
		r.inst[i] = instrument{lot: lot, priceDec: in.PriceDecimals, qtyDec: in.QtyDecimals}
	}
	return nil
}

func feeRate(bps decimal.Decimal) (int64, error) {
	v := bps.Shift(2) // millionths of notional
	if !v.Equal(v.Truncate(0)) || v.Abs().GreaterThan(decimal.NewFromInt(feeUnit/10)) {
		return 0, fmt.Errorf("%s bps: want at most two decimals and |fee| <= 1000 bps", bps)
	}
	return v.IntPart(), nil
}

func (r *Router) venue(id domain.VenueID) *venueState {
	for i := range r.venues {
		if r.venues[i].id == id {
			return &r.venues[i]
		}
	}
	return nil
}

// BBO returns the best bid and ask for instrument i over the connected
// venues that list it and whose market data is not stale; a zero price
// means that side is empty everywhere.
func (r *Router) BBO(i domain.InstrumentID) (bid, ask domain.Price) {
	for k := range r.venues {
		v := &r.venues[k]
		if !v.connected || int(i) >= len(v.books) {
			continue
		}
		bk := &v.books[i]
		if !bk.listed || bk.stale {
			continue
		}
		if b, ok := bk.bids.best(); ok && b > bid {
			bid = b
		}
		if a, ok := bk.asks.best(); ok && (ask == 0 || a < ask) {
			ask = a
		}
	}
	return bid, ask
}

// Route picks the venue for o at now (unix ns): the venue of the first leg
// of Plan(o, now), for a caller that sends o whole to one venue. It fails
// as Plan does, with ErrNoVenue or ErrNoBudget.
func (r *Router) Route(o *domain.Order, now int64) (domain.VenueID, error) {
	d, err := r.Plan(o, now)
	if err != nil {
		return 0, err
	}
	return d.Legs[0].Venue, nil
}

// Spend counts orders new orders (or replaces) and weight as sent to
// venue id at now. Cancels spend weight only, and are never refused.
func (r *Router) Spend(id domain.VenueID, now, orders, weight int64) {
	if v := r.venue(id); v != nil {
		v.budget.Spend(now, orders, weight)
	}
}

// Affords reports whether venue id's budget affords orders new orders of
// weight weight at now; true for an unknown venue (nothing to spend).
func (r *Router) Affords(id domain.VenueID, now, orders, weight int64) bool {
	v := r.venue(id)
	return v == nil || v.budget.Affords(now, orders, weight)
}

// ObserveUse takes venue id's own count of its account's use, stated at
// at (see Budget.Observe).
// A refusal until refusedUntil (unix ns; 0: none) holds new orders back
// until then (Budget.RefuseUntil).
func (r *Router) ObserveUse(id domain.VenueID, now, at, orders10s, orders1d, weight1m, refusedUntil int64) {
	if v := r.venue(id); v != nil {
		v.budget.Observe(now, at, orders10s, orders1d, weight1m)
		v.budget.RefuseUntil(refusedUntil)
	}
}

// BudgetUse returns venue id's budget use at now.
func (r *Router) BudgetUse(id domain.VenueID, now int64) BudgetUse {
	if v := r.venue(id); v != nil {
		return v.budget.Use(now)
	}
	return BudgetUse{}
}

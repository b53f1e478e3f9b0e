package router

import (
	"errors"
	"fmt"

	"github.com/desk-trading/desk/core/domain"
	"github.com/shopspring/decimal"
)

// ErrNoVenue is returned when no connected venue can take the order.
var ErrNoVenue = errors.New("no venue available")

// ErrNoBudget is returned when the connected venues that could take the
// order have spent their rate budget for now.
var ErrNoBudget = errors.New("every venue's rate budget is spent")

// feeUnit is the number of fee units in one: fees are held in millionths
// (0.01 basis point) so comparisons stay in integers.
const feeUnit = 1_000_000

// VenueFees is a venue the router may choose, its fee schedule and its
// account's rate limits.
type VenueFees struct {
	ID       domain.VenueID
	Name     string
	MakerBps decimal.Decimal // negative is a rebate
	TakerBps decimal.Decimal
	Limits   Limits // zero: none
}

type venueState struct {
	id        domain.VenueID
	maker     int64 // millionths of notional
	taker     int64
	connected bool
	budget    Budget
	// Best bid and ask by InstrumentID; zero price means an empty side.
	bid []domain.Price
	ask []domain.Price
}

// Router holds each venue's fees, connectivity and top of book.
type Router struct {
	venues []venueState
}

// New returns a router for venues over nInstruments instrument ids, with
// every venue connected. It fails when a fee has more precision than 0.01
// basis point or is out of range.
func New(venues []VenueFees, nInstruments int) (*Router, error) {
	r := &Router{}
	for _, v := range venues {
		maker, err := feeRate(v.MakerBps)
		if err != nil {
			return nil, fmt.Errorf("router: venue %s: maker fee: %w", v.Name, err)
		}
		taker, err := feeRate(v.TakerBps)
		if err != nil {
			return nil, fmt.Errorf("router: venue %s: taker fee: %w", v.Name, err)
		}
		r.venues = append(r.venues, venueState{
			id: v.ID, maker: maker, taker: taker, connected: true, budget: NewBudget(v.Limits),
			bid: make([]domain.Price, nInstruments),
			ask: make([]domain.Price, nInstruments),
		})
	}
	return r, nil
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

// OnBook records a venue's top of book.
func (r *Router) OnBook(b *domain.BookUpdate) {
	v := r.venue(b.Venue)
	if v == nil || int(b.Instrument) >= len(v.bid) {
		return
	}
	v.bid[b.Instrument], v.ask[b.Instrument] = 0, 0
	if l, ok := b.BestBid(); ok {
		v.bid[b.Instrument] = l.Price
	}
	if l, ok := b.BestAsk(); ok {
		v.ask[b.Instrument] = l.Price
	}
}

// SetConnected marks a venue up or down; a down venue is never chosen.
func (r *Router) SetConnected(id domain.VenueID, up bool) {
	if v := r.venue(id); v != nil {
		v.connected = up
	}
}

// Connected reports whether venue id is up.
func (r *Router) Connected(id domain.VenueID) bool {
	v := r.venue(id)
	return v != nil && v.connected
}

// BBO returns the best bid and ask for instrument i over the connected
// venues; a zero price means that side is empty everywhere.
func (r *Router) BBO(i domain.InstrumentID) (bid, ask domain.Price) {
	for k := range r.venues {
		v := &r.venues[k]
		if !v.connected || int(i) >= len(v.bid) {
			continue
		}
		if b := v.bid[i]; b > 0 && b > bid {
			bid = b
		}
		if a := v.ask[i]; a > 0 && (ask == 0 || a < ask) {
			ask = a
		}
	}
	return bid, ask
}

// Route picks the venue for o at now (unix ns): among the connected
// venues whose rate budget affords a new order, the best by score, else
// the first of them. It fails with ErrNoVenue when no venue is connected
// and with ErrNoBudget when every connected one has spent its budget.
func (r *Router) Route(o *domain.Order, now int64) (domain.VenueID, error) {
	best, first := -1, -1
	var bestScore int64
	spent := false
	for k := range r.venues {
		v := &r.venues[k]
		if !v.connected || int(o.Instrument) >= len(v.bid) {
			continue
		}
		if !v.budget.Affords(now, 1, WeightOrder) {
			spent = true
			continue
		}
		if first < 0 {
			first = k
		}
		score, ok := r.score(v, o)
		if !ok {
			continue
		}
		if best < 0 || score > bestScore {
			best, bestScore = k, score
		}
	}
	switch {
	case best >= 0:
		return r.venues[best].id, nil
	case first >= 0:
		// Venues without a quote on the needed side: take the first.
		return r.venues[first].id, nil
	case spent:
		return 0, ErrNoBudget
	}
	return 0, ErrNoVenue
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

// BudgetUse returns venue id's budget use at now.
func (r *Router) BudgetUse(id domain.VenueID, now int64) BudgetUse {
	if v := r.venue(id); v != nil {
		return v.budget.Use(now)
	}
	return BudgetUse{}
}

// score ranks venue v for o; higher is better. For a taker it is the touch
// net of the taker fee, signed so that a lower cost to buy or a higher net
// to sell scores higher. For a post-only order it is the negative maker fee:
// a resting order earns the maker rate wherever it rests.
func (r *Router) score(v *venueState, o *domain.Order) (int64, bool) {
	var touch domain.Price
	if o.Side == domain.Buy {
		touch = v.ask[o.Instrument]
	} else {
		touch = v.bid[o.Instrument]
	}
	if o.PostOnly {
		return -v.maker, true
	}
	if touch <= 0 {
		return 0, false
	}
	// net = touch * (1 ± fee); scaled by feeUnit to stay integral.
	if o.Side == domain.Buy {
		net, ok := domain.MulDiv(int64(touch), feeUnit+v.taker, 1)
		return -net, ok
	}
	net, ok := domain.MulDiv(int64(touch), feeUnit-v.taker, 1)
	return net, ok
}

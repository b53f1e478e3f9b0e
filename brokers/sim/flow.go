package sim

import (
	"math"
	"math/rand/v2"

	"github.com/desk-trading/desk/brokers/sim/match"
	"github.com/desk-trading/desk/core/domain"
)

// flow is one instrument's background order flow: a fair value that walks
// randomly, liquidity providers quoting around it and takers hitting them.
// Its orders carry tag zero, so the venue never reports on them.
type flow struct {
	rng     *rand.Rand
	fair    float64  // fair value in ticks
	resting []uint64 // venue order ids of the flow's resting orders
}

// ordersPerLevel caps the flow's resting orders at this many per quoted
// level and side on average, which keeps the book a steady size.
const ordersPerLevel = 4

// seedFlow quotes one order a level on each side of the initial fair value,
// so a book has depth from the first publication.
func (v *Venue) seedFlow(m *market) {
	fair := int64(math.Round(m.flow.fair))
	for d := 1; d <= v.cfg.Flow.Levels; d++ {
		v.flowPlace(m, domain.Buy, fair-int64(d))
		v.flowPlace(m, domain.Sell, fair+int64(d))
	}
}

// flowTick moves the fair value and runs OpsPerTick random operations on
// m's book. Everything it draws comes from m's own seeded stream, so ticks
// are reproducible given the seed and the client requests in between.
func (v *Venue) flowTick(m *market) {
	f, o := &m.flow, &v.cfg.Flow
	f.fair += f.rng.NormFloat64() * o.Volatility
	// Keep every quoted level at a positive price.
	f.fair = max(f.fair, float64(o.Levels+1))
	fair := int64(math.Round(f.fair))
	cancelPct := o.TakerPct + (100-o.TakerPct)/3
	for range o.OpsPerTick {
		switch p := f.rng.IntN(100); {
		case p < o.TakerPct:
			side := domain.Side(1 + f.rng.IntN(2))
			qty := m.inst.LotSize * domain.Qty(1+f.rng.IntN(o.MaxLots))
			v.lastVOID++
			v.apply(m, m.book.Submit(match.Order{ID: v.lastVOID, Side: side, Type: domain.Market, Qty: qty}), nil, nil)
		case p < cancelPct || len(f.resting) >= ordersPerLevel*2*o.Levels:
			v.flowCancel(m, fair)
		default:
			side := domain.Side(1 + f.rng.IntN(2))
			d := int64(1 + f.rng.IntN(o.Levels))
			if side == domain.Buy {
				v.flowPlace(m, side, fair-d)
			} else {
				v.flowPlace(m, side, fair+d)
			}
		}
	}
}

// flowPlace quotes a random size at tick price px. A quote may cross stale
// quotes of the other side when the fair value has moved, and trade: that
// is how the flow's book follows its fair value.
func (v *Venue) flowPlace(m *market, side domain.Side, px int64) {
	f := &m.flow
	qty := m.inst.LotSize * domain.Qty(1+f.rng.IntN(v.cfg.Flow.MaxLots))
	if px <= 0 {
		return
	}
	v.lastVOID++
	id := v.lastVOID
	v.apply(m, m.book.Submit(match.Order{ID: id, Side: side, Type: domain.Limit,
		Price: domain.Price(px) * m.inst.TickSize, Qty: qty}), nil, nil)
	if _, ok := m.book.Lookup(id); ok {
		f.resting = append(f.resting, id)
	}
}

// flowCancel cancels one of two resting flow orders drawn at random, the
// one further from the fair value, so stale quotes go first without the
// cost of a full scan.
func (v *Venue) flowCancel(m *market, fair int64) {
	f := &m.flow
	if len(f.resting) == 0 {
		return
	}
	a, b := f.resting[f.rng.IntN(len(f.resting))], f.resting[f.rng.IntN(len(f.resting))]
	ra, _ := m.book.Lookup(a)
	rb, _ := m.book.Lookup(b)
	dist := func(r match.Resting) int64 {
		d := int64(r.Price/m.inst.TickSize) - fair
		return max(d, -d)
	}
	if dist(rb) > dist(ra) {
		a = b
	}
	// A Canceled event makes apply forget the order; a rejection means it
	// was already gone.
	evs := m.book.Cancel(a)
	if evs[0].Kind == match.CancelRejected {
		f.forget(a)
	}
	v.apply(m, evs, nil, nil)
}

// forget drops id from the flow's resting orders once it filled or was
// canceled. The list is short (ordersPerLevel*2*Levels), so a scan is fine.
func (f *flow) forget(id uint64) {
	for i, r := range f.resting {
		if r == id {
			last := len(f.resting) - 1
			f.resting[i] = f.resting[last]
			f.resting = f.resting[:last]
			return
		}
	}
}

package router

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/shopspring/decimal"
)

// propVenue is a random venue and the model's view of it.
type propVenue struct {
	testVenue
	takerM, makerM int64 // fees, millionths
	listed         bool
}

func (v *propVenue) eligible() bool {
	return v.listed && !v.down && !v.reconciling && !v.stale && !v.spent
}

func randLevels(rng *rand.Rand, from domain.Price, step domain.Price) []domain.Level {
	var ls []domain.Level
	p := from
	for range rng.IntN(Depth + 1) {
		ls = append(ls, lv(p, domain.Qty(1+rng.IntN(30))))
		p += step * domain.Price(1+rng.IntN(3))
	}
	return ls
}

// TestPlanProperties plans random orders against random books and checks
// what must hold whatever the books: the legs sum to the order, each is a
// lot multiple at a distinct eligible venue, no skipped venue is chosen,
// and the first venue is the best eligible one by the model's own
// arithmetic.
func TestPlanProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var reasons [len(reasonNames)]int
	for iter := range 5000 {
		nv := 1 + rng.IntN(MaxVenues)
		vs := make([]propVenue, nv)
		tvs := make([]testVenue, nv)
		for k := range vs {
			v := &vs[k]
			v.takerM, v.makerM = int64(rng.IntN(3001)), int64(rng.IntN(301)-100)
			v.taker = decimal.New(v.takerM, -2).String()
			v.maker = decimal.New(v.makerM, -2).String()
			mid := domain.Price(10_000 + rng.IntN(11) - 5)
			v.asks = randLevels(rng, mid+domain.Price(1+rng.IntN(4)), 1)
			v.bids = randLevels(rng, mid-domain.Price(1+rng.IntN(4)), -1)
			v.down, v.stale = rng.IntN(10) == 0, rng.IntN(10) == 0
			v.reconciling, v.spent = rng.IntN(10) == 0, rng.IntN(10) == 0
			if rng.IntN(2) == 0 {
				v.ack = time.Duration(1+rng.IntN(3)) * time.Millisecond
			}
			v.listed = rng.IntN(10) != 0
			if !v.listed {
				v.instruments = []domain.InstrumentID{1}
			}
			tvs[k] = v.testVenue
		}
		lot := []domain.Qty{1, 2, 5, 10}[rng.IntN(4)]
		r := build(t, lot, tvs)
		side := domain.Side(1 + rng.IntN(2))
		qty := lot * domain.Qty(1+rng.IntN(40))
		px := domain.Price(10_000 + rng.IntN(21) - 10)
		var o domain.Order
		switch rng.IntN(5) {
		case 4:
			o = lim(side, px, qty)
			o.TIF = domain.FOK
		case 0:
			o = mkt(side, qty)
		case 1:
			o = lim(side, px, qty)
		case 2:
			o = lim(side, px, qty)
			o.PostOnly = true
		default:
			o = domain.Order{Side: side, Qty: qty} // no type: taken as market
		}
		d, err := r.Plan(&o, t0)
		fail := func(f string, args ...any) {
			t.Helper()
			t.Fatalf("iteration %d: %s\norder %+v\nvenues %+v\n"+f, append([]any{iter, d, o, vs}, args...)...)
		}

		var eligible []int
		budget := false
		for k := range vs {
			if vs[k].eligible() {
				eligible = append(eligible, k)
			}
			v := &vs[k]
			budget = budget || v.listed && !v.down && !v.reconciling && !v.stale && v.spent
		}
		if len(eligible) == 0 {
			want := ErrNoVenue
			if budget {
				want = ErrNoBudget
			}
			if !errors.Is(err, want) || d.NLegs != 0 {
				fail("no eligible venue: err %v, want %v", err, want)
			}
			continue
		}
		if err != nil {
			fail("err %v with %d eligible", err, len(eligible))
		}
		reasons[d.Reason]++

		var sum domain.Qty
		seen := map[domain.VenueID]bool{}
		for _, l := range d.Legs[:d.NLegs] {
			k := int(l.Venue) - 1
			if k < 0 || k >= nv || !vs[k].eligible() {
				fail("leg at ineligible venue %d", l.Venue)
			}
			if seen[l.Venue] {
				fail("two legs at venue %d", l.Venue)
			}
			seen[l.Venue] = true
			if l.Qty <= 0 || l.Qty%lot != 0 {
				fail("leg of %d, lot %d", l.Qty, lot)
			}
			sum += l.Qty
		}
		if sum != qty {
			fail("legs sum to %d, want %d", sum, qty)
		}
		for _, s := range d.Skipped[:d.NSkipped] {
			if seen[s.Venue] {
				fail("venue %d both skipped and chosen", s.Venue)
			}
		}

		// The model's choice of the first venue.
		first := int(d.Legs[0].Venue) - 1
		var limit domain.Price
		if o.Type == domain.Limit {
			limit = o.Price
		}
		touch := func(k int) (domain.Price, bool) {
			ls := vs[k].asks
			if side == domain.Sell {
				ls = vs[k].bids
			}
			if len(ls) == 0 || !reaches(side, ls[0].Price, limit) {
				return 0, false
			}
			return ls[0].Price, true
		}
		net := func(k int) int64 {
			p, _ := touch(k)
			if side == domain.Sell {
				return int64(p) * (feeUnit - vs[k].takerM)
			}
			return int64(p) * (feeUnit + vs[k].takerM)
		}
		takers := 0
		var best int64
		for _, k := range eligible {
			if _, ok := touch(k); ok {
				if n := net(k); takers == 0 || (side == domain.Buy && n < best) || (side == domain.Sell && n > best) {
					best = n
				}
				takers++
			}
		}
		switch {
		case o.TIF == domain.FOK && takers > 0:
			if d.NLegs != 1 {
				fail("a fill-or-kill in %d legs", d.NLegs)
			}
			if _, ok := touch(first); !ok {
				fail("fill-or-kill at %c, which cannot take", 'a'+first)
			}
			if net(first) != best && r.Displayed(d.Legs[0].Venue, 0, side, limit) < qty {
				fail("fill-or-kill at %c, neither the best net nor showing it all", 'a'+first)
			}
		case !o.PostOnly && takers > 0:
			if _, ok := touch(first); !ok || net(first) != best {
				fail("first venue %c nets %d, the best eligible %d", 'a'+first, net(first), best)
			}
			if d.NLegs > 1 && d.Reason != ReasonSplit {
				fail("%d legs, reason %s", d.NLegs, d.Reason)
			}
		case o.PostOnly || limit > 0:
			// A post-only order avoids the venues where it would take,
			// while it can.
			crosses := func(k int) bool {
				ls := vs[k].asks
				if side == domain.Sell {
					ls = vs[k].bids
				}
				return o.PostOnly && len(ls) > 0 && reaches(side, ls[0].Price, o.Price)
			}
			pool := eligible[:0:0]
			for _, k := range eligible {
				if !crosses(k) {
					pool = append(pool, k)
				}
			}
			if len(pool) == 0 {
				pool = eligible
			} else if crosses(first) {
				fail("post-only at %c, where it would take", 'a'+first)
			}
			for _, k := range pool {
				if vs[k].makerM < vs[first].makerM {
					fail("rests at %c, maker %d; %c charges %d", 'a'+first, vs[first].makerM, 'a'+k, vs[k].makerM)
				}
			}
		default:
			if first != eligible[0] || d.Reason != ReasonNoQuote {
				fail("nothing quoted: want the first eligible, %c", 'a'+eligible[0])
			}
		}
	}
	// The random books must reach every way of routing but the stop's.
	for _, why := range []Reason{ReasonBestNetPrice, ReasonOnlyVenue, ReasonNoQuote, ReasonSplit, ReasonPostOnly, ReasonRests, ReasonFillOrKill} {
		if reasons[why] == 0 {
			t.Errorf("no random order was routed %s: %v", why, reasons)
		}
	}
	t.Logf("reasons: %v", reasons)
}

package router

import (
	"math"
	"math/bits"

	"github.com/desk-trading/desk/core/domain"
)

// cand is a venue Plan ranks.
type cand struct {
	k     int          // index in r.venues
	touch domain.Price // the price compared
	net   Net          // touch net of fee
	fee   int64        // the fee that applies, millionths
	avail domain.Qty   // displayed within the limit, for an order that takes
	lat   int64        // smoothed ack latency, ns, when timed
	timed bool
}

// netOf returns p net of fee for an order on side; ok false when p is not
// positive or the net overflows an int64 (a price above about 9.2e12
// units). The factor feeUnit±fee is positive: |fee| <= 10%.
func netOf(side domain.Side, p domain.Price, fee int64) (Net, bool) {
	if side == domain.Sell {
		fee = -fee
	}
	if p <= 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(p), uint64(feeUnit+fee))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	return Net(lo), true
}

// better reports whether net a beats net b for an order on side.
func better(side domain.Side, a, b Net) bool {
	if side == domain.Sell {
		return a > b
	}
	return a < b
}

// faster reports whether a's ack latency beats b's: measured beats
// unmeasured, then lower wins.
func faster(a, b *cand) bool {
	if a.timed != b.timed {
		return a.timed
	}
	return a.timed && a.lat < b.lat
}

func sameLatency(a, b *cand) bool {
	return a.timed == b.timed && (!a.timed || a.lat == b.lat)
}

// takeBefore orders venues for an order that takes: net touch, then
// displayed size within the limit, then ack latency, then listing.
func takeBefore(side domain.Side, a, b *cand) bool {
	switch {
	case a.net != b.net:
		return better(side, a.net, b.net)
	case a.avail != b.avail:
		return a.avail > b.avail
	case !sameLatency(a, b):
		return faster(a, b)
	}
	return a.k < b.k
}

// restBefore orders venues for an order that rests, or a stop: the fee,
// then ack latency, then listing. Every venue would see the same price.
func restBefore(a, b *cand) bool {
	switch {
	case a.fee != b.fee:
		return a.fee < b.fee
	case !sameLatency(a, b):
		return faster(a, b)
	}
	return a.k < b.k
}

// sortCands sorts c best first: an insertion sort, for at most MaxVenues
// and no allocation.
func sortCands(c []cand, take bool, side domain.Side) {
	for j := 1; j < len(c); j++ {
		for k := j; k > 0; k-- {
			a, b := &c[k], &c[k-1]
			if take && !takeBefore(side, a, b) || !take && !restBefore(a, b) {
				break
			}
			*a, *b = *b, *a
		}
	}
}

// tieOf says what decided between the first and second of c, sorted.
func tieOf(c []cand, take bool) Tie {
	a, b := &c[0], &c[1]
	switch {
	case take && a.net != b.net, !take && a.fee != b.fee:
		return TieNone
	case take && a.avail != b.avail:
		return TieSize
	case !sameLatency(a, b):
		return TieLatency
	}
	return TieListing
}

// Plan decides where o goes at now (unix ns), and why. It allocates
// nothing.
//
// The venues considered are those that list o's instrument; a venue that
// is down, reconciling, stale for the instrument or whose rate budget does
// not afford one new order now is skipped. Among the rest:
//
//   - A post-only order goes to the best maker fee (a rebate is best),
//     and a stop or stop-limit to the best taker fee, the fee it pays
//     once triggered.
//   - A market order, or a limit that crosses at least one venue's
//     opposite touch, takes: the venues with a touch within the limit
//     rank by that touch net of the taker fee, then by displayed
//     quantity within the limit, then by measured ack latency, then in
//     listing order. When o's quantity exceeds what the best of them
//     displays within the limit, the order is split: the displayed
//     levels of every ranked venue are swept best net first, each
//     venue's share rounded down to the instrument's lot, and whatever
//     is left (what nobody displays, and the rounding) goes to the best
//     venue, which rests it at the limit or works it as a market order.
//     A market order no venue quotes goes to the first eligible venue.
//   - A fill-or-kill is never split: when the best venue shows less than
//     all of it within the limit, it goes to the best venue that shows
//     all of it, if any.
//   - A limit that crosses no venue rests: the best maker fee.
//   - A post-only order skips the venues where its price would take (they
//     would reject it), unless it would take at every venue.
//
// Ties on the fee break on ack latency, then listing order. The
// Decision's legs are best first, so Legs[0] is the venue Route returns.
//
// Plan fails with ErrNoBudget when no venue is eligible and at least one
// was skipped for its budget, else with ErrNoVenue; the Decision then has
// no legs and says what was skipped. Plan spends no budget: the engine
// spends it for what it sends.
func (r *Router) Plan(o *domain.Order, now int64) (Decision, error) {
	d := Decision{Side: o.Side, tab: r.tab}
	i := int(o.Instrument)
	if i < len(r.inst) {
		d.priceDec, d.qtyDec = r.inst[i].priceDec, r.inst[i].qtyDec
	}
	var c [MaxVenues]cand
	n, spent := 0, false
	for k := range r.venues {
		v := &r.venues[k]
		if i >= len(v.books) || !v.books[i].listed {
			continue
		}
		why := SkipNone
		switch {
		case !v.connected:
			why = SkipDown
		case v.reconciling:
			why = SkipReconciling
		case v.books[i].stale:
			why = SkipStale
		case !v.budget.Affords(now, 1, WeightOrder):
			why, spent = SkipBudget, true
		}
		if why != SkipNone {
			d.skip(v.id, why)
			continue
		}
		c[n] = cand{k: k, lat: v.ack.ewma, timed: v.ack.measured}
		n++
	}
	switch {
	case n == 0 && spent:
		return d, ErrNoBudget
	case n == 0:
		return d, ErrNoVenue
	case o.PostOnly:
		r.rest(&d, o, c[:n], ReasonPostOnly)
	case o.Type == domain.Stop || o.Type == domain.StopLimit:
		r.rest(&d, o, c[:n], ReasonStop)
	default:
		r.take(&d, o, c[:n])
	}
	return d, nil
}

// rest places o whole at the venue with the best fee: maker, or taker for
// a stop (why ReasonStop).
func (r *Router) rest(d *Decision, o *domain.Order, c []cand, why Reason) {
	ref := o.Price
	if ref <= 0 {
		ref = o.StopPrice
	}
	for j := range c {
		v := &r.venues[c[j].k]
		c[j].fee = v.maker
		if why == ReasonStop {
			c[j].fee = v.taker
		}
		c[j].touch = ref
		if ref > 0 {
			c[j].net, _ = netOf(o.Side, ref, c[j].fee) // on overflow 0: shown as none; the fee ranks
		}
	}
	if why == ReasonPostOnly && o.Price > 0 {
		c = r.resting(d, o, c)
	}
	sortCands(c, false, o.Side)
	r.single(d, o, c, why, false)
}

// resting returns the venues of c where post-only o would not take, and
// records the others as skipped; when o would take everywhere, all of c,
// and each venue rejects it as post-only orders ask.
func (r *Router) resting(d *Decision, o *domain.Order, c []cand) []cand {
	var crosses [MaxVenues]bool
	m := 0
	for j := range c {
		p, ok := r.venues[c[j].k].books[o.Instrument].opposite(o.Side).best()
		crosses[j] = ok && reaches(o.Side, p, o.Price)
		if !crosses[j] {
			m++
		}
	}
	if m == 0 || m == len(c) {
		return c
	}
	m = 0
	for j := range c {
		if crosses[j] {
			d.skip(r.venues[c[j].k].id, SkipWouldCross)
			continue
		}
		c[m] = c[j]
		m++
	}
	return c[:m]
}

// single sends o whole to c[0], c sorted.
func (r *Router) single(d *Decision, o *domain.Order, c []cand, why Reason, take bool) {
	d.Reason = why
	if len(c) == 1 {
		d.Reason = ReasonOnlyVenue
	} else {
		d.RunnerUp, d.RunnerUpNet, d.HasRunnerUp = r.venues[c[1].k].id, c[1].net, true
		d.Tie = tieOf(c, take)
	}
	d.leg(Leg{Venue: r.venues[c[0].k].id, Qty: o.Qty, Price: o.Price, Touch: c[0].touch, Net: c[0].net})
}

// take routes an order that may take liquidity; c are the eligible venues.
func (r *Router) take(d *Decision, o *domain.Order, c []cand) {
	var limit domain.Price // 0: market, as an order of no type is taken to be
	if o.Type == domain.Limit {
		limit = o.Price
	}
	// The venues that can take compact to the front of c, in place: when
	// none can, c is untouched for rest.
	var skips [MaxVenues]Skip
	m, ns := 0, 0
	for j := range c {
		v := &r.venues[c[j].k]
		s := v.books[o.Instrument].opposite(o.Side)
		p, ok := s.best()
		var net Net
		if ok {
			net, ok = netOf(o.Side, p, v.taker) // a price too large for a net is no quote
		}
		switch {
		case !ok:
			skips[ns], ns = Skip{Venue: v.id, Reason: SkipNoQuote}, ns+1
		case !reaches(o.Side, p, limit):
			skips[ns], ns = Skip{Venue: v.id, Reason: SkipOutsideLimit}, ns+1
		default:
			t := c[j]
			t.touch, t.net, t.fee, t.avail = p, net, v.taker, s.within(o.Side, limit)
			c[m] = t
			m++
		}
	}
	if m == 0 {
		if limit > 0 {
			r.rest(d, o, c, ReasonRests)
			return
		}
		d.Reason = ReasonNoQuote
		d.leg(Leg{Venue: r.venues[c[0].k].id, Qty: o.Qty, Price: o.Price})
		return
	}
	for _, s := range skips[:ns] {
		d.skip(s.Venue, s.Reason)
	}
	ranked := c[:m]
	sortCands(ranked, true, o.Side)
	switch {
	case m == 1 || o.Qty <= ranked[0].avail:
		r.single(d, o, ranked, ReasonBestNetPrice, true)
	case o.TIF == domain.FOK:
		r.fillOrKill(d, o, ranked)
	default:
		r.split(d, o, ranked, limit)
	}
}

// fillOrKill sends o, more than the best venue shows, whole to the best
// venue that shows all of it within the limit, else to the best venue:
// split legs would each fill or die alone, and o must fill whole or not
// at all.
func (r *Router) fillOrKill(d *Decision, o *domain.Order, ranked []cand) {
	j := 0
	for j < len(ranked) && ranked[j].avail < o.Qty {
		j++
	}
	if j == len(ranked) {
		r.single(d, o, ranked, ReasonBestNetPrice, true)
		return
	}
	// Move ranked[j] to the front; the best by net becomes the runner-up.
	first := ranked[j]
	copy(ranked[1:j+1], ranked[:j])
	ranked[0] = first
	r.single(d, o, ranked, ReasonFillOrKill, true)
	d.Tie = TieNone
}

// split sweeps the displayed levels of the ranked venues best net first
// until o is filled or the levels within limit run out; see Plan.
func (r *Router) split(d *Decision, o *domain.Order, ranked []cand, limit domain.Price) {
	var (
		side  [MaxVenues]*levels
		next  [MaxVenues]uint8 // each venue's next level
		nnet  [MaxVenues]Net   // its net
		open  [MaxVenues]bool  // it has a next level within the limit
		alloc [MaxVenues]domain.Qty
		worst [MaxVenues]domain.Price
	)
	// advance looks at venue j's next level.
	advance := func(j int) {
		s := side[j]
		open[j] = false
		if next[j] < s.n && reaches(o.Side, s.lv[next[j]].Price, limit) {
			nnet[j], open[j] = netOf(o.Side, s.lv[next[j]].Price, ranked[j].fee)
		}
	}
	for j := range ranked {
		side[j] = r.venues[ranked[j].k].books[o.Instrument].opposite(o.Side)
		advance(j)
	}
	for left := o.Qty; left > 0; {
		bj := -1
		for j := range ranked {
			if open[j] && (bj < 0 || better(o.Side, nnet[j], nnet[bj])) {
				bj = j
			}
		}
		if bj < 0 {
			break
		}
		l := &side[bj].lv[next[bj]]
		q := min(left, l.Qty)
		alloc[bj] += q
		worst[bj] = l.Price
		left -= q
		next[bj]++
		advance(bj)
	}
	lot := r.inst[o.Instrument].lot
	var sum domain.Qty
	for j := range ranked {
		alloc[j] -= alloc[j] % lot
		sum += alloc[j]
	}
	if rest := o.Qty - sum; rest > 0 {
		alloc[0] += rest
		worst[0] = limit // rests at the limit; 0 works it as a market order
	}
	for j := range ranked {
		if alloc[j] > 0 {
			c := &ranked[j]
			d.leg(Leg{Venue: r.venues[c.k].id, Qty: alloc[j], Price: worst[j], Touch: c.touch, Net: c.net})
		}
	}
	d.Reason = ReasonSplit
	d.RunnerUp, d.RunnerUpNet, d.HasRunnerUp = r.venues[ranked[1].k].id, ranked[1].net, true
	d.Tie = tieOf(ranked, true)
	if d.NLegs == 1 {
		d.Reason = ReasonBestNetPrice
	}
}

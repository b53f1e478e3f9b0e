package bench

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/core/router"
)

// The mapping of the asked tick rate onto the simulated venues. A sim
// venue's flow publishes at most one book per listed instrument per flow
// interval, all of them at once on each flow tick (and one whenever a
// flow tick changed the book's top levels, which with the default flow is
// nearly every tick), so a venue's book rate is its listings over its
// interval, a listing being one instrument on one venue.
//
// A venue ticks all its instruments in one burst, so the books reach the
// engine in bursts as large as a venue's listings: the listings are
// spread over enough venues that a burst is about burst books (at most
// router.MaxVenues venues, 8), and no venue publishes more than perVenueRate books a
// second (one goroutine runs a venue's flow) unless that takes more
// than 8. The venues' intervals are
// spread over ±spread around the mean, so that their ticks drift apart
// within a few ticks of the start instead of bursting together; the mean
// is set so that the sum of every venue's listings over its interval is
// the asked rate. No interval goes below config's 1ms: past about M books
// a millisecond each instrument is listed on more venues.
const (
	minInterval  = time.Millisecond
	perVenueRate = 25_000
	burst        = 10
	maxVenues    = router.MaxVenues // the most the router takes
	spread       = 0.05
)

// layout is how a bench spreads its instruments over venues.
type layout struct {
	venues   int
	listings int // instruments on each venue, summed
	// lists[v] are the instrument indexes venue v lists, every[v] its flow
	// interval.
	lists [][]int
	every []time.Duration
}

// planLayout maps rate books a second over m instruments onto venues. It
// fails when the rate needs an instrument on more than maxVenues venues.
func planLayout(m int, rate float64) (layout, error) {
	slowest := (1 + spread) * minInterval.Seconds() // the shortest mean interval that keeps every one >= 1ms
	perInst := max(1, int(math.Ceil(rate*slowest/float64(m))))
	if perInst > maxVenues {
		return layout{}, fmt.Errorf("bench: %.0f ticks/s over %d instruments needs each on %d venues, and the router takes %d: "+
			"at most %.0f ticks/s, or more --instruments", rate, m, perInst, maxVenues, float64(m*maxVenues)/slowest)
	}
	listings := m * perInst
	venues := max(perInst, int(math.Ceil(rate/perVenueRate)), (listings+burst-1)/burst)
	venues = min(venues, maxVenues, listings) // never a venue with nothing to list
	l := layout{venues: venues, listings: listings, lists: make([][]int, venues), every: make([]time.Duration, venues)}
	for i := range m {
		for k := range perInst { // distinct venues, since perInst <= venues
			v := (i*perInst + k) % venues
			l.lists[v] = append(l.lists[v], i)
		}
	}
	// Venue v's interval is mean*f(v), f spread evenly over [1-spread,
	// 1+spread]; the rate is the sum of len(lists[v])/(mean*f(v)).
	f := func(v int) float64 {
		if venues == 1 {
			return 1
		}
		return 1 - spread + 2*spread*float64(v)/float64(venues-1)
	}
	sum := 0.0
	for v, list := range l.lists {
		sum += float64(len(list)) / f(v)
	}
	mean := sum / rate
	for v := range l.every {
		d := time.Duration(mean * f(v) * float64(time.Second)).Round(time.Microsecond)
		l.every[v] = min(max(d, minInterval), time.Minute)
	}
	return l, nil
}

// rate is the books a second l's venues publish (at one book per listing
// per flow tick).
func (l *layout) rate() float64 {
	r := 0.0
	for v, list := range l.lists {
		r += float64(len(list)) / l.every[v].Seconds()
	}
	return r
}

// symbol names instrument i.
func symbol(i int) string { return fmt.Sprintf("B%04d-USD", i) }

// strategyInstruments are the (up to) four instruments strategy s trades:
// consecutive ones from 4s, so that N strategies cover min(4N, M) of them.
func strategyInstruments(s, m int) []int {
	k := min(4, m)
	out := make([]int, k)
	for j := range k {
		out[j] = (s*4 + j) % m
	}
	return out
}

// buildConfig generates the daemon's config for o: o.Instruments
// instruments at 100 (tick 0.01, lot 1), the venues of planLayout, one
// book "bench" and o.Strategies strategies of LoadKind, each on
// strategyInstruments, together sending o.OrdersPerSec. No risk limit is
// set, so no pre-trade limit denies the load (the checks still run); the
// result counts denials anyway.
func buildConfig(o *Options) (*config.Config, layout, error) {
	lay, err := planLayout(o.Instruments, o.Rate)
	if err != nil {
		return nil, lay, err
	}
	var b strings.Builder
	// The latency window is the measured window (see Run); stale_after
	// and max_reference_age stay at their defaults (5s), far above the
	// flow intervals.
	b.WriteString("[daemon]\nsnapshot_interval = \"100ms\"\n\n")
	for i := range o.Instruments {
		fmt.Fprintf(&b, "[[instruments]]\nsymbol = %q\nbase = \"B%04d\"\nquote = \"USD\"\nclass = \"crypto\"\n"+
			"tick_size = \"0.01\"\nlot_size = \"1\"\nprice = \"100\"\n\n", symbol(i), i)
	}
	for v, list := range lay.lists {
		syms := make([]string, len(list))
		for k, i := range list {
			syms[k] = fmt.Sprintf("%q", symbol(i))
		}
		fmt.Fprintf(&b, "[[venues]]\nname = \"bench-%d\"\nkind = \"sim\"\nmaker_fee_bps = \"0\"\ntaker_fee_bps = \"1\"\n"+
			"latency = \"0s\"\nseed = %d\ninstruments = [%s]\n[venues.flow]\ninterval = %q\n\n",
			v, 1000+v, strings.Join(syms, ", "), lay.every[v].String())
	}
	b.WriteString("[[risk.books]]\nname = \"bench\"\n\n")
	per := o.OrdersPerSec / float64(o.Strategies)
	for s := range o.Strategies {
		ins := strategyInstruments(s, o.Instruments)
		syms := make([]string, len(ins))
		for k, i := range ins {
			syms[k] = fmt.Sprintf("%q", symbol(i))
		}
		fmt.Fprintf(&b, "[[strategies]]\nid = \"load-%d\"\nkind = %q\nbook = \"bench\"\ninstruments = [%s]\n"+
			"[strategies.params]\norders_per_sec = \"%.6f\"\n\n", s, LoadKind, strings.Join(syms, ", "), per)
	}
	cfg, err := config.Parse([]byte(b.String()))
	if err != nil {
		return nil, lay, fmt.Errorf("bench: generated config: %w", err)
	}
	return cfg, lay, nil
}

// meanInterval is the mean of l's venues' flow intervals.
func (l *layout) meanInterval() time.Duration {
	var sum time.Duration
	for _, d := range l.every {
		sum += d
	}
	return sum / time.Duration(len(l.every))
}

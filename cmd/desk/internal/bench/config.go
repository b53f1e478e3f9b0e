package bench

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/desk-trading/desk/cmd/desk/internal/config"
)

// The mapping of the asked tick rate onto the simulated venues. A sim
// venue's flow publishes at most one book per listed instrument per flow
// interval (and one whenever a flow tick changed the book's top levels,
// which with the default flow is nearly every tick), so the book rate is
// listings/interval, a listing being one instrument on one venue. The
// interval may not go below config's 1ms; past M books a millisecond each
// instrument is listed on more venues. One venue goroutine runs every
// flow tick of its instruments, so listings are spread over enough venues
// that none publishes more than perVenueRate books a second.
const (
	minInterval  = time.Millisecond
	perVenueRate = 25_000
)

// layout is how a bench spreads its instruments over venues.
type layout struct {
	venues   int
	listings int           // instruments on each venue, summed
	interval time.Duration // every venue's flow interval
	// lists[v] are the instrument indexes venue v lists.
	lists [][]int
}

// planLayout maps rate books a second over m instruments onto venues.
func planLayout(m int, rate float64) layout {
	perInst := max(1, int(math.Ceil(rate*minInterval.Seconds()/float64(m)))) // venues per instrument
	venues := max(perInst, int(math.Ceil(rate/perVenueRate)))
	venues = min(venues, m*perInst) // never a venue with nothing to list
	l := layout{venues: venues, listings: m * perInst, lists: make([][]int, venues)}
	l.interval = time.Duration(float64(l.listings) / rate * float64(time.Second)).Round(time.Microsecond)
	l.interval = min(max(l.interval, minInterval), time.Minute)
	for i := range m {
		for k := range perInst { // distinct venues, since perInst <= venues
			v := (i*perInst + k) % venues
			l.lists[v] = append(l.lists[v], i)
		}
	}
	return l
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
	lay := planLayout(o.Instruments, o.Rate)
	var b strings.Builder
	// The latency window is the measured window (see Run); stale_after
	// and max_reference_age stay at their defaults (5s), far above the
	// flow interval.
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
			v, 1000+v, strings.Join(syms, ", "), lay.interval.String())
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

package demo

import (
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
)

// quote describes an intent compactly for comparison.
type quote struct {
	kind  domain.IntentKind
	side  domain.Side
	price domain.Price
	qty   domain.Qty
}

func quotes(in []domain.Intent) []quote {
	var out []quote
	for _, i := range in {
		out = append(out, quote{i.Kind, i.Side, i.Price, i.Qty})
	}
	return out
}

func sameQuotes(t *testing.T, step string, got []domain.Intent, want ...quote) {
	t.Helper()
	g := quotes(got)
	if len(g) != len(want) {
		t.Fatalf("%s: intents %+v, want %+v", step, g, want)
	}
	for i := range want {
		if g[i] != want[i] {
			t.Fatalf("%s: intents %+v, want %+v", step, g, want)
		}
	}
}

func TestMarketMaker(t *testing.T) {
	e := newExchange(t, KindMarketMaker, map[string]string{
		"spread_bps": "10", "size": "0.5", "max_position": "1", "requote_ticks": "2",
	}, false)
	const (
		nw  = domain.IntentNew
		rep = domain.IntentReplace
		buy = domain.Buy
		sel = domain.Sell
	)

	// Mid 100.01: half spread 5 bps = 5 ticks, rounded outward.
	e.book(10000, 10002)
	got := e.taken()
	sameQuotes(t, "first book", got, quote{nw, buy, 9996, 500}, quote{nw, sel, 10006, 500})
	for _, in := range got {
		if in.Type != domain.Limit || in.TIF != domain.GTC || !in.PostOnly {
			t.Errorf("quote %+v is not a post-only GTC limit", in)
		}
	}

	e.advance(time.Second)
	e.book(10001, 10003) // mid moves 1 tick: below requote_ticks
	sameQuotes(t, "small move", e.taken())

	e.advance(time.Second)
	e.book(10003, 10005) // mid 100.04, 3 ticks from the quoted mid
	sameQuotes(t, "requote", e.taken(), quote{rep, buy, 9999, 500}, quote{rep, sel, 10009, 500})

	// The bid fills: long 0.5, quotes skew 2 ticks lower, a new bid goes up.
	e.advance(time.Second)
	bids, _ := e.resting()
	e.fill(bids[0].ID, 500)
	e.settle(3)
	sameQuotes(t, "after a fill", e.taken(), quote{nw, buy, 9997, 500}, quote{rep, sel, 10007, 500})

	// The new bid fills: at max_position, no bid; the ask sits at the mid.
	e.advance(time.Second)
	bids, _ = e.resting()
	e.fill(bids[0].ID, 500)
	e.settle(3)
	sameQuotes(t, "at max position", e.taken(), quote{rep, sel, 10004, 500})
	if pos, maxAbs := e.position(); pos != 1000 || maxAbs > 1000 {
		t.Errorf("position %d (max seen %d), want 1000 within max_position", pos, maxAbs)
	}

	// Halted: the ask is pulled and nothing new goes out.
	e.advance(time.Second)
	e.halt()
	got = e.taken()
	if len(got) != 1 || got[0].Kind != domain.IntentCancel {
		t.Fatalf("on halt: %+v, want one cancel", quotes(got))
	}
	for i := range 10 {
		e.advance(time.Second)
		e.book(domain.Price(10100+10*i), domain.Price(10102+10*i))
	}
	if got := e.taken(); len(got) != 0 {
		t.Errorf("halted, yet sent %+v", quotes(got))
	}
	if bids, asks := e.resting(); len(bids)+len(asks) != 0 {
		t.Errorf("halted with resting quotes %v %v", bids, asks)
	}
}

func TestMarketMakerReduceOnly(t *testing.T) {
	e := newExchange(t, KindMarketMaker, map[string]string{"size": "0.5", "max_position": "2"}, false)
	e.book(10000, 10002)
	e.taken()
	bids, _ := e.resting()
	e.fill(bids[0].ID, 500) // long 0.5
	e.settle(1)
	e.taken()
	e.advance(time.Second)
	e.host.OnState(domain.ReduceOnly)
	e.settle(1)
	e.advance(time.Second)
	e.book(10010, 10012)
	bids, asks := e.resting()
	if len(bids) != 0 {
		t.Errorf("reduce-only and long, yet bidding: %+v", bids)
	}
	if len(asks) != 1 || !asks[0].ReduceOnly || asks[0].Leaves() > 500 {
		t.Errorf("reduce-only asks %+v, want one reduce-only ask of at most the position", asks)
	}
}

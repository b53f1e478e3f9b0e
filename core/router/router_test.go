package router

import (
	"errors"
	"testing"

	"github.com/desk-trading/desk/core/domain"
	"github.com/shopspring/decimal"
)

func top(v domain.VenueID, bid, ask domain.Price) *domain.BookUpdate {
	b := &domain.BookUpdate{Venue: v, Instrument: 0}
	if bid > 0 {
		b.Bids[0], b.NBids = domain.Level{Price: bid, Qty: 1}, 1
	}
	if ask > 0 {
		b.Asks[0], b.NAsks = domain.Level{Price: ask, Qty: 1}, 1
	}
	return b
}

func newRouter(t *testing.T) *Router {
	t.Helper()
	r, err := New([]VenueFees{
		{ID: 1, Name: "cheap", MakerBps: decimal.RequireFromString("1"), TakerBps: decimal.RequireFromString("1")},
		{ID: 2, Name: "rebate", MakerBps: decimal.RequireFromString("-0.5"), TakerBps: decimal.RequireFromString("30")},
	}, 1)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRouteBestPriceNetOfFees(t *testing.T) {
	for _, tc := range []struct {
		name           string
		b1, a1, b2, a2 domain.Price
		side           domain.Side
		postOnly       bool
		down           domain.VenueID
		want           domain.VenueID
	}{
		// Venue 2's ask is 0.1% better but its 30 bps taker fee eats that.
		{name: "buy: better price loses to fees", a1: 10_000, a2: 9_990, side: domain.Buy, want: 1},
		{name: "buy: much better price wins despite fees", a1: 10_000, a2: 9_950, side: domain.Buy, want: 2},
		{name: "sell: best bid net of fees", b1: 10_000, b2: 10_010, side: domain.Sell, want: 1},
		{name: "sell: much better bid wins", b1: 10_000, b2: 10_050, side: domain.Sell, want: 2},
		{name: "post-only goes for the rebate", a1: 10_000, a2: 10_000, b1: 9_999, b2: 9_999, side: domain.Buy, postOnly: true, want: 2},
		{name: "down venue is skipped", a1: 10_000, a2: 9_000, side: domain.Buy, down: 2, want: 1},
		{name: "only one side quoted", a1: 0, a2: 10_000, side: domain.Buy, want: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRouter(t)
			r.OnBook(top(1, tc.b1, tc.a1))
			r.OnBook(top(2, tc.b2, tc.a2))
			if tc.down != 0 {
				r.SetConnected(tc.down, false)
			}
			got, err := r.Route(&domain.Order{Instrument: 0, Side: tc.side, PostOnly: tc.postOnly, Qty: 1}, 0)
			if err != nil || got != tc.want {
				t.Fatalf("Route = %d, %v; want venue %d", got, err, tc.want)
			}
		})
	}
}

func TestRouteNoVenue(t *testing.T) {
	r := newRouter(t)
	r.SetConnected(1, false)
	r.SetConnected(2, false)
	if _, err := r.Route(&domain.Order{Side: domain.Buy, Qty: 1}, 0); !errors.Is(err, ErrNoVenue) {
		t.Fatalf("Route with every venue down: err = %v, want ErrNoVenue", err)
	}
}

func TestBBOAcrossVenues(t *testing.T) {
	r := newRouter(t)
	r.OnBook(top(1, 9_990, 10_010))
	r.OnBook(top(2, 9_995, 10_020))
	if bid, ask := r.BBO(0); bid != 9_995 || ask != 10_010 {
		t.Fatalf("BBO = %d/%d, want 9995/10010", bid, ask)
	}
	r.SetConnected(2, false)
	if bid, _ := r.BBO(0); bid != 9_990 {
		t.Fatalf("BBO bid with venue 2 down = %d, want 9990", bid)
	}
}

func TestNewRejectsBadFee(t *testing.T) {
	if _, err := New([]VenueFees{{ID: 1, Name: "x", TakerBps: decimal.RequireFromString("0.001")}}, 1); err == nil {
		t.Fatal("a fee finer than 0.01 bps was accepted")
	}
}

func BenchmarkRoute(b *testing.B) {
	r, _ := New([]VenueFees{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}}, 1)
	r.OnBook(top(1, 9_990, 10_010))
	r.OnBook(top(2, 9_995, 10_020))
	o := &domain.Order{Side: domain.Buy, Qty: 1}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Route(o, 0); err != nil {
			b.Fatal(err)
		}
	}
}

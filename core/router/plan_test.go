package router

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/shopspring/decimal"
)

// lv is a displayed level, for building books in tests.
func lv(p domain.Price, q domain.Qty) domain.Level { return domain.Level{Price: p, Qty: q} }

// depth is venue v's book of instrument i with the given levels, best first.
func depth(v domain.VenueID, i domain.InstrumentID, bids, asks []domain.Level) *domain.BookUpdate {
	b := &domain.BookUpdate{Venue: v, Instrument: i}
	b.NBids = uint8(copy(b.Bids[:], bids))
	b.NAsks = uint8(copy(b.Asks[:], asks))
	return b
}

func bps(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// testVenue is one venue of a planCase: its fees, book and state.
type testVenue struct {
	maker, taker string // bps; "" is zero
	bids, asks   []domain.Level
	down, stale  bool
	reconciling  bool
	spent        bool          // its budget of one order per 10 s is spent
	ack          time.Duration // 0: never measured
	instruments  []domain.InstrumentID
}

const t0 = int64(1_700_000_000) * int64(time.Second)

// build returns a router over the venues a, b, c... (ids 1, 2, 3...) and
// two instruments: 0 with a lot of lot, and 1.
func build(t testing.TB, lot domain.Qty, vs []testVenue) *Router {
	t.Helper()
	var fees []VenueFees
	for k, v := range vs {
		f := VenueFees{ID: domain.VenueID(k + 1), Name: string(rune('a' + k)), Instruments: v.instruments}
		if v.maker != "" {
			f.MakerBps = bps(v.maker)
		}
		if v.taker != "" {
			f.TakerBps = bps(v.taker)
		}
		if v.spent {
			f.Limits = Limits{Orders10s: 1}
		}
		fees = append(fees, f)
	}
	r, err := New(fees, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Quantities in tenths, so a lot of 10 is 1.0 rather than a lot of 1.
	in := domain.Instrument{Symbol: "BTC-USD", TickSize: 1, LotSize: lot, QtyDecimals: 1}
	if err := r.SetInstruments([]domain.Instrument{in}); err != nil {
		t.Fatal(err)
	}
	for k, v := range vs {
		id := domain.VenueID(k + 1)
		r.OnBook(depth(id, 0, v.bids, v.asks))
		r.SetConnected(id, !v.down)
		r.SetStale(id, 0, v.stale)
		r.SetReconciling(id, v.reconciling)
		if v.spent {
			r.Spend(id, t0, 1, WeightOrder)
		}
		if v.ack > 0 {
			r.ObserveAck(id, v.ack)
		}
	}
	return r
}

// wantLeg is a leg as a test states it: venue index 'a', 'b'..., qty, price.
type wantLeg struct {
	venue byte
	qty   domain.Qty
	price domain.Price
}

func legsOf(d *Decision) []wantLeg {
	var out []wantLeg
	for _, l := range d.Legs[:d.NLegs] {
		out = append(out, wantLeg{byte('a' + l.Venue - 1), l.Qty, l.Price})
	}
	return out
}

func skipsOf(d *Decision) string {
	s := ""
	for _, k := range d.Skipped[:d.NSkipped] {
		s += fmt.Sprintf("%c:%s ", 'a'+k.Venue-1, k.Reason)
	}
	return s
}

func mkt(side domain.Side, qty domain.Qty) domain.Order {
	return domain.Order{Side: side, Type: domain.Market, TIF: domain.IOC, Qty: qty}
}

func lim(side domain.Side, px domain.Price, qty domain.Qty) domain.Order {
	return domain.Order{Side: side, Type: domain.Limit, TIF: domain.GTC, Price: px, Qty: qty}
}

func TestPlan(t *testing.T) {
	postOnly := lim(domain.Buy, 9_999, 10)
	postOnly.PostOnly = true
	fok := lim(domain.Buy, 101, 30)
	fok.TIF = domain.FOK
	stop := domain.Order{Side: domain.Sell, Type: domain.Stop, TIF: domain.GTC, StopPrice: 9_900, Qty: 10}
	for _, tc := range []struct {
		name    string
		lot     domain.Qty
		venues  []testVenue
		order   domain.Order
		reason  Reason
		tie     Tie
		legs    []wantLeg
		skipped string
		err     error
	}{
		{
			name: "better price, higher fee: loses on net",
			venues: []testVenue{
				{taker: "10", asks: []domain.Level{lv(10_000, 50)}}, // net 10010
				{taker: "1", asks: []domain.Level{lv(10_005, 50)}},  // net 10006.0005
			},
			order: mkt(domain.Buy, 10), reason: ReasonBestNetPrice, legs: []wantLeg{{'b', 10, 0}},
		},
		{
			name: "better price wins when the fee gap is smaller",
			venues: []testVenue{
				{taker: "10", asks: []domain.Level{lv(10_000, 50)}}, // net 10010
				{taker: "1", asks: []domain.Level{lv(10_012, 50)}},  // net 10013.0012
			},
			order: mkt(domain.Buy, 10), reason: ReasonBestNetPrice, legs: []wantLeg{{'a', 10, 0}},
		},
		{
			name: "sell: best bid net of fees",
			venues: []testVenue{
				{taker: "10", bids: []domain.Level{lv(10_000, 50)}}, // net 9990
				{taker: "1", bids: []domain.Level{lv(9_995, 50)}},   // net 9994.0005
			},
			order: lim(domain.Sell, 9_990, 10), reason: ReasonBestNetPrice, legs: []wantLeg{{'b', 10, 9_990}},
		},
		{
			name: "split: the best venue shows too little within the limit",
			venues: []testVenue{
				{taker: "10", asks: []domain.Level{lv(10_000, 50)}},
				{taker: "1", asks: []domain.Level{lv(10_005, 10), lv(10_020, 50)}}, // 10020 is beyond the limit
			},
			order: lim(domain.Buy, 10_010, 30), reason: ReasonSplit,
			legs: []wantLeg{{'b', 10, 10_005}, {'a', 20, 10_000}},
		},
		{
			name: "split: what nobody displays rests at the best venue at the limit",
			venues: []testVenue{
				{taker: "10", asks: []domain.Level{lv(10_000, 20), lv(10_006, 99)}},
				{taker: "1", asks: []domain.Level{lv(10_005, 10)}},
			},
			order: lim(domain.Buy, 10_005, 100), reason: ReasonSplit,
			legs: []wantLeg{{'b', 80, 10_005}, {'a', 20, 10_000}},
		},
		{
			name: "split sweeps level by level across venues, net first",
			venues: []testVenue{
				{asks: []domain.Level{lv(100, 10), lv(101, 10), lv(103, 10)}},
				{asks: []domain.Level{lv(100, 5), lv(102, 10)}},
			},
			// a ranks first, on size: a 100x10, b 100x5, a 101x10, b 102x10, a 103x5.
			order: mkt(domain.Buy, 40), reason: ReasonSplit, tie: TieSize,
			legs: []wantLeg{{'a', 25, 103}, {'b', 15, 102}},
		},
		{
			name: "split legs are lot multiples, the rounding goes to the best venue",
			lot:  5,
			venues: []testVenue{
				{asks: []domain.Level{lv(100, 12)}},
				{asks: []domain.Level{lv(101, 13)}},
			},
			// swept a 12, b 13; rounded a 10, b 10; the other 20 to a, a market order.
			order: mkt(domain.Buy, 40), reason: ReasonSplit,
			legs: []wantLeg{{'a', 30, 0}, {'b', 10, 101}},
		},
		{
			name: "a leg rounded to nothing leaves one leg",
			lot:  10,
			venues: []testVenue{
				{asks: []domain.Level{lv(100, 35)}},
				{asks: []domain.Level{lv(101, 8)}},
			},
			order: lim(domain.Buy, 101, 40), reason: ReasonBestNetPrice,
			legs: []wantLeg{{'a', 40, 101}},
		},
		{
			name: "no split while the best venue shows enough, even if a second level is worse than another venue",
			venues: []testVenue{
				{asks: []domain.Level{lv(100, 5), lv(105, 50)}},
				{asks: []domain.Level{lv(101, 50)}},
			},
			order: mkt(domain.Buy, 20), reason: ReasonBestNetPrice, legs: []wantLeg{{'a', 20, 0}},
		},
		{
			name: "post-only uses the maker fee",
			venues: []testVenue{
				{maker: "1", taker: "1", asks: []domain.Level{lv(10_000, 1)}},
				{maker: "-0.5", taker: "30", asks: []domain.Level{lv(10_000, 1)}},
			},
			order: postOnly, reason: ReasonPostOnly, legs: []wantLeg{{'b', 10, 9_999}},
		},
		{
			name: "post-only skips a venue where it would take",
			venues: []testVenue{
				{maker: "-1", asks: []domain.Level{lv(9_999, 1)}},
				{maker: "1", asks: []domain.Level{lv(10_000, 1)}},
			},
			order: postOnly, reason: ReasonOnlyVenue, legs: []wantLeg{{'b', 10, 9_999}},
			skipped: "a:would-cross ",
		},
		{
			name: "post-only that would take everywhere: the best maker fee, rejected there as asked",
			venues: []testVenue{
				{maker: "1", asks: []domain.Level{lv(9_998, 1)}},
				{maker: "-1", asks: []domain.Level{lv(9_999, 1)}},
			},
			order: postOnly, reason: ReasonPostOnly, legs: []wantLeg{{'b', 10, 9_999}},
		},
		{
			name: "fill-or-kill goes whole to the best venue that shows it all",
			venues: []testVenue{
				{taker: "1", asks: []domain.Level{lv(100, 5)}},
				{taker: "5", asks: []domain.Level{lv(100, 50)}},
			},
			order: fok, reason: ReasonFillOrKill, legs: []wantLeg{{'b', 30, 101}},
		},
		{
			name: "fill-or-kill that no venue shows: the best venue, never a split",
			venues: []testVenue{
				{taker: "1", asks: []domain.Level{lv(100, 5)}},
				{taker: "5", asks: []domain.Level{lv(100, 20)}},
			},
			order: fok, reason: ReasonBestNetPrice, legs: []wantLeg{{'a', 30, 101}},
		},
		{
			name: "a limit that crosses nowhere rests at the best maker fee",
			venues: []testVenue{
				{maker: "-0.2", taker: "1", asks: []domain.Level{lv(10_000, 1)}},
				{maker: "0.5", taker: "0", asks: []domain.Level{lv(10_000, 1)}},
			},
			order: lim(domain.Buy, 9_000, 10), reason: ReasonRests, legs: []wantLeg{{'a', 10, 9_000}},
		},
		{
			name: "a stop goes to the best taker fee",
			venues: []testVenue{
				{maker: "-1", taker: "5"},
				{maker: "1", taker: "2"},
			},
			order: stop, reason: ReasonStop, legs: []wantLeg{{'b', 10, 0}},
		},
		{
			name: "stale, reconciling and out-of-budget venues are skipped",
			venues: []testVenue{
				{asks: []domain.Level{lv(99, 50)}, stale: true},
				{asks: []domain.Level{lv(99, 50)}, reconciling: true},
				{asks: []domain.Level{lv(99, 50)}, spent: true},
				{asks: []domain.Level{lv(99, 50)}, down: true},
				{asks: []domain.Level{lv(100, 50)}},
			},
			order: mkt(domain.Buy, 10), reason: ReasonOnlyVenue, legs: []wantLeg{{'e', 10, 0}},
			skipped: "a:stale b:reconciling c:rate-budget d:down ",
		},
		{
			name: "ack latency breaks a tie",
			venues: []testVenue{
				{asks: []domain.Level{lv(100, 50)}, ack: 5 * time.Millisecond},
				{asks: []domain.Level{lv(100, 50)}, ack: time.Millisecond},
			},
			order: mkt(domain.Buy, 10), reason: ReasonBestNetPrice, tie: TieLatency, legs: []wantLeg{{'b', 10, 0}},
		},
		{
			name: "a measured venue beats an unmeasured one on a tie",
			venues: []testVenue{
				{asks: []domain.Level{lv(100, 50)}},
				{asks: []domain.Level{lv(100, 50)}, ack: 10 * time.Millisecond},
			},
			order: mkt(domain.Buy, 10), reason: ReasonBestNetPrice, tie: TieLatency, legs: []wantLeg{{'b', 10, 0}},
		},
		{
			name: "size beats latency",
			venues: []testVenue{
				{asks: []domain.Level{lv(100, 50)}, ack: 10 * time.Millisecond},
				{asks: []domain.Level{lv(100, 20)}, ack: time.Millisecond},
			},
			order: mkt(domain.Buy, 10), reason: ReasonBestNetPrice, tie: TieSize, legs: []wantLeg{{'a', 10, 0}},
		},
		{
			name: "everything equal: the venue listed first",
			venues: []testVenue{
				{asks: []domain.Level{lv(100, 50)}},
				{asks: []domain.Level{lv(100, 50)}},
			},
			order: mkt(domain.Buy, 10), reason: ReasonBestNetPrice, tie: TieListing, legs: []wantLeg{{'a', 10, 0}},
		},
		{
			name: "post-only maker-fee tie broken by latency",
			venues: []testVenue{
				{maker: "1", ack: 3 * time.Millisecond},
				{maker: "1", ack: 2 * time.Millisecond},
			},
			order: postOnly, reason: ReasonPostOnly, tie: TieLatency, legs: []wantLeg{{'b', 10, 9_999}},
		},
		{
			name: "a venue whose touch is beyond the limit is passed over",
			venues: []testVenue{
				{asks: []domain.Level{lv(10_002, 50)}},
				{taker: "20", asks: []domain.Level{lv(10_000, 50)}},
				{bids: []domain.Level{lv(9_000, 50)}},
			},
			order: lim(domain.Buy, 10_001, 10), reason: ReasonOnlyVenue, legs: []wantLeg{{'b', 10, 10_001}},
			skipped: "a:outside-limit c:no-quote ",
		},
		{
			name:   "no venue quotes the side: the first eligible",
			venues: []testVenue{{down: true}, {bids: []domain.Level{lv(99, 1)}}, {}},
			order:  mkt(domain.Buy, 10), reason: ReasonNoQuote, legs: []wantLeg{{'b', 10, 0}},
			skipped: "a:down ",
		},
		{
			name: "a venue that does not list the instrument is not considered",
			venues: []testVenue{
				{asks: []domain.Level{lv(90, 50)}, instruments: []domain.InstrumentID{1}},
				{asks: []domain.Level{lv(100, 50)}},
			},
			order: mkt(domain.Buy, 10), reason: ReasonOnlyVenue, legs: []wantLeg{{'b', 10, 0}},
		},
		{
			name:    "every venue down",
			venues:  []testVenue{{down: true}, {down: true}},
			order:   mkt(domain.Buy, 10),
			skipped: "a:down b:down ", err: ErrNoVenue,
		},
		{
			name:    "down and out of budget: no budget",
			venues:  []testVenue{{down: true}, {spent: true}},
			order:   mkt(domain.Buy, 10),
			skipped: "a:down b:rate-budget ", err: ErrNoBudget,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lot := tc.lot
			if lot == 0 {
				lot = 1
			}
			r := build(t, lot, tc.venues)
			d, err := r.Plan(&tc.order, t0)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v (%s)", err, tc.err, d)
			}
			if d.Reason != tc.reason || d.Tie != tc.tie {
				t.Errorf("reason %s tie %s, want %s tie %s (%s)", d.Reason, d.Tie, tc.reason, tc.tie, d)
			}
			if got := legsOf(&d); fmt.Sprint(got) != fmt.Sprint(tc.legs) {
				t.Errorf("legs %v, want %v (%s)", got, tc.legs, d)
			}
			if got := skipsOf(&d); got != tc.skipped {
				t.Errorf("skipped %q, want %q (%s)", got, tc.skipped, d)
			}
			if err == nil {
				o := tc.order
				if v, rerr := r.Route(&o, t0); rerr != nil || v != d.Legs[0].Venue {
					t.Errorf("Route = %d, %v; want Plan's first leg %d", v, rerr, d.Legs[0].Venue)
				}
			}
		})
	}
}

func TestPlanFailsOverBetweenOrders(t *testing.T) {
	r := build(t, 1, []testVenue{
		{asks: []domain.Level{lv(101, 50)}},
		{asks: []domain.Level{lv(100, 50)}},
	})
	o := mkt(domain.Buy, 10)
	if d, _ := r.Plan(&o, t0); d.Legs[0].Venue != 2 {
		t.Fatalf("first order: %s, want b", d)
	}
	r.SetConnected(2, false)
	d, err := r.Plan(&o, t0)
	if err != nil || d.Legs[0].Venue != 1 || d.NSkipped != 1 || d.Skipped[0] != (Skip{Venue: 2, Reason: SkipDown}) {
		t.Fatalf("b down: %s, %v; want a, skipped b: down", d, err)
	}
	r.SetConnected(2, true)
	if d, _ := r.Plan(&o, t0); d.Legs[0].Venue != 2 || d.NSkipped != 0 {
		t.Fatalf("b back: %s, want b", d)
	}
	// A split fails over too: with b stale, a takes it all.
	r.SetStale(2, 0, true)
	big := mkt(domain.Buy, 80)
	if d, _ := r.Plan(&big, t0); d.NLegs != 1 || d.Legs[0] != (Leg{Venue: 1, Qty: 80, Touch: 101, Net: 101 * feeUnit}) {
		t.Fatalf("b stale: %s, want all at a", d)
	}
	r.SetStale(2, 0, false)
	if d, _ := r.Plan(&big, t0); d.Reason != ReasonSplit || d.NLegs != 2 {
		t.Fatalf("b fresh: %s, want a split", d)
	}
}

func TestStateAccessors(t *testing.T) {
	r := build(t, 1, []testVenue{{}})
	r.SetStale(1, 0, true)
	r.SetReconciling(1, true)
	if !r.Stale(1, 0) || r.Stale(1, 1) || !r.Reconciling(1) || r.Stale(9, 0) || r.Reconciling(9) {
		t.Error("stale or reconciling flags not kept per venue and instrument")
	}
	if _, ok := r.AckLatency(1); ok {
		t.Error("an unmeasured venue has an ack latency")
	}
	r.ObserveAck(1, 8*time.Millisecond)
	r.ObserveAck(1, 16*time.Millisecond)
	r.ObserveAck(1, -time.Second) // ignored
	if l, ok := r.AckLatency(1); !ok || l != 9*time.Millisecond {
		t.Errorf("ack latency %v %v, want 9ms (8 + (16-8)/8)", l, ok)
	}
}

func TestDisplayedWithinLimit(t *testing.T) {
	r := build(t, 1, []testVenue{{
		bids: []domain.Level{lv(99, 1), lv(98, 2), lv(97, 4)},
		asks: []domain.Level{lv(101, 1), lv(102, 2), lv(103, 4), lv(104, 8), lv(105, 16), lv(106, 32)},
	}})
	for _, c := range []struct {
		side  domain.Side
		limit domain.Price
		want  domain.Qty
	}{
		{domain.Buy, 0, 31}, // the best Depth levels only
		{domain.Buy, 100, 0},
		{domain.Buy, 102, 3},
		{domain.Sell, 98, 3},
		{domain.Sell, 0, 7},
	} {
		if got := r.Displayed(1, 0, c.side, c.limit); got != c.want {
			t.Errorf("%s within %d: %d, want %d", c.side, c.limit, got, c.want)
		}
	}
	r.OnBook(depth(1, 0, nil, nil))
	if got := r.Displayed(1, 0, domain.Buy, 0); got != 0 {
		t.Errorf("an emptied book still displays %d", got)
	}
}

func TestNewLimits(t *testing.T) {
	if _, err := New(make([]VenueFees, MaxVenues+1), 1); !errors.Is(err, ErrTooManyVenues) {
		t.Errorf("%d venues: %v", MaxVenues+1, err)
	}
	if _, err := New([]VenueFees{{ID: 1, Name: "a", Instruments: []domain.InstrumentID{3}}}, 2); !errors.Is(err, ErrUnknownInstrument) {
		t.Errorf("a venue listing an unknown instrument: %v", err)
	}
	r, _ := New(nil, 1)
	if err := r.SetInstruments(make([]domain.Instrument, 2)); !errors.Is(err, ErrUnknownInstrument) {
		t.Errorf("SetInstruments beyond the table: %v", err)
	}
}

func TestPlanAllocatesNothing(t *testing.T) {
	r := build(t, 1, []testVenue{
		{taker: "1", asks: []domain.Level{lv(100, 5), lv(101, 5)}},
		{taker: "2", asks: []domain.Level{lv(100, 5), lv(102, 5)}},
		{down: true},
	})
	o := mkt(domain.Buy, 18)
	if n := testing.AllocsPerRun(100, func() { _, _ = r.Plan(&o, t0) }); n != 0 {
		t.Errorf("Plan allocates %v times", n)
	}
	b := depth(1, 0, nil, []domain.Level{lv(100, 5)})
	if n := testing.AllocsPerRun(100, func() { r.OnBook(b) }); n != 0 {
		t.Errorf("OnBook allocates %v times", n)
	}
}

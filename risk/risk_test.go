package risk

import (
	"errors"
	"math/rand"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/shopspring/decimal"
)

func mustInstrument(t testing.TB, id domain.InstrumentID, sym, tick, lot string) domain.Instrument {
	t.Helper()
	in, err := domain.NewInstrument(id, domain.InstrumentSpec{
		Symbol: sym, TickSize: decimal.RequireFromString(tick), LotSize: decimal.RequireFromString(lot),
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// testTree is firm -> book "b" -> strategies 0 ("s0") and 1 ("s1") over one
// instrument with cent ticks and whole lots.
func testTree(t testing.TB, firm, book, s0 Limits) *Tree {
	t.Helper()
	tr, err := NewTree(Config{
		Instruments: []domain.Instrument{mustInstrument(t, 0, "X", "0.01", "1")},
		Firm:        firm,
		Books:       []BookConfig{{Name: "b", Limits: book}},
		Strategies: []StrategyConfig{
			{ID: 0, Name: "s0", Book: "b", Limits: s0},
			{ID: 1, Name: "s1", Book: "b"},
		},
		MaxReferenceAge: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

const now = int64(1_000 * time.Second)

func order(strat domain.StrategyID, side domain.Side, typ domain.OrderType, price domain.Price, qty domain.Qty) *domain.Order {
	return &domain.Order{Strategy: strat, Side: side, Type: typ, Price: price, Qty: qty, TIF: domain.GTC}
}

func TestCheck(t *testing.T) {
	const ref = domain.Price(10_000) // 100.00
	for _, tc := range []struct {
		name          string
		firm, book, s Limits
		pos           domain.Qty // s0's position before the order
		o             *domain.Order
		ref           domain.Price
		refAge        time.Duration
		want          Reason
	}{
		{name: "no limits pass", o: order(0, domain.Buy, domain.Limit, 10_000, 5), ref: ref},
		{name: "order qty at limit", s: Limits{MaxOrderQty: d("5")}, o: order(0, domain.Buy, domain.Limit, 10_000, 5), ref: ref},
		{name: "order qty over strategy limit", s: Limits{MaxOrderQty: d("5")}, o: order(0, domain.Buy, domain.Limit, 10_000, 6), ref: ref, want: ReasonMaxOrderQty},
		{name: "order qty over book limit", book: Limits{MaxOrderQty: d("5")}, o: order(0, domain.Buy, domain.Limit, 10_000, 6), ref: ref, want: ReasonMaxOrderQty},
		{name: "order qty over firm limit", firm: Limits{MaxOrderQty: d("5")}, o: order(1, domain.Sell, domain.Limit, 10_000, 6), ref: ref, want: ReasonMaxOrderQty},
		{name: "notional at limit", s: Limits{MaxOrderNotional: d("500")}, o: order(0, domain.Buy, domain.Limit, 10_000, 5), ref: ref},
		{name: "notional over limit", s: Limits{MaxOrderNotional: d("499.99")}, o: order(0, domain.Buy, domain.Limit, 10_000, 5), ref: ref, want: ReasonMaxNotional},
		{name: "market notional valued at reference", s: Limits{MaxOrderNotional: d("499.99")}, o: order(0, domain.Buy, domain.Market, 0, 5), ref: ref, want: ReasonMaxNotional},
		{name: "market notional without reference", s: Limits{MaxOrderNotional: d("1000")}, o: order(0, domain.Buy, domain.Market, 0, 5), want: ReasonNoReference},
		{name: "collar inside", s: Limits{PriceCollarBps: d("100")}, o: order(0, domain.Buy, domain.Limit, 10_100, 1), ref: ref},
		{name: "collar outside", s: Limits{PriceCollarBps: d("100")}, o: order(0, domain.Buy, domain.Limit, 10_101, 1), ref: ref, want: ReasonPriceCollar},
		{name: "collar outside below", s: Limits{PriceCollarBps: d("100")}, o: order(0, domain.Sell, domain.Limit, 9_899, 1), ref: ref, want: ReasonPriceCollar},
		{name: "collar fractional bps", s: Limits{PriceCollarBps: d("0.5")}, o: order(0, domain.Buy, domain.Limit, 10_001, 1), ref: ref, want: ReasonPriceCollar},
		{name: "collar without reference", s: Limits{PriceCollarBps: d("100")}, o: order(0, domain.Buy, domain.Limit, 10_000, 1), want: ReasonNoReference},
		{name: "collar with stale reference", s: Limits{PriceCollarBps: d("100")}, o: order(0, domain.Buy, domain.Limit, 10_000, 1), ref: ref, refAge: 2 * time.Second, want: ReasonStaleRef},
		{name: "position up to limit", s: Limits{MaxPosition: d("10")}, pos: 5, o: order(0, domain.Buy, domain.Limit, 10_000, 5), ref: ref},
		{name: "position over limit", s: Limits{MaxPosition: d("10")}, pos: 5, o: order(0, domain.Buy, domain.Limit, 10_000, 6), ref: ref, want: ReasonMaxPosition},
		{name: "short position over limit", s: Limits{MaxPosition: d("10")}, pos: -5, o: order(0, domain.Sell, domain.Limit, 10_000, 6), ref: ref, want: ReasonMaxPosition},
		{name: "reducing an over-limit position passes", s: Limits{MaxPosition: d("10")}, pos: 15, o: order(0, domain.Sell, domain.Limit, 10_000, 2), ref: ref},
		{name: "flipping past the limit", s: Limits{MaxPosition: d("10")}, pos: 5, o: order(0, domain.Sell, domain.Limit, 10_000, 16), ref: ref, want: ReasonMaxPosition},
		{name: "book position sums strategies", book: Limits{MaxPosition: d("10")}, pos: 8, o: order(1, domain.Buy, domain.Limit, 10_000, 3), ref: ref, want: ReasonMaxPosition},
		{name: "reduce-only flag that increases", pos: 5, o: &domain.Order{Strategy: 0, Side: domain.Buy, Type: domain.Limit, Price: 10_000, Qty: 1, ReduceOnly: true}, ref: ref, want: ReasonReduceOnly},
		{name: "reduce-only flag that reduces", pos: 5, o: &domain.Order{Strategy: 0, Side: domain.Sell, Type: domain.Limit, Price: 10_000, Qty: 5, ReduceOnly: true}, ref: ref},
		{name: "unknown strategy", o: order(9, domain.Buy, domain.Limit, 10_000, 1), ref: ref, want: ReasonUnknownStrat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := testTree(t, tc.firm, tc.book, tc.s)
			if tc.pos != 0 {
				side := domain.Buy
				if tc.pos < 0 {
					side = domain.Sell
				}
				tr.OnFill(&domain.Fill{Strategy: 0, Side: side, Qty: tc.pos.Abs()})
			}
			refTime := now - int64(tc.refAge)
			if got := tr.Check(tc.o, tc.ref, refTime, now); got != tc.want {
				t.Fatalf("Check = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestStatesInheritDownwards(t *testing.T) {
	tr := testTree(t, Limits{}, Limits{}, Limits{})
	buy := order(0, domain.Buy, domain.Limit, 10_000, 1)
	for _, tc := range []struct {
		node  string
		state domain.TradingState
		want  Reason
	}{
		{"s0", domain.Halted, ReasonHalted},
		{"s0", domain.Active, Pass},
		{"b", domain.Halted, ReasonHalted},
		{"b", domain.ReduceOnly, ReasonReduceOnly},
		{"b", domain.Active, Pass},
		{FirmNode, domain.Halted, ReasonHalted},
		{FirmNode, domain.Active, Pass},
	} {
		if _, err := tr.SetState(tc.node, tc.state); err != nil {
			t.Fatal(err)
		}
		if got := tr.Check(buy, 10_000, now, now); got != tc.want {
			t.Fatalf("after %s %s: Check = %q, want %q", tc.node, tc.state, got, tc.want)
		}
	}
	// A halted strategy does not halt its sibling.
	tr.SetState("s0", domain.Halted)
	if got := tr.Check(order(1, domain.Buy, domain.Limit, 10_000, 1), 10_000, now, now); got != Pass {
		t.Fatalf("sibling of a halted strategy: Check = %q", got)
	}
	if _, err := tr.SetState("nope", domain.Halted); !errors.Is(err, ErrUnknownNode) {
		t.Fatalf("SetState(nope) = %v, want ErrUnknownNode", err)
	}
}

func TestNewTreeRejects(t *testing.T) {
	in := []domain.Instrument{mustInstrument(t, 0, "X", "0.01", "1")}
	for _, tc := range []struct {
		name string
		cfg  Config
		want error
	}{
		{"duplicate book", Config{Instruments: in, Books: []BookConfig{{Name: "b"}, {Name: "b"}}}, ErrDuplicateNode},
		{"strategy in unknown book", Config{Instruments: in, Strategies: []StrategyConfig{{Name: "s", Book: "zz"}}}, ErrUnknownNode},
		{"negative limit", Config{Instruments: in, Firm: Limits{MaxPosition: d("-1")}}, ErrBadLimit},
		{"duplicate strategy id", Config{Instruments: in, Books: []BookConfig{{Name: "b"}},
			Strategies: []StrategyConfig{{ID: 1, Name: "s", Book: "b"}, {ID: 1, Name: "t", Book: "b"}}}, ErrDuplicateNode},
	} {
		if _, err := NewTree(tc.cfg); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestNoBreachPasses is a property test: for random limits, positions and
// orders, an order Check passes never breaks a limit in force, checked
// here by brute force against the decimal limits.
func TestNoBreachPasses(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	const ref = domain.Price(10_000)
	randLimit := func(max int64) decimal.Decimal {
		if rng.Intn(3) == 0 {
			return decimal.Zero
		}
		return decimal.NewFromInt(1 + rng.Int63n(max))
	}
	for i := 0; i < 2000; i++ {
		lim := Limits{
			MaxOrderQty: randLimit(20), MaxOrderNotional: randLimit(3000),
			MaxPosition: randLimit(30), PriceCollarBps: randLimit(300),
		}
		tr := testTree(t, Limits{}, Limits{}, lim)
		pos := domain.Qty(rng.Int63n(41) - 20)
		if pos != 0 {
			side := domain.Buy
			if pos < 0 {
				side = domain.Sell
			}
			tr.OnFill(&domain.Fill{Strategy: 0, Side: side, Qty: pos.Abs()})
		}
		side := domain.Side(1 + rng.Intn(2))
		o := order(0, side, domain.Limit, ref+domain.Price(rng.Int63n(801)-400), domain.Qty(1+rng.Int63n(25)))
		if tr.Check(o, ref, now, now) != Pass {
			continue
		}
		qty := decimal.NewFromInt(int64(o.Qty))
		px := decimal.New(int64(o.Price), -2)
		next := pos + o.Qty*domain.Qty(side.Sign())
		dist := px.Sub(decimal.New(int64(ref), -2)).Abs().Div(decimal.New(int64(ref), -2)).Mul(decimal.NewFromInt(10_000))
		switch {
		case !lim.MaxOrderQty.IsZero() && qty.GreaterThan(lim.MaxOrderQty):
			t.Fatalf("case %d: qty %s over %s passed", i, qty, lim.MaxOrderQty)
		case !lim.MaxOrderNotional.IsZero() && qty.Mul(px).GreaterThan(lim.MaxOrderNotional):
			t.Fatalf("case %d: notional %s over %s passed", i, qty.Mul(px), lim.MaxOrderNotional)
		case !lim.PriceCollarBps.IsZero() && dist.GreaterThan(lim.PriceCollarBps):
			t.Fatalf("case %d: price %s is %s bps away, collar %s, passed", i, px, dist, lim.PriceCollarBps)
		case !lim.MaxPosition.IsZero() && decimal.NewFromInt(int64(next.Abs())).GreaterThan(lim.MaxPosition) && next.Abs() > pos.Abs():
			t.Fatalf("case %d: position %d -> %d over %s passed", i, pos, next, lim.MaxPosition)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	lim := Limits{MaxOrderQty: d("100"), MaxOrderNotional: d("1000000"), MaxPosition: d("1000"), PriceCollarBps: d("50")}
	tr := testTree(b, lim, lim, lim)
	o := order(0, domain.Buy, domain.Limit, 10_010, 10)
	b.ReportAllocs()
	for b.Loop() {
		if tr.Check(o, 10_000, now, now) != Pass {
			b.Fatal("denied")
		}
	}
}

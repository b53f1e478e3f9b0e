package risk

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/shopspring/decimal"
)

func mustInstrument(t testing.TB, id domain.InstrumentID, sym, class, tick, lot string) domain.Instrument {
	t.Helper()
	in, err := domain.NewInstrument(id, domain.InstrumentSpec{
		Symbol: sym, Class: class, TickSize: decimal.RequireFromString(tick), LotSize: decimal.RequireFromString(lot),
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// lim builds Limits from key=value pairs.
func lim(t testing.TB, kv ...string) Limits {
	t.Helper()
	var l Limits
	for i := 0; i < len(kv); i += 2 {
		k, err := ParseKey(kv[i])
		if err != nil {
			t.Fatal(err)
		}
		l.Set(k, d(kv[i+1]))
	}
	return l
}

// instruments: X (id 0, class "eq") and Y (id 1, class "fx"), cent ticks,
// whole lots.
func testInstruments(t testing.TB) []domain.Instrument {
	return []domain.Instrument{
		mustInstrument(t, 0, "X", "eq", "0.01", "1"),
		mustInstrument(t, 1, "Y", "fx", "0.01", "1"),
	}
}

// testTree is firm -> book "b" -> strategies 0 ("s0") and 1 ("s1").
func testTree(t testing.TB, firm, book, s0 NodeLimits) *Tree {
	t.Helper()
	tr, err := NewTree(Config{
		Instruments: testInstruments(t),
		Firm:        NodeConfig{Limits: firm},
		Books:       []NodeConfig{{Name: "b", Limits: book}},
		Strategies: []StrategyConfig{
			{ID: 0, Name: "s0", Book: "b", Limits: s0, Instruments: []domain.InstrumentID{0}},
			{ID: 1, Name: "s1", Book: "b", Instruments: []domain.InstrumentID{1}},
		},
		MaxReferenceAge: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

const now = int64(1_000_000 * time.Second) // day 11

func order(strat domain.StrategyID, side domain.Side, price domain.Price, qty domain.Qty) *domain.Order {
	return &domain.Order{Strategy: strat, Side: side, Type: domain.Limit, Price: price, Qty: qty, TIF: domain.GTC, State: domain.StateOpen}
}

// change books a change of o, made by mutate, as the engine does: its
// working part before, the change, then OnOrder with the fill if any.
func change(tr *Tree, o *domain.Order, f *domain.Fill, mutate func(o *domain.Order)) {
	was := WasOf(o)
	mutate(o)
	tr.OnOrder(o, was, f)
}

func canceled(o *domain.Order) { o.State = domain.StateCanceled }

// fill books a fill of q (negative: sold) at px for strat, as a fill of a
// working order of that side: its quantity comes out of the working
// quantity of the side, as far as there is any, and the order stays
// working.
func fill(tr *Tree, strat domain.StrategyID, i domain.InstrumentID, q domain.Qty, px domain.Price) {
	side := domain.Buy
	if q < 0 {
		side, q = domain.Sell, -q
	}
	o := &domain.Order{Strategy: strat, Instrument: i, Side: side, Qty: q, Filled: q, State: domain.StatePartiallyFilled}
	tr.OnOrder(o, OrderWas{Working: true, Leaves: q}, &domain.Fill{Strategy: strat, Instrument: i, Side: side, Qty: q, Price: px, Time: now})
}

func TestCheck(t *testing.T) {
	base := func(kv ...string) NodeLimits { return NodeLimits{Base: lim(t, kv...)} }
	for _, tc := range []struct {
		name          string
		firm, book, s NodeLimits
		pos           domain.Qty // s0's position in X before the order
		setup         func(tr *Tree)
		o             *domain.Order
		noRef         bool
		refAge        time.Duration
		want          Reason
	}{
		{name: "no limits pass", o: order(0, domain.Buy, 10_000, 5)},
		{name: "order qty at limit", s: base("max_order_qty", "5"), o: order(0, domain.Buy, 10_000, 5)},
		{name: "order qty over strategy limit", s: base("max_order_qty", "5"), o: order(0, domain.Buy, 10_000, 6), want: ReasonMaxOrderQty},
		{name: "order qty over book limit", book: base("max_order_qty", "5"), o: order(0, domain.Buy, 10_000, 6), want: ReasonMaxOrderQty},
		{name: "order qty over firm limit", firm: base("max_order_qty", "5"), o: order(1, domain.Sell, 10_000, 6), want: ReasonMaxOrderQty},
		{name: "instrument override beats class beats base", s: NodeLimits{
			Base:       lim(t, "max_order_qty", "100"),
			Class:      map[string]Limits{"eq": lim(t, "max_order_qty", "10")},
			Instrument: map[string]Limits{"X": lim(t, "max_order_qty", "3")},
		}, o: order(0, domain.Buy, 10_000, 4), want: ReasonMaxOrderQty},
		{name: "class override applies", book: NodeLimits{Class: map[string]Limits{"fx": lim(t, "max_order_qty", "2")}},
			o: &domain.Order{Strategy: 1, Instrument: 1, Side: domain.Buy, Type: domain.Limit, Price: 10_000, Qty: 3}, want: ReasonMaxOrderQty},
		{name: "class override of another class does not", book: NodeLimits{Class: map[string]Limits{"fx": lim(t, "max_order_qty", "2")}},
			o: order(0, domain.Buy, 10_000, 3)},
		{name: "notional at limit", s: base("max_order_notional", "500"), o: order(0, domain.Buy, 10_000, 5)},
		{name: "notional over limit", s: base("max_order_notional", "499.99"), o: order(0, domain.Buy, 10_000, 5), want: ReasonMaxNotional},
		{name: "market notional at the reference", s: base("max_order_notional", "499.99"),
			o: &domain.Order{Strategy: 0, Side: domain.Buy, Type: domain.Market, Qty: 5, TIF: domain.IOC}, want: ReasonMaxNotional},
		{name: "market notional without reference", s: base("max_order_notional", "1000"), noRef: true,
			o: &domain.Order{Strategy: 0, Side: domain.Buy, Type: domain.Market, Qty: 5, TIF: domain.IOC}, want: ReasonNoReference},
		{name: "collar inside", s: base("price_collar_bps", "100"), o: order(0, domain.Buy, 10_100, 1)},
		{name: "collar outside", s: base("price_collar_bps", "100"), o: order(0, domain.Buy, 10_101, 1), want: ReasonPriceCollar},
		{name: "collar outside below", s: base("price_collar_bps", "100"), o: order(0, domain.Sell, 9_899, 1), want: ReasonPriceCollar},
		{name: "collar fractional bps", s: base("price_collar_bps", "0.5"), o: order(0, domain.Buy, 10_001, 1), want: ReasonPriceCollar},
		{name: "collar without reference", s: base("price_collar_bps", "100"), noRef: true, o: order(0, domain.Buy, 10_000, 1), want: ReasonNoReference},
		{name: "collar with stale reference", s: base("price_collar_bps", "100"), refAge: 2 * time.Second, o: order(0, domain.Buy, 10_000, 1), want: ReasonStaleRef},
		{name: "position up to limit", s: base("max_position", "10"), pos: 5, o: order(0, domain.Buy, 10_000, 5)},
		{name: "position over limit", s: base("max_position", "10"), pos: 5, o: order(0, domain.Buy, 10_000, 6), want: ReasonMaxPosition},
		{name: "short position over limit", s: base("max_position", "10"), pos: -5, o: order(0, domain.Sell, 10_000, 6), want: ReasonMaxPosition},
		{name: "working orders count toward position", s: base("max_position", "10"), pos: 5,
			setup: func(tr *Tree) { tr.Admit(order(0, domain.Buy, 9_990, 4), now) }, o: order(0, domain.Buy, 10_000, 2), want: ReasonMaxPosition},
		{name: "reducing an over-limit position passes", s: base("max_position", "10"), pos: 15, o: order(0, domain.Sell, 10_000, 2)},
		{name: "flipping past the limit", s: base("max_position", "10"), pos: 5, o: order(0, domain.Sell, 10_000, 16), want: ReasonMaxPosition},
		{name: "book position sums strategies", book: base("max_position", "10"),
			setup: func(tr *Tree) { fill(tr, 1, 0, 8, 10_000) }, o: order(0, domain.Buy, 10_000, 3), want: ReasonMaxPosition},
		{name: "gross exposure", book: base("max_gross_exposure", "1000"),
			setup: func(tr *Tree) { fill(tr, 1, 1, -8, 10_000) }, o: order(0, domain.Buy, 10_000, 3), want: ReasonMaxGross},
		{name: "gross exposure within", book: base("max_gross_exposure", "1100"),
			setup: func(tr *Tree) { fill(tr, 1, 1, -8, 10_000) }, o: order(0, domain.Buy, 10_000, 3)},
		{name: "net exposure offsets", book: base("max_net_exposure", "500"),
			setup: func(tr *Tree) { fill(tr, 1, 1, -8, 10_000) }, o: order(0, domain.Buy, 10_000, 12)},
		{name: "net exposure may shrink above the limit", book: base("max_net_exposure", "500"),
			setup: func(tr *Tree) { fill(tr, 1, 1, -8, 10_000) }, o: order(0, domain.Buy, 10_000, 14)}, // |net| shrinks from 800 to 600
		{name: "net exposure over", book: base("max_net_exposure", "500"),
			setup: func(tr *Tree) { fill(tr, 1, 1, -8, 10_000) }, o: order(0, domain.Buy, 10_000, 20), want: ReasonMaxNet},
		{name: "open orders", firm: base("max_open_orders", "2"), setup: func(tr *Tree) {
			tr.Admit(order(0, domain.Buy, 9_990, 1), now)
			tr.Admit(order(1, domain.Buy, 9_990, 1), now)
		}, o: order(0, domain.Buy, 10_000, 1), want: ReasonMaxOpenOrders},
		{name: "order rate", s: base("max_orders_per_sec", "2"), setup: func(tr *Tree) {
			tr.Admit(order(0, domain.Buy, 9_990, 1), now)
			tr.Admit(order(0, domain.Buy, 9_980, 1), now)
		}, o: order(0, domain.Buy, 10_000, 1), want: ReasonOrderRate},
		{name: "message rate counts cancels", book: base("max_messages_per_sec", "2"), setup: func(tr *Tree) {
			tr.Admit(order(0, domain.Buy, 9_990, 1), now)
			tr.OnMessage(1, now)
		}, o: order(0, domain.Buy, 10_000, 1), want: ReasonMessageRate},
		{name: "duplicate within window", s: base("duplicate_window_ms", "500"),
			setup: func(tr *Tree) { tr.Admit(order(0, domain.Buy, 10_000, 1), now-int64(100*time.Millisecond)) },
			o:     order(0, domain.Buy, 10_000, 1), want: ReasonDuplicate},
		{name: "duplicate after window", s: base("duplicate_window_ms", "500"),
			setup: func(tr *Tree) { tr.Admit(order(0, domain.Buy, 10_000, 1), now-int64(600*time.Millisecond)) },
			o:     order(0, domain.Buy, 10_000, 1)},
		{name: "different price is no duplicate", s: base("duplicate_window_ms", "500"),
			setup: func(tr *Tree) { tr.Admit(order(0, domain.Buy, 10_000, 1), now) }, o: order(0, domain.Buy, 10_001, 1)},
		{name: "reduce-only flag that increases", pos: 5, o: &domain.Order{Strategy: 0, Side: domain.Buy, Type: domain.Limit, Price: 10_000, Qty: 1, ReduceOnly: true}, want: ReasonReduceOnly},
		{name: "reduce-only flag that reduces", pos: 5, o: &domain.Order{Strategy: 0, Side: domain.Sell, Type: domain.Limit, Price: 10_000, Qty: 5, ReduceOnly: true}},
		{name: "unknown strategy", o: order(9, domain.Buy, 10_000, 1), want: ReasonUnknownStrat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := testTree(t, tc.firm, tc.book, tc.s)
			if !tc.noRef {
				tr.OnMark(0, 10_000, now-int64(tc.refAge))
				tr.OnMark(1, 10_000, now-int64(tc.refAge))
			}
			if tc.pos != 0 {
				fill(tr, 0, 0, tc.pos, 10_000)
			}
			if tc.setup != nil {
				tc.setup(tr)
			}
			if got := tr.Check(tc.o, now); got != tc.want {
				t.Fatalf("Check = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRestrictedAllowsOnlyReducing(t *testing.T) {
	tr, err := NewTree(Config{
		Instruments: testInstruments(t),
		Books:       []NodeConfig{{Name: "b", Restricted: []string{"X"}}},
		Strategies:  []StrategyConfig{{ID: 0, Name: "s0", Book: "b"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Check(order(0, domain.Buy, 10_000, 1), now); got != ReasonRestricted {
		t.Fatalf("opening a restricted instrument: %q", got)
	}
	fill(tr, 0, 0, 3, 10_000)
	if got := tr.Check(order(0, domain.Sell, 10_000, 3), now); got != Pass {
		t.Fatalf("reducing a restricted instrument: %q", got)
	}
	if got := tr.Check(order(0, domain.Buy, 10_000, 1), now); got != ReasonRestricted {
		t.Fatalf("adding to a restricted instrument: %q", got)
	}
}

func TestStatesInheritDownwards(t *testing.T) {
	tr := testTree(t, NodeLimits{}, NodeLimits{}, NodeLimits{})
	tr.OnMark(0, 10_000, now)
	buy := order(0, domain.Buy, 10_000, 1)
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
		if got := tr.Check(buy, now); got != tc.want {
			t.Fatalf("after %s %s: Check = %q, want %q", tc.node, tc.state, got, tc.want)
		}
	}
	tr.SetState("s0", domain.Halted)
	if got := tr.Check(order(1, domain.Buy, 10_000, 1), now); got != Pass {
		t.Fatalf("sibling of a halted strategy: Check = %q", got)
	}
	if _, err := tr.SetState("nope", domain.Halted); !errors.Is(err, ErrUnknownNode) {
		t.Fatalf("SetState(nope) = %v, want ErrUnknownNode", err)
	}
}

func TestBuckets(t *testing.T) {
	tr := testTree(t, NodeLimits{}, NodeLimits{}, NodeLimits{Base: lim(t, "max_orders_per_sec", "3")})
	o := order(0, domain.Buy, 10_000, 1)
	for k := 0; k < 3; k++ {
		if got := tr.Check(o, now); got != Pass {
			t.Fatalf("order %d of a burst of 3: %q", k, got)
		}
		tr.Admit(o, now)
	}
	if got := tr.Check(o, now); got != ReasonOrderRate {
		t.Fatalf("4th order in the same instant: %q", got)
	}
	if got := tr.Check(o, now+int64(time.Second)/3+1); got != Pass {
		t.Fatalf("after a third of a second one token is back: %q", got)
	}
}

func TestOpenOrdersCountUpAndDown(t *testing.T) {
	tr := testTree(t, NodeLimits{}, NodeLimits{}, NodeLimits{})
	a, b := order(0, domain.Buy, 10_000, 5), order(0, domain.Sell, 10_100, 2)
	tr.Admit(a, now)
	tr.Admit(b, now)
	s0, book := tr.Strategy(0), tr.firm
	if s0.OpenOrders() != 2 || book.OpenOrders() != 2 || s0.buyWork[0] != 5 || s0.sellWork[0] != 2 {
		t.Fatalf("after admits: open %d/%d work %d/%d", s0.OpenOrders(), book.OpenOrders(), s0.buyWork[0], s0.sellWork[0])
	}
	change(tr, a, &domain.Fill{Strategy: 0, Instrument: 0, Side: domain.Buy, Qty: 3, Price: 10_000}, func(o *domain.Order) {
		o.Filled, o.State = 3, domain.StatePartiallyFilled
	})
	if s0.buyWork[0] != 2 || s0.Position(0) != 3 {
		t.Fatalf("after a fill: work %d pos %d", s0.buyWork[0], s0.Position(0))
	}
	change(tr, a, nil, canceled) // canceled with 2 left
	change(tr, b, nil, canceled)
	if s0.OpenOrders() != 0 || s0.buyWork[0] != 0 || s0.sellWork[0] != 0 {
		t.Fatalf("after done: open %d work %d/%d", s0.OpenOrders(), s0.buyWork[0], s0.sellWork[0])
	}
}

func TestNewTreeRejects(t *testing.T) {
	in := testInstruments(t)
	for _, tc := range []struct {
		name string
		cfg  Config
		want error
	}{
		{"duplicate book", Config{Instruments: in, Books: []NodeConfig{{Name: "b"}, {Name: "b"}}}, ErrDuplicateNode},
		{"strategy in unknown book", Config{Instruments: in, Strategies: []StrategyConfig{{Name: "s", Book: "zz"}}}, ErrUnknownNode},
		{"negative limit", Config{Instruments: in, Firm: NodeConfig{Limits: NodeLimits{Base: lim(t, "max_position", "-1")}}}, ErrBadValue},
		{"above cap", Config{Instruments: in, Caps: lim(t, "max_position", "10"), Firm: NodeConfig{Limits: NodeLimits{Base: lim(t, "max_position", "11")}}}, ErrAboveCap},
		{"unknown class", Config{Instruments: in, Firm: NodeConfig{Limits: NodeLimits{Class: map[string]Limits{"bonds": lim(t, "max_position", "1")}}}}, ErrBadScope},
		{"whole-node key per instrument", Config{Instruments: in, Firm: NodeConfig{Limits: NodeLimits{Instrument: map[string]Limits{"X": lim(t, "max_open_orders", "1")}}}}, ErrBadScope},
		{"unknown restricted", Config{Instruments: in, Firm: NodeConfig{Restricted: []string{"Z"}}}, ErrBadScope},
		{"duplicate strategy id", Config{Instruments: in, Books: []NodeConfig{{Name: "b"}},
			Strategies: []StrategyConfig{{ID: 1, Name: "s", Book: "b"}, {ID: 1, Name: "t", Book: "b"}}}, ErrDuplicateNode},
	} {
		if _, err := NewTree(tc.cfg); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestSetLimit(t *testing.T) {
	tr, err := NewTree(Config{
		Instruments: testInstruments(t),
		Caps:        lim(t, "max_position", "100"),
		Books:       []NodeConfig{{Name: "b"}},
		Strategies:  []StrategyConfig{{ID: 0, Name: "s0", Book: "b"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tr.OnMark(0, 10_000, now)
	o := order(0, domain.Buy, 10_000, 5)
	for _, tc := range []struct {
		node, scope string
		key         Key
		v           string
		want        error
	}{
		{"nobody", "", MaxPosition, "1", ErrUnknownNode},
		{"s0", "", MaxPosition, "-1", ErrBadValue},
		{"s0", "", MaxOpenOrders, "1.5", ErrBadValue},
		{"s0", "", MaxPosition, "101", ErrAboveCap},
		{"s0", "instrument:Z", MaxPosition, "1", ErrBadScope},
		{"s0", "class:none", MaxPosition, "1", ErrBadScope},
		{"s0", "sector:eq", MaxPosition, "1", ErrBadScope},
		{"s0", "instrument:X", MaxOpenOrders, "1", ErrBadScope},
	} {
		if _, err := tr.SetLimit(tc.node, tc.scope, tc.key, d(tc.v)); !errors.Is(err, tc.want) {
			t.Errorf("SetLimit(%s, %q, %s, %s) = %v, want %v", tc.node, tc.scope, tc.key, tc.v, err, tc.want)
		}
		if got := tr.Check(o, now); got != Pass {
			t.Fatalf("a refused edit changed the checks: %q", got)
		}
	}
	if _, err := ParseValue(MaxPosition, "lots"); !errors.Is(err, ErrBadValue) {
		t.Fatalf("ParseValue(lots) = %v", err)
	}
	if _, err := ParseKey("max_positon"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("ParseKey(typo) = %v", err)
	}
	old, err := tr.SetLimit("s0", "instrument:X", MaxPosition, d("4"))
	if err != nil || !old.IsZero() {
		t.Fatalf("SetLimit = %v, %v", old, err)
	}
	if got := tr.Check(o, now); got != ReasonMaxPosition {
		t.Fatalf("after lowering the limit: %q", got)
	}
	if got := tr.Check(&domain.Order{Strategy: 0, Instrument: 1, Side: domain.Buy, Type: domain.Limit, Price: 10_000, Qty: 5}, now); got == ReasonMaxPosition {
		t.Fatalf("an instrument override leaked to another instrument")
	}
	old, err = tr.SetLimit("s0", "instrument:X", MaxPosition, d("0"))
	if err != nil || !old.Equal(d("4")) {
		t.Fatalf("removing: %v, %v", old, err)
	}
	if got := tr.Check(o, now); got != Pass {
		t.Fatalf("after removing the limit: %q", got)
	}
}

func TestBreakers(t *testing.T) {
	tr, err := NewTree(Config{
		Instruments: testInstruments(t),
		Breakers:    map[Breaker]BreakerAction{BreakerDrawdown: {Action: domain.ReduceOnly}},
		Books:       []NodeConfig{{Name: "b", Limits: NodeLimits{Base: lim(t, "max_daily_loss", "50", "max_rejects_per_min", "2")}}},
		Strategies: []StrategyConfig{
			{ID: 0, Name: "s0", Book: "b", Instruments: []domain.InstrumentID{0}, Limits: NodeLimits{Base: lim(t, "max_drawdown", "20", "max_denials_per_min", "1")}},
			{ID: 1, Name: "s1", Book: "b", Instruments: []domain.InstrumentID{1}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	tr.OnMark(0, 10_000, now)
	if trips, rolled := tr.Evaluate(now); len(trips) != 0 || len(rolled) != 3+1 {
		t.Fatalf("first evaluate: trips %v, rolled %d nodes", trips, len(rolled))
	}
	fill(tr, 0, 0, 10, 10_000) // long 10 at 100
	tr.OnMark(0, 10_300, now)  // up 30: high-water mark
	if trips, _ := tr.Evaluate(now); len(trips) != 0 {
		t.Fatalf("in profit: %v", trips)
	}
	tr.OnMark(0, 10_050, now) // down 25 from the peak, still +5 on the day
	trips, _ := tr.Evaluate(now)
	if len(trips) != 1 || trips[0].Breaker != BreakerDrawdown || trips[0].Node.Name() != "s0" || trips[0].Action != domain.ReduceOnly || trips[0].Cancel {
		t.Fatalf("drawdown: %+v", trips)
	}
	if s := tr.Strategy(0).Effective(); s != domain.ReduceOnly {
		t.Fatalf("s0 after drawdown trip: %s", s)
	}
	if trips, _ := tr.Evaluate(now); len(trips) != 0 {
		t.Fatalf("a tripped breaker tripped again: %v", trips)
	}
	tr.OnMark(0, 9_400, now) // 60 down on the day for the book
	trips, _ = tr.Evaluate(now)
	if len(trips) != 1 || trips[0].Breaker != BreakerDailyLoss || trips[0].Node.Name() != "b" || !trips[0].Cancel {
		t.Fatalf("daily loss: %+v", trips)
	}
	if s := tr.Strategy(1).Effective(); s != domain.Halted {
		t.Fatalf("a strategy under a tripped book: %s", s)
	}
	// Reject storm: the third reject in a minute trips the book.
	tr.OnReject(1, now)
	tr.OnReject(1, now)
	if trips := tr.OnReject(1, now); len(trips) != 1 || trips[0].Breaker != BreakerRejectStorm {
		t.Fatalf("reject storm: %+v", trips)
	}
	if trips := tr.OnDenied(0, ReasonMaxPosition, now); len(trips) != 0 {
		t.Fatalf("a non-rate denial counted: %+v", trips)
	}
	tr.OnDenied(0, ReasonOrderRate, now)
	if trips := tr.OnDenied(0, ReasonOrderRate, now); len(trips) != 1 || trips[0].Breaker != BreakerRateStorm {
		t.Fatalf("order-rate storm: %+v", trips)
	}
	// Stale data trips only the strategies trading the instrument.
	if trips := tr.Stale(1, true, now); len(trips) != 1 || trips[0].Node.Name() != "s1" || trips[0].Breaker != BreakerStaleData {
		t.Fatalf("stale: %+v", trips)
	}
	if trips := tr.Stale(1, false, now); len(trips) != 0 {
		t.Fatalf("recovery tripped: %+v", trips)
	}
	if got := tr.Strategy(1).Trips(); len(got) != 1 || got[0] != BreakerStaleData {
		t.Fatalf("s1 trips %v", got)
	}
	// Resets.
	if _, err := tr.Reset("s1", BreakerDrawdown); !errors.Is(err, ErrNotTripped) {
		t.Fatalf("reset of an untripped breaker: %v", err)
	}
	cleared, err := tr.Reset("b", 0)
	if err != nil || len(cleared) != 2 {
		t.Fatalf("reset b: %v %v", cleared, err)
	}
	if _, err := tr.Reset("s0", 0); err != nil {
		t.Fatal(err)
	}
	tr.Reset("s1", 0)
	if s := tr.Strategy(0).Effective(); s != domain.Active {
		t.Fatalf("after resets: %s", s)
	}
	if trips := tr.VenueDown("v", now); len(trips) != 1 || trips[0].Action != domain.ReduceOnly || tr.firm.Effective() != domain.ReduceOnly {
		t.Fatalf("venue down: %+v", trips)
	}
	if trips := tr.JournalFailed(now); len(trips) != 1 || tr.Strategy(0).Effective() != domain.Halted {
		t.Fatalf("journal failed: %+v", trips)
	}
	// The operator's own state and the breakers combine.
	tr.Reset(FirmNode, 0)
	tr.SetState("s0", domain.ReduceOnly)
	if err := tr.Trip("s0", BreakerStaleData, 0, "restored"); err != nil {
		t.Fatal(err)
	}
	if s := tr.Strategy(0).Effective(); s != domain.Halted {
		t.Fatalf("operator reduce-only + halting breaker: %s", s)
	}
	tr.Reset("s0", 0)
	if s := tr.Strategy(0).Effective(); s != domain.ReduceOnly {
		t.Fatalf("after reset the operator's state stays: %s", s)
	}
}

func TestDailyLossSurvivesRestartThroughDayBase(t *testing.T) {
	tr := testTree(t, NodeLimits{Base: lim(t, "max_daily_loss", "50")}, NodeLimits{}, NodeLimits{})
	tr.OnMark(0, 10_000, now)
	fill(tr, 0, 0, 10, 10_000)
	tr.Evaluate(now)
	day, base := tr.firm.DayBase()

	// A restart replays the fill, then the journaled baseline.
	tr2 := testTree(t, NodeLimits{Base: lim(t, "max_daily_loss", "50")}, NodeLimits{}, NodeLimits{})
	fill(tr2, 0, 0, 10, 10_000)
	if err := tr2.SetDayBase(FirmNode, day, base); err != nil {
		t.Fatal(err)
	}
	tr2.OnMark(0, 9_400, now+1) // 60 down
	trips, rolled := tr2.Evaluate(now + 1)
	if len(trips) != 1 || trips[0].Breaker != BreakerDailyLoss || trips[0].Node != tr2.firm {
		t.Fatalf("after restart: trips %+v", trips)
	}
	for _, n := range rolled {
		if n == tr2.firm {
			t.Fatal("the restored baseline was rolled over")
		}
	}
}

func TestRestoreWorkingAndReplace(t *testing.T) {
	tr := testTree(t, NodeLimits{}, NodeLimits{}, NodeLimits{Base: lim(t, "max_position", "10", "max_open_orders", "2")})
	tr.OnMark(0, 10_000, now)
	o := order(0, domain.Buy, 9_990, 6)
	tr.OnOrder(o, OrderWas{}, nil) // restored, working
	s0 := tr.Strategy(0)
	if s0.OpenOrders() != 1 || s0.buyWork[0] != 6 || tr.firm.buyWork[0] != 6 {
		t.Fatalf("restored: open %d work %d firm %d", s0.OpenOrders(), s0.buyWork[0], tr.firm.buyWork[0])
	}
	if got := tr.Check(order(0, domain.Buy, 10_000, 5), now); got != ReasonMaxPosition {
		t.Fatalf("a restored working order does not count: %q", got)
	}
	change(tr, o, nil, func(o *domain.Order) { o.Qty = 2 }) // the venue confirmed a replace down to 2
	if s0.buyWork[0] != 2 || tr.firm.buyWork[0] != 2 {
		t.Fatalf("after replace: work %d firm %d", s0.buyWork[0], tr.firm.buyWork[0])
	}
	if got := tr.Check(order(0, domain.Buy, 10_000, 5), now); got != Pass {
		t.Fatalf("after shrinking the working order: %q", got)
	}
	change(tr, o, nil, canceled)
	if s0.OpenOrders() != 0 || s0.buyWork[0] != 0 {
		t.Fatalf("after done: open %d work %d", s0.OpenOrders(), s0.buyWork[0])
	}
}

// TestLateFillKeepsOtherWorkingOrders: a fill after its order finished
// moves the position but not the working quantity of other orders.
func TestLateFillKeepsOtherWorkingOrders(t *testing.T) {
	tr := testTree(t, NodeLimits{}, NodeLimits{}, NodeLimits{})
	done := order(0, domain.Buy, 9_990, 5)
	other := order(0, domain.Buy, 9_980, 4)
	tr.Admit(done, now)
	tr.Admit(other, now)
	change(tr, done, nil, canceled) // canceled with 5 left
	change(tr, done, &domain.Fill{Strategy: 0, Instrument: 0, Side: domain.Buy, Qty: 2, Price: 9_990}, func(o *domain.Order) { o.Filled += 2 })
	s0 := tr.Strategy(0)
	if s0.Position(0) != 2 || s0.buyWork[0] != 4 {
		t.Fatalf("position %d, working %d; want 2 and the other order's 4", s0.Position(0), s0.buyWork[0])
	}
}

// TestNegativePriceCountsItsSize: a sell at a negative limit price is as
// large as one at the positive price. Found by review: the signed notional
// let any size through max_order_notional.
func TestNegativePriceCountsItsSize(t *testing.T) {
	tr := testTree(t, NodeLimits{}, NodeLimits{}, NodeLimits{Base: lim(t, "max_order_notional", "1000")})
	tr.OnMark(0, 10_000, now)
	for _, px := range []domain.Price{10_000, -10_000} {
		if got := tr.Check(order(0, domain.Sell, px, 1_000_000), now); got != ReasonMaxNotional {
			t.Errorf("sell 1000000 @ %d: %q, want %q", px, got, ReasonMaxNotional)
		}
	}
}

// TestNodePositionSaturates: fills past the largest quantity leave every
// node's position huge and of the right sign, as the strategy's is.
func TestNodePositionSaturates(t *testing.T) {
	tr := testTree(t, NodeLimits{}, NodeLimits{}, NodeLimits{})
	for range 3 {
		fill(tr, 0, 0, math.MaxInt64/2, 10_000)
	}
	for n := tr.Strategy(0); n != nil; n = n.Parent() {
		if q := n.Position(0); q < math.MaxInt64/2 {
			t.Fatalf("%s position %d after three fills of MaxInt64/2: wrapped", n.Name(), q)
		}
	}
	if p := tr.Position(0, 0); p.Qty < math.MaxInt64/2 {
		t.Fatalf("strategy ledger position %d: wrapped", p.Qty)
	}
}

// TestDriftIsCounted: releasing an order twice is clamped, and counted.
func TestDriftIsCounted(t *testing.T) {
	tr := testTree(t, NodeLimits{}, NodeLimits{}, NodeLimits{})
	o := order(0, domain.Buy, 10_000, 5)
	tr.Admit(o, now)
	change(tr, o, nil, canceled)
	if tr.Drift() != 0 {
		t.Fatalf("drift %d after a clean cancel", tr.Drift())
	}
	tr.OnOrder(o, OrderWas{Working: true, Leaves: 5}, nil) // released again
	if s0 := tr.Strategy(0); s0.OpenOrders() != 0 || s0.buyWork[0] != 0 || tr.Drift() == 0 {
		t.Fatalf("after a double release: open %d work %d drift %d; want 0, 0, counted", s0.OpenOrders(), s0.buyWork[0], tr.Drift())
	}
}

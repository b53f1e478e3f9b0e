package risk

import (
	"reflect"
	"testing"

	"github.com/desk-trading/desk/core/domain"
)

// TestUseFigures: each limit set on a node shows its use as Check counts
// it, in key order; per-order limits and unset ones are left out.
func TestUseFigures(t *testing.T) {
	s0 := NodeLimits{Base: lim(t, "max_position", "10", "max_order_qty", "5", "max_open_orders", "4",
		"max_orders_per_sec", "10", "max_daily_loss", "100", "max_gross_exposure", "1000", "max_rejects_per_min", "3")}
	tr := testTree(t, NodeLimits{Base: lim(t, "max_net_exposure", "500")}, NodeLimits{}, s0)
	tr.OnMark(0, 10_000, now)
	fill(tr, 0, 0, 6, 10_000) // long 6 X at 100.00
	tr.Admit(order(0, domain.Buy, 9_990, 1), now)
	tr.Admit(order(0, domain.Buy, 9_990, 1), now)
	tr.OnMark(0, 9_000, now) // down 10.00 a share: a loss of 60
	tr.OnReject(0, now)

	s, _ := tr.Node("s0")
	got := tr.Use(s, now, nil)
	want := []LimitUse{
		{Key: MaxPosition, Instrument: 0, Limit: 10, Used: 8}, // 6 held and 2 working to buy
		{Key: MaxGrossExposure, Limit: 1000 * 1e8, Used: 540 * 1e8},
		{Key: MaxOpenOrders, Limit: 4, Used: 2},
		{Key: MaxOrdersPerSec, Limit: 10, Used: 2},
		{Key: MaxDailyLoss, Limit: 100 * 1e8, Used: 60 * 1e8},
		{Key: MaxRejectsPerMin, Limit: 3, Used: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("use\n%+v\nwant\n%+v", got, want)
	}
	if r := got[0].Ratio(); r != 0.8 {
		t.Fatalf("max_position ratio %v, want 0.8", r)
	}
	if u := tr.Use(tr.Firm(), now, nil); len(u) != 1 || u[0] != (LimitUse{Key: MaxNetExposure, Limit: 500 * 1e8, Used: 540 * 1e8}) {
		t.Fatalf("firm use %+v", u)
	}
	if b, _ := tr.Node("b"); len(tr.Use(b, now, nil)) != 0 {
		t.Fatalf("a node without limits shows use")
	}
	if n := testing.AllocsPerRun(100, func() { tr.Use(s, now, got[:0]) }); n != 0 {
		t.Fatalf("Use allocates %v times with room in dst", n)
	}
}

// A strategy flat everywhere shows max_position at an instrument it
// trades, not at the first instrument the limit covers.
func TestPositionUseOfAFlatStrategyNamesWhatItTrades(t *testing.T) {
	tr, err := NewTree(Config{
		Instruments: testInstruments(t),
		Books:       []NodeConfig{{Name: "b"}},
		Strategies: []StrategyConfig{{ID: 0, Name: "s0", Book: "b", Limits: NodeLimits{Base: lim(t, "max_position", "10")},
			Instruments: []domain.InstrumentID{1}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Node("s0")
	if u := tr.Use(s, now, nil); len(u) != 1 || u[0].Instrument != 1 || u[0].Used != 0 {
		t.Fatalf("use %+v, want max_position at instrument 1", u)
	}
}

// A minute counter's total is the events of the last sixty seconds, the
// quiet counter's shortcut included.
func TestMinuteCounterTotal(t *testing.T) {
	var m minuteCounter
	const sec = int64(second)
	if m.total(100*sec) != 0 {
		t.Fatal("an unused counter counts")
	}
	m.add(100 * sec)
	m.add(100*sec + 1)
	m.add(130 * sec)
	for _, tc := range []struct{ at, want int64 }{
		{100 * sec, 2}, {130 * sec, 3}, {159 * sec, 3}, {160 * sec, 1}, {189 * sec, 1}, {190 * sec, 0}, {10_000 * sec, 0},
	} {
		if got := m.total(tc.at); got != tc.want {
			t.Errorf("total at %ds = %d, want %d", tc.at/sec, got, tc.want)
		}
	}
}

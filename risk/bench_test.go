package risk

import (
	"fmt"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/desk-trading/desk/core/domain"
)

// benchTree is a three-level tree with ten pre-trade limits at every level
// and one strategy that holds a position and working orders.
func benchTree(b *testing.B) *Tree {
	ten := lim(b,
		"max_order_qty", "100", "max_order_notional", "1000000", "price_collar_bps", "50",
		"max_position", "10000", "max_gross_exposure", "100000000", "max_net_exposure", "100000000",
		"max_open_orders", "100000", "max_orders_per_sec", "1000000000", "max_messages_per_sec", "1000000000",
		"duplicate_window_ms", "1")
	tr, err := NewTree(Config{
		Instruments: testInstruments(b),
		Firm:        NodeConfig{Limits: NodeLimits{Base: ten}},
		Books:       []NodeConfig{{Name: "b", Limits: NodeLimits{Base: ten}}},
		Strategies:  []StrategyConfig{{ID: 0, Name: "s0", Book: "b", Limits: NodeLimits{Base: ten}}},
	})
	if err != nil {
		b.Fatal(err)
	}
	tr.OnMark(0, 10_000, now)
	tr.OnMark(1, 10_000, now)
	fill(tr, 0, 0, 40, 10_000)
	fill(tr, 0, 1, -25, 10_000)
	tr.Admit(order(0, domain.Buy, 9_990, 5), now-int64(time.Second))
	return tr
}

// BenchmarkCheckTree is the full pre-trade check of one order against a
// three-level tree with ten limits at each level. ns/op is the mean;
// p50-ns, p99-ns and p999-ns are percentiles of single checks, each timed
// alone between two reads of the monotonic clock (domain.Mono), and
// clock-ns is the median of the same two reads around nothing, measured in
// the same run: the part of each single figure that is the clock's.
func BenchmarkCheckTree(b *testing.B) {
	tr := benchTree(b)
	o := order(0, domain.Buy, 10_010, 10)
	checks := hdrhistogram.New(1, int64(time.Second), 3)
	clock := hdrhistogram.New(1, int64(time.Second), 3)
	b.ReportAllocs()
	for b.Loop() {
		start := domain.Mono()
		r := tr.Check(o, now)
		end := domain.Mono()
		if r != Pass {
			b.Fatal("denied")
		}
		_ = checks.RecordValue(max(1, end-start))
		start = domain.Mono()
		_ = clock.RecordValue(max(1, domain.Mono()-start))
	}
	q := checks.ValueAtPercentilesSlice([]float64{50, 99, 99.9})
	b.ReportMetric(float64(q[0]), "p50-ns")
	b.ReportMetric(float64(q[1]), "p99-ns")
	b.ReportMetric(float64(q[2]), "p999-ns")
	b.ReportMetric(float64(clock.ValueAtQuantile(50)), "clock-ns")
}

// BenchmarkCheckAdmit is what an order that goes out costs risk: Check,
// Admit, and OnOrder when it finishes.
func BenchmarkCheckAdmit(b *testing.B) {
	tr := benchTree(b)
	o := order(0, domain.Buy, 10_010, 10)
	b.ReportAllocs()
	t := now
	for i := 0; b.Loop(); i++ {
		t += 2_000_000 // 2ms apart: outside the duplicate window
		if i%1024 == 0 {
			tr.OnMark(0, 10_000, t) // keep the reference fresh
		}
		if r := tr.Check(o, t); r != Pass {
			b.Fatal("denied: ", r)
		}
		tr.Admit(o, t)
		o.State = domain.StateCanceled
		tr.OnOrder(o, OrderWas{Working: true, Leaves: o.Qty}, nil)
		o.State = domain.StateOpen
	}
}

// BenchmarkOnMark500 is one mark that moves, of one instrument out of 100,
// on a tree of 500 strategies in ten books, each holding positions in 4
// instruments (so 20 strategies, their books and the firm hold any one).
func BenchmarkOnMark500(b *testing.B) {
	var insts []domain.Instrument
	for i := range 100 {
		insts = append(insts, mustInstrument(b, domain.InstrumentID(i), fmt.Sprintf("I%d", i), "eq", "0.01", "1"))
	}
	cfg := Config{Instruments: insts}
	for k := range 10 {
		cfg.Books = append(cfg.Books, NodeConfig{Name: fmt.Sprintf("b%d", k)})
	}
	for s := range 500 {
		cfg.Strategies = append(cfg.Strategies, StrategyConfig{ID: domain.StrategyID(s), Name: fmt.Sprintf("s%d", s), Book: fmt.Sprintf("b%d", s%10)})
	}
	tr, err := NewTree(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for i := range domain.InstrumentID(100) {
		tr.OnMark(i, 10_000, now)
	}
	for s := range 500 {
		for k := range 4 {
			fill(tr, domain.StrategyID(s), domain.InstrumentID((s*4+k)%100), 5, 10_000)
		}
	}
	b.ReportAllocs()
	px := domain.Price(10_000)
	for b.Loop() {
		px = 20_001 - px // moves every time
		tr.OnMark(7, px, now)
	}
}

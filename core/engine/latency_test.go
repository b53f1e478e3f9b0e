package engine

import (
	"math/rand/v2"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// TestLatencyRecentWindow checks that the recent figures are those of the
// last complete window only (a Recent with Count 0 is none).
func TestLatencyRecentWindow(t *testing.T) {
	const w = int64(1e9)
	l := newLatency(w)
	l.rotate(1) // the first window starts
	l.record(StageInbox, 10, 1_010)
	if got := l.appendSnapshot(nil); len(got) != 1 || got[0].Recent.Count != 0 {
		t.Fatalf("before the first window ends: %+v, want since-start only", got)
	}
	l.rotate(1 + w/2)
	if got := l.appendSnapshot(nil); got[0].Recent.Count != 0 {
		t.Fatalf("rotated before the window was due: %+v", got[0].Recent)
	}
	l.rotate(1 + w)
	l.record(StageInbox, 10, 5_010) // in the next window
	got := l.appendSnapshot(nil)[0]
	if got.Count != 2 || got.Recent.Count != 1 || got.Recent.Max < 990 || got.Recent.Max > 1_010 || l.window != 1e9 {
		t.Fatalf("after the first window: %+v recent %+v; want 2 since start, 1 recent of 1000ns", got, got.Recent)
	}
	l.rotate(1 + 2*w)
	if r := l.appendSnapshot(nil)[0].Recent; r.Count != 1 || r.Max < 4_990 {
		t.Fatalf("after the second window: %+v, want the 5000ns sample alone", r)
	}
	l.rotate(1 + 3*w) // an empty window
	if r := l.appendSnapshot(nil)[0].Recent; r.Count != 0 {
		t.Fatalf("after an empty window: %+v, want none", r)
	}
}

// TestLatencyMaxIsQ100: the snapshot takes a histogram's maximum as its
// 100th percentile, which must be exactly what Max returns (Max walks
// every bucket, the percentile stops at the last sample).
func TestLatencyMaxIsQ100(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 1))
		h := hdrhistogram.New(1, latencyMax, 2)
		for range 1 + rng.IntN(300) {
			var v int64
			switch rng.IntN(4) {
			case 0:
				v = 1 + rng.Int64N(1_000)
			case 1:
				v = 1 + rng.Int64N(1e6)
			case 2:
				v = 1 + rng.Int64N(latencyMax)
			default:
				v = latencyMax
			}
			_ = h.RecordValue(v)
		}
		// Max walks every bucket (which is why the engine does not call
		// it): once a distribution.
		if a, b := h.Max(), h.ValueAtQuantile(100); a != b {
			t.Fatalf("seed %d: Max %d, 100th percentile %d", seed, a, b)
		}
	}
}

// TestTickLatencyP99 checks the per-strategy histogram against exact
// quantiles: within an eighth above, never below, and afresh each window.
func TestTickLatencyP99(t *testing.T) {
	var tl tickLatency
	for v := int64(1); v <= 1000; v++ {
		tl.record(1, 1+v*1000) // 1..1000 µs
	}
	tl.rotate()
	exact := int64(990_000)
	if tl.p99 < exact || tl.p99 > exact+exact/8 {
		t.Fatalf("p99 %d, want within an eighth above %d", tl.p99, exact)
	}
	tl.rotate()
	if tl.p99 != 0 {
		t.Fatalf("an empty window's p99 is %d", tl.p99)
	}
	for v := int64(0); v < 1<<40; v = v*3 + 1 {
		if b := tickBucket(v); tickUpper(b) < v || (b > 0 && tickUpper(b-1) >= v) {
			t.Fatalf("value %d in bucket %d of upper %d", v, b, tickUpper(b))
		}
	}
	if b := tickBucket(latencyMax); b >= tickBuckets {
		t.Fatalf("the largest latency's bucket %d is out of range", b)
	}
	if n := testing.AllocsPerRun(100, func() { tl.record(1, 5000) }); n != 0 {
		t.Fatalf("record allocates %v", n)
	}
}

// TestLatencyMinuteWindow: the minute figures are those of the last
// complete minute, beside the shorter window.
func TestLatencyMinuteWindow(t *testing.T) {
	const w = int64(10e9)
	l := newLatency(w)
	l.rotate(1)
	l.record(StageRisk, 10, 1_010)
	for k := int64(1); k < 6; k++ {
		l.rotate(1 + k*w)
	}
	if m := l.appendSnapshot(nil)[0].Minute; m.Count != 0 {
		t.Fatalf("a minute not yet over: %+v", m)
	}
	l.record(StageRisk, 10, 3_010)
	l.rotate(1 + 6*w) // the minute ends
	got := l.appendSnapshot(nil)[0]
	if got.Minute.Count != 2 || got.Minute.Max < 2_990 || got.Recent.Count != 1 {
		t.Fatalf("after the minute: minute %+v recent %+v; want both samples in the minute, the last in the recent window", got.Minute, got.Recent)
	}
	l.rotate(1 + 12*w)
	if m := l.appendSnapshot(nil)[0].Minute; m.Count != 0 {
		t.Fatalf("an empty minute: %+v", m)
	}
}

// TestLatencyStartsWithTrading: a sample that began before trading
// started (a book queued while desk reconciled) is not counted.
func TestLatencyStartsWithTrading(t *testing.T) {
	l := newLatency(int64(10e9))
	l.since = 5_000
	l.record(StageInbox, 1_000, 900_000) // received before trading started
	l.record(StageInbox, 6_000, 7_000)
	got := l.appendSnapshot(nil)
	if len(got) != 1 || got[0].Count != 1 || got[0].Max > 1_010 {
		t.Fatalf("%+v, want the one sample after the start", got)
	}
}

// A replace is timed as an order is: its tick-to-order counts.
func TestReplaceIsTimed(t *testing.T) {
	f := newFixture(t, nopVenue{}, &nopJournal{}, nopHost{}, risk.Limits{})
	f.quote()
	count := func() int64 {
		for _, l := range f.eng.latency.appendSnapshot(nil) {
			if l.Stage == StageTickToOrder {
				return l.Count
			}
		}
		return 0
	}
	now := domain.Mono()
	in := f.intent(1)
	in.Stamps = domain.Stamps{Received: now, Decoded: now, Decided: now}
	f.eng.onIntent(&in)
	f.eng.onReport(&domain.ExecReport{Kind: domain.ExecAck, OrderID: in.ID, VenueOrderID: 1})
	if n := count(); n != 1 {
		t.Fatalf("after the order: %d timed", n)
	}
	rep := domain.Intent{Kind: domain.IntentReplace, ID: in.ID, Strategy: 0, Instrument: 0, Side: domain.Buy, Type: domain.Limit,
		TIF: domain.GTC, Price: 10_001, Qty: 1, Stamps: domain.Stamps{Received: domain.Mono(), Decoded: domain.Mono(), Decided: domain.Mono()}}
	f.eng.onIntent(&rep)
	if n := count(); n != 2 {
		t.Fatalf("after the replace: %d timed, want 2", n)
	}
}

// BenchmarkLatencyOrder is what the latency histograms cost one sent
// order: its five stages recorded in the since-start, window and minute
// histograms, and in the cumulative counts for monitoring.
func BenchmarkLatencyOrder(b *testing.B) {
	l := newLatency(10e9)
	l.since = 1
	st := domain.Stamps{Received: 1_000, Decoded: 1_200, Decided: 3_000, RiskPassed: 3_400, Routed: 3_600, Sent: 4_000}
	b.ReportAllocs()
	for b.Loop() {
		l.order(&st)
	}
}

package binance_test

import (
	"slices"
	"testing"
	"time"

	simbn "github.com/desk-trading/desk/brokers/sim/binance"
	"github.com/desk-trading/desk/core/domain"
)

// BenchmarkOrderRoundTrip is Submit to ExecAck over loopback: sign,
// WebSocket API, the venue's matching and record (an fsync per batch),
// the answer or the stream's NEW, the applier. It reports the p50 and
// p99 in microseconds. Each order rests far from the market and is
// canceled after its ack, so the book stays small.
func BenchmarkOrderRoundTrip(b *testing.B) {
	x := startExchange(b, simbn.RateLimits{Weight1m: 1 << 30, Orders10s: 1 << 30, Orders1d: 1 << 30})
	a := startTrader(b, x.options(b, keyA, secretA))
	var lat []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		o := order(1, domain.Buy, px30000-10000, lot)
		start := time.Now()
		if err := a.v.Submit(o); err != nil {
			b.Fatal(err)
		}
		for count(a.of(o.ID), domain.ExecAck) == 0 {
			if time.Since(start) > waitFor {
				b.Fatalf("no ack for %s", o.ID)
			}
			time.Sleep(2 * time.Microsecond)
		}
		lat = append(lat, time.Since(start))
		if err := a.v.Cancel(o); err != nil {
			b.Fatal(err)
		}
		a.waitKind(o.ID, domain.ExecCanceled)
		a.mu.Lock()
		a.reports = a.reports[:0]
		a.mu.Unlock()
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
}

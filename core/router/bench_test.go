package router

import (
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
)

// benchRouter has nv venues with five levels a side each, venue k's asks
// k ticks above venue 0's, every fee and ack latency measured.
func benchRouter(b *testing.B, nv int) *Router {
	vs := make([]testVenue, nv)
	for k := range vs {
		vs[k] = testVenue{taker: "1", maker: "-0.2", ack: time.Duration(k+1) * time.Millisecond}
		for j := range Depth {
			p := domain.Price(64_000 + k + j)
			vs[k].asks = append(vs[k].asks, lv(p+1, 10))
			vs[k].bids = append(vs[k].bids, lv(64_000-domain.Price(k+j), 10))
		}
	}
	return build(b, 1, vs)
}

func BenchmarkPlan2Venues(b *testing.B) {
	r := benchRouter(b, 2)
	o := lim(domain.Buy, 64_010, 5)
	b.ReportAllocs()
	for b.Loop() {
		if d, err := r.Plan(&o, t0); err != nil || d.NLegs != 1 {
			b.Fatal(d, err)
		}
	}
}

func BenchmarkPlanSplit(b *testing.B) {
	r := benchRouter(b, 4)
	o := lim(domain.Buy, 64_004, 120) // sweeps levels of all four venues
	b.ReportAllocs()
	for b.Loop() {
		if d, err := r.Plan(&o, t0); err != nil || d.NLegs != 4 {
			b.Fatal(d, err)
		}
	}
}

func BenchmarkOnBook(b *testing.B) {
	r := benchRouter(b, 4)
	u := depth(3, 0, []domain.Level{lv(99, 1), lv(98, 1), lv(97, 1), lv(96, 1), lv(95, 1), lv(94, 1)},
		[]domain.Level{lv(101, 1), lv(102, 1), lv(103, 1), lv(104, 1), lv(105, 1), lv(106, 1)})
	b.ReportAllocs()
	for b.Loop() {
		r.OnBook(u)
	}
}

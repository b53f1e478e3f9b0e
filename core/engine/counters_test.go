package engine

import (
	"testing"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// The monitoring counters count what happened: denials by reason, cancels,
// venue rejects by venue and reason, and each stage's samples in buckets
// whose total is the stage's count.
func TestMonitoringCountersCountWhatHappened(t *testing.T) {
	f := newFixture(t, nopVenue{}, &nopJournal{}, nopHost{}, lims(t, "max_order_qty", "0.004"))
	f.quote()
	for range 2 {
		big := f.intent(5)
		f.eng.onIntent(&big) // denied: max-order-qty
	}
	in := f.intent(1)
	f.eng.onIntent(&in)
	f.eng.onReport(&domain.ExecReport{Kind: domain.ExecAck, OrderID: in.ID, VenueOrderID: 1})
	o, _ := f.eng.oms.Get(in.ID)
	f.eng.requestCancel(o)
	rej := f.intent(1)
	f.eng.onIntent(&rej)
	f.eng.onReport(&domain.ExecReport{Kind: domain.ExecReject, OrderID: rej.ID, Reason: "insufficient-balance"})
	f.eng.publish()
	s := f.eng.Snapshot()

	st := s.Strategies[0]
	if want := []ReasonCount{{Reason: risk.ReasonMaxOrderQty, Count: 2}}; len(st.DenialsBy) != 1 || st.DenialsBy[0] != want[0] {
		t.Fatalf("denials by reason %+v, want %+v", st.DenialsBy, want)
	}
	if st.Cancels != 1 {
		t.Fatalf("cancels %d, want 1", st.Cancels)
	}
	if want := (RejectCount{Venue: 0, Reason: "insufficient-balance", Count: 1}); len(s.Rejects) != 1 || s.Rejects[0] != want {
		t.Fatalf("rejects %+v, want %+v", s.Rejects, want)
	}
	for _, l := range s.Latency {
		c := s.LatencyCounts[l.Stage]
		var n uint64
		for _, b := range c.Buckets {
			n += b
		}
		if int64(n) != l.Count || (l.Count > 0 && c.Sum <= 0) {
			t.Fatalf("stage %s: %d samples in the buckets (sum %d ns), the histogram has %d", l.Stage, n, c.Sum, l.Count)
		}
	}
}

// A value lands in the bucket whose bounds hold it.
func TestLatencyBucketBounds(t *testing.T) {
	for _, v := range []int64{0, 1, 15, 16, 17, 1023, 1024, 1025, 123_456, 9_999_999, latencyMax} {
		b := tickBucket(v)
		if v > LatencyBucketUpper(b) || (b > 0 && v <= LatencyBucketUpper(b-1)) {
			t.Fatalf("%d in bucket %d: (%d, %d]", v, b, LatencyBucketUpper(b-1), LatencyBucketUpper(b))
		}
	}
	if b := tickBucket(latencyMax); b >= LatencyBuckets {
		t.Fatalf("the largest latency's bucket %d is past %d", b, LatencyBuckets)
	}
}

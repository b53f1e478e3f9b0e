package metrics

import (
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
)

// Each order's latencies are observed once, however many reads show it
// changed, and a forgotten order leaves nothing behind.
func TestOrderLatencyObservesEachOrderOnce(t *testing.T) {
	l := newOrderLatency()
	l.start = 0
	var names engine.Names // the zero table names ids by number
	o := domain.Order{ID: domain.MakeOrderID(1, 0, 1), State: domain.StatePendingNew, Created: 1,
		Stamps: domain.Stamps{Received: 100, Sent: 1_100}}
	l.observe(o.ID, &o, &names)
	o.State, o.Stamps.Acked = domain.StateOpen, 2_100
	l.observe(o.ID, &o, &names)
	l.observe(o.ID, &o, &names) // conflated: the same state again
	o.State = domain.StateFilled
	l.observe(o.ID, &o, &names)
	l.observe(o.ID, nil, &names)
	if len(l.seen) != 0 {
		t.Fatalf("%d orders remembered after the only one ended and was forgotten", len(l.seen))
	}

	count := func(h interface{ Write(*dto.Metric) error }) uint64 {
		var m dto.Metric
		if err := h.Write(&m); err != nil {
			t.Fatal(err)
		}
		return m.GetHistogram().GetSampleCount()
	}
	if n := count(l.tickToOrder.WithLabelValues(names.Strategy(0)).(interface{ Write(*dto.Metric) error })); n != 1 {
		t.Fatalf("tick-to-order observed %d times, want 1", n)
	}
	if n := count(l.ack.WithLabelValues(names.Venue(0)).(interface{ Write(*dto.Metric) error })); n != 1 {
		t.Fatalf("ack observed %d times, want 1", n)
	}
}

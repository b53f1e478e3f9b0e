package metrics

import (
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
)

// Each order's latencies are observed once: not again when a later read
// shows it changed, nor when a reset resends it finished.
func TestOrderLatencyObservesEachOrderOnce(t *testing.T) {
	l := newOrderLatency()
	l.start = 0
	var names engine.Names // the zero table names ids by number
	o := domain.Order{ID: domain.MakeOrderID(1, 0, 1), State: domain.StatePendingNew, Created: 1,
		Stamps: domain.Stamps{Received: 100, Sent: 1_100}}
	l.observe(&engine.OrdersUpdate{Orders: []domain.Order{o}}, &names)
	o.State, o.Stamps.Acked = domain.StateOpen, 2_100
	l.observe(&engine.OrdersUpdate{Orders: []domain.Order{o}}, &names)
	o.State = domain.StateFilled
	l.observe(&engine.OrdersUpdate{Orders: []domain.Order{o}}, &names)
	l.observe(&engine.OrdersUpdate{Reset: true, Orders: []domain.Order{o}}, &names)

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

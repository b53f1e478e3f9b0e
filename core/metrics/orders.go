package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
)

// latencyBuckets are the classic buckets of the order histograms: powers
// of two from about 1 us to 8 s. A scraper that takes native histograms
// gets buckets 10% apart instead.
var latencyBuckets = prometheus.ExponentialBuckets(1.0/(1<<20), 2, 24)

// maxTracked bounds the orders remembered between reads of the stream;
// past it the memory is dropped, and an order still working may be
// observed twice.
const maxTracked = 1 << 17

// orderLatency observes each order's tick-to-order (book received ->
// sent to the venue, by strategy) and ack latency (sent -> acknowledged,
// by venue) from its stamps, once each, as the order stream shows them.
type orderLatency struct {
	tickToOrder, ack *prometheus.HistogramVec
	// seen holds what was observed of each order still working: sentSeen,
	// ackSeen. An order leaves when it ends or is forgotten.
	seen map[domain.OrderID]uint8
	// start is when the exporter began (unix ns, the engine's clock):
	// orders created before it carry another process's stamps, or are
	// history, and are not observed.
	start int64
}

const (
	sentSeen uint8 = 1 << iota
	ackSeen
)

func newOrderLatency() *orderLatency {
	hist := func(name, help, label string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "desk", Name: name, Help: help,
			Buckets:                         latencyBuckets,
			NativeHistogramBucketFactor:     1.1,
			NativeHistogramMaxBucketNumber:  160,
			NativeHistogramMinResetDuration: time.Hour,
		}, []string{label})
	}
	return &orderLatency{
		tickToOrder: hist("strategy_tick_to_order_seconds", "Book received to order sent to the venue, by the strategy that sent it: each order once (replaces are not counted).", "strategy"),
		ack:         hist("venue_ack_latency_seconds", "Order sent to the venue to its acknowledgement, by venue.", "venue"),
		seen:        map[domain.OrderID]uint8{},
		start:       time.Now().UnixNano(),
	}
}

// read takes one read of eng's order stream after cursor and returns the
// next cursor. The orders are visited in place, under the view's read
// lock: nothing is copied.
func (l *orderLatency) read(eng Engine, cursor uint64, names *engine.Names) uint64 {
	if len(l.seen) > maxTracked {
		clear(l.seen)
	}
	next, _ := eng.EachOrderSince(cursor, func(id domain.OrderID, o *domain.Order) { l.observe(id, o, names) })
	return next
}

// observe takes one order of the stream, nil when it was forgotten. (A
// reset visits working orders only: the finished ones it might resend
// were seen, or are history.)
func (l *orderLatency) observe(id domain.OrderID, o *domain.Order, names *engine.Names) {
	if o == nil {
		delete(l.seen, id)
		return
	}
	if o.Created < l.start {
		return
	}
	seen := l.seen[id]
	st := &o.Stamps
	if seen&sentSeen == 0 && st.Sent != 0 {
		seen |= sentSeen
		if st.Received != 0 && st.Sent >= st.Received {
			l.tickToOrder.WithLabelValues(names.Strategy(o.Strategy)).Observe(seconds(st.Sent - st.Received))
		}
	}
	if seen&ackSeen == 0 && st.Acked != 0 {
		seen |= ackSeen
		if st.Sent != 0 && st.Acked >= st.Sent {
			l.ack.WithLabelValues(names.Venue(o.Venue)).Observe(seconds(st.Acked - st.Sent))
		}
	}
	if o.State.Terminal() {
		delete(l.seen, id)
	} else {
		l.seen[id] = seen
	}
}

func seconds(ns int64) float64 { return float64(ns) / 1e9 }

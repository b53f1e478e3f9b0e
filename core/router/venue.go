package router

import (
	"time"

	"github.com/desk-trading/desk/core/domain"
)

// ackShift sets the weight of a new ack latency sample in the running
// average: 1/8, as TCP smooths its round-trip time (RFC 6298), so one
// slow ack moves the estimate without owning it.
const ackShift = 3

// ackLatency is a venue's smoothed order-ack latency.
type ackLatency struct {
	ewma     int64 // ns
	measured bool
}

func (a *ackLatency) observe(ns int64) {
	if !a.measured {
		a.ewma, a.measured = ns, true
		return
	}
	a.ewma += (ns - a.ewma) >> ackShift
}

// SetConnected marks a venue up or down; a down venue is never chosen.
func (r *Router) SetConnected(id domain.VenueID, up bool) {
	if v := r.venue(id); v != nil {
		v.connected = up
	}
}

// Connected reports whether venue id is up.
func (r *Router) Connected(id domain.VenueID) bool {
	v := r.venue(id)
	return v != nil && v.connected
}

// SetStale marks venue id's market data for instrument i stale or fresh,
// as its feed handler detects it. No order for i goes to a venue whose
// data for i is stale, and its quotes leave BBO. An unknown venue or
// instrument is ignored.
func (r *Router) SetStale(id domain.VenueID, i domain.InstrumentID, stale bool) {
	if v := r.venue(id); v != nil && int(i) < len(v.books) {
		v.books[i].stale = stale
	}
}

// Stale reports whether venue id's market data for instrument i is
// marked stale; false for an unknown venue or instrument.
func (r *Router) Stale(id domain.VenueID, i domain.InstrumentID) bool {
	v := r.venue(id)
	return v != nil && int(i) < len(v.books) && v.books[i].stale
}

// SetReconciling marks venue id as reconciling (its open orders and fills
// are being compared with the journal) or done. No new order goes to a
// reconciling venue; its market data still counts in BBO.
func (r *Router) SetReconciling(id domain.VenueID, on bool) {
	if v := r.venue(id); v != nil {
		v.reconciling = on
	}
}

// Reconciling reports whether venue id is marked reconciling.
func (r *Router) Reconciling(id domain.VenueID) bool {
	v := r.venue(id)
	return v != nil && v.reconciling
}

// ObserveAck records one new order's latency from send to the venue's
// acknowledgement. The router keeps an exponentially weighted average
// (each sample weighs 1/8) and breaks ties between venues with it. A
// negative latency (clocks that went backwards) is ignored.
func (r *Router) ObserveAck(id domain.VenueID, latency time.Duration) {
	if v := r.venue(id); v != nil && latency >= 0 {
		v.ack.observe(int64(latency))
	}
}

// AckLatency returns venue id's smoothed ack latency, ok false while none
// has been observed.
func (r *Router) AckLatency(id domain.VenueID) (latency time.Duration, ok bool) {
	v := r.venue(id)
	if v == nil || !v.ack.measured {
		return 0, false
	}
	return time.Duration(v.ack.ewma), true
}

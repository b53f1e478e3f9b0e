package engine

import (
	"fmt"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// AlertThresholds are the deviations the engine watches for and alerts
// on (Options.Alerts; zero turns each off). Unlike a breaker, an alert
// stops nothing: it tells the operator at once (every client sees it),
// and is journaled as an audit record (action "alert"), once when a
// figure crosses its threshold and once when it is back under.
type AlertThresholds struct {
	// TickToOrderP99 is the bound on the tick-to-order p99 of the last
	// complete latency window (Options.LatencyWindow). The alert clears
	// when a window's p99 is under 80% of it; a window without orders
	// leaves it as it is.
	TickToOrderP99 time.Duration
	// RejectsPerMin is the most venue rejects in the last minute, all
	// venues together.
	RejectsPerMin int
	// FeedGapsPerMin is the most sequence gaps in a venue's market data
	// in the last minute.
	FeedGapsPerMin int
}

// actionAlert is the audit action of an alert of a threshold; Restore
// reads it back as history only.
const actionAlert = "alert"

// monitor is the engine's watch over AlertThresholds: whether each is in
// alert now, and the last minute of the counters it rates.
type monitor struct {
	latencyHigh bool
	rejects     minuteRate
	gaps        []minuteRate // by VenueID
}

// minuteRate rates a cumulative counter over the last minute from
// samples taken at each engine tick.
type minuteRate struct {
	at, total []int64 // a ring of samples, oldest at head
	head      int
	high      bool // in alert
}

// add takes the counter's total at now and returns its increase over the
// last minute (over the samples kept, when they span less).
func (r *minuteRate) add(now, total int64) int64 {
	const minute = int64(time.Minute)
	r.at, r.total = append(r.at, now), append(r.total, total)
	for r.head < len(r.at)-1 && now-r.at[r.head+1] >= minute {
		r.head++
	}
	if r.head > 1024 { // drop what the window left behind
		r.at, r.total = append(r.at[:0], r.at[r.head:]...), append(r.total[:0], r.total[r.head:]...)
		r.head = 0
	}
	return total - r.total[r.head]
}

// watch checks the thresholds at engine time now, on each tick; rotated
// says a latency window just ended.
func (e *Engine) watch(now int64, rotated bool) {
	th := &e.opts.Alerts
	m := &e.monitor
	if w := e.latency.lastSum[StageTickToOrder]; th.TickToOrderP99 > 0 && rotated && w.Count > 0 {
		// A window without orders says nothing, and one near the bound
		// keeps the state it has: it clears below 80% of the bound, so a
		// figure hovering at it does not flap.
		p99 := time.Duration(w.P99)
		high := p99 > th.TickToOrderP99 || (m.latencyHigh && p99 > th.TickToOrderP99*8/10)
		if high != m.latencyHigh {
			m.latencyHigh = high
			e.thresholdAlert(high, fmt.Sprintf("tick-to-order p99 %s over the last %s, bound %s",
				time.Duration(w.P99).Round(time.Microsecond), time.Duration(e.latency.window), th.TickToOrderP99))
		}
	}
	if th.RejectsPerMin > 0 {
		var total int64
		for _, r := range e.rejects {
			total += r.Count
		}
		n := m.rejects.add(now, total)
		if high := n > int64(th.RejectsPerMin); high != m.rejects.high {
			m.rejects.high = high
			e.thresholdAlert(high, fmt.Sprintf("%d venue rejects in the last minute, bound %d", n, th.RejectsPerMin))
		}
	}
	if th.FeedGapsPerMin > 0 {
		for id := range e.feeds {
			if e.feeds[id] == nil {
				continue
			}
			for id >= len(m.gaps) {
				m.gaps = append(m.gaps, minuteRate{})
			}
			g := &m.gaps[id]
			n := g.add(now, int64(e.feeds[id].FeedStats().Gaps))
			if high := n > int64(th.FeedGapsPerMin); high != g.high {
				g.high = high
				e.thresholdAlert(high, fmt.Sprintf("%d sequence gaps in %s's market data in the last minute, bound %d",
					n, e.venueName(domain.VenueID(id)), th.FeedGapsPerMin))
			}
		}
	}
}

// thresholdAlert raises (high) or clears an alert of a threshold: to
// every client at once, and in the journal.
func (e *Engine) thresholdAlert(high bool, what string) {
	sev, state, msg := "warning", "raised", what
	if !high {
		sev, state, msg = "info", "cleared", "back within bounds: "+what
	}
	e.audit1(risk.FirmNode, actionAlert, "monitor", "", state, what)
	e.alert(sev, risk.FirmNode, msg)
}

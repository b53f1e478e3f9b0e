package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// An alert threshold crossed raises an alert that clients see and the
// journal keeps, once; back under it, the alert clears, once.
func TestThresholdAlertsRaiseAndClearOnce(t *testing.T) {
	f := newFixture(t, nopVenue{}, &nopJournal{}, nopHost{}, risk.Limits{})
	var alerts []Alert
	f.eng.opts.OnAlert = func(a Alert) { alerts = append(alerts, a) }
	f.eng.opts.Alerts = AlertThresholds{TickToOrderP99: time.Millisecond, RejectsPerMin: 1}
	f.quote()
	now := time.Unix(1_700_000_000, 0).UnixNano()
	l := f.eng.latency
	l.since = 1

	f.eng.watch(now-int64(time.Second), false) // the ticks before: no rejects yet
	// Two rejects in a minute: over 1.
	for range 2 {
		in := f.intent(1)
		f.eng.onIntent(&in)
		f.eng.onReport(&domain.ExecReport{Kind: domain.ExecReject, OrderID: in.ID, Reason: "insufficient-balance"})
	}
	f.eng.watch(now, false)
	f.eng.watch(now+int64(time.Second), false) // still over: no second alert
	// A window whose tick-to-order p99 is 3 ms (3.015 ms to the
	// histogram's two digits), over 1 ms.
	l.rotate(now)
	l.record(StageTickToOrder, 1_000, 1_000+int64(3*time.Millisecond))
	l.rotate(now + l.window)
	f.eng.watch(now+l.window, true)
	// An empty window changes nothing; one at 900 us, under the bound but
	// not under 80% of it, neither.
	l.rotate(now + 2*l.window)
	f.eng.watch(now+2*l.window, true)
	l.record(StageTickToOrder, 1_000, 1_000+int64(900*time.Microsecond))
	l.rotate(now + 3*l.window)
	f.eng.watch(now+3*l.window, true)
	// A minute later the rejects are old, and a window at 500 us clears
	// the latency alert.
	later := now + int64(61*time.Second)
	l.record(StageTickToOrder, 1_000, 1_000+int64(500*time.Microsecond))
	l.rotate(later)
	f.eng.watch(later, true)

	var got []string
	for _, a := range alerts {
		if strings.Contains(a.Message, "bound") {
			got = append(got, a.Severity+": "+a.Message)
		}
	}
	want := []string{
		"warning: 2 venue rejects in the last minute, bound 1",
		"warning: tick-to-order p99 3.015ms over the last 10s, bound 1ms",
		"info: back within bounds: tick-to-order p99 502µs over the last 10s, bound 1ms",
		"info: back within bounds: 0 venue rejects in the last minute, bound 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("alerts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var journaled []string
	for _, a := range f.auditList("", 0) {
		if a.Kind == domain.EventAudit && a.Audit.Action == actionAlert {
			journaled = append(journaled, a.Audit.New+" "+a.Audit.Why)
		}
	}
	if len(journaled) != 4 || !strings.HasPrefix(journaled[0], "raised 2 venue rejects") || !strings.HasPrefix(journaled[3], "cleared ") {
		t.Fatalf("journaled alerts %q", journaled)
	}
}

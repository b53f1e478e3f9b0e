package engine

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// TestLateRejectOfEndedOrderIsQuiet: a cancel or replace that crossed the
// order's fill on its way to the venue comes back rejected for an order
// the venue no longer knows. That is the normal end of a race, not a
// refused report: the order stays filled and nothing is logged above
// debug. A reject of a live order's request still applies.
func TestLateRejectOfEndedOrderIsQuiet(t *testing.T) {
	var logs bytes.Buffer
	f := newFixture(t, &recVenue{}, &memJournal{}, nopHost{}, risk.Limits{})
	f.eng.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	f.quote()
	report := func(r domain.ExecReport) {
		f.eng.now = f.eng.clock().UnixNano()
		f.eng.onReport(&r)
	}
	filled := f.intent(1_000)
	f.eng.onIntent(&filled)
	report(domain.ExecReport{Kind: domain.ExecAck, OrderID: filled.ID, VenueOrderID: 1})
	report(domain.ExecReport{Kind: domain.ExecFill, OrderID: filled.ID, LastPx: 10_000, LastQty: 1_000, TradeID: 1})
	report(domain.ExecReport{Kind: domain.ExecReplaceReject, OrderID: filled.ID, Reason: "unknown-order"})
	report(domain.ExecReport{Kind: domain.ExecCancelReject, OrderID: filled.ID, Reason: "unknown-order"})
	if o, _ := f.eng.oms.Get(filled.ID); o.State != domain.StateFilled {
		t.Fatalf("filled order now %v", o.State)
	}
	if strings.Contains(logs.String(), "level=WARN") || strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a late reject was logged as a problem:\n%s", logs.String())
	}

	live := f.intent(1_000)
	f.eng.onIntent(&live)
	report(domain.ExecReport{Kind: domain.ExecAck, OrderID: live.ID, VenueOrderID: 2})
	rep := domain.Intent{Kind: domain.IntentReplace, ID: live.ID, Strategy: 0, Price: 9_999, Qty: 1_000}
	f.eng.onIntent(&rep)
	if o, _ := f.eng.oms.Get(live.ID); o.State != domain.StatePendingReplace {
		t.Fatalf("replace sent: order %v", o.State)
	}
	report(domain.ExecReport{Kind: domain.ExecReplaceReject, OrderID: live.ID, Reason: "price"})
	if o, _ := f.eng.oms.Get(live.ID); o.State != domain.StateOpen || o.Reason != "price" {
		t.Fatalf("a live order's replace reject: %v %q", o.State, o.Reason)
	}
}

package engine

import (
	"testing"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/router"
	"github.com/desk-trading/desk/risk"
)

// TestRateBudgetDeniesOrdersNotCancels: once the venue account's order
// budget for the interval is spent, new orders and replaces are denied
// with rate-budget before anything is sent, and cancels still go out.
func TestRateBudgetDeniesOrdersNotCancels(t *testing.T) {
	v := &recVenue{}
	f := newFixture(t, v, &memJournal{}, nopHost{}, risk.Limits{})
	r, err := router.New([]router.VenueFees{{ID: 0, Name: "sim", Limits: router.Limits{Orders10s: 2}}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	f.eng.router = r
	f.quote()
	st := f.eng.strategy(0)
	var ids []domain.OrderID
	for range 3 {
		in := f.intent(1_000)
		f.eng.onIntent(&in)
		ids = append(ids, in.ID)
	}
	if n := len(v.sent); n != 2 {
		t.Fatalf("%d orders sent, want the budget's 2", n)
	}
	if o, _ := f.eng.oms.Get(ids[2]); o.State != domain.StateRejected || o.Reason != reasonNoBudget {
		t.Fatalf("the third order: %v %q", o.State, o.Reason)
	}
	denials := st.denials
	rep := domain.Intent{Kind: domain.IntentReplace, ID: ids[0], Strategy: 0, Price: 9_999, Qty: 1_000}
	f.eng.onIntent(&rep)
	if o, _ := f.eng.oms.Get(ids[0]); o.State == domain.StatePendingReplace || st.denials != denials+1 {
		t.Fatalf("a replace over budget was sent: %v", o.State)
	}
	for _, id := range ids[:2] {
		c := domain.Intent{Kind: domain.IntentCancel, ID: id, Strategy: 0}
		f.eng.onIntent(&c)
	}
	if len(v.cancels) != 2 {
		t.Fatalf("%d cancels sent over a spent budget, want 2", len(v.cancels))
	}
	if u := r.BudgetUse(0, f.eng.now); u.Orders10s != 2 || u.Weight1m != 4 {
		t.Errorf("budget use %+v, want 2 orders and weight 4 (2 orders, 2 cancels)", u)
	}
}

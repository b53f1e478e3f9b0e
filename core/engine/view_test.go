package engine

import (
	"testing"
	"time"

	"github.com/desk-trading/desk/risk"
)

// TestViewKeepsALiveOrderOverAnInvalidDuplicate sends an invalid intent
// under a live order's id, then enough finished orders to trim the view:
// the duplicate is refused as such (not journaled over the live order), the
// view still shows the live order as it is, and paging stays consistent.
// Found by review: the view took the rejection's copy, and its index and
// map fell apart at the next trim.
func TestViewKeepsALiveOrderOverAnInvalidDuplicate(t *testing.T) {
	f := newFixture(t, nopVenue{}, &memJournal{}, nopHost{}, risk.Limits{})
	clock := int64(1_700_000_000_000_000_000)
	f.eng.clock = func() time.Time { clock += 1000; return time.Unix(0, clock) }
	f.eng.view.keep = 2
	f.quote()
	live := f.intent(1)
	f.eng.now = f.eng.clock().UnixNano()
	f.eng.onIntent(&live)
	bad := live
	bad.Qty = 0 // invalid as well as a duplicate
	f.eng.now = f.eng.clock().UnixNano()
	f.eng.onIntent(&bad)
	for range 5 { // finished (invalid) orders, to trim the view
		in := f.intent(0)
		f.eng.now = f.eng.clock().UnixNano()
		f.eng.onIntent(&in)
	}
	f.eng.handView()
	pg, err := f.eng.view.ordersPage("", 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range pg.Orders {
		if o.ClientOrderID == live.ID.String() {
			found = true
			if o.State != "pending-new" {
				t.Errorf("the live order shows %s, want pending-new", o.State)
			}
		}
	}
	if !found {
		t.Errorf("the live order is gone from the view: %+v", pg.Orders)
	}
}

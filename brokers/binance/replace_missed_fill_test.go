package binance_test

import (
	"testing"
	"time"

	simbn "github.com/desk-trading/desk/brokers/sim/binance"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
)

// A fill the stream missed lands on the old leg just before a replace
// sent while the user stream is down, and the replace's answer is lost
// too: the replacement's total is the old leg's real cumulative fill (3)
// plus the new quantity (4), and every later fill is booked, once.
func TestReplaceDuringStreamDropAfterAMissedFill(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	o := x.options(t, keyA, secretA)
	o.BackoffMin, o.BackoffMax = time.Second, time.Second
	a := startTrader(t, o)
	b := startTrader(t, x.options(t, keyB, secretB))
	_, gen0 := a.v.Session()

	buy := order(1, domain.Buy, px30000-100, 5*lot)
	a.submit(buy)
	a.waitKind(buy.ID, domain.ExecAck)
	s := order(2, domain.Sell, px30000-100, 2*lot)
	b.submit(s)
	a.waitFilled(buy.ID, 2*lot)
	buy.Filled = 2 * lot

	x.fault(t, "kind=drop-user-stream")
	desktest.Eventually(t, waitFor, "the session down", func() bool { up, _ := a.v.Session(); return !up })
	s2 := order(3, domain.Sell, px30000-100, lot) // fills the old leg: the stream is down, desk does not know
	b.submit(s2)
	b.waitFilled(s2.ID, lot)
	x.fault(t, "kind=drop-acks")
	if err := a.v.Replace(buy, px30000-50, 6*lot); err != nil {
		t.Logf("replace while down: %v", err)
	}
	for range 5 {
		s := order(4, domain.Sell, px30000-50, lot)
		b.submit(s)
		time.Sleep(20 * time.Millisecond)
	}
	desktest.Eventually(t, waitFor, "a new session generation", func() bool {
		up, g := a.v.Session()
		return up && g > gen0
	})
	a.waitFilled(buy.ID, 7*lot)
	time.Sleep(200 * time.Millisecond) // for a duplicate, if any
	rs := a.of(buy.ID)
	total := domain.Qty(0)
	for _, r := range rs {
		if r.Kind == domain.ExecReplaced {
			total = r.Qty
		}
	}
	if filled(rs) != 7*lot || total != 7*lot {
		t.Errorf("reports across a missed fill, a replace whose answer was lost and the stream's drop (total %d):\n%s", total, a.dump())
	}
}

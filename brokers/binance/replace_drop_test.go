package binance_test

import (
	"testing"
	"time"

	simbn "github.com/desk-trading/desk/brokers/sim/binance"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
)

// TestReplaceThenStreamDrop: an order partly filled is replaced, the user
// data stream drops, and the new leg fills while it is down; once the
// session is back the fills made meanwhile are reported once, and the
// order's total after the replace is still what it was, so every fill
// fits in it.
func TestReplaceThenStreamDrop(t *testing.T) {
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
	if err := a.v.Replace(buy, px30000-50, 6*lot); err != nil {
		t.Fatal(err)
	}
	a.waitKind(buy.ID, domain.ExecReplaced)

	x.fault(t, "kind=drop-user-stream")
	desktest.Eventually(t, waitFor, "the session down", func() bool { up, _ := a.v.Session(); return !up })
	for range 4 {
		s := order(2, domain.Sell, px30000-50, lot)
		b.submit(s)
		b.waitFilled(s.ID, lot)
	}
	desktest.Eventually(t, waitFor, "a new session generation", func() bool {
		up, g := a.v.Session()
		return up && g > gen0
	})
	a.waitFilled(buy.ID, 6*lot)
	time.Sleep(200 * time.Millisecond) // for a duplicate, if any
	rs := a.of(buy.ID)
	total := domain.Qty(0)
	for _, r := range rs {
		if r.Kind == domain.ExecReplaced {
			total = r.Qty
		}
	}
	if filled(rs) != 6*lot || count(rs, domain.ExecFill) != 5 || total != 6*lot {
		t.Errorf("reports across a replace and the stream's drop (total %d):\n%s", total, a.dump())
	}
}

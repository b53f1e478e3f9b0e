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
	x, a, b, gen0 := dropDesk(t)

	buy := partlyFilledBuy(t, a, b)
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
	rs, total := afterTheDrop(t, a, gen0, buy.ID, 6*lot)
	if filled(rs) != 6*lot || count(rs, domain.ExecFill) != 5 || total != 6*lot {
		t.Errorf("reports across a replace and the stream's drop (total %d):\n%s", total, a.dump())
	}
}

// partlyFilledBuy is a's resting buy of 5 lots, 2 of them filled by b.
func partlyFilledBuy(t *testing.T, a, b *trader) *domain.Order {
	t.Helper()
	buy := order(1, domain.Buy, px30000-100, 5*lot)
	a.submit(buy)
	a.waitKind(buy.ID, domain.ExecAck)
	b.submit(order(2, domain.Sell, px30000-100, 2*lot))
	a.waitFilled(buy.ID, 2*lot)
	buy.Filled = 2 * lot
	return buy
}

// dropDesk is an exchange and two traders on it, a (whose session comes
// back a second after a drop) and b, and a's session generation now.
func dropDesk(t *testing.T) (x *exchange, a, b *trader, gen0 uint64) {
	t.Helper()
	x = startExchange(t, simbn.RateLimits{})
	o := x.options(t, keyA, secretA)
	o.BackoffMin, o.BackoffMax = time.Second, time.Second
	a = startTrader(t, o)
	b = startTrader(t, x.options(t, keyB, secretB))
	_, gen0 = a.v.Session()
	return x, a, b, gen0
}

// afterTheDrop waits for a's session to come back and order id to fill
// to want, then returns its reports (after a moment for a duplicate) and
// its total as the last replace reported it.
func afterTheDrop(t *testing.T, a *trader, gen0 uint64, id domain.OrderID, want domain.Qty) ([]domain.ExecReport, domain.Qty) {
	t.Helper()
	desktest.Eventually(t, waitFor, "a new session generation", func() bool {
		up, g := a.v.Session()
		return up && g > gen0
	})
	// A lost answer is resolved by query after the session is back, which
	// a loaded machine can take longer than waitFor to finish: the bound
	// is wider, and a failure shows every report.
	const within = 3 * waitFor
	deadline := time.Now().Add(within)
	for filled(a.of(id)) < want {
		if time.Now().After(deadline) {
			t.Fatalf("order %s not filled %d within %s:\n%s", id, want, within, a.dump())
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // for a duplicate, if any
	rs := a.of(id)
	total := domain.Qty(0)
	for _, r := range rs {
		if r.Kind == domain.ExecReplaced {
			total = r.Qty
		}
	}
	return rs, total
}

// A fill the stream missed lands on the old leg just before a replace
// sent while the user stream is down, and the replace's answer is lost
// too: the replacement's total is the old leg's real cumulative fill (3)
// plus the new quantity (4), and every later fill is booked, once.
func TestReplaceDuringStreamDropAfterAMissedFill(t *testing.T) {
	x, a, b, gen0 := dropDesk(t)

	buy := partlyFilledBuy(t, a, b)

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
	rs, total := afterTheDrop(t, a, gen0, buy.ID, 7*lot)
	if filled(rs) != 7*lot || total != 7*lot {
		t.Errorf("reports across a missed fill, a replace whose answer was lost and the stream's drop (total %d):\n%s", total, a.dump())
	}
}

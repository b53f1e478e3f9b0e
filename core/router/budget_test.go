package router

import (
	"errors"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
)

func TestBudgetWindows(t *testing.T) {
	const s = int64(time.Second)
	b := NewBudget(Limits{Orders10s: 2, Orders1d: 3, Weight1m: 5})
	t0 := int64(1_700_000_000) * s // a multiple of 10 s
	for _, c := range []struct {
		at             int64
		orders, weight int64
		spend          bool
		affords        bool
	}{
		{t0, 1, 1, true, true},
		{t0 + 1*s, 1, 1, true, true},
		{t0 + 2*s, 1, 1, false, false},  // two orders in this 10 s interval
		{t0 + 10*s, 1, 1, true, true},   // a new interval
		{t0 + 11*s, 1, 1, false, false}, // three in the day
		{t0 + 12*s, 0, 1, true, true},   // weight only: 4 of 5
		{t0 + 13*s, 0, 2, false, false}, // 6 > 5 this minute
		{t0 + 60*s, 0, 2, false, true},  // a new minute
	} {
		if got := b.Affords(c.at, c.orders, c.weight); got != c.affords {
			t.Fatalf("at +%ds, %d orders %d weight: affords %v, want %v (%+v)", (c.at-t0)/s, c.orders, c.weight, got, c.affords, b.Use(c.at))
		}
		if c.spend {
			b.Spend(c.at, c.orders, c.weight)
		}
	}
	if u := b.Use(t0 + 61*s); u.Orders10s != 0 || u.Orders1d != 3 || u.Weight1m != 0 || u.Limits.Orders1d != 3 {
		t.Errorf("use %+v", u)
	}
	// No limits: anything goes.
	free := NewBudget(Limits{})
	free.Spend(t0, 1e9, 1e9)
	if !free.Affords(t0, 1e9, 1e9) {
		t.Error("an unlimited budget refused")
	}
}

func TestRouteFailsOverWhenABudgetIsSpent(t *testing.T) {
	r, err := New([]VenueFees{{ID: 1, Name: "a", Limits: Limits{Orders10s: 1}}, {ID: 2, Name: "b", Limits: Limits{Orders10s: 1}}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	now := int64(1_700_000_000) * int64(time.Second)
	o := &domain.Order{Side: domain.Buy, Qty: 1}
	first, err := r.Route(o, now)
	if err != nil {
		t.Fatal(err)
	}
	r.Spend(first, now, 1, WeightOrder)
	second, err := r.Route(o, now)
	if err != nil || second == first {
		t.Fatalf("after %d spent its budget: %d, %v", first, second, err)
	}
	r.Spend(second, now, 1, WeightOrder)
	if _, err := r.Route(o, now); !errors.Is(err, ErrNoBudget) {
		t.Fatalf("both spent: %v", err)
	}
	r.SetConnected(1, false)
	r.SetConnected(2, false)
	if _, err := r.Route(o, now); !errors.Is(err, ErrNoVenue) {
		t.Fatalf("none connected: %v", err)
	}
	r.SetConnected(1, true)
	if _, err := r.Route(o, now+int64(10*time.Second)); err != nil {
		t.Fatalf("the next interval: %v", err)
	}
}

// TestBudgetObservesTheVenuesCount: the venue's count of the account's
// use raises desk's within the interval it was stated in, never lowers it,
// and a statement of a past interval changes nothing.
func TestBudgetObservesTheVenuesCount(t *testing.T) {
	const s = int64(time.Second)
	b := NewBudget(Limits{Orders10s: 10, Weight1m: 100})
	b.Spend(1*s, 2, 2)
	b.Observe(2*s, 2*s, 7, 7, 40) // another program used the account
	if u := b.Use(2 * s); u.Orders10s != 7 || u.Weight1m != 40 {
		t.Fatalf("use %+v; want the venue's 7 orders and 40 weight", u)
	}
	if !b.Affords(2*s, 3, 1) || b.Affords(2*s, 4, 1) {
		t.Fatal("the budget should afford 3 more orders and not 4")
	}
	b.Observe(3*s, 3*s, 1, 1, 1) // lower than desk's count: kept
	if u := b.Use(3 * s); u.Orders10s != 7 {
		t.Fatalf("use %+v; a lower venue count must not lower desk's", u)
	}
	b.Observe(11*s, 9*s, 9, 9, 90) // said in the last 10 s interval
	if u := b.Use(11 * s); u.Orders10s != 0 || u.Weight1m != 90 {
		t.Fatalf("use %+v; want the stale 10 s count ignored and the minute's taken", u)
	}
}

// TestBudgetHonoursTheVenuesRefusal: after a 429's Retry-After no new
// order is afforded until it passes.
func TestBudgetHonoursTheVenuesRefusal(t *testing.T) {
	const s = int64(time.Second)
	b := NewBudget(Limits{})
	b.RefuseUntil(5 * s)
	b.RefuseUntil(3 * s) // an earlier end does not shorten it
	if b.Affords(4*s, 1, 1) || !b.Affords(5*s, 1, 1) {
		t.Fatal("want no order before 5 s and orders from then on")
	}
}

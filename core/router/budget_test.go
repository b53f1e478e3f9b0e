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

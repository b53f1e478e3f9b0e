package demo

import (
	"testing"
	"time"

	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
)

func TestTWAP(t *testing.T) {
	e := newExchange(t, KindTWAP, map[string]string{
		"side": "buy", "quantity": "1", "duration": "10s", "slices": "5",
	}, true)
	var all []domain.Intent
	// waitSlices waits until n slices in all went out.
	waitSlices := func(n int) {
		t.Helper()
		desktest.Eventually(t, 5*time.Second, "a slice", func() bool {
			all = append(all, e.taken()...)
			return len(all) >= n
		})
	}
	e.book(10000, 10002)
	// Five slices of 0.2, one every 2s of the fake clock, each an IOC buy
	// two ticks through the ask.
	for i := range 5 {
		waitSlices(i + 1)
		if pos, _ := e.position(); pos != domain.Qty(200*(i+1)) {
			t.Fatalf("slice %d: position %d", i+1, pos)
		}
		e.advance(2 * time.Second)
	}
	checkTakers(t, all, domain.Buy, 10000, 10002)
	for _, in := range all {
		if in.Qty != 200 {
			t.Fatalf("slice %+v, want 0.2", in)
		}
	}
	// The schedule is over: it turns around and sells what it bought.
	waitSlices(6)
	checkTakers(t, all[5:], domain.Sell, 10000, 10002)
	if _, maxAbs := e.position(); maxAbs != 1000 {
		t.Errorf("max position %d, want exactly the parent quantity 1", maxAbs)
	}
	if len(all) != 6 {
		t.Fatalf("%d intents, want 6", len(all))
	}

	// Halted: the timer keeps ticking and the clock running, nothing goes out.
	e.halt()
	e.taken()
	for range 3 {
		e.advance(2 * time.Second)
		n := e.host.Stats().Timers
		desktest.Eventually(t, 5*time.Second, "timer ticks", func() bool { return e.host.Stats().Timers >= n+2 })
	}
	if got := e.taken(); len(got) != 0 {
		t.Errorf("halted, yet sent %+v", got)
	}
}

func TestTWAPReduceOnly(t *testing.T) {
	e := newExchange(t, KindTWAP, map[string]string{"side": "buy", "quantity": "1", "duration": "10s", "slices": "5"}, true)
	e.host.OnState(domain.ReduceOnly) // flat: buying would not reduce
	e.settle(0)
	e.book(10000, 10002)
	for range 3 {
		e.advance(2 * time.Second)
		n := e.host.Stats().Timers
		desktest.Eventually(t, 5*time.Second, "timer ticks", func() bool { return e.host.Stats().Timers >= n+2 })
	}
	if got := e.taken(); len(got) != 0 {
		t.Errorf("reduce-only and flat, yet sent %+v", got)
	}
}

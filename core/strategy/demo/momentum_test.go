package demo

import (
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
)

// checkTakers checks that every intent is a new IOC limit of side priced
// two ticks through the touch of the book it answered.
func checkTakers(t *testing.T, got []domain.Intent, side domain.Side, bid, ask domain.Price) {
	t.Helper()
	for _, in := range got {
		want := ask + 2
		if side == domain.Sell {
			want = bid - 2
		}
		if in.Kind != domain.IntentNew || in.Side != side || in.Type != domain.Limit || in.TIF != domain.IOC || in.Price != want {
			t.Fatalf("intent %+v, want a new %s IOC limit at %d", in, side, want)
		}
	}
}

func TestMomentum(t *testing.T) {
	e := newExchange(t, KindMomentum, map[string]string{
		"fast": "1s", "slow": "4s", "cooldown": "1s", "size": "0.5", "max_position": "1",
	}, true)
	step := 500 * time.Millisecond
	px := domain.Price(10000)
	var buys int
	// An uptrend: nothing during the 4s warm-up, then buys to +max.
	for i := range 20 {
		e.book(px, px+2)
		got := e.taken()
		if i < 8 && len(got) > 0 {
			t.Fatalf("step %d, warming up, yet sent %+v", i, got)
		}
		checkTakers(t, got, domain.Buy, px, px+2)
		buys += len(got)
		if pos, maxAbs := e.position(); maxAbs > 1000 {
			t.Fatalf("position %d, max seen %d, beyond max_position", pos, maxAbs)
		}
		px += 5
		e.advance(step)
	}
	if pos, _ := e.position(); pos != 1000 || buys != 2 {
		t.Fatalf("after the uptrend: position %d after %d buys, want 1000 after 2", pos, buys)
	}
	// A downtrend: the averages cross and it sells to -max.
	var sells int
	for range 30 {
		e.book(px, px+2)
		got := e.taken()
		checkTakers(t, got, domain.Sell, px, px+2)
		sells += len(got)
		if _, maxAbs := e.position(); maxAbs > 1000 {
			t.Fatalf("max position seen %d, beyond max_position", maxAbs)
		}
		px -= 5
		e.advance(step)
	}
	if pos, _ := e.position(); pos != -1000 || sells != 4 {
		t.Fatalf("after the downtrend: position %d after %d sells, want -1000 after 4", pos, sells)
	}
	// Halted: a new uptrend sends nothing.
	e.halt()
	for range 30 {
		e.book(px, px+2)
		px += 5
		e.advance(step)
	}
	if got := e.taken(); len(got) != 0 {
		t.Errorf("halted, yet sent %+v", got)
	}
}

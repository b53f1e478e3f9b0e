package demo

import (
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
)

func TestMeanReversion(t *testing.T) {
	e := newExchange(t, KindMeanReversion, map[string]string{
		"window": "20", "entry_z": "2", "exit_z": "0.5", "size": "0.5", "max_position": "1", "cooldown": "1s",
	}, true)
	// mid feeds one book with mid m and a two-tick spread, a second later.
	mid := func(m domain.Price) []domain.Intent {
		e.advance(time.Second)
		e.book(m-1, m+1)
		if _, maxAbs := e.position(); maxAbs > 1000 {
			t.Fatalf("max position seen %d, beyond max_position", maxAbs)
		}
		return e.taken()
	}
	// A quiet market fills the window: no signal.
	for i := range 20 {
		if got := mid(10000 + domain.Price(i%2)*2); len(got) != 0 {
			t.Fatalf("quiet market, yet sent %+v", got)
		}
	}
	// A spike up: fade it, 0.5 at a time, to -max, then stop adding.
	var entries int
	for range 4 {
		got := mid(10030)
		checkTakers(t, got, domain.Sell, 10029, 10031)
		entries += len(got)
	}
	if pos, _ := e.position(); pos != -1000 || entries != 2 {
		t.Fatalf("after the spike: position %d after %d sells, want -1000 after 2", pos, entries)
	}
	// Back near the mean: exit in one reduce-only order.
	var exits []domain.Intent
	for range 30 {
		if got := mid(10001); len(got) > 0 {
			exits = append(exits, got...)
			break
		}
	}
	if len(exits) != 1 || exits[0].Side != domain.Buy || !exits[0].ReduceOnly || exits[0].Qty != 1000 || exits[0].TIF != domain.IOC {
		t.Fatalf("exit %+v, want one reduce-only IOC buy of 1", exits)
	}
	if pos, _ := e.position(); pos != 0 {
		t.Fatalf("after the exit: position %d, want flat", pos)
	}
	// A dip: buy it.
	for range 20 {
		mid(10000 + domain.Price(e.now.Load()/int64(time.Second)%2)*2)
	}
	e.taken()
	if got := mid(9970); len(got) != 1 || got[0].Side != domain.Buy {
		t.Fatalf("dip: %+v, want one buy", got)
	}
	// Halted: no exit, no entry.
	e.halt()
	for _, m := range []domain.Price{10001, 10001, 9950, 10060, 10001} {
		if got := mid(m); len(got) != 0 {
			t.Fatalf("halted, yet sent %+v", got)
		}
	}
}

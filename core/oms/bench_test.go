package oms

import (
	"runtime"
	"testing"

	"github.com/desk-trading/desk/core/domain"
)

// lifecycle runs one order through the hot path: Create, Sent, an ack and
// a fill (complete, so the order ends and is later evicted). Variants add a
// partial fill, a replace and a cancel. Sides alternate so positions stay
// bounded.
type lifecycle struct {
	m    *OMS
	in   domain.Intent
	r    domain.ExecReport
	seq  uint64
	kind int // 0: ack+fill; 1: ack, partial, replace, fill; 2: ack, partial, cancel
}

func newLifecycle(t testing.TB, kind int) *lifecycle {
	return &lifecycle{
		m:    New(Options{Instruments: instruments(t), KeepTerminal: 1000}),
		in:   limitBuy(0),
		kind: kind,
	}
}

func (l *lifecycle) run(t testing.TB) {
	l.seq++
	l.in.ID = oid(l.seq)
	l.in.Side = domain.Side(1 + l.seq%2)
	o, err := l.m.Create(&l.in, int64(l.seq))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.m.Sent(o, venue, int64(l.seq)); err != nil {
		t.Fatal(err)
	}
	l.apply(t, domain.ExecAck, 0)
	switch l.kind {
	case 0:
		l.apply(t, domain.ExecFill, 10)
	case 1:
		l.apply(t, domain.ExecFill, 4)
		if err := l.m.ReplaceRequested(o, o.Price+25, 12, int64(l.seq)); err != nil {
			t.Fatal(err)
		}
		l.apply(t, domain.ExecReplaced, 0)
		l.apply(t, domain.ExecFill, 8)
	case 2:
		l.apply(t, domain.ExecFill, 4)
		if err := l.m.CancelRequested(o, int64(l.seq)); err != nil {
			t.Fatal(err)
		}
		l.apply(t, domain.ExecCanceled, 0)
	}
	if !o.State.Terminal() {
		t.Fatalf("order ended in %s", o.State)
	}
}

func (l *lifecycle) apply(t testing.TB, k domain.ExecKind, qty domain.Qty) {
	l.r = domain.ExecReport{Kind: k, Venue: venue, OrderID: l.in.ID, VenueOrderID: l.seq}
	if k == domain.ExecFill {
		l.r.LastPx, l.r.LastQty, l.r.TradeID, l.r.Fee = 500000, qty, l.seq<<4|uint64(qty), 100
	}
	if _, _, err := l.m.Apply(&l.r, int64(l.seq)); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkOrderLifecycle(b *testing.B) {
	l := newLifecycle(b, 0)
	b.ReportAllocs()
	for b.Loop() {
		l.run(b)
	}
}

// TestHotPathDoesNotAllocate counts every allocation over many lifecycles
// once the OMS has reached its steady state (the terminal bound full, the
// indexes grown); the count must be zero, not merely round to zero per op.
// MemStats counts the whole process, and the runtime's own goroutines (the
// scavenger growing its timer heap, seen in a profile) now and then
// allocate while we count, so the best of three attempts must be zero: an
// allocation of the OMS's would show in every one.
func TestHotPathDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for kind, name := range []string{"ack-fill", "partial-replace-fill", "partial-cancel"} {
		t.Run(name, func(t *testing.T) {
			l := newLifecycle(t, kind)
			for range 5000 { // well past KeepTerminal: eviction is in steady state
				l.run(t)
			}
			const n = 20000
			best := uint64(1 << 63)
			for range 3 {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				for range n {
					l.run(t)
				}
				runtime.ReadMemStats(&after)
				best = min(best, after.Mallocs-before.Mallocs)
			}
			if best != 0 {
				t.Fatalf("%d allocations in %d lifecycles", best, n)
			}
		})
	}
}

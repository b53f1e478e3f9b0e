package oms

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/desk-trading/desk/core/domain"
)

// nStrategies is how many strategies the WorkingOf tests spread orders
// over; WorkingOf is also asked about one beyond them, which has none.
const nStrategies = 5

// TestWorkingOfMatchesWorking runs random sequences of creates, sends,
// denials, venue reports (acks, fills, cancels, rejects, replaces,
// expiries), cancel and replace requests, evictions (a small KeepTerminal)
// and restores (of held orders, under another strategy or in another
// state, and of evicted ones), and checks after every step that WorkingOf
// of each strategy is Working filtered by that strategy, in the same
// order.
func TestWorkingOfMatchesWorking(t *testing.T) {
	seeds, steps := 20, 4000
	if testing.Short() {
		seeds, steps = 4, 2000
	}
	reached := map[string]int{}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint("seed-", seed), func(t *testing.T) { runWorkingOf(t, seed, steps, reached) })
	}
	for _, want := range []string{"create", "send", "deny", "report", "cancel-request", "replace-request",
		"restore", "restore-other-strategy", "restore-evicted", "evicted", "cancel-all"} {
		if reached[want] == 0 {
			t.Errorf("the runs never reached %q: %v", want, reached)
		}
	}
	t.Logf("reached %v", reached)
}

func runWorkingOf(t *testing.T, seed uint64, steps int, reached map[string]int) {
	rng := rand.New(rand.NewPCG(seed, 0x5a7))
	m := New(Options{Instruments: instruments(t), KeepTerminal: 6})
	var seq, trade uint64
	snaps := map[domain.OrderID]domain.Order{} // last copy of every order seen, for restores
	pick := func() domain.OrderID {
		back := uint64(rng.ExpFloat64() * 10)
		if back >= seq {
			back = seq - 1
		}
		return oid(seq - back)
	}
	states := []domain.OrderState{domain.StateNew, domain.StatePendingNew, domain.StateOpen,
		domain.StatePartiallyFilled, domain.StatePendingCancel, domain.StatePendingReplace,
		domain.StateFilled, domain.StateCanceled, domain.StateRejected, domain.StateExpired}
	kinds := []domain.ExecKind{domain.ExecAck, domain.ExecReject, domain.ExecFill, domain.ExecFill,
		domain.ExecCanceled, domain.ExecReplaced, domain.ExecExpired, domain.ExecCancelReject, domain.ExecReplaceReject}

	for step := range steps {
		now := int64(step)
		x := rng.IntN(100)
		if seq == 0 {
			x = 0
		}
		switch {
		case x < 25: // a new order: sent, denied, or left new
			seq++
			in := limitBuy(oid(seq))
			in.Strategy = domain.StrategyID(rng.IntN(nStrategies))
			o, err := m.Create(&in, now)
			if err != nil {
				t.Fatalf("step %d: Create: %v", step, err)
			}
			reached["create"]++
			switch rng.IntN(10) {
			case 0:
				err = m.Reject(o, "risk", now)
				reached["deny"]++
			case 1:
			default:
				err = m.Sent(o, venue, now)
				reached["send"]++
			}
			if err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		case x < 35: // a cancel or replace request
			o, ok := m.Get(pick())
			if !ok {
				continue
			}
			if rng.IntN(2) == 0 {
				if m.CancelRequested(o, now) == nil {
					reached["cancel-request"]++
				}
			} else if m.ReplaceRequested(o, o.Price+25, o.Qty+1, now) == nil {
				reached["replace-request"]++
			}
		case x < 45: // a restore
			id := pick()
			o, held := m.Get(id)
			var snap domain.Order
			switch {
			case held:
				snap = *o
			case snaps[id].ID != 0:
				snap = snaps[id]
				reached["restore-evicted"]++
			default:
				continue
			}
			snap.State = states[rng.IntN(len(states))]
			if snap.State != domain.StateNew {
				snap.Venue = venue
			}
			if rng.IntN(2) == 0 {
				snap.Strategy = domain.StrategyID(rng.IntN(nStrategies))
				if held && snap.Strategy != o.Strategy {
					reached["restore-other-strategy"]++
				}
			}
			m.Restore(&snap)
			reached["restore"]++
		case x < 48: // a kill switch on one strategy, from inside WorkingOf
			s := domain.StrategyID(rng.IntN(nStrategies))
			want := workingIDs(m, s)
			var got []domain.OrderID
			m.WorkingOf(s, func(o *domain.Order) bool {
				got = append(got, o.ID)
				m.CancelRequested(o, now)
				if rng.IntN(3) == 0 { // and sometimes the venue answers at once
					r := report(domain.ExecCanceled, o.ID)
					m.Apply(r, now)
				}
				return true
			})
			if !slices.Equal(got, want) {
				t.Fatalf("step %d: cancel-all of strategy %d visited %v, want %v", step, s, got, want)
			}
			reached["cancel-all"]++
		default: // a venue report
			id := pick()
			o, ok := m.Get(id)
			if !ok {
				continue
			}
			r := report(kinds[rng.IntN(len(kinds))], id)
			switch r.Kind {
			case domain.ExecFill:
				trade++
				r.TradeID, r.LastPx, r.LastQty = trade, o.Price, domain.Qty(1+rng.Int64N(int64(max(o.Leaves(), 1))))
			case domain.ExecReplaced:
				r.Price, r.Qty = o.PendingPrice, o.PendingQty
			}
			if _, _, err := m.Apply(r, now); err == nil {
				reached["report"]++
			}
		}
		for i := m.orders.ended.head; i != none; i = m.orders.at(i).next {
			snaps[m.orders.at(i).o.ID] = m.orders.at(i).o
		}
		for i := m.orders.live.head; i != none; i = m.orders.at(i).next {
			snaps[m.orders.at(i).o.ID] = m.orders.at(i).o
		}
		if m.orders.free != none { // a slot was freed: an order was evicted
			reached["evicted"]++
		}
		checkWorkingOf(t, step, m)
	}
}

// workingIDs is Working filtered by strategy s.
func workingIDs(m *OMS, s domain.StrategyID) []domain.OrderID {
	var ids []domain.OrderID
	m.Working(func(o *domain.Order) bool {
		if o.Strategy == s {
			ids = append(ids, o.ID)
		}
		return true
	})
	return ids
}

// checkWorkingOf checks WorkingOf against Working for every strategy, and
// that the strategies' lists, walked both ways, hold exactly the live
// orders.
func checkWorkingOf(t *testing.T, step int, m *OMS) {
	t.Helper()
	for s := range domain.StrategyID(nStrategies + 1) {
		var got []domain.OrderID
		m.WorkingOf(s, func(o *domain.Order) bool {
			got = append(got, o.ID)
			return true
		})
		if want := workingIDs(m, s); !slices.Equal(got, want) {
			t.Fatalf("step %d: WorkingOf(%d) = %v, Working has %v", step, s, got, want)
		}
	}
	n := 0
	for s := range m.orders.strategies {
		l := &m.orders.strategies[s]
		var fwd, back []int32
		for i := l.head; i != none; i = m.orders.at(i).byStrategy.next {
			if sl := m.orders.at(i); sl.ended || sl.o.Strategy != domain.StrategyID(s) {
				t.Fatalf("step %d: strategy %d's list holds %s of strategy %d, ended %v", step, s, sl.o.ID, sl.o.Strategy, sl.ended)
			}
			fwd = append(fwd, i)
		}
		for i := l.tail; i != none; i = m.orders.at(i).byStrategy.prev {
			back = append(back, i)
		}
		slices.Reverse(back)
		if !slices.Equal(fwd, back) || len(fwd) != l.n {
			t.Fatalf("step %d: strategy %d's list: forward %v, backward %v, n %d", step, s, fwd, back, l.n)
		}
		n += l.n
	}
	if n != m.orders.live.n {
		t.Fatalf("step %d: the strategies' lists hold %d orders, the live list %d", step, n, m.orders.live.n)
	}
}

// WorkingOf stops when fn returns false, and knows nothing of a strategy
// that never had an order.
func TestWorkingOfStopsAndUnknownStrategy(t *testing.T) {
	m := newOMS(t, 10)
	for seq := range uint64(4) {
		in := limitBuy(oid(seq + 1))
		in.Strategy = 2
		mustSend(t, m, in)
	}
	n := 0
	m.WorkingOf(2, func(*domain.Order) bool { n++; return n < 2 })
	if n != 2 {
		t.Fatalf("visited %d orders after fn returned false at the second", n)
	}
	m.WorkingOf(1<<20, func(o *domain.Order) bool { t.Fatalf("visited %s", o.ID); return true })
}

func BenchmarkWorkingOf(b *testing.B) {
	m := newOMS(b, 10)
	for seq := range uint64(1000) {
		in := limitBuy(oid(seq + 1))
		in.Strategy = domain.StrategyID(seq % 10)
		mustSend(b, m, in)
	}
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		m.WorkingOf(3, func(*domain.Order) bool { n++; return true })
	}
	if n == 0 {
		b.Fatal("no orders visited")
	}
}

package engine

import (
	"math/rand"
	"reflect"
	"slices"
	"testing"

	"github.com/desk-trading/desk/core/domain"
)

// streamView is a view fed by hand: deltas of the orders given.
type streamView struct {
	v       *view
	version uint64
}

func newStreamView(keep int) *streamView { return &streamView{v: newView(&Names{}, keep)} }

func (s *streamView) apply(orders []domain.Order, gone ...domain.OrderID) {
	s.version++
	s.v.apply(&viewDelta{version: s.version, orders: orders, gone: gone})
}

func ord(seq uint64, st domain.OrderState) domain.Order {
	return domain.Order{ID: domain.MakeOrderID(1, 0, seq), State: st, Qty: 1}
}

func ids(os []domain.Order) []domain.OrderID {
	var out []domain.OrderID
	for _, o := range os {
		out = append(out, o.ID)
	}
	return out
}

func TestOrdersStreamResetThenChanges(t *testing.T) {
	s := newStreamView(100)
	s.apply([]domain.Order{ord(1, domain.StateOpen), ord(2, domain.StateFilled), ord(3, domain.StateCanceled), ord(4, domain.StateOpen)})

	u, cur := s.v.ordersSince(0, 1)
	if !u.Reset || !reflect.DeepEqual(ids(u.Orders), []domain.OrderID{ord(1, 0).ID, ord(3, 0).ID, ord(4, 0).ID}) {
		t.Fatalf("reset %v %v: want the working ones and the last finished, oldest first", u.Reset, ids(u.Orders))
	}
	if len(u.Routes) != len(u.Orders) {
		t.Fatalf("%d routes for %d orders", len(u.Routes), len(u.Orders))
	}
	if u2, cur2 := s.v.ordersSince(cur, 1); u2.Reset || len(u2.Orders) != 0 || len(u2.Gone) != 0 || cur2 != cur {
		t.Fatalf("nothing changed: %+v cursor %d, was %d", u2, cur2, cur)
	}

	// A fill, then a cancel of the same order, and a new one: each once,
	// at its latest state, in the order of their last changes.
	s.apply([]domain.Order{ord(4, domain.StatePartiallyFilled), ord(5, domain.StateOpen)})
	s.apply([]domain.Order{ord(4, domain.StateCanceled)})
	u, cur = s.v.ordersSince(cur, 1)
	if u.Reset || !reflect.DeepEqual(ids(u.Orders), []domain.OrderID{ord(5, 0).ID, ord(4, 0).ID}) || u.Orders[1].State != domain.StateCanceled {
		t.Fatalf("changes %+v", u)
	}

	// Evicted by the OMS: gone.
	s.apply(nil, ord(2, 0).ID)
	u, _ = s.v.ordersSince(cur, 1)
	if len(u.Orders) != 0 || !reflect.DeepEqual(u.Gone, []domain.OrderID{ord(2, 0).ID}) {
		t.Fatalf("after eviction %+v", u)
	}
}

func TestOrdersStreamForgottenFinishedAreGone(t *testing.T) {
	s := newStreamView(2)
	s.apply([]domain.Order{ord(1, domain.StateFilled), ord(2, domain.StateFilled)})
	_, cur := s.v.ordersSince(0, 10)
	s.apply([]domain.Order{ord(3, domain.StateFilled)}) // keep 2: order 1 is forgotten
	u, _ := s.v.ordersSince(cur, 10)
	if !reflect.DeepEqual(ids(u.Orders), []domain.OrderID{ord(3, 0).ID}) || !reflect.DeepEqual(u.Gone, []domain.OrderID{ord(1, 0).ID}) {
		t.Fatalf("update %+v", u)
	}
}

func TestOrdersStreamStaleCursorResets(t *testing.T) {
	s := newStreamView(10)
	s.apply([]domain.Order{ord(1, domain.StateOpen)})
	_, stale := s.v.ordersSince(0, 10)
	batch := make([]domain.Order, 1000)
	for s.v.changes.from == 0 {
		for i := range batch {
			batch[i] = ord(1, domain.StateOpen)
		}
		s.apply(batch)
	}
	u, cur := s.v.ordersSince(stale, 10)
	if !u.Reset || !reflect.DeepEqual(ids(u.Orders), []domain.OrderID{ord(1, 0).ID}) {
		t.Fatalf("stale cursor: %v %v, want a reset", u.Reset, ids(u.Orders))
	}
	if u, _ := s.v.ordersSince(cur, 10); u.Reset {
		t.Fatalf("a fresh cursor reset")
	}
	if u, _ := s.v.ordersSince(cur+5, 10); !u.Reset {
		t.Fatalf("a cursor from the future did not reset")
	}
}

// TestOrdersStreamRebuildsTheSet: a client that applies every update to
// a map (a reset replaces it, gone deletes) holds exactly what the view
// holds, whatever the changes, and hears of each order once per update.
func TestOrdersStreamRebuildsTheSet(t *testing.T) {
	states := []domain.OrderState{domain.StateOpen, domain.StatePartiallyFilled, domain.StatePendingCancel,
		domain.StateFilled, domain.StateCanceled, domain.StateRejected}
	for seed := int64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewSource(seed))
		s := newStreamView(1 + rng.Intn(30))
		client := map[domain.OrderID]domain.Order{}
		var cur uint64
		next := uint64(1)
		live := map[uint64]bool{}
		for step := 0; step < 300; step++ {
			var batch []domain.Order
			var gone []domain.OrderID
			for n := rng.Intn(6); n > 0; n-- {
				switch r := rng.Intn(10); {
				case r < 4:
					batch = append(batch, ord(next, domain.StateOpen))
					live[next] = true
					next++
				case r < 9 && len(live) > 0:
					seq := anyKey(rng, live)
					st := states[rng.Intn(len(states))]
					batch = append(batch, ord(seq, st))
					if st.Terminal() {
						delete(live, seq)
					}
				case next > 1:
					gone = append(gone, domain.MakeOrderID(1, 0, 1+uint64(rng.Int63n(int64(next-1)))))
				}
			}
			s.apply(batch, gone...)
			if rng.Intn(3) > 0 {
				continue // the client polls now and then; changes pile up
			}
			u, c := s.v.ordersSince(cur, MaxStreamFinished)
			if u.Reset {
				clear(client)
			}
			once := map[domain.OrderID]bool{}
			for _, o := range u.Orders {
				if once[o.ID] {
					t.Fatalf("seed %d: order %s twice in one update", seed, o.ID)
				}
				once[o.ID] = true
				client[o.ID] = o
			}
			for _, id := range u.Gone {
				delete(client, id)
			}
			cur = c
			want := map[domain.OrderID]domain.Order{}
			for id, o := range s.v.orders {
				want[id] = o.Order
			}
			if !reflect.DeepEqual(client, want) {
				t.Fatalf("seed %d step %d: the client holds %d orders, the view %d", seed, step, len(client), len(want))
			}
		}
	}
}

func anyKey(rng *rand.Rand, m map[uint64]bool) uint64 {
	n := rng.Intn(len(m))
	for k := range m {
		if n == 0 {
			return k
		}
		n--
	}
	return 0
}

// EachOrderSince visits what OrdersSince returns from the same cursor:
// the changed orders and the forgotten ids, or on a reset the working
// orders; and gives the same next cursor.
func TestEachOrderSinceAgreesWithOrdersSince(t *testing.T) {
	for seed := int64(1); seed <= 10; seed++ {
		rng := rand.New(rand.NewSource(seed))
		s := newStreamView(1 + rng.Intn(20))
		var cur uint64
		for step := 0; step < 200; step++ {
			var batch []domain.Order
			for n := rng.Intn(5); n > 0; n-- {
				st := []domain.OrderState{domain.StateOpen, domain.StateFilled, domain.StateCanceled}[rng.Intn(3)]
				batch = append(batch, ord(1+uint64(rng.Intn(40)), st))
			}
			s.apply(batch)
			if rng.Intn(3) > 0 {
				continue
			}
			if rng.Intn(10) == 0 {
				cur = 0 // a reset now and then
			}
			u, next := s.v.ordersSince(cur, MaxStreamFinished)
			var want []string
			for _, o := range u.Orders {
				if !u.Reset || !o.State.Terminal() {
					want = append(want, o.ID.String()+" "+o.State.String())
				}
			}
			for _, id := range u.Gone {
				want = append(want, id.String()+" gone")
			}
			var got []string
			next2, reset := s.v.eachOrderSince(cur, func(id domain.OrderID, o *domain.Order) {
				if o == nil {
					got = append(got, id.String()+" gone")
					return
				}
				got = append(got, o.ID.String()+" "+o.State.String())
			})
			slices.Sort(want)
			slices.Sort(got)
			if next2 != next || reset != u.Reset || !slices.Equal(got, want) {
				t.Fatalf("seed %d step %d from %d: each visited %v (next %d, reset %v), the update holds %v (next %d, reset %v)",
					seed, step, cur, got, next2, reset, want, next, u.Reset)
			}
			cur = next
		}
	}
}

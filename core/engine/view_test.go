package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// TestViewKeepsALiveOrderOverAnInvalidDuplicate sends an invalid intent
// under a live order's id, then enough finished orders to trim the view:
// the duplicate is refused as such (not journaled over the live order), the
// view still shows the live order as it is, and paging stays consistent.
// Found by review: the view took the rejection's copy, and its index and
// map fell apart at the next trim.
func TestViewKeepsALiveOrderOverAnInvalidDuplicate(t *testing.T) {
	f := newFixture(t, nopVenue{}, &memJournal{}, nopHost{}, risk.Limits{})
	clock := int64(1_700_000_000_000_000_000)
	f.eng.clock = func() time.Time { clock += 1000; return time.Unix(0, clock) }
	f.eng.view.keep = 2
	f.quote()
	live := f.intent(1)
	f.eng.now = f.eng.clock().UnixNano()
	f.eng.onIntent(&live)
	bad := live
	bad.Qty = 0 // invalid as well as a duplicate
	f.eng.now = f.eng.clock().UnixNano()
	f.eng.onIntent(&bad)
	for range 5 { // finished (invalid) orders, to trim the view
		in := f.intent(0)
		f.eng.now = f.eng.clock().UnixNano()
		f.eng.onIntent(&in)
	}
	f.eng.handView()
	pg, err := f.eng.view.ordersPage("", 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range pg.Orders {
		if o.ID == live.ID {
			found = true
			if o.State != domain.StatePendingNew {
				t.Errorf("the live order shows %s, want pending-new", o.State)
			}
		}
	}
	if !found {
		t.Errorf("the live order is gone from the view: %+v", pg.Orders)
	}
}

// TestViewPagesMatchAModel applies random deltas (new orders, updates,
// orders ending, orders gone) to a view with a small keep, and after each
// pages through it with random page sizes: every page walk must list each
// kept order once, in the order first seen, with its latest state, and keep
// exactly the working orders and the last keep that ended.
func TestViewPagesMatchAModel(t *testing.T) {
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{
		Symbol: "BTC-USD", TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("0.001"),
	})
	if err != nil {
		t.Fatal(err)
	}
	for seed := range uint64(50) {
		rng := rand.New(rand.NewPCG(seed, 7))
		const keep = 8
		v := newView(&Names{instruments: []domain.Instrument{in}}, keep)
		type entry struct {
			seq   int
			state domain.OrderState
		}
		model := map[domain.OrderID]*entry{}
		var ended []domain.OrderID
		seq, next := 0, uint64(1)
		for round := range 40 {
			d := &viewDelta{}
			for range rng.IntN(20) {
				var id domain.OrderID
				live := []domain.OrderID{}
				for id, e := range model {
					if !e.state.Terminal() {
						live = append(live, id)
					}
				}
				slices.Sort(live)
				switch r := rng.IntN(10); {
				case r < 4 || len(live) == 0: // a new order
					id = domain.MakeOrderID(1, 0, next)
					next++
					seq++
					model[id] = &entry{seq: seq, state: domain.StateOpen}
				case r < 8: // one ends
					id = live[rng.IntN(len(live))]
					model[id].state = domain.StateCanceled
					ended = append(ended, id)
				case r < 9: // one changes
					id = live[rng.IntN(len(live))]
					model[id].state = domain.StatePartiallyFilled
				default: // one the OMS no longer holds
					id = live[rng.IntN(len(live))]
					delete(model, id)
					d.gone = append(d.gone, id)
					continue
				}
				d.orders = append(d.orders, domain.Order{ID: id, Instrument: 0, Qty: 1, State: model[id].state})
			}
			v.apply(d)
			// The model keeps the last keep that ended.
			ended = slices.DeleteFunc(ended, func(id domain.OrderID) bool { _, ok := model[id]; return !ok })
			for len(ended) > keep {
				delete(model, ended[0])
				ended = ended[1:]
			}
			var want []domain.OrderID
			for id := range model {
				want = append(want, id)
			}
			slices.SortFunc(want, func(a, b domain.OrderID) int { return model[a].seq - model[b].seq })
			var got []string
			after := ""
			for {
				p, err := v.ordersPage(after, 1+rng.IntN(5))
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range p.Orders {
					got = append(got, o.ID.String()+" "+o.State.String())
				}
				if p.Next == "" {
					break
				}
				after = p.Next
			}
			var wantS []string
			for _, id := range want {
				wantS = append(wantS, id.String()+" "+model[id].state.String())
			}
			if !slices.Equal(got, wantS) {
				t.Fatalf("seed %d round %d: pages\n%v\nwant\n%v", seed, round, got, wantS)
			}
		}
	}
}

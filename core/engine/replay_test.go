package engine

import (
	"math/rand"
	"reflect"
	"testing"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// simulate drives a fresh engine with a seeded stream of books, new orders,
// cancels, replaces and venue reports (acks, partial and full fills,
// duplicates, cancels, rejects), and returns its journal and final status.
// It calls the engine's handlers directly, in order, as Run would.
func simulate(t *testing.T, seed int64, steps int) ([]domain.Event, *fixture) {
	t.Helper()
	v, j := &recVenue{}, &memJournal{}
	f := newFixture(t, v, j, nopHost{}, lims(t, "max_order_qty", "0.05", "max_position", "0.2", "price_collar_bps", "30"))
	rng := rand.New(rand.NewSource(seed))
	mid := domain.Price(10_000)
	f.quote()
	var trade uint64
	for i := 0; i < steps; i++ {
		f.eng.now += 1_000_000 // a millisecond a step
		switch r := rng.Intn(100); {
		case r < 20: // the market moves
			mid += domain.Price(rng.Intn(7) - 3)
			b := domain.BookUpdate{Instrument: 0, Seq: uint64(i + 2), NBids: 1, NAsks: 1}
			b.Bids[0] = domain.Level{Price: mid - 1, Qty: 100}
			b.Asks[0] = domain.Level{Price: mid + 1, Qty: 100}
			f.eng.onBook(&b)
		case r < 50: // a strategy sends an order, sometimes one risk refuses
			in := domain.Intent{
				Kind: domain.IntentNew, ID: f.eng.NextOrderID(0), Strategy: 0, Instrument: 0,
				Side: domain.Side(1 + rng.Intn(2)), Type: domain.Limit, TIF: domain.GTC,
				Price: mid + domain.Price(rng.Intn(81)-40), Qty: domain.Qty(1 + rng.Intn(60)),
			}
			f.eng.onIntent(&in)
		case r < 60 && len(v.sent) > 0: // a cancel or replace of some order
			o := v.sent[rng.Intn(len(v.sent))]
			in := domain.Intent{Kind: domain.IntentCancel, ID: o.ID, Strategy: 0}
			if rng.Intn(2) == 0 {
				in.Kind, in.Price, in.Qty = domain.IntentReplace, o.Price+1, o.Qty+1
			}
			f.eng.onIntent(&in)
		case len(v.sent) > 0: // the venue reports on some order
			o := v.sent[rng.Intn(len(v.sent))]
			rep := domain.ExecReport{OrderID: o.ID, Venue: o.Venue}
			switch k := rng.Intn(10); {
			case k < 3:
				rep.Kind, rep.VenueOrderID = domain.ExecAck, uint64(o.ID)
			case k < 7:
				trade++
				if rng.Intn(8) == 0 && trade > 1 {
					trade-- // a duplicate of the last trade id
				}
				rep.Kind, rep.LastPx, rep.LastQty, rep.TradeID = domain.ExecFill, o.Price, domain.Qty(1+rng.Intn(int(o.Qty))), trade
				rep.Fee = domain.Money(rng.Intn(2000) - 500)
			case k < 8:
				rep.Kind = domain.ExecCanceled
			case k < 9:
				rep.Kind, rep.Reason = domain.ExecReject, "venue-says-no"
			default:
				rep.Kind, rep.Price, rep.Qty = domain.ExecReplaced, o.Price+1, o.Qty+1
			}
			f.eng.onReport(&rep)
		}
	}
	f.eng.publish()
	evs := j.snapshot()
	for i := range evs {
		// Stage stamps are the process's monotonic clock, the one input
		// that is not replayed.
		evs[i].Order.Stamps = domain.Stamps{}
	}
	return evs, f
}

// TestSeededSimulationIsDeterministic replays the same seeded simulation
// twice and requires the same journal, event for event.
func TestSeededSimulationIsDeterministic(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		a, fa := simulate(t, seed, 4000)
		b, _ := simulate(t, seed, 4000)
		if len(a) < 1000 {
			t.Fatalf("seed %d: only %d events: the simulation does too little", seed, len(a))
		}
		kinds := map[domain.EventKind]int{}
		for _, ev := range a {
			kinds[ev.Kind]++
		}
		if kinds[domain.EventFill] == 0 || kinds[domain.EventDenied] == 0 {
			t.Fatalf("seed %d: events by kind %v: want fills and denials", seed, kinds)
		}
		if len(a) != len(b) {
			t.Fatalf("seed %d: %d events, then %d", seed, len(a), len(b))
		}
		for i := range a {
			if !reflect.DeepEqual(a[i], b[i]) {
				t.Fatalf("seed %d: event %d differs:\n%+v\n%+v", seed, i, a[i], b[i])
			}
		}

		// The journal rebuilds the same positions, P&L and counters.
		g := newFixture(t, &recVenue{}, &memJournal{}, nopHost{}, risk.Limits{})
		var sum RestoreSummary
		for i := range a {
			g.eng.Restore(&a[i], &sum)
		}
		g.eng.FinishRestore(&sum)
		if mark, at := fa.eng.risk.Mark(0); mark > 0 { // the live market, for unrealized P&L
			g.eng.risk.OnMark(0, mark, at)
		}
		g.eng.now = fa.eng.now
		g.eng.publish()
		live, restored := unjournaled(fa.eng.Snapshot()), unjournaled(g.eng.Snapshot())
		if !reflect.DeepEqual(live.Strategies, restored.Strategies) || !reflect.DeepEqual(live.Firm, restored.Firm) {
			t.Fatalf("seed %d: restored status differs:\nlive     %+v\nrestored %+v", seed, live.Strategies, restored.Strategies)
		}
		// And the ledger's position is the sum of the journaled fills,
		// the duplicates of the simulation never among them.
		var sumFills domain.Qty
		for i := range a {
			if f := &a[i].Fill; a[i].Kind == domain.EventFill {
				sumFills += f.Qty * domain.Qty(f.Side.Sign())
			}
		}
		if p := fa.eng.risk.Position(0, 0); p != nil && p.Qty != sumFills {
			t.Fatalf("seed %d: ledger position %d, journaled fills sum to %d", seed, p.Qty, sumFills)
		}
	}
}

// unjournaled returns a copy of s without what a restore does not rebuild:
// the limits' use (the limits are the config's, and the restored fixture
// has none), the denial counts and latest denial, which count denied
// replaces that only the live engine saw, and the cancels, counted since
// the run started.
func unjournaled(s *Snapshot) *Snapshot {
	c := *s
	c.Firm.Use = nil
	c.Strategies = append([]StrategySnapshot(nil), s.Strategies...)
	for k := range c.Strategies {
		x := &c.Strategies[k]
		x.Use, x.Denials, x.LastDenial, x.LastDenialAt = nil, 0, "", 0
		x.Cancels, x.DenialsBy = 0, nil // monitoring counters: since this run's start, or what the journal holds
	}
	return &c
}

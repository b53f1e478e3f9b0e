package engine

import (
	"math/rand"
	"testing"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// TestNoOrderAfterHalt is a property test: over a random interleaving of
// new orders and state changes on the strategy, its book and the firm, an
// order reaches the venue only while the strategy's effective state lets
// it (active, or reduce-only for an order that reduces), and every other
// order is denied for exactly that reason.
func TestNoOrderAfterHalt(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	v, h := &recVenue{}, &recHost{}
	f := newFixture(t, v, &memJournal{}, h, risk.Limits{})
	f.quote()
	nodes := []string{"mm", "alpha", risk.FirmNode}
	states := map[string]domain.TradingState{"mm": domain.Active, "alpha": domain.Active, risk.FirmNode: domain.Active}
	sent, denied := 0, 0
	for step := 0; step < 5000; step++ {
		if rng.Intn(4) == 0 {
			n := nodes[rng.Intn(len(nodes))]
			s := [...]domain.TradingState{domain.Active, domain.Active, domain.Active, domain.Active, domain.ReduceOnly, domain.Halted}[rng.Intn(6)]
			if _, err := f.eng.setState(n, s, "test", ""); err != nil {
				t.Fatal(err)
			}
			states[n] = s
			continue
		}
		eff := max(states["mm"], states["alpha"], states[risk.FirmNode])
		in := f.intent(1)
		if rng.Intn(2) == 0 {
			in.Side = domain.Sell
		}
		pos := f.eng.risk.Strategy(0).Position(0)
		before := v.count()
		f.eng.onIntent(&in)
		// Fill it at once, so positions move and reduce-only has work.
		if v.count() > before {
			f.eng.onReport(&domain.ExecReport{Kind: domain.ExecFill, OrderID: in.ID, LastPx: in.Price, LastQty: in.Qty, TradeID: uint64(step + 1)})
		}
		reduces := (in.Side == domain.Sell && pos >= 1) || (in.Side == domain.Buy && pos <= -1)
		allowed := eff == domain.Active || (eff == domain.ReduceOnly && reduces)
		last := h.orders[len(h.orders)-1]
		switch {
		case v.count() > before && !allowed:
			t.Fatalf("step %d: order sent while %s (position %d, %s)", step, eff, pos, in.Side)
		case v.count() == before && allowed:
			t.Fatalf("step %d: order refused (%q) while %s", step, last.Reason, eff)
		case v.count() == before:
			want := risk.ReasonHalted
			if eff == domain.ReduceOnly {
				want = risk.ReasonReduceOnly
			}
			if last.Reason != want {
				t.Fatalf("step %d: denied for %q while %s, want %q", step, last.Reason, eff, want)
			}
			denied++
		default:
			sent++
		}
	}
	if sent < 500 || denied < 500 {
		t.Fatalf("%d sent, %d denied: not varied enough", sent, denied)
	}
}

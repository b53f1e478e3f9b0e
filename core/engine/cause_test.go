package engine

import (
	"context"
	"testing"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// TestStateAnswerSaysWhyItIsMoreRestrictive: a resume or reduce-only that
// cannot take effect says which node or breaker holds it, and who, when
// and why.
func TestStateAnswerSaysWhyItIsMoreRestrictive(t *testing.T) {
	cases := []struct {
		name  string
		setup func(e *Engine)
		node  string
		state domain.TradingState
		want  domain.TradingState
		cause string
	}{
		{name: "resume with nothing above", node: "mm", state: domain.Active, want: domain.Active},
		{name: "resume under a halted firm", setup: func(e *Engine) {
			e.setState(risk.FirmNode, domain.Halted, "uid 0 (root)", "lunch")
		}, node: "mm", state: domain.Active, want: domain.Halted, cause: "firm halted by uid 0 (root) at 22:13:20 (lunch)"},
		{name: "reduce-only under a halted book", setup: func(e *Engine) {
			e.setState("alpha", domain.Halted, "uid 7 (op)", "")
		}, node: "mm", state: domain.ReduceOnly, want: domain.Halted, cause: "book alpha halted by uid 7 (op) at 22:13:20"},
		{name: "resume under a book killed", setup: func(e *Engine) {
			e.kill("alpha", "uid 7 (op)", "runaway")
		}, node: "mm", state: domain.Active, want: domain.Halted, cause: "book alpha halted by uid 7 (op) at 22:13:20 (runaway)"},
		{name: "resume of a node with a tripped breaker", setup: func(e *Engine) {
			e.handleTrips(e.risk.Stale(0, true, e.now))
		}, node: "mm", state: domain.Active, want: domain.Halted, cause: "breaker stale-data tripped on strategy mm at 22:13:20: market data for BTC-USD is stale"},
		{name: "halt asks the most", setup: func(e *Engine) {
			e.setState(risk.FirmNode, domain.Halted, "uid 0 (root)", "")
		}, node: "mm", state: domain.Halted, want: domain.Halted},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, &recVenue{}, &memJournal{}, &recHost{}, risk.Limits{})
			f.eng.now = f.eng.clock().UnixNano()
			if c.setup != nil {
				c.setup(f.eng)
			}
			run(t, f.eng)
			r, err := f.eng.SetState(context.Background(), c.node, c.state, "uid 7 (op)", "")
			if err != nil {
				t.Fatal(err)
			}
			if r.State != c.want || r.Cause != c.cause {
				t.Fatalf("answer %s %q, want %s %q", r.State, r.Cause, c.want, c.cause)
			}
		})
	}
}

package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// TestOperatorCancels drives Cancel and CancelAll through the command
// queue: what each cancels, what it refuses and with which error, and
// that each is audited with who and why and leaves the states alone.
func TestOperatorCancels(t *testing.T) {
	type orders struct{ working, filled domain.OrderID }
	place := func(f *fixture) orders {
		a, b := f.intent(1), f.intent(2)
		f.eng.onIntent(&a)
		f.eng.onIntent(&b)
		f.eng.onReport(&domain.ExecReport{Kind: domain.ExecAck, OrderID: a.ID, VenueOrderID: 1})
		f.eng.onReport(&domain.ExecReport{Kind: domain.ExecAck, OrderID: b.ID, VenueOrderID: 2})
		f.eng.onReport(&domain.ExecReport{Kind: domain.ExecFill, OrderID: b.ID, LastPx: 10_000, LastQty: 2, TradeID: 1})
		return orders{working: a.ID, filled: b.ID}
	}
	cases := []struct {
		name    string
		do      func(e *Engine, o orders) (CancelResult, error)
		err     error
		msg     string // in the error
		want    func(o orders) []domain.OrderID
		action  string // audited; "" for none
		auditOf string
	}{
		{name: "one working order", do: func(e *Engine, o orders) (CancelResult, error) {
			return e.Cancel(context.Background(), o.working.String(), "uid 7 (op)", "fat finger")
		}, want: func(o orders) []domain.OrderID { return []domain.OrderID{o.working} }, action: actionCancel, auditOf: "mm"},
		{name: "a filled order", do: func(e *Engine, o orders) (CancelResult, error) {
			return e.Cancel(context.Background(), o.filled.String(), "uid 7 (op)", "")
		}, err: ErrOrderDone, msg: "is already filled"},
		{name: "an unknown order", do: func(e *Engine, o orders) (CancelResult, error) {
			return e.Cancel(context.Background(), domain.MakeOrderID(7, 0, 999).String(), "uid 7 (op)", "")
		}, err: ErrUnknownOrder},
		{name: "not an order id", do: func(e *Engine, o orders) (CancelResult, error) {
			return e.Cancel(context.Background(), "mm-17", "uid 7 (op)", "")
		}, err: ErrUnknownOrder},
		{name: "all of a book", do: func(e *Engine, o orders) (CancelResult, error) {
			return e.CancelAll(context.Background(), "alpha", "uid 7 (op)", "flatten")
		}, want: func(o orders) []domain.OrderID { return []domain.OrderID{o.working} }, action: actionCancelAll, auditOf: "alpha"},
		{name: "all of an unknown node", do: func(e *Engine, o orders) (CancelResult, error) {
			return e.CancelAll(context.Background(), "nope", "uid 7 (op)", "")
		}, err: ErrUnknownNode},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, j, h := &recVenue{}, &memJournal{}, &recHost{}
			f := newFixture(t, v, j, h, risk.Limits{})
			f.quote()
			o := place(f)
			run(t, f.eng)
			r, err := c.do(f.eng, o)
			if c.err != nil {
				if !errors.Is(err, c.err) || (c.msg != "" && !strings.Contains(err.Error(), c.msg)) {
					t.Fatalf("err %v, want %v (%q)", err, c.err, c.msg)
				}
				if n := len(v.cancels); n != 0 {
					t.Fatalf("%d cancels sent on a refused command", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := c.want(o); !slices.Equal(r.Orders, want) || !slices.Equal(v.cancels, want) {
				t.Fatalf("result %v, venue got %v, want %v", r.Orders, v.cancels, want)
			}
			if s := f.eng.Snapshot(); s.Strategies[0].State != domain.Active || s.Books[0].State != domain.Active {
				t.Fatalf("a cancel changed a state: %+v", s.Strategies[0].NodeSnapshot)
			}
			recs, _ := f.eng.Audit(context.Background(), c.auditOf, 1)
			if len(recs) != 1 || recs[0].Audit.Action != c.action || recs[0].Audit.Who != "uid 7 (op)" || recs[0].Audit.Why == "" {
				t.Fatalf("audit %+v, want %s by uid 7 (op)", recs, c.action)
			}
		})
	}
}

// TestCancelOfAnOrderAlreadyCanceling answers with no order: its cancel is
// on its way already.
func TestCancelOfAnOrderAlreadyCanceling(t *testing.T) {
	v := &recVenue{}
	f := newFixture(t, v, &memJournal{}, &recHost{}, risk.Limits{})
	f.quote()
	in := f.intent(1)
	f.eng.onIntent(&in)
	for k := 0; k < 2; k++ {
		r, err := f.eng.cancelOne(in.ID, "op", "")
		if err != nil || len(r.Orders) != 1-k {
			t.Fatalf("cancel %d: %+v %v", k, r, err)
		}
	}
	if len(v.cancels) != 1 {
		t.Fatalf("cancels %v, want one", v.cancels)
	}
}

// TestOperatorCommandsSurviveARestart replays a journal of a reduce-only,
// a cancel and a cancel-all: the state comes back, the canceled orders
// are pending cancel, and the audit keeps all three.
func TestOperatorCommandsSurviveARestart(t *testing.T) {
	v, j := &recVenue{}, &memJournal{}
	f := newFixture(t, v, j, &recHost{}, risk.Limits{})
	f.quote()
	a, b := f.intent(1), f.intent(1)
	f.eng.onIntent(&a)
	f.eng.onIntent(&b)
	if _, err := f.eng.setState("alpha", domain.ReduceOnly, "op", "wind down"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.eng.cancelOne(a.ID, "op", "one"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.eng.cancelAll("firm", "op", "all"); err != nil {
		t.Fatal(err)
	}

	g := newFixture(t, &recVenue{}, &memJournal{}, &recHost{}, risk.Limits{})
	var sum RestoreSummary
	for _, ev := range j.snapshot() {
		g.eng.Restore(&ev, &sum)
	}
	g.eng.FinishRestore(&sum)
	if n, _ := g.eng.risk.Node("alpha"); n.State() != domain.ReduceOnly {
		t.Fatalf("alpha restored %s, want reduce-only", n.State())
	}
	for _, id := range []domain.OrderID{a.ID, b.ID} {
		if o, ok := g.eng.oms.Get(id); !ok || o.State != domain.StatePendingCancel {
			t.Fatalf("order %s restored %+v, want pending-cancel", id, o)
		}
	}
	var actions []string
	for _, r := range g.auditList("", 0) {
		actions = append(actions, r.Audit.Action)
	}
	if want := []string{"reduce-only", "cancel", "cancel-all"}; !slices.Equal(actions, want) {
		t.Fatalf("restored audit %v, want %v", actions, want)
	}
	if c, ok := g.eng.risk.Firm().Changed(); ok {
		t.Fatalf("firm changed %+v, though only alpha's state was set", c)
	}
	if c, ok := mustNode(t, g.eng, "alpha").Changed(); !ok || c.Who != "op" || c.Why != "wind down" || c.State != domain.ReduceOnly {
		t.Fatalf("alpha's restored change %+v %v", c, ok)
	}
}

func mustNode(t *testing.T, e *Engine, name string) *risk.Node {
	t.Helper()
	n, ok := e.risk.Node(name)
	if !ok {
		t.Fatalf("no node %s", name)
	}
	return n
}

package engine

import (
	"errors"
	"reflect"
	"testing"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// breachFixture has two working orders of mm (0.005 and 0.001 BTC-USD at
// 100.00) and a long position of 0.002 bought at 101.00, so at the
// 100.01 mark it is at a loss.
func breachFixture(t *testing.T) (*fixture, *memJournal, domain.OrderID) {
	j := &memJournal{}
	f := newFixture(t, &recVenue{}, j, &recHost{}, risk.Limits{})
	f.quote()
	a, b, c := f.intent(5), f.intent(2), f.intent(1)
	b.Price = 10_100
	for k, in := range []*domain.Intent{&a, &b, &c} {
		f.eng.onIntent(in)
		f.eng.onReport(&domain.ExecReport{Kind: domain.ExecAck, OrderID: in.ID, VenueOrderID: uint64(k + 1)})
	}
	f.eng.onReport(&domain.ExecReport{Kind: domain.ExecFill, OrderID: b.ID, LastPx: 10_100, LastQty: 2, TradeID: 1})
	f.quote()
	return f, j, a.ID
}

// TestLimitDryRunIsTheEditWithoutTheEffect: a dry run answers exactly as
// the real edit does, breaches and errors included, and changes and
// journals nothing; the real edit then lists the same breaches.
func TestLimitDryRunIsTheEditWithoutTheEffect(t *testing.T) {
	cases := []struct {
		node, scope, key, value string
		err                     error
		msgs                    []string // the breaches' messages
	}{
		{node: "mm", key: "max_order_qty", value: "0.003", msgs: []string{"working order 7-0-1 for 0.005 above max_order_qty 0.003"}},
		{node: "mm", scope: "instrument:BTC-USD", key: "max_order_qty", value: "0.0005", msgs: []string{
			"working order 7-0-1 for 0.005 above max_order_qty 0.001", // rounded down to the lot, at least one
		}},
		{node: "alpha", key: "max_order_qty", value: "0.01"},
		{node: "firm", key: "max_order_notional", value: "0.3", msgs: []string{"working order 7-0-1 for 0.5 above max_order_notional 0.3"}},
		{node: "alpha", key: "max_position", value: "0.001", msgs: []string{"position 0.002 in BTC-USD over max_position 0.001"}},
		{node: "firm", key: "max_open_orders", value: "1", msgs: []string{"firm has 2 open orders, over max_open_orders 1"}},
		{node: "alpha", key: "max_daily_loss", value: "0.001", msgs: []string{"book alpha daily loss 0.00198 over max_daily_loss 0.001"}},
		{node: "mm", key: "max_gross_exposure", value: "0.1", msgs: []string{"strategy mm gross exposure 0.20002 over max_gross_exposure 0.1"}},
		{node: "mm", key: "max_orders_per_sec", value: "1"},
		{node: "mm", key: "max_position", value: "0"},
		{node: "mm", key: "max_ordr_qty", value: "1", err: ErrBadCommand},
		{node: "mm", key: "max_order_qty", value: "-1", err: ErrBadCommand},
		{node: "mm", key: "max_open_orders", value: "1.5", err: ErrBadCommand},
		{node: "nope", key: "max_order_qty", value: "1", err: risk.ErrUnknownNode},
		{node: "mm", scope: "instrument:NOPE", key: "max_order_qty", value: "1", err: risk.ErrBadScope},
		{node: "mm", scope: "class:x", key: "max_open_orders", value: "1", err: risk.ErrBadScope},
	}
	for _, c := range cases {
		t.Run(c.node+" "+c.scope+" "+c.key+"="+c.value, func(t *testing.T) {
			f, j, _ := breachFixture(t)
			events := len(j.snapshot())
			before := f.eng.limitsGet()
			cmd := command{kind: cmdLimitsSet, node: c.node, scope: c.scope, key: c.key, value: c.value, who: "op", why: "test"}
			dry := cmd
			dry.flag = true
			dr, derr := f.eng.limitsSet(&dry)
			if n := len(j.snapshot()); n != events {
				t.Fatalf("a dry run journaled %d events", n-events)
			}
			if after := f.eng.limitsGet(); !reflect.DeepEqual(after, before) {
				t.Fatalf("a dry run changed the limits")
			}
			rr, rerr := f.eng.limitsSet(&cmd)
			if c.err != nil {
				if !errors.Is(derr, c.err) || !errors.Is(rerr, c.err) || derr.Error() != rerr.Error() {
					t.Fatalf("dry run %v, edit %v, want both %v", derr, rerr, c.err)
				}
				return
			}
			if derr != nil || rerr != nil {
				t.Fatalf("dry run %v, edit %v", derr, rerr)
			}
			if !dr.DryRun || rr.DryRun {
				t.Fatalf("dry run flags: %v %v", dr.DryRun, rr.DryRun)
			}
			dr.DryRun = false
			if !reflect.DeepEqual(dr, rr) {
				t.Fatalf("dry run %+v\nedit    %+v", dr, rr)
			}
			var msgs []string
			for _, b := range rr.Breaches {
				msgs = append(msgs, b.Message)
			}
			if !reflect.DeepEqual(msgs, c.msgs) {
				t.Fatalf("breaches %q, want %q", msgs, c.msgs)
			}
			if len(j.snapshot()) == events {
				t.Fatalf("the edit journaled nothing")
			}
		})
	}
}

// TestBreachNamesTheOrderAndInstrument checks the fields a client acts on.
func TestBreachNamesTheOrderAndInstrument(t *testing.T) {
	f, _, id := breachFixture(t)
	r, err := f.eng.limitsSet(&command{kind: cmdLimitsSet, node: "mm", key: "max_order_qty", value: "0.002", flag: true})
	if err != nil {
		t.Fatal(err)
	}
	want := risk.Breach{Node: "mm", Instrument: "BTC-USD", Order: id, Value: "0.005", Message: "working order 7-0-1 for 0.005 above max_order_qty 0.002"}
	if len(r.Breaches) != 1 || r.Breaches[0] != want {
		t.Fatalf("breaches %+v, want %+v", r.Breaches, want)
	}
}

package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/desk-trading/desk/core/engine"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/core/wire"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.json")

// TestRenderedScenarioMatchesGolden renders the scenario's status, order
// pages, audit trail, limits, command results and alerts through
// core/wire and compares the JSON byte for byte with testdata/golden.json.
// That file was written by the engine's own rendering before rendering
// moved to core/wire (issue 8): the wire contract must not change.
func TestRenderedScenarioMatchesGolden(t *testing.T) {
	e, alerts, results := engine.Scenario(t)
	ctx := context.Background()
	names := e.Names()
	out := map[string]any{}
	out["status"] = wire.Status(e.Snapshot(), names)
	p1, err := e.Orders(ctx, "", 3)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := e.Orders(ctx, p1.Next, 0)
	if err != nil {
		t.Fatal(err)
	}
	out["orders1"], out["orders2"] = wire.Orders(p1, names), wire.Orders(p2, names)
	all, _ := e.Audit(ctx, "", 0)
	arb, _ := e.Audit(ctx, "arb", 2)
	out["audit"], out["audit_arb"] = wire.Audit(all, names), wire.Audit(arb, names)
	l, err := e.Limits(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	la, err := e.Limits(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	out["limits"], out["limits_alpha"] = wire.Limits(l), wire.Limits(la)
	var res []any
	for _, r := range results {
		switch r := r.(type) {
		case engine.StateChange:
			res = append(res, wire.Ack(r))
		case engine.KillResult:
			res = append(res, wire.KillResult(r))
		case engine.ResetResult:
			res = append(res, wire.ResetResult(r))
		case engine.LimitChange:
			res = append(res, wire.LimitsSetResult(r))
		default:
			t.Fatalf("result %T", r)
		}
	}
	out["results"] = res
	var al []protocol.Alert
	for _, a := range alerts {
		al = append(al, wire.Alert(a))
	}
	out["alerts"] = al
	got, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("testdata/golden.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		os.WriteFile(t.TempDir()+"/got.json", got, 0o644)
		t.Fatalf("rendered JSON differs from testdata/golden.json:\n%s", firstDiff(got, want))
	}
}

// firstDiff shows where a and b first differ, with some context.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-300)
	return "got:  ..." + string(a[lo:min(len(a), i+200)]) + "\nwant: ..." + string(b[lo:min(len(b), i+200)])
}

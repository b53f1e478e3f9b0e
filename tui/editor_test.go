package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/desk-trading/desk/core/protocol"
)

// limitsDaemon answers limits.get with mm-eth's max_position and a hard
// cap, and limits.set as the daemon would: a dry run lists what a lower
// max_position breaches; a whole-number key refuses a fraction.
func limitsDaemon(sess *fakeSession) {
	sess.answer = func(cmd string, args, result any) error {
		switch r := result.(type) {
		case *protocol.LimitsResult:
			*r = protocol.LimitsResult{
				Nodes: []protocol.NodeLimits{{Node: "mm-eth", Kind: "strategy", Parent: "crypto", Limits: map[string]string{"max_position": "10", "max_open_orders": "20"}}},
				Caps:  map[string]string{"max_position": "100"},
				Keys:  []string{"max_position", "max_open_orders"},
			}
		case *protocol.LimitsSetResult:
			a := args.(protocol.LimitsSetArgs)
			if a.Key == "max_open_orders" && strings.Contains(a.Value, ".") {
				return &protocol.Error{Code: protocol.CodeBadRequest, Message: "max_open_orders: " + a.Value + " is not a whole number"}
			}
			*r = protocol.LimitsSetResult{Node: a.Node, Key: a.Key, Old: "10", New: a.Value, DryRun: a.DryRun}
			if a.Key == "max_position" && a.Value == "5" {
				r.Breaches = []protocol.Breach{{Node: "mm-eth", Instrument: "ETH-USD", Value: "7.3",
					Message: "position ETH-USD 7.3 (with working orders) over max_position 5"}}
			}
		}
		return nil
	}
}

// riskLimits opens the risk view on mm-eth's limits, with the limits
// fetched, and selects max_position.
func riskLimits(t *testing.T, sess *fakeSession) model {
	t.Helper()
	limitsDaemon(sess)
	m, _ := rich(t, sess, 120, 40)
	m, cmd := press(t, m, "4")
	m = answered(t, m, cmd)
	m, _ = press(t, m, "G", "enter") // mm-eth, into its limits
	m, _ = press(t, m, strings.Split("/max_position", "")...)
	m, _ = press(t, m, "enter")
	if ref, ok := m.selectedLimit(); !ok || ref.key != "max_position" || ref.node != "mm-eth" {
		t.Fatalf("selected limit %+v:\n%s", ref, screen(m))
	}
	return m
}

func typeValue(t *testing.T, m model, v string) model {
	t.Helper()
	for range 8 {
		m, _ = press(t, m, "backspace")
	}
	m, _ = press(t, m, strings.Split(v, "")...)
	return m
}

func TestLimitEditRefusesABadValueInPlace(t *testing.T) {
	sess := newFakeSession()
	m := riskLimits(t, sess)
	m, _ = press(t, m, "e")
	if m.mode != modeEdit || !strings.Contains(screen(m), "EDIT max_position of mm-eth — now 10, hard cap 100") {
		t.Fatalf("e did not open the editor:\n%s", screen(m))
	}
	for _, tc := range []struct{ value, why string }{
		{"abc", `"abc" is not a number`},
		{"-1", "cannot be negative"},
		{"150", "above the hard cap of 100"},
	} {
		m = typeValue(t, m, tc.value)
		if got := screen(m); !strings.Contains(got, "✗") || !strings.Contains(got, tc.why) {
			t.Errorf("%s: not refused in place:\n%s", tc.value, got)
		}
		var cmd any
		m, cmd = press(t, m, "enter")
		if len(sess.callsOf(protocol.CmdLimitsSet)) != 0 || m.edit.step != editValue {
			t.Fatalf("%s: sent %v", tc.value, cmd)
		}
	}
	// The daemon's own refusal shows in place too, and the value stays
	// open for another try.
	m, _ = press(t, m, "esc") // closes the editor; the keys stay in the limits
	m, _ = press(t, m, strings.Split("/max_open", "")...)
	m, _ = press(t, m, "enter", "e")
	m = typeValue(t, m, "2.5")
	m, cmd := press(t, m, "enter")
	m = answered(t, m, cmd)
	if got := screen(m); !strings.Contains(got, "✗ max_open_orders: 2.5 is not a whole number") || m.edit.step != editValue {
		t.Fatalf("daemon refusal not in place:\n%s", got)
	}
	if calls := sess.callsOf(protocol.CmdLimitsSet); len(calls) != 1 || !calls[0].raw.(protocol.LimitsSetArgs).DryRun {
		t.Fatalf("calls %+v, want one dry run", calls)
	}
	m, _ = press(t, m, "esc")
	if m.edit != nil || !strings.Contains(m.status.text, "nothing changed") {
		t.Fatalf("esc did not close: %q", m.status.text)
	}
}

func TestLimitEditDryRunListsBreachesThenApplies(t *testing.T) {
	sess := newFakeSession()
	m := riskLimits(t, sess)
	m, _ = press(t, m, "e")
	m = typeValue(t, m, "5")
	m, cmd := press(t, m, "enter")
	m = answered(t, m, cmd)
	if m.edit == nil || m.edit.step != editWhy {
		t.Fatalf("after the dry run: %+v\n%s", m.edit, screen(m))
	}
	got := screen(m)
	for _, want := range []string{"dry run: 10 → 5 would breach 1 now:", "position ETH-USD 7.3 (with working orders) over max_position 5", "why:"} {
		if !strings.Contains(got, want) {
			t.Errorf("editor lacks %q:\n%s", want, got)
		}
	}
	m, _ = press(t, m, "enter") // no reason
	if !strings.Contains(screen(m), "say why") {
		t.Fatalf("an empty reason passed:\n%s", screen(m))
	}
	m, _ = press(t, m, strings.Split("vol is up", "")...)
	m, _ = press(t, m, "enter")
	if !strings.Contains(screen(m), "apply it? y to apply") {
		t.Fatalf("no last question:\n%s", screen(m))
	}
	m, cmd = press(t, m, "y")
	m = answered(t, m, cmd)
	calls := sess.callsOf(protocol.CmdLimitsSet)
	if len(calls) != 2 {
		t.Fatalf("limits.set calls %+v", calls)
	}
	a := calls[1].raw.(protocol.LimitsSetArgs)
	if a.DryRun || a.Node != "mm-eth" || a.Key != "max_position" || a.Value != "5" || a.Why != "vol is up" {
		t.Fatalf("the edit sent %+v", a)
	}
	if m.edit != nil || !strings.Contains(m.status.text, "max_position of mm-eth: 10 → 5, journaled") {
		t.Fatalf("status %q", m.status.text)
	}
	// The limits are fetched again at once, so the new value shows.
	if n := len(sess.callsOf(protocol.CmdLimitsGet)); n < 2 {
		t.Errorf("limits fetched %d times", n)
	}
}

// The command line's limit edit goes through the same dry run and
// question.
func TestLimitCommandDryRunsFirst(t *testing.T) {
	sess := newFakeSession()
	limitsDaemon(sess)
	m, _ := rich(t, sess, 120, 40)
	m, _ = press(t, m, strings.Split(`:limit mm-eth max_position=5 why="vol is up"`, "")...)
	m, cmd := press(t, m, "enter")
	m = answered(t, m, cmd)
	if m.edit == nil || m.edit.step != editReview || !strings.Contains(screen(m), "would breach 1 now") {
		t.Fatalf("no review after the dry run:\n%s", screen(m))
	}
	if calls := sess.callsOf(protocol.CmdLimitsSet); len(calls) != 1 || !calls[0].raw.(protocol.LimitsSetArgs).DryRun {
		t.Fatalf("calls %+v", calls)
	}
	m, _ = press(t, m, "enter") // defaults to no
	if m.edit != nil || len(sess.callsOf(protocol.CmdLimitsSet)) != 1 {
		t.Fatal("enter applied the edit")
	}
}

// The daemon checks the value as it is typed: once typing pauses, a value
// its own rules refuse (a fraction for a count) is refused in place, and
// one it takes shows what it would breach, before enter.
func TestLimitEditCheckedByTheDaemonAsTyped(t *testing.T) {
	sess := newFakeSession()
	m := riskLimits(t, sess)
	m, _ = press(t, m, "esc") // back to the tree; pick max_open_orders
	m, _ = press(t, m, "enter")
	m, _ = press(t, m, strings.Split("/max_open", "")...)
	m, _ = press(t, m, "enter", "e")
	for range 4 {
		m, _ = press(t, m, "backspace")
	}
	m, _ = press(t, m, "2", ".")
	m, cmd := press(t, m, "5")
	for _, msg := range runAll(t, cmd) { // the pause, then the check
		var next tea.Cmd
		m, next = update(t, m, msg)
		m = answered(t, m, next)
	}
	if got := screen(m); !strings.Contains(got, "✗ max_open_orders: 2.5 is not a whole number") {
		t.Fatalf("not refused as typed:\n%s", got)
	}
	if m.edit.step != editValue || m.status.text != "" && strings.Contains(m.status.text, "refused") {
		t.Fatalf("the check moved the editor on: step %v, status %q", m.edit.step, m.status.text)
	}
	// A check answered after the value changed again is dropped.
	stale := callResultMsg{req: m.edit.request(true), err: &protocol.Error{Code: protocol.CodeBadRequest, Message: "stale"}}
	stale.req.quiet = true
	m, _ = press(t, m, "backspace", "backspace", "backspace", "5")
	m, _ = update(t, m, stale)
	if strings.Contains(screen(m), "stale") {
		t.Fatal("a stale check was shown")
	}
}

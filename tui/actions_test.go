package tui

import (
	"strings"
	"testing"

	"github.com/desk-trading/desk/core/protocol"
)

// The keys on the selected node send the right command for it, at once.
func TestNodeKeysSendCommands(t *testing.T) {
	for _, tc := range []struct {
		keys []string
		cmd  string
		node string
	}{
		{[]string{"h"}, protocol.CmdHalt, "tri-1"},
		{[]string{"j", "r"}, protocol.CmdResume, "mm-btc"},
		{[]string{"G", "x"}, protocol.CmdReduceOnly, "mm-eth"},
		{[]string{"2", "h"}, protocol.CmdHalt, "tri-1"},       // the order's strategy
		{[]string{"3", "G", "h"}, protocol.CmdHalt, "mm-eth"}, // the position's
		{[]string{"4", "h"}, protocol.CmdHalt, "firm"},
		{[]string{"4", "j", "h"}, protocol.CmdHalt, "arb"},
		{[]string{"4", "j", "j", "r"}, protocol.CmdResume, "tri-1"},
		{[]string{"enter", "h"}, protocol.CmdHalt, "tri-1"}, // in the detail
	} {
		sess := newFakeSession()
		m, _ := rich(t, sess, 120, 30)
		m, cmd := press(t, m, tc.keys...)
		if cmd == nil {
			t.Fatalf("%v: no command", tc.keys)
		}
		m = answered(t, m, cmd)
		calls := sess.callsOf(tc.cmd)
		if len(calls) != 1 || calls[0].args.Node != tc.node {
			t.Fatalf("%v: calls %+v, want one %s of %s", tc.keys, calls, tc.cmd, tc.node)
		}
		if !strings.Contains(m.status.text, "ok, "+tc.node+" is now") {
			t.Errorf("%v: status %q", tc.keys, m.status.text)
		}
	}
}

// A kill asks first and the question defaults to no: enter, esc and n
// cancel; only y kills.
func TestKillConfirmationDefaultsToCancel(t *testing.T) {
	for _, no := range []string{"enter", "esc", "n", "q"} {
		sess := newFakeSession()
		m, _ := rich(t, sess, 120, 30)
		m, cmd := press(t, m, "4", "j", "K")
		if cmd != nil || m.mode != modeConfirm || !strings.Contains(screen(m), "KILL arb? halts it and cancels 2 working orders") {
			t.Fatalf("K did not ask:\n%s", screen(m))
		}
		if !strings.Contains(screen(m), "N/enter/esc to cancel") {
			t.Errorf("the question does not say its default:\n%s", screen(m))
		}
		m, cmd = press(t, m, no)
		if cmd != nil || len(sess.callsOf(protocol.CmdKill)) != 0 || m.mode != modeNormal {
			t.Fatalf("%s killed: %+v", no, sess.callsOf(protocol.CmdKill))
		}
		if !strings.Contains(m.status.text, "canceled") {
			t.Errorf("%s: status %q", no, m.status.text)
		}
	}
	sess := newFakeSession()
	m, _ := rich(t, sess, 120, 30)
	m, _ = press(t, m, "4", "j", "K", "x") // another key: the question stands
	if m.mode != modeConfirm {
		t.Fatal("a stray key answered the question")
	}
	m, cmd := press(t, m, "y")
	m = answered(t, m, cmd)
	if calls := sess.callsOf(protocol.CmdKill); len(calls) != 1 || calls[0].args.Node != "arb" {
		t.Fatalf("kill calls %+v", calls)
	}
	if len(sess.callsOf(protocol.CmdReduceOnly)) != 0 {
		t.Fatal("the stray x acted")
	}
}

// The firm-wide kill wants KILL typed; y does nothing.
func TestFirmKillNeedsKILLTyped(t *testing.T) {
	sess := newFakeSession()
	m, _ := rich(t, sess, 120, 30)
	m, _ = press(t, m, "!")
	if !strings.Contains(screen(m), "type KILL") {
		t.Fatalf("no typed confirmation:\n%s", screen(m))
	}
	m, cmd := press(t, m, "y", "enter")
	if cmd != nil || len(sess.callsOf(protocol.CmdKill)) != 0 {
		t.Fatal("y killed the firm")
	}
	m, _ = press(t, m, "!", "K", "I", "L", "enter")
	if len(sess.callsOf(protocol.CmdKill)) != 0 {
		t.Fatal("KIL killed the firm")
	}
	m, cmd = press(t, m, "!", "K", "I", "L", "L", "enter")
	answered(t, m, cmd)
	if calls := sess.callsOf(protocol.CmdKill); len(calls) != 1 || calls[0].args.Node != "firm" {
		t.Fatalf("kill calls %+v", calls)
	}
	// K on the firm in the risk view is the same question.
	m, _ = press(t, m, "4", "K")
	if !strings.Contains(screen(m), "type KILL") {
		t.Fatalf("K on the firm does not want KILL:\n%s", screen(m))
	}
}

// A resume the firm's halt overrules says "still halted" and why, never
// "ok": from the daemon's cause, or from the status when it gives none.
func TestResumeUnderFirmHaltSaysStillHalted(t *testing.T) {
	for _, cause := range []string{"firm halted by uid 0 (root) at 07:28:01 (fat finger)", ""} {
		sess := newFakeSession()
		sess.answer = func(cmd string, args, result any) error {
			if a, ok := result.(*protocol.Ack); ok {
				a.Node, a.State, a.Cause = args.(protocol.NodeArgs).Node, stateHalted, cause
			}
			return nil
		}
		m, wait := rich(t, sess, 120, 30)
		st := richStatus()
		st.Firm.State = stateHalted
		st.Firm.Changed = &protocol.StateChange{State: stateHalted, Who: "uid 0 (root)", Time: "2026-03-01T07:28:01Z", Why: "fat finger"}
		m, _ = push(t, m, wait, sess, statusEnv(st))
		m, cmd := press(t, m, "G", "r")
		m = answered(t, m, cmd)
		want := "resume mm-eth: still halted: firm halted by uid 0 (root) at 07:28:01 (fat finger)"
		if !strings.Contains(m.status.text, want) || strings.Contains(m.status.text, "ok") || m.status.kind != statusError {
			t.Errorf("cause %q: status %q, want %q", cause, m.status.text, want)
		}
	}
}

func TestRefusalShowsTheDaemonsReason(t *testing.T) {
	sess := newFakeSession()
	sess.callErr = &protocol.Error{Code: protocol.CodeRefused, Message: "breaker journal-error: the journal is still down"}
	m, _ := rich(t, sess, 120, 30)
	m, _ = press(t, m, "4", "G", "j") // mm-btc? the tree's last is mm-eth; move to mm-btc
	m, _ = press(t, m, "k", "R")
	if !strings.Contains(screen(m), "reset mm-btc's breakers (max_daily_loss)?") {
		t.Fatalf("R did not ask:\n%s", screen(m))
	}
	m, cmd := press(t, m, "y")
	m = answered(t, m, cmd)
	if !strings.Contains(m.status.text, "reset mm-btc refused: breaker journal-error: the journal is still down") {
		t.Errorf("status %q", m.status.text)
	}
	// A node with nothing tripped is not asked about.
	m, cmd = press(t, m, "g", "R")
	if cmd != nil || m.mode != modeNormal || !strings.Contains(m.status.text, "no breaker is tripped") {
		t.Errorf("R on the firm: %q", m.status.text)
	}
}

func TestCancelKeys(t *testing.T) {
	sess := newFakeSession()
	m, _ := rich(t, sess, 120, 30)
	m, _ = press(t, m, "2", "j", "c") // mm-eth-2
	if !strings.Contains(screen(m), "cancel mm-eth-2 (sell 1 ETH-USD @ 3010)?") {
		t.Fatalf("c did not ask:\n%s", screen(m))
	}
	m, cmd := press(t, m, "y")
	m = answered(t, m, cmd)
	if calls := sess.callsOf(protocol.CmdCancel); len(calls) != 1 || calls[0].raw.(protocol.CancelArgs).ClientOrderID != "mm-eth-2" {
		t.Fatalf("cancel calls %+v", calls)
	}
	m, _ = press(t, m, "C")
	if !strings.Contains(screen(m), "cancel every working order of mm-eth (2)?") {
		t.Fatalf("C did not ask:\n%s", screen(m))
	}
	m, cmd = press(t, m, "y")
	answered(t, m, cmd)
	if calls := sess.callsOf(protocol.CmdCancelAll); len(calls) != 1 || calls[0].args.Node != "mm-eth" {
		t.Fatalf("cancel-all calls %+v", calls)
	}
	// A finished order is not offered.
	m, cmd = press(t, m, "G", "c")
	if cmd != nil || m.mode == modeConfirm || !strings.Contains(m.status.text, "already filled") {
		t.Errorf("c on a filled order: %q", m.status.text)
	}
}

// A read-only TUI binds no action key: none sends, none asks, none shows
// in the help; the command line refuses actions.
func TestReadOnlyBindsNoActionKey(t *testing.T) {
	sess := newFakeSession()
	d := &fakeDialer{results: []any{sess}}
	m := newModel(t.Context(), Options{Dial: d.dial, ReadOnly: true})
	m, _ = update(t, m, run(t, m.Init()))
	wait := waitCmd(m.conn.attempt, m.sess, m.events, m.log)
	m, wait = push(t, m, wait, sess, statusEnv(richStatus()))
	m, _ = push(t, m, wait, sess, ordersEnv(richOrders()))
	for _, view := range []string{"1", "2", "3", "4"} {
		for _, k := range []string{"h", "r", "x", "K", "H", "!", "R", "e", "c", "C"} {
			var cmd any
			m, _ = press(t, m, view)
			m, cmd = press(t, m, k)
			if m.mode != modeNormal {
				t.Fatalf("view %s key %s opened %v", view, k, m.mode)
			}
			_ = cmd
		}
	}
	if calls, _, _ := sess.snapshot(); hasAction(calls) {
		t.Fatalf("read-only sent %+v", calls)
	}
	m, _ = press(t, m, "1")
	help := lines(screen(m))[len(lines(screen(m)))-1]
	for _, word := range []string{"halt", "kill", "KILL", "resume"} {
		if strings.Contains(help, word) {
			t.Errorf("help bar offers %q: %s", word, help)
		}
	}
	if !strings.Contains(screen(m), "READ-ONLY") {
		t.Error("no READ-ONLY badge")
	}
	m, cmd := press(t, m, ":", "h", "a", "l", "t", " ", "f", "i", "r", "m", "enter")
	if cmd != nil || !strings.Contains(m.status.text, "read-only") {
		t.Errorf(":halt firm: %q", m.status.text)
	}
}

func hasAction(calls []fakeCall) bool {
	for _, c := range calls {
		switch c.cmd {
		case protocol.CmdAudit, protocol.CmdLimitsGet:
		default:
			return true
		}
	}
	return false
}

func TestCommandLine(t *testing.T) {
	sess := newFakeSession()
	m, _ := rich(t, sess, 120, 30)
	m, _ = press(t, m, strings.Split(":halt mm-btc", "")...)
	m, cmd := press(t, m, "enter")
	answered(t, m, cmd)
	if calls := sess.callsOf(protocol.CmdHalt); len(calls) != 1 || calls[0].args.Node != "mm-btc" {
		t.Fatalf("halt calls %+v", calls)
	}
	m, _ = press(t, m, strings.Split(":view ord", "")...)
	m, _ = press(t, m, "enter")
	if m.tab != tabOrders {
		t.Fatalf(":view ord went to %d", m.tab)
	}
	// Completion: commands, node ids, limit keys.
	m, _ = press(t, m, ":", "k", "i", "tab")
	if m.input.Value() != "kill " {
		t.Fatalf("completed %q", m.input.Value())
	}
	m, _ = press(t, m, "m", "m", "-", "tab")
	if m.input.Value() != "kill mm-" || !strings.Contains(m.status.text, "mm-btc  mm-eth") {
		t.Fatalf("completed %q, options %q", m.input.Value(), m.status.text)
	}
	m, _ = press(t, m, "e", "tab", "enter")
	if m.mode != modeConfirm || !strings.Contains(screen(m), "KILL mm-eth?") {
		t.Fatalf(":kill mm-eth did not ask:\n%s", screen(m))
	}
	m, _ = press(t, m, "esc")
	m.data.limits = &protocol.LimitsResult{Keys: []string{"max_order_qty", "max_position", "max_open_orders"}}
	m, _ = press(t, m, strings.Split(":limit mm-eth max_p", "")...)
	m, _ = press(t, m, "tab")
	if m.input.Value() != "limit mm-eth max_position=" {
		t.Fatalf("completed %q", m.input.Value())
	}
	m, _ = press(t, m, "esc")
	m, _ = press(t, m, strings.Split(":bogus", "")...)
	m, _ = press(t, m, "enter")
	if !strings.Contains(m.status.text, "unknown command") {
		t.Errorf(":bogus: %q", m.status.text)
	}
}

func TestSplitCommandKeepsQuotedWords(t *testing.T) {
	got := splitCommand(`limit alpha max_position=10 why="vol is up"  `)
	want := []string{"limit", "alpha", "max_position=10", "why=vol is up"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q", got)
	}
}

package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

func TestQuitNeverTouchesTheDaemon(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		sess := newFakeSession()
		m, wait := connect(t, sess)
		m, _ = push(t, m, wait, sess, statusEnv(richStatus()))
		_, cmd := press(t, m, k)
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s: command is not tea.Quit", k)
		}
		if calls, _, _ := sess.snapshot(); len(calls) != 0 {
			t.Errorf("%s sent %v to the daemon", k, calls)
		}
	}
}

func TestStreamEndRetriesAndResubscribes(t *testing.T) {
	first, second := newFakeSession(), newFakeSession()
	d := &fakeDialer{results: []any{first, second}}
	m := newTestModel(t, d.dial)
	m, _ = update(t, m, run(t, m.Init()))
	wait := waitCmd(m.conn.attempt, m.sess, m.events, m.log)
	m, wait = push(t, m, wait, first, statusEnv(testStatus()))

	first.drop(errors.New("read: connection reset by peer"))
	m, cmd := update(t, m, run(t, wait))
	got := screen(m)
	for _, want := range []string{"DISCONNECTED — retrying", "connection reset by peer", "mm-btc"} {
		if !strings.Contains(got, want) {
			t.Errorf("view lacks %q:\n%s", want, got)
		}
	}
	if !m.stale() {
		t.Error("data not marked stale")
	}
	if strings.Contains(m.View().Content, m.styles.Gain.Render("1,234.50")) {
		t.Error("stale P&L still colored")
	}

	msgs := runAll(t, cmd)
	if _, _, closed := first.snapshot(); !closed {
		t.Error("dead session not closed")
	}
	if len(msgs) != 1 {
		t.Fatalf("retry produced %v, want one redial", msgs)
	}
	m, cmd = update(t, m, msgs[0])
	m, _ = update(t, m, run(t, cmd))
	wait = waitCmd(m.conn.attempt, m.sess, m.events, m.log)
	if _, subscribed, _ := second.snapshot(); subscribed != 1 || d.count() != 2 || second.ordersSubs != 1 {
		t.Fatalf("dials = %d, second subscribed %d times, to orders %d", d.count(), subscribed, second.ordersSubs)
	}
	if got := screen(m); strings.Contains(got, "retrying") || !strings.Contains(got, "● connected") {
		t.Errorf("not connected after redial:\n%s", got)
	}
	st := testStatus()
	st.Firm.State = stateHalted
	m, _ = push(t, m, wait, second, statusEnv(st))
	if !strings.Contains(screen(m), "FIRM HALTED") {
		t.Errorf("push after reconnect not shown:\n%s", screen(m))
	}
}

func TestDialFailureBacksOff(t *testing.T) {
	sess := newFakeSession()
	d := &fakeDialer{results: []any{
		errors.New("dial unix /run/desk.sock: connect: connection refused"),
		errors.New("dial unix /run/desk.sock: connect: connection refused"),
		sess,
	}}
	m := newTestModel(t, d.dial)
	cmd := m.Init()
	for i, wantDelay := range []string{"1ms", "2ms"} {
		m, cmd = update(t, m, run(t, cmd))
		got := screen(m)
		if !strings.Contains(got, "DISCONNECTED — retrying in "+wantDelay) || !strings.Contains(got, "connection refused") {
			t.Fatalf("failure %d: view:\n%s", i+1, got)
		}
		m, cmd = update(t, m, run(t, cmd)) // the tick, then the next dial
	}
	m, _ = update(t, m, run(t, cmd))
	if m.conn.state != connConnected || m.conn.failures != 0 {
		t.Errorf("conn = %+v, want connected with failures reset", m.conn)
	}
}

func TestSubscribeFailureClosesSession(t *testing.T) {
	sess := newFakeSession()
	sess.subErr = errors.New("refused")
	d := &fakeDialer{results: []any{sess}}
	m := newTestModel(t, d.dial)
	m, cmd := update(t, m, run(t, m.Init()))
	if _, _, closed := sess.snapshot(); !closed {
		t.Error("session not closed after a failed subscribe")
	}
	if cmd == nil || !strings.Contains(screen(m), "subscribe: refused") {
		t.Errorf("no retry or no reason:\n%s", screen(m))
	}
}

func TestStaleMessagesIgnored(t *testing.T) {
	sess := newFakeSession()
	m, _ := connect(t, sess)
	old := newFakeSession()
	m.open.add(m.conn.attempt-1, old) // as its dial did
	m, cmd := update(t, m, dialedMsg{attempt: m.conn.attempt - 1, sess: old, events: old.events})
	if m.sess != Session(sess) {
		t.Fatal("a late dial replaced the live session")
	}
	run(t, cmd)
	if _, _, closed := old.snapshot(); !closed {
		t.Error("late session not closed")
	}
	m, _ = update(t, m, streamEndedMsg{attempt: m.conn.attempt - 1})
	if m.conn.state != connConnected {
		t.Error("an old stream end dropped the live connection")
	}
}

// A burst of pushes is taken in one update: an alert storm costs one
// frame, and none of its alerts is lost.
func TestBurstTakenInOneUpdate(t *testing.T) {
	sess := newFakeSession()
	m, wait := connect(t, sess)
	sess.events <- statusEnv(richStatus())
	for i := range 12 {
		sess.events <- alertEnv("warning", "mm-eth", fmt.Sprintf("storm %d", i))
	}
	msg, ok := run(t, wait).(envelopeMsg)
	if !ok || len(msg.envs) != 13 {
		t.Fatalf("wait returned %T with %d pushes, want 13", msg, len(msg.envs))
	}
	m, _ = update(t, m, msg)
	if len(m.data.alerts) != 12 || !strings.Contains(screen(m), "storm 11") || !strings.Contains(screen(m), "mm-eth") {
		t.Fatalf("alerts %d:\n%s", len(m.data.alerts), screen(m))
	}
}

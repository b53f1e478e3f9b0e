package tui

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/desk-trading/desk/core/protocol"
)

func TestStatusRendersStrategies(t *testing.T) {
	sess := newFakeSession()
	m, wait := connect(t, sess)
	m, _ = push(t, m, wait, sess, statusEnv(testStatus()))

	got := screen(m)
	for _, want := range []string{
		"mm-btc", "mm-eth", "tri-1", // ids
		"reduce-only", "halted", "active", // states
		"1,500.00", "-250.13", "-22.00", // strategy P&L
		"BTC-USD 0.5", "ETH-USD -2", "flat", // positions
		"1,234.50", "-12.00", "4,500", // firm totals
		"● sim-a", "○ sim-b disconnected", // venues
		"updated 12:00:00.250", "connected to desk test (pid 42, as alice)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("view lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "SOL-USD") {
		t.Errorf("flat position shown:\n%s", got)
	}
	// Sorted by book, then id: arb/tri-1, crypto/mm-btc, crypto/mm-eth.
	if a, b, c := strings.Index(got, "tri-1"), strings.Index(got, "mm-btc"), strings.Index(got, "mm-eth"); !(a < b && b < c) {
		t.Errorf("rows not sorted by book then id:\n%s", got)
	}
	if line := selectedLine(t, m); !strings.Contains(line, "tri-1") {
		t.Errorf("first row not selected: %q", line)
	}
}

func TestPnLColoredBySign(t *testing.T) {
	sess := newFakeSession()
	m, wait := connect(t, sess)
	m, _ = push(t, m, wait, sess, statusEnv(testStatus()))
	view := m.View().Content
	gain := m.styles.Gain.Render("1,234.50")
	loss := m.styles.Loss.Render("-12.00")
	if !strings.Contains(view, gain) || !strings.Contains(view, loss) {
		t.Errorf("firm P&L not colored by sign:\n%q", view)
	}
}

func TestSelectionSurvivesResort(t *testing.T) {
	sess := newFakeSession()
	m, wait := connect(t, sess)
	m, wait = push(t, m, wait, sess, statusEnv(testStatus()))

	m, _ = press(t, m, "down", "j") // tri-1 -> mm-btc -> mm-eth
	if line := selectedLine(t, m); !strings.Contains(line, "mm-eth") {
		t.Fatalf("after two downs selected %q, want mm-eth", line)
	}
	m, _ = press(t, m, "k")
	if line := selectedLine(t, m); !strings.Contains(line, "mm-btc") {
		t.Fatalf("after up selected %q, want mm-btc", line)
	}

	// A new strategy sorts first: the selection stays on mm-btc.
	st := testStatus()
	st.Strategies = append(st.Strategies, strategy("aaa", "alpha", stateActive, "0", "0"))
	m, _ = push(t, m, wait, sess, statusEnv(st))
	if line := selectedLine(t, m); !strings.Contains(line, "mm-btc") {
		t.Errorf("after re-sort selected %q, want mm-btc", line)
	}
	if id, _ := m.table.Selected(); id != "mm-btc" {
		t.Errorf("Selected() = %q, want mm-btc", id)
	}

	// Moving past the ends stays on the ends.
	m, _ = press(t, m, "up", "up", "up", "up", "up")
	if id, _ := m.table.Selected(); id != "aaa" {
		t.Errorf("top: Selected() = %q, want aaa", id)
	}
}

func TestSelectionWhenStrategyGoes(t *testing.T) {
	sess := newFakeSession()
	m, wait := connect(t, sess)
	m, wait = push(t, m, wait, sess, statusEnv(testStatus()))
	m, _ = press(t, m, "down", "down") // mm-eth, the last row

	st := testStatus()
	st.Strategies = st.Strategies[1:] // mm-eth is gone
	m, _ = push(t, m, wait, sess, statusEnv(st))
	if id, ok := m.table.Selected(); !ok || id != "mm-btc" {
		t.Errorf("Selected() = %q, %v; want the row now at the end, mm-btc", id, ok)
	}
}

func TestHaltSelected(t *testing.T) {
	sess := newFakeSession()
	m, wait := connect(t, sess)
	m, _ = push(t, m, wait, sess, statusEnv(testStatus()))
	m, _ = press(t, m, "down") // mm-btc

	m, cmd := press(t, m, "h")
	if cmd == nil {
		t.Fatal("h returned no command")
	}
	if calls, _, _ := sess.snapshot(); len(calls) != 0 {
		t.Fatalf("Update called the session: %v", calls)
	}
	if !strings.Contains(screen(m), "halt mm-btc: sent") {
		t.Errorf("no pending note:\n%s", screen(m))
	}
	m, _ = update(t, m, run(t, cmd))

	calls, _, _ := sess.snapshot()
	want := fakeCall{cmd: protocol.CmdHalt, args: protocol.NodeArgs{Node: "mm-btc", Why: "tui"}}
	if len(calls) != 1 || calls[0] != want {
		t.Fatalf("calls = %+v, want [%+v]", calls, want)
	}
	if got := screen(m); !strings.Contains(got, "halt mm-btc: ok, mm-btc is now halted") {
		t.Errorf("ack not shown:\n%s", got)
	}
}

func TestResumeSelected(t *testing.T) {
	sess := newFakeSession()
	m, wait := connect(t, sess)
	m, _ = push(t, m, wait, sess, statusEnv(testStatus()))

	m, cmd := press(t, m, "r")
	m, _ = update(t, m, run(t, cmd))
	calls, _, _ := sess.snapshot()
	want := fakeCall{cmd: protocol.CmdResume, args: protocol.NodeArgs{Node: "tri-1", Why: "tui"}}
	if len(calls) != 1 || calls[0] != want {
		t.Fatalf("calls = %+v, want [%+v]", calls, want)
	}
	if got := screen(m); !strings.Contains(got, "resume tri-1: ok, tri-1 is now active") {
		t.Errorf("ack not shown:\n%s", got)
	}
}

func TestCallErrorShown(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"refused", &protocol.Error{Code: protocol.CodeNotFound, Message: "no such node"}, "halt tri-1 refused: not-found: no such node"},
		{"wrapped refusal", errors.Join(errors.New("call"), &protocol.Error{Code: protocol.CodeRefused, Message: "breaker tripped"}), "refused: refused: breaker tripped"},
		{"transport", errors.New("connection reset"), "halt tri-1 failed: connection reset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sess := newFakeSession()
			sess.callErr = tc.err
			m, wait := connect(t, sess)
			m, _ = push(t, m, wait, sess, statusEnv(testStatus()))
			m, cmd := press(t, m, "h")
			m, _ = update(t, m, run(t, cmd))
			if got := screen(m); !strings.Contains(got, tc.want) {
				t.Errorf("view lacks %q:\n%s", tc.want, got)
			}
		})
	}
}

func TestHaltWithoutSelectionOrConnection(t *testing.T) {
	d := &fakeDialer{}
	m := newTestModel(t, d.dial)
	m, cmd := press(t, m, "h")
	if cmd != nil {
		t.Error("h with no strategies returned a command")
	}
	if got := screen(m); !strings.Contains(got, "no strategy selected") {
		t.Errorf("view:\n%s", got)
	}
	m, cmd = press(t, m, "H", "y")
	if cmd != nil {
		t.Error("firm halt while not connected returned a command")
	}
	if got := screen(m); !strings.Contains(got, "halt firm: not connected") {
		t.Errorf("view:\n%s", got)
	}
}

func TestHaltFirmAsksConfirmation(t *testing.T) {
	sess := newFakeSession()
	m, wait := connect(t, sess)
	m, _ = push(t, m, wait, sess, statusEnv(testStatus()))

	m, cmd := press(t, m, "H")
	if cmd != nil {
		t.Fatal("H sent at once")
	}
	if got := screen(m); !strings.Contains(got, "HALT THE WHOLE FIRM?") || !strings.Contains(got, "y confirm") {
		t.Fatalf("no question:\n%s", got)
	}
	// Other keys do nothing while the question stands.
	m, cmd = press(t, m, "h", "j", "r")
	if cmd != nil || !m.confirming {
		t.Fatal("keys acted during the confirmation")
	}
	m, cmd = press(t, m, "n")
	if cmd != nil || m.confirming {
		t.Fatal("n did not cancel")
	}
	if got := screen(m); !strings.Contains(got, "firm halt canceled") {
		t.Errorf("no cancel note:\n%s", got)
	}

	m, _ = press(t, m, "H")
	m, cmd = press(t, m, "y")
	if cmd == nil {
		t.Fatal("y returned no command")
	}
	m, _ = update(t, m, run(t, cmd))
	calls, _, _ := sess.snapshot()
	want := fakeCall{cmd: protocol.CmdHalt, args: protocol.NodeArgs{Node: "firm", Why: "tui"}}
	if len(calls) != 1 || calls[0] != want {
		t.Fatalf("calls = %+v, want [%+v]", calls, want)
	}
	if m.confirming || !m.keys.Halt.Enabled() {
		t.Error("keys not restored after the confirmation")
	}
}

func TestQuit(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		d := &fakeDialer{}
		m := newTestModel(t, d.dial)
		_, cmd := press(t, m, k)
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s: command is not tea.Quit", k)
		}
	}
}

func TestStreamEndRetriesAndResubscribes(t *testing.T) {
	first, second := newFakeSession(), newFakeSession()
	d := &fakeDialer{results: []any{first, second}}
	m := newTestModel(t, d.dial)
	m, wait := update(t, m, run(t, m.Init()))
	m, wait = push(t, m, wait, first, statusEnv(testStatus()))

	first.drop(errors.New("read: connection reset by peer"))
	m, cmd := update(t, m, run(t, wait))
	got := screen(m)
	for _, want := range []string{"disconnected — retrying", "connection reset by peer", "mm-btc"} {
		if !strings.Contains(got, want) {
			t.Errorf("view lacks %q:\n%s", want, got)
		}
	}
	if !m.stale() {
		t.Error("data not marked stale")
	}
	// The stale table is drawn without color.
	if strings.Contains(m.View().Content, m.styles.Gain.Render("1,234.50")) {
		t.Error("stale P&L still colored")
	}

	// The batch closes the dead session and ticks toward the redial.
	msgs := runAll(t, cmd)
	if _, _, closed := first.snapshot(); !closed {
		t.Error("dead session not closed")
	}
	if len(msgs) != 1 {
		t.Fatalf("retry produced %v, want one redial", msgs)
	}
	if _, ok := msgs[0].(redialMsg); !ok {
		t.Fatalf("retry produced %T, want redialMsg", msgs[0])
	}
	m, cmd = update(t, m, msgs[0])
	m, wait = update(t, m, run(t, cmd))
	if _, subscribed, _ := second.snapshot(); subscribed != 1 || d.count() != 2 {
		t.Fatalf("dials = %d, second subscribed %d times", d.count(), subscribed)
	}
	if got := screen(m); strings.Contains(got, "retrying") || !strings.Contains(got, "● connected") {
		t.Errorf("not connected after redial:\n%s", got)
	}

	// Pushes from the new session arrive.
	st := testStatus()
	st.Firm.State = stateHalted
	m, _ = push(t, m, wait, second, statusEnv(st))
	if !strings.Contains(screen(m), "HALTED") {
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
		if !strings.Contains(got, "disconnected — retrying in "+wantDelay) || !strings.Contains(got, "connection refused") {
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

func TestHaltedFirmInHeader(t *testing.T) {
	sess := newFakeSession()
	m, wait := connect(t, sess)
	st := testStatus()
	st.Firm.State = stateHalted
	m, _ = push(t, m, wait, sess, statusEnv(st))
	got := screen(m)
	if !strings.Contains(got, "HALTED — TRADING STOPPED") {
		t.Errorf("halted firm not shown:\n%s", got)
	}
	if !strings.Contains(m.View().Content, m.styles.FirmHalted.Render("HALTED — TRADING STOPPED")) {
		t.Error("halted firm not drawn loud")
	}
	// Strategies show that the firm stops them.
	m, _ = press(t, m, "j") // mm-btc, itself reduce-only
	if line := selectedLine(t, m); !strings.Contains(line, "halted (firm)") {
		t.Errorf("strategy state ignores the firm: %q", line)
	}
	if m.View().WindowTitle != "desk — FIRM HALTED" {
		t.Errorf("title = %q", m.View().WindowTitle)
	}
}

func TestBookStateShownOnStrategies(t *testing.T) {
	sess := newFakeSession()
	m, wait := connect(t, sess)
	st := testStatus()
	st.Books[0].State = stateReduceOnly // crypto
	m, _ = push(t, m, wait, sess, statusEnv(st))
	got := screen(m)
	if !strings.Contains(got, "reduce-only (book)") {
		t.Errorf("book restriction not shown:\n%s", got)
	}
}

func TestAlertsFooter(t *testing.T) {
	sess := newFakeSession()
	m, wait := connect(t, sess)
	m, wait = push(t, m, wait, sess, statusEnv(testStatus()))
	if !strings.Contains(screen(m), "no alerts") {
		t.Errorf("no placeholder:\n%s", screen(m))
	}
	m, wait = push(t, m, wait, sess, alertEnv("info", "", "journal compacted"))
	m, wait = push(t, m, wait, sess, alertEnv("warning", "sim-b", "venue down"))
	m, wait = push(t, m, wait, sess, alertEnv("critical", "mm-eth", "daily loss\nbreaker tripped"))
	m, _ = push(t, m, wait, sess, alertEnv("info", "", "newest"))

	got := screen(m)
	if strings.Contains(got, "journal compacted") {
		t.Errorf("more than %d alerts shown:\n%s", maxAlerts, got)
	}
	crit := "12:00:01 CRITICAL [mm-eth] daily loss breaker tripped"
	if n, c := strings.Index(got, "newest"), strings.Index(got, crit); n < 0 || c < 0 || n > c {
		t.Errorf("alerts not newest first:\n%s", got)
	}
	if !strings.Contains(m.View().Content, m.styles.AlertCritical.Render(crit)) {
		t.Error("critical alert not drawn red")
	}
}

func TestWidthAdaptsTable(t *testing.T) {
	sess := newFakeSession()
	m, wait := connect(t, sess)
	st := testStatus()
	long := []protocol.Position{pos("BTC-USD", "1"), pos("ETH-USD", "2"), pos("SOL-USD", "3"), pos("XRP-USD", "4"), pos("ADA-USD", "5")}
	st.Strategies[0].Positions = long
	m, _ = push(t, m, wait, sess, statusEnv(st))
	full := "ADA-USD 5, BTC-USD 1, ETH-USD 2, SOL-USD 3, XRP-USD 4"

	m, _ = update(t, m, tea.WindowSizeMsg{Width: 160, Height: 30})
	if got := screen(m); !strings.Contains(got, full) {
		t.Errorf("wide: positions cut:\n%s", got)
	}

	for _, w := range []int{90, 60, 30} {
		m, _ = update(t, m, tea.WindowSizeMsg{Width: w, Height: 30})
		got := screen(m)
		if strings.Contains(got, full) {
			t.Errorf("width %d: positions not cut:\n%s", w, got)
		}
		for _, l := range strings.Split(got, "\n") {
			if ansi.StringWidth(l) > w {
				t.Errorf("width %d: line wider than the window (%d): %q", w, ansi.StringWidth(l), l)
			}
		}
		if !strings.Contains(got, "mm-btc") || !strings.Contains(got, "STRATEGY") {
			t.Errorf("width %d: ids lost:\n%s", w, got)
		}
	}
	// At 120 columns every column is shown, with positions cut.
	m, _ = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	got := screen(m)
	if strings.Contains(got, full) || !strings.Contains(got, "ADA-USD 5, BTC") || !strings.Contains(got, "…") {
		t.Errorf("120 columns: positions not cut to fit:\n%s", got)
	}
	for _, title := range []string{"STRATEGY", "BOOK", "KIND", "STATE", "POSITIONS", "REALIZED", "UNREALIZED", "OPEN", "SENT", "FILLS"} {
		if !strings.Contains(got, title) {
			t.Errorf("120 columns: no %s column:\n%s", title, got)
		}
	}
}

func TestScrollKeepsSelectionVisible(t *testing.T) {
	sess := newFakeSession()
	m, wait := connect(t, sess)
	st := testStatus()
	st.Strategies = nil
	for _, id := range []string{"s00", "s01", "s02", "s03", "s04", "s05", "s06", "s07", "s08", "s09", "s10", "s11"} {
		st.Strategies = append(st.Strategies, strategy(id, "b", stateActive, "0", "0"))
	}
	m, _ = push(t, m, wait, sess, statusEnv(st))
	m, _ = update(t, m, tea.WindowSizeMsg{Width: 100, Height: 16}) // 5 table rows
	for range 9 {
		m, _ = press(t, m, "j")
	}
	got := screen(m)
	if line := selectedLine(t, m); !strings.Contains(line, "s09") {
		t.Errorf("selected %q, want s09", line)
	}
	if strings.Contains(got, "s00") || !strings.Contains(got, "s05") {
		t.Errorf("window not scrolled to s05..s09:\n%s", got)
	}
	if n := strings.Count(got, "\n") + 1; n != 16 {
		t.Errorf("view has %d lines, want the window's 16:\n%s", n, got)
	}
}

func TestHelpToggle(t *testing.T) {
	d := &fakeDialer{}
	m := newTestModel(t, d.dial)
	if got := screen(m); strings.Contains(got, "↓/j") || !strings.Contains(got, "h halt strategy") {
		t.Errorf("short help:\n%s", got)
	}
	m, _ = press(t, m, "?")
	if got := screen(m); !strings.Contains(got, "↓/j") || !strings.Contains(got, "halt firm") {
		t.Errorf("full help:\n%s", got)
	}
	if n := strings.Count(screen(m), "\n") + 1; n != 30 {
		t.Errorf("full help view has %d lines, want 30", n)
	}
}

func TestTrippedBreakerShownWithState(t *testing.T) {
	sess := newFakeSession()
	m, wait := connect(t, sess)
	st := testStatus()
	for i := range st.Strategies {
		if st.Strategies[i].ID == "mm-btc" {
			st.Strategies[i].State = stateHalted
			st.Strategies[i].Breakers = []string{"drawdown"}
		}
	}
	m, _ = push(t, m, wait, sess, statusEnv(st))
	m, _ = press(t, m, "j") // mm-btc
	if line := selectedLine(t, m); !strings.Contains(line, "halted (drawdown)") {
		t.Errorf("tripped breaker not shown: %q", line)
	}
}

func TestLatencyInHeader(t *testing.T) {
	sess := newFakeSession()
	m, wait := connect(t, sess)
	st := testStatus()
	st.Latency = []protocol.StageLatency{
		{Stage: "feed", Count: 9, P50: 100, P99: 371, Max: 900},
		{Stage: "venue-ack", Count: 3, P50: 2_686_975, P99: 7_241_727, Max: 7_900_000},
	}
	m, _ = push(t, m, wait, sess, statusEnv(st))
	if got := screen(m); !strings.Contains(got, "latency p99 feed 371ns  venue-ack 7.24ms") {
		t.Errorf("latency not shown:\n%s", got)
	}
}

func TestVenueBadgesInHeader(t *testing.T) {
	sess := newFakeSession()
	m, wait := connect(t, sess)
	st := testStatus()
	st.Venues = []protocol.Venue{
		{Name: "sim-a", Connected: true, Budget: &protocol.Budget{Orders10s: 12, Orders10sLimit: 50},
			Balances: []protocol.Balance{{Asset: "BTC", Match: true}, {Asset: "ETH", Match: false}},
			External: []protocol.ExternalOrder{{ClientOrderID: "manual-1"}}},
		{Name: "sim-b", Connected: true, Reconciling: true},
	}
	m, _ = push(t, m, wait, sess, statusEnv(st))
	got := screen(m)
	for _, want := range []string{"● sim-a 12/50 balance≠ETH +1 external", "◐ sim-b reconciling"} {
		if !strings.Contains(got, want) {
			t.Errorf("header lacks %q:\n%s", want, got)
		}
	}
}

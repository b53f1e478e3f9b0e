package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/desk-trading/desk/core/protocol"
)

// rich is a model connected to sess at w x h with richStatus and
// richOrders pushed.
func rich(t *testing.T, sess *fakeSession, w, h int) (model, tea.Cmd) {
	t.Helper()
	m, wait := connect(t, sess)
	m, _ = update(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	m, wait = push(t, m, wait, sess, statusEnv(richStatus()))
	m, wait = push(t, m, wait, sess, ordersEnv(richOrders()))
	return m, wait
}

// answered runs cmd (requests) and feeds the answers back, and the
// requests those answers make (a fetch after a command), a few rounds.
func answered(t *testing.T, m model, cmd tea.Cmd) model {
	t.Helper()
	for round := 0; cmd != nil && round < 3; round++ {
		var next []tea.Cmd
		for _, msg := range runAll(t, cmd) {
			if r, ok := msg.(callResultMsg); ok {
				var c tea.Cmd
				m, c = update(t, m, r)
				next = append(next, c)
			}
		}
		cmd = tea.Batch(next...)
	}
	return m
}

// Every view at 80x24, the size of the smallest terminal desk supports,
// and at 160x40, as plain text.
func TestViewsGolden(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"160x40", 160, 40}} {
		sess := newFakeSession()
		m, _ := rich(t, sess, size.w, size.h)
		for tb := range numTabs {
			m, _ = press(t, m, string(rune('1'+tb)))
			got := screen(m)
			for i, l := range lines(got) {
				if n := ansi.StringWidth(l); n > size.w {
					t.Errorf("%s %s line %d is %d cells wide", size.name, tabIDs[tb], i, n)
				}
			}
			if n := len(lines(got)); n != size.h {
				t.Errorf("%s %s: %d lines, want %d", size.name, tabIDs[tb], n, size.h)
			}
			golden(t, tabIDs[tb]+"-"+size.name, got)
		}
		m, _ = press(t, m, "1", "enter")
		golden(t, "detail-"+size.name, screen(m))
		m, _ = press(t, m, "esc", "?")
		golden(t, "help-"+size.name, screen(m))
	}
}

func TestTabKeyCyclesViews(t *testing.T) {
	m, _ := rich(t, newFakeSession(), 120, 30)
	for want := range int(numTabs) + 1 {
		if m.tab != tab(want%int(numTabs)) {
			t.Fatalf("after %d tabs the view is %d", want, m.tab)
		}
		m, _ = update(t, m, tea.KeyPressMsg{Code: tea.KeyTab})
	}
	m, _ = update(t, m, tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
	if m.tab != tabStrategies {
		t.Fatalf("shift+tab went to %d", m.tab)
	}
}

// The strategies table drops columns or shows short forms rather than cut
// a state or a position: in full at 160 columns, at 80 and narrower in
// short forms that still say what they mean.
func TestNarrowTableNeverCutsStatesOrPositions(t *testing.T) {
	m, _ := rich(t, newFakeSession(), 160, 24)
	got := screen(m)
	for _, want := range []string{"reduce-only (max_daily_loss)", "halted (book)", "BTC-USD 0.5, SOL-USD 12", "ETH-USD -2", "12 max_position"} {
		if !strings.Contains(got, want) {
			t.Errorf("160 columns lack %q:\n%s", want, got)
		}
	}
	for _, w := range []int{80, 60} {
		m, _ = update(t, m, tea.WindowSizeMsg{Width: w, Height: 24})
		got := screen(m)
		for _, l := range lines(got)[3:7] {
			if strings.Contains(l, "…") {
				t.Errorf("%d columns: a row is cut: %q", w, l)
			}
		}
		for _, want := range []string{"halted (book)", "ETH-USD -2", "reduce-only (", "BTC-USD 0.5"} {
			if !strings.Contains(got, want) {
				t.Errorf("%d columns lack %q:\n%s", w, want, got)
			}
		}
	}
}

func TestSortCyclesAndReverses(t *testing.T) {
	m, _ := rich(t, newFakeSession(), 160, 30)
	order := func() []string {
		var ids []string
		for _, i := range m.views.strategies.shown {
			ids = append(ids, m.views.strategies.rows[i].key)
		}
		return ids
	}
	if got := strings.Join(order(), ","); got != "tri-1,mm-btc,mm-eth" {
		t.Fatalf("natural order %s, want book then id", got)
	}
	m, _ = press(t, m, "s") // by strategy
	if got := strings.Join(order(), ","); got != "mm-btc,mm-eth,tri-1" {
		t.Fatalf("sorted by id: %s", got)
	}
	m, _ = press(t, m, "S")
	if got := strings.Join(order(), ","); got != "tri-1,mm-eth,mm-btc" {
		t.Fatalf("reversed: %s", got)
	}
	for range scRealized - 0 {
		m, _ = press(t, m, "s")
	}
	if !strings.Contains(m.status.text, "realized") {
		t.Fatalf("after %d sorts: %s", scRealized, m.status.text)
	}
	if got := strings.Join(order(), ","); got != "mm-eth,tri-1,mm-btc" {
		t.Fatalf("by realized P&L: %s", got)
	}
	if !strings.Contains(screen(m), "REALIZED ▲") {
		t.Errorf("sorted column not marked:\n%s", screen(m))
	}
}

func TestFilterInEveryTable(t *testing.T) {
	m, _ := rich(t, newFakeSession(), 160, 30)
	m, _ = press(t, m, "/", "b", "t", "c")
	if got := screen(m); strings.Contains(got, "mm-eth") || !strings.Contains(got, "mm-btc") || !strings.Contains(got, "/btc▌") {
		t.Fatalf("filter /btc:\n%s", got)
	}
	m, _ = press(t, m, "enter")
	if r, _ := m.views.strategies.selectedRow(); r.key != "mm-btc" {
		t.Fatalf("selection %q, want the one row left", r.key)
	}
	m, _ = press(t, m, "2", "/", "t", "r", "i", "enter")
	if got := screen(m); !strings.Contains(got, "tri-1-3") || strings.Contains(got, "mm-eth-1") {
		t.Fatalf("orders filter /tri:\n%s", got)
	}
	m, _ = press(t, m, "esc")
	if got := screen(m); !strings.Contains(got, "mm-eth-1") {
		t.Fatalf("esc did not clear the filter:\n%s", got)
	}
	// Each view keeps its own filter.
	m, _ = press(t, m, "1")
	if got := screen(m); strings.Contains(got, "mm-eth") {
		t.Fatalf("strategies lost their filter:\n%s", got)
	}
}

func TestFirstAndLast(t *testing.T) {
	m, _ := rich(t, newFakeSession(), 160, 30)
	m, _ = press(t, m, "G")
	if r, _ := m.views.strategies.selectedRow(); r.key != "mm-eth" {
		t.Fatalf("G selected %q", r.key)
	}
	m, _ = press(t, m, "g")
	if r, _ := m.views.strategies.selectedRow(); r.key != "tri-1" {
		t.Fatalf("g selected %q", r.key)
	}
}

func TestBlotterNewestFirstAndConflatedUpdates(t *testing.T) {
	sess := newFakeSession()
	m, wait := rich(t, sess, 160, 30)
	m, _ = press(t, m, "2")
	ids := func() string {
		var out []string
		for _, i := range m.views.orders.shown {
			out = append(out, m.views.orders.rows[i].key)
		}
		return strings.Join(out, ",")
	}
	if got := ids(); got != "tri-1-3,mm-eth-2,mm-eth-1,mm-btc-7" {
		t.Fatalf("blotter %s, want newest first", got)
	}
	// A delta: one order fills, one is new, one is gone.
	fill := richOrders().Orders[0]
	fill.State, fill.FilledQuantity, fill.Updated = "filled", "1", "2026-03-01T12:00:05Z"
	fresh := richOrders().Orders[3]
	fresh.ClientOrderID, fresh.Created = "tri-1-4", "2026-03-01T12:00:06Z"
	m, _ = push(t, m, wait, sess, ordersEnv(&protocol.OrdersUpdate{Orders: []protocol.Order{fill, fresh}, Gone: []string{"mm-btc-7"}}))
	if got := ids(); got != "tri-1-4,tri-1-3,mm-eth-2,mm-eth-1" {
		t.Fatalf("after the delta %s", got)
	}
	if got := screen(m); !strings.Contains(got, "filled") {
		t.Errorf("fill not shown:\n%s", got)
	}
	m, _ = press(t, m, "w")
	if got := ids(); got != "tri-1-4,tri-1-3,mm-eth-2" {
		t.Fatalf("working only: %s", got)
	}
	// Live and simulated venues are told apart by a word.
	if got := screen(m); !strings.Contains(got, "sim-a sim") {
		t.Errorf("no venue word:\n%s", got)
	}
	m, _ = press(t, m, "w")
	if got := screen(m); !strings.Contains(got, "binance LIVE") {
		t.Errorf("no LIVE word:\n%s", got)
	}
}

func TestStrategyDetail(t *testing.T) {
	m, _ := rich(t, newFakeSession(), 120, 40)
	m, _ = press(t, m, "G", "enter") // mm-eth
	got := screen(m)
	for _, want := range []string{"mm-eth", "POSITIONS", "ETH-USD", "avg 3000", "LIMITS IN USE", "max_position ETH-USD", "73%",
		"denied 12 orders", "max_position", "ORDERS", "mm-eth-1", "mm-eth-2", "› mm-eth"} {
		if !strings.Contains(got, want) {
			t.Errorf("detail lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "tri-1-3") {
		t.Errorf("detail shows another strategy's order:\n%s", got)
	}
	m, _ = press(t, m, "esc")
	if m.views.detail != "" || !strings.Contains(screen(m), "STRATEGY") {
		t.Fatalf("esc did not close the detail:\n%s", screen(m))
	}
}

func TestVenuesAndLatencyViews(t *testing.T) {
	m, _ := rich(t, newFakeSession(), 160, 30)
	m, _ = press(t, m, "6")
	got := screen(m)
	for _, want := range []string{"binance", "LIVE", "sim-b", "DISCONNECTED", "45/50", "0.1s"} {
		if !strings.Contains(got, want) {
			t.Errorf("venues lack %q:\n%s", want, got)
		}
	}
	m, _ = press(t, m, "5")
	got = screen(m)
	for _, want := range []string{"tick-to-order", "41.2µs", "7.24ms", "P99.9", "12ms"} {
		if !strings.Contains(got, want) {
			t.Errorf("latency lacks %q:\n%s", want, got)
		}
	}
}

func TestAuditAndAlertHistory(t *testing.T) {
	sess := newFakeSession()
	sess.answer = func(cmd string, args, result any) error {
		if r, ok := result.(*protocol.AuditResult); ok {
			r.Entries = []protocol.AuditEntry{
				{Seq: 1, Time: "2026-03-01T11:00:00Z", Node: "alpha", Action: "limit", Who: "uid 1000 (alice)", Old: "10", New: "5", Why: "max_position: vol"},
				{Seq: 2, Time: "2026-03-01T11:01:00Z", Node: "mm-eth", Action: "deny", Who: "risk", New: "max_position", Why: "order 7"},
			}
		}
		return nil
	}
	m, wait := rich(t, sess, 160, 30)
	for i := range 5 {
		m, wait = push(t, m, wait, sess, alertEnv("warning", "mm-eth", "alert number "+string(rune('a'+i))))
	}
	m, cmd := press(t, m, "7")
	m = answered(t, m, cmd)
	got := screen(m)
	for _, want := range []string{"uid 1000 (alice)", "10 → 5", "max_position: vol", "deny"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit lacks %q:\n%s", want, got)
		}
	}
	if strings.Index(got, "deny") > strings.Index(got, "10 → 5") {
		t.Errorf("audit not newest first:\n%s", got)
	}
	m, _ = press(t, m, "a")
	got = screen(m)
	for i := range 5 {
		if !strings.Contains(got, "alert number "+string(rune('a'+i))) {
			t.Errorf("alert %d missing from the history:\n%s", i, got)
		}
	}
}

// Pasted text goes into the prompt being typed and never acts as keys.
func TestPasteNeverActs(t *testing.T) {
	sess := newFakeSession()
	m, _ := rich(t, sess, 120, 30)
	m, _ = update(t, m, tea.PasteMsg{Content: "hKx!"}) // no prompt open: ignored
	if m.mode != modeNormal || hasAction(sess.calls) {
		t.Fatalf("a paste acted: mode %v, calls %+v", m.mode, sess.calls)
	}
	m, _ = press(t, m, "/")
	m, _ = update(t, m, tea.PasteMsg{Content: "btc"})
	if got := screen(m); strings.Contains(got, "mm-eth") || !strings.Contains(got, "mm-btc") {
		t.Fatalf("pasted filter not applied:\n%s", got)
	}
}

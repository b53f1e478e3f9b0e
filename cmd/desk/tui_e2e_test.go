package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/protocol"
)

// The end-to-end test of the TUI: the real desk attach in a terminal
// (tmux, on a private server) against a real desk serve, driven by keys
// as an operator would, its effects read back through desk ctl.

// DESK_TUI_E2E_SCREENS=1 logs every screen waited for (with -v).
//
// tuiWait bounds each wait on the screen or on the daemon's answer to a
// key; tuiPoll is how often the screen is read meanwhile.
const (
	tuiWait = 10 * time.Second
	tuiPoll = 50 * time.Millisecond
)

// term is desk attach running in a detached tmux session on a tmux
// server of its own, whose socket is in the test's directory (tmux -S,
// rather than -L, whose socket file would outlive the test).
type term struct {
	t      *testing.T
	server string // tmux -S socket
	conf   string // tmux -f file
	target string // the session
	last   string // the latest capture, for failure messages
}

// tmux runs one tmux command on the term's server.
func (tm *term) tmux(args ...string) (string, error) {
	cmd := exec.Command("tmux", append([]string{"-u", "-S", tm.server, "-f", tm.conf}, args...)...)
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "TMUX=") && !strings.HasPrefix(e, "TMUX_PANE=") {
			env = append(env, e)
		}
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// startTerm starts command in a 120x40 terminal and kills the tmux
// server, and so the command, at cleanup.
func startTerm(t *testing.T, dir string, env []string, command string) *term {
	t.Helper()
	tm := &term{
		t:      t,
		server: filepath.Join(dir, "tmux.sock"),
		conf:   filepath.Join(dir, "tmux.conf"),
		target: "desk",
	}
	// The pane stays once its process exits, so the exit is seen and its
	// status read; nothing of the user's tmux configuration is read.
	conf := "set -g remain-on-exit on\nset -g default-terminal tmux-256color\nset -g status off\n"
	if err := os.WriteFile(tm.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"new-session", "-d", "-s", tm.target, "-x", "120", "-y", "40"}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	if _, err := tm.tmux(append(args, command)...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tm.tmux("kill-server") })
	return tm
}

// sendKeys sends tmux key names: "Enter", "Escape", "C-u", or single
// characters.
func (tm *term) sendKeys(keys ...string) {
	tm.t.Helper()
	if _, err := tm.tmux(append([]string{"send-keys", "-t", tm.target}, keys...)...); err != nil {
		tm.fatalf("%v", err)
	}
}

// typeText types text literally.
func (tm *term) typeText(text string) {
	tm.t.Helper()
	if _, err := tm.tmux("send-keys", "-t", tm.target, "-l", text); err != nil {
		tm.fatalf("%v", err)
	}
}

// capture is the screen as text.
func (tm *term) capture() string {
	tm.t.Helper()
	out, err := tm.tmux("capture-pane", "-p", "-t", tm.target)
	if err != nil {
		tm.fatalf("%v", err)
	}
	tm.last = out
	return out
}

// fatalf fails the test with the last screen.
func (tm *term) fatalf(format string, args ...any) {
	tm.t.Helper()
	tm.t.Fatalf(format+"\n--- the screen ---\n%s\n--- end of screen ---", append(args, tm.last)...)
}

// waitFor polls the screen until ok holds, and fails after tuiWait.
func (tm *term) waitFor(what string, ok func(screen string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(tuiWait)
	for {
		s := tm.capture()
		if ok(s) {
			if os.Getenv("DESK_TUI_E2E_SCREENS") != "" {
				tm.t.Logf("the screen shows %s:\n%s", what, s)
			}
			return s
		}
		if time.Now().After(deadline) {
			tm.fatalf("timed out after %s waiting for the screen to show %s", tuiWait, what)
		}
		time.Sleep(tuiPoll)
	}
}

// waitText waits until the screen shows every one of texts.
func (tm *term) waitText(texts ...string) string {
	tm.t.Helper()
	return tm.waitFor(fmt.Sprintf("%q", texts), func(s string) bool {
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	})
}

// eventually polls cond, which asks the daemon, until it holds, and
// fails with the screen after tuiWait.
func (tm *term) eventually(what string, cond func() bool) {
	tm.t.Helper()
	deadline := time.Now().Add(tuiWait)
	for !cond() {
		if time.Now().After(deadline) {
			tm.capture()
			tm.fatalf("timed out after %s waiting for %s", tuiWait, what)
		}
		time.Sleep(tuiPoll)
	}
}

// pane is a format of the pane's, as tmux display-message prints it.
func (tm *term) pane(format string) string {
	tm.t.Helper()
	out, err := tm.tmux("display-message", "-p", "-t", tm.target, format)
	if err != nil {
		tm.fatalf("%v", err)
	}
	return strings.TrimSpace(out)
}

// filter types /text and enter in the table that has the keys, and waits
// for the TUI to say it kept the filter with one row shown, and for that
// row to be the selected one.
func (tm *term) filter(text string) {
	tm.t.Helper()
	tm.sendKeys("/")
	tm.waitText("/▌")
	tm.typeText(text)
	tm.waitText("/" + text + "▌")
	tm.sendKeys("Enter")
	tm.waitFor(fmt.Sprintf("the filter /%s kept, its one row selected", text), func(s string) bool {
		return strings.Contains(s, "filter /"+text+": 1 of ") && selected(s, text)
	})
}

// selected reports whether the screen's selected row (marked ▶) shows
// text.
func selected(screen, text string) bool {
	for _, l := range strings.Split(screen, "\n") {
		if i := strings.Index(l, "▶"); i >= 0 && strings.Contains(l[i:], text) {
			return true
		}
	}
	return false
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func nodeState(st protocol.Status, node string) string {
	if node == "firm" {
		return st.Firm.State
	}
	for _, b := range st.Books {
		if b.ID == node {
			return b.State
		}
	}
	return find(st, node).State
}

// states are every node's state, for comparing two statuses.
func states(st protocol.Status) map[string]string {
	m := map[string]string{"firm": st.Firm.State}
	for _, b := range st.Books {
		m["book "+b.ID] = b.State
	}
	for _, s := range st.Strategies {
		m[s.ID] = s.State
	}
	return m
}

// TestTUIEndToEnd drives desk attach in a terminal against desk serve: a
// halt with h, a limit edit with e through its dry run and confirmation,
// a book's kill with K (refused once by the default answer, then
// confirmed), and q, which leaves the daemon as it was.
func TestTUIEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs desk processes in tmux")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	start := time.Now()
	bin, err := buildDesk()
	if err != nil {
		t.Fatal(err)
	}
	dir := desktest.ShortTempDir(t)
	state, socket := filepath.Join(dir, "state"), filepath.Join(dir, "run", "desk.sock")
	// The embedded default sets max_position on every strategy, so the
	// limits pane has the row edited below.
	config := writeConfig(t, dir, "[tui]\nread_only = false\n")
	serve := startServe(t, bin, state, socket, "--config", config)

	const (
		haltID   = "mr-eth"  // halted with h
		limitID  = "mom-sol" // its max_position edited with e
		limitKey = "max_position"
		newLimit = "400"
		why      = "e2e tui test"
		bookID   = "alpha" // killed with K
	)
	var st protocol.Status
	desktest.Eventually(t, within, "the daemon answers with its strategies", func() bool {
		return ctlJSON(t, bin, socket, &st, "status") == nil && find(st, haltID).ID != "" && find(st, limitID).ID != ""
	})
	var bookStrategies []string
	for _, s := range st.Strategies {
		if s.Book == bookID {
			bookStrategies = append(bookStrategies, s.ID)
		}
	}
	if len(bookStrategies) == 0 {
		t.Fatalf("no strategy in book %s: %+v", bookID, st.Strategies)
	}
	var lim protocol.LimitsResult
	if err := ctlJSON(t, bin, socket, &lim, "limits", "get", limitID); err != nil || len(lim.Nodes) != 1 {
		t.Fatalf("limits get %s: %+v %v", limitID, lim, err)
	}
	oldLimit := lim.Nodes[0].Limits[limitKey]
	if oldLimit == "" || decimalEqual(oldLimit, newLimit) {
		t.Fatalf("%s's %s is %q: the config should set it, to other than %s", limitID, limitKey, oldLimit, newLimit)
	}
	t.Logf("desk built and its daemon up after %s", time.Since(start).Round(time.Millisecond))

	// The TUI reads no config of the user's, draws without color, and
	// logs to a file shown on failure.
	xdg := mkdir(t, dir, "config")
	tuiLog := filepath.Join(dir, "attach.log")
	tm := startTerm(t, dir, []string{"NO_COLOR=1", "XDG_CONFIG_HOME=" + xdg, "LANG=C.UTF-8"},
		strings.Join([]string{shellQuote(bin), "attach", "--socket", shellQuote(socket), "--log", shellQuote(tuiLog)}, " "))
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(tuiLog)
			t.Logf("desk attach's log:\n%s", b)
			t.Logf("desk serve's log (tail):\n%s", stderrTail(serve, 30))
		}
	})
	status := func() protocol.Status {
		t.Helper()
		var s protocol.Status
		if err := ctlJSON(t, bin, socket, &s, "status"); err != nil {
			tm.fatalf("desk ctl status: %v", err)
		}
		return s
	}

	// View 1, the strategies, comes first.
	tm.waitText("STRATEGY", haltID, limitID)

	// h halts the strategy the filter selected.
	tm.filter(haltID)
	tm.sendKeys("h")
	tm.waitText("ok, " + haltID + " is now halted")
	tm.eventually(haltID+" halted in the status", func() bool { return nodeState(status(), haltID) == "halted" })

	// e edits a limit of a node picked in the risk view's tree.
	tm.sendKeys("4")
	tm.waitText("NODE", "limits of ")
	tm.filter(limitID)
	tm.waitText("limits of " + limitID)
	tm.sendKeys("Enter")
	tm.waitText("e edit · esc back to the tree")
	tm.filter(limitKey)
	tm.sendKeys("e")
	screen := tm.waitText("EDIT " + limitKey + " of " + limitID)
	prefill := regexp.MustCompile(`new value: (\S*)▌`).FindStringSubmatch(screen)
	if prefill == nil || !decimalEqual(prefill[1], oldLimit) {
		tm.fatalf("the editor's value is not prefilled with %s's %s, %s", limitID, limitKey, oldLimit)
	}
	tm.sendKeys("C-u")
	tm.waitText("new value: ▌")
	tm.typeText(newLimit)
	tm.waitText("new value: " + newLimit + "▌")
	tm.sendKeys("Enter") // the dry run
	tm.waitText("why: ▌")
	tm.typeText(why)
	tm.waitText("why: " + why + "▌")
	tm.sendKeys("Enter")
	tm.waitText("dry run: ", "apply it? y")
	if err := ctlJSON(t, bin, socket, &lim, "limits", "get", limitID); err != nil || len(lim.Nodes) != 1 || !decimalEqual(lim.Nodes[0].Limits[limitKey], oldLimit) {
		tm.fatalf("after the dry run, before y: limits get %s: %+v %v; want %s unchanged", limitID, lim, err, oldLimit)
	}
	tm.sendKeys("y")
	tm.waitFor("the edit's answer", func(s string) bool {
		return strings.Contains(s, limitKey+" of "+limitID+": ") && strings.Contains(s, "journaled")
	})
	tm.eventually(limitID+"'s "+limitKey+" at "+newLimit+" in limits get", func() bool {
		var l protocol.LimitsResult
		return ctlJSON(t, bin, socket, &l, "limits", "get", limitID) == nil && len(l.Nodes) == 1 &&
			decimalEqual(l.Nodes[0].Limits[limitKey], newLimit)
	})
	var audit protocol.AuditResult
	if err := ctlJSON(t, bin, socket, &audit, "audit", limitID); err != nil {
		tm.fatalf("audit %s: %v", limitID, err)
	}
	var entry *protocol.AuditEntry
	for i := range audit.Entries {
		if e := &audit.Entries[i]; e.Node == limitID && e.Action == "limit" && auditNewEqual(e.New, limitKey+"="+newLimit) {
			entry = e
		}
	}
	if entry == nil || entry.Who == "" || entry.Why != why || !auditNewEqual(entry.Old, limitKey+"="+oldLimit) {
		tm.fatalf("audit %s: no limit entry with who, old %s=%s, new %s=%s and why %q: %+v",
			limitID, limitKey, oldLimit, limitKey, newLimit, why, audit.Entries)
	}

	// K kills a book: enter, the default answer, cancels; y kills.
	tm.sendKeys("Escape")
	tm.waitText("enter to pick a limit")
	tm.sendKeys("Escape")
	tm.waitText("filter cleared")
	tm.filter(bookID)
	tm.waitText("limits of " + bookID)
	// The book's market makers quote, so the kill has orders to cancel.
	tm.eventually("working orders in book "+bookID, func() bool {
		for _, b := range status().Books {
			if b.ID == bookID {
				return b.OpenOrders > 0
			}
		}
		return false
	})
	tm.sendKeys("K")
	tm.waitText("KILL " + bookID + "?")
	tm.sendKeys("Enter")
	tm.waitText("kill " + bookID + ": canceled")
	if s := nodeState(status(), bookID); s != "active" {
		tm.fatalf("book %s is %s after the kill was canceled; want active", bookID, s)
	}
	tm.sendKeys("K")
	tm.waitText("KILL " + bookID + "?")
	tm.sendKeys("y")
	tm.waitText("ok, " + bookID + " is halted")
	working := func() []string {
		var o protocol.Orders
		if err := ctlJSON(t, bin, socket, &o, "orders"); err != nil {
			tm.fatalf("desk ctl orders: %v", err)
		}
		var w []string
		for _, o := range o.Orders {
			for _, s := range bookStrategies {
				if o.Strategy == s && !orderDone(o.State) {
					w = append(w, o.ClientOrderID+" "+o.State)
				}
			}
		}
		return w
	}
	tm.eventually("no working order of book "+bookID+" and the book halted", func() bool {
		return len(working()) == 0 && nodeState(status(), bookID) == "halted"
	})

	// q leaves the TUI, and the daemon as it was.
	before := states(status())
	tm.sendKeys("q")
	// The pane is dead when its terminal closes, and has the exit status
	// once tmux has reaped the process, a moment later.
	var exit string
	tm.eventually("desk attach to exit", func() bool {
		exit = tm.pane("#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}")
		return exit != "1::" && strings.HasPrefix(exit, "1:")
	})
	if exit != "1:0:" {
		tm.capture()
		tm.fatalf("desk attach exited with dead:status:signal %s, want 1:0:", exit)
	}
	after := states(status())
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("q changed the daemon's states:\nbefore %v\nafter  %v", before, after)
	}
	t.Logf("TUI end to end in %s", time.Since(start).Round(time.Millisecond))
}

func orderDone(state string) bool {
	switch state {
	case "filled", "canceled", "rejected", "expired":
		return true
	}
	return false
}

func decimalEqual(a, b string) bool {
	x, err1 := decimal.NewFromString(a)
	y, err2 := decimal.NewFromString(b)
	return err1 == nil && err2 == nil && x.Equal(y)
}

package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/shopspring/decimal"
)

var deskRounds = flag.Int("desk.rounds", 50, "rounds of command, ok, kill -9, restart in TestAckedCommandsSurviveKill9")

// durableStrategy is the strategy the rounds halt, resume and change the
// limits of; a market maker in book alpha, so it has working orders.
const durableStrategy = "mm-btc"

// durableModel is what the commands acked so far say the desk holds: each
// value with the round whose command set it (-1: the config).
type durableModel struct {
	firm, strat     string // own trading states
	firmBy, stratBy int
	limits          map[string]decimal.Decimal // durableStrategy's limits, key -> value
	limitsBy        map[string]int
}

// effective is durableStrategy's expected effective state: its book is
// never touched, so only the firm can override its own state.
func (m *durableModel) effective() string {
	if m.firm == "halted" {
		return "halted"
	}
	return m.strat
}

// durableAck is one acked command, for the audit check at the end.
type durableAck struct {
	round  int
	cmd    string // the ctl command line
	node   string
	action string // as the audit trail spells it
	new    string // the audit record's New: a state, or KEY=VALUE
	why    string
}

// TestAckedCommandsSurviveKill9 runs rounds of: one state-changing command
// on a trading daemon, SIGKILL the instant ctl reports ok, restart on the
// same state, and check the command's effect (and every earlier one's) is
// there. An ok means the journal record was fsync'd, so nothing acked may
// be lost. Rounds: -desk.rounds (default 50).
func TestAckedCommandsSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs desk processes")
	}
	rounds := *deskRounds
	if rounds < 1 {
		t.Fatalf("-desk.rounds %d: want at least 1", rounds)
	}
	bin, err := buildDesk()
	if err != nil {
		t.Fatal(err)
	}
	dir := desktest.ShortTempDir(t)
	state, socket := filepath.Join(dir, "state"), filepath.Join(dir, "run", "desk.sock")

	// On any failure, show what the daemons said. Registered before the
	// first startServe, so it runs after their cleanups have killed them.
	var prev, cur *proc
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		if prev != nil {
			t.Logf("stderr of the previous daemon (the last one killed), tail:\n%s", stderrTail(prev, 40))
		}
		if cur != nil {
			t.Logf("stderr of the current daemon, tail:\n%s", stderrTail(cur, 40))
		}
	})

	cur = startServe(t, bin, state, socket)
	var st protocol.Status
	desktest.Eventually(t, within, "strategies trade", func() bool {
		var s protocol.Status
		if ctlJSON(t, bin, socket, &s, "status") != nil {
			return false
		}
		st = s
		for _, s := range st.Strategies {
			if s.Fills > 0 {
				return true
			}
		}
		return false
	})
	startFills := st.Firm.Fills
	var lim protocol.LimitsResult
	if err := ctlJSON(t, bin, socket, &lim, "limits", "get", durableStrategy); err != nil || len(lim.Nodes) != 1 {
		t.Fatalf("limits get %s: %+v %v", durableStrategy, lim, err)
	}
	m := &durableModel{
		firm: st.Firm.State, strat: find(st, durableStrategy).State, firmBy: -1, stratBy: -1,
		limits: map[string]decimal.Decimal{}, limitsBy: map[string]int{},
	}
	if m.firm != "active" || m.strat != "active" {
		t.Fatalf("at start: firm %s, %s %s; want both active", m.firm, durableStrategy, m.strat)
	}
	for k, v := range lim.Nodes[0].Limits {
		d, err := decimal.NewFromString(v)
		if err != nil {
			t.Fatalf("limits get %s: %s = %q: %v", durableStrategy, k, v, err)
		}
		m.limits[k], m.limitsBy[k] = d, -1
	}

	var (
		acks                        []durableAck
		cmdOf                       = map[int]string{-1: "the config"}
		reported                    = map[string]bool{} // item@round, so a loss is counted once
		losses                      int
		roundDur, cmdDur, restartUp []time.Duration
		commitUS                    []int64
	)
	loss := func(round, setBy int, item, want, got, detail string) {
		key := fmt.Sprintf("%s@%d", item, setBy)
		if reported[key] {
			return
		}
		reported[key] = true
		losses++
		t.Errorf("LOSS: %s: round %d acked %q (want %s), after the kill -9 and restart of round %d it is %s%s\n"+
			"--- the daemon that acked, stderr tail:\n%s\n--- the restarted daemon, stderr tail:\n%s",
			item, setBy, cmdOf[setBy], want, round, got, detail, stderrTail(prev, 15), stderrTail(cur, 15))
	}

	testStart := time.Now()
	for r := range rounds {
		why := fmt.Sprintf("durable round %d", r)
		var (
			args  []string
			reply any
			ack   protocol.Ack
			kill  protocol.KillResult
			set   []protocol.LimitsSetResult
			key   string
			value decimal.Decimal
		)
		switch r % 5 {
		case 0:
			args, reply = []string{"halt", durableStrategy, "--why", why}, &ack
		case 1:
			args, reply = []string{"resume", durableStrategy, "--why", why}, &ack
		case 2:
			// Alternate the key by cycle; values stay far above what the
			// strategy trades (size 0.05, max_position 1 in its params)
			// and are distinct per round. No hard cap covers either key.
			base := int64(1)
			key = "max_order_qty"
			if (r/5)%2 == 1 {
				key, base = "max_position", 2
			}
			value = decimal.NewFromInt(base).Add(decimal.New(int64(r+1), -4))
			// Sent with trailing zeros: "1.000300" must come back as 1.0003.
			args, reply = []string{"limits", "set", durableStrategy, key + "=" + value.StringFixed(6), "--why", why}, &set
		case 3:
			args, reply = []string{"kill", "--firm", "--why", why}, &kill
		case 4:
			args, reply = []string{"resume", "firm", "--why", why}, &ack
		}
		cmdline := strings.Join(args, " ")
		cmdOf[r] = cmdline

		roundStart := time.Now()
		err := ctlJSON(t, bin, socket, reply, args...)
		acked := time.Now()
		// SIGKILL the instant ctl returns: whatever was acked must already
		// be on disk.
		cur.cmd.Process.Kill()
		cur.cmd.Wait()
		cmdDur = append(cmdDur, acked.Sub(roundStart))
		if err != nil {
			t.Fatalf("round %d: desk ctl %s: %v", r, cmdline, err)
		}

		// The reply must show the effect and the durability wait.
		var commit int64
		badReply := func(format string, a ...any) {
			t.Errorf("round %d: desk ctl %s: reply %s", r, cmdline, fmt.Sprintf(format, a...))
		}
		switch r % 5 {
		case 0:
			commit = ack.CommitUS
			if ack.Node != durableStrategy || ack.State != "halted" {
				badReply("%+v, want %s halted", ack, durableStrategy)
			}
			m.strat, m.stratBy = "halted", r
			acks = append(acks, durableAck{r, cmdline, durableStrategy, "halt", "halted", why})
		case 1:
			commit = ack.CommitUS
			m.strat, m.stratBy = "active", r
			if ack.Node != durableStrategy || ack.State != m.effective() {
				badReply("%+v, want %s %s", ack, durableStrategy, m.effective())
			}
			acks = append(acks, durableAck{r, cmdline, durableStrategy, "resume", "active", why})
		case 2:
			if len(set) != 1 {
				badReply("%+v, want one change", set)
				break
			}
			commit = set[0].CommitUS
			if got, err := decimal.NewFromString(set[0].New); set[0].Node != durableStrategy || set[0].Key != key || err != nil || !got.Equal(value) {
				badReply("%+v, want %s %s = %s", set[0], durableStrategy, key, value)
			}
			m.limits[key], m.limitsBy[key] = value, r
			acks = append(acks, durableAck{r, cmdline, durableStrategy, "limit", key + "=" + value.String(), why})
		case 3:
			commit = kill.CommitUS
			if kill.Node != "firm" || kill.State != "halted" {
				badReply("%+v, want firm halted", kill)
			}
			m.firm, m.firmBy = "halted", r
			acks = append(acks, durableAck{r, cmdline, "firm", "kill", "halted", why})
		case 4:
			commit = ack.CommitUS
			if ack.Node != "firm" || ack.State != "active" {
				badReply("%+v, want firm active", ack)
			}
			m.firm, m.firmBy = "active", r
			acks = append(acks, durableAck{r, cmdline, "firm", "resume", "active", why})
		}
		if commit <= 0 {
			badReply("has commit_us %d: answered before its record was durable?", commit)
		}
		commitUS = append(commitUS, commit)

		// Restart on the same state and socket.
		prev = cur
		upStart := time.Now()
		cur = startServe(t, bin, state, socket)
		var after protocol.Status
		desktest.Eventually(t, within, fmt.Sprintf("round %d: the restarted daemon answers status", r), func() bool {
			var s protocol.Status
			if ctlJSON(t, bin, socket, &s, "status") != nil {
				return false
			}
			after = s
			return true
		})
		restartUp = append(restartUp, time.Since(upStart))
		var lim protocol.LimitsResult
		if err := ctlJSON(t, bin, socket, &lim, "limits", "get", durableStrategy); err != nil || len(lim.Nodes) != 1 {
			t.Fatalf("round %d: limits get %s after restart: %+v %v", r, durableStrategy, lim, err)
		}

		// Every acked effect so far must be there, not only this round's.
		if after.Firm.State != m.firm {
			loss(r, m.firmBy, "firm state", m.firm, after.Firm.State, "")
		} else {
			s := find(after, durableStrategy)
			if s.State != m.effective() {
				by := m.stratBy
				if m.firm == "halted" {
					by = m.firmBy // the firm's halt must cover the strategy
				}
				detail := ""
				if len(s.Breakers) > 0 {
					detail = fmt.Sprintf(" (breakers tripped: %v)", s.Breakers)
				}
				loss(r, by, durableStrategy+" effective state", m.effective(), s.State, detail)
			}
		}
		// No command touches a book: its effective state is the firm's.
		for _, b := range after.Books {
			if b.State != m.firm && after.Firm.State == m.firm {
				t.Errorf("round %d: book %s is %s (breakers %v) after restart, the firm %s; no command touched the book", r, b.ID, b.State, b.Breakers, after.Firm.State)
			}
		}
		got := lim.Nodes[0].Limits
		for k, want := range m.limits {
			v, ok := got[k]
			d, err := decimal.NewFromString(v)
			switch {
			case !ok:
				loss(r, m.limitsBy[k], durableStrategy+" limit "+k, want.String(), "unset", "")
			case err != nil || !d.Equal(want):
				loss(r, m.limitsBy[k], durableStrategy+" limit "+k, want.String(), fmt.Sprintf("%q", v), "")
			}
		}
		for k, v := range got {
			if _, ok := m.limits[k]; !ok {
				t.Errorf("round %d: %s limit %s = %s after restart; nothing set it", r, durableStrategy, k, v)
			}
		}
		roundDur = append(roundDur, time.Since(roundStart))
	}
	total := time.Since(testStart)

	// The audit trail survived too: every acked command's record is there.
	var audit []protocol.AuditEntry
	for _, node := range []string{durableStrategy, "firm"} {
		var a protocol.AuditResult
		if err := ctlJSON(t, bin, socket, &a, "audit", node, "--limit", "-1"); err != nil {
			t.Fatalf("audit %s: %v", node, err)
		}
		audit = append(audit, a.Entries...)
	}
	missing := 0
	for _, want := range acks {
		if !slices.ContainsFunc(audit, func(e protocol.AuditEntry) bool {
			return e.Node == want.node && e.Action == want.action && e.Why == want.why && auditNewEqual(e.New, want.new)
		}) {
			missing++
			t.Errorf("audit: round %d acked %q, but no %s %s record (new %s, why %q) is in the audit trail", want.round, want.cmd, want.node, want.action, want.new, want.why)
		}
	}

	var final protocol.Status
	if err := ctlJSON(t, bin, socket, &final, "status"); err == nil {
		t.Logf("firm fills %d at the first round, %d after the last: trading went on across the restarts", startFills, final.Firm.Fills)
	}
	t.Logf("%d rounds in %v: %d losses, %d acked commands missing from the audit trail", rounds, total.Round(time.Millisecond), losses, missing)
	t.Logf("round (command, kill -9, restart, checks): %s", durStats(roundDur))
	t.Logf("desk ctl command until it exits with ok: %s; restart until status answers: %s", durStats(cmdDur), durStats(restartUp))
	us := make([]time.Duration, len(commitUS))
	for i, c := range commitUS {
		us[i] = time.Duration(c) * time.Microsecond
	}
	t.Logf("commit_us in the replies: %s", durStats(us))
}

// auditNewEqual compares an audit record's New with the expected one: a
// state, or KEY=VALUE with the value compared as a decimal.
func auditNewEqual(got, want string) bool {
	gk, gv, gok := strings.Cut(got, "=")
	wk, wv, wok := strings.Cut(want, "=")
	if !gok || !wok {
		return got == want
	}
	g, gerr := decimal.NewFromString(gv)
	w, werr := decimal.NewFromString(wv)
	return gk == wk && gerr == nil && werr == nil && g.Equal(w)
}

// stderrTail is the last n lines of p's stderr.
func stderrTail(p *proc, n int) string {
	if p == nil {
		return "(none)"
	}
	lines := strings.Split(strings.TrimRight(p.stderr.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// durStats is min / median / max of ds.
func durStats(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	r := func(d time.Duration) time.Duration { return d.Round(time.Microsecond) }
	return fmt.Sprintf("min %v, median %v, max %v", r(s[0]), r(s[len(s)/2]), r(s[len(s)-1]))
}

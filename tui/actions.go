package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/desk-trading/desk/core/protocol"
)

// viewKey handles a key the active view may use: the cursor, sort, enter
// and esc, and the actions on what is selected.
func (m model) viewKey(k tea.KeyPressMsg) (model, tea.Cmd) {
	v := &m.views
	t := v.table(m.tab)
	page := max(v.height-2, 1)
	moved := true
	switch {
	case t != nil && key.Matches(k, m.keys.Up):
		*t = t.move(-1)
	case t != nil && key.Matches(k, m.keys.Down):
		*t = t.move(1)
	case t != nil && key.Matches(k, m.keys.PageUp):
		*t = t.move(-page)
	case t != nil && key.Matches(k, m.keys.PageDown):
		*t = t.move(page)
	case t != nil && key.Matches(k, m.keys.First):
		*t = t.first()
	case t != nil && key.Matches(k, m.keys.Last):
		*t = t.last()
	case t != nil && key.Matches(k, m.keys.Sort):
		*t = t.cycleSort()
		m.status = statusLine{statusInfo, "sorted by " + t.sortName()}
	case t != nil && key.Matches(k, m.keys.Reverse):
		*t = t.reverseSort()
		m.status = statusLine{statusInfo, "sorted by " + t.sortName()}
	default:
		moved = false
	}
	if moved {
		if m.tab == tabRisk && !v.limitsFocus {
			m = m.rebuildRisk() // the limits follow the node
		}
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Open):
		return m.openSelected()
	case key.Matches(k, m.keys.Back):
		return m.back(), nil
	case key.Matches(k, m.keys.Working) && m.tab == tabOrders:
		v.workingOnly = !v.workingOnly
		m = m.rebuildOrders()
		m.status = statusLine{statusInfo, map[bool]string{true: "working orders only", false: "working and recent finished orders"}[v.workingOnly]}
	case key.Matches(k, m.keys.SwitchPane) && m.tab == tabAudit:
		v.showAlerts = !v.showAlerts
	case key.Matches(k, m.keys.Halt):
		return m.nodeAction(protocol.CmdHalt)
	case key.Matches(k, m.keys.Resume):
		return m.nodeAction(protocol.CmdResume)
	case key.Matches(k, m.keys.ReduceOnly):
		return m.nodeAction(protocol.CmdReduceOnly)
	case key.Matches(k, m.keys.Kill):
		return m.killSelected()
	case key.Matches(k, m.keys.Reset):
		return m.resetSelected()
	case key.Matches(k, m.keys.Edit):
		return m.editSelected()
	case key.Matches(k, m.keys.CancelOrder):
		return m.cancelSelected()
	case key.Matches(k, m.keys.CancelAll):
		return m.cancelAllSelected()
	}
	return m, nil
}

// openSelected is enter: a strategy's detail, or the risk view's limits.
func (m model) openSelected() (model, tea.Cmd) {
	v := &m.views
	switch m.tab {
	case tabStrategies:
		if v.detail == "" {
			if r, ok := v.strategies.selectedRow(); ok {
				v.detail = r.key
				v.detailOrders = v.detailOrders.setFilter("").first()
				m = m.rebuild()
				return m.fetchFor(true)
			}
		}
	case tabRisk:
		if !v.limitsFocus {
			v.limitsFocus = true
			m = m.rebuildRisk()
		}
	}
	return m, nil
}

// back is esc: out of a detail or a pane, or clears a filter.
func (m model) back() model {
	v := &m.views
	switch {
	case m.tab == tabStrategies && v.detail != "":
		v.detail = ""
		m = m.rebuild()
	case m.tab == tabRisk && v.limitsFocus:
		v.limitsFocus = false
		v.limits = v.limits.setFilter("") // the next node's limits are not this one's
	default:
		if t := v.table(m.tab); t != nil && t.filter != "" {
			*t = t.setFilter("")
			m.status = statusLine{statusInfo, "filter cleared"}
		}
	}
	return m
}

// nodeRequest is a state command (halt, resume, reduce-only) for node.
func nodeRequest(cmd, node string) request {
	return request{cmd: cmd, node: node, label: cmd + " " + node,
		args: protocol.NodeArgs{Node: node, Why: "tui"}, make: func() any { return new(protocol.Ack) }}
}

func killRequest(node string) request {
	return request{cmd: protocol.CmdKill, node: node, label: "kill " + node,
		args: protocol.NodeArgs{Node: node, Why: "tui"}, make: func() any { return new(protocol.KillResult) }}
}

func resetRequest(node, breaker string) request {
	label := "reset " + node
	if breaker != "" {
		label += " " + breaker
	}
	return request{cmd: protocol.CmdReset, node: node, label: label,
		args: protocol.ResetArgs{Node: node, Breaker: breaker, Why: "tui"}, make: func() any { return new(protocol.ResetResult) }}
}

func cancelRequest(id string) request {
	return request{cmd: protocol.CmdCancel, label: "cancel " + id,
		args: protocol.CancelArgs{ClientOrderID: id, Why: "tui"}, make: func() any { return new(protocol.CancelResult) }}
}

func cancelAllRequest(node string) request {
	return request{cmd: protocol.CmdCancelAll, node: node, label: "cancel all orders of " + node,
		args: protocol.NodeArgs{Node: node, Why: "tui"}, make: func() any { return new(protocol.CancelResult) }}
}

// nodeAction sends a state command for the selected node at once: a halt
// must never wait behind a question.
func (m model) nodeAction(cmd string) (model, tea.Cmd) {
	node := m.selectedNode()
	if node == "" {
		m.status = statusLine{statusError, cmd + ": select a strategy, book or the firm first"}
		return m, nil
	}
	return m.send(nodeRequest(cmd, node))
}

// killSelected asks before killing the selected node; the answer defaults
// to no.
func (m model) killSelected() (model, tea.Cmd) {
	node := m.selectedNode()
	if node == "" {
		m.status = statusLine{statusError, "kill: select a strategy, book or the firm first"}
		return m, nil
	}
	if node == "firm" {
		return m.handleKey(tea.KeyPressMsg{Code: '!', Text: "!"})
	}
	open := "its"
	if info, ok := m.data.node(node); ok {
		open = formatCount(int64(info.totals.OpenOrders))
	}
	return m.confirm(confirmation{
		question: fmt.Sprintf("KILL %s? halts it and cancels %s working orders", node, open),
		yes:      "kill " + node,
		req:      killRequest(node),
	}), nil
}

// resetSelected asks before resetting the selected node's breakers.
func (m model) resetSelected() (model, tea.Cmd) {
	node := m.selectedNode()
	if node == "" {
		m.status = statusLine{statusError, "reset: select a strategy, book or the firm first"}
		return m, nil
	}
	info, _ := m.data.node(node)
	if len(info.breakers) == 0 {
		m.status = statusLine{statusInfo, "reset " + node + ": no breaker is tripped there"}
		return m, nil
	}
	return m.confirm(confirmation{
		question: fmt.Sprintf("reset %s's breakers (%s)?", node, strings.Join(info.breakers, ", ")),
		yes:      "reset",
		req:      resetRequest(node, ""),
	}), nil
}

func (m model) cancelSelected() (model, tea.Cmd) {
	o := m.selectedOrder()
	if o == nil {
		m.status = statusLine{statusError, "cancel: select an order in the blotter first"}
		return m, nil
	}
	if terminal(o.State) {
		m.status = statusLine{statusError, "cancel " + o.ClientOrderID + ": already " + o.State}
		return m, nil
	}
	return m.confirm(confirmation{
		question: fmt.Sprintf("cancel %s (%s %s %s @ %s)?", o.ClientOrderID, o.Side, formatQty(o.Quantity), o.Instrument, orDash(o.Price)),
		yes:      "cancel it",
		req:      cancelRequest(o.ClientOrderID),
	}), nil
}

func (m model) cancelAllSelected() (model, tea.Cmd) {
	node := m.selectedNode()
	if node == "" {
		m.status = statusLine{statusError, "cancel all: select an order or a strategy first"}
		return m, nil
	}
	n := 0
	for _, o := range m.data.orders {
		if o.Strategy == node && !terminal(o.State) {
			n++
		}
	}
	return m.confirm(confirmation{
		question: fmt.Sprintf("cancel every working order of %s (%d)? it keeps trading", node, n),
		yes:      "cancel them",
		req:      cancelAllRequest(node),
	}), nil
}

// handleResult takes the answer to a request.
func (m model) handleResult(r callResultMsg) (model, tea.Cmd) {
	delete(m.refreshing, r.req.cmd)
	switch r.req.cmd {
	case protocol.CmdAudit:
		if r.err == nil {
			res := r.result.(*protocol.AuditResult)
			if a, _ := r.req.args.(protocol.AuditArgs); a.Node != "" {
				m.data.nodeAudit, m.data.nodeAuditFor = res.Entries, a.Node
			} else {
				m.data.audit = res.Entries
				m = m.rebuild()
			}
		}
		return m, nil
	case protocol.CmdLimitsGet:
		if r.err == nil {
			m.data.limits = r.result.(*protocol.LimitsResult)
			if m.tab == tabRisk {
				m = m.rebuildRisk()
			}
		}
		return m, nil
	case protocol.CmdLimitsSet:
		switch {
		case m.edit != nil:
			return m.editAnswered(r)
		case r.req.quiet:
			return m, nil // a check as typed for an editor since closed
		}
	}
	m.status = m.answerLine(r)
	if r.err != nil {
		return m, nil
	}
	// The audit trail shows the change at once; the limits too.
	return m.fetchFor(true)
}

// answerLine words an answer for the status line. An answer that did not
// achieve what was asked says so: a resume under a halted firm is "still
// halted", never "ok".
func (m model) answerLine(r callResultMsg) statusLine {
	at := r.at.Format("15:04:05")
	var pe *protocol.Error
	switch {
	case errors.As(r.err, &pe):
		return statusLine{statusError, fmt.Sprintf("%s %s refused: %s", at, r.req.label, pe.Message)}
	case r.err != nil:
		return statusLine{statusError, fmt.Sprintf("%s %s failed: %v", at, r.req.label, r.err)}
	}
	switch res := r.result.(type) {
	case *protocol.Ack:
		want := map[string]string{protocol.CmdHalt: stateHalted, protocol.CmdResume: stateActive, protocol.CmdReduceOnly: stateReduceOnly}[r.req.cmd]
		if stateRank(res.State) > stateRank(want) {
			cause := res.Cause
			if cause == "" {
				cause = m.data.cause(res.Node)
			}
			return statusLine{statusError, fmt.Sprintf("%s %s: still %s: %s", at, r.req.label, res.State, orDash(cause))}
		}
		return statusLine{statusOK, fmt.Sprintf("%s %s: ok, %s is now %s", at, r.req.label, res.Node, res.State)}
	case *protocol.KillResult:
		return statusLine{statusOK, fmt.Sprintf("%s %s: ok, %s is %s, %d cancels sent", at, r.req.label, res.Node, res.State, res.Canceled)}
	case *protocol.ResetResult:
		line := fmt.Sprintf("%s %s: cleared %s; %s is now %s", at, r.req.label, orDash(strings.Join(res.Cleared, ", ")), res.Node, res.State)
		if res.State != stateActive {
			cause := res.Cause
			if cause == "" {
				cause = m.data.cause(res.Node)
			}
			return statusLine{statusError, line + ": still " + res.State + ": " + orDash(cause)}
		}
		return statusLine{statusOK, line}
	case *protocol.CancelResult:
		if res.Node != "" {
			return statusLine{statusOK, fmt.Sprintf("%s %s: %d cancels sent", at, r.req.label, res.Canceled)}
		}
		return statusLine{statusOK, fmt.Sprintf("%s %s: cancel sent", at, r.req.label)}
	case *protocol.LimitsSetResult:
		return statusLine{statusOK, fmt.Sprintf("%s %s: %s → %s, journaled", at, r.req.label, orDash(res.Old), res.New)}
	}
	return statusLine{statusOK, at + " " + r.req.label + ": ok"}
}

// cause says why node trades under a state more restrictive than its own
// or not at all, from the status: the nearest node up the tree whose own
// state was set so, with who, when and why, or its tripped breakers.
func (s *store) cause(node string) string {
	for _, n := range s.ancestry(node) {
		info, ok := s.node(n)
		if !ok {
			continue
		}
		if len(info.detail.Trips) > 0 {
			t := info.detail.Trips[0]
			return fmt.Sprintf("%s breaker %s tripped at %s %s", n, t.Breaker, formatClock(t.Time, "15:04:05"), t.Detail)
		}
		if len(info.breakers) > 0 {
			return n + " breakers " + strings.Join(info.breakers, ", ")
		}
		if c := info.detail.Changed; c != nil && c.State != stateActive && c.State == info.state {
			why := ""
			if c.Why != "" {
				why = " (" + c.Why + ")"
			}
			return fmt.Sprintf("%s %s by %s at %s%s", n, c.State, c.Who, formatClock(c.Time, "15:04:05"), why)
		}
		if n != node && info.state != stateActive {
			return n + " " + info.state
		}
	}
	return ""
}

// recentDenials are the latest n denials of strategy from its fetched
// audit trail, newest first.
func (s *store) recentDenials(strategy string, n int) []protocol.AuditEntry {
	if s.nodeAuditFor != strategy {
		return nil
	}
	var out []protocol.AuditEntry
	for i := len(s.nodeAudit) - 1; i >= 0 && len(out) < n; i-- {
		if s.nodeAudit[i].Action == "deny" {
			out = append(out, s.nodeAudit[i])
		}
	}
	return out
}

// fetchFor fetches what the active view shows that the daemon does not
// push: the audit trail, a strategy's own audit, the limits. force fetches
// now; otherwise only what is due.
func (m model) fetchFor(force bool) (model, tea.Cmd) {
	var cmds []tea.Cmd
	due := func(what, cmd string, every time.Duration) bool {
		if m.refreshing[cmd] {
			return false // one of each at a time
		}
		return force || time.Since(m.fetched[what]) >= every
	}
	fetch := func(what string, req request) {
		var c tea.Cmd
		m, c = m.send(req)
		if c != nil {
			m.refreshing[req.cmd] = true
			m.fetched[what] = time.Now()
			cmds = append(cmds, c)
		}
	}
	if m.sess == nil {
		return m, nil
	}
	switch {
	case m.tab == tabAudit && due("audit", protocol.CmdAudit, auditRefresh):
		fetch("audit", request{cmd: protocol.CmdAudit, quiet: true, label: "audit",
			args: protocol.AuditArgs{Limit: auditFetched}, make: func() any { return new(protocol.AuditResult) }})
	case m.tab == tabStrategies && m.views.detail != "" && due("audit "+m.views.detail, protocol.CmdAudit, auditRefresh):
		fetch("audit "+m.views.detail, request{cmd: protocol.CmdAudit, quiet: true, label: "audit",
			args: protocol.AuditArgs{Node: m.views.detail, Limit: 200}, make: func() any { return new(protocol.AuditResult) }})
	}
	// The risk view shows the limits; the command line completes their
	// keys, so they are fetched once in any case.
	if (m.tab == tabRisk || m.data.limits == nil) && due("limits", protocol.CmdLimitsGet, limitsRefresh) {
		fetch("limits", request{cmd: protocol.CmdLimitsGet, quiet: true, label: "limits",
			args: protocol.NodeArgs{}, make: func() any { return new(protocol.LimitsResult) }})
	}
	return m, tea.Batch(cmds...)
}

// refresh is the periodic fetch.
func (m model) refresh() (model, tea.Cmd) {
	if m.conn.state != connConnected {
		return m, nil
	}
	return m.fetchFor(false)
}

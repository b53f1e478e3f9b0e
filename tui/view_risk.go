package tui

import (
	"slices"
	"strings"

	"github.com/desk-trading/desk/core/protocol"
)

// The risk view: the firm -> books -> strategies tree above, the selected
// node's limits and their use below. enter moves the keys to the limits,
// esc back to the tree; e edits the selected limit, R resets the node's
// breakers.

func treeColumns() []column {
	return []column{
		{title: "NODE", min: 8, max: 28, keep: 100},
		{title: "STATE", min: 6, max: 60, keep: 95, whole: true},
		{title: "P&L", min: 8, max: 16, right: true, keep: 80},
		{title: "OPEN", min: 4, max: 7, right: true, keep: 70},
		{title: "NEAREST LIMIT", min: 12, max: 40, keep: 85, whole: true},
	}
}

// treeRows are the firm, each book and under it its strategies.
func treeRows(st *protocol.Status) []row {
	rows := []row{nodeRow("firm", "firm", st.Firm.State, st.Firm.Breakers, st.Firm.Totals, st.Firm.NodeDetail)}
	books := slices.Clone(st.Books)
	slices.SortFunc(books, func(a, b protocol.Book) int { return strings.Compare(a.ID, b.ID) })
	for _, b := range books {
		rows = append(rows, nodeRow(b.ID, "  "+b.ID, b.State, b.Breakers, b.Totals, b.NodeDetail))
		var strats []*protocol.Strategy
		for i := range st.Strategies {
			if st.Strategies[i].Book == b.ID {
				strats = append(strats, &st.Strategies[i])
			}
		}
		slices.SortFunc(strats, func(a, b *protocol.Strategy) int { return strings.Compare(a.ID, b.ID) })
		for _, sp := range strats {
			rows = append(rows, nodeRow(sp.ID, "    "+sp.ID, sp.State, sp.Breakers, sp.Totals, sp.NodeDetail))
		}
	}
	return rows
}

// nodeRow is one node of the tree: its state (with who set it, when it
// is not active), its P&L and open orders, and the limit nearest its
// bound.
func nodeRow(id, label, state string, breakers []string, t protocol.Totals, d protocol.NodeDetail) row {
	text := state
	if d.Changed != nil && d.Changed.State == state && state != stateActive {
		text += " by " + d.Changed.Who + " " + formatClock(d.Changed.Time, "15:04:05")
	}
	short := state
	if len(breakers) > 0 {
		text += " (" + strings.Join(breakers, ", ") + ")"
		short += " (" + plural(len(breakers), "breaker") + ")"
	}
	total, sign := formatMoney(addDecimals(t.RealizedPnL, t.UnrealizedPnL))
	nearest := textCell("—", cellMuted)
	if u, ok := nearestLimit(d.Use); ok && u.Ratio == 0 {
		nearest = textCell("none in use", cellMuted)
	} else if ok {
		nearest = cell{text: u.Key + " " + formatPercent(u.Ratio), num: u.Ratio, isNum: true, kind: useKind(u.Ratio)}
		if u.Instrument != "" {
			nearest.short = nearest.text
			nearest.text = u.Key + " " + u.Instrument + " " + formatPercent(u.Ratio)
		}
	}
	return newRow(id,
		textCell(label, cellPlain),
		cell{text: text, short: short, kind: stateKind(state)},
		numCell(total, decimalFloat(addDecimals(t.RealizedPnL, t.UnrealizedPnL)), signKind(sign)),
		numCell(formatCount(int64(t.OpenOrders)), float64(t.OpenOrders), cellPlain),
		nearest,
	)
}

// nearestLimit is the limit most used.
func nearestLimit(use []protocol.LimitUse) (protocol.LimitUse, bool) {
	best, ok := protocol.LimitUse{}, false
	for _, u := range use {
		if !ok || u.Ratio > best.Ratio {
			best, ok = u, true
		}
	}
	return best, ok
}

// useKind colors a use: warning from 80%, loud at 100%.
func useKind(r float64) cellKind {
	switch {
	case r >= 1:
		return cellBad
	case r >= 0.8:
		return cellWarn
	}
	return cellActive
}

const useBarWidth = 16

func limitColumns() []column {
	return []column{
		{title: "LIMIT", min: 10, max: 22, keep: 100},
		{title: "SCOPE", min: 5, max: 22, keep: 90},
		{title: "VALUE", min: 5, max: 16, right: true, keep: 99},
		{title: "SET AT", min: 6, max: 16, keep: 70},
		{title: "USED", min: 4, max: 16, right: true, keep: 85},
		{title: "USE", min: useBarWidth, max: useBarWidth, keep: 80},
		{title: "%", min: 4, max: 5, right: true, keep: 95},
	}
}

// limitRef is what a limits row stands for: a key at a scope of a node.
type limitRef struct {
	node, scope, key, value string
}

func limitKey(scope, key string) string { return scope + "\x00" + key }

// limitRows lists node's effective limits with their use, then the other
// limits set on it (overrides, limits with no use to show).
func limitRows(d *store, node string) ([]row, map[string]limitRef) {
	refs := map[string]limitRef{}
	var rows []row
	info, ok := d.node(node)
	if !ok {
		return nil, refs
	}
	chain := d.ancestry(node)
	setAt := func(scope, key string) (string, string) {
		for _, n := range chain {
			if nl := d.nodeLimits(n); nl != nil {
				if v, ok := scopeLimits(nl, scope)[key]; ok {
					if n == node {
						return "here", v
					}
					return n, v
				}
			}
		}
		return "", ""
	}
	add := func(scope, key, value, at string, u *protocol.LimitUse) {
		k := limitKey(scope, key)
		if _, dup := refs[k]; dup {
			return
		}
		refs[k] = limitRef{node: node, scope: scope, key: key, value: value}
		used, use, pct := textCell("—", cellMuted), textCell("", cellMuted), textCell("", cellMuted)
		if u != nil {
			used = numCell(formatQty(u.Used), decimalFloat(u.Used), cellPlain)
			use = textCell(bar(u.Ratio, useBarWidth), useKind(u.Ratio))
			pct = numCell(formatPercent(u.Ratio), u.Ratio, useKind(u.Ratio))
		}
		rows = append(rows, newRow(k,
			textCell(key, cellPlain),
			textCell(orDash(scope), cellMuted),
			numCell(formatQty(value), decimalFloat(value), cellPlain),
			textCell(orDash(at), cellMuted),
			used, use, pct,
		))
	}
	for i := range info.detail.Use {
		u := &info.detail.Use[i]
		scope := ""
		at, _ := setAt(scope, u.Key)
		if u.Instrument != "" {
			if iat, _ := setAt("instrument:"+u.Instrument, u.Key); iat != "" {
				scope, at = "instrument:"+u.Instrument, iat
			}
		}
		add(scope, u.Key, u.Limit, at, u)
	}
	if nl := d.nodeLimits(node); nl != nil {
		for _, k := range sortedKeys(nl.Limits) {
			add("", k, nl.Limits[k], "here", nil)
		}
		for _, c := range sortedKeys(nl.Class) {
			for _, k := range sortedKeys(nl.Class[c]) {
				add("class:"+c, k, nl.Class[c][k], "here", nil)
			}
		}
		for _, in := range sortedKeys(nl.Instrument) {
			for _, k := range sortedKeys(nl.Instrument[in]) {
				add("instrument:"+in, k, nl.Instrument[in][k], "here", nil)
			}
		}
	}
	return rows, refs
}

func scopeLimits(nl *protocol.NodeLimits, scope string) map[string]string {
	switch {
	case scope == "":
		return nl.Limits
	case strings.HasPrefix(scope, "class:"):
		return nl.Class[strings.TrimPrefix(scope, "class:")]
	case strings.HasPrefix(scope, "instrument:"):
		return nl.Instrument[strings.TrimPrefix(scope, "instrument:")]
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// nodeLimits returns the limits fetched for node, nil when none.
func (s *store) nodeLimits(node string) *protocol.NodeLimits {
	if s.limits == nil {
		return nil
	}
	for i := range s.limits.Nodes {
		if s.limits.Nodes[i].Node == node {
			return &s.limits.Nodes[i]
		}
	}
	return nil
}

// ancestry is node and its ancestors up to the firm.
func (s *store) ancestry(node string) []string {
	out := []string{node}
	for n := node; n != "firm"; {
		info, ok := s.node(n)
		if !ok || info.parent == "" {
			break
		}
		n = info.parent
		out = append(out, n)
	}
	return out
}

// rebuildRisk formats the tree and the selected node's limits.
func (m model) rebuildRisk() model {
	v := &m.views
	if m.data.status == nil {
		return m
	}
	v.tree = v.tree.setRows(treeRows(m.data.status))
	rows, refs := limitRows(m.data, m.selectedNode())
	v.limits = v.limits.setRows(rows)
	m.limitRefs = refs
	return m
}

// selectedLimit is the limit selected in the limits pane.
func (m model) selectedLimit() (limitRef, bool) {
	r, ok := m.views.limits.selectedRow()
	if !ok {
		return limitRef{}, false
	}
	ref, ok := m.limitRefs[r.key]
	return ref, ok
}

// riskView draws the tree, a line about the selected node, and its limits.
func (m model) riskView(w int, dim bool) string {
	st := m.styles
	v := &m.views
	var b strings.Builder
	b.WriteString(lastLines(v.tree.View(st, dim, !v.limitsFocus), riskTreeLines(v.height)))
	b.WriteString("\n")
	node := m.selectedNode()
	line := st.Label.Render("limits of ") + st.Value.Render(node)
	if info, ok := m.data.node(node); ok && len(info.detail.Trips) > 0 {
		var trips []string
		for _, t := range info.detail.Trips {
			trips = append(trips, t.Breaker+" at "+formatClock(t.Time, "15:04:05")+" "+t.Detail)
		}
		line += "  " + st.Breaker.Render(" "+strings.Join(trips, "; ")+" ")
	}
	if v.limitsFocus {
		line += st.Label.Render("   e edit · esc back to the tree")
	} else {
		line += st.Label.Render("   enter to pick a limit")
	}
	b.WriteString(clip(line, w))
	b.WriteString("\n")
	b.WriteString(v.limits.View(st, dim, v.limitsFocus))
	return b.String()
}

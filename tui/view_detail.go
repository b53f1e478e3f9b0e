package tui

import (
	"fmt"
	"strings"
)

// detailView is one strategy in full: its state and why, P&L and
// counters, breakers, positions per instrument, limits and their use,
// recent denials, and its orders at the bottom (the keys move in them).
func (m model) detailView(w int, dim bool) string {
	st := m.styles
	v := &m.views
	info, ok := m.data.node(v.detail)
	if !ok || info.strategy == nil {
		return st.Label.Render("strategy " + v.detail + " is not in the status: esc to go back")
	}
	sp := info.strategy
	var lines []string
	add := func(s string) { lines = append(lines, clip(s, w)) }
	label := func(s string) string { return st.Label.Render(s) }
	value := func(s string) string { return st.data(st.Value, dim).Render(s) }

	book, _ := m.data.node(sp.Book)
	state, text, _ := effectiveState(sp.State, book.state, m.data.status.Firm.State, sp.Breakers)
	head := st.Title.Render(sp.ID) + label(" book ") + value(sp.Book) + label(" kind ") + value(sp.Kind) +
		label("  ") + st.state(state, dim).Render(text)
	if cause := m.data.cause(sp.ID); cause != "" && state != stateActive {
		head += label(" — " + cause)
	}
	add(head)

	real, rs := formatMoney(sp.RealizedPnL)
	unreal, us := formatMoney(sp.UnrealizedPnL)
	counters := label("realized ") + st.pnl(rs, dim).Render(real) + label("  unrealized ") + st.pnl(us, dim).Render(unreal) +
		label("  open ") + value(formatCount(int64(sp.OpenOrders))) + label("  sent ") + value(formatCount(sp.OrdersSent)) +
		label("  fills ") + value(formatCount(sp.Fills)) + label("  t2o p99 ") + value(formatNanos(sp.TickToOrderP99)) +
		label("  P&L ") + st.Label.Render(sparkline(m.data.pnl[sp.ID].last(20), 20))
	add(counters)
	if sp.Denials > 0 {
		add(st.Warn.Render(fmt.Sprintf("denied %s orders, the last %s ago: %s",
			formatCount(sp.Denials), formatAge(parseTime(sp.LastDenialAt), m.now), sp.LastDenial)))
	}
	for _, t := range sp.Trips {
		add(st.Breaker.Render(" breaker "+t.Breaker+" ") + label(" tripped "+formatClock(t.Time, "15:04:05")+" ") + value(t.Detail))
	}

	add(st.TableHeader.Render("POSITIONS"))
	if len(sp.Positions) == 0 {
		add(label("  none"))
	}
	for _, p := range sp.Positions {
		r, rsg := formatMoney(p.RealizedPnL)
		u, usg := formatMoney(p.UnrealizedPnL)
		add("  " + value(fmt.Sprintf("%-10s %12s", p.Instrument, formatQty(p.Quantity))) +
			label(" avg ") + value(orDash(formatQty(p.AvgPrice))) + label(" mark ") + value(orDash(formatQty(p.Mark))) +
			label(" realized ") + st.pnl(rsg, dim).Render(r) + label(" unrealized ") + st.pnl(usg, dim).Render(u))
	}

	add(st.TableHeader.Render("LIMITS IN USE"))
	if len(sp.Use) == 0 {
		add(label("  none set"))
	}
	for _, u := range sp.Use {
		name := u.Key
		if u.Instrument != "" {
			name += " " + u.Instrument
		}
		add("  " + value(fmt.Sprintf("%-28s", name)) + st.cell(useKind(u.Ratio), dim).Render(bar(u.Ratio, useBarWidth)) +
			value(fmt.Sprintf(" %5s  %s of %s", formatPercent(u.Ratio), formatQty(u.Used), formatQty(u.Limit))))
	}

	if den := m.data.recentDenials(sp.ID, 5); len(den) > 0 {
		add(st.TableHeader.Render("RECENT DENIALS"))
		for _, e := range den {
			add("  " + label(formatClock(e.Time, "15:04:05.000")+" ") + st.Warn.Render(e.New) + label(" "+e.Why))
		}
	}

	top := max(v.height-detailOrderLines(v.height)-1, 1)
	if len(lines) > top {
		lines = lines[:top]
	}
	for len(lines) < top {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n") + "\n" + st.TableHeader.Render("ORDERS") + "\n" + v.detailOrders.View(st, dim, true)
}

package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/desk-trading/desk/core/protocol"
)

// tab is one of the views, in tab-bar order.
type tab int

const (
	tabStrategies tab = iota
	tabOrders
	tabPositions
	tabRisk
	tabLatency
	tabVenues
	tabAudit
	numTabs
)

var tabNames = [numTabs]string{"Strategies", "Orders", "Positions", "Risk", "Latency", "Venues", "Audit"}

// tabIDs are the names the command line takes (:view orders).
var tabIDs = [numTabs]string{"strategies", "orders", "positions", "risk", "latency", "venues", "audit"}

// headerView is two lines: the firm (state, P&L, orders, tripped
// breakers in red) and the connection (daemon, clock, journal trouble,
// venues).
func (m model) headerView(w int, dim bool) string {
	return clip(m.firmLine(dim)+"\n"+m.connLine(dim), w)
}

func (m model) firmLine(dim bool) string {
	st := m.styles
	var b strings.Builder
	b.WriteString(st.Title.Render("DESK"))
	b.WriteString(" ")
	s := m.data.status
	if s == nil {
		b.WriteString(st.Label.Render("waiting for the daemon's status"))
		return b.String()
	}
	b.WriteString(firmBadge(st, s.Firm.State, dim))
	// Tripped breakers come first, so that no width hides them.
	if trips := trippedBreakers(s); len(trips) > 0 {
		b.WriteString(" ")
		b.WriteString(st.data(st.Breaker, dim).Render("⚠ " + strings.Join(trips, " · ")))
	}
	total, sign := formatMoney(addDecimals(s.Firm.RealizedPnL, s.Firm.UnrealizedPnL))
	field := func(label, value string, style lipgloss.Style) {
		b.WriteString(st.Label.Render(" " + label + " "))
		b.WriteString(style.Render(value))
	}
	field("P&L", total, st.pnl(sign, dim))
	r, rs := formatMoney(s.Firm.RealizedPnL)
	u, us := formatMoney(s.Firm.UnrealizedPnL)
	field("real", r, st.pnl(rs, dim))
	field("unreal", u, st.pnl(us, dim))
	field("open", formatCount(int64(s.Firm.OpenOrders)), st.data(st.Value, dim))
	field("fills", formatCount(s.Firm.Fills), st.data(st.Value, dim))
	return b.String()
}

// trippedBreakers lists every node's tripped breakers: "firm journal-error".
func trippedBreakers(s *protocol.Status) []string {
	var out []string
	add := func(node string, bs []string) {
		if len(bs) > 0 {
			out = append(out, node+" "+strings.Join(bs, ","))
		}
	}
	add("firm", s.Firm.Breakers)
	for _, bk := range s.Books {
		add(bk.ID, bk.Breakers)
	}
	for _, sp := range s.Strategies {
		add(sp.ID, sp.Breakers)
	}
	return out
}

// firmBadge is the firm's trading state; halted is impossible to miss.
func firmBadge(st *styles, state string, dim bool) string {
	switch {
	case dim:
		return st.Stale.Render(strings.ToUpper(state))
	case state == stateHalted:
		return st.FirmHalted.Render("FIRM HALTED")
	case state == stateReduceOnly:
		return st.FirmReduceOnly.Render("REDUCE-ONLY")
	case state == stateActive:
		return st.FirmActive.Render("ACTIVE")
	}
	return st.Value.Render(strings.ToUpper(state))
}

func (m model) connLine(dim bool) string {
	st := m.styles
	var b strings.Builder
	switch m.conn.state {
	case connConnected:
		b.WriteString(st.Connected.Render("● connected"))
		if m.conn.daemon != "" {
			b.WriteString(st.Label.Render(" " + m.conn.daemon))
		}
	case connConnecting:
		b.WriteString(st.Connecting.Render("◌ connecting…"))
	case connRetrying:
		b.WriteString(st.Disconnected.Render(" DISCONNECTED — retrying in " + m.conn.retryIn.String() + " "))
		b.WriteString(st.StatusError.Render(fmt.Sprintf(" attempt %d: %s", m.conn.failures, m.conn.reason)))
	}
	if m.readOnly || m.conn.readOnly {
		b.WriteString(" ")
		b.WriteString(st.FirmReduceOnly.Render("READ-ONLY"))
	}
	if s := m.data.status; s != nil {
		b.WriteString(st.Label.Render("  " + m.data.at.UTC().Format("15:04:05 MST")))
		if s.Journal.State == "down" {
			b.WriteString("  ")
			b.WriteString(st.data(st.Breaker, dim).Render(fmt.Sprintf(" JOURNAL DOWN: %d events not on disk ", s.Journal.Pending)))
		}
		for i := range s.Venues {
			b.WriteString("  ")
			b.WriteString(venueBadge(st, &s.Venues[i], dim))
		}
	}
	return b.String()
}

// venueBadge is one venue in the header: up or down, live or simulated
// (a color and a word), reconciling, and trouble reconciliation found.
func venueBadge(st *styles, v *protocol.Venue, dim bool) string {
	var b strings.Builder
	switch {
	case !v.Connected:
		b.WriteString(st.data(st.VenueDown, dim).Render("○ " + v.Name + " down"))
	case v.Reconciling:
		b.WriteString(st.data(st.Connecting, dim).Render("◐ " + v.Name + " reconciling"))
	default:
		b.WriteString(st.data(st.VenueUp, dim).Render("● " + v.Name))
	}
	b.WriteString(" ")
	b.WriteString(st.cell(execKind(v.Execution), dim).Render(execWord(v.Execution)))
	var off []string
	for _, bal := range v.Balances {
		if !bal.Match {
			off = append(off, bal.Asset)
		}
	}
	if len(off) > 0 {
		b.WriteString(st.data(st.VenueDown, dim).Render(" balance≠" + strings.Join(off, ",")))
	}
	if n := len(v.External); n > 0 {
		b.WriteString(st.data(st.Warn, dim).Render(fmt.Sprintf(" +%d external", n)))
	}
	return b.String()
}

// tabsView is the tab bar: each view's key and name, the active one lit.
func (m model) tabsView(w int) string {
	st := m.styles
	var b strings.Builder
	for t := range numTabs {
		label := fmt.Sprintf(" %d %s ", t+1, tabNames[t])
		if t == m.tab {
			b.WriteString(st.TabActive.Render(label))
		} else {
			b.WriteString(st.Tab.Render(label))
		}
	}
	if m.tab == tabStrategies && m.views.detail != "" {
		b.WriteString(st.Label.Render(" › " + m.views.detail))
	}
	return clip(b.String(), w)
}

// addDecimals adds two decimal strings; "" when either does not parse.
func addDecimals(a, b string) string {
	x, ok1 := parseDecimal(a)
	y, ok2 := parseDecimal(b)
	if !ok1 || !ok2 {
		return ""
	}
	return x.Add(y).String()
}

// roundDuration keeps three significant digits of d.
func roundDuration(d time.Duration) time.Duration {
	for unit := time.Duration(1); unit < time.Hour; unit *= 10 {
		if d < 1000*unit {
			return d.Round(unit)
		}
	}
	return d
}

func alertStyle(st *styles, severity string) lipgloss.Style {
	switch severity {
	case "critical":
		return st.AlertCritical
	case "warning":
		return st.AlertWarning
	}
	return st.AlertInfo
}

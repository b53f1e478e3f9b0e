package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/desk-trading/desk/core/protocol"
)

// maxAlerts is how many alerts the footer shows.
const maxAlerts = 3

// alertLine is an alert formatted when it arrives.
type alertLine struct {
	severity string
	text     string
}

// alerts is the footer with the latest alerts, newest first.
type alerts struct {
	recent []alertLine // at most maxAlerts
}

// add puts a at the top of the footer, dropping the oldest beyond maxAlerts.
func (a alerts) add(al protocol.Alert) alerts {
	var b strings.Builder
	b.WriteString(formatClock(al.Time, "15:04:05"))
	b.WriteString(" ")
	b.WriteString(strings.ToUpper(al.Severity))
	if al.Node != "" {
		b.WriteString(" [")
		b.WriteString(al.Node)
		b.WriteString("]")
	}
	b.WriteString(" ")
	// One line, and no escape sequences of the daemon's in our terminal.
	b.WriteString(strings.Join(strings.Fields(ansi.Strip(al.Message)), " "))
	line := alertLine{severity: al.Severity, text: b.String()}

	recent := make([]alertLine, 0, maxAlerts)
	recent = append(recent, line)
	recent = append(recent, a.recent[:min(len(a.recent), maxAlerts-1)]...)
	a.recent = recent
	return a
}

// lines is how many lines View returns.
func (a alerts) lines() int {
	return max(len(a.recent), 1)
}

// View renders the alerts, one a line, cut to width. Alerts are never dimmed:
// each was true when it arrived.
func (a alerts) View(st *styles, width int) string {
	if len(a.recent) == 0 {
		return st.Label.Render("no alerts")
	}
	out := make([]string, len(a.recent))
	for i, l := range a.recent {
		style := st.AlertInfo
		switch l.severity {
		case "critical":
			style = st.AlertCritical
		case "warning":
			style = st.AlertWarning
		}
		out[i] = style.Render(l.text)
	}
	return clip(strings.Join(out, "\n"), width)
}

package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
)

// helpView is the one-line help bar: the keys that do something now.
func (m model) helpView() string {
	k := m.keys
	var b []key.Binding
	hint := func(keys, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, desc))
	}
	switch m.mode {
	case modeConfirm:
		if m.ask.word != "" {
			return m.help.ShortHelpView([]key.Binding{hint("KILL enter", "confirm"), hint("esc", "cancel")})
		}
		return m.help.ShortHelpView([]key.Binding{k.Confirm, k.Deny})
	case modeFilter:
		return m.help.ShortHelpView([]key.Binding{hint("enter", "keep filter"), hint("esc", "clear")})
	case modeCommand:
		return m.help.ShortHelpView([]key.Binding{hint("tab", "complete"), hint("enter", "run"), hint("esc", "cancel")})
	case modeEdit:
		return m.help.ShortHelpView([]key.Binding{hint("enter", "next"), hint("esc", "cancel")})
	case modeHelp:
		return m.help.ShortHelpView([]key.Binding{hint("esc", "close help")})
	}
	b = append(b, k.Views)
	switch m.tab {
	case tabStrategies:
		if m.views.detail != "" {
			b = append(b, k.Back, k.CancelOrder)
		} else {
			b = append(b, k.Open, k.Sort)
		}
		b = append(b, k.Halt, k.Resume, k.ReduceOnly, k.Kill)
	case tabOrders:
		b = append(b, k.CancelOrder, k.CancelAll, k.Working, k.Halt, k.Kill)
	case tabPositions:
		b = append(b, k.Sort, k.Halt, k.Kill)
	case tabRisk:
		if m.views.limitsFocus {
			b = append(b, k.Edit, k.Back)
		} else {
			b = append(b, k.Open, k.Halt, k.Resume, k.Kill)
		}
		b = append(b, k.Reset)
	case tabAudit:
		b = append(b, k.SwitchPane)
	}
	b = append(b, k.Filter, k.KillFirm, k.Command, k.Help, k.Quit)
	return m.help.ShortHelpView(b)
}

// fullHelpView is the help screen: every key, and the command line.
func (m model) fullHelpView(w int) string {
	st := m.styles
	var b strings.Builder
	b.WriteString(st.Title.Render("HELP") + st.Label.Render("  esc or ? closes") + "\n\n")
	h := m.help
	h.ShowAll = true
	b.WriteString(h.FullHelpView(m.keys.fullHelp()))
	b.WriteString("\n\n")
	lines := []string{
		"Keys act on the selected node: a strategy (strategies, orders, positions), or the firm, a book or a strategy (risk).",
		"K kills the node (halt and cancel all) after y; ! kills the whole firm after you type KILL. Every question defaults to no.",
		"Risk: enter picks a limit, e edits it (checked as typed, dry-run by the daemon, journaled with why); R resets breakers.",
		"Orders: c cancels the order, C every working order of its strategy; w shows working orders only.",
		"Command line (:, tab completes): " + commandHelp,
		"q leaves the TUI and never touches the daemon; ctrl+c too. Nothing halts when the TUI goes.",
	}
	if m.readOnly {
		lines = append([]string{st.FirmReduceOnly.Render("READ-ONLY: no action key is bound, and the daemon refuses actions from this TUI.")}, lines...)
	}
	for _, l := range lines {
		b.WriteString(lipgloss.NewStyle().Width(w).Render(st.Value.Render(l)))
		b.WriteString("\n")
	}
	return b.String()
}

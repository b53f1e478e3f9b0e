package tui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// styles holds every Lip Gloss style the TUI uses. It is built once and
// never changed, so models share it by pointer.
type styles struct {
	Title lipgloss.Style // the "DESK" mark
	Label lipgloss.Style // "realized", "open", ...
	Value lipgloss.Style // plain numbers and names

	Gain lipgloss.Style // positive P&L
	Loss lipgloss.Style // negative P&L

	Active     lipgloss.Style // a node's trading state
	ReduceOnly lipgloss.Style
	Halted     lipgloss.Style

	FirmActive     lipgloss.Style // the firm badge in the header
	FirmReduceOnly lipgloss.Style
	FirmHalted     lipgloss.Style // loud: trading is stopped

	VenueUp   lipgloss.Style
	VenueDown lipgloss.Style

	Connected    lipgloss.Style
	Connecting   lipgloss.Style
	Disconnected lipgloss.Style // loud: what is on screen is stale

	TableHeader lipgloss.Style
	Cell        lipgloss.Style
	Selected    lipgloss.Style // laid under the selected row's cells
	Stale       lipgloss.Style // replaces data styles while disconnected

	AlertInfo     lipgloss.Style
	AlertWarning  lipgloss.Style
	AlertCritical lipgloss.Style

	StatusInfo  lipgloss.Style
	StatusOK    lipgloss.Style
	StatusError lipgloss.Style
	Confirm     lipgloss.Style // a question that needs y/n

	Help help.Styles
}

func newStyles() *styles {
	var (
		white  = lipgloss.Color("#FFFFFF")
		black  = lipgloss.Color("#000000")
		text   = lipgloss.Color("#D0D0D0")
		muted  = lipgloss.Color("#808080")
		faint  = lipgloss.Color("#5F5F5F")
		green  = lipgloss.Color("#5FD75F")
		red    = lipgloss.Color("#FF5F5F")
		loud   = lipgloss.Color("#D70000")
		yellow = lipgloss.Color("#FFD75F")
		accent = lipgloss.Color("#87AFFF")
		selBg  = lipgloss.Color("#3A3A3A")
	)
	base := lipgloss.NewStyle()
	return &styles{
		Title: base.Bold(true).Foreground(black).Background(accent).Padding(0, 1),
		Label: base.Foreground(muted),
		Value: base.Foreground(text),

		Gain: base.Foreground(green),
		Loss: base.Foreground(red),

		Active:     base.Foreground(green),
		ReduceOnly: base.Foreground(yellow),
		Halted:     base.Foreground(red).Bold(true),

		FirmActive:     base.Foreground(green).Bold(true),
		FirmReduceOnly: base.Foreground(black).Background(yellow).Bold(true).Padding(0, 1),
		FirmHalted:     base.Foreground(white).Background(loud).Bold(true).Padding(0, 1),

		VenueUp:   base.Foreground(green),
		VenueDown: base.Foreground(red).Bold(true),

		Connected:    base.Foreground(green),
		Connecting:   base.Foreground(yellow),
		Disconnected: base.Foreground(white).Background(loud).Bold(true),

		TableHeader: base.Foreground(muted).Bold(true),
		Cell:        base.Foreground(text),
		Selected:    base.Background(selBg).Bold(true),
		Stale:       base.Foreground(faint),

		AlertInfo:     base.Foreground(muted),
		AlertWarning:  base.Foreground(yellow),
		AlertCritical: base.Foreground(red).Bold(true),

		StatusInfo:  base.Foreground(muted),
		StatusOK:    base.Foreground(green),
		StatusError: base.Foreground(red).Bold(true),
		Confirm:     base.Foreground(black).Background(yellow).Bold(true),

		Help: help.DefaultDarkStyles(),
	}
}

// data returns style, or Stale when dim: data shown while disconnected is
// drawn without color so that nobody trades on it.
func (s *styles) data(style lipgloss.Style, dim bool) lipgloss.Style {
	if dim {
		return s.Stale
	}
	return style
}

// pnl returns the style for a P&L of the given sign.
func (s *styles) pnl(sign int, dim bool) lipgloss.Style {
	switch {
	case dim:
		return s.Stale
	case sign > 0:
		return s.Gain
	case sign < 0:
		return s.Loss
	}
	return s.Value
}

// state returns the style for a node's trading state.
func (s *styles) state(state string, dim bool) lipgloss.Style {
	switch {
	case dim:
		return s.Stale
	case state == stateHalted:
		return s.Halted
	case state == stateReduceOnly:
		return s.ReduceOnly
	case state == stateActive:
		return s.Active
	}
	return s.Value
}

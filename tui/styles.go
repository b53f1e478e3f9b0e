package tui

import (
	"image/color"
	"strings"

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
	// Live marks a venue trading real money with desk's keys; Sim a
	// simulated or paper venue. Each goes with its word ("LIVE", "sim",
	// "paper") wherever a venue is named, so that no color is needed to
	// tell them apart.
	Live lipgloss.Style
	Sim  lipgloss.Style
	Warn lipgloss.Style

	Tab       lipgloss.Style // a view's name in the tab bar
	TabActive lipgloss.Style
	Breaker   lipgloss.Style // a tripped breaker in the header: loud
	Panel     lipgloss.Style // the editor and the help
	Input     lipgloss.Style

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

	// cells are the cell styles as escape sequences, by kind and by
	// selected (0, 1); stale the same for stale data. A table draws
	// thousands of cells a second; a lipgloss Render each would cost
	// more than the rest of the frame.
	cells [numCellKinds][2]paint
	stale [2]paint
}

// paint is a style as the escape sequences around its text: only for
// styles of colors and attributes, with no padding, width or border.
type paint struct{ pre, post string }

func newPaint(st lipgloss.Style) paint {
	const mark = "\x00"
	pre, post, _ := strings.Cut(st.Render(mark), mark)
	return paint{pre, post}
}

func (p paint) write(b *strings.Builder, text string) {
	b.WriteString(p.pre)
	b.WriteString(text)
	b.WriteString(p.post)
}

// paintCell is the paint of a cell of kind, selected or not (0, 1).
func (s *styles) paintCell(kind cellKind, selected int, dim bool) paint {
	if dim {
		return s.stale[selected]
	}
	return s.cells[kind][selected]
}

func newStyles() *styles {
	st := baseStyles()
	for k := range numCellKinds {
		st.cells[k][0] = newPaint(st.cell(k, false))
		st.cells[k][1] = newPaint(st.Selected.Inherit(st.cell(k, false)))
	}
	st.stale[0] = newPaint(st.Stale)
	st.stale[1] = newPaint(st.Selected.Inherit(st.Stale))
	return st
}

func baseStyles() *styles {
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
		orange = lipgloss.Color("#FF8700")
		cyan   = lipgloss.Color("#5FD7D7")
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
		Live:      base.Foreground(orange).Bold(true),
		Sim:       base.Foreground(cyan),
		Warn:      base.Foreground(yellow),

		Tab:       base.Foreground(text),
		TabActive: base.Foreground(black).Background(accent).Bold(true),
		Breaker:   base.Foreground(white).Background(loud).Bold(true),
		Panel:     base.Foreground(text),
		Input:     base.Foreground(white).Bold(true),

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

		Help: helpStyles(accent, text, muted),
	}
}

// helpStyles draw the help bar readable on any background: keys bold in
// the accent color, descriptions in the text color, never grey on grey.
func helpStyles(key, desc, sep color.Color) help.Styles {
	base := lipgloss.NewStyle()
	return help.Styles{
		ShortKey:       base.Foreground(key).Bold(true),
		ShortDesc:      base.Foreground(desc),
		ShortSeparator: base.Foreground(sep),
		Ellipsis:       base.Foreground(sep),
		FullKey:        base.Foreground(key).Bold(true),
		FullDesc:       base.Foreground(desc),
		FullSeparator:  base.Foreground(sep),
	}
}

// cell returns the style for a cell of kind.
func (s *styles) cell(kind cellKind, dim bool) lipgloss.Style {
	if dim {
		return s.Stale
	}
	switch kind {
	case cellMuted:
		return s.Label
	case cellGain:
		return s.Gain
	case cellLoss:
		return s.Loss
	case cellActive:
		return s.Active
	case cellReduceOnly:
		return s.ReduceOnly
	case cellHalted:
		return s.Halted
	case cellWarn:
		return s.Warn
	case cellBad:
		return s.VenueDown
	case cellLive:
		return s.Live
	case cellSim:
		return s.Sim
	}
	return s.Cell
}

// stateKind is the cell kind of a trading state.
func stateKind(state string) cellKind {
	switch state {
	case stateHalted:
		return cellHalted
	case stateReduceOnly:
		return cellReduceOnly
	case stateActive:
		return cellActive
	}
	return cellPlain
}

// signKind is the cell kind of a P&L of sign.
func signKind(sign int) cellKind {
	switch {
	case sign > 0:
		return cellGain
	case sign < 0:
		return cellLoss
	}
	return cellPlain
}

// execWord and execKind name and color a venue's execution: "LIVE" for
// real money, loud; "paper" and "sim" quiet.
func execWord(exec string) string {
	switch exec {
	case "live":
		return "LIVE"
	case "":
		return "sim"
	}
	return exec
}

func execKind(exec string) cellKind {
	if exec == "live" {
		return cellLive
	}
	return cellSim
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

package tui

import "charm.land/bubbles/v2/key"

// keyMap is the one key map of the TUI. The help bar renders it; a disabled
// binding neither matches nor shows, which is how the firm-halt confirmation
// swaps the keys on offer.
type keyMap struct {
	Up       key.Binding
	Down     key.Binding
	Halt     key.Binding
	Resume   key.Binding
	HaltFirm key.Binding
	Confirm  key.Binding
	Cancel   key.Binding
	Help     key.Binding
	Quit     key.Binding
}

func newKeyMap() keyMap {
	k := keyMap{
		Up: key.NewBinding(
			key.WithKeys("up", "k"),
			key.WithHelp("↑/k", "up"),
		),
		Down: key.NewBinding(
			key.WithKeys("down", "j"),
			key.WithHelp("↓/j", "down"),
		),
		Halt: key.NewBinding(
			key.WithKeys("h"),
			key.WithHelp("h", "halt strategy"),
		),
		Resume: key.NewBinding(
			key.WithKeys("r"),
			key.WithHelp("r", "resume strategy"),
		),
		HaltFirm: key.NewBinding(
			key.WithKeys("H", "shift+h"),
			key.WithHelp("H", "halt firm"),
		),
		Confirm: key.NewBinding(
			key.WithKeys("y", "Y"),
			key.WithHelp("y", "confirm"),
		),
		Cancel: key.NewBinding(
			key.WithKeys("n", "N", "esc"),
			key.WithHelp("n/esc", "cancel"),
		),
		Help: key.NewBinding(
			key.WithKeys("?"),
			key.WithHelp("?", "help"),
		),
		Quit: key.NewBinding(
			key.WithKeys("q", "ctrl+c"),
			key.WithHelp("q", "quit"),
		),
	}
	k.setConfirming(false)
	return k
}

// setConfirming enables only the answers to a confirmation question (and
// Quit) while one is asked, and everything else otherwise.
func (k *keyMap) setConfirming(on bool) {
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.Halt, &k.Resume, &k.HaltFirm, &k.Help} {
		b.SetEnabled(!on)
	}
	k.Confirm.SetEnabled(on)
	k.Cancel.SetEnabled(on)
}

// ShortHelp is the one-line help bar.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Confirm, k.Cancel, k.Halt, k.Resume, k.HaltFirm, k.Help, k.Quit}
}

// FullHelp is the help shown after pressing ?, one column per group.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down},
		{k.Halt, k.Resume, k.HaltFirm},
		{k.Confirm, k.Cancel},
		{k.Help, k.Quit},
	}
}

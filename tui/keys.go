package tui

import "charm.land/bubbles/v2/key"

// keyMap is the one key map of the TUI. A disabled binding neither matches
// nor shows in the help: a read-only TUI disables every action key, so
// none is bound.
type keyMap struct {
	Up, Down, PageUp, PageDown, First, Last key.Binding
	NextView, PrevView, Views               key.Binding
	Open, Back                              key.Binding

	Filter, Sort, Reverse key.Binding
	Working               key.Binding // orders: working only, or all
	SwitchPane            key.Binding // audit: audit trail or alerts

	// Actions on the selected node or order.
	Halt, Resume, ReduceOnly, Kill key.Binding
	HaltFirm, KillFirm             key.Binding
	Reset, Edit                    key.Binding
	CancelOrder, CancelAll         key.Binding

	Command, Help, Quit key.Binding
	Confirm, Deny       key.Binding
}

func newKeyMap(readOnly bool) keyMap {
	b := func(keys []string, k, help string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, help))
	}
	k := keyMap{
		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"),
		First:    b([]string{"g", "home"}, "g", "first"),
		Last:     b([]string{"G", "end"}, "G", "last"),
		NextView: b([]string{"tab"}, "tab", "next view"),
		PrevView: b([]string{"shift+tab"}, "shift+tab", "previous view"),
		Views:    b([]string{"1", "2", "3", "4", "5", "6", "7"}, "1-7", "views"),
		Open:     b([]string{"enter"}, "enter", "open"),
		Back:     b([]string{"esc"}, "esc", "back"),

		Filter:     b([]string{"/"}, "/", "filter"),
		Sort:       b([]string{"s"}, "s", "sort"),
		Reverse:    b([]string{"S"}, "S", "reverse"),
		Working:    b([]string{"w"}, "w", "working/all"),
		SwitchPane: b([]string{"a"}, "a", "audit/alerts"),

		Halt:        b([]string{"h"}, "h", "halt"),
		Resume:      b([]string{"r"}, "r", "resume"),
		ReduceOnly:  b([]string{"x"}, "x", "reduce-only"),
		Kill:        b([]string{"K"}, "K", "kill"),
		HaltFirm:    b([]string{"H"}, "H", "halt firm"),
		KillFirm:    b([]string{"!"}, "!", "KILL FIRM"),
		Reset:       b([]string{"R"}, "R", "reset breakers"),
		Edit:        b([]string{"e"}, "e", "edit limit"),
		CancelOrder: b([]string{"c"}, "c", "cancel order"),
		CancelAll:   b([]string{"C"}, "C", "cancel strategy's orders"),

		Command: b([]string{":"}, ":", "command"),
		Help:    b([]string{"?"}, "?", "help"),
		Quit:    b([]string{"q", "ctrl+c"}, "q", "quit"),
		Confirm: b([]string{"y", "Y"}, "y", "confirm"),
		Deny:    b([]string{"n", "N", "esc", "enter"}, "N/esc", "cancel"),
	}
	if readOnly {
		for _, a := range k.actions() {
			a.SetEnabled(false)
		}
	}
	return k
}

// actions are the keys that change the desk; a read-only TUI binds none.
func (k *keyMap) actions() []*key.Binding {
	return []*key.Binding{&k.Halt, &k.Resume, &k.ReduceOnly, &k.Kill, &k.HaltFirm, &k.KillFirm,
		&k.Reset, &k.Edit, &k.CancelOrder, &k.CancelAll}
}

// fullHelp is the help screen, one column per group.
func (k keyMap) fullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Views, k.NextView, k.PrevView, k.Open, k.Back, k.Up, k.Down, k.PageUp, k.PageDown, k.First, k.Last},
		{k.Filter, k.Sort, k.Reverse, k.Working, k.SwitchPane, k.Command, k.Help, k.Quit},
		{k.Halt, k.Resume, k.ReduceOnly, k.Kill, k.Reset, k.Edit, k.CancelOrder, k.CancelAll, k.HaltFirm, k.KillFirm},
	}
}

package tui

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/desk-trading/desk/core/protocol"
)

// The command line, opened with ":". Tab completes command names, node
// ids, view names, order ids and limit keys.
var commands = []string{"halt", "resume", "reduce-only", "kill", "reset", "limit", "cancel", "cancel-all", "view", "help", "quit"}

// commandHelp is the usage shown for a command line that does not parse.
const commandHelp = `halt|resume|reduce-only|kill NODE · reset NODE [BREAKER] · limit NODE [SCOPE] KEY=VALUE why="..." · cancel ORDER · cancel-all NODE · view NAME · quit`

// typeFilter takes a key while a filter is typed: the table filters as
// it is typed; enter keeps it, esc drops it.
func (m model) typeFilter(k tea.KeyPressMsg) (model, tea.Cmd) {
	t := m.views.table(m.tab)
	switch k.String() {
	case "esc":
		m.mode = modeNormal
		*t = t.setFilter("")
		return m, nil
	case "enter":
		m.mode = modeNormal
		if t.filter != "" {
			m.status = statusLine{statusInfo, fmt.Sprintf("filter /%s: %d of %d rows; esc clears", t.filter, len(t.shown), len(t.rows))}
		}
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(k)
	return m.applyFilter(), cmd
}

// applyFilter filters the active table by what is typed.
func (m model) applyFilter() model {
	t := m.views.table(m.tab)
	if t == nil {
		return m
	}
	*t = t.setFilter(m.input.Value())
	if m.tab == tabRisk && !m.views.limitsFocus {
		m = m.rebuildRisk() // the limits follow the node the filter lands on
	}
	return m
}

// typeCommand takes a key while a command is typed.
func (m model) typeCommand(k tea.KeyPressMsg) (model, tea.Cmd) {
	switch k.String() {
	case "esc":
		m.mode = modeNormal
		return m, nil
	case "enter":
		m.mode = modeNormal
		return m.runCommand(m.input.Value())
	case "tab":
		line, options := m.complete(m.input.Value())
		m.input.SetValue(line)
		m.input.CursorEnd()
		if len(options) > 1 {
			m.status = statusLine{statusInfo, strings.Join(options, "  ")}
		}
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(k)
	return m, cmd
}

// splitCommand splits a command line into words; a double-quoted part
// stays one word, without its quotes: why="flat by close".
func splitCommand(line string) []string {
	var words []string
	var b strings.Builder
	quoted, any := false, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted, any = !quoted, true
		case r == ' ' && !quoted:
			if any {
				words = append(words, b.String())
			}
			b.Reset()
			any = false
		default:
			b.WriteRune(r)
			any = true
		}
	}
	if any {
		words = append(words, b.String())
	}
	return words
}

// runCommand parses and runs one command line. The commands that cannot
// be taken back ask first, as their keys do.
func (m model) runCommand(line string) (model, tea.Cmd) {
	words := splitCommand(line)
	if len(words) == 0 {
		return m, nil
	}
	bad := func(format string, a ...any) (model, tea.Cmd) {
		m.status = statusLine{statusError, ":" + strings.TrimSpace(line) + ": " + fmt.Sprintf(format, a...)}
		return m, nil
	}
	name, args := words[0], words[1:]
	acts := name != "view" && name != "help" && name != "quit" && name != "q"
	if acts && m.readOnly {
		return bad("this TUI is read-only")
	}
	needNode := func() (string, bool) {
		if len(args) == 0 {
			return "", false
		}
		return args[0], true
	}
	switch name {
	case "q", "quit":
		return m.quit()
	case "help":
		m.mode = modeHelp
		return m, nil
	case "view":
		if len(args) != 1 {
			return bad("which view? %s", strings.Join(tabIDs[:], ", "))
		}
		for t, id := range tabIDs {
			if strings.HasPrefix(id, args[0]) {
				return m.switchTab(tab(t))
			}
		}
		return bad("no view %q: %s", args[0], strings.Join(tabIDs[:], ", "))
	case "halt", "resume", "reduce-only":
		node, ok := needNode()
		if !ok || len(args) > 1 {
			return bad("usage: %s NODE", name)
		}
		cmd := map[string]string{"halt": protocol.CmdHalt, "resume": protocol.CmdResume, "reduce-only": protocol.CmdReduceOnly}[name]
		return m.send(nodeRequest(cmd, node))
	case "kill":
		node, ok := needNode()
		if !ok || len(args) > 1 {
			return bad("usage: kill NODE (kill firm asks you to type KILL)")
		}
		if node == "firm" {
			return m.handleKey(tea.KeyPressMsg{Code: '!', Text: "!"})
		}
		return m.confirm(confirmation{question: "KILL " + node + "? halts it and cancels its working orders",
			yes: "kill " + node, req: killRequest(node)}), nil
	case "reset":
		node, ok := needNode()
		if !ok || len(args) > 2 {
			return bad("usage: reset NODE [BREAKER]")
		}
		breaker := ""
		if len(args) == 2 {
			breaker = args[1]
		}
		return m.send(resetRequest(node, breaker))
	case "cancel":
		if len(args) != 1 {
			return bad("usage: cancel ORDER_ID")
		}
		return m.confirm(confirmation{question: "cancel " + args[0] + "?", yes: "cancel it", req: cancelRequest(args[0])}), nil
	case "cancel-all":
		node, ok := needNode()
		if !ok || len(args) > 1 {
			return bad("usage: cancel-all NODE")
		}
		return m.confirm(confirmation{question: "cancel every working order of " + node + "? it keeps trading",
			yes: "cancel them", req: cancelAllRequest(node)}), nil
	case "limit":
		return m.limitCommand(args, bad)
	}
	return bad("unknown command; %s", commandHelp)
}

// limitCommand opens the editor on `limit NODE [SCOPE] KEY=VALUE
// why="..."` and sends its dry run: the edit is applied only after the
// operator has seen what it would breach and said yes.
func (m model) limitCommand(args []string, bad func(string, ...any) (model, tea.Cmd)) (model, tea.Cmd) {
	const usage = `usage: limit NODE [class:C|instrument:SYM] KEY=VALUE why="..."`
	if len(args) < 2 {
		return bad(usage)
	}
	ref := limitRef{node: args[0]}
	why := ""
	for _, a := range args[1:] {
		k, v, ok := strings.Cut(a, "=")
		switch {
		case strings.HasPrefix(a, "class:") || strings.HasPrefix(a, "instrument:"):
			ref.scope = a
		case ok && k == "why":
			why = v
		case ok && ref.key == "":
			ref.key = k
			ref.value = v
		default:
			return bad(usage)
		}
	}
	if ref.key == "" {
		return bad(usage)
	}
	value := ref.value
	ref.value = m.currentLimit(ref)
	m = m.openEditor(ref)
	m.edit.value.SetValue(value)
	m.edit.why.SetValue(why)
	m.edit.check()
	if m.edit.err != "" {
		return m, nil // shown in place
	}
	m.edit.pending = true
	return m.send(m.edit.request(true))
}

// currentLimit is the value of ref's limit as last fetched, "" for none.
func (m model) currentLimit(ref limitRef) string {
	if nl := m.data.nodeLimits(ref.node); nl != nil {
		return scopeLimits(nl, ref.scope)[ref.key]
	}
	return ""
}

// complete completes the last word of line, and returns the candidates
// when more than one remains.
func (m model) complete(line string) (string, []string) {
	words := strings.Fields(line)
	if strings.HasSuffix(line, " ") || len(words) == 0 {
		words = append(words, "")
	}
	last := words[len(words)-1]
	var pool []string
	switch {
	case len(words) == 1:
		pool = commands
	case words[0] == "view":
		pool = tabIDs[:]
	case words[0] == "cancel":
		pool = sortedKeys(m.data.orders)
	case len(words) == 2:
		pool = m.data.nodeNames()
	case words[0] == "reset":
		if info, ok := m.data.node(words[1]); ok {
			pool = info.breakers
		}
	case words[0] == "limit":
		for _, k := range m.data.limitKeys() {
			pool = append(pool, k+"=")
		}
		pool = append(pool, "why=")
	}
	var match []string
	for _, p := range pool {
		if strings.HasPrefix(p, last) {
			match = append(match, p)
		}
	}
	if len(match) == 0 {
		return line, nil
	}
	slices.Sort(match)
	prefix := commonPrefix(match)
	words[len(words)-1] = prefix
	out := strings.Join(words, " ")
	if len(match) == 1 && !strings.HasSuffix(prefix, "=") {
		out += " "
	}
	return out, match
}

func commonPrefix(ss []string) string {
	p := slices.Min(ss)
	q := slices.Max(ss)
	i := 0
	for i < len(p) && i < len(q) && p[i] == q[i] {
		i++
	}
	return p[:i]
}

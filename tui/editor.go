package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/desk-trading/desk/core/protocol"
)

// editorLines is the height of the limit editor under the view.
const editorLines = 8

// editStep is where the limit editor is.
type editStep int

const (
	editValue  editStep = iota // typing the new value
	editWhy                    // typing the reason
	editReview                 // the dry run's breaches; y applies
	editSaving                 // the real edit is on its way
)

// limitEditor edits one limit: the value, checked as it is typed against
// the hard cap and then by the daemon's dry run of the same edit, a
// reason, and a last look at what the new value would breach right now
// before it is applied and journaled.
type limitEditor struct {
	ref     limitRef
	cap     string // the hard cap of the key, "" for none
	step    editStep
	value   textinput.Model
	why     textinput.Model
	err     string // why the value is refused, shown in place
	pending bool   // the dry run of enter is on its way
	dry     *protocol.LimitsSetResult
	// typed counts the changes to the value; a check of the value as
	// typed is sent once typing pauses, and its answer is taken only if
	// the value is still the one checked.
	typed uint64
}

// checkDelay is the pause in typing after which the daemon checks the
// value as typed.
const checkDelay = 150 * time.Millisecond

// editCheckMsg asks for the daemon's check of the value as typed, if
// nothing was typed since (typed).
type editCheckMsg struct{ typed uint64 }

func newLimitEditor(ref limitRef, capValue string) *limitEditor {
	e := &limitEditor{ref: ref, cap: capValue}
	e.value = textinput.New()
	e.value.Prompt = ""
	e.value.CharLimit = 32
	e.value.SetValue(formatQty(ref.value))
	e.value.CursorEnd()
	e.value.Focus()
	e.why = textinput.New()
	e.why.Prompt = ""
	e.why.CharLimit = 200
	e.check()
	return e
}

// check validates the value as typed: a decimal, not negative, within
// the hard cap. The daemon's dry run checks the rest (a whole number for
// counts, the scope).
func (e *limitEditor) check() {
	e.err = ""
	v := strings.TrimSpace(e.value.Value())
	if v == "" {
		e.err = "type a value (0 removes the limit)"
		return
	}
	d, ok := parseDecimal(v)
	switch {
	case !ok:
		e.err = fmt.Sprintf("%q is not a number", v)
	case d.Sign() < 0:
		e.err = "a limit cannot be negative (0 removes it)"
	case e.cap != "":
		if c, ok := parseDecimal(e.cap); ok && d.GreaterThan(c) {
			e.err = fmt.Sprintf("above the hard cap of %s for %s", formatQty(e.cap), e.ref.key)
		}
	}
}

// request is the edit as the daemon takes it.
func (e *limitEditor) request(dryRun bool) request {
	value := strings.TrimSpace(e.value.Value())
	label := fmt.Sprintf("%s of %s", e.ref.key, e.ref.node)
	if e.ref.scope != "" {
		label += " (" + e.ref.scope + ")"
	}
	return request{cmd: protocol.CmdLimitsSet, node: e.ref.node, label: label,
		args: protocol.LimitsSetArgs{Node: e.ref.node, Scope: e.ref.scope, Key: e.ref.key, Value: value,
			Why: strings.TrimSpace(e.why.Value()), DryRun: dryRun},
		make: func() any { return new(protocol.LimitsSetResult) }}
}

// editSelected opens the editor on the limit selected in the risk view.
func (m model) editSelected() (model, tea.Cmd) {
	if m.tab != tabRisk {
		m.status = statusLine{statusError, "e edits a limit in the risk view (4); or :limit NODE KEY=VALUE why=\"...\""}
		return m, nil
	}
	ref, ok := m.selectedLimit()
	if !ok || !m.views.limitsFocus {
		m.status = statusLine{statusError, "edit: press enter, then pick a limit of " + m.selectedNode()}
		return m, nil
	}
	return m.openEditor(ref), nil
}

func (m model) openEditor(ref limitRef) model {
	capValue := ""
	if m.data.limits != nil {
		capValue = m.data.limits.Caps[ref.key]
	}
	m.edit = newLimitEditor(ref, capValue)
	m.mode = modeEdit
	return m
}

// typeEdit takes a key while the editor is open.
func (m model) typeEdit(k tea.KeyPressMsg) (model, tea.Cmd) {
	e := *m.edit
	m.edit = &e
	if k.String() == "esc" {
		m.edit, m.mode = nil, modeNormal
		m.status = statusLine{statusInfo, "limit edit canceled: nothing changed"}
		return m, nil
	}
	switch e.step {
	case editValue:
		if k.String() == "enter" {
			if e.check(); e.err != "" || e.pending {
				return m, nil
			}
			e.pending = true
			return m.send(e.request(true))
		}
		var cmd tea.Cmd
		before := e.value.Value()
		e.value, cmd = e.value.Update(k)
		if e.value.Value() == before {
			return m, cmd // the cursor moved
		}
		return m, tea.Batch(cmd, e.changed())
	case editWhy:
		if k.String() == "enter" {
			if strings.TrimSpace(e.why.Value()) == "" {
				e.err = "say why: the audit trail keeps it"
				return m, nil
			}
			e.err, e.step = "", editReview
			return m, nil
		}
		var cmd tea.Cmd
		e.why, cmd = e.why.Update(k)
		e.err = ""
		return m, cmd
	case editReview:
		switch k.String() {
		case "y", "Y":
			e.step = editSaving
			return m.send(e.request(false))
		case "n", "N", "enter":
			m.edit, m.mode = nil, modeNormal
			m.status = statusLine{statusInfo, "limit edit canceled: nothing changed"}
		}
	}
	return m, nil
}

// changed notes a new value: checks it here at once, and has the daemon
// check it (the key's own rules, the scope, what it would breach) once
// typing pauses.
func (e *limitEditor) changed() tea.Cmd {
	e.typed++
	e.dry = nil
	e.check()
	if e.err != "" {
		return nil
	}
	typed := e.typed
	return tea.Tick(checkDelay, func(time.Time) tea.Msg { return editCheckMsg{typed} })
}

// checkTyped sends the daemon's check of the value as typed, unless the
// value changed again since or the editor moved on.
func (m model) checkTyped(c editCheckMsg) (model, tea.Cmd) {
	e := m.edit
	if e == nil || e.step != editValue || e.pending || c.typed != e.typed {
		return m, nil
	}
	req := e.request(true)
	req.quiet = true
	return m.send(req)
}

// editAnswered takes the answer to the editor's dry run or real edit. A
// refusal goes back to the value with the daemon's reason in place.
func (m model) editAnswered(r callResultMsg) (model, tea.Cmd) {
	e := *m.edit
	m.edit = &e
	a, _ := r.req.args.(protocol.LimitsSetArgs)
	if a.DryRun && a.Value != strings.TrimSpace(e.value.Value()) {
		return m, nil // the check of a value since changed
	}
	if r.req.quiet { // the check as typed: the verdict, nothing more
		if e.step == editValue && !e.pending {
			e.err, e.dry = "", nil
			if r.err != nil {
				e.err = refusalText(r.err)
			} else {
				e.dry = r.result.(*protocol.LimitsSetResult)
			}
		}
		return m, nil
	}
	e.pending = false
	if r.err != nil {
		e.err = refusalText(r.err)
		e.step = editValue
		e.value.Focus()
		return m, nil
	}
	res := r.result.(*protocol.LimitsSetResult)
	if a.DryRun {
		e.dry = res
		m.status = statusLine{} // the editor shows the answer
		if e.step == editValue {
			e.step = editWhy
			e.value.Blur()
			e.why.Focus()
			if strings.TrimSpace(e.why.Value()) != "" {
				e.step = editReview // the command line gave the reason
			}
		}
		return m, nil
	}
	m.edit, m.mode = nil, modeNormal
	m.status = m.answerLine(r)
	return m.fetchFor(true)
}

// View draws the editor: what is edited, the value with its check, the
// reason, and the dry run's breaches.
func (e *limitEditor) View(st *styles, w int) string {
	lines := make([]string, 0, editorLines)
	add := func(s string) { lines = append(lines, clip(s, w)) }
	scope := ""
	if e.ref.scope != "" {
		scope = " (" + e.ref.scope + ")"
	}
	head := fmt.Sprintf("EDIT %s of %s%s — now %s", e.ref.key, e.ref.node, scope, orDash(formatQty(e.ref.value)))
	if e.cap != "" {
		head += ", hard cap " + formatQty(e.cap)
	}
	add(st.TabActive.Render(" "+head+" ") + st.Label.Render("  esc cancels"))
	cursor := func(on bool) string {
		if on {
			return "▌"
		}
		return ""
	}
	add(st.Label.Render("new value: ") + st.Input.Render(e.value.Value()+cursor(e.step == editValue)))
	switch {
	case e.err != "" && e.step == editValue:
		add(st.StatusError.Render("✗ " + e.err))
	case e.pending:
		add(st.Label.Render("checking with the daemon…"))
	case e.step == editValue && e.dry != nil:
		add(st.StatusOK.Render("✓ the daemon takes it — enter to go on"))
	case e.step == editValue:
		add(st.StatusOK.Render("✓ a valid number — the daemon checks it as you pause"))
	default:
		add("")
	}
	if e.step >= editWhy {
		add(st.Label.Render("why: ") + st.Input.Render(e.why.Value()+cursor(e.step == editWhy)))
		if e.err != "" && e.step == editWhy {
			add(st.StatusError.Render("✗ " + e.err))
		}
	}
	if e.dry != nil {
		if len(e.dry.Breaches) == 0 {
			add(st.StatusOK.Render(fmt.Sprintf("dry run: %s → %s breaches nothing now", orDash(e.dry.Old), e.dry.New)))
		} else {
			add(st.Warn.Render(fmt.Sprintf("dry run: %s → %s would breach %d now:", orDash(e.dry.Old), e.dry.New, len(e.dry.Breaches))))
			room := editorLines - len(lines) - 1
			for i, b := range e.dry.Breaches {
				if i == room-1 && len(e.dry.Breaches) > room {
					add(st.Warn.Render(fmt.Sprintf("  … and %d more", len(e.dry.Breaches)-i)))
					break
				}
				add(st.Warn.Render("  " + b.Message))
			}
		}
	}
	switch e.step {
	case editReview:
		add(st.Confirm.Render(" apply it? y to apply and journal, N/enter/esc to cancel "))
	case editSaving:
		add(st.Label.Render("applying…"))
	}
	if len(lines) > editorLines {
		lines = lines[:editorLines]
	}
	for len(lines) < editorLines {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// refusalText is the daemon's reason for a refusal, or the error.
func refusalText(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe.Message
	}
	return err.Error()
}

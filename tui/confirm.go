package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// confirmation is a question before a command that cannot be taken back.
// It defaults to no: enter, esc and n cancel, and only y (or, for the
// firm-wide kill, typing word and enter) sends req.
type confirmation struct {
	question string
	yes      string // what y does, for the prompt: "kill beta"
	word     string // when set, the operator must type it; y does nothing
	typed    string
	req      request
	// then runs instead of sending req, for questions whose yes is not a
	// plain request (the limit editor's).
	then func(model) (model, tea.Cmd)
}

// confirm asks c.
func (m model) confirm(c confirmation) model {
	m.ask = &c
	m.mode = modeConfirm
	return m
}

// answer takes a key while a question is asked.
func (m model) answer(k tea.KeyPressMsg) (model, tea.Cmd) {
	c := *m.ask
	done := func() model {
		m.ask, m.mode = nil, modeNormal
		if m.edit != nil {
			m.mode = modeEdit
		}
		return m
	}
	if c.word != "" {
		switch k.String() {
		case "esc":
			m = done()
			m.status = statusLine{statusInfo, c.req.label + ": canceled"}
			return m, nil
		case "enter":
			m = done()
			if c.typed != c.word {
				m.status = statusLine{statusInfo, c.req.label + ": canceled (type " + c.word + " to confirm)"}
				return m, nil
			}
			return m.send(c.req)
		case "backspace":
			if c.typed != "" {
				c.typed = c.typed[:len(c.typed)-1]
			}
		default:
			if t := k.Text; t != "" && len(c.typed) < 16 {
				c.typed += t
			}
		}
		m.ask = &c
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Confirm):
		m = done()
		if c.then != nil {
			return c.then(m)
		}
		return m.send(c.req)
	case key.Matches(k, m.keys.Deny), k.String() == "q":
		m = done()
		m.status = statusLine{statusInfo, c.req.label + ": canceled"}
		if c.then != nil {
			m.status = statusLine{statusInfo, "not applied"}
		}
	}
	return m, nil // anything else: the question stands
}

// View is the question in the status line.
func (c *confirmation) View(st *styles) string {
	if c.word != "" {
		return st.Confirm.Render(c.question+" — type "+c.word+" and enter, esc to cancel: ") +
			st.Input.Render(" "+c.typed+"▌")
	}
	var b strings.Builder
	b.WriteString(c.question)
	b.WriteString(" — y to ")
	b.WriteString(c.yes)
	b.WriteString(", N/enter/esc to cancel")
	return st.Confirm.Render(b.String())
}

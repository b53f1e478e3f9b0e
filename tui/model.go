package tui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/desk-trading/desk/core/protocol"
)

// Size used until the terminal reports its own.
const (
	defaultWidth  = 80
	defaultHeight = 24
)

// statusKind says how the status line is drawn.
type statusKind int

const (
	statusInfo statusKind = iota
	statusOK
	statusError
	statusConfirm
)

// statusLine is the one line that answers the operator's last key.
type statusLine struct {
	kind statusKind
	text string
}

// model is the root model: it owns the connection and routes messages to
// the views. It is a value; Update returns the changed copy.
type model struct {
	// ctx bounds every command's I/O; Run cancels it when the program ends.
	// Kept here because commands are built in Update, which has no ctx.
	ctx         context.Context
	dial        Dialer
	log         *slog.Logger
	callTimeout time.Duration
	minBackoff  time.Duration
	maxBackoff  time.Duration

	keys   keyMap
	styles *styles
	help   help.Model

	width, height int // 0 until the terminal reports its size

	conn   connection
	open   *sessionSet              // every session not yet closed; shared, not copied
	sess   Session                  // nil unless connected
	events <-chan protocol.Envelope // sess's subscription

	header     header
	table      strategies
	alerts     alerts
	status     statusLine
	confirming bool // the firm halt awaits y/n
}

func newModel(ctx context.Context, opts Options) model {
	opts = opts.withDefaults()
	keys := newKeyMap()
	st := newStyles()
	h := help.New()
	h.Styles = st.Help
	m := model{
		ctx:         ctx,
		dial:        opts.Dial,
		log:         opts.Logger,
		callTimeout: opts.CallTimeout,
		minBackoff:  opts.MinBackoff,
		maxBackoff:  opts.MaxBackoff,
		keys:        keys,
		styles:      st,
		help:        h,
		conn:        connection{state: connConnecting, attempt: 1},
		open:        newSessionSet(),
		table:       newStrategies(keys),
	}
	m.layout()
	return m
}

// Init dials the daemon.
func (m model) Init() tea.Cmd {
	return dialCmd(m.ctx, m.dial, m.open, m.log, m.callTimeout, m.conn.attempt)
}

// Update changes the model in answer to msg and returns the commands that
// do the I/O it calls for. It never does I/O itself.
func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.KeyPressMsg:
		m, cmd = m.handleKey(msg)
	case dialedMsg:
		m, cmd = m.handleDialed(msg)
	case dialFailedMsg:
		if msg.attempt == m.conn.attempt {
			m, cmd = m.lost(msg.err)
		}
	case envelopeMsg:
		m, cmd = m.handleEnvelope(msg)
	case streamEndedMsg:
		if msg.attempt == m.conn.attempt && m.sess != nil {
			m.sess, m.events = nil, nil
			var retry tea.Cmd
			m, retry = m.lost(msg.err)
			cmd = tea.Batch(closeCmd(m.open, msg.attempt, m.log), retry)
		}
	case redialMsg:
		if msg.attempt == m.conn.attempt {
			m.conn.attempt++
			cmd = dialCmd(m.ctx, m.dial, m.open, m.log, m.callTimeout, m.conn.attempt)
		}
	case callResultMsg:
		m.status = callStatus(msg)
	}
	m.layout()
	return m, cmd
}

func (m model) handleKey(k tea.KeyPressMsg) (model, tea.Cmd) {
	if m.confirming {
		switch {
		case key.Matches(k, m.keys.Quit):
			return m, tea.Quit
		case key.Matches(k, m.keys.Confirm):
			m = m.setConfirming(false)
			return m.send(protocol.CmdHalt, "firm")
		case key.Matches(k, m.keys.Cancel):
			m = m.setConfirming(false)
			m.status = statusLine{statusInfo, "firm halt canceled"}
		}
		return m, nil // anything else: the question stands
	}
	switch {
	case key.Matches(k, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(k, m.keys.Help):
		m.help.ShowAll = !m.help.ShowAll
	case key.Matches(k, m.keys.Halt):
		return m.sendSelected(protocol.CmdHalt)
	case key.Matches(k, m.keys.Resume):
		return m.sendSelected(protocol.CmdResume)
	case key.Matches(k, m.keys.HaltFirm):
		m = m.setConfirming(true)
		m.status = statusLine{statusConfirm, "HALT THE WHOLE FIRM? all strategies stop trading — y to confirm, n to cancel"}
	default:
		var cmd tea.Cmd
		m.table, cmd = m.table.Update(k)
		return m, cmd
	}
	return m, nil
}

func (m model) setConfirming(on bool) model {
	m.confirming = on
	m.keys.setConfirming(on)
	return m
}

// sendSelected sends cmd for the selected strategy.
func (m model) sendSelected(cmd string) (model, tea.Cmd) {
	id, ok := m.table.Selected()
	if !ok {
		m.status = statusLine{statusError, cmd + ": no strategy selected"}
		return m, nil
	}
	return m.send(cmd, id)
}

// send returns the command that sends cmd for node, and says so in the
// status line. The answer arrives as a callResultMsg.
func (m model) send(cmd, node string) (model, tea.Cmd) {
	if m.sess == nil {
		m.status = statusLine{statusError, fmt.Sprintf("%s %s: not connected", cmd, node)}
		return m, nil
	}
	m.status = statusLine{statusInfo, fmt.Sprintf("%s %s: sent…", cmd, node)}
	return m, callCmd(m.ctx, m.sess, m.callTimeout, m.log, cmd, node)
}

// callStatus words the answer to a request for the status line.
func callStatus(r callResultMsg) statusLine {
	at := r.at.Format("15:04:05")
	var pe *protocol.Error
	switch {
	case r.err == nil:
		return statusLine{statusOK, fmt.Sprintf("%s %s %s: ok, %s is now %s", at, r.cmd, r.node, r.ack.Node, r.ack.State)}
	case errors.As(r.err, &pe):
		return statusLine{statusError, fmt.Sprintf("%s %s %s refused: %s", at, r.cmd, r.node, pe.Error())}
	}
	return statusLine{statusError, fmt.Sprintf("%s %s %s failed: %v", at, r.cmd, r.node, r.err)}
}

func (m model) handleDialed(msg dialedMsg) (model, tea.Cmd) {
	if msg.attempt != m.conn.attempt || m.sess != nil {
		return m, closeCmd(m.open, msg.attempt, m.log) // a connection nobody waits for
	}
	m.sess, m.events = msg.sess, msg.events
	m.conn = connection{state: connConnected, attempt: m.conn.attempt, daemon: msg.daemon}
	return m, waitCmd(m.conn.attempt, m.sess, m.events, m.log)
}

func (m model) handleEnvelope(msg envelopeMsg) (model, tea.Cmd) {
	if msg.attempt != m.conn.attempt || m.sess == nil {
		return m, nil
	}
	switch env := msg.env; {
	case env.Type == protocol.TypeStatus && env.Status != nil:
		m.header = m.header.setStatus(env.Status)
		m.table = m.table.setStatus(env.Status)
	case env.Type == protocol.TypeAlert && env.Alert != nil:
		m.alerts = m.alerts.add(*env.Alert)
	}
	return m, waitCmd(m.conn.attempt, m.sess, m.events, m.log)
}

// lost records that the connection is down for err and schedules the next
// dial after the backoff.
func (m model) lost(err error) (model, tea.Cmd) {
	m.conn.state = connRetrying
	m.conn.daemon = ""
	m.conn.failures++
	m.conn.reason = "connection closed"
	if err != nil {
		m.conn.reason = err.Error()
	}
	m.conn.retryIn = backoff(m.conn.failures, m.minBackoff, m.maxBackoff)
	return m, redialCmd(m.conn.attempt, m.conn.retryIn)
}

// stale reports whether the data on screen is no longer live.
func (m model) stale() bool {
	return m.header.hasData && m.conn.state != connConnected
}

func (m model) size() (int, int) {
	w, h := m.width, m.height
	if w <= 0 {
		w = defaultWidth
	}
	if h <= 0 {
		h = defaultHeight
	}
	return w, h
}

// layout sizes the views for the window. The screen is, top to bottom: the
// header, a blank line, the table, a blank line, the alerts, the status line
// and the help bar.
func (m *model) layout() {
	w, h := m.size()
	m.help.SetWidth(w)
	helpLines := 1
	if m.help.ShowAll {
		helpLines = lipgloss.Height(m.help.View(m.keys))
	}
	tableLines := h - headerLines - 1 - 1 - m.alerts.lines() - 1 - helpLines
	m.table = m.table.setSize(w, max(tableLines, 2))
}

// View draws the screen. It does no I/O and no sorting.
func (m model) View() tea.View {
	w, _ := m.size()
	dim := m.stale()

	var b strings.Builder
	b.WriteString(m.header.View(m.styles, w, m.conn, dim))
	b.WriteString("\n\n")
	table := clip(m.table.View(m.styles, dim), w)
	b.WriteString(table)
	// Pad the table to its height so that the footer stays at the bottom.
	for n := strings.Count(table, "\n") + 1; n < m.table.height+1; n++ {
		b.WriteString("\n")
	}
	b.WriteString("\n\n")
	b.WriteString(m.alerts.View(m.styles, w))
	b.WriteString("\n")
	b.WriteString(clip(m.statusView(), w))
	b.WriteString("\n")
	b.WriteString(clip(m.help.View(m.keys), w)) // help can overrun its width

	v := tea.NewView(b.String())
	v.AltScreen = true
	v.WindowTitle = m.title()
	return v
}

func (m model) statusView() string {
	switch m.status.kind {
	case statusOK:
		return m.styles.StatusOK.Render(m.status.text)
	case statusError:
		return m.styles.StatusError.Render(m.status.text)
	case statusConfirm:
		return m.styles.Confirm.Render(m.status.text)
	}
	return m.styles.StatusInfo.Render(m.status.text)
}

// title is the terminal window's title: what matters when the window is
// not in front.
func (m model) title() string {
	t := "desk"
	if m.header.firmState == stateHalted {
		t += " — FIRM HALTED"
	}
	if m.conn.state == connRetrying {
		t += " — disconnected"
	}
	return t
}

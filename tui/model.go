package tui

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/desk-trading/desk/core/protocol"
)

// Size used until the terminal reports its own.
const (
	defaultWidth  = 80
	defaultHeight = 24
)

// Lines around the body: the firm line, the connection line and the tab
// bar above; the latest alert, the status line and the help bar below.
const (
	linesAbove = 3
	linesBelow = 3
)

// Refresh intervals of what the daemon does not push.
const (
	auditRefresh  = time.Second
	limitsRefresh = 5 * time.Second
)

// statusKind says how the status line is drawn.
type statusKind int

const (
	statusInfo statusKind = iota
	statusOK
	statusError
)

// statusLine is the one line that answers the operator's last key.
type statusLine struct {
	kind statusKind
	text string
}

// mode is what the keyboard is doing: moving about, or typing into one
// of the prompts, or answering a question.
type mode int

const (
	modeNormal  mode = iota
	modeFilter       // typing a filter after /
	modeCommand      // typing a command after :
	modeConfirm      // a question awaits its answer
	modeEdit         // the limit editor is open
	modeHelp         // the full help covers the body
)

// model is the root model: it owns the connection, the store of what the
// daemon said, and the views. It is a value; Update returns the changed
// copy. The store is shared by pointer between copies (see store).
type model struct {
	// ctx bounds every command's I/O; Run cancels it when the program ends.
	// Kept here because commands are built in Update, which has no ctx.
	ctx         context.Context
	dial        Dialer
	log         *slog.Logger
	callTimeout time.Duration
	minBackoff  time.Duration
	maxBackoff  time.Duration
	readOnly    bool
	// quitting, when set (by Run), is told when the operator quits, so
	// that a terminal program that then fails to stop can be stopped.
	quitting func()

	keys   keyMap
	styles *styles
	help   help.Model

	width, height int // 0 until the terminal reports its size

	conn   connection
	open   *sessionSet              // every session not yet closed; shared, not copied
	sess   Session                  // nil unless connected
	events <-chan protocol.Envelope // sess's subscription

	data *store
	now  time.Time // the engine clock of the latest status; ages are counted from it

	tab    tab
	views  views
	status statusLine
	alert  alertLine // the latest, under the body
	mode   mode
	input  textinput.Model // the filter or command being typed
	ask    *confirmation   // the question in modeConfirm
	edit   *limitEditor    // the editor in modeEdit
	// limitRefs are what the risk view's limits rows stand for, by row key.
	limitRefs map[string]limitRef

	refreshing map[string]bool // periodic fetches in flight, by cmd
	fetched    map[string]time.Time
}

// quit ends the program, and says so to Run's watch over its stop.
func (m model) quit() (model, tea.Cmd) {
	if m.quitting != nil {
		m.quitting()
	}
	return m, tea.Quit
}

func newModel(ctx context.Context, opts Options) model {
	opts = opts.withDefaults()
	st := newStyles()
	h := help.New()
	h.Styles = st.Help
	in := textinput.New()
	in.Prompt = ""
	m := model{
		ctx:         ctx,
		dial:        opts.Dial,
		log:         opts.Logger,
		callTimeout: opts.CallTimeout,
		minBackoff:  opts.MinBackoff,
		maxBackoff:  opts.MaxBackoff,
		readOnly:    opts.ReadOnly,
		keys:        newKeyMap(opts.ReadOnly),
		styles:      st,
		help:        h,
		conn:        connection{state: connConnecting, attempt: 1},
		open:        newSessionSet(),
		data:        newStore(),
		views:       newViews(),
		input:       in,
		refreshing:  map[string]bool{},
		fetched:     map[string]time.Time{},
	}
	m.layout()
	return m
}

// Init dials the daemon.
func (m model) Init() tea.Cmd {
	return dialCmd(m.ctx, m.dial, m.open, m.log, m.callTimeout, m.conn.attempt)
}

// refreshMsg is the clock of the periodic fetches (audit, limits) of one
// connection attempt; a tick of an earlier one stops.
type refreshMsg struct{ attempt int }

func refreshTick(attempt int) tea.Cmd {
	return tea.Tick(auditRefresh, func(time.Time) tea.Msg { return refreshMsg{attempt} })
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
	case tea.PasteMsg:
		m, cmd = m.paste(msg)
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
		m, cmd = m.handleResult(msg)
	case editCheckMsg:
		m, cmd = m.checkTyped(msg)
	case refreshMsg:
		if msg.attempt == m.conn.attempt && m.sess != nil {
			m, cmd = m.refresh()
			cmd = tea.Batch(cmd, refreshTick(msg.attempt))
		}
	}
	m.layout()
	return m, cmd
}

func (m model) handleKey(k tea.KeyPressMsg) (model, tea.Cmd) {
	switch m.mode {
	case modeConfirm:
		return m.answer(k)
	case modeFilter:
		return m.typeFilter(k)
	case modeCommand:
		return m.typeCommand(k)
	case modeEdit:
		return m.typeEdit(k)
	case modeHelp:
		if key.Matches(k, m.keys.Back, m.keys.Help, m.keys.Quit) {
			m.mode = modeNormal
		}
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Quit):
		return m.quit()
	case key.Matches(k, m.keys.Help):
		m.mode = modeHelp
	case key.Matches(k, m.keys.Views):
		return m.switchTab(tab(k.String()[0] - '1'))
	case key.Matches(k, m.keys.NextView):
		return m.switchTab((m.tab + 1) % numTabs)
	case key.Matches(k, m.keys.PrevView):
		return m.switchTab((m.tab + numTabs - 1) % numTabs)
	case key.Matches(k, m.keys.Filter):
		if t := m.views.table(m.tab); t != nil {
			m.mode = modeFilter // a new filter, applied as it is typed
			m.input.SetValue("")
			m.input.Focus()
			*t = t.setFilter("")
		}
	case key.Matches(k, m.keys.Command):
		m.mode = modeCommand
		m.input.SetValue("")
		m.input.Focus()
	case key.Matches(k, m.keys.HaltFirm):
		return m.confirm(confirmation{
			question: "HALT THE WHOLE FIRM? every strategy stops trading",
			yes:      "halt the firm",
			req:      nodeRequest(protocol.CmdHalt, "firm"),
		}), nil
	case key.Matches(k, m.keys.KillFirm):
		return m.confirm(confirmation{
			question: fmt.Sprintf("KILL THE FIRM: halt everything and cancel all %s working orders", m.firmOpen()),
			word:     "KILL",
			req:      killRequest("firm"),
		}), nil
	default:
		return m.viewKey(k)
	}
	return m, nil
}

// paste takes pasted text into the prompt being typed, if any: a filter,
// a command, or the editor's value or reason. Pasted text never acts as
// keys.
func (m model) paste(p tea.PasteMsg) (model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.mode {
	case modeFilter:
		m.input, cmd = m.input.Update(p)
		m = m.applyFilter()
	case modeCommand:
		m.input, cmd = m.input.Update(p)
	case modeEdit:
		e := *m.edit
		switch e.step {
		case editValue:
			e.value, cmd = e.value.Update(p)
			cmd = tea.Batch(cmd, e.changed())
		case editWhy:
			e.why, cmd = e.why.Update(p)
		}
		m.edit = &e
	}
	return m, cmd
}

// firmOpen is the firm's working orders as the status counts them.
func (m model) firmOpen() string {
	if m.data.status == nil {
		return "its"
	}
	return formatCount(int64(m.data.status.Firm.OpenOrders))
}

// switchTab shows view t and fetches what it shows that is not pushed.
func (m model) switchTab(t tab) (model, tea.Cmd) {
	if t < 0 || t >= numTabs {
		return m, nil
	}
	m.tab = t
	m.views.detail = ""
	m = m.rebuild()
	return m.fetchFor(true)
}

// send returns the command that sends req, and says so in the status line.
// The answer arrives as a callResultMsg.
func (m model) send(req request) (model, tea.Cmd) {
	if m.sess == nil {
		if !req.quiet {
			m.status = statusLine{statusError, req.label + ": not connected"}
		}
		return m, nil
	}
	if !req.quiet {
		m.status = statusLine{statusInfo, req.label + ": sent…"}
	}
	return m, callCmd(m.ctx, m.sess, m.callTimeout, m.log, req)
}

func (m model) handleDialed(msg dialedMsg) (model, tea.Cmd) {
	if msg.attempt != m.conn.attempt || m.sess != nil {
		return m, closeCmd(m.open, msg.attempt, m.log) // a connection nobody waits for
	}
	m.sess, m.events = msg.sess, msg.events
	m.conn = connection{state: connConnected, attempt: m.conn.attempt, daemon: msg.daemon, readOnly: msg.readOnly}
	clear(m.refreshing)
	var fetch tea.Cmd
	m, fetch = m.fetchFor(true)
	return m, tea.Batch(waitCmd(m.conn.attempt, m.sess, m.events, m.log), fetch, refreshTick(m.conn.attempt))
}

func (m model) handleEnvelope(msg envelopeMsg) (model, tea.Cmd) {
	if msg.attempt != m.conn.attempt || m.sess == nil {
		return m, nil
	}
	// Every push is taken in; the views are formatted once for them all.
	var status, orders, alerts bool
	for i := range msg.envs {
		switch env := &msg.envs[i]; {
		case env.Type == protocol.TypeStatus && env.Status != nil:
			m.data.setStatus(env.Status)
			m.now = m.data.at
			status = true
		case env.Type == protocol.TypeOrders && env.Orders != nil:
			m.data.applyOrders(env.Orders)
			orders = true
		case env.Type == protocol.TypeAlert && env.Alert != nil:
			m.alert = m.data.addAlert(*env.Alert)
			alerts = true
		}
	}
	switch {
	case status, alerts && m.tab == tabAudit:
		m = m.rebuild()
	case orders:
		m = m.rebuildOrders()
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
	return m.data.status != nil && m.conn.state != connConnected
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

// bodyHeight is the lines between the tab bar and the alert line.
func (m model) bodyHeight() int {
	_, h := m.size()
	return max(h-linesAbove-linesBelow, 3)
}

// layout sizes the views for the window.
func (m *model) layout() {
	w, _ := m.size()
	m.help.SetWidth(w)
	m.views.setSize(w, m.bodyHeight(), m.edit != nil)
}

// View draws the screen. It does no I/O and no sorting.
func (m model) View() tea.View {
	w, _ := m.size()
	dim := m.stale()
	var b strings.Builder
	b.WriteString(m.headerView(w, dim))
	b.WriteString("\n")
	b.WriteString(m.tabsView(w))
	b.WriteString("\n")
	body := m.bodyView(w, dim)
	b.WriteString(body)
	for n := strings.Count(body, "\n") + 1; n < m.bodyHeight(); n++ {
		b.WriteString("\n") // the footer stays at the bottom
	}
	b.WriteString("\n")
	b.WriteString(clip(m.alertView(), w))
	b.WriteString("\n")
	b.WriteString(clip(m.statusView(), w))
	b.WriteString("\n")
	b.WriteString(clip(m.helpView(), w))

	v := tea.NewView(b.String())
	v.AltScreen = true
	v.WindowTitle = m.title()
	return v
}

// bodyView is the active view, or the help over it, cut to the body.
func (m model) bodyView(w int, dim bool) string {
	h := m.bodyHeight()
	var body string
	switch {
	case m.mode == modeHelp:
		body = m.fullHelpView(w)
	default:
		body = m.views.View(m, w, dim)
		if m.edit != nil {
			body = lastLines(body, h-editorLines) + "\n" + m.edit.View(m.styles, w)
		}
	}
	return clip(firstLines(body, h), w)
}

func (m model) alertView() string {
	if m.alert.text == "" {
		return m.styles.Label.Render("no alerts")
	}
	return alertStyle(m.styles, m.alert.severity).Render(m.alert.text)
}

func (m model) statusView() string {
	switch m.mode {
	case modeFilter:
		return m.styles.Input.Render("/" + m.input.Value() + "▌")
	case modeCommand:
		return m.styles.Input.Render(":" + m.input.Value() + "▌")
	case modeConfirm:
		return m.ask.View(m.styles)
	}
	switch m.status.kind {
	case statusOK:
		return m.styles.StatusOK.Render(m.status.text)
	case statusError:
		return m.styles.StatusError.Render(m.status.text)
	}
	return m.styles.StatusInfo.Render(m.status.text)
}

// title is the terminal window's title: what matters when the window is
// not in front.
func (m model) title() string {
	t := "desk"
	if st := m.data.status; st != nil && st.Firm.State == stateHalted {
		t += " — FIRM HALTED"
	}
	if m.conn.state == connRetrying {
		t += " — disconnected"
	}
	return t
}

// firstLines keeps the first n lines of s; lastLines keeps the first n
// too, leaving room below them (the editor goes under the view's top).
func firstLines(s string, n int) string {
	if n <= 0 {
		return ""
	}
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

func lastLines(s string, n int) string {
	out := firstLines(s, n)
	for c := strings.Count(out, "\n") + 1; c < n; c++ {
		out += "\n"
	}
	return out
}

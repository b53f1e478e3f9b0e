package tui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/desk-trading/desk/core/protocol"
)

// fakeCall is one request a fakeSession received.
type fakeCall struct {
	cmd  string
	args protocol.NodeArgs // for node commands
	raw  any               // the args as sent
}

// fakeSession is a Session that records calls and delivers the envelopes a
// test puts on its channel.
type fakeSession struct {
	events chan protocol.Envelope

	mu      sync.Mutex
	calls   []fakeCall
	callErr error // returned by Call when set
	// answer, when set, fills in the result of cmd (or returns an error).
	answer     func(cmd string, args, result any) error
	ordersSubs int
	subErr     error // returned by Subscribe when set
	err        error // returned by Err
	subscribed int
	closed     bool
}

func newFakeSession() *fakeSession {
	return &fakeSession{events: make(chan protocol.Envelope, 16)}
}

func (f *fakeSession) Call(ctx context.Context, cmd string, args any, result any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	na, _ := args.(protocol.NodeArgs)
	f.calls = append(f.calls, fakeCall{cmd: cmd, args: na, raw: args})
	if f.callErr != nil {
		return f.callErr
	}
	if f.answer != nil {
		return f.answer(cmd, args, result)
	}
	if ack, ok := result.(*protocol.Ack); ok {
		ack.Node = na.Node
		ack.State = map[string]string{protocol.CmdHalt: stateHalted, protocol.CmdResume: stateActive, protocol.CmdReduceOnly: stateReduceOnly}[cmd]
	}
	return nil
}

func (f *fakeSession) SubscribeOrders(ctx context.Context, finished int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ordersSubs++
	return nil
}

// callsOf returns the calls of cmd.
func (f *fakeSession) callsOf(cmd string) []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeCall
	for _, c := range f.calls {
		if c.cmd == cmd {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeSession) Subscribe(ctx context.Context) (<-chan protocol.Envelope, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subErr != nil {
		return nil, f.subErr
	}
	f.subscribed++
	return f.events, nil
}

func (f *fakeSession) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *fakeSession) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

func (f *fakeSession) Hello() protocol.Hello {
	return protocol.Hello{Version: protocol.Version, Daemon: "desk test", PID: 42, User: "alice"}
}

// drop ends the connection as the client does: Err is set, then the
// subscription channel is closed.
func (f *fakeSession) drop(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
	close(f.events)
}

func (f *fakeSession) snapshot() (calls []fakeCall, subscribed int, closed bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeCall(nil), f.calls...), f.subscribed, f.closed
}

// fakeDialer hands out the sessions (or errors) it is given, in order.
type fakeDialer struct {
	mu      sync.Mutex
	results []any // *fakeSession or error
	dials   int
}

func (d *fakeDialer) dial(ctx context.Context) (Session, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dials++
	if len(d.results) == 0 {
		return nil, errors.New("no more sessions")
	}
	r := d.results[0]
	d.results = d.results[1:]
	if err, ok := r.(error); ok {
		return nil, err
	}
	return r.(*fakeSession), nil
}

func (d *fakeDialer) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dials
}

// newTestModel is a model with fast backoff, sized 120x30.
func newTestModel(t *testing.T, dial Dialer) model {
	t.Helper()
	m := newModel(t.Context(), Options{
		Dial:       dial,
		MinBackoff: time.Millisecond,
		MaxBackoff: 8 * time.Millisecond,
	})
	m, _ = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	return m
}

func update(t *testing.T, m model, msg tea.Msg) (model, tea.Cmd) {
	t.Helper()
	next, cmd := m.Update(msg)
	nm, ok := next.(model)
	if !ok {
		t.Fatalf("Update returned %T", next)
	}
	return nm, cmd
}

// run runs cmd and returns its message, failing the test if it takes more
// than a few seconds.
func run(t *testing.T, cmd tea.Cmd) tea.Msg {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command")
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		return msg
	case <-time.After(5 * time.Second):
		t.Fatal("command did not return")
		return nil
	}
}

// runAll runs cmd and every command of the batches it returns, and returns
// the non-nil messages.
func runAll(t *testing.T, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	var out []tea.Msg
	msg := run(t, cmd)
	if batch, ok := msg.(tea.BatchMsg); ok {
		for _, c := range batch {
			if c != nil {
				out = append(out, runAll(t, c)...)
			}
		}
		return out
	}
	if msg != nil {
		out = append(out, msg)
	}
	return out
}

// connect runs Init and the dial with sess, and returns the connected model
// and the command waiting on the subscription.
func connect(t *testing.T, sess *fakeSession) (model, tea.Cmd) {
	t.Helper()
	d := &fakeDialer{results: []any{sess}}
	m := newTestModel(t, d.dial)
	msg := run(t, m.Init())
	if _, ok := msg.(dialedMsg); !ok {
		t.Fatalf("Init command returned %T (%v), want dialedMsg", msg, msg)
	}
	m, _ = update(t, m, msg)
	clear(m.refreshing) // the first fetches and the refresh clock are left out: tests fetch as they need
	return m, waitCmd(m.conn.attempt, m.sess, m.events, m.log)
}

// push delivers env through sess and the waiting command wait, and returns
// the model and the next waiting command.
func push(t *testing.T, m model, wait tea.Cmd, sess *fakeSession, env protocol.Envelope) (model, tea.Cmd) {
	t.Helper()
	sess.events <- env
	msg := run(t, wait)
	if _, ok := msg.(envelopeMsg); !ok {
		t.Fatalf("wait returned %T, want envelopeMsg", msg)
	}
	m, wait = update(t, m, msg)
	if wait == nil {
		t.Fatal("no wait command after an envelope")
	}
	return m, wait
}

func statusEnv(st *protocol.Status) protocol.Envelope {
	return protocol.Envelope{V: protocol.Version, Type: protocol.TypeStatus, Status: st}
}

func alertEnv(severity, node, msg string) protocol.Envelope {
	return protocol.Envelope{V: protocol.Version, Type: protocol.TypeAlert, Alert: &protocol.Alert{
		Time: "2026-03-01T12:00:01.5Z", Severity: severity, Node: node, Message: msg,
	}}
}

func strategy(id, book, state, realized, unrealized string, positions ...protocol.Position) protocol.Strategy {
	return protocol.Strategy{
		ID: id, Kind: "mm", Book: book, State: state, Positions: positions,
		Totals: protocol.Totals{RealizedPnL: realized, UnrealizedPnL: unrealized, OpenOrders: 2, OrdersSent: 1500, Fills: 7},
	}
}

func pos(instrument, qty string) protocol.Position {
	return protocol.Position{Instrument: instrument, Quantity: qty}
}

// testStatus is a desk with two books and three strategies, listed out of
// order.
func testStatus() *protocol.Status {
	return &protocol.Status{
		Time: "2026-03-01T12:00:00.25Z",
		Firm: protocol.Firm{State: stateActive, Totals: protocol.Totals{
			RealizedPnL: "1234.5", UnrealizedPnL: "-12.004", OpenOrders: 6, OrdersSent: 4500, Fills: 21,
		}},
		Books: []protocol.Book{{ID: "crypto", State: stateActive}, {ID: "arb", State: stateActive}},
		Strategies: []protocol.Strategy{
			strategy("mm-eth", "crypto", stateActive, "-250.125", "10", pos("ETH-USD", "-2.000")),
			strategy("mm-btc", "crypto", stateReduceOnly, "1500", "0", pos("BTC-USD", "0.50000000"), pos("SOL-USD", "0")),
			strategy("tri-1", "arb", stateHalted, "-15.5", "-22.004"),
		},
		Venues: []protocol.Venue{{Name: "sim-b", Connected: false}, {Name: "sim-a", Connected: true}},
	}
}

func keyPress(s string) tea.KeyPressMsg {
	switch s {
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case " ":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func press(t *testing.T, m model, keys ...string) (model, tea.Cmd) {
	t.Helper()
	var cmd tea.Cmd
	for _, k := range keys {
		m, cmd = update(t, m, keyPress(k))
	}
	return m, cmd
}

// screen is the view as plain text.
func screen(m model) string {
	return ansi.Strip(m.View().Content)
}

func splitNonEmpty(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

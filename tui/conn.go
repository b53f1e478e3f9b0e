package tui

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/desk-trading/desk/core/protocol"
)

// connState is where the TUI is with its connection to the daemon.
type connState int

const (
	connConnecting connState = iota // first dial, nothing shown yet
	connConnected                   // subscribed; pushes arrive
	connRetrying                    // lost or never made; redialing
)

// connection is the connection part of the root model. attempt numbers each
// dial; a message from an earlier attempt is stale and ignored, so that a
// late answer from a dead connection cannot overwrite a live one.
type connection struct {
	state    connState
	attempt  int
	failures int           // consecutive failures, for the backoff
	reason   string        // why the last attempt failed or ended
	retryIn  time.Duration // delay before the next dial
	daemon   string        // from the daemon's Hello, when the session offers it
	readOnly bool          // the daemon took this connection as read-only
}

// backoff is the delay before the next dial after n consecutive failures:
// lo doubled n-1 times, capped at hi.
func backoff(n int, lo, hi time.Duration) time.Duration {
	d := lo
	for i := 1; i < n && d < hi; i++ {
		d *= 2
	}
	return min(d, hi)
}

// Messages from the connection commands. Each carries the attempt it
// belongs to.
type (
	// dialedMsg: the session is up and subscribed.
	dialedMsg struct {
		attempt int
		sess    Session
		events  <-chan protocol.Envelope
		daemon  string
		// readOnly: the daemon took the connection as read-only.
		readOnly bool
	}
	// dialFailedMsg: the dial or the subscription failed.
	dialFailedMsg struct {
		attempt int
		err     error
	}
	// envelopeMsg: the pushes that were waiting on the subscription, one
	// at least, oldest first.
	envelopeMsg struct {
		attempt int
		envs    []protocol.Envelope
	}
	// streamEndedMsg: the subscription channel was closed.
	streamEndedMsg struct {
		attempt int
		err     error
	}
	// redialMsg: the backoff has passed; dial again.
	redialMsg struct{ attempt int }
	// callResultMsg: a request was answered.
	callResultMsg struct {
		req    request
		result any // what req.result made, filled in
		err    error
		at     time.Time // when the answer came
	}
)

// hello is the optional capability of a Session to report the daemon's
// greeting; *client.Conn has it.
type hello interface {
	Hello() protocol.Hello
}

// sessionSet holds every session dialed and not yet closed, by attempt, so
// that Run can close them all when the program ends: a dial may complete
// after the last message was handled, and its session would otherwise leak.
// It is the one thing commands change, and it is not part of what the model
// shows; its methods may be called from any goroutine.
type sessionSet struct {
	mu     sync.Mutex // guards the fields below
	live   map[int]Session
	closed bool // closeAll was called; add refuses
}

func newSessionSet() *sessionSet {
	return &sessionSet{live: make(map[int]Session)}
}

// add records sess for attempt. It returns false, and the caller must close
// sess, once closeAll has been called.
func (s *sessionSet) add(attempt int, sess Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.live[attempt] = sess
	return true
}

// close closes the session of attempt, if it is still open.
func (s *sessionSet) close(attempt int, log *slog.Logger) {
	s.mu.Lock()
	sess, ok := s.live[attempt]
	delete(s.live, attempt)
	s.mu.Unlock()
	if ok {
		closeSession(sess, log)
	}
}

// closeAll closes every open session and refuses new ones.
func (s *sessionSet) closeAll(log *slog.Logger) {
	s.mu.Lock()
	live := s.live
	s.live, s.closed = nil, true
	s.mu.Unlock()
	for _, sess := range live {
		closeSession(sess, log)
	}
}

// dialCmd dials and subscribes. The dial gets ctx itself, the TUI's
// lifetime, because a session may live as long as the context it was made
// with; the Dialer bounds its own handshake. The subscribe request is bounded
// by timeout, so that a daemon that accepts but never answers is retried.
func dialCmd(ctx context.Context, dial Dialer, open *sessionSet, log *slog.Logger, timeout time.Duration, attempt int) tea.Cmd {
	return func() tea.Msg {
		sess, err := dial(ctx)
		if err != nil {
			log.Warn("dial", "attempt", attempt, "err", err)
			return dialFailedMsg{attempt: attempt, err: err}
		}
		subCtx, cancel := context.WithTimeout(ctx, timeout)
		events, err := sess.Subscribe(subCtx)
		cancel()
		if err != nil {
			log.Warn("subscribe", "attempt", attempt, "err", err)
			closeSession(sess, log)
			return dialFailedMsg{attempt: attempt, err: fmt.Errorf("subscribe: %w", err)}
		}
		if os, ok := sess.(ordersSubscriber); ok {
			ordCtx, cancel := context.WithTimeout(ctx, timeout)
			err = os.SubscribeOrders(ordCtx, finishedKept)
			cancel()
			if err != nil {
				log.Warn("subscribe orders", "attempt", attempt, "err", err)
				closeSession(sess, log)
				return dialFailedMsg{attempt: attempt, err: fmt.Errorf("subscribe orders: %w", err)}
			}
		}
		if !open.add(attempt, sess) {
			closeSession(sess, log)
			return dialFailedMsg{attempt: attempt, err: context.Canceled}
		}
		var daemon string
		readOnly := false
		if h, ok := sess.(hello); ok {
			hi := h.Hello()
			daemon = fmt.Sprintf("%s (pid %d, as %s)", hi.Daemon, hi.PID, hi.User)
			readOnly = hi.ReadOnly
		}
		log.Info("connected", "attempt", attempt, "daemon", daemon, "read_only", readOnly)
		return dialedMsg{attempt: attempt, sess: sess, events: events, daemon: daemon, readOnly: readOnly}
	}
}

// maxDrain is how many pushes one envelopeMsg carries at most.
const maxDrain = 64

// waitCmd waits for the next push on events and takes every other one
// already waiting (maxDrain at most), so that a burst (an alert storm)
// costs one update and one frame, not one each. It is issued again after
// each envelopeMsg, so exactly one reader waits on the channel at a time.
// A channel closed behind the burst is found by the next wait.
func waitCmd(attempt int, sess Session, events <-chan protocol.Envelope, log *slog.Logger) tea.Cmd {
	return func() tea.Msg {
		env, ok := <-events
		if !ok {
			err := sess.Err()
			log.Warn("subscription ended", "attempt", attempt, "err", err)
			return streamEndedMsg{attempt: attempt, err: err}
		}
		envs := []protocol.Envelope{env}
		for len(envs) < maxDrain {
			select {
			case env, ok := <-events:
				if !ok {
					return envelopeMsg{attempt: attempt, envs: envs}
				}
				envs = append(envs, env)
				continue
			default:
			}
			break
		}
		return envelopeMsg{attempt: attempt, envs: envs}
	}
}

// redialCmd waits d, then asks for a new dial.
func redialCmd(attempt int, d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return redialMsg{attempt: attempt} })
}

// closeCmd closes the session of attempt, which the model has let go of.
func closeCmd(open *sessionSet, attempt int, log *slog.Logger) tea.Cmd {
	return func() tea.Msg {
		open.close(attempt, log)
		return nil
	}
}

func closeSession(sess Session, log *slog.Logger) {
	if err := sess.Close(); err != nil {
		log.Debug("close session", "err", err)
	}
}

// request is one command for the daemon, built by a key or the command
// line.
type request struct {
	cmd   string
	args  any
	label string     // what the status line calls it: "halt mm-btc"
	node  string     // the node it acts on, "" for none
	make  func() any // a new result to decode into; nil: none
	// quiet requests (periodic fetches) say nothing in the status line.
	quiet bool
}

// callCmd sends req and reports the answer as a callResultMsg.
func callCmd(ctx context.Context, sess Session, timeout time.Duration, log *slog.Logger, req request) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var res any
		if req.make != nil {
			res = req.make()
		}
		err := sess.Call(ctx, req.cmd, req.args, res)
		if !req.quiet || err != nil {
			log.Info("command", "cmd", req.cmd, "label", req.label, "err", err)
		}
		return callResultMsg{req: req, result: res, err: err, at: time.Now()}
	}
}

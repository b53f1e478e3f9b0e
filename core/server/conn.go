package server

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/desk-trading/desk/core/protocol"
)

// Per-connection bounds.
const (
	readLimit     = 64 << 10 // bytes in one client frame; more ends the connection
	maxInFlight   = 16       // commands running at once for one client
	outQueueLen   = 32       // responses waiting for the writer
	alertQueueLen = 256      // alerts waiting for the writer; the oldest is dropped
	closeTimeout  = 500 * time.Millisecond
)

// outMsg is a response for the writer.
type outMsg struct {
	env       protocol.Envelope
	subscribe bool // after env, start Status pushes
	orders    int  // above 0: after env, (re)start the orders stream with this many finished orders
}

// conn is one client connection. Its goroutines: the http handler's, which
// reads and dispatches (readLoop); one writer (writeLoop), the only one that
// writes data frames; and one per running command (run). The writer is fed
// by out (responses, in order), the alert queue and a ticker that pulls the
// latest Status and, once the client asked for it, what changed in the
// orders (ordersStream), so a slow client only ever delays itself.
type conn struct {
	s    *Server
	ws   *websocket.Conn
	peer Peer
	log  *slog.Logger
	// readOnly is set for a client that connected read-only: it may only
	// read state (see refuseReadOnly).
	readOnly bool

	// out holds responses for the writer. When it is full the producer (the
	// reader or a command of this client) waits until the writer catches up
	// or the connection ends: back pressure on this client alone.
	out chan outMsg
	// sem holds a token per running command; when full the reader stops
	// reading until one finishes.
	sem        chan struct{}
	subscribed atomic.Bool // set by the writer when it starts pushes
	// subscribeSent is set by the reader once it queued a subscribe for
	// the writer: an orders.subscribe after it reaches the writer after
	// it. The reader's alone.
	subscribeSent bool
	// share is the client's fair share of requests; the reader waits on it
	// before dispatching each one (Options.RequestRate).
	share *rate.Limiter
	// replies is the client's share of query reply bytes, in KiB
	// (Options.ReplyRate); see enterQuery.
	replies *rate.Limiter
	// querySlot holds a token while one of the client's queries runs: one
	// at a time. costs is the size of the client's last reply to each
	// query command, in KiB, what its next one is charged; guarded by
	// amu.
	querySlot chan struct{}
	costs     map[string]int

	amu          sync.Mutex       // guards the three below and costs; taken after Server.mu
	alerts       []protocol.Alert // bounded by alertQueueLen, oldest first
	dropped      int              // alerts dropped since the writer last drained
	droppedTotal int              // alerts dropped over the connection's life
	alertWake    chan struct{}    // cap 1: alerts has something

	done      chan struct{} // closed when the connection ends
	life      context.Context
	endLife   context.CancelFunc // cancels life when the connection ends
	closeOnce sync.Once
}

func newConn(s *Server, ws *websocket.Conn, peer Peer, readOnly bool) *conn {
	life, end := context.WithCancel(context.Background())
	log := s.log.With("peer", peer.String(), "pid", peer.PID)
	if readOnly {
		log = log.With("read_only", true)
	}
	return &conn{
		readOnly:  readOnly,
		life:      life,
		endLife:   end,
		s:         s,
		ws:        ws,
		peer:      peer,
		log:       log,
		out:       make(chan outMsg, outQueueLen),
		sem:       make(chan struct{}, maxInFlight),
		share:     rate.NewLimiter(rate.Limit(s.opts.RequestRate), s.opts.RequestBurst),
		replies:   rate.NewLimiter(rate.Limit(s.opts.ReplyRate>>10), max(1, 2*s.opts.ReplyRate>>10)),
		querySlot: make(chan struct{}, 1),
		costs:     make(map[string]int),
		alertWake: make(chan struct{}, 1),
		done:      make(chan struct{}),
	}
}

// serve runs the connection until the client leaves, a write fails or the
// server shuts down. It returns once the writer has stopped; commands still
// running finish on their own and drop their responses.
func (c *conn) serve() {
	c.log.Info("client connected")
	hello := c.s.hello
	hello.User = c.peer.String()
	hello.ReadOnly = c.readOnly
	c.out <- outMsg{env: protocol.Envelope{V: protocol.Version, Type: protocol.TypeHello, Hello: &hello}} // out is empty
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		if err := c.writeLoop(); err != nil {
			select {
			case <-c.done: // already ending; the write failed because of it
			default:
				c.log.Warn("dropping client: write failed", "err", err)
			}
		}
		c.close()
	}()
	err := c.readLoop()
	select {
	case <-c.done:
		err = nil // ended by the writer or the server, which said why
	default:
	}
	c.close()
	<-writerDone
	c.amu.Lock()
	attrs := []any{"alerts_dropped", c.droppedTotal}
	c.amu.Unlock()
	if err != nil && !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
		attrs = append(attrs, "reason", err)
	}
	c.log.Info("client disconnected", attrs...)
}

// queryCost is what the next query of cmd is charged, in KiB: the size of
// the last reply to it, 1 for the first.
func (c *conn) queryCost(cmd string) int {
	c.amu.Lock()
	defer c.amu.Unlock()
	return max(1, c.costs[cmd])
}

func (c *conn) setQueryCost(cmd string, kib int) {
	c.amu.Lock()
	c.costs[cmd] = kib
	c.amu.Unlock()
}

// close ends the connection; safe to call more than once, from any
// goroutine. A blocked read or write returns at once.
func (c *conn) close() {
	c.closeOnce.Do(func() {
		close(c.done)
		c.endLife()
		c.ws.Close()
	})
}

// closeWith tells the client why before closing. WriteControl may run
// beside the writer; it waits at most closeTimeout for a stuck one.
func (c *conn) closeWith(code int, text string) {
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(closeTimeout))
	c.close()
}

// send queues m for the writer, waiting while the queue is full. It returns
// false, dropping m, when the connection has ended.
func (c *conn) send(m outMsg) bool {
	select {
	case c.out <- m:
		return true
	case <-c.done:
		return false
	}
}

// reply queues a response.
func (c *conn) reply(env protocol.Envelope) bool { return c.send(outMsg{env: env}) }

// pushAlert queues a for a subscribed client without blocking, dropping the
// oldest queued alert when the queue is full.
func (c *conn) pushAlert(a protocol.Alert) {
	if !c.subscribed.Load() {
		return
	}
	c.amu.Lock()
	if len(c.alerts) >= alertQueueLen {
		n := copy(c.alerts, c.alerts[1:])
		c.alerts = c.alerts[:n]
		c.dropped++
		c.droppedTotal++
	}
	c.alerts = append(c.alerts, a)
	c.amu.Unlock()
	select {
	case c.alertWake <- struct{}{}:
	default:
	}
}

// writeLoop is the connection's only writer of data frames. It returns nil
// when the connection ends and an error when a write fails or times out.
func (c *conn) writeLoop() error {
	w := writer{c: c}
	defer w.stopTicker()
	for {
		push, pull := false, false
		select {
		case <-c.done:
			return nil
		case m := <-c.out:
			var err error
			if push, pull, err = w.writeOut(m); err != nil {
				return err
			}
		case <-c.alertWake:
			if err := c.writeAlerts(); err != nil {
				return err
			}
		case <-w.tick():
			// A ticker holds one tick: a writer slowed by its client skips
			// snapshots and pulls instead of queueing them.
			push, pull = true, w.orders.on
		}
		if pull {
			if err := c.pushOrders(&w.orders); err != nil {
				return err
			}
		}
		if push {
			if err := w.pushStatus(); err != nil {
				return err
			}
		}
	}
}

// writer is writeLoop's state.
type writer struct {
	c      *conn
	ticker *time.Ticker     // nil before the first subscribe
	last   *protocol.Status // last pushed; nil before the first push
	orders ordersStream
}

// tick returns the ticker's channel; nil, which never delivers, before
// the first subscribe.
func (w *writer) tick() <-chan time.Time {
	if w.ticker == nil {
		return nil
	}
	return w.ticker.C
}

func (w *writer) stopTicker() {
	if w.ticker != nil {
		w.ticker.Stop()
	}
}

// writeOut writes one response with what it starts, and says whether a
// Status push and an orders pull are due at once.
func (w *writer) writeOut(m outMsg) (push, pull bool, err error) {
	c := w.c
	var recent []protocol.Alert
	if m.subscribe && !c.subscribed.Load() {
		// Before the response, so that every alert raised after the
		// client saw it reaches the client; those raised before come
		// first.
		recent = c.s.subscribeAlerts(c)
	}
	if err := c.writeJSON(&m.env); err != nil {
		return false, false, err
	}
	for i := range recent {
		env := protocol.Envelope{V: protocol.Version, Type: protocol.TypeAlert, Alert: &recent[i]}
		if err := c.writeJSON(&env); err != nil {
			return false, false, err
		}
	}
	interval := c.s.opts.StatusInterval
	if m.subscribe {
		push, w.last = true, nil // a (re)subscribe gets a full Status at once
		if w.ticker == nil {
			w.ticker = time.NewTicker(interval)
		}
	}
	if m.orders > 0 {
		if w.ticker == nil { // the reader sends orders.subscribe only after subscribe
			w.ticker = time.NewTicker(interval)
		}
		w.orders.start(m.orders)
		// The Reset goes out at once unless a pull ran in the last
		// interval; then the next tick has it. Either way the next tick
		// is an interval after the last pull: at most one pull an interval.
		if pull = w.orders.due(time.Now(), interval); pull {
			w.ticker.Reset(interval)
		}
	}
	return push, pull, nil
}

// pushStatus writes the latest Status when it changed since the last push.
func (w *writer) pushStatus() error {
	st := w.c.s.opts.Backend.Status()
	if st == nil || st == w.last {
		return nil
	}
	if err := w.c.writeStatus(st); err != nil {
		return err
	}
	w.last = st
	return nil
}

// writeAlerts writes every queued alert, preceded by a warning when some
// were dropped.
func (c *conn) writeAlerts() error {
	c.amu.Lock()
	alerts, dropped := c.alerts, c.dropped
	c.alerts, c.dropped = nil, 0
	c.amu.Unlock()
	if dropped > 0 {
		c.log.Warn("client too slow: alerts dropped", "dropped", dropped)
		alerts = append([]protocol.Alert{{
			Time:     time.Now().UTC().Format(time.RFC3339Nano),
			Severity: "warning",
			Message:  fmt.Sprintf("%d alerts were dropped because this client fell behind", dropped),
		}}, alerts...)
	}
	for i := range alerts {
		env := protocol.Envelope{V: protocol.Version, Type: protocol.TypeAlert, Alert: &alerts[i]}
		if err := c.writeJSON(&env); err != nil {
			return err
		}
	}
	return nil
}

func (c *conn) writeJSON(env *protocol.Envelope) error {
	if err := c.ws.SetWriteDeadline(time.Now().Add(c.s.opts.WriteTimeout)); err != nil {
		return err
	}
	if err := c.ws.WriteJSON(env); err != nil {
		return fmt.Errorf("write %s: %w", env.Type, err)
	}
	return nil
}

func (c *conn) writeStatus(st *protocol.Status) error {
	data, err := c.s.statusMessage(st)
	if err != nil {
		c.log.Error("cannot push status", "err", err)
		return nil // the engine's bug; keep the connection
	}
	if err := c.ws.SetWriteDeadline(time.Now().Add(c.s.opts.WriteTimeout)); err != nil {
		return err
	}
	if err := c.ws.WriteMessage(websocket.TextMessage, data); err != nil {
		return fmt.Errorf("write status: %w", err)
	}
	return nil
}

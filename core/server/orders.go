package server

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/desk-trading/desk/core/protocol"
)

// OrderStreamer is a Backend that serves the conflated orders stream.
type OrderStreamer interface {
	// OrdersSince returns what changed in the orders after cursor, and the
	// cursor to pass next. Cursor 0, or a cursor older than the daemon
	// still remembers, gets the whole set with Reset set: every working
	// order and the most recent `finished` finished ones (finished is
	// 1..5000, already validated), oldest first. Otherwise each order
	// changed since, once at its latest state, oldest first, and Gone:
	// client order ids forgotten since. Nothing changed: an empty update
	// and the same cursor. It reads published state only and never
	// waits for the engine.
	OrdersSince(ctx context.Context, cursor uint64, finished int) (protocol.OrdersUpdate, uint64, error)
}

// The bounds of OrdersSubscribeArgs.Finished.
const (
	defaultFinished = 500
	maxFinished     = 5000
)

// ordersStream is one connection's orders stream, owned by its writer.
//
// The stream is pulled, not pushed: the writer asks OrdersSince for what
// changed after its cursor at most once per StatusInterval, and only after
// it wrote the last push, so a slow client gets fewer, larger updates and
// never a lost one; the cursor moves only once its update is written.
//
// A pull does not take a slot of the query pool (Options.QueryWorkers).
// It runs on the writer goroutine, which also writes the client's
// responses, statuses and alerts: waiting there for a pool that a flood
// of other clients' queries fills would stall this client's halts' answers
// and alerts behind them. Its cost is bounded without the pool: one pull
// per connection per StatusInterval, at most Options.MaxClients
// connections, connections at the same cursor share one pull and its
// encoding (pullCache), OrdersSince never waits for the engine, and a
// pull after the first returns only what changed (a Reset, the whole set,
// only on subscribe or for a client that fell past what the daemon
// remembers).
type ordersStream struct {
	on       bool
	finished int
	cursor   uint64
	last     time.Time // when the last pull ran; zero before the first
	failing  bool      // the last pull failed: a repeat is logged at debug
}

// ordersArgs validates orders.subscribe's args and returns Finished with
// its default applied.
func ordersArgs(raw json.RawMessage) (int, *protocol.Error) {
	var a protocol.OrdersSubscribeArgs
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a); err != nil {
			return 0, &protocol.Error{Code: protocol.CodeBadRequest, Message: "orders.subscribe args: " + err.Error()}
		}
	}
	switch {
	case a.Finished == 0:
		return defaultFinished, nil
	case a.Finished < 0 || a.Finished > maxFinished:
		return 0, &protocol.Error{Code: protocol.CodeBadRequest, Message: fmt.Sprintf(
			"orders.subscribe: finished %d: want 1..%d, or 0 for %d", a.Finished, maxFinished, defaultFinished)}
	}
	return a.Finished, nil
}

// subscribeOrders answers orders.subscribe on the reader: the writer starts
// the stream once it wrote the response.
func (c *conn) subscribeOrders(env protocol.Envelope) bool {
	if _, ok := c.s.opts.Backend.(OrderStreamer); !ok {
		return c.reply(errorEnv(env.ID, &protocol.Error{Code: protocol.CodeUnknownCmd,
			Message: "unknown command \"orders.subscribe\": this daemon serves no orders stream"}))
	}
	if !c.subscribeSent {
		return c.reply(errorEnv(env.ID, &protocol.Error{Code: protocol.CodeRefused,
			Message: "orders.subscribe needs a subscribed connection: send subscribe first"}))
	}
	finished, perr := ordersArgs(env.Args)
	if perr != nil {
		return c.reply(errorEnv(env.ID, perr))
	}
	return c.send(outMsg{env: protocol.Envelope{V: protocol.Version, Type: protocol.TypeResponse, ID: env.ID}, orders: finished})
}

// startOrders (re)starts the stream from a Reset, keeping when the last
// pull ran, so that a client resubscribing in a loop is pulled for no more
// often than one that does not.
func (st *ordersStream) start(finished int) {
	*st = ordersStream{on: true, finished: finished, last: st.last}
}

// due reports whether a pull may run at now besides the ticks: when none
// ran in the last interval.
func (st *ordersStream) due(now time.Time, interval time.Duration) bool {
	return st.on && (st.last.IsZero() || now.Sub(st.last) >= interval)
}

// pushOrders pulls what changed after the stream's cursor and writes it
// when there is anything. A failed pull is logged and retried on the next
// tick from the same cursor; only a failed write is returned.
func (c *conn) pushOrders(st *ordersStream) error {
	ctx, cancel := context.WithTimeout(c.life, c.s.opts.CommandTimeout)
	p, err := c.s.pullOrders(ctx, pullKey{cursor: st.cursor, finished: st.finished})
	cancel()
	st.last = time.Now()
	if err != nil {
		c.logPullError(st.failing, st.cursor, err)
		st.failing = true
		return nil
	}
	st.failing = false
	if p.frame != nil {
		if err := c.ws.SetWriteDeadline(time.Now().Add(c.s.opts.WriteTimeout)); err != nil {
			return err
		}
		if err := c.ws.WriteMessage(websocket.TextMessage, p.frame); err != nil {
			return fmt.Errorf("write orders: %w", err)
		}
	}
	st.cursor = p.next
	return nil
}

// pullKey names a pull: what changed after cursor, for a stream keeping
// finished finished orders.
type pullKey struct {
	cursor   uint64
	finished int
}

// pulled is one pull's answer, encoded once for every connection that
// pulls with the same key while it is fresh.
type pulled struct {
	at    time.Time // when it was asked for
	next  uint64    // the cursor after it
	frame []byte    // the TypeOrders envelope; nil when nothing changed
}

// pullCache holds the fresh pulls. Connections at the same cursor (every
// TUI once it caught up) pull the same update at each tick: the first
// asks OrdersSince and encodes it, the others take it, or wait for it
// while it is being made. An answer up to half an interval old is as good
// as a new one: it is what changed from the cursor to its own next
// cursor, and the next pull goes on from there, so nothing is lost, only
// seen a little later. Pulls of different keys run side by side: mu is
// never held across a pull, so no connection's writer (which also sends
// its command answers) waits on another key's reset.
type pullCache struct {
	mu      sync.Mutex // guards entries only
	entries map[pullKey]*pullEntry
}

// pullEntry is one pull, in flight until done is closed; p and err are
// set before that and never after.
type pullEntry struct {
	done chan struct{}
	p    pulled
	err  error
}

// ready reports whether e's pull is done.
func (e *pullEntry) ready() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// pullOrders returns the fresh pull for key: the one made less than half
// an interval ago, the one in flight, or a new one.
func (s *Server) pullOrders(ctx context.Context, key pullKey) (pulled, error) {
	fresh := s.opts.StatusInterval / 2
	now := time.Now()
	s.pulls.mu.Lock()
	if e, ok := s.pulls.entries[key]; ok {
		if !e.ready() {
			s.pulls.mu.Unlock()
			select {
			case <-e.done:
				return e.p, e.err
			case <-ctx.Done():
				return pulled{}, ctx.Err()
			}
		}
		if e.err == nil && now.Sub(e.p.at) < fresh {
			s.pulls.mu.Unlock()
			return e.p, nil
		}
	}
	if s.pulls.entries == nil {
		s.pulls.entries = make(map[pullKey]*pullEntry)
	}
	for k, e := range s.pulls.entries {
		if e.ready() && now.Sub(e.p.at) >= fresh {
			delete(s.pulls.entries, k)
		}
	}
	e := &pullEntry{done: make(chan struct{})}
	s.pulls.entries[key] = e
	s.pulls.mu.Unlock()

	e.p, e.err = s.pull(ctx, key, now)
	close(e.done)
	return e.p, e.err
}

// pull asks OrdersSince for key and encodes its answer.
func (s *Server) pull(ctx context.Context, key pullKey, now time.Time) (pulled, error) {
	u, next, err := s.opts.Backend.(OrderStreamer).OrdersSince(ctx, key.cursor, key.finished) // checked by subscribeOrders
	if err != nil {
		return pulled{at: now}, err
	}
	p := pulled{at: now, next: next}
	if u.Reset || len(u.Orders) > 0 || len(u.Gone) > 0 {
		if u.Orders == nil {
			u.Orders = []protocol.Order{} // "orders": [] rather than null
		}
		if p.frame, err = json.Marshal(protocol.Envelope{V: protocol.Version, Type: protocol.TypeOrders, Orders: &u}); err != nil {
			return pulled{at: now}, fmt.Errorf("encode orders update: %w", err)
		}
	}
	return p, nil
}

// logPullError logs a failed pull: a warning for the first of a run of
// failures, debug for the repeats, one an interval.
func (c *conn) logPullError(again bool, cursor uint64, err error) {
	if again {
		c.log.Debug("orders stream: pull failed again", "cursor", cursor, "err", err)
		return
	}
	c.log.Warn("orders stream: pull failed; retrying each interval", "cursor", cursor, "err", err)
}

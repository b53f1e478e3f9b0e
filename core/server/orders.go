package server

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

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
// connections, OrdersSince never waits for the engine, and a pull after
// the first returns only what changed (a Reset, the whole set, only on
// subscribe or for a client that fell past what the daemon remembers).
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
	streamer := c.s.opts.Backend.(OrderStreamer) // checked by subscribeOrders
	ctx, cancel := context.WithTimeout(c.life, c.s.opts.CommandTimeout)
	u, next, err := streamer.OrdersSince(ctx, st.cursor, st.finished)
	cancel()
	st.last = time.Now()
	if err != nil {
		c.logPullError(st.failing, st.cursor, err)
		st.failing = true
		return nil
	}
	st.failing = false
	if !u.Reset && len(u.Orders) == 0 && len(u.Gone) == 0 {
		st.cursor = next
		return nil
	}
	if u.Orders == nil {
		u.Orders = []protocol.Order{} // "orders": [] rather than null
	}
	env := protocol.Envelope{V: protocol.Version, Type: protocol.TypeOrders, Orders: &u}
	if err := c.writeJSON(&env); err != nil {
		return err
	}
	st.cursor = next
	return nil
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

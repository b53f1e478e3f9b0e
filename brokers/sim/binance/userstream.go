package binance

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// lastFrameGrace is how long a stream's last event has to leave before
// its connection is closed.
const lastFrameGrace = 200 * time.Millisecond

// userHub routes user-data events to their account's subscribers: WebSocket
// API subscriptions (events wrapped as {"subscriptionId":N,"event":...})
// and legacy listen-key streams (bare events, id -1). Its lock guards the
// map; publishing only queues frames (never blocks).
type userHub struct {
	mu   sync.Mutex
	subs map[string]map[userSub]struct{} // by account id
}

type userSub struct {
	c   *conn
	id  int    // subscriptionId; -1: a listen-key stream
	key string // the listen key of a listen-key stream
}

func newUserHub() *userHub { return &userHub{subs: map[string]map[userSub]struct{}{}} }

func (h *userHub) add(acct string, sub userSub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs[acct] == nil {
		h.subs[acct] = map[userSub]struct{}{}
	}
	h.subs[acct][sub] = struct{}{}
}

// remove ends subscription id of c, reporting whether c had it.
func (h *userHub) remove(c *conn, id int) bool {
	return h.removeIf(c, func(s int) bool { return s == id })
}

// removeConn ends every subscription of c.
func (h *userHub) removeConn(c *conn) { h.removeIf(c, func(int) bool { return true }) }

func (h *userHub) removeIf(c *conn, match func(id int) bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	found := false
	for acct, subs := range h.subs {
		for sub := range subs {
			if sub.c == c && match(sub.id) {
				delete(subs, sub)
				found = true
			}
		}
		if len(subs) == 0 {
			delete(h.subs, acct)
		}
	}
	return found
}

// closeKey closes the streams of listen key key, reporting how many.
func (h *userHub) closeKey(key string) int { return h.endKey(key, nil) }

// expireKey sends the streams of an expired listen key listenKeyExpired,
// then closes them.
func (h *userHub) expireKey(key string, now time.Time) {
	ms := strconv.FormatInt(now.UnixMilli(), 10)
	h.endKey(key, []byte(`{"e":"listenKeyExpired","E":`+ms+`,"listenKey":"`+key+`"}`))
}

func (h *userHub) endKey(key string, last []byte) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for acct, subs := range h.subs {
		for sub := range subs {
			if sub.id < 0 && sub.key == key {
				if last != nil {
					// Closing at once could drop the queued event: give
					// the writer a moment to send it.
					sub.c.enqueue(last)
					c := sub.c
					time.AfterFunc(lastFrameGrace, func() { c.close("listen key expired") })
				} else {
					sub.c.close("listen key deleted")
				}
				delete(subs, sub)
				n++
			}
		}
		if len(subs) == 0 {
			delete(h.subs, acct)
		}
	}
	return n
}

// publish queues event, one account's, on each of its subscribers.
func (h *userHub) publish(acct string, event []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs[acct] {
		if sub.id < 0 {
			sub.c.enqueue(event)
			continue
		}
		sub.c.enqueue(wrapEvent(sub.id, event))
	}
}

func wrapEvent(id int, event []byte) []byte {
	b := append([]byte(`{"subscriptionId":`), strconv.Itoa(id)...)
	b = append(b, `,"event":`...)
	b = append(b, event...)
	return append(b, '}')
}

// dropAll ends every user-data stream (the drop-user-stream fault):
// listen-key connections are closed; WebSocket API subscriptions get
// eventStreamTerminated and end, their connections stay. It returns how
// many ended.
func (h *userHub) dropAll() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for acct, subs := range h.subs {
		for sub := range subs {
			if sub.id < 0 {
				sub.c.close("user data stream dropped")
			} else {
				ev := []byte(`{"e":"eventStreamTerminated","E":` + strconv.FormatInt(time.Now().UnixMilli(), 10) + `}`)
				sub.c.enqueue(wrapEvent(sub.id, ev))
			}
			n++
		}
		delete(h.subs, acct)
	}
	return n
}

// upgradeConn upgrades r to a websocket conn registered with the server
// (so drop-connections and shutdown close it) and starts its writer; the
// caller starts its reader, which must call s.wg.Done and endConn.
func (s *Server) upgradeConn(w http.ResponseWriter, r *http.Request) (*conn, bool) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return nil, false
	}
	c := &conn{ws: ws, send: make(chan []byte, s.opts.SendQueue), done: make(chan struct{}), subs: map[string]struct{}{}}
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		ws.Close()
		return nil, false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(2)
	s.mu.Unlock()
	go s.writer(c)
	return c, true
}

// endConn unregisters c from the server and the user hub.
func (s *Server) endConn(c *conn) {
	c.close("connection ended")
	s.users.removeConn(c)
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// drainReader reads (and ignores) a user-data stream's frames, keeping
// the pings answered, until the connection ends.
func (s *Server) drainReader(c *conn) {
	defer s.wg.Done()
	defer s.endConn(c)
	c.ws.SetReadLimit(maxRequest)
	alive := func() { _ = c.ws.SetReadDeadline(time.Now().Add(pongTimeout + pingEvery)) }
	alive()
	c.ws.SetPongHandler(func(string) error { alive(); return nil })
	for {
		if _, _, err := c.ws.ReadMessage(); err != nil {
			return
		}
		alive()
	}
}

// UserStreams is how many user-data streams (listen-key connections and
// WebSocket API subscriptions) are open, for tests and metrics.
func (s *Server) UserStreams() int {
	s.users.mu.Lock()
	defer s.users.mu.Unlock()
	n := 0
	for _, subs := range s.users.subs {
		n += len(subs)
	}
	return n
}

package binance

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

var upgrader = websocket.Upgrader{
	ReadBufferSize:  4096,
	WriteBufferSize: 16384,
	// The listener is loopback (see Listen): any page's origin may read
	// public market data.
	CheckOrigin: func(*http.Request) bool { return true },
}

const (
	writeWait   = 5 * time.Second
	maxRequest  = 64 << 10
	maxParams   = 1024
	pingEvery   = 20 * time.Second
	pongTimeout = time.Minute
)

// conn is one websocket client: a reader goroutine that answers its
// requests and a writer goroutine that drains its bounded queue.
type conn struct {
	ws       *websocket.Conn
	combined bool
	send     chan []byte
	done     chan struct{}
	once     sync.Once
	subs     map[string]struct{} // guarded by Server.mu
}

// enqueue queues frame b without blocking; a full queue closes the
// connection: a client that does not keep up is dropped, never waited for.
func (c *conn) enqueue(b []byte) {
	select {
	case <-c.done:
	case c.send <- b:
	default:
		c.close("send queue full")
	}
}

// close ends the connection without blocking: the close frame and the
// socket's close happen on their own goroutine.
func (c *conn) close(why string) {
	c.once.Do(func() {
		close(c.done)
		go func() {
			_ = c.ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseGoingAway, why), time.Now().Add(100*time.Millisecond))
			_ = c.ws.Close()
		}()
	})
}

// validStream reports whether name is a stream the server offers.
func (s *Server) validStream(name string) bool {
	sym, kind, ok := strings.Cut(name, "@")
	if !ok || sym != strings.ToLower(sym) {
		return false
	}
	if m := s.byName[strings.ToUpper(sym)]; m == nil {
		return false
	}
	switch kind {
	case "depth", "depth@100ms", "depth@1000ms", "bookTicker", "trade", "aggTrade":
		return true
	}
	return false
}

// canon maps an accepted stream name to the one the server publishes.
func canon(name string) string {
	if base, ok := strings.CutSuffix(name, "@depth@1000ms"); ok {
		return base + "@depth"
	}
	return name
}

func (s *Server) wsRaw(w http.ResponseWriter, r *http.Request) {
	var streams []string
	if st := r.PathValue("stream"); st != "" {
		streams = strings.Split(st, "/")
	}
	s.serveWS(w, r, streams, false)
}

func (s *Server) wsCombined(w http.ResponseWriter, r *http.Request) {
	var streams []string
	if st := r.URL.Query().Get("streams"); st != "" {
		streams = strings.Split(st, "/")
	}
	s.serveWS(w, r, streams, true)
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request, streams []string, combined bool) {
	for _, st := range streams {
		if !s.validStream(st) {
			writeErr(w, http.StatusBadRequest, codeIllegalChars, "Invalid stream name: "+st)
			return
		}
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader wrote the HTTP error
	}
	c := &conn{ws: ws, combined: combined, send: make(chan []byte, s.opts.SendQueue),
		done: make(chan struct{}), subs: map[string]struct{}{}}
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		ws.Close()
		return
	}
	s.conns[c] = struct{}{}
	for _, st := range streams {
		s.subscribeLocked(c, canon(st))
	}
	// Added under mu: Serve sets stopping under mu before it waits, so
	// no Add can come after its Wait began.
	s.wg.Add(2)
	s.mu.Unlock()
	go s.writer(c)
	go s.reader(c)
}

func (s *Server) subscribeLocked(c *conn, st string) {
	if s.subs[st] == nil {
		s.subs[st] = map[*conn]struct{}{}
	}
	s.subs[st][c] = struct{}{}
	c.subs[st] = struct{}{}
}

func (s *Server) unsubscribeLocked(c *conn, st string) {
	delete(s.subs[st], c)
	if len(s.subs[st]) == 0 {
		delete(s.subs, st)
	}
	delete(c.subs, st)
}

func (s *Server) writer(c *conn) {
	defer s.wg.Done()
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case <-c.done:
			return
		case b := <-c.send:
			_ = c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				c.close("write failed")
				return
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				c.close("ping failed")
				return
			}
		}
	}
}

// request is a client's live subscription request.
type request struct {
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
	ID     json.RawMessage   `json:"id"`
}

type reply struct {
	Result any             `json:"result"`
	ID     json.RawMessage `json:"id"`
}

type wsErrorBody struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

type errReply struct {
	Error wsErrorBody     `json:"error"`
	ID    json.RawMessage `json:"id,omitempty"`
}

func (s *Server) reader(c *conn) {
	defer s.wg.Done()
	defer func() {
		c.close("connection ended")
		s.mu.Lock()
		for st := range c.subs {
			s.unsubscribeLocked(c, st)
		}
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	c.ws.SetReadLimit(maxRequest)
	_ = c.ws.SetReadDeadline(time.Now().Add(pongTimeout + pingEvery))
	// The default ping handler answers each ping with a pong; a pong (or
	// any frame) from the client proves it alive.
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(pongTimeout + pingEvery))
	})
	for {
		_, msg, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		_ = c.ws.SetReadDeadline(time.Now().Add(pongTimeout + pingEvery))
		out, _ := json.Marshal(s.answer(c, msg))
		c.enqueue(out)
	}
}

// answer handles one request frame and returns its reply.
func (s *Server) answer(c *conn, msg []byte) any {
	var req request
	if err := json.Unmarshal(msg, &req); err != nil {
		return errReply{Error: wsErrorBody{3, "Invalid JSON: " + err.Error()}}
	}
	id := req.ID
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	if len(req.Params) > maxParams {
		return errReply{Error: wsErrorBody{2, "Invalid request: too many parameters"}, ID: id}
	}
	names := make([]string, 0, len(req.Params))
	for _, p := range req.Params {
		var n string
		if json.Unmarshal(p, &n) != nil {
			return errReply{Error: wsErrorBody{1, "Invalid value type: expected a string stream name"}, ID: id}
		}
		names = append(names, n)
	}
	switch req.Method {
	case "SUBSCRIBE", "UNSUBSCRIBE":
		for _, n := range names {
			if !s.validStream(n) {
				return errReply{Error: wsErrorBody{2, "Invalid request: invalid stream name " + n}, ID: id}
			}
		}
		s.mu.Lock()
		for _, n := range names {
			if req.Method == "SUBSCRIBE" {
				s.subscribeLocked(c, canon(n))
			} else {
				s.unsubscribeLocked(c, canon(n))
			}
		}
		s.mu.Unlock()
		return reply{Result: nil, ID: id}
	case "LIST_SUBSCRIPTIONS":
		s.mu.RLock()
		list := make([]string, 0, len(c.subs))
		for st := range c.subs {
			list = append(list, st)
		}
		s.mu.RUnlock()
		slices.Sort(list)
		return reply{Result: list, ID: id}
	}
	return errReply{Error: wsErrorBody{2, "Invalid request: unknown method " + req.Method}, ID: id}
}

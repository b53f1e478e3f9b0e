package binance

import (
	"crypto/rand"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
)

// pathUserDataStream is the legacy listen-key endpoint.
const pathUserDataStream = "/api/v3/userDataStream"

// listenKeyTTL is how long a listen key lives without a keepalive.
const listenKeyTTL = 60 * time.Minute

// userHub routes user-data events to their account's subscribers: WebSocket
// API subscriptions (events wrapped as {"subscriptionId":N,"event":...})
// and legacy listen-key streams (bare events, id -1). Its lock guards the
// map; publishing only queues frames (never blocks).
type userHub struct {
	mu   sync.Mutex
	subs map[string]map[userSub]struct{} // by account id
}

type userSub struct {
	c  *conn
	id int // subscriptionId; -1: a listen-key stream
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

// listenKeys are the legacy listen keys: kept in memory only (a restart
// of the venue forgets them, as a client must expect of any listen key).
type listenKeys struct {
	mu   sync.Mutex
	keys map[string]*listenKey
}

type listenKey struct {
	acct    string
	expires time.Time
}

func newListenKeys() *listenKeys { return &listenKeys{keys: map[string]*listenKey{}} }

// create returns acct's live listen key, or a new one.
func (k *listenKeys) create(acct string, now time.Time) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	for key, lk := range k.keys {
		if lk.acct == acct && now.Before(lk.expires) {
			lk.expires = now.Add(listenKeyTTL)
			return key
		}
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [60]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	k.keys[string(b[:])] = &listenKey{acct: acct, expires: now.Add(listenKeyTTL)}
	return string(b[:])
}

// lookup is the account of a live listen key.
func (k *listenKeys) lookup(key string, now time.Time) (string, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	lk := k.keys[key]
	if lk == nil {
		return "", false
	}
	if !now.Before(lk.expires) {
		delete(k.keys, key)
		return "", false
	}
	return lk.acct, true
}

// keepalive extends acct's key; delete removes it. Both report whether
// the key was acct's and alive.
func (k *listenKeys) keepalive(acct, key string, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	lk := k.keys[key]
	if lk == nil || lk.acct != acct || !now.Before(lk.expires) {
		return false
	}
	lk.expires = now.Add(listenKeyTTL)
	return true
}

func (k *listenKeys) delete(acct, key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	lk := k.keys[key]
	if lk == nil || lk.acct != acct {
		return false
	}
	delete(k.keys, key)
	return true
}

// apiKeyOnly authenticates a USER_STREAM request: the API key alone.
func (s *Server) apiKeyOnly(w http.ResponseWriter, r *http.Request) (string, bool) {
	c, err := s.account(r.Header.Get(api.HeaderAPIKey))
	if err != nil {
		writeAPIError(w, err, 0)
		return "", false
	}
	acct := accountID(c.APIKey)
	sp, lerr, retry := s.limits.spend(acct, clientAddr(r), weightUserStream, 0, time.Now())
	sp.headers(w.Header(), false)
	if lerr != nil {
		writeAPIError(w, lerr, retry)
		return "", false
	}
	return acct, true
}

func errListenKey() *api.Error {
	return api.NewError(api.CodeInvalidListenKey, "This listenKey does not exist.")
}

// listenKeyCreate is POST /api/v3/userDataStream (legacy).
func (s *Server) listenKeyCreate(w http.ResponseWriter, r *http.Request) {
	acct, ok := s.apiKeyOnly(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"listenKey": s.listen.create(acct, time.Now())})
}

func listenKeyParam(r *http.Request) string {
	if k := r.URL.Query().Get("listenKey"); k != "" {
		return k
	}
	_ = r.ParseForm()
	return r.PostForm.Get("listenKey")
}

// listenKeyKeepalive is PUT /api/v3/userDataStream (legacy).
func (s *Server) listenKeyKeepalive(w http.ResponseWriter, r *http.Request) {
	acct, ok := s.apiKeyOnly(w, r)
	if !ok {
		return
	}
	k := listenKeyParam(r)
	if k == "" {
		writeAPIError(w, api.MandatoryParam("listenKey"), 0)
		return
	}
	if !s.listen.keepalive(acct, k, time.Now()) {
		writeAPIError(w, errListenKey(), 0)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// listenKeyDelete is DELETE /api/v3/userDataStream (legacy): the key's
// streams are closed.
func (s *Server) listenKeyDelete(w http.ResponseWriter, r *http.Request) {
	acct, ok := s.apiKeyOnly(w, r)
	if !ok {
		return
	}
	k := listenKeyParam(r)
	if k == "" {
		writeAPIError(w, api.MandatoryParam("listenKey"), 0)
		return
	}
	if !s.listen.delete(acct, k) {
		writeAPIError(w, errListenKey(), 0)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// wsStream serves /ws/<name>: a live listen key's user-data stream, else
// the market-data streams.
func (s *Server) wsStream(w http.ResponseWriter, r *http.Request) {
	acct, ok := s.listen.lookup(r.PathValue("stream"), time.Now())
	if !ok {
		s.wsRaw(w, r)
		return
	}
	c, ok := s.upgradeConn(w, r)
	if !ok {
		return
	}
	s.users.add(acct, userSub{c: c, id: -1})
	go s.drainReader(c)
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

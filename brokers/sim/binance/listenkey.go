package binance

import (
	"crypto/rand"
	"net/http"
	"sync"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
)

// The legacy user-data stream: listen keys (POST, PUT, DELETE
// /api/v3/userDataStream) and their streams at /ws/<listenKey>. Binance
// retired it in 2026 in favour of userDataStream.subscribe.signature on
// the WebSocket API; older clients still use it.

// pathUserDataStream is the legacy listen-key endpoint.
const pathUserDataStream = "/api/v3/userDataStream"

// listenKeyTTL is how long a listen key lives without a keepalive.
const listenKeyTTL = 60 * time.Minute

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
	s.users.closeKey(k)
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
	s.users.add(acct, userSub{c: c, id: -1, key: r.PathValue("stream")})
	go s.drainReader(c)
}

// expire forgets the keys whose time ran out and returns them.
func (k *listenKeys) expire(now time.Time) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for key, lk := range k.keys {
		if !now.Before(lk.expires) {
			delete(k.keys, key)
			out = append(out, key)
		}
	}
	return out
}

// listenKeySweep is how often expired listen keys are looked for.
const listenKeySweep = 10 * time.Second

// runListenKeyExpiry ends the streams of expired listen keys, as Binance
// does: a listenKeyExpired event, then the connection closes. It runs
// until done closes.
func (s *Server) runListenKeyExpiry(done <-chan struct{}) {
	t := time.NewTicker(listenKeySweep)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			for _, key := range s.listen.expire(now) {
				s.users.expireKey(key, now)
			}
		}
	}
}

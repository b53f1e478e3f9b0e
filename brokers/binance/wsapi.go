package binance

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

// wsAPI is one WebSocket API connection (/ws-api/v3): requests are
// written as they come (pipelined, not waited for) and matched to their
// answers by id; user data stream events, which come on the same
// connection once subscribed, go to onEvent.
//
// Each request's callback is called exactly once: by the reader with the
// answer, by the janitor with ErrTimeout, or by close with ErrConnLost.
// Callbacks run on those goroutines and may block only briefly (posting
// to the venue's bounded event queue).
type wsAPI struct {
	v    *Venue
	conn *websocket.Conn

	wmu  sync.Mutex // guards writes to conn (one writer at a time) and wbuf
	wbuf []byte     // the request being written, reused by the next

	mu      sync.Mutex // guards pending, seq and closed; never held while calling back
	pending map[uint64]*wsCall
	seq     uint64
	closed  bool
	done    chan struct{} // closed by close
	err     error         // why it closed, set before done is closed
}

type wsCall struct {
	deadline time.Time
	cb       func(resp *api.WSResponse, err error)
}

func newWSAPI(v *Venue, conn *websocket.Conn) *wsAPI {
	return &wsAPI{v: v, conn: conn, pending: map[uint64]*wsCall{}, done: make(chan struct{})}
}

// request signs (when signed) and writes one request. The callback gets
// the answer or the reason there is none; request itself never fails.
func (w *wsAPI) request(method string, params api.Params, signed bool, cb func(*api.WSResponse, error)) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		cb(nil, ErrConnLost)
		return
	}
	w.seq++
	id := w.seq
	w.pending[id] = &wsCall{deadline: time.Now().Add(w.v.opts.RequestTimeout), cb: cb}
	w.mu.Unlock()
	w.wmu.Lock()
	// WriteMessage copies msg into the connection's frame, so the buffer
	// is free again once it returns.
	w.wbuf = w.v.encodeWS(w.wbuf[:0], id, method, params, signed)
	_ = w.conn.SetWriteDeadline(time.Now().Add(w.v.opts.RequestTimeout))
	err := w.conn.WriteMessage(websocket.TextMessage, w.wbuf)
	w.wmu.Unlock()
	if err != nil {
		w.close(err) // calls cb with ErrConnLost: the frame may have gone out
	}
}

// encodeWS appends the JSON of a WebSocket API request to b. Signed
// requests get apiKey, recvWindow, timestamp and signature (the HMAC of
// api.WSPayload). Every value is a JSON string but timestamp and
// recvWindow, which are numbers. It does not allocate when b has room
// and params has at most maxSortedParams entries: the signature payload
// is built in b's spare capacity and signed by the venue's api.Signer.
func (v *Venue) encodeWS(b []byte, id uint64, method string, params api.Params, signed bool) []byte {
	return v.encodeWSAt(b, id, method, params, signed, v.clock.now())
}

// maxSortedParams is how many parameters (the request's and the four
// signing ones) encodeWSAt sorts without allocating.
const maxSortedParams = 24

// encodeWSAt is encodeWS with the timestamp's time now.
func (v *Venue) encodeWSAt(b []byte, id uint64, method string, params api.Params, signed bool, now time.Time) []byte {
	var sig [2 * sha256.Size]byte
	nsig := 0
	recvWindow, ts := v.opts.RecvWindow.Milliseconds(), now.UnixMilli()
	if signed {
		start := len(b)
		b = appendWSPayload(b, params, v.opts.Credentials.APIKey, recvWindow, ts)
		end := len(b)
		b = v.signer.AppendSignature(b, b[start:end])
		nsig = copy(sig[:], b[end:])
		b = b[:start]
	}
	b = append(b, `{"id":"`...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, `","method":`...)
	b = appendQuoted(b, method)
	if len(params) > 0 || signed {
		b = append(b, `,"params":{`...)
		for i, kv := range params {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, kv.Key)
			b = append(b, ':')
			if kv.Key == api.ParamTimestamp || kv.Key == api.ParamRecvWindow {
				b = append(b, kv.Value...)
			} else {
				b = appendJSONString(b, kv.Value)
			}
		}
		if signed {
			if len(params) > 0 {
				b = append(b, ',')
			}
			b = append(b, `"`+api.ParamAPIKey+`":`...)
			b = appendJSONString(b, v.opts.Credentials.APIKey)
			b = append(b, `,"`+api.ParamRecvWindow+`":`...)
			b = strconv.AppendInt(b, recvWindow, 10)
			b = append(b, `,"`+api.ParamTimestamp+`":`...)
			b = strconv.AppendInt(b, ts, 10)
			b = append(b, `,"`+api.ParamSignature+`":"`...)
			b = append(b, sig[:nsig]...)
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendWSPayload appends api.WSPayload of params with apiKey,
// recvWindow and timestamp added: every parameter but signature, sorted
// by name (stably: a repeated key is signed each time, in list order), as
// k=v joined by '&'.
func appendWSPayload(b []byte, params api.Params, apiKey string, recvWindow, ts int64) []byte {
	n := len(params) + 3
	var keyArr [maxSortedParams]string
	var idxArr [maxSortedParams]int
	keys, idx := keyArr[:0], idxArr[:0]
	if n > maxSortedParams {
		keys, idx = make([]string, 0, n), make([]int, 0, n)
	}
	for _, kv := range params {
		keys = append(keys, kv.Key)
	}
	keys = append(keys, api.ParamAPIKey, api.ParamRecvWindow, api.ParamTimestamp)
	for i, k := range keys {
		if k == api.ParamSignature {
			continue
		}
		// Insertion sort: stable, and a dozen parameters need no more.
		j := len(idx)
		idx = append(idx, i)
		for ; j > 0 && keyLess(k, keys[idx[j-1]]); j-- {
			idx[j] = idx[j-1]
		}
		idx[j] = i
	}
	for k, i := range idx {
		if k > 0 {
			b = append(b, '&')
		}
		b = append(b, keys[i]...)
		b = append(b, '=')
		switch i - len(params) {
		case 0:
			b = append(b, apiKey...)
		case 1:
			b = strconv.AppendInt(b, recvWindow, 10)
		case 2:
			b = strconv.AppendInt(b, ts, 10)
		default:
			b = append(b, params[i].Value...)
		}
	}
	return b
}

// keyLess is a < b, deciding on the first byte when it differs, as it
// does for most parameter names.
func keyLess(a, b string) bool {
	if len(a) > 0 && len(b) > 0 && a[0] != b[0] {
		return a[0] < b[0]
	}
	return a < b
}

// appendQuoted is strconv.AppendQuote(b, s), copying s as it is when it
// is printable ASCII without a quote or a backslash.
func appendQuoted(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return strconv.AppendQuote(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONString appends s as a JSON string. Parameter values are
// ASCII in practice; anything else is escaped by encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// read reads the connection until it fails: answers go to their
// callbacks, events to onEvent. It closes the connection on the way out.
func (w *wsAPI) read(onEvent func(msg []byte, received int64)) {
	readTimeout := w.v.readTimeout()
	_ = w.conn.SetReadDeadline(time.Now().Add(readTimeout))
	w.conn.SetPingHandler(func(data string) error {
		_ = w.conn.SetReadDeadline(time.Now().Add(readTimeout))
		w.wmu.Lock()
		defer w.wmu.Unlock()
		return w.conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	for {
		_, msg, err := w.conn.ReadMessage()
		if err != nil {
			w.close(err)
			return
		}
		received := domain.Mono()
		_ = w.conn.SetReadDeadline(time.Now().Add(readTimeout))
		if !bytes.HasPrefix(bytes.TrimLeft(msg, " \t\r\n"), []byte(`{"id"`)) && bytes.Contains(msg, []byte(`"event"`)) {
			onEvent(msg, received)
			continue
		}
		var resp api.WSResponse
		if err := json.Unmarshal(msg, &resp); err != nil {
			w.v.log.Debug("binance: a WebSocket API frame that is not an answer", "err", err)
			continue
		}
		w.v.rates.noteWS(&resp, time.Now())
		if e := resp.Err(); e != nil {
			w.v.noteError(e)
		}
		idText := string(bytes.Trim(resp.ID, `"`))
		id, err := strconv.ParseUint(idText, 10, 64)
		if err != nil {
			continue
		}
		w.mu.Lock()
		c := w.pending[id]
		delete(w.pending, id)
		w.mu.Unlock()
		if c != nil {
			c.cb(&resp, nil)
		}
	}
}

// janitor fails the requests unanswered past their deadline, until the
// connection closes.
func (w *wsAPI) janitor() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-w.done:
			return
		case now := <-t.C:
			var late []*wsCall
			w.mu.Lock()
			for id, c := range w.pending {
				if now.After(c.deadline) {
					late = append(late, c)
					delete(w.pending, id)
				}
			}
			w.mu.Unlock()
			for _, c := range late {
				c.cb(nil, ErrTimeout)
			}
		}
	}
}

// close closes the connection once and fails every pending request with
// ErrConnLost.
func (w *wsAPI) close(why error) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	w.err = why
	pend := w.pending
	w.pending = nil
	w.mu.Unlock()
	close(w.done)
	w.wmu.Lock()
	_ = w.conn.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(100*time.Millisecond))
	w.wmu.Unlock()
	_ = w.conn.Close()
	for _, c := range pend {
		c.cb(nil, ErrConnLost)
	}
}

// alive reports whether the connection still takes requests.
func (w *wsAPI) alive() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.closed
}

// call is request made synchronous, for the session's own requests
// (subscribe): it waits for the answer, the connection's end or done.
func (w *wsAPI) call(done <-chan struct{}, method string, params api.Params, signed bool) (*api.WSResponse, error) {
	type res struct {
		r   *api.WSResponse
		err error
	}
	ch := make(chan res, 1)
	w.request(method, params, signed, func(r *api.WSResponse, err error) { ch <- res{r, err} })
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, r.err
		}
		return r.r, r.r.Err()
	case <-done:
		return nil, ErrConnLost
	}
}

package replay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/desk-trading/desk/feeds/binance"
)

const (
	serverWriteWait = 10 * time.Second // per websocket frame: a client that stops reading fails the replay
	shutdownWait    = 5 * time.Second  // for the HTTP requests still running at close
)

// endOfReplay is sent after the recorded frames: a valid frame of a kind
// the handler ignores (a subscription reply). It is the completion barrier:
// the client's Run goroutine handles frames one at a time, so once its
// Stats.Frames counts this one, every recorded frame has been handled in
// full, its resync (and the snapshot request that follows) included. It is
// not a recorded frame and is not reported (Run subtracts it).
var endOfReplay = []byte(`{"result":null,"id":0}`)

// server serves a recording on loopback: its frames on one websocket
// connection (GET /stream) and its snapshots over REST (GET /api/v3/depth),
// each symbol's in recorded order, one per request, then HTTP 503.
type server struct {
	frames [][]byte
	addr   string
	ln     net.Listener
	http   *http.Server
	served chan struct{} // closed when Serve has returned

	mu     sync.Mutex
	snaps  map[string][][]byte // per symbol, the bodies not yet served
	parked map[string]bool     // symbols answered 503: they got every recorded snapshot
	ws     map[*websocket.Conn]bool
	closed bool
	wsWG   sync.WaitGroup

	closeOnce sync.Once
	closeErr  error

	conns       atomic.Int64 // websocket connections accepted
	written     atomic.Int64 // frames written, endOfReplay included
	bodies      atomic.Int64 // snapshot bodies served
	unavailable atomic.Int64 // snapshot requests answered 503
}

// serverStats are the server's counts.
type serverStats struct {
	Conns       int64 // websocket connections; more than one is a reconnect
	Written     int64 // frames written on the first connection, endOfReplay included
	Bodies      int64 // snapshot bodies served
	Unavailable int64 // snapshot requests answered 503 (no recorded snapshot left)
	Parked      int   // symbols answered 503 at least once
}

// startServer listens on 127.0.0.1 (an ephemeral port) and serves frames
// and snaps until close.
func startServer(frames []binance.RecordedFrame, snaps []binance.RecordedSnapshot) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("replay server: %w", err)
	}
	s := &server{
		addr:   ln.Addr().String(),
		ln:     ln,
		served: make(chan struct{}),
		snaps:  map[string][][]byte{},
		parked: map[string]bool{},
		ws:     map[*websocket.Conn]bool{},
	}
	for _, f := range frames {
		s.frames = append(s.frames, f.Data)
	}
	for _, sn := range snaps {
		s.snaps[sn.Symbol] = append(s.snaps[sn.Symbol], sn.Body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stream", s.stream)
	mux.HandleFunc("GET /api/v3/depth", s.depth)
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.served)
		_ = s.http.Serve(ln) // ErrServerClosed after close
	}()
	return s, nil
}

func (s *server) stats() serverStats {
	s.mu.Lock()
	parked := len(s.parked)
	s.mu.Unlock()
	return serverStats{Conns: s.conns.Load(), Written: s.written.Load(), Bodies: s.bodies.Load(),
		Unavailable: s.unavailable.Load(), Parked: parked}
}

var upgrader = websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 64 << 10}

// stream upgrades the first connection and writes every recorded frame in
// order, then endOfReplay, as fast as the client reads; then it reads (the
// client sends nothing but pongs and its close) until the connection ends.
// Later connections (a reconnect, which a clean replay never has) get no
// frames: the recording has been served.
func (s *server) stream(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		conn.Close()
		return
	}
	s.ws[conn] = true
	s.wsWG.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.ws, conn)
		s.mu.Unlock()
		conn.Close()
		s.wsWG.Done()
	}()
	if s.conns.Add(1) == 1 {
		for _, f := range append(s.frames[:len(s.frames):len(s.frames)], endOfReplay) {
			if conn.SetWriteDeadline(time.Now().Add(serverWriteWait)) != nil || conn.WriteMessage(websocket.TextMessage, f) != nil {
				return
			}
			s.written.Add(1)
		}
	}
	for {
		if _, _, err := conn.NextReader(); err != nil {
			return
		}
	}
}

// binanceError is the venue's error body.
type binanceError struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

// depth answers GET /api/v3/depth?symbol=S with S's next recorded
// snapshot, or 503 when none is left (the client retries with its
// backoff; the symbol stays unsynced).
func (s *server) depth(w http.ResponseWriter, r *http.Request) {
	sym := r.URL.Query().Get("symbol")
	if sym == "" {
		writeError(w, http.StatusBadRequest, binanceError{Code: -1102, Msg: "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."})
		return
	}
	s.mu.Lock()
	var body []byte
	if q := s.snaps[sym]; len(q) > 0 {
		body, s.snaps[sym] = q[0], q[1:]
	} else {
		s.parked[sym] = true
	}
	s.mu.Unlock()
	if body == nil {
		s.unavailable.Add(1)
		writeError(w, http.StatusServiceUnavailable, binanceError{Code: -1003, Msg: "desk replay: no recorded snapshot left for " + sym})
		return
	}
	s.bodies.Add(1)
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, status int, e binanceError) {
	b, _ := json.Marshal(e)
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// close stops the server and waits for its goroutines: the listener and
// the REST requests (Shutdown, bounded) and the websocket connections
// (closed here, as Shutdown leaves hijacked connections alone). Later
// calls return the first one's error.
func (s *server) close() error {
	s.closeOnce.Do(func() { s.closeErr = s.shutdown() })
	return s.closeErr
}

func (s *server) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
	defer cancel()
	err := s.http.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.http.Close()
	}
	s.mu.Lock()
	s.closed = true
	for c := range s.ws {
		c.Close()
	}
	s.mu.Unlock()
	s.wsWG.Wait()
	<-s.served
	return err
}

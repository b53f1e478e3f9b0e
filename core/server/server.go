package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/desk-trading/desk/core/protocol"
)

// Backend is what the server needs from the engine. A Backend that is also
// an OrderStreamer serves the orders stream (orders.subscribe).
type Backend interface {
	// Status returns the latest published snapshot, or nil before the
	// first. It must be cheap and must not block (an atomic load, or one
	// rendering per snapshot): the server calls it on every push tick of
	// every subscribed client. The server never mutates the returned
	// Status, and compares pointers to decide whether it changed, so a new
	// snapshot must be a new pointer.
	Status() *protocol.Status
	// Do runs one command (any cmd but status and subscribe, which the
	// server answers itself) for peer and returns its result, which is
	// marshalled to JSON as the response's Result (nil means none). A cmd
	// it does not know returns a *protocol.Error with CodeUnknownCmd; the
	// server keeps no list of commands. A refused command returns a
	// *protocol.Error (found with errors.As), sent to the client as is. ctx
	// bounds the wait for the engine: Do must return soon after ctx is done,
	// since the server's Run waits for running commands before it returns.
	Do(ctx context.Context, peer Peer, cmd string, args json.RawMessage) (any, error)
	// Query reports whether cmd only reads published state (orders,
	// limits, audit). Queries run in a bounded pool shared by all clients
	// (Options.QueryWorkers), so a flood of large replies never takes more
	// of the machine than that; every other command runs at once.
	Query(cmd string) bool
}

// Options configure a Server.
type Options struct {
	// Path is the unix socket to listen on. Required. Its directory is
	// created with mode 0700 when missing.
	Path string
	// Backend runs the commands. Required.
	Backend Backend
	// StatusInterval is the least time between two Status pushes to one
	// subscribed client. Zero means 100ms, at most ten a second.
	StatusInterval time.Duration
	// CommandTimeout bounds how long a command may wait for the engine
	// before the client gets a timeout error. Zero means 5s.
	CommandTimeout time.Duration
	// WriteTimeout bounds the write of one frame to a client; a client that
	// does not take a frame in time is disconnected. Zero means 5s.
	WriteTimeout time.Duration
	// Logger receives connection and error logs. Nil discards them.
	Logger *slog.Logger
	// Version is the daemon's build, sent in Hello as "desk VERSION". Empty
	// sends "desk".
	Version string
	// RequestRate and RequestBurst are each client's fair share: a token
	// bucket of RequestBurst requests refilled at RequestRate a second. A
	// client past it is slowed (its next request is read only when a token
	// is there), so one client's flood delays that client alone. Zero
	// means 200 a second and a burst of 100: far above what a TUI or a
	// script needs.
	RequestRate  float64
	RequestBurst int
	// ReplyRate is each client's share of query reply bytes a second, with
	// a burst of twice that: a client that took more waits before its next
	// query reply, so that no client, however fast it asks, makes the
	// daemon render and send more than this for it. Zero means 4 MiB a
	// second: about 10,000 orders a second, and a whole blotter of 20,000
	// at once.
	ReplyRate int
	// QueryRate is the query reply bytes a second of all clients together,
	// spent inside the query pool, so that however many clients ask, the
	// daemon never renders more than this. Zero means 16 MiB a second,
	// which this daemon's engine does not feel on two cores.
	QueryRate int
	// MaxClients is how many clients may be connected at once; one more
	// is refused (HTTP 503 before the upgrade). Zero means 64. Read-only
	// clients (screens on a wall) may take all but ControlReserve of them,
	// so that however many screens attach, an operator can still connect
	// to halt or kill.
	MaxClients int
	// ControlReserve is how many of MaxClients only read-write clients
	// may take. Zero means an eighth of MaxClients, at least one.
	ControlReserve int
	// QueryWorkers is how many queries (Backend.Query) run at once across
	// all clients. Zero means half the CPUs, at least one: the engine and
	// the venues keep the rest.
	QueryWorkers int
}

// Server is the daemon side of the control socket. Create it with New and
// start it with Run; its methods are safe for concurrent use.
type Server struct {
	opts  Options
	log   *slog.Logger
	uid   uint32 // the only uid allowed to connect; a field so tests may change it
	user  string // login name of uid
	hello protocol.Hello

	ready   chan struct{}
	started atomic.Bool
	cmdCtx  context.Context   // Run's ctx: done when the server shuts down
	ln      *net.UnixListener // bound by Listen; served by Run

	// frame caches the encoded push of the latest Status, shared by every
	// subscribed client, and encoding is held while a writer encodes it;
	// result caches the Status as a response's Result.
	frame    atomic.Pointer[statusFrame]
	result   atomic.Pointer[statusResult]
	encoding sync.Mutex

	// queries holds a token per running query; see Options.QueryWorkers.
	// queryBytes is the budget of their reply bytes, in KiB
	// (Options.QueryRate).
	queries    chan struct{}
	queryBytes *rate.Limiter

	// pulls shares the orders stream's pulls among connections.
	pulls pullCache

	mu      sync.Mutex // guards conns, closing and recent
	conns   map[*conn]struct{}
	closing bool
	// recent are the last alertHistory alerts, oldest first: a client
	// that subscribes gets them first, so an alert raised before it
	// connected (an unclean start, a journal down) is not lost on it.
	recent []protocol.Alert
	wg     sync.WaitGroup // connections and running commands
}

// New returns a Server for opts. It fails with ErrInvalidOptions when Path or
// Backend is missing. It does not touch the file system; Run does.
func New(opts Options) (*Server, error) {
	if opts.Path == "" {
		return nil, fmt.Errorf("%w: Path is empty", ErrInvalidOptions)
	}
	if opts.Backend == nil {
		return nil, fmt.Errorf("%w: Backend is nil", ErrInvalidOptions)
	}
	if opts.StatusInterval <= 0 {
		opts.StatusInterval = 100 * time.Millisecond
	}
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = 5 * time.Second
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 5 * time.Second
	}
	if opts.RequestRate <= 0 {
		opts.RequestRate = 200
	}
	if opts.RequestBurst <= 0 {
		opts.RequestBurst = 100
	}
	if opts.ReplyRate <= 0 {
		opts.ReplyRate = 4 << 20
	}
	if opts.MaxClients <= 0 {
		opts.MaxClients = 64
	}
	if opts.ControlReserve <= 0 {
		opts.ControlReserve = max(opts.MaxClients/8, 1)
	}
	opts.ControlReserve = min(opts.ControlReserve, opts.MaxClients)
	if opts.QueryRate <= 0 {
		opts.QueryRate = 16 << 20
	}
	if opts.QueryWorkers <= 0 {
		opts.QueryWorkers = max(1, runtime.GOMAXPROCS(0)/2)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	daemon := "desk"
	if opts.Version != "" {
		daemon += " " + opts.Version
	}
	uid := uint32(os.Getuid())
	return &Server{
		opts:       opts,
		log:        log.With("socket", opts.Path),
		uid:        uid,
		user:       lookupUser(uid),
		hello:      protocol.Hello{Version: protocol.Version, Daemon: daemon, PID: os.Getpid()},
		ready:      make(chan struct{}),
		conns:      make(map[*conn]struct{}),
		queries:    make(chan struct{}, opts.QueryWorkers),
		queryBytes: rate.NewLimiter(rate.Limit(opts.QueryRate>>10), max(1, opts.QueryRate>>10)),
	}, nil
}

// Ready returns a channel closed once Run listens on the socket. It is never
// closed when Run fails before that.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Listen binds the socket without serving it yet, so a daemon can learn
// that its socket is unusable before it starts trading. Run calls it when
// it has not been called; calling it again does nothing. It fails with
// ErrInsecureDir, ErrInUse or ErrNotSocket.
func (s *Server) Listen() error {
	if s.ln != nil {
		return nil
	}
	ln, err := listen(s.opts.Path, s.uid)
	if err != nil {
		return err
	}
	s.ln = ln
	return nil
}

// Run listens on the socket (see Listen) and serves clients until ctx is done. Then it
// closes every connection (telling clients the daemon is shutting down),
// waits for their goroutines and running commands, removes the socket and
// returns nil. It fails at once with ErrInsecureDir, ErrInUse or ErrNotSocket
// when the socket cannot be set up safely, and with ErrStarted when called
// twice.
func (s *Server) Run(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return ErrStarted
	}
	if err := s.Listen(); err != nil {
		return err
	}
	ln := s.ln
	s.cmdCtx = ctx
	hs := &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ConnContext:       connContext,
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	pl := &peerListener{UnixListener: ln, uid: s.uid, name: s.user, log: s.log}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(pl) }()
	s.log.Info("listening", "uid", s.uid)
	close(s.ready)

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	hs.Close() // closes the listener, which removes the socket file
	if serveErr == nil {
		<-served
	}
	ln.Close() // in case Serve returned before it owned the listener
	s.shutdown()
	s.wg.Wait()
	s.log.Info("stopped")
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", s.opts.Path, serveErr)
	}
	return nil
}

// alertHistory is how many recent alerts a new subscriber is sent.
const alertHistory = 64

// Alert sends a to every subscribed client at once, and keeps it among the
// recent alerts that a client subscribing later gets first. It never
// blocks: each client has a bounded alert queue that drops its oldest alert
// when full; the client is told how many it missed.
func (s *Server) Alert(a protocol.Alert) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.recent) == alertHistory {
		s.recent = append(s.recent[:0], s.recent[1:]...)
	}
	s.recent = append(s.recent, a)
	for c := range s.conns {
		c.pushAlert(a)
	}
}

// subscribeAlerts marks c subscribed and returns the recent alerts, under
// the lock Alert holds: every alert is either in the copy or pushed to c
// afterwards, never both, never neither.
func (s *Server) subscribeAlerts(c *conn) []protocol.Alert {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.subscribed.Store(true)
	return slices.Clone(s.recent)
}

// register adds c to the live connections; it fails once shutdown began.
func (s *Server) register(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// numConns returns how many clients are connected.
// Clients returns the number of clients connected now. Safe for
// concurrent use.
func (s *Server) Clients() int { return s.numConns() }

func (s *Server) numConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// admit says why a new client, read-only or not, cannot connect now; ""
// when it can.
func (s *Server) admit(readOnly bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) >= s.opts.MaxClients {
		return fmt.Sprintf("too many clients (%d)", s.opts.MaxClients)
	}
	if !readOnly {
		return ""
	}
	ro := 0
	for c := range s.conns {
		if c.readOnly {
			ro++
		}
	}
	if limit := s.opts.MaxClients - s.opts.ControlReserve; ro >= limit {
		return fmt.Sprintf("too many read-only clients (%d): the last %d of %d are kept for read-write clients", limit, s.opts.ControlReserve, s.opts.MaxClients)
	}
	return ""
}

// shutdown closes every connection, each with a close frame saying why, in
// parallel so that a stuck client delays it by one control-frame deadline at
// most.
func (s *Server) shutdown() {
	s.mu.Lock()
	s.closing = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() { c.closeWith(websocket.CloseGoingAway, "daemon shutting down") })
	}
	wg.Wait()
}

// serveHTTP upgrades a request to a websocket and serves it until it ends.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	peer, ok := peerFrom(r.Context())
	if !ok {
		http.Error(w, "no peer credentials", http.StatusForbidden)
		return
	}
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	readOnly, err := readOnlyParam(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if why := s.admit(readOnly); why != "" {
		s.log.Warn("client refused", "peer", peer.String(), "read_only", readOnly, "why", why)
		http.Error(w, why, http.StatusServiceUnavailable)
		return
	}
	up := websocket.Upgrader{
		HandshakeTimeout: 5 * time.Second,
		// Browsers send an Origin; desk's clients do not. Refusing any
		// Origin keeps a web page from reaching the socket through a
		// forwarder.
		CheckOrigin: func(r *http.Request) bool { return r.Header.Get("Origin") == "" },
	}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		s.log.Debug("websocket upgrade failed", "peer", peer.String(), "err", err)
		return // Upgrade answered the client
	}
	c := newConn(s, ws, peer, readOnly)
	if !s.register(c) {
		ws.Close()
		return
	}
	defer s.unregister(c)
	c.serve()
}

// statusFrame is a Status push encoded once for all clients. Each writer
// writes data as is (a server's frames are neither masked nor
// compressed), so a push costs a connection one write and no copy.
type statusFrame struct {
	st   *protocol.Status
	data []byte
}

// statusResult is a Status encoded once as a response's Result.
type statusResult struct {
	st   *protocol.Status
	data json.RawMessage
}

// statusJSON returns st encoded for a status response, at most once per
// snapshot: a flood of status requests costs one encoding per snapshot.
func (s *Server) statusJSON(st *protocol.Status) (json.RawMessage, error) {
	if r := s.result.Load(); r != nil && r.st == st {
		return r.data, nil
	}
	data, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encode status: %w", err)
	}
	s.result.Store(&statusResult{st: st, data: data})
	return data, nil
}

// statusMessage returns the push frame for st, encoding it once per
// snapshot: the writers of every subscribed client ask at the same tick,
// and the ones that come while it is encoded wait for that encoding
// rather than each doing it again (a 500-strategy status is half a
// megabyte of JSON).
func (s *Server) statusMessage(st *protocol.Status) ([]byte, error) {
	if f := s.frame.Load(); f != nil && f.st == st {
		return f.data, nil
	}
	s.encoding.Lock()
	defer s.encoding.Unlock()
	if f := s.frame.Load(); f != nil && f.st == st {
		return f.data, nil // encoded while this writer waited
	}
	data, err := json.Marshal(protocol.Envelope{V: protocol.Version, Type: protocol.TypeStatus, Status: st})
	if err != nil {
		return nil, fmt.Errorf("encode status: %w", err)
	}
	s.frame.Store(&statusFrame{st: st, data: data})
	return data, nil
}

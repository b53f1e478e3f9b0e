package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/gorilla/websocket"
)

const waitFor = 5 * time.Second // bound on every wait in these tests

// fakeBackend answers halt and resume by the node name in the args:
// "refuse" is refused, "boom" fails, "block" waits for release, "wait-ctx"
// waits for its ctx; any other node is acknowledged.
type fakeBackend struct {
	status   atomic.Pointer[protocol.Status]
	churn    atomic.Bool   // Status returns a new snapshot on every call
	queries  atomic.Bool   // orders is a Query, run in the shared pool
	entered  chan string   // a "block" command started
	release  chan struct{} // lets "block" commands return
	finished chan string   // a "block" command returned
}

func newFakeBackend() *fakeBackend {
	b := &fakeBackend{
		entered:  make(chan string, 16),
		release:  make(chan struct{}),
		finished: make(chan string, 16),
	}
	b.status.Store(&protocol.Status{Time: "t0", Firm: protocol.Firm{State: "active"}})
	return b
}

func (b *fakeBackend) Status() *protocol.Status {
	st := b.status.Load()
	if b.churn.Load() {
		cp := *st
		return &cp
	}
	return st
}

func (b *fakeBackend) Query(cmd string) bool { return b.queries.Load() && cmd == protocol.CmdOrders }

func (b *fakeBackend) Do(ctx context.Context, peer Peer, cmd string, args json.RawMessage) (any, error) {
	switch cmd {
	case protocol.CmdOrders, protocol.CmdHalt, protocol.CmdResume:
	default:
		return nil, &protocol.Error{Code: protocol.CodeUnknownCmd, Message: fmt.Sprintf("unknown command %q", cmd)}
	}
	var a protocol.NodeArgs
	if err := json.Unmarshal(args, &a); err != nil {
		return nil, &protocol.Error{Code: protocol.CodeBadRequest, Message: err.Error()}
	}
	switch a.Node {
	case "refuse":
		return nil, &protocol.Error{Code: protocol.CodeRefused, Message: "firm is halted"}
	case "boom":
		return nil, errors.New("boom")
	case "wait-ctx":
		<-ctx.Done()
		return nil, ctx.Err()
	case "block":
		b.entered <- cmd
		defer func() { b.finished <- cmd }()
		select {
		case <-b.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	case "who":
		return protocol.Ack{Node: peer.String(), State: strconv.Itoa(int(peer.PID))}, nil
	}
	state := "active"
	if cmd == protocol.CmdHalt {
		state = "halted"
	}
	return protocol.Ack{Node: a.Node, State: state}, nil
}

// testOptions returns Options with a fresh socket path. Logs go to stderr
// when DESK_LOG=debug and are discarded otherwise.
func testOptions(t testing.TB, b Backend) Options {
	t.Helper()
	return Options{Path: filepath.Join(desktest.ShortTempDir(t), "run", "desk.sock"), Backend: b, Version: "test", Logger: testLogger()}
}

func testLogger() *slog.Logger {
	if os.Getenv("DESK_LOG") != "debug" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// start runs a Server for opts until the test ends and returns it once it
// listens. stop stops it early and returns Run's error.
func start(t testing.TB, opts Options) (s *Server, stop func() error) {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	var runErr error
	stopped := false
	stop = func() error {
		t.Helper()
		cancel()
		if stopped {
			return runErr
		}
		select {
		case runErr = <-ran:
			stopped = true
			return runErr
		case <-time.After(waitFor):
			t.Fatal("Run did not return after cancel")
			return nil
		}
	}
	t.Cleanup(func() { stop() })
	select {
	case <-s.Ready():
	case err := <-ran:
		stopped, runErr = true, err
		t.Fatalf("Run: %v", err)
	case <-time.After(waitFor):
		t.Fatal("server not ready")
	}
	return s, stop
}

func dialWS(path string) (*websocket.Conn, error) {
	d := websocket.Dialer{
		NetDialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var nd net.Dialer
			return nd.DialContext(ctx, "unix", path)
		},
		HandshakeTimeout: waitFor,
	}
	ws, _, err := d.Dial("ws://desk/", nil)
	return ws, err
}

// dial connects a raw websocket client and reads its Hello.
func dial(t *testing.T, path string) (*websocket.Conn, protocol.Hello) {
	t.Helper()
	ws, err := dialWS(path)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { ws.Close() })
	env := read(t, ws)
	if env.Type != protocol.TypeHello || env.Hello == nil {
		t.Fatalf("first message = %+v, want hello", env)
	}
	return ws, *env.Hello
}

func read(t *testing.T, ws *websocket.Conn) protocol.Envelope {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(waitFor))
	var env protocol.Envelope
	if err := ws.ReadJSON(&env); err != nil {
		t.Fatalf("read: %v", err)
	}
	return env
}

func sendRaw(t *testing.T, ws *websocket.Conn, typ int, data string) {
	t.Helper()
	ws.SetWriteDeadline(time.Now().Add(waitFor))
	if err := ws.WriteMessage(typ, []byte(data)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func request(t *testing.T, ws *websocket.Conn, id uint64, cmd string, args any) {
	t.Helper()
	env := protocol.Envelope{V: protocol.Version, Type: protocol.TypeRequest, ID: id, Cmd: cmd}
	if args != nil {
		data, err := json.Marshal(args)
		if err != nil {
			t.Fatal(err)
		}
		env.Args = data
	}
	data, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	sendRaw(t, ws, websocket.TextMessage, string(data))
}

// response reads until the response to id, skipping pushes.
func response(t *testing.T, ws *websocket.Conn, id uint64) protocol.Envelope {
	t.Helper()
	for {
		env := read(t, ws)
		if env.Type == protocol.TypeResponse && env.ID == id {
			return env
		}
		if env.Type == protocol.TypeResponse {
			t.Fatalf("response to %d while waiting for %d: %+v", env.ID, id, env)
		}
	}
}

func call(t *testing.T, ws *websocket.Conn, id uint64, cmd string, args any) protocol.Envelope {
	t.Helper()
	request(t, ws, id, cmd, args)
	return response(t, ws, id)
}

func wantError(t *testing.T, env protocol.Envelope, code string) {
	t.Helper()
	if env.Error == nil || env.Error.Code != code {
		t.Fatalf("response %+v error = %+v, want code %q", env, env.Error, code)
	}
	if env.Error.Message == "" {
		t.Fatalf("error %q has no message", code)
	}
}

func TestHelloAndStatus(t *testing.T) {
	b := newFakeBackend()
	s, _ := start(t, testOptions(t, b))
	ws, hello := dial(t, s.opts.Path)
	if hello.Version != protocol.Version || hello.Daemon != "desk test" || hello.PID != os.Getpid() {
		t.Errorf("hello = %+v", hello)
	}
	if want := "uid " + strconv.Itoa(os.Getuid()); !strings.HasPrefix(hello.User, want) {
		t.Errorf("hello.User = %q, want prefix %q", hello.User, want)
	}
	env := call(t, ws, 1, protocol.CmdStatus, nil)
	var st protocol.Status
	if env.Error != nil || json.Unmarshal(env.Result, &st) != nil {
		t.Fatalf("status response = %+v", env)
	}
	if st.Time != "t0" || st.Firm.State != "active" {
		t.Errorf("status = %+v", st)
	}
	env = call(t, ws, 2, protocol.CmdHalt, protocol.NodeArgs{Node: "who"})
	var ack protocol.Ack
	if env.Error != nil || json.Unmarshal(env.Result, &ack) != nil {
		t.Fatalf("halt response = %+v", env)
	}
	if ack.Node != hello.User || ack.State != strconv.Itoa(os.Getpid()) {
		t.Errorf("backend saw peer %q pid %s, want %q pid %d", ack.Node, ack.State, hello.User, os.Getpid())
	}
}

func TestSubscribePushesAtMostEveryInterval(t *testing.T) {
	b := newFakeBackend()
	b.churn.Store(true) // every tick finds a new snapshot
	opts := testOptions(t, b)
	s, _ := start(t, opts)
	ws, _ := dial(t, s.opts.Path)

	begin := time.Now() // before the server's ticker starts
	request(t, ws, 1, protocol.CmdSubscribe, nil)
	if env := read(t, ws); env.Type != protocol.TypeResponse || env.ID != 1 || env.Error != nil {
		t.Fatalf("subscribe response = %+v", env)
	}
	if env := read(t, ws); env.Type != protocol.TypeStatus || env.Status == nil || env.Status.Time != "t0" {
		t.Fatalf("first push = %+v, want the status at once", env)
	}
	const pushes = 5
	for range pushes {
		if env := read(t, ws); env.Type != protocol.TypeStatus {
			t.Fatalf("push = %+v, want status", env)
		}
	}
	// Pushes may come later than the interval, never earlier; allow one for
	// a tick that fell due while a write was in progress.
	if most := int(time.Since(begin)/(100*time.Millisecond)) + 1; pushes > most {
		t.Errorf("%d pushes in %v: more than one per 100ms", pushes, time.Since(begin))
	}
}

func TestSubscribePushesOnlyChanges(t *testing.T) {
	b := newFakeBackend()
	opts := testOptions(t, b)
	opts.StatusInterval = 5 * time.Millisecond
	s, _ := start(t, opts)
	ws, _ := dial(t, s.opts.Path)
	call(t, ws, 1, protocol.CmdSubscribe, nil)
	if env := read(t, ws); env.Status == nil || env.Status.Time != "t0" {
		t.Fatalf("first push = %+v", env)
	}
	b.status.Store(&protocol.Status{Time: "t1"})
	// Reaching t1 takes at least one tick; an unchanged t0 must not repeat.
	for {
		env := read(t, ws)
		if env.Status == nil {
			t.Fatalf("push = %+v, want status", env)
		}
		if env.Status.Time == "t1" {
			break
		}
		t.Fatalf("status %q pushed again though unchanged", env.Status.Time)
	}
}

func TestAlertsGoToSubscribersOnly(t *testing.T) {
	b := newFakeBackend()
	s, _ := start(t, testOptions(t, b))
	sub, _ := dial(t, s.opts.Path)
	plain, _ := dial(t, s.opts.Path)
	call(t, sub, 1, protocol.CmdSubscribe, nil)
	read(t, sub) // the first status
	s.Alert(protocol.Alert{Severity: "critical", Node: "firm", Message: "loss breaker tripped"})
	env := read(t, sub)
	if env.Type != protocol.TypeAlert || env.Alert == nil || env.Alert.Message != "loss breaker tripped" {
		t.Fatalf("push = %+v, want the alert", env)
	}
	request(t, plain, 1, protocol.CmdStatus, nil)
	if env := read(t, plain); env.Type != protocol.TypeResponse {
		t.Fatalf("unsubscribed client got %+v", env)
	}
}

func TestBadRequestKeepsConnection(t *testing.T) {
	s, _ := start(t, testOptions(t, newFakeBackend()))
	ws, _ := dial(t, s.opts.Path)
	tests := []struct {
		name   string
		typ    int
		frame  string
		id     uint64
		code   string
		inText string
	}{
		{"garbage", websocket.TextMessage, "not json", 0, protocol.CodeBadRequest, "invalid JSON"},
		{"binary", websocket.BinaryMessage, `{"v":1}`, 0, protocol.CodeBadRequest, "text frame"},
		{"wrong field type", websocket.TextMessage, `{"v":1,"type":"request","id":7,"cmd":5}`, 7, protocol.CodeBadRequest, "invalid JSON"},
		{"no version", websocket.TextMessage, `{"type":"request","id":3,"cmd":"status"}`, 3, protocol.CodeBadRequest, "missing field v"},
		{"other version", websocket.TextMessage, `{"v":2,"type":"request","id":4,"cmd":"status"}`, 4, protocol.CodeVersion, "version 2"},
		{"no type", websocket.TextMessage, `{"v":1,"id":5,"cmd":"status"}`, 5, protocol.CodeBadRequest, "missing field type"},
		{"not a request", websocket.TextMessage, `{"v":1,"type":"hello","id":6,"cmd":"status"}`, 6, protocol.CodeBadRequest, `"hello"`},
		{"no id", websocket.TextMessage, `{"v":1,"type":"request","cmd":"status"}`, 0, protocol.CodeBadRequest, "missing field id"},
		{"no cmd", websocket.TextMessage, `{"v":1,"type":"request","id":8}`, 8, protocol.CodeBadRequest, "missing field cmd"},
		{"unknown cmd", websocket.TextMessage, `{"v":1,"type":"request","id":9,"cmd":"launch"}`, 9, protocol.CodeUnknownCmd, `"launch"`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sendRaw(t, ws, tt.typ, tt.frame)
			env := read(t, ws)
			if env.Type != protocol.TypeResponse || env.ID != tt.id {
				t.Fatalf("reply = %+v, want response to id %d", env, tt.id)
			}
			wantError(t, env, tt.code)
			if !strings.Contains(env.Error.Message, tt.inText) {
				t.Errorf("message %q does not mention %q", env.Error.Message, tt.inText)
			}
			id := uint64(100 + i)
			if env := call(t, ws, id, protocol.CmdStatus, nil); env.Error != nil || env.Result == nil {
				t.Fatalf("valid request after a bad one: %+v", env)
			}
		})
	}
}

func TestOversizedFrameClosesConnection(t *testing.T) {
	s, _ := start(t, testOptions(t, newFakeBackend()))
	ws, _ := dial(t, s.opts.Path)
	sendRaw(t, ws, websocket.TextMessage, strings.Repeat("x", readLimit+1))
	ws.SetReadDeadline(time.Now().Add(waitFor))
	_, _, err := ws.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("read after an oversized frame: %v, want close 1009", err)
	}
}

func TestCommandErrors(t *testing.T) {
	b := newFakeBackend()
	opts := testOptions(t, b)
	opts.CommandTimeout = 50 * time.Millisecond
	s, _ := start(t, opts)
	ws, _ := dial(t, s.opts.Path)

	env := call(t, ws, 1, protocol.CmdHalt, protocol.NodeArgs{Node: "refuse"})
	wantError(t, env, protocol.CodeRefused)
	if env.Error.Message != "firm is halted" {
		t.Errorf("message = %q, want the backend's", env.Error.Message)
	}
	wantError(t, call(t, ws, 2, protocol.CmdResume, protocol.NodeArgs{Node: "boom"}), protocol.CodeInternal)
	wantError(t, call(t, ws, 3, protocol.CmdHalt, protocol.NodeArgs{Node: "wait-ctx"}), protocol.CodeTimeout)

	env = call(t, ws, 4, protocol.CmdHalt, protocol.NodeArgs{Node: "book-a"})
	var ack protocol.Ack
	if env.Error != nil || json.Unmarshal(env.Result, &ack) != nil || ack != (protocol.Ack{Node: "book-a", State: "halted"}) {
		t.Fatalf("halt response = %+v (%s)", env, env.Result)
	}
}

func TestTwoClients(t *testing.T) {
	b := newFakeBackend()
	s, _ := start(t, testOptions(t, b))
	a, _ := dial(t, s.opts.Path)
	c, _ := dial(t, s.opts.Path)
	// a's command blocks in the backend while c's is answered.
	request(t, a, 1, protocol.CmdHalt, protocol.NodeArgs{Node: "block"})
	<-b.entered
	if env := call(t, c, 1, protocol.CmdHalt, protocol.NodeArgs{Node: "book-c"}); env.Error != nil {
		t.Fatalf("c: %+v", env)
	}
	close(b.release)
	var ack protocol.Ack
	if env := response(t, a, 1); env.Error != nil || json.Unmarshal(env.Result, &ack) != nil || ack.Node != "block" {
		t.Fatalf("a: %+v", env)
	}
	if s.numConns() != 2 {
		t.Errorf("%d connections, want 2", s.numConns())
	}
}

func TestSlowClientDoesNotBlockOthers(t *testing.T) {
	b := newFakeBackend()
	b.churn.Store(true)
	opts := testOptions(t, b)
	opts.StatusInterval = time.Millisecond
	opts.WriteTimeout = time.Minute // the slow client stays stuck for the whole test
	s, _ := start(t, opts)

	slow, _ := dial(t, s.opts.Path)
	call(t, slow, 1, protocol.CmdSubscribe, nil)
	var slowConn *conn
	s.mu.Lock()
	for c := range s.conns {
		slowConn = c
	}
	s.mu.Unlock()
	// From here on slow reads nothing.

	fast, _ := dial(t, s.opts.Path)
	call(t, fast, 1, protocol.CmdSubscribe, nil)
	big := strings.Repeat("x", 8<<10)
	alerted := make(chan struct{})
	go func() {
		defer close(alerted)
		for i := range 1000 {
			s.Alert(protocol.Alert{Severity: "info", Message: big + strconv.Itoa(i)})
		}
		s.Alert(protocol.Alert{Severity: "info", Message: "last"})
	}()
	select {
	case <-alerted:
	case <-time.After(waitFor):
		t.Fatal("Alert blocked")
	}
	for {
		env := read(t, fast)
		if env.Alert != nil && env.Alert.Message == "last" {
			break
		}
	}
	if env := call(t, fast, 2, protocol.CmdHalt, protocol.NodeArgs{Node: "x"}); env.Error != nil {
		t.Fatalf("fast client's call: %+v", env)
	}
	// 1000 alerts of 8 KiB are far more than the socket buffers and the
	// queue hold, so the slow client's writer is stuck and its queue
	// overflowed.
	slowConn.amu.Lock()
	dropped := slowConn.droppedTotal
	slowConn.amu.Unlock()
	if dropped == 0 {
		t.Error("no alert dropped for the slow client")
	}
	if s.numConns() != 2 {
		t.Errorf("%d connections, want 2: the slow one is stuck, not gone", s.numConns())
	}
}

func TestStuckClientIsDropped(t *testing.T) {
	opts := testOptions(t, newFakeBackend())
	opts.WriteTimeout = 100 * time.Millisecond
	s, _ := start(t, opts)
	ws, _ := dial(t, s.opts.Path)
	call(t, ws, 1, protocol.CmdSubscribe, nil)
	big := strings.Repeat("x", 8<<10)
	for range 1000 { // far more than the socket buffers hold
		s.Alert(protocol.Alert{Severity: "info", Message: big})
	}
	desktest.Eventually(t, waitFor, "the stuck client to be dropped", func() bool { return s.numConns() == 0 })
}

func TestClientLeavesMidCommand(t *testing.T) {
	b := newFakeBackend()
	s, stop := start(t, testOptions(t, b))
	ws, _ := dial(t, s.opts.Path)
	request(t, ws, 1, protocol.CmdHalt, protocol.NodeArgs{Node: "block"})
	<-b.entered
	ws.Close()
	desktest.Eventually(t, waitFor, "the connection to end", func() bool { return s.numConns() == 0 })
	close(b.release)
	select {
	case <-b.finished:
	case <-time.After(waitFor):
		t.Fatal("the command did not complete")
	}
	other, _ := dial(t, s.opts.Path)
	if env := call(t, other, 1, protocol.CmdStatus, nil); env.Error != nil {
		t.Fatalf("status after a client left: %+v", env)
	}
	// Run waits for every connection and command goroutine.
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestRunStopsAndRemovesSocket(t *testing.T) {
	s, stop := start(t, testOptions(t, newFakeBackend()))
	ws, _ := dial(t, s.opts.Path)
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, err := os.Lstat(s.opts.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file after Run: %v", err)
	}
	ws.SetReadDeadline(time.Now().Add(waitFor))
	_, _, err := ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway || ce.Text != "daemon shutting down" {
		t.Errorf("client read after shutdown: %v, want close 1001", err)
	}
}

func TestRunTwice(t *testing.T) {
	s, _ := start(t, testOptions(t, newFakeBackend()))
	if err := s.Run(context.Background()); !errors.Is(err, ErrStarted) {
		t.Fatalf("second Run: %v, want ErrStarted", err)
	}
}

func TestForeignUIDRefused(t *testing.T) {
	s, err := New(testOptions(t, newFakeBackend()))
	if err != nil {
		t.Fatal(err)
	}
	s.uid++ // pretend the daemon runs as someone else
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-ran
	})
	select {
	case <-s.Ready():
	case err := <-ran:
		t.Fatalf("Run: %v", err)
	}
	if ws, err := dialWS(s.opts.Path); err == nil {
		ws.Close()
		t.Fatal("a peer of another uid was served")
	}
	if n := s.numConns(); n != 0 {
		t.Fatalf("%d connections", n)
	}
}

func TestNewOptions(t *testing.T) {
	if _, err := New(Options{Backend: newFakeBackend()}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("no path: %v", err)
	}
	if _, err := New(Options{Path: "/x"}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("no backend: %v", err)
	}
}

func TestPeerString(t *testing.T) {
	for _, tt := range []struct {
		p    Peer
		want string
	}{
		{Peer{UID: 1000, User: "alice"}, "uid 1000 (alice)"},
		{Peer{UID: 1000, User: "uid 1000"}, "uid 1000"},
		{Peer{UID: 7}, "uid 7"},
	} {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.p, got, tt.want)
		}
	}
}

package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/client"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/core/server"
)

const waitFor = 5 * time.Second // bound on every wait in these tests

// backend acknowledges halt and resume for any node but "refuse" (refused)
// and "block" (waits for release or its ctx).
type backend struct {
	status  atomic.Pointer[protocol.Status]
	entered chan struct{}
	release chan struct{}
}

func newBackend() *backend {
	b := &backend{entered: make(chan struct{}, 16), release: make(chan struct{})}
	b.status.Store(&protocol.Status{Time: "t0", Firm: protocol.Firm{State: "active"}})
	return b
}

func (b *backend) Status() *protocol.Status { return b.status.Load() }

func (b *backend) Query(cmd string) bool { return cmd == protocol.CmdOrders }

func (b *backend) Do(ctx context.Context, _ server.Peer, cmd string, args json.RawMessage) (any, error) {
	if cmd != protocol.CmdHalt && cmd != protocol.CmdResume && cmd != protocol.CmdOrders {
		return nil, &protocol.Error{Code: protocol.CodeUnknownCmd, Message: "unknown command " + cmd}
	}
	var a protocol.NodeArgs
	if err := json.Unmarshal(args, &a); err != nil {
		return nil, &protocol.Error{Code: protocol.CodeBadRequest, Message: err.Error()}
	}
	switch a.Node {
	case "refuse":
		return nil, &protocol.Error{Code: protocol.CodeRefused, Message: "firm is halted"}
	case "block":
		b.entered <- struct{}{}
		select {
		case <-b.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return protocol.Ack{Node: a.Node, State: cmd}, nil
}

type daemon struct {
	srv  *server.Server
	path string
	stop func() // stops the server and waits for Run to return
}

// startDaemon runs a real server on a fresh socket until the test ends.
func startDaemon(t *testing.T, b server.Backend) *daemon {
	t.Helper()
	dir := desktest.ShortTempDir(t)
	var log *slog.Logger
	if os.Getenv("DESK_LOG") == "debug" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	path := filepath.Join(dir, "desk.sock")
	srv, err := server.New(server.Options{Path: path, Backend: b, Logger: log, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- srv.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-ran:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(waitFor):
				t.Error("Run did not return")
			}
		})
	}
	t.Cleanup(stop)
	select {
	case <-srv.Ready():
	case err := <-ran:
		t.Fatalf("Run: %v", err)
	case <-time.After(waitFor):
		t.Fatal("server not ready")
	}
	return &daemon{srv: srv, path: path, stop: stop}
}

func dial(t *testing.T, path string) *client.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	c, err := client.Dial(ctx, path)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	t.Cleanup(cancel)
	return ctx
}

// recv reads one envelope from ch, failing when none comes or ch is closed.
func recv(t *testing.T, ch <-chan protocol.Envelope) protocol.Envelope {
	t.Helper()
	select {
	case env, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed")
		}
		return env
	case <-time.After(waitFor):
		t.Fatal("no message")
	}
	return protocol.Envelope{}
}

func TestCall(t *testing.T) {
	d := startDaemon(t, newBackend())
	c := dial(t, d.path)
	if h := c.Hello(); h.Version != protocol.Version || h.Daemon != "desk test" || h.PID != os.Getpid() {
		t.Errorf("Hello = %+v", h)
	}
	var st protocol.Status
	if err := c.Call(ctxFor(t), protocol.CmdStatus, nil, &st); err != nil {
		t.Fatal(err)
	}
	if st.Time != "t0" || st.Firm.State != "active" {
		t.Errorf("status = %+v", st)
	}
	var ack protocol.Ack
	if err := c.Call(ctxFor(t), protocol.CmdHalt, protocol.NodeArgs{Node: "book-a", Why: "test"}, &ack); err != nil {
		t.Fatal(err)
	}
	if ack != (protocol.Ack{Node: "book-a", State: protocol.CmdHalt}) {
		t.Errorf("ack = %+v", ack)
	}
	if err := c.Call(ctxFor(t), protocol.CmdResume, protocol.NodeArgs{Node: "book-a"}, nil); err != nil {
		t.Errorf("Call without result: %v", err)
	}
}

func TestCallRefused(t *testing.T) {
	d := startDaemon(t, newBackend())
	c := dial(t, d.path)
	err := c.Call(ctxFor(t), protocol.CmdHalt, protocol.NodeArgs{Node: "refuse"}, nil)
	var perr *protocol.Error
	if !errors.As(err, &perr) || perr.Code != protocol.CodeRefused || perr.Message != "firm is halted" {
		t.Fatalf("Call = %v, want the refusal", err)
	}
	err = c.Call(ctxFor(t), "launch", nil, nil)
	if !errors.As(err, &perr) || perr.Code != protocol.CodeUnknownCmd {
		t.Fatalf("unknown command: %v", err)
	}
}

func TestConcurrentCalls(t *testing.T) {
	d := startDaemon(t, newBackend())
	c := dial(t, d.path)
	const n = 50
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			node := fmt.Sprintf("s%d", i)
			var ack protocol.Ack
			if err := c.Call(ctxFor(t), protocol.CmdHalt, protocol.NodeArgs{Node: node}, &ack); err != nil {
				errs <- err
				return
			}
			if ack.Node != node {
				errs <- fmt.Errorf("call for %s got the answer for %s", node, ack.Node)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestSubscribe(t *testing.T) {
	b := newBackend()
	d := startDaemon(t, b)
	c := dial(t, d.path)
	ch, err := c.Subscribe(ctxFor(t))
	if err != nil {
		t.Fatal(err)
	}
	if env := recv(t, ch); env.Type != protocol.TypeStatus || env.Status == nil || env.Status.Time != "t0" {
		t.Fatalf("first message = %+v, want the status", env)
	}
	d.srv.Alert(protocol.Alert{Severity: "critical", Message: "drawdown breaker tripped"})
	if env := recv(t, ch); env.Type != protocol.TypeAlert || env.Alert.Message != "drawdown breaker tripped" {
		t.Fatalf("message = %+v, want the alert", env)
	}
	b.status.Store(&protocol.Status{Time: "t1"})
	if env := recv(t, ch); env.Status == nil || env.Status.Time != "t1" {
		t.Fatalf("message = %+v, want the new status", env)
	}
	if _, err := c.Subscribe(ctxFor(t)); !errors.Is(err, client.ErrSubscribed) {
		t.Errorf("second Subscribe: %v, want ErrSubscribed", err)
	}
	// Calls still work beside the subscription.
	if err := c.Call(ctxFor(t), protocol.CmdStatus, nil, nil); err != nil {
		t.Fatal(err)
	}
}

func TestServerGoesAway(t *testing.T) {
	d := startDaemon(t, newBackend())
	c := dial(t, d.path)
	ch, err := c.Subscribe(ctxFor(t))
	if err != nil {
		t.Fatal(err)
	}
	recv(t, ch)
	d.stop()
	select {
	case <-c.Done():
	case <-time.After(waitFor):
		t.Fatal("Done not closed after the daemon stopped")
	}
	for range ch { // closed after what had arrived
	}
	err = c.Err()
	if !errors.Is(err, client.ErrLost) || !strings.Contains(err.Error(), "daemon shutting down") {
		t.Errorf("Err = %v, want ErrLost saying the daemon shut down", err)
	}
	if err := c.Call(ctxFor(t), protocol.CmdStatus, nil, nil); !errors.Is(err, client.ErrLost) {
		t.Errorf("Call after the loss: %v, want ErrLost", err)
	}
	if _, err := c.Subscribe(ctxFor(t)); !errors.Is(err, client.ErrLost) {
		t.Errorf("Subscribe after the loss: %v, want ErrLost", err)
	}
}

func TestCallContextCanceled(t *testing.T) {
	b := newBackend()
	d := startDaemon(t, b)
	c := dial(t, d.path)
	ctx, cancel := context.WithCancel(context.Background())
	called := make(chan error, 1)
	go func() { called <- c.Call(ctx, protocol.CmdHalt, protocol.NodeArgs{Node: "block"}, nil) }()
	select {
	case <-b.entered:
	case <-time.After(waitFor):
		t.Fatal("the command did not reach the backend")
	}
	cancel()
	select {
	case err := <-called:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Call = %v, want context.Canceled", err)
		}
	case <-time.After(waitFor):
		t.Fatal("Call did not return after cancel")
	}
	close(b.release) // the late response arrives and is dropped
	var ack protocol.Ack
	if err := c.Call(ctxFor(t), protocol.CmdHalt, protocol.NodeArgs{Node: "after"}, &ack); err != nil || ack.Node != "after" {
		t.Fatalf("Call after a canceled one: %+v %v", ack, err)
	}
}

func TestClose(t *testing.T) {
	d := startDaemon(t, newBackend())
	c := dial(t, d.path)
	ch, err := c.Subscribe(ctxFor(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	default:
		t.Fatal("Done open after Close")
	}
	if !errors.Is(c.Err(), client.ErrClosed) {
		t.Errorf("Err = %v, want ErrClosed", c.Err())
	}
	for range ch { // closed without the undelivered status
	}
	if err := c.Call(ctxFor(t), protocol.CmdStatus, nil, nil); !errors.Is(err, client.ErrClosed) {
		t.Errorf("Call after Close: %v", err)
	}
	c.Close() // idempotent
}

func TestDialNoDaemon(t *testing.T) {
	dir := desktest.ShortTempDir(t)
	path := filepath.Join(dir, "desk.sock")
	_, err := client.Dial(ctxFor(t), path)
	if !errors.Is(err, client.ErrNoDaemon) || !strings.HasPrefix(err.Error(), "no desk daemon at "+path+": ") {
		t.Fatalf("Dial = %v, want ErrNoDaemon", err)
	}
	t.Log(err)
}

// However many screens attach read-only, the last slots are kept for
// read-write clients, so an operator can always connect to halt; a client
// turned away is told which limit it hit.
func TestReadOnlyClientsLeaveRoomForControl(t *testing.T) {
	d := startDaemon(t, newBackend())
	const maxClients, reserve = 64, 8 // the server's defaults
	for i := range maxClients - reserve {
		c, err := client.Dial(t.Context(), d.path, client.ReadOnly())
		if err != nil {
			t.Fatalf("read-only client %d: %v", i, err)
		}
		t.Cleanup(func() { c.Close() })
	}
	_, err := client.Dial(t.Context(), d.path, client.ReadOnly())
	if err == nil || !strings.Contains(err.Error(), "too many read-only clients (56)") {
		t.Fatalf("one read-only client too many: %v", err)
	}
	c, err := client.Dial(t.Context(), d.path)
	if err != nil {
		t.Fatalf("a read-write client beside 56 screens: %v", err)
	}
	defer c.Close()
	var ack protocol.Ack
	if err := c.Call(t.Context(), protocol.CmdHalt, protocol.NodeArgs{Node: "firm"}, &ack); err != nil {
		t.Fatalf("halt: %v", err)
	}
}

// Package daemontest runs real desk daemons for tests, in the manner of
// nats-server's test.RunServer: Start builds a daemon with daemon.New, runs
// it in the test's process on a temporary state dir and socket, waits until
// its socket answers, dials a client and stops it all when the test ends.
//
// It is imported by tests only. The daemon package's own tests use it from
// the external test package daemon_test (daemontest imports daemon, so an
// in-package test could not).
package daemontest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/desk-trading/desk/cmd/desk/internal/daemon"
	"github.com/desk-trading/desk/core/client"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/protocol"
)

// Bounds on the waits of Start, Stop and the calls.
const (
	readyWithin = 20 * time.Second // New, reconciliation and the socket up
	stopWithin  = 20 * time.Second
	callWithin  = 10 * time.Second // Call
	queryWithin = 5 * time.Second  // Status, Orders, the dial
)

// Daemon is a daemon started by Start, with a client connected to it.
type Daemon struct {
	// Paths are the daemon's state dir and socket: pass them in the
	// Options of another Start to restart on the same state.
	Paths daemon.Paths

	d    *daemon.Daemon
	conn *client.Conn
	done chan error // Run's result

	once    sync.Once
	stopErr error
}

// PathsIn returns the paths Start uses under dir: dir/state and
// dir/run/desk.sock. dir should come from desktest.ShortTempDir.
func PathsIn(dir string) daemon.Paths {
	return daemon.Paths{StateDir: filepath.Join(dir, "state"), Socket: filepath.Join(dir, "run", "desk.sock")}
}

// Start runs a daemon on opts until the test ends. When opts.Paths is empty
// it runs on PathsIn of a new short temporary directory; when opts.Logger is
// nil it logs through t.Log if DESK_LOG=debug, else nowhere. Start fails the
// test when the daemon does not start (daemon.New or Run fails) or its
// socket does not answer within 20s. Stop stops it earlier.
func Start(t testing.TB, opts daemon.Options) *Daemon {
	t.Helper()
	if opts.Paths == (daemon.Paths{}) {
		opts.Paths = PathsIn(desktest.ShortTempDir(t))
	}
	if opts.Logger == nil {
		opts.Logger = Logger(t)
	}
	d, err := daemon.New(opts)
	if err != nil {
		t.Fatalf("daemon did not start: %v", err)
	}
	r := &Daemon{Paths: opts.Paths, d: d, done: make(chan error, 1)}
	go func() { r.done <- d.Run(context.Background()) }()
	select {
	case <-d.Ready():
	case err := <-r.done:
		t.Fatalf("daemon did not start: %v", err)
	case <-time.After(readyWithin):
		d.Stop()
		t.Fatalf("daemon not ready after %s", readyWithin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), queryWithin)
	defer cancel()
	if r.conn, err = client.Dial(ctx, opts.Paths.Socket); err != nil {
		d.Stop()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Stop(); err != nil {
			t.Errorf("daemon stopped with error: %v", err)
		}
	})
	return r
}

// Stop closes the client and stops the daemon, waiting 20s at most, and
// returns the daemon's error. It may be called more than once; later calls
// return the first one's result.
func (r *Daemon) Stop() error {
	r.once.Do(func() {
		r.conn.Close()
		stopped := make(chan error, 1)
		go func() { stopped <- r.d.Stop() }()
		select {
		case r.stopErr = <-stopped:
		case <-time.After(stopWithin):
			r.stopErr = fmt.Errorf("daemon did not stop within %s", stopWithin)
		}
	})
	return r.stopErr
}

// Conn returns the client Start dialed.
func (r *Daemon) Conn() *client.Conn { return r.conn }

// Daemon returns the daemon itself.
func (r *Daemon) Daemon() *daemon.Daemon { return r.d }

// Call sends cmd with args and decodes the result into out (which may be
// nil), waiting 10s at most. It returns the daemon's error, a
// *protocol.Error, for the test to check.
func (r *Daemon) Call(t testing.TB, cmd string, args, out any) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callWithin)
	defer cancel()
	return r.conn.Call(ctx, cmd, args, out)
}

// Status returns the daemon's status, failing the test when it does not
// answer within 5s.
func (r *Daemon) Status(t testing.TB) *protocol.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryWithin)
	defer cancel()
	var st protocol.Status
	if err := r.conn.Call(ctx, protocol.CmdStatus, nil, &st); err != nil {
		t.Fatal(err)
	}
	return &st
}

// Orders returns every order the daemon lists, walking its pages
// (client.Conn.Orders), failing the test when it does not answer within 5s.
func (r *Daemon) Orders(t testing.TB) []protocol.Order {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryWithin)
	defer cancel()
	o, err := r.conn.Orders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// Logger is a test's daemon logger: silent unless DESK_LOG=debug, then
// writing through t.Log.
func Logger(t testing.TB) *slog.Logger {
	if os.Getenv("DESK_LOG") != "debug" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

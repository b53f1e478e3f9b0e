package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/cmd/desk/internal/daemon"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/core/server"
)

// helloBackend is a daemon that only greets.
type helloBackend struct{}

func (helloBackend) Status() *protocol.Status { return nil }
func (helloBackend) Query(string) bool        { return false }
func (helloBackend) Do(context.Context, server.Peer, string, json.RawMessage) (any, error) {
	return nil, &protocol.Error{Code: protocol.CodeUnknownCmd, Message: "unknown"}
}

// serveHello runs a server with the daemon's version on a fresh socket
// until the test ends and returns the socket.
func serveHello(t *testing.T) string {
	t.Helper()
	path := filepath.Join(desktest.ShortTempDir(t), "run", "desk.sock")
	srv, err := server.New(server.Options{Path: path, Backend: helloBackend{}, Version: daemon.Version})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-ran
	})
	select {
	case <-srv.Ready():
	case err := <-ran:
		t.Fatalf("Run: %v", err)
	case <-time.After(within):
		t.Fatal("server not ready")
	}
	return path
}

func versionOf(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := versionCmd(context.Background(), args, &out); err != nil {
		t.Fatalf("desk version %q: %v", args, err)
	}
	return out.String()
}

func TestVersionWithoutDaemon(t *testing.T) {
	socket := filepath.Join(desktest.ShortTempDir(t), "none.sock")
	text := versionOf(t, "--socket", socket)
	for _, want := range []string{"desk " + daemon.Version + "\n", "protocol 1\n", "go " + runtime.Version() + "\n", "revision ", "daemon none (no desk daemon at " + socket} {
		if !strings.Contains(text, want) {
			t.Errorf("desk version:\n%s\nwants %q", text, want)
		}
	}
	var v versionInfo
	if err := json.Unmarshal([]byte(versionOf(t, "--socket", socket, "--json")), &v); err != nil {
		t.Fatal(err)
	}
	if v.Version != daemon.Version || v.Protocol != protocol.Version || v.Go != runtime.Version() || v.Daemon != nil ||
		v.Socket != socket || !strings.Contains(v.DaemonError, "no desk daemon") {
		t.Fatalf("desk version --json = %+v", v)
	}
}

func TestVersionWithDaemon(t *testing.T) {
	socket := serveHello(t)
	text := versionOf(t, "--socket", socket)
	want := "daemon desk " + daemon.Version + ", pid " + strconv.Itoa(os.Getpid()) + ", protocol 1, at " + socket + "\n"
	if !strings.Contains(text, want) {
		t.Fatalf("desk version:\n%s\nwants %q", text, want)
	}
	var v versionInfo
	if err := json.Unmarshal([]byte(versionOf(t, "--socket", socket, "--json")), &v); err != nil {
		t.Fatal(err)
	}
	if v.Daemon == nil || *v.Daemon != (daemonVersion{Daemon: "desk " + daemon.Version, PID: os.Getpid(), Protocol: protocol.Version}) || v.DaemonError != "" {
		t.Fatalf("desk version --json = %+v (daemon %+v)", v, v.Daemon)
	}
}

func TestVersionFlags(t *testing.T) {
	for _, args := range [][]string{{"extra"}, {"--no-such-flag"}} {
		if err := versionCmd(context.Background(), args, &bytes.Buffer{}); err == nil {
			t.Errorf("desk version %q: no error", args)
		}
	}
	if got := run(context.Background(), []string{"version", "--help"}); got != 0 {
		t.Errorf("desk version --help exits %d", got)
	}
}

// TestVersionBinary runs the built binary. In a git checkout it is built
// with -buildvcs=true (whatever GOFLAGS says), and its revision is the
// build's commit.
func TestVersionBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the desk binary")
	}
	inGit := exec.Command("git", "rev-parse", "HEAD").Run() == nil
	var bin string
	if inGit {
		bin = filepath.Join(t.TempDir(), "desk")
		if out, err := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".").CombinedOutput(); err != nil {
			t.Fatalf("go build -buildvcs=true: %v\n%s", err, out)
		}
	} else {
		var err error
		if bin, err = buildDesk(); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(bin, "version", "--json", "--socket", filepath.Join(desktest.ShortTempDir(t), "none.sock")).Output()
	if err != nil {
		t.Fatalf("desk version --json: %v", err)
	}
	var v versionInfo
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("desk version --json printed %q: %v", out, err)
	}
	if v.Version != daemon.Version || v.Go == "" {
		t.Fatalf("desk version --json = %+v", v)
	}
	if inGit && (len(v.Revision) != 40 || strings.Trim(v.Revision, "0123456789abcdef") != "" || v.RevisionTime == "") {
		t.Fatalf("built in a git checkout: revision %q at %q, want the commit's hash and time", v.Revision, v.RevisionTime)
	}
}

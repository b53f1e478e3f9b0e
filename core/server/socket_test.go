package server

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/desk-trading/desk/core/desktest"
)

// runErr runs a Server that is expected to fail at once and returns its
// error.
func runErr(t *testing.T, opts Options) error {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	err = s.Run(ctx)
	if err == nil {
		t.Fatal("Run succeeded")
	}
	select {
	case <-s.Ready():
		t.Error("Ready closed though Run failed")
	default:
	}
	return err
}

func TestSocketAndDirModes(t *testing.T) {
	s, _ := start(t, testOptions(t, newFakeBackend()))
	fi, err := os.Stat(filepath.Dir(s.opts.Path))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("created dir mode %04o, want 0700", perm)
	}
	fi, err = os.Lstat(s.opts.Path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want a socket with 0600", fi.Mode())
	}
}

func TestInsecureDirRefused(t *testing.T) {
	dir := desktest.ShortTempDir(t)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	err := runErr(t, Options{Path: filepath.Join(dir, "desk.sock"), Backend: newFakeBackend()})
	if !errors.Is(err, ErrInsecureDir) {
		t.Fatalf("Run: %v, want ErrInsecureDir", err)
	}
	t.Log(err)
}

func TestStaleSocketRemoved(t *testing.T) {
	path := filepath.Join(desktest.ShortTempDir(t), "desk.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close() // leaves a socket file nobody answers on
	if _, err := os.Lstat(path); err != nil {
		t.Fatal(err)
	}
	s, _ := start(t, Options{Path: path, Backend: newFakeBackend()})
	ws, _ := dial(t, s.opts.Path)
	if env := call(t, ws, 1, "status", nil); env.Error != nil {
		t.Fatalf("status: %+v", env)
	}
}

func TestSecondServerInUse(t *testing.T) {
	s, _ := start(t, testOptions(t, newFakeBackend()))
	err := runErr(t, Options{Path: s.opts.Path, Backend: newFakeBackend()})
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Run: %v, want ErrInUse", err)
	}
	t.Log(err)
	ws, _ := dial(t, s.opts.Path) // the first still serves
	if env := call(t, ws, 1, "status", nil); env.Error != nil {
		t.Fatalf("status: %+v", env)
	}
}

func TestNotSocketKept(t *testing.T) {
	path := filepath.Join(desktest.ShortTempDir(t), "desk.sock")
	if err := os.WriteFile(path, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := runErr(t, Options{Path: path, Backend: newFakeBackend()})
	if !errors.Is(err, ErrNotSocket) {
		t.Fatalf("Run: %v, want ErrNotSocket", err)
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != "keep" {
		t.Fatalf("file changed: %q %v", data, err)
	}
}

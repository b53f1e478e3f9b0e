package daemon_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/cmd/desk/internal/daemon"
	"github.com/desk-trading/desk/cmd/desk/internal/daemontest"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/store"
)

// TestNewFailsFastAndStopReleases: New takes the state and the socket
// without trading; a second New on either fails at once; Stop without Run
// releases both, so a New after it succeeds.
func TestNewFailsFastAndStopReleases(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	paths := daemontest.PathsIn(desktest.ShortTempDir(t))
	d, err := daemon.New(daemon.Options{Config: cfg, Paths: paths})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(paths.Socket); err != nil {
		t.Fatalf("New did not bind the socket: %v", err)
	}

	other := daemontest.PathsIn(desktest.ShortTempDir(t))
	if _, err := daemon.New(daemon.Options{Config: cfg, Paths: daemon.Paths{StateDir: paths.StateDir, Socket: other.Socket}}); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("New on held state: %v, want ErrLocked", err)
	}
	if _, err := daemon.New(daemon.Options{Config: cfg, Paths: daemon.Paths{StateDir: other.StateDir, Socket: paths.Socket}}); err == nil || !strings.Contains(err.Error(), "another daemon") {
		t.Fatalf("New on a taken socket: %v", err)
	}

	if err := d.Stop(); err != nil {
		t.Fatalf("Stop without Run: %v", err)
	}
	if err := d.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if err := d.Run(context.Background()); err == nil {
		t.Fatal("Run after Stop succeeded")
	}
	d2, err := daemon.New(daemon.Options{Config: cfg, Paths: paths})
	if err != nil {
		t.Fatalf("New after Stop: %v", err)
	}
	if err := d2.Stop(); err != nil {
		t.Fatal(err)
	}
}

// TestBadConfigFailsInNew: a config that does not build fails in New.
func TestBadConfigFailsInNew(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Strategies[0].Kind = "no-such-kind"
	if _, err := daemon.New(daemon.Options{Config: cfg, Paths: daemontest.PathsIn(desktest.ShortTempDir(t))}); err == nil || !strings.Contains(err.Error(), "no-such-kind") {
		t.Fatalf("New with an unknown strategy kind: %v", err)
	}
}

// TestRunWith runs fn once the daemon serves, and stops the daemon when fn
// returns, with fn's error.
func TestRunWith(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a daemon")
	}
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	paths := daemontest.PathsIn(desktest.ShortTempDir(t))
	want := errors.New("fn's error")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = daemon.RunWith(ctx, daemon.Options{Config: cfg, Paths: paths}, func(ctx context.Context) error {
		if _, err := os.Stat(paths.Socket); err != nil {
			t.Errorf("fn runs before the socket is served: %v", err)
		}
		return want
	})
	if !errors.Is(err, want) {
		t.Fatalf("RunWith = %v, want fn's error", err)
	}
	if _, err := os.Stat(paths.Socket); !os.IsNotExist(err) {
		t.Fatalf("socket still there after RunWith: %v", err)
	}
}

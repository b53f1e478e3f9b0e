package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/core/server"
)

// The backend serves the orders stream (server.OrderStreamer).
var _ interface {
	OrdersSince(context.Context, uint64, int) (protocol.OrdersUpdate, uint64, error)
} = (*backend)(nil)

// TestOrdersStreamOfARealDaemon: the stream starts with a reset of the
// working orders, rendered as the orders query renders them, and then
// carries each order a cancel-all changed, once per update, until a client
// applying the updates sees every one of them canceled.
func TestOrdersStreamOfARealDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a daemon")
	}
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	dir := desktest.ShortTempDir(t)
	d, err := New(Options{Config: cfg, Paths: Paths{StateDir: filepath.Join(dir, "state"), Socket: filepath.Join(dir, "d.sock")}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Run(context.Background()) }()
	t.Cleanup(func() {
		if err := d.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
		<-done
	})
	select {
	case <-d.Ready():
	case err := <-done:
		t.Fatalf("daemon did not start: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("daemon not ready")
	}
	b := &backend{eng: d.eng}
	ctx := context.Background()

	held := map[string]protocol.Order{}
	var cur uint64
	poll := func() protocol.OrdersUpdate {
		u, next, err := b.OrdersSince(ctx, cur, 5000)
		if err != nil {
			t.Fatal(err)
		}
		if u.Reset {
			clear(held)
		}
		for _, o := range u.Orders {
			held[o.ClientOrderID] = o
		}
		for _, id := range u.Gone {
			delete(held, id)
		}
		cur = next
		return u
	}
	working := func() []string {
		var ids []string
		for id, o := range held {
			switch o.State {
			case "filled", "canceled", "rejected", "expired":
			default:
				ids = append(ids, id)
			}
		}
		return ids
	}
	if u := poll(); !u.Reset {
		t.Fatalf("the first update is no reset")
	}
	desktest.Eventually(t, 30*time.Second, "orders rest", func() bool { poll(); return len(working()) > 0 })
	for _, o := range held {
		if o.Route == "" && o.Venue != "" {
			t.Fatalf("order %s streamed without its route", o.ClientOrderID)
		}
	}
	if _, err := d.eng.SetState(ctx, "firm", domain.Halted, "test", "no new orders"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.eng.CancelAll(ctx, "firm", "test", "stream"); err != nil {
		t.Fatal(err)
	}
	desktest.Eventually(t, 30*time.Second, "every order ends", func() bool {
		u := poll()
		if u.Reset {
			t.Fatalf("a fresh cursor reset")
		}
		return len(working()) == 0
	})
}

// A negative orders limit is refused before the engine is asked. (The
// audit's is not: scripts pass -1 for "every entry kept", as zero.)
func TestBackendRefusesANegativeOrdersLimit(t *testing.T) {
	b := &backend{} // no engine: a refusal must not need one
	_, err := b.Do(t.Context(), server.Peer{}, protocol.CmdOrders, json.RawMessage(`{"limit": -5}`))
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeBadRequest {
		t.Errorf("orders with limit -5: %v, want bad-request", err)
	}
}

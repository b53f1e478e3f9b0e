package daemon

import (
	"context"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/store"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/core/client"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/core/strategy"
)

// running is a daemon started by start.
type running struct {
	paths Paths
	conn  *client.Conn
	stop  func() error
}

// start runs a daemon on dir with cfg, waits until its socket answers, and
// registers its shutdown with t.Cleanup (stop may also be called early).
func start(t *testing.T, dir string, cfg *config.Config) *running {
	t.Helper()
	return startWith(t, dir, cfg, nil)
}

// startWith is start with the strategy kinds of reg (nil: the demo kinds).
func startWith(t *testing.T, dir string, cfg *config.Config, reg *strategy.Registry) *running {
	t.Helper()
	return startOptions(t, dir, Options{Config: cfg, Registry: reg})
}

// startOptions is start with opts; its Paths, Ready and Logger are the
// test's.
func startOptions(t *testing.T, dir string, opts Options) *running {
	t.Helper()
	paths := Paths{StateDir: filepath.Join(dir, "state"), Socket: filepath.Join(dir, "run", "desk.sock")}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	opts.Paths, opts.Ready, opts.Logger = paths, ready, testLogger(t)
	go func() {
		done <- Run(ctx, opts)
	}()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("daemon did not start: %v", err)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("daemon not ready after 20s")
	}
	dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer dcancel()
	conn, err := client.Dial(dctx, paths.Socket)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	var stopped bool
	var stopErr error
	r := &running{paths: paths, conn: conn}
	r.stop = func() error {
		if stopped {
			return stopErr
		}
		stopped = true
		conn.Close()
		cancel()
		select {
		case stopErr = <-done:
		case <-time.After(20 * time.Second):
			t.Error("daemon did not stop within 20s")
		}
		return stopErr
	}
	t.Cleanup(func() {
		if err := r.stop(); err != nil {
			t.Errorf("daemon stopped with error: %v", err)
		}
	})
	return r
}

func (r *running) status(t *testing.T) *protocol.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var st protocol.Status
	if err := r.conn.Call(ctx, protocol.CmdStatus, nil, &st); err != nil {
		t.Fatal(err)
	}
	return &st
}

func (r *running) orders(t *testing.T) []protocol.Order {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	o, err := r.conn.Orders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func strategyOf(t *testing.T, st *protocol.Status, id string) protocol.Strategy {
	t.Helper()
	for _, s := range st.Strategies {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("strategy %s not in status", id)
	return protocol.Strategy{}
}

// eventually polls cond every 20ms until it holds or the deadline passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func shortTempDir(t *testing.T) string {
	t.Helper()
	// Unix socket paths are limited to ~108 bytes; t.TempDir can be longer.
	dir, err := os.MkdirTemp("", "desk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// TestEndToEnd starts the daemon on the default config, lets the
// strategies trade, halts one over the socket, checks it sends nothing
// afterwards while the others go on, then restarts on the same state and
// compares.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end daemon run")
	}
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	dir := shortTempDir(t)
	d := start(t, dir, cfg)

	// TWAP sends IOC slices on a schedule: it trades soon and never leaves
	// resting orders, so once halted its state is frozen.
	const victim = "twap-xrp"
	eventually(t, 30*time.Second, "strategies trade", func() bool {
		st := d.status(t)
		return strategyOf(t, st, victim).OrdersSent > 0 && st.Firm.Fills > 0
	})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var ack protocol.Ack
	if err := d.conn.Call(ctx, protocol.CmdHalt, protocol.NodeArgs{Node: victim, Why: "e2e"}, &ack); err != nil {
		t.Fatal(err)
	}
	if ack.State != "halted" {
		t.Fatalf("halt ack %+v", ack)
	}
	haltedAt := d.status(t)
	sentAtHalt := strategyOf(t, haltedAt, victim).OrdersSent

	// The rest of the desk keeps trading; the halted strategy sends nothing.
	eventually(t, 30*time.Second, "other strategies keep sending", func() bool {
		return d.status(t).Firm.OrdersSent >= haltedAt.Firm.OrdersSent+20
	})
	after := d.status(t)
	if got := strategyOf(t, after, victim); got.OrdersSent != sentAtHalt || got.State != "halted" {
		t.Fatalf("halted strategy: sent %d (at halt %d), state %s", got.OrdersSent, sentAtHalt, got.State)
	}
	haltTime := parseTime(t, haltedAt.Time)
	before := d.orders(t)
	for _, o := range before {
		if o.Strategy == victim && parseTime(t, o.Created).After(haltTime) && o.State != "rejected" {
			t.Fatalf("order %s of the halted strategy went out after the halt: %+v", o.ClientOrderID, o)
		}
	}

	if err := d.stop(); err != nil {
		t.Fatal(err)
	}

	// Restart on the same state.
	d2 := start(t, dir, cfg)
	st := d2.status(t)
	got := strategyOf(t, st, victim)
	want := strategyOf(t, after, victim)
	if got.State != "halted" {
		t.Fatalf("after restart %s is %s, want halted", victim, got.State)
	}
	if got.OrdersSent != want.OrdersSent || got.Fills != want.Fills || got.RealizedPnL != want.RealizedPnL {
		t.Fatalf("after restart %s: sent %d fills %d realized %s; before: sent %d fills %d realized %s",
			victim, got.OrdersSent, got.Fills, got.RealizedPnL, want.OrdersSent, want.Fills, want.RealizedPnL)
	}
	if len(got.Positions) != len(want.Positions) {
		t.Fatalf("positions after restart %+v, before %+v", got.Positions, want.Positions)
	}
	for i := range want.Positions {
		if got.Positions[i].Quantity != want.Positions[i].Quantity || got.Positions[i].RealizedPnL != want.Positions[i].RealizedPnL {
			t.Fatalf("position after restart %+v, before %+v", got.Positions[i], want.Positions[i])
		}
	}
	afterOrders := map[string]protocol.Order{}
	for _, o := range d2.orders(t) {
		afterOrders[o.ClientOrderID] = o
	}
	for _, o := range before {
		if o.Strategy != victim {
			continue
		}
		a, ok := afterOrders[o.ClientOrderID]
		if !ok {
			t.Fatalf("order %s lost across the restart", o.ClientOrderID)
		}
		if a.FilledQuantity != o.FilledQuantity {
			t.Fatalf("order %s filled %s after restart, %s before", o.ClientOrderID, a.FilledQuantity, o.FilledQuantity)
		}
	}
}

// TestSocketInUseFailsBeforeTrading: a daemon whose socket is taken fails
// before any venue or strategy starts, so it never sends an order.
func TestSocketInUseFailsBeforeTrading(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a daemon")
	}
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	dir := shortTempDir(t)
	d := start(t, dir, cfg)
	eventually(t, 30*time.Second, "the first daemon trades", func() bool { return d.status(t).Firm.OrdersSent > 0 })

	other := filepath.Join(dir, "other")
	err = Run(context.Background(), Options{Config: cfg, Paths: Paths{StateDir: other, Socket: d.paths.Socket}})
	if err == nil || !strings.Contains(err.Error(), "another daemon") {
		t.Fatalf("second daemon on a taken socket: %v", err)
	}
	j, err := store.Open(filepath.Join(other, "journal.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	orders := 0
	if err := j.Replay(func(ev *domain.Event) error {
		if ev.Kind == domain.EventOrder {
			orders++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if orders != 0 {
		t.Fatalf("the refused daemon journaled %d order events: it traded before binding its socket", orders)
	}
}

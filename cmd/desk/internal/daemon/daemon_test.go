package daemon_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/cmd/desk/internal/daemon"
	"github.com/desk-trading/desk/cmd/desk/internal/daemontest"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/store"
)

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

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
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
	dir := desktest.ShortTempDir(t)
	d := daemontest.Start(t, daemon.Options{Config: cfg, Paths: daemontest.PathsIn(dir)})

	// TWAP sends IOC slices on a schedule: it trades soon and never leaves
	// resting orders, so once halted its state is frozen.
	const victim = "twap-xrp"
	desktest.Eventually(t, 30*time.Second, "strategies trade", func() bool {
		st := d.Status(t)
		return strategyOf(t, st, victim).OrdersSent > 0 && st.Firm.Fills > 0
	})

	var ack protocol.Ack
	if err := d.Call(t, protocol.CmdHalt, protocol.NodeArgs{Node: victim, Why: "e2e"}, &ack); err != nil {
		t.Fatal(err)
	}
	if ack.State != "halted" {
		t.Fatalf("halt ack %+v", ack)
	}
	haltedAt := d.Status(t)
	sentAtHalt := strategyOf(t, haltedAt, victim).OrdersSent

	// The rest of the desk keeps trading; the halted strategy sends nothing.
	desktest.Eventually(t, 30*time.Second, "other strategies keep sending", func() bool {
		return d.Status(t).Firm.OrdersSent >= haltedAt.Firm.OrdersSent+20
	})
	after := d.Status(t)
	if got := strategyOf(t, after, victim); got.OrdersSent != sentAtHalt || got.State != "halted" {
		t.Fatalf("halted strategy: sent %d (at halt %d), state %s", got.OrdersSent, sentAtHalt, got.State)
	}
	haltTime := parseTime(t, haltedAt.Time)
	before := d.Orders(t)
	for _, o := range before {
		if o.Strategy == victim && parseTime(t, o.Created).After(haltTime) && o.State != "rejected" {
			t.Fatalf("order %s of the halted strategy went out after the halt: %+v", o.ClientOrderID, o)
		}
	}

	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}

	// Restart on the same state.
	d2 := daemontest.Start(t, daemon.Options{Config: cfg, Paths: daemontest.PathsIn(dir)})
	st := d2.Status(t)
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
	for _, o := range d2.Orders(t) {
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
	dir := desktest.ShortTempDir(t)
	d := daemontest.Start(t, daemon.Options{Config: cfg, Paths: daemontest.PathsIn(dir)})
	desktest.Eventually(t, 30*time.Second, "the first daemon trades", func() bool { return d.Status(t).Firm.OrdersSent > 0 })

	other := filepath.Join(dir, "other")
	err = daemon.Run(context.Background(), daemon.Options{Config: cfg, Paths: daemon.Paths{StateDir: other, Socket: d.Paths.Socket}})
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

package daemon_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/cmd/desk/internal/daemon"
	"github.com/desk-trading/desk/cmd/desk/internal/daemontest"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/protocol"
)

// TestDiskFullLosesNothing fills the journal's disk under a trading
// daemon: trading halts, the status says the journal is down and how much
// is pending, a breaker reset is refused and a halt is answered
// not-durable, and the reports the venues keep sending are held. When
// space returns the journal catches up by itself; after a restart every
// order and fill of the run is there.
func TestDiskFullLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end daemon run")
	}
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	var full atomic.Bool
	fault := func() error {
		if full.Load() {
			return errors.New("write journal.db: no space left on device (injected)")
		}
		return nil
	}
	dir := desktest.ShortTempDir(t)
	d := daemontest.Start(t, daemon.Options{Paths: daemontest.PathsIn(dir), Config: cfg, JournalFault: fault})
	desktest.Eventually(t, 30*time.Second, "strategies trade", func() bool { return d.Status(t).Firm.Fills > 5 })

	full.Store(true)
	var down *protocol.Status
	desktest.Eventually(t, 10*time.Second, "the journal is down and the firm halted", func() bool {
		st := d.Status(t)
		down = st
		return st.Journal.State == "down" && st.Firm.State == "halted" && contains(st.Firm.Breakers, "journal-error")
	})
	if !strings.Contains(down.Journal.Error, "no space left") {
		t.Fatalf("journal status while down: %+v, want the write error", down.Journal)
	}
	var reset protocol.ResetResult
	err = d.Call(t, protocol.CmdReset, protocol.ResetArgs{Node: "firm", Why: "disk-full test"}, &reset)
	var perr *protocol.Error
	if !errors.As(err, &perr) || perr.Code != protocol.CodeRefused || !strings.Contains(perr.Message, "journal") {
		t.Fatalf("reset while the journal is down: %+v, %v; want refused because of the journal", reset, err)
	}
	var ack protocol.Ack
	err = d.Call(t, protocol.CmdHalt, protocol.NodeArgs{Node: "mm-btc", Why: "disk-full test"}, &ack)
	if !errors.As(err, &perr) || perr.Code != protocol.CodeNotDurable {
		t.Fatalf("halt while the journal is down: %+v, %v; want not-durable", ack, err)
	}
	// The venues go on reporting (cancels of the breaker, fills of what
	// was resting): the journal holds it all.
	desktest.Eventually(t, 10*time.Second, "events pending in memory", func() bool { return d.Status(t).Journal.Pending > 0 })

	full.Store(false)
	desktest.Eventually(t, 10*time.Second, "the journal catches up", func() bool {
		j := d.Status(t).Journal
		return j.State == "up" && j.Pending == 0
	})
	if err := d.Call(t, protocol.CmdReset, protocol.ResetArgs{Node: "firm", Why: "disk-full test: space is back"}, &reset); err != nil {
		t.Fatalf("reset after the journal recovered: %v", err)
	}
	if !contains(reset.Cleared, "journal-error") || reset.CommitUS <= 0 {
		t.Fatalf("reset after recovery: %+v", reset)
	}
	// Trading resumes; then a kill stops it so that the state to compare
	// holds still.
	before := d.Status(t).Firm.Fills
	desktest.Eventually(t, 30*time.Second, "trading resumes", func() bool { return d.Status(t).Firm.Fills > before })
	var kill protocol.KillResult
	if err := d.Call(t, protocol.CmdKill, protocol.NodeArgs{Node: "firm", Why: "disk-full test: settle"}, &kill); err != nil {
		t.Fatal(err)
	}
	desktest.Eventually(t, 10*time.Second, "every order settles", func() bool { return d.Status(t).Firm.OpenOrders == 0 })
	settled, orders := d.Status(t), d.Orders(t)
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}

	d2 := daemontest.Start(t, daemon.Options{Paths: daemontest.PathsIn(dir), Config: cfg})
	after := d2.Status(t)
	if after.Journal.UncleanStart {
		t.Error("the restart after a clean stop reports an unclean start")
	}
	for _, s := range settled.Strategies {
		a := strategyOf(t, after, s.ID)
		if a.Fills != s.Fills || a.RealizedPnL != s.RealizedPnL || len(a.Positions) != len(s.Positions) {
			t.Fatalf("%s after restart: fills %d realized %s positions %d; before: fills %d realized %s positions %d",
				s.ID, a.Fills, a.RealizedPnL, len(a.Positions), s.Fills, s.RealizedPnL, len(s.Positions))
		}
		for i := range s.Positions {
			if a.Positions[i].Quantity != s.Positions[i].Quantity {
				t.Fatalf("%s position %+v after restart, before %+v", s.ID, a.Positions[i], s.Positions[i])
			}
		}
	}
	byID := map[string]protocol.Order{}
	for _, o := range d2.Orders(t) {
		byID[o.ClientOrderID] = o
	}
	for _, o := range orders {
		a, ok := byID[o.ClientOrderID]
		if !ok || a.State != o.State || a.FilledQuantity != o.FilledQuantity {
			t.Fatalf("order %s after restart: %+v (found %v); before %+v", o.ClientOrderID, a, ok, o)
		}
	}
}

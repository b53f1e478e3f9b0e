package daemontest_test

import (
	"os"
	"testing"

	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/cmd/desk/internal/daemon"
	"github.com/desk-trading/desk/cmd/desk/internal/daemontest"
	"github.com/desk-trading/desk/core/protocol"
)

// TestStartStop: Start fills the paths, answers status, and Stop is
// idempotent and removes the socket.
func TestStartStop(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	d := daemontest.Start(t, daemon.Options{Config: cfg})
	if d.Paths.StateDir == "" || d.Paths.Socket == "" {
		t.Fatalf("paths not filled: %+v", d.Paths)
	}
	if st := d.Status(t); len(st.Strategies) == 0 {
		t.Fatalf("status without strategies: %+v", st)
	}
	var ack protocol.Ack
	if err := d.Call(t, protocol.CmdHalt, protocol.NodeArgs{Node: "firm", Why: "daemontest"}, &ack); err != nil || ack.State != "halted" {
		t.Fatalf("halt firm: %+v %v", ack, err)
	}
	d.Orders(t)
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := d.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := os.Stat(d.Paths.Socket); !os.IsNotExist(err) {
		t.Fatalf("socket after Stop: %v", err)
	}
}

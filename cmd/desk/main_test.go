package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/protocol"
)

// buildDesk builds the desk binary once for the process tests.
var buildDesk = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "deskbin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "desk")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", &buildError{out: string(out), err: err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// proc is a desk serve child process.
type proc struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe starts desk serve on state and socket, with extra flags
// after them, and kills it at cleanup.
func startServe(t *testing.T, bin, state, socket string, extra ...string) *proc {
	t.Helper()
	args := append([]string{"serve", "--state", state, "--socket", socket}, extra...)
	p := &proc{cmd: exec.Command(bin, args...), stderr: &lockedBuffer{}}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		p.cmd.Wait()
	})
	return p
}

// ctlJSON runs desk ctl --json and decodes its output into out.
func ctlJSON(t *testing.T, bin, socket string, out any, args ...string) error {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"ctl", "--socket", socket, "--json"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return &buildError{out: stderr.String(), err: err}
	}
	return json.Unmarshal(b, out)
}

// within bounds every wait on a desk process in these tests.
const within = 60 * time.Second

// TestKill9Recovery kills a trading daemon with SIGKILL and starts it again
// on the same state: halted strategies, their positions, P&L, counters and
// orders come back as journaled, and the log says so.
func TestKill9Recovery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs desk processes")
	}
	bin, err := buildDesk()
	if err != nil {
		t.Fatal(err)
	}
	dir := desktest.ShortTempDir(t)
	state, socket := filepath.Join(dir, "state"), filepath.Join(dir, "run", "desk.sock")

	p := startServe(t, bin, state, socket)
	var st protocol.Status
	desktest.Eventually(t, within, "strategies trade", func() bool {
		if ctlJSON(t, bin, socket, &st, "status") != nil {
			return false
		}
		for _, s := range st.Strategies {
			if s.ID == "twap-xrp" && s.Fills > 0 {
				return true
			}
		}
		return false
	})
	// TWAP and mean reversion send IOC orders only: once halted and their
	// last order is done, nothing about them changes.
	halted := []string{"twap-xrp", "mr-aapl"}
	for _, id := range halted {
		var ack protocol.Ack
		if err := ctlJSON(t, bin, socket, &ack, "halt", id, "--why", "kill -9 test"); err != nil || ack.State != "halted" {
			t.Fatalf("halt %s: %+v %v", id, ack, err)
		}
	}
	// Two snapshots in a row (distinct: the status is published on a
	// tick) in which the halted strategies have nothing open and their
	// counters hold still.
	var before, prev protocol.Status
	desktest.Eventually(t, within, "halted strategies settle", func() bool {
		var b protocol.Status
		if ctlJSON(t, bin, socket, &b, "status") != nil {
			return false
		}
		a := prev
		prev = b
		if a.Time == "" || a.Time == b.Time {
			return false
		}
		for _, id := range halted {
			sa, sb := find(a, id), find(b, id)
			if sa.OpenOrders != 0 || sa.Fills != sb.Fills || sa.OrdersSent != sb.OrdersSent || sa.RealizedPnL != sb.RealizedPnL {
				return false
			}
		}
		before = b
		return true
	})
	var ordersBefore protocol.Orders
	if err := ctlJSON(t, bin, socket, &ordersBefore, "orders"); err != nil {
		t.Fatal(err)
	}
	// Everything compared above is on disk once a status built after it
	// shows the journal up with nothing pending: the journal makes its
	// events durable in order, so nothing appended before is left.
	compared := time.Now()
	desktest.Eventually(t, within, "the journal has made what is compared durable", func() bool {
		var s protocol.Status
		if ctlJSON(t, bin, socket, &s, "status") != nil {
			return false
		}
		at, err := time.Parse(time.RFC3339Nano, s.Time)
		return err == nil && at.After(compared) && s.Journal.State == "up" && s.Journal.Pending == 0
	})
	if err := p.cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	p.cmd.Wait()

	p2 := startServe(t, bin, state, socket)
	var after protocol.Status
	desktest.Eventually(t, within, "the daemon comes back", func() bool { return ctlJSON(t, bin, socket, &after, "status") == nil })
	for _, id := range halted {
		b, a := find(before, id), find(after, id)
		if a.State != "halted" || a.OrdersSent != b.OrdersSent || a.Fills != b.Fills || a.RealizedPnL != b.RealizedPnL {
			t.Fatalf("%s after kill -9: state %s sent %d fills %d realized %s; before: sent %d fills %d realized %s",
				id, a.State, a.OrdersSent, a.Fills, a.RealizedPnL, b.OrdersSent, b.Fills, b.RealizedPnL)
		}
		if len(a.Positions) != len(b.Positions) {
			t.Fatalf("%s positions %+v, before %+v", id, a.Positions, b.Positions)
		}
		for i := range b.Positions {
			if a.Positions[i].Quantity != b.Positions[i].Quantity {
				t.Fatalf("%s position %+v, before %+v", id, a.Positions[i], b.Positions[i])
			}
		}
	}
	var ordersAfter protocol.Orders
	if err := ctlJSON(t, bin, socket, &ordersAfter, "orders"); err != nil {
		t.Fatal(err)
	}
	byID := map[string]protocol.Order{}
	for _, o := range ordersAfter.Orders {
		byID[o.ClientOrderID] = o
	}
	for _, o := range ordersBefore.Orders {
		if o.Strategy != halted[0] && o.Strategy != halted[1] {
			continue
		}
		a, ok := byID[o.ClientOrderID]
		if !ok || a.FilledQuantity != o.FilledQuantity || a.State != o.State {
			t.Fatalf("order %s after kill -9: %+v (found %v), before %+v", o.ClientOrderID, a, ok, o)
		}
	}
	desktest.Eventually(t, within, "the log reports the restore", func() bool {
		return strings.Contains(p2.stderr.String(), "state restored from journal")
	})
	// A new epoch: ids issued now cannot collide with the old ones.
	if !strings.Contains(p2.stderr.String(), "epoch=2") {
		t.Fatalf("second start did not take epoch 2:\n%s", p2.stderr.String())
	}
}

// TestSecondDaemonFailsFast starts a second daemon on held state.
func TestSecondDaemonFailsFast(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs desk processes")
	}
	bin, err := buildDesk()
	if err != nil {
		t.Fatal(err)
	}
	dir := desktest.ShortTempDir(t)
	state := filepath.Join(dir, "state")
	startServe(t, bin, state, filepath.Join(dir, "a", "desk.sock"))
	desktest.Eventually(t, within, "the first daemon is up", func() bool {
		_, err := os.Stat(filepath.Join(dir, "a", "desk.sock"))
		return err == nil
	})
	out, err := exec.Command(bin, "serve", "--state", state, "--socket", filepath.Join(dir, "b", "desk.sock")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "another desk daemon") {
		t.Fatalf("second daemon: err %v, output:\n%s", err, out)
	}
}

func find(st protocol.Status, id string) protocol.Strategy {
	for _, s := range st.Strategies {
		if s.ID == id {
			return s
		}
	}
	return protocol.Strategy{}
}

// Quitting the demo says where its state is and how to start afresh.
func TestDemoFarewellSaysWhereTheStateIs(t *testing.T) {
	got := demoFarewell("/home/a/.local/state/desk/demo", "/home/a/.local/state/desk/demo/desk.log")
	for _, want := range []string{"stopped", "/home/a/.local/state/desk/demo/desk.log", "rm -rf /home/a/.local/state/desk/demo\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("farewell lacks %q:\n%s", want, got)
		}
	}
}

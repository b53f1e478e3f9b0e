package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/client"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/protocol"
)

// The measurement of what attached TUIs cost a trading daemon. It runs
// only when asked: DESK_MEASURE_ATTACH=1 go test -run TestAttachCost -v
// ./cmd/desk (DESK_MEASURE_STRATEGIES sets how many strategies the desk
// trades, 504 by default; DESK_MEASURE_WINDOW each window, 10s).
const (
	measureEnv           = "DESK_MEASURE_ATTACH"
	measureStrategiesEnv = "DESK_MEASURE_STRATEGIES"
	measureWindowEnv     = "DESK_MEASURE_WINDOW"
	measureTUIs          = 10
)

// TestAttachCost runs desk serve on the default desk with its strategies
// repeated to about 500, measures the daemon's CPU (user and system, from
// /proc) over a window with nothing attached, then with 1 and with 10
// read-only clients attached as the TUI is (the status pushes, the alerts
// and the orders stream, each read and decoded), and logs them and the
// differences: the daemon's cost of serving 10 TUIs per second of
// trading. It asserts nothing about the figures.
func TestAttachCost(t *testing.T) {
	if os.Getenv(measureEnv) == "" {
		t.Skip("a measurement: " + measureEnv + "=1 runs it")
	}
	strategies := envInt(t, measureStrategiesEnv, 504)
	window := 10 * time.Second
	if w := os.Getenv(measureWindowEnv); w != "" {
		d, err := time.ParseDuration(w)
		if err != nil {
			t.Fatal(err)
		}
		window = d
	}
	bin, err := buildDesk()
	if err != nil {
		t.Fatal(err)
	}
	dir := desktest.ShortTempDir(t)
	cfg := writeManyStrategies(t, dir, strategies)
	socket := filepath.Join(dir, "run", "desk.sock")
	p := startServe(t, bin, filepath.Join(dir, "state"), socket, "--config", cfg)
	var st protocol.Status
	desktest.Eventually(t, within, "the desk trades", func() bool {
		return ctlJSON(t, bin, socket, &st, "status") == nil && st.Firm.Fills > 0
	})
	pid := p.cmd.Process.Pid
	time.Sleep(window / 2) // past the start's burst
	idle := cpuOver(t, pid, window)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := &attacher{t: t, ctx: ctx, socket: socket, counts: make(chan [2]int, measureTUIs)}
	defer a.close()
	a.attach(1)
	time.Sleep(window / 2) // past the Reset
	one := cpuOver(t, pid, window)
	a.attach(measureTUIs - 1)
	time.Sleep(window / 2)
	ten := cpuOver(t, pid, window)
	statuses, updates := a.close()
	t.Logf("desk of %d strategies: daemon CPU %.1f%% of a core with nothing attached, %.1f%% with 1 TUI, %.1f%% with %d "+
		"(orders stream %v; %d statuses and %d orders updates read): per second of trading, %.1f ms of CPU for the first TUI, "+
		"%.1f ms for the %d, %.1f ms for each after the first",
		len(st.Strategies), 100*idle, 100*one, 100*ten, measureTUIs, a.streamed, statuses, updates,
		1000*(one-idle), 1000*(ten-idle), measureTUIs, 1000*(ten-one)/(measureTUIs-1))
}

// attacher attaches read-only clients subscribed as the TUI is and reads
// everything they are sent.
type attacher struct {
	t        *testing.T
	ctx      context.Context
	socket   string
	conns    []*client.Conn
	counts   chan [2]int // each client's statuses and orders updates, once it closed
	streamed bool        // the daemon serves the orders stream
}

func (a *attacher) attach(n int) {
	a.t.Helper()
	for range n {
		c, err := client.Dial(a.ctx, a.socket, client.ReadOnly())
		if err != nil {
			a.t.Fatal(err)
		}
		a.conns = append(a.conns, c)
		ch, err := c.Subscribe(a.ctx)
		if err != nil {
			a.t.Fatal(err)
		}
		var perr *protocol.Error
		switch err := c.SubscribeOrders(a.ctx, 500); {
		case err == nil:
			a.streamed = true
		case errors.As(err, &perr) && perr.Code == protocol.CodeUnknownCmd:
		default:
			a.t.Fatal(err)
		}
		go drain(ch, a.counts)
	}
}

// close closes every client and returns how many statuses and orders
// updates they read in all.
func (a *attacher) close() (statuses, updates int) {
	for _, c := range a.conns {
		c.Close() // closes its subscription's channel
	}
	for range a.conns {
		n := <-a.counts
		statuses, updates = statuses+n[0], updates+n[1]
	}
	a.conns = nil
	return statuses, updates
}

// drain reads a subscription until it closes, then sends how many
// statuses and orders updates it read.
func drain(ch <-chan protocol.Envelope, counts chan<- [2]int) {
	var n [2]int
	for env := range ch {
		switch env.Type {
		case protocol.TypeStatus:
			n[0]++
		case protocol.TypeOrders:
			n[1]++
		}
	}
	counts <- n
}

// cpuOver returns the share of a core process pid used over window.
func cpuOver(t *testing.T, pid int, window time.Duration) float64 {
	t.Helper()
	start, t0 := cpuTicks(t, pid), time.Now()
	time.Sleep(window)
	end, t1 := cpuTicks(t, pid), time.Now()
	const userHZ = 100 // clock ticks a second of /proc/PID/stat on Linux
	return float64(end-start) / userHZ / t1.Sub(t0).Seconds()
}

// cpuTicks reads the user and system clock ticks of pid from /proc.
func cpuTicks(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // fields[0] is the state, field 3
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("/proc/%d/stat: %q", pid, s)
	}
	return utime + stime
}

// writeManyStrategies writes the embedded default with its strategies
// repeated until there are n (each copy's ids suffixed), and returns its
// path.
func writeManyStrategies(t *testing.T, dir string, n int) string {
	t.Helper()
	def, err := os.ReadFile(filepath.Join("internal", "config", "default.toml"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(def)
	at := strings.Index(doc, "[[strategies]]")
	head, strats := doc[:at], doc[at:]
	per := strings.Count(strats, "[[strategies]]")
	var b strings.Builder
	b.WriteString(head)
	for i := 0; i*per < n; i++ {
		b.WriteString(strings.ReplaceAll(strats, "\nid = \"", "\nid = \"c"+strconv.Itoa(i)+"-"))
		b.WriteString("\n")
	}
	path := filepath.Join(dir, "many.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a count", name, v)
	}
	return n
}

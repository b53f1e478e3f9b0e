package daemon_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/cmd/desk/internal/daemon"
	"github.com/desk-trading/desk/cmd/desk/internal/daemontest"
	"github.com/desk-trading/desk/core/client"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/protocol"
)

// TestQueryFloodLeavesTradingAlone floods a trading daemon with orders and
// status queries from ten clients (2,000 resting orders: each orders walk
// is two pages) and compares with the same daemon idle: the engine's
// inbox latency and the halt round trip stay within twice their idle
// figures plus 100 ms (no stall), no breaker trips, and every client, flooders included, keeps
// being answered.
func TestQueryFloodLeavesTradingAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end daemon run")
	}
	cfg := daemontest.LadderConfig(t, 2000)
	d := daemontest.Start(t, daemon.Options{Config: cfg, Registry: daemontest.LadderRegistry(t, 2000), LatencyWindow: time.Second})
	desktest.Eventually(t, 60*time.Second, "the ladder rests 2,000 orders", func() bool {
		return strategyOf(t, d.Status(t), "ladder").OpenOrders == 2000
	})

	nextWindow(t, d) // the first may hold start-up
	idleInbox := nextWindow(t, d)
	idleHalt := haltRoundTrips(t, d, 20)

	// The flooders are processes of their own, as desk ctl and TUIs are:
	// their decoding competes with the daemon for the machine's CPUs, not
	// for its Go scheduler.
	flooders := make([]*exec.Cmd, 10)
	outs := make([]*bytes.Buffer, len(flooders))
	stops := make([]io.Closer, len(flooders))
	for k := range flooders {
		outs[k] = &bytes.Buffer{}
		cmd := exec.Command(os.Args[0], "-test.run=^TestFloodClientProcess$")
		cmd.Env = append(os.Environ(), "DESK_FLOOD_SOCKET="+d.Paths.Socket)
		cmd.Stdout = outs[k]
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
		flooders[k], stops[k] = cmd, stdin // a flooder stops when its stdin closes
	}
	nextWindow(t, d) // partly idle
	floodInbox := nextWindow(t, d)
	floodHalt := haltRoundTrips(t, d, 20)

	t.Logf("inbox p99: idle %v (%d books), flooded %v (%d books)", time.Duration(idleInbox.P99), idleInbox.Count,
		time.Duration(floodInbox.P99), floodInbox.Count)
	t.Logf("halt round trip median: idle %v, flooded %v", idleHalt, floodHalt)
	st := d.Status(t)
	for _, s := range stops {
		s.Close()
	}
	for k, c := range flooders {
		c.Wait()
		first, _, _ := strings.Cut(outs[k].String(), "\n")
		n, _ := strconv.Atoi(first)
		if n == 0 {
			t.Errorf("flooding client %d was never answered: %q", k, outs[k].String())
		} else {
			t.Logf("flooding client %d: %d answers", k, n)
		}
	}
	// Twice the idle figure, with a floor for the scheduler's noise: this
	// catches an engine that waits on queries, which shows seconds, not a
	// loaded machine (a whole `go test ./...` on two cores has shown 15 ms
	// of p99 here with the engine healthy). The figures themselves are in
	// the log. Under the race detector they mean nothing; the rest holds.
	const floor = 100 * time.Millisecond
	if raceDetector {
		t.Log("race detector on: latency not compared")
	} else if limit := 2*time.Duration(idleInbox.P99) + floor; time.Duration(floodInbox.P99) > limit {
		t.Errorf("inbox p99 under the flood %v, above twice idle plus %v (%v)", time.Duration(floodInbox.P99), floor, limit)
	}
	if limit := 2*idleHalt + floor; !raceDetector && floodHalt > limit {
		t.Errorf("halt round trip under the flood %v, above twice idle plus %v (%v)", floodHalt, floor, limit)
	}
	tripped := st.Firm.Breakers
	for _, b := range st.Books {
		tripped = append(tripped, b.Breakers...)
	}
	for _, s := range st.Strategies {
		tripped = append(tripped, s.Breakers...)
	}
	if len(tripped) > 0 {
		t.Errorf("breakers tripped during the flood: %v", tripped)
	}
}

// TestFloodClientProcess is a flooding client when run as a child of
// TestQueryFloodLeavesTradingAlone: it pages through every order, asking
// for the status between pages, in a loop until its stdin closes, then
// prints how many answers it got.
func TestFloodClientProcess(t *testing.T) {
	socket := os.Getenv("DESK_FLOOD_SOCKET")
	if socket == "" {
		t.Skip("a child of TestQueryFloodLeavesTradingAlone")
	}
	ctx, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	go func() { io.Copy(io.Discard, os.Stdin); stop() }()
	c, err := client.Dial(ctx, socket)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	answered := 0
	var args protocol.OrdersArgs
	for ctx.Err() == nil {
		var page protocol.Orders
		if err := c.Call(ctx, protocol.CmdOrders, args, &page); err == nil && len(page.Orders) > 0 {
			answered++
			args.After = page.Next
		}
		var st protocol.Status
		if c.Call(ctx, protocol.CmdStatus, nil, &st) == nil {
			answered++
		}
	}
	fmt.Println(answered)
}

// nextWindow waits for the next complete latency window and returns the
// engine inbox's figures in it.
func nextWindow(t *testing.T, d *daemontest.Daemon) protocol.LatencySummary {
	t.Helper()
	inbox := func() *protocol.LatencySummary {
		for _, l := range d.Status(t).Latency {
			if l.Stage == "inbox" {
				return l.Recent
			}
		}
		return nil
	}
	first := inbox()
	var got protocol.LatencySummary
	desktest.Eventually(t, 10*time.Second, "a new latency window", func() bool {
		w := inbox()
		if w == nil || (first != nil && *w == *first) {
			return false
		}
		got = *w
		return true
	})
	return got
}

// haltRoundTrips halts and resumes a strategy n times and returns the
// median round trip of a command, its durable commit included.
func haltRoundTrips(t *testing.T, d *daemontest.Daemon, n int) time.Duration {
	t.Helper()
	var took []time.Duration
	for i := range n {
		cmd := protocol.CmdHalt
		if i%2 == 1 {
			cmd = protocol.CmdResume
		}
		start := time.Now()
		var ack protocol.Ack
		if err := d.Call(t, cmd, protocol.NodeArgs{Node: "mr-eth", Why: "flood test"}, &ack); err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	return took[len(took)/2]
}

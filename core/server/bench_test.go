//go:build unix

package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/desk-trading/desk/core/protocol"
)

// The shape of the desk BenchmarkServeTenSubscribers serves.
const (
	benchStrategies = 500  // strategies in the Status
	benchBooks      = 10   // books they are in
	benchVenues     = 4    // venues, each with a feed of 6 symbols
	benchWorking    = 5000 // working orders in the orders stream's Reset
	benchChanged    = 20   // orders changed between two pushes
	benchConns      = 10   // attached TUIs
)

// benchStatus returns a Status the size of a 500-strategy desk's: each
// strategy with two positions, its totals, the use of three limits and
// denials; books, venues with feeds and budgets, and every latency stage.
func benchStatus(at int) *protocol.Status {
	st := &protocol.Status{
		Time:    time.Unix(1_800_000_000, int64(at)).UTC().Format(time.RFC3339Nano),
		Firm:    protocol.Firm{State: "active", Totals: benchTotals(at), NodeDetail: benchDetail("firm")},
		Journal: protocol.Journal{State: "up"},
	}
	for i := range benchBooks {
		st.Books = append(st.Books, protocol.Book{ID: "book-" + strconv.Itoa(i), State: "active", Totals: benchTotals(at + i), NodeDetail: benchDetail("book")})
	}
	for i := range benchStrategies {
		id := fmt.Sprintf("mm-%03d", i)
		st.Strategies = append(st.Strategies, protocol.Strategy{
			ID: id, Kind: "market-maker", Book: "book-" + strconv.Itoa(i%benchBooks), State: "active",
			Positions: []protocol.Position{
				{Instrument: "BTC-USD", Quantity: "0.125", AvgPrice: "64123.45", Mark: "64150.10", RealizedPnL: "12.34", UnrealizedPnL: "3.33"},
				{Instrument: "ETH-USD", Quantity: "-2.5", AvgPrice: "3120.5", Mark: "3118.25", RealizedPnL: "-4.20", UnrealizedPnL: "5.63"},
			},
			Totals:       benchTotals(at + i),
			NodeDetail:   benchDetail("strategy"),
			Denials:      int64(i % 7),
			LastDenial:   "max_order_qty: 5 above 2",
			LastDenialAt: "2027-01-15T08:00:00.123456789Z",
			LastOrder:    "2027-01-15T08:00:01.123456789Z", TickToOrderP99: 41_000,
		})
	}
	for i := range benchVenues {
		v := protocol.Venue{Name: "venue-" + strconv.Itoa(i), Connected: true, Execution: "sim",
			Feed:   &protocol.Feed{Protocol: "binance", Connected: true, Frames: 123456, Books: 120000, LastMessage: "2027-01-15T08:00:01.123456789Z"},
			Budget: &protocol.Budget{Orders10s: 12, Orders10sLimit: 50, Orders1d: 1234, Orders1dLimit: 160000, Weight1m: 300, Weight1mLimit: 6000}}
		for s := range 6 {
			v.Feed.Symbols = append(v.Feed.Symbols, protocol.FeedSymbol{Symbol: "SYM" + strconv.Itoa(s) + "USDT", Instrument: "SYM" + strconv.Itoa(s) + "-USD", Synced: true, LastUpdateID: 987654321})
		}
		st.Venues = append(st.Venues, v)
	}
	for _, stage := range []string{"feed", "inbox", "strategy", "risk", "route", "send", "venue-ack", "tick-to-order"} {
		st.Latency = append(st.Latency, protocol.StageLatency{Stage: stage, Count: 1_000_000, P50: 1200, P99: 8000, P999: 21000, Max: 90000,
			Recent: &protocol.LatencySummary{WindowMS: 10000, Count: 10000, P50: 1100, P99: 7000, P999: 20000, Max: 40000}})
	}
	return st
}

func benchTotals(n int) protocol.Totals {
	return protocol.Totals{RealizedPnL: strconv.Itoa(n) + ".25", UnrealizedPnL: "-" + strconv.Itoa(n%97) + ".5", OpenOrders: 10, OrdersSent: int64(1000 + n), Fills: int64(400 + n)}
}

func benchDetail(kind string) protocol.NodeDetail {
	return protocol.NodeDetail{Use: []protocol.LimitUse{
		{Key: "max_position", Instrument: "BTC-USD", Limit: "10", Used: "7.3", Ratio: 0.73},
		{Key: "max_orders_per_sec", Limit: "50", Used: "12", Ratio: 0.24},
		{Key: "max_daily_loss", Limit: "100000", Used: "1234.5", Ratio: 0.012345},
	}, Changed: &protocol.StateChange{State: "active", Who: "uid 1000 (" + kind + ")", Time: "2027-01-15T07:28:01.123456789Z", Why: "morning start"}}
}

func benchOrder(n int) protocol.Order {
	return protocol.Order{
		ClientOrderID: fmt.Sprintf("7-mm-%03d-%d", n%benchStrategies, n), Strategy: fmt.Sprintf("mm-%03d", n%benchStrategies),
		Venue: "venue-" + strconv.Itoa(n%benchVenues), Instrument: "BTC-USD", Side: "buy", Type: "limit", TimeInForce: "gtc",
		Price: "64123.45", Quantity: "0.010", FilledQuantity: "0.004", AvgFillPrice: "64123.40", State: "partially_filled",
		Created: "2027-01-15T08:00:00.123456789Z", Updated: "2027-01-15T08:00:01.123456789Z",
	}
}

// benchBackend is the daemon as the server sees it: a published Status
// (an atomic load) and an orders stream that returns a copy of what
// changed since a cursor. Its OrdersSince costs a slice copy: the
// daemon's own cost of a pull, reading its view, is not measured here.
type benchBackend struct {
	status  atomic.Pointer[protocol.Status]
	mu      sync.Mutex
	working []protocol.Order // the Reset
	log     []protocol.Order // every change; cursor n is log[:n]
}

func (b *benchBackend) Status() *protocol.Status { return b.status.Load() }
func (b *benchBackend) Query(string) bool        { return false }
func (b *benchBackend) Do(context.Context, Peer, string, json.RawMessage) (any, error) {
	return nil, &protocol.Error{Code: protocol.CodeUnknownCmd, Message: "unknown command"}
}

func (b *benchBackend) OrdersSince(_ context.Context, cursor uint64, _ int) (protocol.OrdersUpdate, uint64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	next := uint64(len(b.log))
	if cursor == 0 {
		return protocol.OrdersUpdate{Reset: true, Orders: append([]protocol.Order(nil), b.working...)}, max(next, 1), nil
	}
	if cursor >= next {
		return protocol.OrdersUpdate{}, cursor, nil
	}
	return protocol.OrdersUpdate{Orders: append([]protocol.Order(nil), b.log[cursor:]...)}, next, nil
}

// publish is one status interval of trading: a new snapshot and
// benchChanged orders changed.
func (b *benchBackend) publish(st *protocol.Status, changed []protocol.Order) {
	b.mu.Lock()
	b.log = append(b.log, changed...)
	b.mu.Unlock()
	b.status.Store(st)
}

// BenchmarkServeTenSubscribers measures the server's cost of serving 10
// attached TUIs. One op is one status interval of a busy desk: a new
// Status of 500 strategies (about 0.5 MB of JSON) encoded once and written
// to each of the 10 subscribed connections, and each connection's orders
// stream pulled and its update (20 orders changed) encoded and written:
// 10 status frames and 10 orders frames. The clients run in a child
// process (this test binary, TestServeTenSubscribersClients), so the
// allocations and cpu-ns/op (user+system CPU of this process per op,
// from getrusage) are the server's alone; ns/op is wall time, bounded
// below by the 1 ms status interval it runs at. %cpu@10Hz is the CPU of
// one core the daemon spends at the default 10 pushes a second: its cost
// per second of trading for 10 TUIs. The pull's own cost in the daemon
// (reading its view of the orders) is the stand-in's slice copy here.
func BenchmarkServeTenSubscribers(b *testing.B) { benchServe(b, benchConns) }

// BenchmarkServeOneSubscriber is BenchmarkServeTenSubscribers with one
// TUI attached: the difference is what each further TUI costs, since the
// Status is encoded once however many are attached.
func BenchmarkServeOneSubscriber(b *testing.B) { benchServe(b, 1) }

// benchServe runs one status interval per op with conns TUIs attached.
func benchServe(b *testing.B, conns int) {
	be := &benchBackend{}
	for i := range benchWorking {
		be.working = append(be.working, benchOrder(i))
	}
	statuses := [2]*protocol.Status{benchStatus(0), benchStatus(1)}
	be.status.Store(statuses[1])
	opts := testOptions(b, be)
	opts.StatusInterval = time.Millisecond
	s, _ := start(b, opts)
	clients := startBenchClients(b, s.opts.Path, conns)

	changed := make([][]protocol.Order, 64) // prebuilt: building them is not the server's
	for i := range changed {
		for j := range benchChanged {
			changed[i] = append(changed[i], benchOrder(i*benchChanged+j))
		}
	}
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for i := range b.N {
		// A fresh pointer each op: the server encodes each snapshot once.
		cp := *statuses[i%2]
		be.publish(&cp, changed[i%len(changed)])
		clients.waitRound(b)
	}
	b.StopTimer()
	perOp := float64(cpuTime(b)-cpu0) / float64(b.N)
	b.ReportMetric(perOp, "cpu-ns/op")
	b.ReportMetric(perOp*10/1e9*100, "%cpu@10Hz")
}

// cpuTime returns the user and system CPU this process used, in ns.
func cpuTime(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// benchClients is the child process holding the 10 connections: it
// writes a byte on its stdout once every connection got a round's two
// frames.
type benchClients struct {
	cmd    *exec.Cmd
	rounds *bufio.Reader
}

// The child's environment: the socket, and how many connections to make.
const (
	benchSocketEnv = "DESK_BENCH_SOCKET"
	benchConnsEnv  = "DESK_BENCH_CONNS"
)

func startBenchClients(b *testing.B, path string, conns int) *benchClients {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeTenSubscribersClients$", "-test.count=1")
	cmd.Env = append(os.Environ(), benchSocketEnv+"="+path, benchConnsEnv+"="+strconv.Itoa(conns))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close() // the child returns when its stdin closes
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(waitFor):
			cmd.Process.Kill()
			<-done
		}
	})
	c := &benchClients{cmd: cmd, rounds: bufio.NewReader(stdout)}
	c.waitRound(b) // every client is subscribed and has its Reset
	return c
}

// waitRound waits for the child's next byte.
func (c *benchClients) waitRound(b *testing.B) {
	if _, err := c.rounds.ReadByte(); err != nil {
		b.Fatalf("bench clients: %v", err)
	}
}

// TestServeTenSubscribersClients is BenchmarkServeTenSubscribers' child
// process; run alone it skips. It connects $DESK_BENCH_CONNS TUIs to the
// socket in $DESK_BENCH_SOCKET, each subscribed to the status and the orders
// stream, reads their frames without decoding them, and writes a byte on
// stdout when all are set up, then after every round of 2 frames each.
func TestServeTenSubscribersClients(t *testing.T) {
	path := os.Getenv(benchSocketEnv)
	if path == "" {
		t.Skip("the child of BenchmarkServeTenSubscribers")
	}
	conns, err := strconv.Atoi(os.Getenv(benchConnsEnv))
	if err != nil || conns < 1 {
		t.Fatalf("%s=%q: want a count", benchConnsEnv, os.Getenv(benchConnsEnv))
	}
	frames := make(chan struct{}, 2*conns*64)
	for range conns {
		ws := benchDial(t, path)
		defer ws.Close()
		go benchRead(ws, frames)
	}
	out := bufio.NewWriter(os.Stdout)
	signal := func() {
		out.WriteByte('.')
		out.Flush()
	}
	signal()
	stdinClosed := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(stdinClosed) }()
	for {
		for range 2 * conns {
			select {
			case <-frames:
			case <-stdinClosed:
				return
			}
		}
		signal()
	}
}

// benchDial connects one client and subscribes it to the status and the
// orders stream, reading until it has the first of each.
func benchDial(t *testing.T, path string) *websocket.Conn {
	d := websocket.Dialer{NetDialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var nd net.Dialer
		return nd.DialContext(ctx, "unix", path)
	}}
	ws, _, err := d.Dial("ws://desk/?read_only=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	read(t, ws) // hello
	request(t, ws, 1, protocol.CmdSubscribe, nil)
	for env := read(t, ws); env.Type != protocol.TypeStatus; env = read(t, ws) {
	}
	request(t, ws, 2, protocol.CmdOrdersSubscribe, protocol.OrdersSubscribeArgs{Finished: 500})
	for env := read(t, ws); env.Type != protocol.TypeOrders; env = read(t, ws) {
	}
	ws.SetReadDeadline(time.Time{})
	return ws
}

var (
	statusPrefix = []byte(`{"v":1,"type":"status"`)
	ordersPrefix = []byte(`{"v":1,"type":"orders"`)
)

// benchRead reads frames until the connection ends, sending a token for
// each status and orders frame, and decodes none.
func benchRead(ws *websocket.Conn, frames chan<- struct{}) {
	head := make([]byte, len(statusPrefix))
	for {
		_, r, err := ws.NextReader()
		if err != nil {
			return
		}
		n, _ := io.ReadFull(r, head)
		io.Copy(io.Discard, r)
		if bytes.Equal(head[:n], statusPrefix) || bytes.Equal(head[:n], ordersPrefix) {
			frames <- struct{}{}
		}
	}
}

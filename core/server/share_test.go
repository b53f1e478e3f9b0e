package server

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/protocol"
)

// TestFloodingClientIsSlowedAlone gives each client a share of one
// request a second with a burst of two: a client past it waits for its
// next token, and another client is answered at once meanwhile.
func TestFloodingClientIsSlowedAlone(t *testing.T) {
	b := newFakeBackend()
	opts := testOptions(t, b)
	opts.RequestRate, opts.RequestBurst = 1, 2
	start(t, opts)
	flood, _ := dial(t, opts.Path)
	calm, _ := dial(t, opts.Path)

	for id := uint64(1); id <= 3; id++ {
		request(t, flood, id, protocol.CmdStatus, nil)
	}
	for id := uint64(1); id <= 2; id++ {
		if env := response(t, flood, id); env.Error != nil {
			t.Fatalf("request %d within the burst: %+v", id, env.Error)
		}
	}
	// The third waits for a token, a second away; the calm client is
	// not behind it.
	if env := call(t, calm, 1, protocol.CmdHalt, protocol.NodeArgs{Node: "mm"}); env.Error != nil {
		t.Fatalf("the calm client's halt: %+v", env.Error)
	}
	flood.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	var env protocol.Envelope
	if err := flood.ReadJSON(&env); err == nil {
		t.Fatalf("the flooding client's third request was answered within 300ms, past its share: %+v", env)
	}
}

// TestQueriesShareABoundedPool runs one query at a time across clients:
// a second client's query waits for the first, while a command that is no
// query is answered at once.
func TestQueriesShareABoundedPool(t *testing.T) {
	b := newFakeBackend()
	b.queries.Store(true)
	opts := testOptions(t, b)
	opts.QueryWorkers = 1
	start(t, opts)
	a, _ := dial(t, opts.Path)
	c, _ := dial(t, opts.Path)
	h, _ := dial(t, opts.Path)

	request(t, a, 1, protocol.CmdOrders, protocol.NodeArgs{Node: "block"})
	select {
	case <-b.entered:
	case <-time.After(waitFor):
		t.Fatal("the first query never ran")
	}
	request(t, c, 1, protocol.CmdOrders, protocol.NodeArgs{Node: "block"})
	if env := call(t, h, 1, protocol.CmdHalt, protocol.NodeArgs{Node: "mm"}); env.Error != nil {
		t.Fatalf("halt while the pool is busy: %+v", env.Error)
	}
	select {
	case <-b.entered:
		t.Fatal("a second query ran while the pool of one was busy")
	case <-time.After(100 * time.Millisecond):
	}
	b.release <- struct{}{}
	if env := response(t, a, 1); env.Error != nil {
		t.Fatalf("first query: %+v", env.Error)
	}
	select {
	case <-b.entered:
	case <-time.After(waitFor):
		t.Fatal("the second query never ran after the first finished")
	}
	b.release <- struct{}{}
	if env := response(t, c, 1); env.Error != nil {
		t.Fatalf("second query: %+v", env.Error)
	}
}

// TestRecentAlertsReachLateSubscribers raises alerts before any client
// subscribes: a client subscribing later gets them first, in order, then
// the live ones, each once.
func TestRecentAlertsReachLateSubscribers(t *testing.T) {
	b := newFakeBackend()
	s, _ := start(t, testOptions(t, b))
	for i := range alertHistory + 3 {
		s.Alert(protocol.Alert{Severity: "warning", Message: fmt.Sprintf("early %d", i)})
	}
	ws, _ := dial(t, s.opts.Path)
	call(t, ws, 1, protocol.CmdSubscribe, nil)
	var got []string
	for len(got) < alertHistory {
		if env := read(t, ws); env.Type == protocol.TypeAlert {
			got = append(got, env.Alert.Message)
		}
	}
	if got[0] != "early 3" || got[len(got)-1] != fmt.Sprintf("early %d", alertHistory+2) {
		t.Fatalf("recent alerts %q ... %q, want the last %d in order", got[0], got[len(got)-1], alertHistory)
	}
	s.Alert(protocol.Alert{Severity: "critical", Message: "live"})
	for {
		env := read(t, ws)
		if env.Type != protocol.TypeAlert {
			continue
		}
		if env.Alert.Message != "live" {
			t.Fatalf("after the recent ones: %q, want the live alert", env.Alert.Message)
		}
		break
	}
}

// tagBackend answers orders as a query that blocks until released, telling
// which client's query (its node argument) entered.
type tagBackend struct {
	entered chan string
	release chan struct{}
}

func (b *tagBackend) Status() *protocol.Status { return &protocol.Status{Time: "t"} }
func (b *tagBackend) Query(cmd string) bool    { return cmd == protocol.CmdOrders }
func (b *tagBackend) Do(ctx context.Context, _ Peer, cmd string, args json.RawMessage) (any, error) {
	var a protocol.NodeArgs
	json.Unmarshal(args, &a)
	b.entered <- a.Node
	select {
	case <-b.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return protocol.Ack{Node: a.Node}, nil
}

// TestFloodingClientHoldsOneQueryAtATime has one client send sixteen
// queries at once while the pool has one slot: a second client's query
// runs right after the flooder's first, not after all sixteen. Found by
// review: every query of a flooder queued for the pool, and a calm
// client's waited behind them all until its command timed out.
func TestFloodingClientHoldsOneQueryAtATime(t *testing.T) {
	b := &tagBackend{entered: make(chan string, 32), release: make(chan struct{})}
	opts := testOptions(t, b)
	opts.QueryWorkers = 1
	start(t, opts)
	flood, _ := dial(t, opts.Path)
	calm, _ := dial(t, opts.Path)
	for id := uint64(1); id <= 16; id++ {
		request(t, flood, id, protocol.CmdOrders, protocol.NodeArgs{Node: "flood"})
	}
	if got := <-b.entered; got != "flood" {
		t.Fatalf("first query from %q", got)
	}
	request(t, calm, 1, protocol.CmdOrders, protocol.NodeArgs{Node: "calm"})
	// Let the calm client's query reach the pool's queue before the
	// flooder's first leaves.
	time.Sleep(50 * time.Millisecond)
	b.release <- struct{}{}
	select {
	case got := <-b.entered:
		if got != "calm" {
			t.Fatalf("after the flooder's first query, %q's ran; want the calm client's", got)
		}
	case <-time.After(waitFor):
		t.Fatal("no query ran after the first")
	}
	close(b.release)
}

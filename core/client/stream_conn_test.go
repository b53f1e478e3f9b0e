package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/desk-trading/desk/core/client"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/protocol"
)

// streamBackend is a backend serving the orders stream: the whole set on
// cursor 0, then each order set since.
type streamBackend struct {
	*backend
	mu      sync.Mutex
	log     []protocol.Order // every set, in order; cursor n is log[:n]
	pulledN int              // the last pull's finished
}

func (b *streamBackend) set(o protocol.Order) {
	b.mu.Lock()
	b.log = append(b.log, o)
	b.mu.Unlock()
}

func (b *streamBackend) OrdersSince(_ context.Context, cursor uint64, finished int) (protocol.OrdersUpdate, uint64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pulledN = finished
	u := protocol.OrdersUpdate{Reset: cursor == 0, Orders: append([]protocol.Order(nil), b.log[cursor:]...)}
	return u, uint64(len(b.log)), nil
}

func dialReadOnly(t *testing.T, path string) *client.Conn {
	t.Helper()
	c, err := client.Dial(ctxFor(t), path, client.ReadOnly())
	if err != nil {
		t.Fatalf("Dial read-only: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestDialReadOnly(t *testing.T) {
	d := startDaemon(t, newBackend())
	ro := dialReadOnly(t, d.path)
	if !ro.Hello().ReadOnly {
		t.Fatalf("hello %+v, want read-only", ro.Hello())
	}
	var perr *protocol.Error
	err := ro.Call(ctxFor(t), protocol.CmdHalt, protocol.NodeArgs{Node: "firm"}, nil)
	if !errors.As(err, &perr) || perr.Code != protocol.CodeRefused {
		t.Fatalf("halt on a read-only connection: %v, want refused", err)
	}
	if err := ro.Call(ctxFor(t), protocol.CmdStatus, nil, nil); err != nil {
		t.Fatalf("status on a read-only connection: %v", err)
	}
	if _, err := ro.Orders(ctxFor(t)); err != nil { // a query
		t.Fatalf("orders on a read-only connection: %v", err)
	}
	rw := dial(t, d.path)
	if rw.Hello().ReadOnly {
		t.Fatalf("a plain Dial got a read-only connection: %+v", rw.Hello())
	}
	if err := rw.Call(ctxFor(t), protocol.CmdHalt, protocol.NodeArgs{Node: "firm"}, nil); err != nil {
		t.Fatalf("halt on a normal connection: %v", err)
	}
}

// TestDialReadOnlyNotGranted: a daemon that does not confirm a read-only
// connection in its Hello is not trusted to be one.
func TestDialReadOnlyNotGranted(t *testing.T) {
	path := filepath.Join(desktest.ShortTempDir(t), "old.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	up := websocket.Upgrader{}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		ws.WriteJSON(protocol.Envelope{V: protocol.Version, Type: protocol.TypeHello,
			Hello: &protocol.Hello{Version: protocol.Version, Daemon: "desk old"}})
		ws.ReadMessage() // until the client leaves
	})}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	c, err := client.Dial(ctxFor(t), path, client.ReadOnly())
	if !errors.Is(err, client.ErrReadOnly) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("Dial read-only to a daemon that ignores it: %v, want ErrReadOnly", err)
	}
}

func TestSubscribeOrders(t *testing.T) {
	b := &streamBackend{backend: newBackend()}
	b.set(protocol.Order{ClientOrderID: "a", State: "new"})
	d := startDaemon(t, b)
	c := dialReadOnly(t, d.path) // the stream is for wall screens too
	if err := c.SubscribeOrders(ctxFor(t), 0); !errors.Is(err, client.ErrNotSubscribed) {
		t.Fatalf("SubscribeOrders before Subscribe: %v, want ErrNotSubscribed", err)
	}
	ch, err := c.Subscribe(ctxFor(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SubscribeOrders(ctxFor(t), 42); err != nil {
		t.Fatal(err)
	}
	var held map[string]protocol.Order
	next := func() *protocol.OrdersUpdate {
		for {
			if env := recv(t, ch); env.Type == protocol.TypeOrders {
				held = client.ApplyOrders(held, env.Orders)
				return env.Orders
			}
		}
	}
	if u := next(); !u.Reset || len(held) != 1 || held["a"].State != "new" {
		t.Fatalf("first orders push %+v, want the Reset holding a", u)
	}
	b.mu.Lock()
	finished := b.pulledN
	b.mu.Unlock()
	if finished != 42 {
		t.Errorf("the daemon pulled with finished %d, want 42", finished)
	}
	b.set(protocol.Order{ClientOrderID: "b", State: "new"})
	b.set(protocol.Order{ClientOrderID: "a", State: "filled"})
	for held["a"].State != "filled" || held["b"].State != "new" {
		if u := next(); u.Reset {
			t.Fatalf("push %+v: a Reset without resubscribing", u)
		}
	}
	var perr *protocol.Error
	if err := c.SubscribeOrders(ctxFor(t), -1); !errors.As(err, &perr) || perr.Code != protocol.CodeBadRequest {
		t.Fatalf("SubscribeOrders(-1): %v, want bad request", err)
	}
}

func TestSubscribeOrdersUnknownToBackend(t *testing.T) {
	d := startDaemon(t, newBackend())
	c := dial(t, d.path)
	if _, err := c.Subscribe(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
	var perr *protocol.Error
	if err := c.SubscribeOrders(ctxFor(t), 0); !errors.As(err, &perr) || perr.Code != protocol.CodeUnknownCmd {
		t.Fatalf("SubscribeOrders on a backend without the stream: %v, want unknown command", err)
	}
}

package server

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/desk-trading/desk/core/protocol"
)

// streamBackend is a fakeBackend serving the orders stream from a change
// log: each set or forget is one cursor step.
type streamBackend struct {
	*fakeBackend
	mu       sync.Mutex
	orders   map[string]protocol.Order // what the daemon holds
	changed  map[string]uint64         // each held order's last change
	gone     map[string]uint64         // each forgotten id's forget
	cursor   uint64
	fails    int // the next pulls that fail
	finished int // the last pull's finished
	pulls    int // how many pulls ran
}

func newStreamBackend() *streamBackend {
	return &streamBackend{
		fakeBackend: newFakeBackend(),
		orders:      map[string]protocol.Order{},
		changed:     map[string]uint64{},
		gone:        map[string]uint64{},
	}
}

func (b *streamBackend) set(id, state string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.setLocked(id, state)
}

func (b *streamBackend) setLocked(id, state string) {
	b.cursor++
	b.orders[id] = protocol.Order{ClientOrderID: id, State: state}
	b.changed[id] = b.cursor
	delete(b.gone, id)
}

func (b *streamBackend) forget(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.forgetLocked(id)
}

func (b *streamBackend) forgetLocked(id string) {
	b.cursor++
	delete(b.orders, id)
	delete(b.changed, id)
	b.gone[id] = b.cursor
}

func (b *streamBackend) lastFinished() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.finished
}

// held returns a copy of what the daemon holds.
func (b *streamBackend) held() map[string]protocol.Order {
	b.mu.Lock()
	defer b.mu.Unlock()
	return maps.Clone(b.orders)
}

func (b *streamBackend) OrdersSince(ctx context.Context, cursor uint64, finished int) (protocol.OrdersUpdate, uint64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.finished = finished
	b.pulls++
	if b.fails > 0 {
		b.fails--
		return protocol.OrdersUpdate{}, 0, errors.New("view unavailable")
	}
	var u protocol.OrdersUpdate
	u.Reset = cursor == 0
	for id, at := range b.changed {
		if u.Reset || at > cursor {
			u.Orders = append(u.Orders, b.orders[id])
		}
	}
	slices.SortFunc(u.Orders, func(x, y protocol.Order) int {
		return int(b.changed[x.ClientOrderID]) - int(b.changed[y.ClientOrderID])
	})
	for id, at := range b.gone {
		if !u.Reset && at > cursor {
			u.Gone = append(u.Gone, id)
		}
	}
	return u, b.cursor, nil
}

// nextOrders reads until the next orders push, skipping statuses and
// alerts.
func nextOrders(t *testing.T, ws *websocket.Conn) protocol.OrdersUpdate {
	t.Helper()
	for {
		env := read(t, ws)
		if env.Type == protocol.TypeOrders {
			if env.Orders == nil {
				t.Fatalf("orders push without orders: %+v", env)
			}
			return *env.Orders
		}
		if env.Type == protocol.TypeResponse {
			t.Fatalf("unexpected response %+v", env)
		}
	}
}

func ids(orders []protocol.Order) []string {
	var out []string
	for _, o := range orders {
		out = append(out, o.ClientOrderID+"="+o.State)
	}
	return out
}

func TestOrdersStreamResetThenChanges(t *testing.T) {
	b := newStreamBackend()
	b.set("a", "new")
	b.set("b", "new")
	opts := testOptions(t, b)
	opts.StatusInterval = 5 * time.Millisecond
	s, _ := start(t, opts)
	ws, _ := dial(t, s.opts.Path)
	call(t, ws, 1, protocol.CmdSubscribe, nil)
	if env := call(t, ws, 2, protocol.CmdOrdersSubscribe, nil); env.Error != nil {
		t.Fatalf("orders.subscribe: %+v", env.Error)
	}
	u := nextOrders(t, ws)
	if !u.Reset || !slices.Equal(ids(u.Orders), []string{"a=new", "b=new"}) || len(u.Gone) != 0 {
		t.Fatalf("first push = %+v, want the Reset with a and b", u)
	}
	if f := b.lastFinished(); f != defaultFinished {
		t.Errorf("finished = %d, want the default %d", f, defaultFinished)
	}
	b.set("a", "filled")
	if u := nextOrders(t, ws); u.Reset || !slices.Equal(ids(u.Orders), []string{"a=filled"}) || len(u.Gone) != 0 {
		t.Fatalf("push = %+v, want a filled alone", u)
	}
	b.forget("b")
	if u := nextOrders(t, ws); u.Reset || len(u.Orders) != 0 || !slices.Equal(u.Gone, []string{"b"}) {
		t.Fatalf("push = %+v, want b gone", u)
	}
	// A resubscribe starts again from a Reset, with its own finished.
	if env := call(t, ws, 3, protocol.CmdOrdersSubscribe, protocol.OrdersSubscribeArgs{Finished: 7}); env.Error != nil {
		t.Fatalf("orders.subscribe again: %+v", env.Error)
	}
	if u := nextOrders(t, ws); !u.Reset || !slices.Equal(ids(u.Orders), []string{"a=filled"}) {
		t.Fatalf("push after resubscribe = %+v, want the Reset", u)
	}
	if f := b.lastFinished(); f != 7 {
		t.Errorf("finished = %d after resubscribing with 7", f)
	}
}

func TestOrdersSubscribeRefused(t *testing.T) {
	s, _ := start(t, testOptions(t, newStreamBackend()))
	ws, _ := dial(t, s.opts.Path)
	wantError(t, call(t, ws, 1, protocol.CmdOrdersSubscribe, nil), protocol.CodeRefused) // not subscribed
	call(t, ws, 2, protocol.CmdSubscribe, nil)
	for i, f := range []int{-1, maxFinished + 1} {
		wantError(t, call(t, ws, uint64(3+i), protocol.CmdOrdersSubscribe, protocol.OrdersSubscribeArgs{Finished: f}), protocol.CodeBadRequest)
	}
	wantError(t, call(t, ws, 5, protocol.CmdOrdersSubscribe, map[string]string{"finished": "all"}), protocol.CodeBadRequest)
	if env := call(t, ws, 6, protocol.CmdOrdersSubscribe, protocol.OrdersSubscribeArgs{Finished: maxFinished}); env.Error != nil {
		t.Fatalf("finished %d: %+v", maxFinished, env.Error)
	}

	plain, _ := start(t, testOptions(t, newFakeBackend()))
	ws2, _ := dial(t, plain.opts.Path)
	call(t, ws2, 1, protocol.CmdSubscribe, nil)
	wantError(t, call(t, ws2, 2, protocol.CmdOrdersSubscribe, nil), protocol.CodeUnknownCmd)
}

func TestOrdersStreamRetriesFailedPull(t *testing.T) {
	b := newStreamBackend()
	b.set("a", "new")
	b.fails = 3
	opts := testOptions(t, b)
	opts.StatusInterval = time.Millisecond
	s, _ := start(t, opts)
	ws, _ := dial(t, s.opts.Path)
	call(t, ws, 1, protocol.CmdSubscribe, nil)
	call(t, ws, 2, protocol.CmdOrdersSubscribe, nil)
	if u := nextOrders(t, ws); !u.Reset || !slices.Equal(ids(u.Orders), []string{"a=new"}) {
		t.Fatalf("first push after failed pulls = %+v, want the Reset", u)
	}
}

// apply is how a client keeps the stream: a Reset replaces what it holds,
// each order replaces the one of its id, then each gone id is removed.
func apply(held map[string]protocol.Order, u protocol.OrdersUpdate) map[string]protocol.Order {
	if u.Reset {
		held = map[string]protocol.Order{}
	}
	for _, o := range u.Orders {
		held[o.ClientOrderID] = o
	}
	for _, id := range u.Gone {
		delete(held, id)
	}
	return held
}

// TestOrdersStreamSlowClientLosesNothing changes the orders a thousand
// times while the stream is held up (the pull waits for the changes to
// end), then lets it go: what the client applied ends as what the daemon
// holds, in fewer pushes than changes.
func TestOrdersStreamSlowClientLosesNothing(t *testing.T) {
	b := newStreamBackend()
	opts := testOptions(t, b)
	opts.StatusInterval = time.Millisecond
	s, _ := start(t, opts)
	ws, _ := dial(t, s.opts.Path)
	call(t, ws, 1, protocol.CmdSubscribe, nil)
	call(t, ws, 2, protocol.CmdOrdersSubscribe, nil)
	held := apply(nil, nextOrders(t, ws))
	const changes = 1000
	b.mu.Lock()
	for i := range changes {
		id := "o" + strconv.Itoa(i%37)
		if i%5 == 4 {
			b.forgetLocked(id)
		} else {
			b.setLocked(id, strconv.Itoa(i))
		}
	}
	b.mu.Unlock()
	want := b.held()
	pushes := 0
	for !maps.Equal(held, want) {
		held = apply(held, nextOrders(t, ws)) // bounded by read's deadline
		pushes++
	}
	if pushes >= changes {
		t.Errorf("%d pushes for %d changes: not conflated", pushes, changes)
	}
}

// TestOrdersStreamPullsOnlyWhenSubscribed: a subscribed connection without
// orders.subscribe is never pulled for.
func TestOrdersStreamPullsOnlyWhenSubscribed(t *testing.T) {
	b := newStreamBackend()
	opts := testOptions(t, b)
	opts.StatusInterval = time.Millisecond
	s, _ := start(t, opts)
	ws, _ := dial(t, s.opts.Path)
	call(t, ws, 1, protocol.CmdSubscribe, nil)
	b.churn.Store(true)
	for range 5 { // five status pushes: five ticks at least
		if env := read(t, ws); env.Type != protocol.TypeStatus {
			t.Fatalf("push %+v, want status", env)
		}
	}
	b.mu.Lock()
	n := b.pulls
	b.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d pulls before orders.subscribe", n)
	}
}

// TestOrdersPullShared: connections pulling with the same cursor and
// finished while the last pull is fresh share it; another key pulls anew.
func TestOrdersPullShared(t *testing.T) {
	b := newStreamBackend()
	b.set("a", "new")
	opts := testOptions(t, b)
	opts.StatusInterval = time.Hour // every pull stays fresh
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := s.pullOrders(ctx, pullKey{cursor: 0, finished: 500})
	if err != nil || first.frame == nil || first.next != 1 {
		t.Fatalf("first pull = %+v, %v", first, err)
	}
	b.set("b", "new") // not seen by a fresh shared pull
	again, err := s.pullOrders(ctx, pullKey{cursor: 0, finished: 500})
	if err != nil || &again.frame[0] != &first.frame[0] || again.next != first.next {
		t.Fatalf("second pull = %+v, %v: want the first's", again, err)
	}
	other, err := s.pullOrders(ctx, pullKey{cursor: 0, finished: 7})
	if err != nil || other.next != 2 {
		t.Fatalf("pull with another finished = %+v, %v: want a new one", other, err)
	}
	empty, err := s.pullOrders(ctx, pullKey{cursor: 2, finished: 500})
	if err != nil || empty.frame != nil || empty.next != 2 {
		t.Fatalf("pull with nothing changed = %+v, %v: want no frame, the same cursor", empty, err)
	}
	b.mu.Lock()
	pulls := b.pulls
	b.mu.Unlock()
	if pulls != 3 {
		t.Fatalf("%d pulls of the backend, want 3", pulls)
	}
}

// gatedStream is a streamBackend whose pulls from cursor 0 wait for gate.
type gatedStream struct {
	*streamBackend
	gate    chan struct{}
	entered chan struct{}
}

func (b *gatedStream) OrdersSince(ctx context.Context, cursor uint64, finished int) (protocol.OrdersUpdate, uint64, error) {
	if cursor == 0 {
		b.entered <- struct{}{}
		<-b.gate
	}
	return b.streamBackend.OrdersSince(ctx, cursor, finished)
}

// A slow pull (a big reset) holds up only the pulls of its own key, which
// wait for its answer rather than pull again; every other key's pull, and
// so every other connection's writer, goes on.
func TestOrdersPullsOfOtherKeysDoNotWait(t *testing.T) {
	b := &gatedStream{streamBackend: newStreamBackend(), gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	b.set("a", "new")
	opts := testOptions(t, b)
	opts.StatusInterval = time.Hour
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	slow := make(chan pulled, 2)
	for range 2 {
		go func() {
			p, _ := s.pullOrders(ctx, pullKey{cursor: 0, finished: 500})
			slow <- p
		}()
	}
	<-b.entered // one of them is in the backend; the other waits for it
	done := make(chan error, 1)
	go func() {
		_, err := s.pullOrders(ctx, pullKey{cursor: 1, finished: 500})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a pull of another key waited for the slow one")
	}
	close(b.gate)
	p1, p2 := <-slow, <-slow
	if p1.frame == nil || &p1.frame[0] != &p2.frame[0] {
		t.Fatal("the two pulls of one key did not share one answer")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pulls != 2 {
		t.Fatalf("%d pulls of the backend, want 2 (one a key)", b.pulls)
	}
}

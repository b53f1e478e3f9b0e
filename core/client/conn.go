package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/desk-trading/desk/core/protocol"
)

const (
	handshakeTimeout = 5 * time.Second // Dial's bound when ctx has no sooner deadline
	writeTimeout     = 5 * time.Second // bound on sending one request
	maxFrame         = 32 << 20        // largest message accepted from the daemon
)

// Conn is a connection to the desk daemon. Its methods are safe for
// concurrent use.
type Conn struct {
	path  string
	ws    *websocket.Conn
	hello protocol.Hello

	// wsem holds a token while a goroutine writes a frame: the websocket
	// allows one writer at a time. A channel rather than a mutex so that a
	// Call can give up waiting when its ctx is done.
	wsem chan struct{}

	mu      sync.Mutex // guards the fields below
	nextID  uint64
	pending map[uint64]chan protocol.Envelope // cap 1 each, so delivery never blocks
	sub     *subscription
	cause   error // first local failure (a failed write); reported by Err
	err     error // why the connection ended; set once, before done closes

	closing   atomic.Bool // Close was called
	closeOnce sync.Once
	done      chan struct{} // closed when the reader has stopped
}

// DialOption is an option of Dial.
type DialOption func(*dialConfig)

// readOnlyParam is the websocket URL's query parameter asking for a
// read-only connection: the server's ReadOnlyParam (a test checks they
// agree; the client does not import the server).
const readOnlyParam = "read_only"

// dialConfig is what the DialOptions set.
type dialConfig struct {
	readOnly bool
}

// ReadOnly asks the daemon for a read-only connection: one for a screen on
// a wall. The daemon refuses every command on it that changes state (halt,
// kill, limits.set, cancel and the like) with CodeRefused, and says so in
// its Hello (Hello().ReadOnly). Dial fails when the daemon does not
// confirm it, so a client never believes it is read-only when it is not.
func ReadOnly() DialOption { return func(c *dialConfig) { c.readOnly = true } }

// Dial connects to the daemon listening on socketPath and reads its Hello.
// ctx bounds the connect and handshake (at most 5s when it has no sooner
// deadline); it does not bound the returned Conn. Dial fails with ErrNoDaemon
// when nothing listens on socketPath (the error reads "no desk daemon at
// PATH: ..."), and with ErrVersion when the daemon speaks another protocol
// version. opts may ask for a ReadOnly connection.
func Dial(ctx context.Context, socketPath string, opts ...DialOption) (*Conn, error) {
	var cfg dialConfig
	for _, o := range opts {
		o(&cfg)
	}
	ctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()
	var connected atomic.Bool
	d := websocket.Dialer{
		NetDialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var nd net.Dialer
			c, err := nd.DialContext(ctx, "unix", socketPath)
			connected.Store(err == nil)
			return c, err
		},
		HandshakeTimeout: handshakeTimeout,
	}
	ws, resp, err := d.DialContext(ctx, cfg.url(), nil)
	if err != nil {
		return nil, dialError(socketPath, connected.Load(), refusal(resp, err))
	}
	hello, err := readHello(ctx, ws)
	if err != nil {
		ws.Close()
		return nil, fmt.Errorf("desk daemon at %s: %w", socketPath, err)
	}
	if cfg.readOnly && !hello.ReadOnly {
		ws.Close()
		return nil, fmt.Errorf("desk daemon at %s (%s) did not make the connection read-only: %w", socketPath, hello.Daemon, ErrReadOnly)
	}
	ws.SetReadLimit(maxFrame)
	c := &Conn{
		path:    socketPath,
		ws:      ws,
		hello:   hello,
		wsem:    make(chan struct{}, 1),
		pending: make(map[uint64]chan protocol.Envelope),
		done:    make(chan struct{}),
	}
	go c.readLoop()
	return c, nil
}

// url is the websocket URL asking for cfg's connection.
func (cfg dialConfig) url() string {
	if cfg.readOnly {
		return "ws://desk/?" + readOnlyParam + "=1"
	}
	return "ws://desk/"
}

// refusal adds the daemon's reason to a refused handshake (a 503 for too
// many clients says which limit): err alone otherwise.
func refusal(resp *http.Response, err error) error {
	if resp == nil || resp.Body == nil {
		return err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if why := strings.TrimSpace(string(body)); why != "" {
		return fmt.Errorf("%w: %s: %s", err, resp.Status, why)
	}
	return fmt.Errorf("%w: %s", err, resp.Status)
}

// dialError says why a dial failed: the handshake, once connected;
// otherwise no daemon at the path, or no permission to reach it.
func dialError(socketPath string, connected bool, err error) error {
	if connected {
		return fmt.Errorf("handshake with desk daemon at %s: %w", socketPath, err)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		err = op.Err // the path is in our message already
	}
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("connect to desk daemon at %s: %w", socketPath, err)
	}
	return fmt.Errorf("%w at %s: %w", ErrNoDaemon, socketPath, err)
}

// readHello reads the daemon's first message, giving up when ctx is done.
func readHello(ctx context.Context, ws *websocket.Conn) (protocol.Hello, error) {
	if deadline, ok := ctx.Deadline(); ok {
		ws.SetReadDeadline(deadline)
	}
	stop := context.AfterFunc(ctx, func() { ws.SetReadDeadline(time.Now()) })
	defer stop()
	var env protocol.Envelope
	if err := ws.ReadJSON(&env); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return protocol.Hello{}, fmt.Errorf("read hello: %w", err)
	}
	if !stop() {
		return protocol.Hello{}, fmt.Errorf("read hello: %w", ctx.Err())
	}
	ws.SetReadDeadline(time.Time{})
	if env.Type != protocol.TypeHello || env.Hello == nil {
		return protocol.Hello{}, fmt.Errorf("first message is %q, not a hello", env.Type)
	}
	if env.Hello.Version != protocol.Version {
		return protocol.Hello{}, fmt.Errorf("%w: the daemon speaks version %d, this client %d", ErrVersion, env.Hello.Version, protocol.Version)
	}
	return *env.Hello, nil
}

// Hello returns the daemon's greeting.
func (c *Conn) Hello() protocol.Hello { return c.hello }

// Done returns a channel closed when the connection is lost or closed.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns nil while the connection is up. After Done is closed it says
// why: ErrClosed after Close, or an error wrapping ErrLost and the cause
// when the connection was lost first.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the connection, telling the daemon, and returns once the
// reader has stopped. A subscription's channel is closed without delivering
// what it still holds. Close is idempotent and never fails.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.closing.Store(true)
		_ = c.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		c.ws.Close()
	})
	<-c.done
	return nil
}

// Call sends cmd with args (nil for none) and waits for the response,
// decoding its result into result (nil to ignore it). A command the daemon
// refuses returns its *protocol.Error. Call fails when ctx is done first
// (the command may still run in the daemon; its response is dropped) or when
// the connection ends (ErrLost, ErrClosed).
func (c *Conn) Call(ctx context.Context, cmd string, args any, result any) error {
	env := protocol.Envelope{V: protocol.Version, Type: protocol.TypeRequest, Cmd: cmd}
	if args != nil {
		data, err := json.Marshal(args)
		if err != nil {
			return fmt.Errorf("%s: encode args: %w", cmd, err)
		}
		env.Args = data
	}
	resp, err := c.roundTrip(ctx, env)
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	if resp.Error != nil {
		return resp.Error
	}
	if result != nil && len(resp.Result) > 0 {
		if err := json.Unmarshal(resp.Result, result); err != nil {
			return fmt.Errorf("%s: decode result: %w", cmd, err)
		}
	}
	return nil
}

// roundTrip sends env with a fresh id and waits for its response.
func (c *Conn) roundTrip(ctx context.Context, env protocol.Envelope) (protocol.Envelope, error) {
	ch := make(chan protocol.Envelope, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return protocol.Envelope{}, err
	}
	c.nextID++
	env.ID = c.nextID
	c.pending[env.ID] = ch
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.pending, env.ID)
		c.mu.Unlock()
	}

	if err := c.send(ctx, &env); err != nil {
		forget()
		return protocol.Envelope{}, err
	}
	select {
	case resp := <-ch:
		return resp, nil
	case <-ctx.Done():
		forget()
		return protocol.Envelope{}, ctx.Err()
	case <-c.done:
		select {
		case resp := <-ch: // it arrived just before the end
			return resp, nil
		default:
		}
		forget()
		return protocol.Envelope{}, c.Err()
	}
}

// send writes one request frame. A failed write breaks the websocket, so it
// ends the connection.
func (c *Conn) send(ctx context.Context, env *protocol.Envelope) error {
	data, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	select {
	case c.wsem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		return c.Err()
	}
	defer func() { <-c.wsem }()
	c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := c.ws.WriteMessage(websocket.TextMessage, data); err != nil {
		err = fmt.Errorf("send request: %w", err)
		c.mu.Lock()
		if c.cause == nil {
			c.cause = err
		}
		c.mu.Unlock()
		c.ws.Close() // the reader ends the connection
		return err
	}
	return nil
}

// readLoop reads until the connection ends, handing responses to their
// callers and pushes to the subscription, then ends the connection.
func (c *Conn) readLoop() {
	var err error
	for {
		var data []byte
		if _, data, err = c.ws.ReadMessage(); err != nil {
			break
		}
		var env protocol.Envelope
		if jerr := json.Unmarshal(data, &env); jerr != nil {
			err = fmt.Errorf("invalid message from the daemon: %w", jerr)
			break
		}
		c.dispatch(env)
	}
	c.end(err)
}

// dispatch routes one message from the daemon. Unknown types are ignored, as
// the protocol asks.
func (c *Conn) dispatch(env protocol.Envelope) {
	switch env.Type {
	case protocol.TypeResponse:
		c.mu.Lock()
		ch := c.pending[env.ID]
		delete(c.pending, env.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- env
		}
	case protocol.TypeStatus, protocol.TypeAlert, protocol.TypeOrders:
		c.mu.Lock()
		sub := c.sub
		c.mu.Unlock()
		if sub != nil {
			sub.push(env)
		}
	}
}

// end records why the connection ended and wakes everyone waiting on it.
func (c *Conn) end(readErr error) {
	c.ws.Close()
	c.mu.Lock()
	switch {
	case c.closing.Load():
		c.err = ErrClosed
	case c.cause != nil:
		c.err = fmt.Errorf("%w: %w", ErrLost, c.cause)
	default:
		c.err = fmt.Errorf("%w: %w", ErrLost, readErr)
	}
	sub := c.sub
	c.mu.Unlock()
	close(c.done)
	if sub == nil {
		return
	}
	if c.closing.Load() {
		sub.stop() // the caller of Close is not reading any more
	} else {
		sub.end() // deliver what arrived, then close
	}
}

package tui

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/desk-trading/desk/core/protocol"
)

// Session is one connection to the daemon, as the TUI uses it. A
// *client.Conn satisfies it.
type Session interface {
	// Call sends cmd with args and decodes the answer into result. A request
	// the daemon refused returns a *protocol.Error.
	Call(ctx context.Context, cmd string, args any, result any) error
	// Subscribe starts Status and Alert pushes. ctx bounds the request, not
	// the subscription; the channel is closed when the connection ends.
	Subscribe(ctx context.Context) (<-chan protocol.Envelope, error)
	// Err says why the connection ended; nil while it is up.
	Err() error
	// Close ends the connection.
	Close() error
}

// ordersSubscriber is a Session that can start the conflated orders
// stream on its subscription's channel: Orders pushes, the first a reset
// with every working order and the most recent finished ones. A
// *client.Conn is one; without it the blotter stays empty.
type ordersSubscriber interface {
	SubscribeOrders(ctx context.Context, finished int) error
}

// Dialer connects to the daemon and bounds its own handshake. ctx is the
// TUI's lifetime, canceled when Run returns. On failure the Session is
// ignored; wrap client.Dial as
//
//	func(ctx context.Context) (tui.Session, error) {
//		c, err := client.Dial(ctx, path)
//		if err != nil {
//			return nil, err // not a typed nil *client.Conn
//		}
//		return c, nil
//	}
type Dialer func(ctx context.Context) (Session, error)

// Options configure [Run].
type Options struct {
	// Dial connects to the daemon. Required.
	Dial Dialer
	// Logger receives connection events and command results. Nil discards
	// them. It must not write to the terminal the TUI draws on.
	Logger *slog.Logger
	// Input is where keys are read from. Nil means standard input.
	Input io.Reader
	// Output is where the screen is drawn. Nil means standard output.
	Output io.Writer
	// CallTimeout bounds each request: subscribe, halt, resume. Zero means
	// 5s.
	CallTimeout time.Duration
	// MinBackoff is the first delay before redialing after a failure. Zero
	// means 250ms.
	MinBackoff time.Duration
	// MaxBackoff caps the redial delay, which doubles after each failure.
	// Zero means 5s.
	MaxBackoff time.Duration
	// ReadOnly binds no action key: a screen on a wall. Dial should then
	// connect read-only too, so the daemon refuses actions from it.
	ReadOnly bool
}

// withDefaults returns o with every zero field replaced by its default.
func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 5 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 250 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Second
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = o.MinBackoff
	}
	return o
}

// closeWait bounds how long Run waits for its sessions to close.
const closeWait = 2 * time.Second

// stopWait bounds how long the terminal program may take to stop once the
// operator quit: q must leave, whatever the terminal's input does.
const stopWait = 2 * time.Second

// watchStop kills p when it has not stopped stopWait after the operator
// quit.
func watchStop(p *tea.Program, quit, stopped <-chan struct{}, log *slog.Logger) {
	select {
	case <-stopped:
		return
	case <-quit:
	}
	select {
	case <-stopped:
	case <-time.After(stopWait):
		log.Warn("tui: the terminal program did not stop after quit; stopping it", "wait", stopWait)
		p.Kill()
	}
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Run draws the TUI and blocks until the operator quits or ctx is canceled,
// then closes the session it holds. It returns nil in both cases, ErrNoDialer
// when opts.Dial is nil, and otherwise the error that stopped the terminal
// program (the terminal could not be set up, or the program panicked).
// Connection failures are not errors: the TUI shows them and redials.
func Run(ctx context.Context, opts Options) error {
	if opts.Dial == nil {
		return ErrNoDialer
	}
	opts = opts.withDefaults()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	progOpts := []tea.ProgramOption{tea.WithContext(ctx)}
	if opts.Input != nil {
		progOpts = append(progOpts, tea.WithInput(opts.Input))
	}
	if opts.Output != nil {
		progOpts = append(progOpts, tea.WithOutput(opts.Output))
	}
	opts.Logger.Info("tui start")
	m := newModel(ctx, opts)
	quit := make(chan struct{})
	var once sync.Once
	m.quitting = func() { once.Do(func() { close(quit) }) }
	p := tea.NewProgram(m, progOpts...)
	stopped := make(chan struct{})
	go watchStop(p, quit, stopped, opts.Logger)
	_, err := p.Run()
	close(stopped)
	if errors.Is(err, tea.ErrProgramKilled) && isClosed(quit) {
		err = nil // the operator quit; the watch had to stop the program
	}
	// The live session, and any dial that finished too late. A daemon too
	// busy to answer the close must not keep the operator's terminal: the
	// wait is bounded, and the process exits with the sockets.
	closed := make(chan struct{})
	go func() { defer close(closed); m.open.closeAll(opts.Logger) }()
	select {
	case <-closed:
	case <-time.After(closeWait):
		opts.Logger.Warn("tui: the sessions did not close in time; leaving them", "wait", closeWait)
	}
	if err != nil && errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		err = nil // canceled by the caller: a normal way to stop
	}
	opts.Logger.Info("tui stop", "err", err)
	return err
}

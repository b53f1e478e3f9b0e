// Command desk is the trading desk: the daemon, its terminal UI and its
// control commands, in one binary.
//
//	desk demo                      daemon and TUI in one process, on the embedded default
//	desk serve [--config FILE]     the daemon
//	desk [attach]                  the TUI, attached to a running daemon
//	desk ctl COMMAND               status, orders, halt, resume for scripts
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/cmd/desk/internal/ctl"
	"github.com/desk-trading/desk/cmd/desk/internal/daemon"
	"github.com/desk-trading/desk/core/client"
	"github.com/desk-trading/desk/tui"
)

const usage = `usage: desk [COMMAND] [FLAGS]

commands:
  demo     run the daemon on the embedded default with the TUI attached
  serve    run the daemon (--config FILE, --state DIR, --socket PATH)
  attach   attach the TUI to a running daemon (the default command)
  ctl      control a running daemon: desk ctl --help
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	cmd := "attach"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "demo":
		return fail(demo(ctx, args))
	case "serve":
		return fail(serve(ctx, args))
	case "attach":
		return fail(attach(ctx, args))
	case "ctl":
		return ctl.Run(ctx, args, ctl.Options{Socket: daemon.DefaultSocket(), Stdout: os.Stdout, Stderr: os.Stderr})
	case "help", "-h", "--help":
		fmt.Print(usage)
		return 0
	default:
		fmt.Fprintf(os.Stderr, "desk: unknown command %q\n%s", cmd, usage)
		return 2
	}
}

func fail(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	default:
		fmt.Fprintf(os.Stderr, "desk: %v\n", err)
		return 1
	}
}

// daemonFlags are the flags serve and demo share.
type daemonFlags struct {
	config, state, socket string
}

func (f *daemonFlags) register(fs *flag.FlagSet, defaultState string) {
	fs.StringVar(&f.config, "config", "", "config `file` (default: $XDG_CONFIG_HOME/desk/desk.toml if present, else the embedded default)")
	fs.StringVar(&f.state, "state", defaultState, "state `dir` for the journal")
	fs.StringVar(&f.socket, "socket", daemon.DefaultSocket(), "control socket `path`")
}

func (f *daemonFlags) load(log *slog.Logger) (*config.Config, error) {
	path := f.config
	if path == "" {
		path = daemon.DefaultConfig()
	}
	if path == "" {
		log.Info("using the embedded default config")
		return config.Default()
	}
	log.Info("using config", "file", path)
	return config.Load(path)
}

func serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("desk serve", flag.ContinueOnError)
	state, err := daemon.DefaultStateDir()
	if err != nil {
		return err
	}
	var f daemonFlags
	f.register(fs, state)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel()}))
	cfg, err := f.load(log)
	if err != nil {
		return err
	}
	return daemon.Run(ctx, daemon.Options{Config: cfg, Paths: daemon.Paths{StateDir: f.state, Socket: f.socket}, Logger: log})
}

// demo runs the daemon in this process, on a state dir of its own, with the
// TUI attached to its socket. The daemon logs to a file: the TUI owns the
// terminal.
func demo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("desk demo", flag.ContinueOnError)
	state, err := daemon.DefaultStateDir()
	if err != nil {
		return err
	}
	var f daemonFlags
	f.register(fs, filepath.Join(state, "demo"))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(f.state, 0o700); err != nil {
		return err
	}
	logPath := filepath.Join(f.state, "desk.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logFile.Close()
	log := slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: logLevel()}))
	cfg, err := f.load(log)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- daemon.Run(ctx, daemon.Options{
			Config: cfg, Paths: daemon.Paths{StateDir: f.state, Socket: f.socket}, Ready: ready, Logger: log,
		})
	}()
	select {
	case <-ready:
	case err := <-done:
		return fmt.Errorf("demo daemon (log: %s): %w", logPath, err)
	}
	tuiErr := tui.Run(ctx, tui.Options{Dial: dialer(f.socket), Logger: log.With("component", "tui")})
	cancel()
	if err := <-done; err != nil {
		return fmt.Errorf("demo daemon (log: %s): %w", logPath, err)
	}
	return tuiErr
}

func attach(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("desk attach", flag.ContinueOnError)
	socket := fs.String("socket", daemon.DefaultSocket(), "daemon socket `path`")
	logPath := fs.String("log", "", "write the TUI's log to `file` (default: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var w io.Writer = io.Discard
	if *logPath != "" {
		lf, err := os.OpenFile(*logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return err
		}
		defer lf.Close()
		w = lf
	}
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: logLevel()}))
	return tui.Run(ctx, tui.Options{Dial: dialer(*socket), Logger: log})
}

// dialer connects the TUI to the daemon through the socket client.
func dialer(socket string) tui.Dialer {
	return func(ctx context.Context) (tui.Session, error) {
		return client.Dial(ctx, socket)
	}
}

// logLevel reads DESK_LOG (debug, info, warn, error); info by default.
func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("DESK_LOG"))); err != nil {
		return slog.LevelInfo
	}
	return l
}

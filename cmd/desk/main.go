// Command desk is the trading desk: the daemon, its terminal UI and its
// control commands, in one binary.
//
//	desk demo                      daemon and TUI in one process, on the embedded default
//	desk serve [--config FILE]     the daemon
//	desk [attach] [--read-only]    the TUI, attached to a running daemon
//	desk ctl COMMAND               status, orders, halt, resume for scripts
//	desk version [--json]          the binary's and the running daemon's versions
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/desk-trading/desk/cmd/desk/internal/bench"
	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/cmd/desk/internal/ctl"
	"github.com/desk-trading/desk/cmd/desk/internal/daemon"
	"github.com/desk-trading/desk/cmd/desk/internal/netvenues"
	"github.com/desk-trading/desk/cmd/desk/internal/profile"
	"github.com/desk-trading/desk/cmd/desk/internal/replay"
	"github.com/desk-trading/desk/cmd/desk/internal/venue"
	"github.com/desk-trading/desk/core/client"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/core/tracing"
	"github.com/desk-trading/desk/tui"
)

const usage = `usage: desk [COMMAND] [FLAGS]

commands:
  demo     run the daemon on the embedded default with the TUI attached
           (--venues net: the venues as desk venue processes, traded live over loopback)
  serve    run the daemon (--config FILE, --state DIR, --socket PATH, --pprof 127.0.0.1:PORT,
           --metrics 127.0.0.1:PORT [--metrics-remote], --otlp ENDPOINT [--otlp-sample R], --log-format text|json)
  attach   attach the TUI to a running daemon (the default command)
           (--socket PATH, --read-only: no action key, and the daemon refuses actions;
           --config FILE: its [tui] read_only = true does the same; --log FILE)
  ctl      control a running daemon: desk ctl --help
  venue    a simulated exchange serving the Binance spot protocol, market data and, with --keys and --state, order entry
           (--listen ADDR, --config FILE, --venue NAME, --keys FILE, --state DIR)
  replay   replay a Binance recording through the feed's book sync: desk replay --venue binance FILE.ws [--snapshots FILE.http] [--json]
  version  this binary's version, protocol, Go version and revision, and the daemon's on --socket PATH if one answers (--json)
  bench    capacity planning: the real daemon in-process under synthetic load, its throughput, latency, CPU and RSS
           (--strategies N --instruments M --rate TICKS_PER_S --duration D [--orders-per-sec R] [--json] [--find-max [--p99-bound DUR]])
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
	case "replay":
		return fail(replayCmd(ctx, args))
	case "venue":
		return fail(venueCmd(ctx, args))
	case "version":
		return fail(versionCmd(ctx, args, os.Stdout))
	case "bench":
		return fail(bench.Command(ctx, args, os.Stdout, os.Stderr))
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
	venues                string  // demo only: "sim" or "net"
	pprof                 string  // loopback host:port for Go's profiles; "" for none
	metrics               string  // host:port for Prometheus metrics; "" for none
	metricsRemote         bool    // metrics may listen beyond loopback
	logFormat             string  // text or json
	otlp                  string  // OTLP/HTTP endpoint for order traces; "" for none
	otlpSample            float64 // the share of orders traced
}

// parseDaemonFlags parses serve's or demo's flags; the state dir defaults
// to sub under the default state dir.
func parseDaemonFlags(name, sub string, args []string) (*daemonFlags, error) {
	state, err := daemon.DefaultStateDir()
	if err != nil {
		return nil, err
	}
	var f daemonFlags
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&f.config, "config", "", "config `file` (default: $XDG_CONFIG_HOME/desk/desk.toml if present, else the embedded default)")
	fs.StringVar(&f.state, "state", filepath.Join(state, sub), "state `dir` for the journal")
	fs.StringVar(&f.socket, "socket", daemon.DefaultSocket(), "control socket `path`")
	fs.StringVar(&f.pprof, "pprof", "", "serve Go's profiles at http://`ADDR`/debug/pprof/ (a loopback host:port; default: off)")
	fs.StringVar(&f.metrics, "metrics", "", "serve Prometheus metrics at http://`ADDR`/metrics (a loopback host:port unless --metrics-remote; default: off)")
	fs.BoolVar(&f.metricsRemote, "metrics-remote", false, "let --metrics listen on an address beyond loopback")
	fs.StringVar(&f.logFormat, "log-format", "text", "the log's `format`: text (key=value) or json")
	fs.StringVar(&f.otlp, "otlp", "", "trace sampled orders to the OpenTelemetry collector at `ENDPOINT` over OTLP/HTTP "+
		"(http://host:4318, or host:port; default: off)")
	fs.Float64Var(&f.otlpSample, "otlp-sample", tracing.DefaultSampleRatio, "the share of orders --otlp traces, from 0 to 1 (`R`)")
	if name == "desk demo" {
		fs.StringVar(&f.venues, "venues", "sim", "`where` the simulated venues run: sim (in this process) or net "+
			"(each a desk venue process on loopback, traded over the Binance protocol)")
	}
	return &f, fs.Parse(args)
}

// options loads the config and returns the daemon's options, with the
// metrics listener bound when --metrics asks (a bad or busy address fails
// here, before the daemon starts).
func (f *daemonFlags) options(log *slog.Logger) (daemon.Options, error) {
	cfg, err := daemon.LoadConfig(f.config, log)
	if err != nil {
		return daemon.Options{}, err
	}
	o := daemon.Options{Config: cfg, Paths: daemon.Paths{StateDir: f.state, Socket: f.socket}, Logger: log}
	if f.otlp != "" {
		if !(f.otlpSample >= 0 && f.otlpSample <= 1) {
			return daemon.Options{}, fmt.Errorf("--otlp-sample %v: must be between 0 and 1", f.otlpSample)
		}
		o.OTLP = tracing.Options{Endpoint: f.otlp, SampleRatio: f.otlpSample}
	}
	if f.metrics != "" {
		if o.Metrics, err = listenMetrics(f.metrics, f.metricsRemote); err != nil {
			return daemon.Options{}, err
		}
	}
	return o, nil
}

// listenMetrics binds the metrics address: loopback only, unless remote.
func listenMetrics(addr string, remote bool) (net.Listener, error) {
	if remote {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("metrics: listen %s: %w", addr, err)
		}
		return ln, nil
	}
	ln, err := profile.Listen(addr)
	switch {
	case errors.Is(err, profile.ErrNotLoopback):
		return nil, fmt.Errorf("metrics: %w (--metrics-remote allows it)", err)
	case err != nil:
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return ln, nil
}

// logger is the daemon's logger on w in the --log-format asked.
func (f *daemonFlags) logger(w io.Writer) (*slog.Logger, error) {
	return daemon.NewLoggerFormat(w, f.logFormat)
}

func serve(ctx context.Context, args []string) error {
	f, err := parseDaemonFlags("desk serve", "", args)
	if err != nil {
		return err
	}
	log, err := f.logger(os.Stderr)
	if err != nil {
		return err
	}
	opts, err := f.options(log)
	if err != nil {
		return err
	}
	if err := f.serveProfiles(ctx, log); err != nil {
		return err
	}
	return daemon.Run(ctx, opts)
}

// serveProfiles starts serving Go's profiles when --pprof asks, for as
// long as ctx lasts; a bad or busy address fails before the daemon starts.
func (f *daemonFlags) serveProfiles(ctx context.Context, log *slog.Logger) error {
	if f.pprof == "" {
		return nil
	}
	ln, err := profile.Listen(f.pprof)
	if err != nil {
		return err
	}
	go func() {
		if err := profile.Serve(ctx, ln, log); err != nil {
			log.Error("profiles stopped", "err", err)
		}
	}()
	return nil
}

// demo runs the daemon in this process, on a state dir of its own, with the
// TUI attached to its socket. The daemon logs to a file: the TUI owns the
// terminal.
func demo(ctx context.Context, args []string) error {
	f, err := parseDaemonFlags("desk demo", "demo", args)
	if err != nil {
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
	log, err := f.logger(logFile)
	if err != nil {
		return err
	}
	opts, err := f.options(log)
	if err != nil {
		return err
	}
	if err := f.serveProfiles(ctx, log); err != nil {
		return err
	}
	switch f.venues {
	case "sim":
	case "net":
		procs, cfg, err := startNetVenues(ctx, f, opts.Config, logFile)
		if err != nil {
			return err
		}
		defer netvenues.Stop(procs)
		opts.Config = cfg
	default:
		return fmt.Errorf("desk demo: --venues %q: want sim or net", f.venues)
	}
	var tuiErr error
	if err := daemon.RunWith(ctx, opts, func(ctx context.Context) error {
		tuiErr = tui.Run(ctx, tui.Options{Dial: dialer(f.socket), Logger: log.With("component", "tui")})
		return nil
	}); err != nil {
		return fmt.Errorf("demo daemon (log: %s): %w", logPath, err)
	}
	if tuiErr == nil {
		fmt.Fprint(os.Stderr, demoFarewell(f.state, logPath))
	}
	return tuiErr
}

// demoFarewell is what desk demo says when the operator quits: the demo's
// daemon ran in this process and stopped with it, where its state is, and
// how to start afresh.
func demoFarewell(state, logPath string) string {
	return fmt.Sprintf(`desk demo stopped: its daemon ran in this process and stopped with the TUI.
Its state (the journal: orders, fills, positions, halts, limit edits) is in %s
and its log in %s; the next desk demo carries on from there.
To start afresh: rm -rf %s
`, state, logPath, state)
}

// startNetVenues starts a desk venue process for each simulated venue of
// cfg and returns the config pointed at them.
func startNetVenues(ctx context.Context, f *daemonFlags, cfg *config.Config, log io.Writer) ([]*netvenues.Process, *config.Config, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, fmt.Errorf("desk demo: %w", err)
	}
	dir := filepath.Join(f.state, "venues")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("desk demo: %w", err)
	}
	// The venue processes load the file the daemon loaded, so both list
	// the same instruments and venues.
	path := f.config
	if path == "" {
		path = daemon.DefaultConfig()
	}
	keys, err := demoKeys(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("desk demo: %w", err)
	}
	return netvenues.Start(ctx, netvenues.Options{Exe: exe, Config: path, Dir: dir, Log: log, Keys: keys}, cfg)
}

// demoKeys returns the demo's API key file in dir, made (0600, a random
// key and secret) on the first run: the venue processes accept it and the
// daemon signs its orders with it, as it would with an exchange's.
func demoKeys(dir string) (string, error) {
	path := filepath.Join(dir, "keys")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	var raw [48]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	line := "demo" + hex.EncodeToString(raw[:12]) + " " + hex.EncodeToString(raw[12:]) + "\n"
	if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
		return "", err
	}
	return path, nil
}

// attachFlags are desk attach's flags.
type attachFlags struct {
	socket, config, log string
	readOnly            bool
	readOnlySet         bool // --read-only was given, true or false: it overrides the config
}

func parseAttachFlags(args []string) (*attachFlags, error) {
	var f attachFlags
	fs := flag.NewFlagSet("desk attach", flag.ContinueOnError)
	fs.StringVar(&f.socket, "socket", daemon.DefaultSocket(), "daemon socket `path`")
	fs.StringVar(&f.log, "log", "", "write the TUI's log to `file` (default: none)")
	fs.StringVar(&f.config, "config", "", "config `file` whose [tui] section is read (default: $XDG_CONFIG_HOME/desk/desk.toml if present)")
	fs.BoolVar(&f.readOnly, "read-only", false, "bind no action key, and have the daemon refuse actions from this connection "+
		"(a screen on a wall; default: the config's [tui] read_only)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 0 {
		return nil, fmt.Errorf("desk attach: unexpected arguments %q", fs.Args())
	}
	fs.Visit(func(fl *flag.Flag) { f.readOnlySet = f.readOnlySet || fl.Name == "read-only" })
	return &f, nil
}

// attachReadOnly reports whether to attach read-only: --read-only when
// given, else the config's [tui] read_only (the config found as serve
// finds it; none found reads as false).
func (f *attachFlags) attachReadOnly(log *slog.Logger) (bool, error) {
	if f.readOnlySet {
		return f.readOnly, nil
	}
	cfg, err := daemon.LoadConfig(f.config, log)
	if err != nil {
		return false, fmt.Errorf("desk attach: %w", err)
	}
	return cfg.TUI.ReadOnly, nil
}

func attach(ctx context.Context, args []string) error {
	f, err := parseAttachFlags(args)
	if err != nil {
		return err
	}
	var w io.Writer = io.Discard
	if f.log != "" {
		lf, err := os.OpenFile(f.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return err
		}
		defer lf.Close()
		w = lf
	}
	log := daemon.NewLogger(w)
	readOnly, err := f.attachReadOnly(log)
	if err != nil {
		return err
	}
	var dial []client.DialOption
	if readOnly {
		dial = append(dial, client.ReadOnly())
	}
	return tui.Run(ctx, tui.Options{Dial: dialer(f.socket, dial...), Logger: log, ReadOnly: readOnly})
}

// dialer connects the TUI to the daemon through the socket client.
func dialer(socket string, opts ...client.DialOption) tui.Dialer {
	return func(ctx context.Context) (tui.Session, error) {
		c, err := client.Dial(ctx, socket, opts...)
		if err != nil {
			return nil, err // not a typed nil *client.Conn
		}
		return c, nil
	}
}

// versionInfo is what desk version prints; --json prints it as one
// object.
type versionInfo struct {
	Version  string `json:"version"`  // this binary's, the one its daemon sends in Hello
	Protocol int    `json:"protocol"` // the socket protocol's version
	Go       string `json:"go"`
	// Revision, RevisionTime and Modified are the VCS stamp of the build,
	// absent when it has none.
	Revision     string `json:"revision,omitempty"`
	RevisionTime string `json:"revision_time,omitempty"`
	Modified     bool   `json:"modified,omitempty"`
	Socket       string `json:"socket"`
	// Daemon is the Hello of the daemon answering on Socket; absent when
	// none answered within a second, DaemonError then says why.
	Daemon      *daemonVersion `json:"daemon,omitempty"`
	DaemonError string         `json:"daemon_error,omitempty"`
}

// daemonVersion is a running daemon's Hello.
type daemonVersion struct {
	Daemon   string `json:"daemon"` // "desk 0.1.0"
	PID      int    `json:"pid"`
	Protocol int    `json:"protocol"`
}

// versionWait bounds desk version's wait for a daemon's Hello.
const versionWait = time.Second

// versionCmd prints this binary's versions and the daemon's on --socket.
func versionCmd(ctx context.Context, args []string, w io.Writer) error {
	fs := flag.NewFlagSet("desk version", flag.ContinueOnError)
	socket := fs.String("socket", daemon.DefaultSocket(), "daemon socket `path` to ask for its version")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("desk version: unexpected arguments %q", fs.Args())
	}
	v := buildVersion()
	v.Socket = *socket
	v.askDaemon(ctx)
	if *asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	return v.print(w)
}

// buildVersion returns this binary's versions.
func buildVersion() versionInfo {
	v := versionInfo{Version: daemon.Version, Protocol: protocol.Version, Go: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.RevisionTime = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// askDaemon reads the Hello of the daemon on v.Socket, waiting at most
// versionWait.
func (v *versionInfo) askDaemon(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, versionWait)
	defer cancel()
	c, err := client.Dial(ctx, v.Socket)
	if err != nil {
		v.DaemonError = err.Error()
		return
	}
	defer c.Close()
	h := c.Hello()
	v.Daemon = &daemonVersion{Daemon: h.Daemon, PID: h.PID, Protocol: h.Version}
}

func (v *versionInfo) print(w io.Writer) error {
	rev := "none"
	if v.Revision != "" {
		rev = v.Revision
		if v.RevisionTime != "" {
			rev += " " + v.RevisionTime
		}
		if v.Modified {
			rev += " (modified)"
		}
	}
	daemonLine := "none (" + v.DaemonError + ")"
	if d := v.Daemon; d != nil {
		daemonLine = fmt.Sprintf("%s, pid %d, protocol %d, at %s", d.Daemon, d.PID, d.Protocol, v.Socket)
	}
	_, err := fmt.Fprintf(w, "desk %s\nprotocol %d\ngo %s\nrevision %s\ndaemon %s\n", v.Version, v.Protocol, v.Go, rev, daemonLine)
	return err
}

// venueCmd runs a simulated venue as its own process, serving the Binance
// spot protocol on one loopback listener until SIGINT or SIGTERM.
func venueCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("desk venue", flag.ContinueOnError)
	var o venue.Options
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:9443", "address to listen on (loopback unless --allow-remote)")
	fs.StringVar(&o.Config, "config", "", "config file (default: the embedded default)")
	fs.StringVar(&o.Venue, "venue", "", "the configured sim venue to run (default: the first)")
	fs.BoolVar(&o.AllowRemote, "allow-remote", false, "listen on a non-loopback address")
	fs.StringVar(&o.AddrFile, "addr-file", "", "write the address listened on to `file` once serving (for --listen with port 0)")
	fs.StringVar(&o.Keys, "keys", "", "serve order entry to the API keys of `file` (\"KEY SECRET\" a line, mode 0600), one account each")
	fs.StringVar(&o.StateDir, "state", "", "keep the venue of record (orders, trades, balances) in `dir` (needed with --keys)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("desk venue: unexpected arguments %q", fs.Args())
	}
	o.Logger = daemon.NewLogger(os.Stderr)
	return venue.Run(ctx, o)
}

// replayCmd replays a recorded market-data session through the feed's
// client, served to it on a loopback websocket.
func replayCmd(ctx context.Context, args []string) error {
	return replay.Run(ctx, args, os.Stdout, os.Stderr)
}

// Package netvenues runs a config's simulated venues as `desk venue`
// processes on loopback and points the config at them: `desk demo --venues
// net`, and the real-process tests, trade over the Binance protocol on
// real sockets with nothing else to start.
package netvenues

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/desk-trading/desk/brokers/sim/binance"
	"github.com/desk-trading/desk/cmd/desk/internal/config"
)

// startLimit bounds how long a venue process may take to serve.
const startLimit = 15 * time.Second

// Process is one running `desk venue`.
type Process struct {
	Venue string // the config's venue name
	Addr  string // host:port it serves on
	cmd   *exec.Cmd
	done  chan error
}

// Options configure Start.
type Options struct {
	// Exe is the desk binary to run (os.Executable for the running one).
	Exe string
	// Config is the file the venue processes load; empty: the embedded
	// default. It must hold the venues Start is given.
	Config string
	// Dir holds the address files; it must exist.
	Dir string
	// Log receives the processes' output; nil: discarded.
	Log io.Writer
	// Keys, when set, is a keys file (api.LoadCredentials) holding one
	// API key pair: each venue process serves order entry for it, keeping
	// its record in Dir/<venue>.state, and the venues Start returns
	// execute live with it. Empty: the venues serve market data only, and
	// desk paper-trades on it.
	Keys string
}

// Start starts a `desk venue` process for each of cfg's "sim" venues on
// 127.0.0.1 with a free port and waits until each serves. It returns the
// processes, and cfg with each of those venues turned into a "binance"
// venue on its process (see Networked). On error every process started is
// stopped.
func Start(ctx context.Context, o Options, cfg *config.Config) (_ []*Process, _ *config.Config, err error) {
	var procs []*Process
	defer func() {
		if err != nil {
			Stop(procs)
		}
	}()
	out := *cfg
	out.Venues = append([]config.Venue(nil), cfg.Venues...)
	for i := range out.Venues {
		v := &out.Venues[i]
		if v.Kind != config.KindSim {
			continue
		}
		p, err := start(ctx, o, v.Name)
		if err != nil {
			return nil, nil, err
		}
		procs = append(procs, p)
		Networked(&out, v, p.Addr)
		if o.Keys != "" {
			v.Execution, v.Keys = config.ExecLive, o.Keys
		}
	}
	if len(procs) == 0 {
		return nil, nil, errors.New("netvenues: the config has no simulated venue to run")
	}
	if err := out.Validate(); err != nil {
		return nil, nil, fmt.Errorf("netvenues: %w", err)
	}
	return procs, &out, nil
}

// Networked turns v, a "sim" venue of c, into a "binance" venue served at
// addr by `desk venue`: the same fees and latency, every instrument it
// listed mapped from the symbol the venue process lists it under.
func Networked(c *config.Config, v *config.Venue, addr string) {
	syms := map[string]string{}
	for _, s := range c.ListedSymbols(v) {
		syms[binance.SymbolOf(s)] = s
	}
	v.Kind, v.Instruments, v.Flow, v.Seed = config.KindBinance, nil, config.Flow{}, 0
	v.RESTURL, v.WSURL, v.Symbols = "http://"+addr, "ws://"+addr, syms
}

func start(ctx context.Context, o Options, venue string) (*Process, error) {
	addrFile := filepath.Join(o.Dir, venue+".addr")
	_ = os.Remove(addrFile)
	args := []string{"venue", "--listen", "127.0.0.1:0", "--venue", venue, "--addr-file", addrFile}
	if o.Config != "" {
		args = append(args, "--config", o.Config)
	}
	if o.Keys != "" {
		args = append(args, "--keys", o.Keys, "--state", filepath.Join(o.Dir, venue+".state"))
	}
	cmd := exec.Command(o.Exe, args...)
	cmd.Stdout, cmd.Stderr = o.Log, o.Log
	if o.Log == nil {
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	}
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("netvenues: start venue %s: %w", venue, err)
	}
	p := &Process{Venue: venue, cmd: cmd, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	deadline := time.NewTimer(startLimit)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(addrFile); err == nil {
			p.Addr = strings.TrimSpace(string(b))
			return p, nil
		}
		select {
		case err := <-p.done:
			p.done <- err
			return nil, fmt.Errorf("netvenues: venue %s exited before serving: %v", venue, err)
		case <-deadline.C:
			p.stop()
			return nil, fmt.Errorf("netvenues: venue %s did not serve within %s", venue, startLimit)
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}

// Stop stops each process: SIGTERM, then SIGKILL after 5 s.
func Stop(procs []*Process) {
	for _, p := range procs {
		p.stop()
	}
}

func (p *Process) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-p.done:
		p.done <- err
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		p.done <- <-p.done
	}
}

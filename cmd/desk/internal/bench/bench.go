package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/trace"
	"slices"
	"time"

	"github.com/desk-trading/desk/cmd/desk/internal/daemon"
	"github.com/desk-trading/desk/core/client"
	"github.com/desk-trading/desk/core/protocol"
)

// Options are one bench run's load.
type Options struct {
	Strategies   int           // strategies of LoadKind; at least 1
	Instruments  int           // instruments; at least 1
	Rate         float64       // asked book updates a second, in all
	Duration     time.Duration // the measured window (and the warm-up before it); at least 1s
	OrdersPerSec float64       // asked orders a second, all strategies together; zero: 1000
	// FloorWakes and FloorRoundTrips size the floor's measurement; zero:
	// 10,000 and 100,000.
	FloorWakes, FloorRoundTrips int
	// Logger receives the daemon's log; nil: discarded.
	Logger *slog.Logger
	// Trace, when set, receives a runtime/trace (go tool trace) of the
	// measured window only: started when the bench sees the status that
	// ended the warm-up, stopped when it sees the one that ended the
	// window (each within statusEvery of the engine's boundary).
	Trace io.Writer
}

// Percentiles summarise a latency distribution in nanoseconds.
type Percentiles struct {
	Count int64 `json:"count"`
	P50   int64 `json:"p50_ns"`
	P99   int64 `json:"p99_ns"`
	P999  int64 `json:"p999_ns"`
	Max   int64 `json:"max_ns"`
}

// Journal is what the bench measured of the journal. The status has no
// figure of the journal's own group commits, so the bench sends an
// operator command every 100ms of the window: Commit is its replies'
// commit_us, the durability wait left once the engine had answered (a
// commit that finished before the server read the engine's answer shows
// as a few microseconds, so under load it understates); CommandRoundTrip
// is the whole command as the client sees it (socket, the engine's
// command queue, the group commit, the reply). PendingMax is the most
// events the statuses showed pending (appended, not yet durable).
type Journal struct {
	Commit           Percentiles `json:"commit"`
	CommandRoundTrip Percentiles `json:"command_roundtrip"`
	PendingMax       uint64      `json:"pending_max"`
}

// Result is one bench run's figures. Its JSON form is the contract
// documented in the package doc.
type Result struct {
	Strategies        int     `json:"strategies"`
	Instruments       int     `json:"instruments"`
	Venues            int     `json:"venues"`
	FlowIntervalNS    int64   `json:"flow_interval_ns"`   // the venues' mean flow interval
	FlowTicksPerSec   float64 `json:"flow_ticks_per_sec"` // the book rate the venues' flow is set to make
	AskedTicksPerSec  float64 `json:"asked_ticks_per_sec"`
	AskedOrdersPerSec float64 `json:"asked_orders_per_sec"`
	WarmupS           float64 `json:"warmup_s"`
	DurationS         float64 `json:"duration_s"`

	// Ticks are the books the venues' feed handlers passed to the engine
	// (the status's venues[].feed.books); TicksApplied those the engine
	// applied (the inbox stage's count), fewer when it conflated books of
	// an instrument queued behind one another.
	Ticks        int64   `json:"ticks"`
	TicksApplied int64   `json:"ticks_applied"`
	Orders       int64   `json:"orders"`
	Fills        int64   `json:"fills"`
	Denials      int64   `json:"denials"`
	TicksPerSec  float64 `json:"ticks_per_sec"`
	OrdersPerSec float64 `json:"orders_per_sec"`
	FillsPerSec  float64 `json:"fills_per_sec"`

	TickToOrder Percentiles            `json:"tick_to_order"`
	Stages      map[string]Percentiles `json:"stages"`
	Journal     Journal                `json:"journal"`
	// Queues holds the only queue depth the status exposes (the journal's
	// pending events) beside the two backlog signals: books the asked
	// rate wanted but the venues did not get out (a venue blocks on a full
	// engine book queue), and the inbox stage's p99.
	Queues Queues `json:"queues"`

	CPUCores     float64 `json:"cpu_cores"`
	CPUUserS     float64 `json:"cpu_user_s"`
	CPUSysS      float64 `json:"cpu_sys_s"`
	RSSBytes     int64   `json:"rss_bytes"`
	RSSPeakBytes int64   `json:"rss_peak_bytes"`
	GOMAXPROCS   int     `json:"gomaxprocs"`

	Floor Floor `json:"floor"`
	// Saturated says the load was not sustained; Why says how.
	Saturated bool   `json:"saturated"`
	Why       string `json:"why,omitempty"`
	FirmState string `json:"firm_state"`
	// MissingStages are the hot path's stages the status had no figures
	// for in the window although the load exercises them (the bench's
	// orders all come from books, so each should be there).
	MissingStages []string `json:"missing_stages,omitempty"`
}

// Queues are the bench's backlog signals.
type Queues struct {
	JournalPendingMax uint64  `json:"journal_pending_max"`
	ConflatedPct      float64 `json:"conflated_pct"`      // 100*(ticks-ticks_applied)/ticks: books the engine found superseded in its queue
	TickShortfallPct  float64 `json:"tick_shortfall_pct"` // 100*(asked-achieved)/asked, 0 when achieved
	InboxP99NS        int64   `json:"inbox_p99_ns"`
}

// Saturation thresholds: a run whose venues got out less than
// minAchieved of the asked books, whose engine conflated more than
// maxConflatedPct of them (it drains a backlog by skipping superseded
// books, so the venues are never held back), or whose journal held more
// than maxPending events at once, did not sustain its load.
const (
	minAchieved     = 0.9
	maxConflatedPct = 10
	maxPending      = 8192 // half the daemon's journal queue
)

// statusEvery is how often the bench reads the status near a window's
// expected end: well under the engine's 100ms snapshot interval, to see
// each window's first snapshot. Before that it reads one every
// statusIdleEvery, about each snapshot, to follow the journal's pending
// events: a status of 500 strategies takes the process a millisecond or
// more to encode and decode, and reading it every 20ms cost the load it
// measures up to 0.7 of the machine's 2 cores.
const (
	statusEvery     = 20 * time.Millisecond
	statusIdleEvery = 100 * time.Millisecond
	statusNearEnd   = 300 * time.Millisecond
)

// commitEvery is how often an operator command probes the journal's
// group commit during the window.
const commitEvery = 100 * time.Millisecond

func (o *Options) check() error {
	switch {
	case o.Strategies < 1:
		return errors.New("bench: --strategies must be at least 1")
	case o.Instruments < 1:
		return errors.New("bench: --instruments must be at least 1")
	case o.Rate <= 0:
		return errors.New("bench: --rate must be above zero")
	case o.Duration < time.Second:
		return errors.New("bench: --duration must be at least 1s")
	case o.OrdersPerSec < 0:
		return errors.New("bench: --orders-per-sec must not be negative")
	}
	return nil
}

// Run runs one bench: it measures the floor, generates the config (see
// buildConfig), starts the real daemon on it (daemon.New and Run: journal
// with fsync on a temporary state dir, the socket server on a temporary
// socket, the venues, the engine and the strategies), and reads the
// status over the socket.
//
// The engine's latency window is set to o.Duration. The first window,
// which holds the start-up (books the venues published before the engine
// ran), is the warm-up; the figures are those of the second. Counters
// (books taken by the engine, orders sent, fills, denials) are the
// difference between the status published when the first window ended
// and the one published when the second did, over the engine clock's
// time between them; latency is the status's latency[].recent of the
// second window; CPU (getrusage) and wall time are read when the bench
// sees those two statuses (within statusEvery plus a snapshot interval of
// the engine's own boundaries).
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.OrdersPerSec == 0 {
		o.OrdersPerSec = 1000
	}
	if o.FloorWakes == 0 {
		o.FloorWakes = 10_000
	}
	if o.FloorRoundTrips == 0 {
		o.FloorRoundTrips = 100_000
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	// The window rotates on the engine's 100ms tick: a whole number of
	// ticks keeps the two windows equal.
	o.Duration = o.Duration.Round(100 * time.Millisecond)
	cfg, lay, err := buildConfig(&o)
	if err != nil {
		return nil, err
	}
	reg, err := Registry()
	if err != nil {
		return nil, err
	}
	res := &Result{
		Strategies: o.Strategies, Instruments: o.Instruments, Venues: lay.venues, FlowIntervalNS: int64(lay.meanInterval()), FlowTicksPerSec: lay.rate(),
		AskedTicksPerSec: o.Rate, AskedOrdersPerSec: o.OrdersPerSec, GOMAXPROCS: runtime.GOMAXPROCS(0),
	}
	// The floor first, on a quiet process: what a hop costs here at best.
	res.Floor = measureFloor(o.FloorWakes, o.FloorRoundTrips)

	dir, err := os.MkdirTemp("", "desk-bench")
	if err != nil {
		return nil, fmt.Errorf("bench: temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	d, err := daemon.New(daemon.Options{
		Config:        cfg,
		Paths:         daemon.Paths{StateDir: filepath.Join(dir, "state"), Socket: filepath.Join(dir, "run", "desk.sock")},
		Registry:      reg,
		LatencyWindow: o.Duration,
		Logger:        o.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("bench: start daemon: %w", err)
	}
	runErr := make(chan error, 1)
	go func() { runErr <- d.Run(context.Background()) }()
	measureErr := func() error {
		select {
		case <-d.Ready():
		case err := <-runErr:
			runErr <- err
			return fmt.Errorf("bench: daemon did not start: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		}
		conn, err := client.Dial(ctx, d.Paths().Socket)
		if err != nil {
			return fmt.Errorf("bench: dial the daemon: %w", err)
		}
		defer conn.Close()
		return measure(ctx, conn, &o, res)
	}()
	if err := d.Stop(); err != nil && measureErr == nil {
		measureErr = fmt.Errorf("bench: daemon stopped with: %w", err)
	}
	if measureErr != nil {
		return nil, measureErr
	}
	return res, nil
}

// sample is one status the bench read, with the process's CPU and the
// wall clock when it did.
type sample struct {
	st        *protocol.Status
	at        time.Time // engine clock, from the status
	wall      time.Time
	user, sys time.Duration
}

// measure waits out the warm-up window, then the measured one, and fills
// res from the two statuses that ended them.
func measure(ctx context.Context, conn *client.Conn, o *Options, res *Result) error {
	read := func() (*sample, error) {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		var st protocol.Status
		if err := conn.Call(cctx, protocol.CmdStatus, nil, &st); err != nil {
			return nil, fmt.Errorf("bench: status: %w", err)
		}
		at, err := time.Parse(time.RFC3339Nano, st.Time)
		if err != nil {
			return nil, fmt.Errorf("bench: status time %q: %w", st.Time, err)
		}
		s := &sample{st: &st, at: at, wall: time.Now()}
		if s.user, s.sys, err = cpuTime(); err != nil {
			return nil, err
		}
		if p := st.Journal.Pending; p > res.Journal.PendingMax {
			res.Journal.PendingMax = p
		}
		return s, nil
	}
	// A window ends when some stage's recent figures change (the first
	// window's appear); every window of a loaded engine has samples.
	next := func(prev *sample, limit time.Duration, probe func()) (*sample, error) {
		deadline := time.Now().Add(limit)
		near := prev.wall.Add(o.Duration - statusNearEnd) // the window ends about o.Duration after prev
		lastProbe := time.Now()
		for {
			every := statusEvery
			if time.Now().Before(near) {
				every = statusIdleEvery
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(every):
			}
			s, err := read()
			if err != nil {
				return nil, err
			}
			if windowKey(s.st) != windowKey(prev.st) {
				return s, nil
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("bench: no latency window ended within %s (is anything trading? firm %s)", limit, s.st.Firm.State)
			}
			if probe != nil && time.Since(lastProbe) >= commitEvery {
				lastProbe = time.Now()
				probe()
			}
		}
	}
	start, err := read()
	if err != nil {
		return err
	}
	limit := 3*o.Duration + 10*time.Second
	a, err := next(start, limit, nil)
	if err != nil {
		return fmt.Errorf("bench: warm-up: %w", err)
	}
	stopTrace := func() {}
	if o.Trace != nil {
		if err := trace.Start(o.Trace); err != nil {
			return fmt.Errorf("bench: trace: %w", err)
		}
		tracing := true
		stopTrace = func() {
			if tracing {
				tracing = false
				trace.Stop()
			}
		}
		defer stopTrace()
	}
	var commits, trips []int64
	var probeErr error
	probe := func() {
		t0 := time.Now()
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		var ack protocol.Ack
		// Resuming the active firm changes nothing but is journaled and
		// answered after its group commit, like every operator command.
		if err := conn.Call(cctx, protocol.CmdResume, protocol.NodeArgs{Node: "firm", Why: "desk bench: journal commit probe"}, &ack); err != nil {
			probeErr = err
			return
		}
		trips = append(trips, int64(time.Since(t0)))
		commits = append(commits, ack.CommitUS*1000)
	}
	b, err := next(a, limit, probe)
	stopTrace()
	if err != nil {
		return fmt.Errorf("bench: measuring: %w", err)
	}
	res.WarmupS = a.wall.Sub(start.wall).Seconds()
	fill(res, a, b)
	if len(commits) > 0 {
		res.Journal.Commit, res.Journal.CommandRoundTrip = percentiles(commits), percentiles(trips)
	} else if probeErr != nil {
		return fmt.Errorf("bench: journal commit probe: %w", probeErr)
	}
	res.Queues.JournalPendingMax = res.Journal.PendingMax
	if res.RSSBytes, res.RSSPeakBytes, err = memory(); err != nil {
		return err
	}
	res.FirmState = b.st.Firm.State
	var why []string
	if res.TicksPerSec < minAchieved*o.Rate {
		why = append(why, fmt.Sprintf("achieved %.0f of %.0f ticks/s asked: the venues were held back", res.TicksPerSec, o.Rate))
	}
	if res.Queues.ConflatedPct > maxConflatedPct {
		why = append(why, fmt.Sprintf("the engine conflated %.0f%% of the books: it fell behind", res.Queues.ConflatedPct))
	}
	if res.Journal.PendingMax > maxPending {
		why = append(why, fmt.Sprintf("journal held %d pending events", res.Journal.PendingMax))
	}
	if res.FirmState != "active" {
		why = append(why, "firm "+res.FirmState)
	}
	if len(why) > 0 {
		res.Saturated, res.Why = true, fmt.Sprint(why)
	}
	return nil
}

// windowKey identifies the latency window a status shows.
func windowKey(st *protocol.Status) string {
	k := ""
	for _, l := range st.Latency {
		if r := l.Recent; r != nil {
			k += fmt.Sprintf("%s:%d/%d/%d;", l.Stage, r.Count, r.P50, r.Max)
		}
	}
	return k
}

// fill sets res's figures from a, the status that ended the warm-up, and
// b, the one that ended the measured window.
func fill(res *Result, a, b *sample) {
	secs := b.at.Sub(a.at).Seconds()
	res.DurationS = secs
	counts := func(st *protocol.Status) map[string]int64 {
		m := map[string]int64{}
		for _, l := range st.Latency {
			m[l.Stage] = l.Count
		}
		return m
	}
	ca, cb := counts(a.st), counts(b.st)
	res.TicksApplied = cb["inbox"] - ca["inbox"]
	res.Ticks = res.TicksApplied // a daemon whose status shows no feed counts
	if fa, fb := feedBooks(a.st), feedBooks(b.st); fb > 0 {
		res.Ticks = int64(fb - fa)
	}
	if res.Ticks > 0 && res.TicksApplied < res.Ticks {
		res.Queues.ConflatedPct = 100 * float64(res.Ticks-res.TicksApplied) / float64(res.Ticks)
	}
	res.Orders = b.st.Firm.OrdersSent - a.st.Firm.OrdersSent
	res.Fills = b.st.Firm.Fills - a.st.Firm.Fills
	for _, s := range b.st.Strategies {
		res.Denials += s.Denials
	}
	for _, s := range a.st.Strategies {
		res.Denials -= s.Denials
	}
	res.TicksPerSec = float64(res.Ticks) / secs
	res.OrdersPerSec = float64(res.Orders) / secs
	res.FillsPerSec = float64(res.Fills) / secs
	res.Stages = map[string]Percentiles{}
	for _, l := range b.st.Latency {
		if r := l.Recent; r != nil {
			p := Percentiles{Count: r.Count, P50: r.P50, P99: r.P99, P999: r.P999, Max: r.Max}
			res.Stages[l.Stage] = p
			if l.Stage == "tick-to-order" {
				res.TickToOrder = p
			}
		}
	}
	for _, n := range []string{"feed", "inbox", "strategy", "risk", "route", "send", "tick-to-order"} {
		if _, ok := res.Stages[n]; !ok {
			res.MissingStages = append(res.MissingStages, n)
		}
	}
	res.Queues.InboxP99NS = res.Stages["inbox"].P99
	if asked := res.AskedTicksPerSec; res.TicksPerSec < asked {
		res.Queues.TickShortfallPct = 100 * (asked - res.TicksPerSec) / asked
	}
	wall := b.wall.Sub(a.wall).Seconds()
	user, sys := b.user-a.user, b.sys-a.sys
	res.CPUUserS, res.CPUSysS = user.Seconds(), sys.Seconds()
	res.CPUCores = (user + sys).Seconds() / wall
}

// percentiles summarises xs, sorting it.
func percentiles(xs []int64) Percentiles {
	slices.Sort(xs)
	return Percentiles{Count: int64(len(xs)), P50: quantile(xs, 0.5), P99: quantile(xs, 0.99),
		P999: quantile(xs, 0.999), Max: xs[len(xs)-1]}
}

// feedBooks sums the books every venue's feed handler passed to the
// engine; 0 when the status shows no feed.
func feedBooks(st *protocol.Status) uint64 {
	var n uint64
	for _, v := range st.Venues {
		if v.Feed != nil {
			n += v.Feed.Books
		}
	}
	return n
}

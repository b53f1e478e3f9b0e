package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Command runs `desk bench` with args (the flags after "bench"), printing
// to stdout, and progress of --find-max to stderr.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o Options
	var asJSON, findMax bool
	var bound time.Duration
	fs := flag.NewFlagSet("desk bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.Strategies, "strategies", 10, "`N` strategies, each on 4 of the instruments")
	fs.IntVar(&o.Instruments, "instruments", 100, "`M` instruments")
	fs.Float64Var(&o.Rate, "rate", 10_000, "book updates a second in all (`TICKS_PER_S`)")
	fs.DurationVar(&o.Duration, "duration", 5*time.Second, "the measured window `D`, after a warm-up as long")
	fs.Float64Var(&o.OrdersPerSec, "orders-per-sec", 1000, "orders a second, all strategies together (`R`)")
	fs.BoolVar(&asJSON, "json", false, "print one JSON object")
	fs.BoolVar(&findMax, "find-max", false, "find the highest tick rate, from --rate, at which p99 tick-to-order stays under --p99-bound and no queue grows")
	fs.DurationVar(&bound, "p99-bound", time.Millisecond, "--find-max's bound on p99 tick-to-order")
	ceiling := fs.Float64("max-rate", maxSearchRate, "--find-max's highest tick rate to try")
	debug := fs.Bool("debug", false, "log the daemon to stderr")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to `file` (go tool pprof)")
	traceFile := fs.String("trace", "", "write a runtime trace of the measured window (not the warm-up) to `file` (go tool trace); not with --find-max")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *traceFile != "" && findMax {
		return fmt.Errorf("bench: --trace traces one run, not --find-max's several")
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("bench: cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	if *traceFile != "" {
		f, err := os.Create(*traceFile)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer f.Close()
		o.Trace = f
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected arguments %q", fs.Args())
	}
	if *debug {
		o.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	if !findMax {
		res, err := Run(ctx, o)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSON(stdout, res)
		}
		return WriteText(stdout, res)
	}
	fm, err := FindMax(ctx, o, bound, *ceiling, func(s Step) {
		fmt.Fprintf(stderr, "desk bench: %.0f ticks/s asked: %.0f achieved, p99 %s: %s\n",
			s.AskedTicksPerSec, s.TicksPerSec, time.Duration(s.P99), map[bool]string{true: "pass", false: "fail (" + s.Why + ")"}[s.Pass])
	})
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(stdout, fm)
	}
	fmt.Fprintf(stdout, "highest passing rate: %.0f ticks/s asked (p99 tick-to-order under %s, no queue growing)\n\n", fm.MaxTicksPerSec, bound)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "asked ticks/s\tachieved\tp99\t  result")
	for _, s := range fm.Steps {
		r := "pass"
		if !s.Pass {
			r = "fail: " + s.Why
		}
		// The result is the last cell, left as it is: only the numbers align.
		fmt.Fprintf(tw, "%.0f\t%.0f\t%s\t  %s\n", s.AskedTicksPerSec, s.TicksPerSec, us(s.P99), r)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("bench: write: %w", err)
	}
	if fm.Best == nil {
		fmt.Fprintln(stdout, "\nno rate passed")
		return nil
	}
	fmt.Fprintln(stdout)
	return WriteText(stdout, fm.Best)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("bench: write: %w", err)
	}
	return nil
}

// us formats ns for the table: microseconds below 10ms, else ms.
func us(ns int64) string {
	d := time.Duration(ns)
	if d >= 10*time.Millisecond {
		return fmt.Sprintf("%.1f ms", float64(ns)/1e6)
	}
	return fmt.Sprintf("%.1f us", float64(ns)/1e3)
}

// WriteText prints res as a readable table.
func WriteText(w io.Writer, res *Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format+"\n", a...) }
	p("load\t%d strategies, %d instruments on %d sim venues (flow every %s on average, for %.0f books/s), asked %.0f ticks/s and %.0f orders/s",
		res.Strategies, res.Instruments, res.Venues, time.Duration(res.FlowIntervalNS), res.FlowTicksPerSec, res.AskedTicksPerSec, res.AskedOrdersPerSec)
	p("window\t%.2f s measured after %.2f s of warm-up (GOMAXPROCS %d)", res.DurationS, res.WarmupS, res.GOMAXPROCS)
	p("throughput\t%.0f ticks/s, %.0f orders/s, %.0f fills/s (%d ticks, %d applied, %d orders, %d fills, %d denials)",
		res.TicksPerSec, res.OrdersPerSec, res.FillsPerSec, res.Ticks, res.TicksApplied, res.Orders, res.Fills, res.Denials)
	p("cpu\t%.2f cores (user %.2f s, sys %.2f s)", res.CPUCores, res.CPUUserS, res.CPUSysS)
	p("memory\tRSS %.1f MiB, peak %.1f MiB", float64(res.RSSBytes)/(1<<20), float64(res.RSSPeakBytes)/(1<<20))
	j := &res.Journal
	p("journal\t%d commands: commit wait (commit_us) p50 %s, p99 %s, max %s; round trip p50 %s, p99 %s, max %s; pending at most %d events",
		j.Commit.Count, us(j.Commit.P50), us(j.Commit.P99), us(j.Commit.Max),
		us(j.CommandRoundTrip.P50), us(j.CommandRoundTrip.P99), us(j.CommandRoundTrip.Max), j.PendingMax)
	p("queues\tticks short of asked %.1f%%, conflated in the engine's queue %.1f%%, inbox p99 %s (engine queue depths are not in the status)",
		res.Queues.TickShortfallPct, res.Queues.ConflatedPct, us(res.Queues.InboxP99NS))
	p("floor\twake of a parked goroutine p50 %s, p99 %s (%d wakes); channel hop %d ns (ping-pong %d ns)",
		us(res.Floor.WakeP50), us(res.Floor.WakeP99), res.Floor.Wakes, res.Floor.ChanHop, res.Floor.ChanRoundTrip)
	state := "sustained"
	if res.Saturated {
		state = "SATURATED: " + res.Why
	}
	p("load state\t%s (firm %s)", state, res.FirmState)
	if len(res.MissingStages) > 0 {
		p("missing\tthe status had no figures for %s in the window", strings.Join(res.MissingStages, ", "))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("bench: write: %w", err)
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stage\tcount\tp50\tp99\tp99.9\tmax\t")
	// The hot path's order; a stage the bench does not know goes last.
	order := []string{"feed", "inbox", "strategy", "risk", "route", "send", "venue-ack", "tick-to-order"}
	rank := func(n string) int {
		if i := slices.Index(order, n); i >= 0 {
			return i
		}
		return len(order)
	}
	names := make([]string, 0, len(res.Stages))
	for n := range res.Stages {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	for _, n := range names {
		s := res.Stages[n]
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t\n", n, s.Count, us(s.P50), us(s.P99), us(s.P999), us(s.Max))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("bench: write: %w", err)
	}
	return nil
}

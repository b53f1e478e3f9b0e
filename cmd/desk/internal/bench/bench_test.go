package bench

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestBenchAgreesWithItself runs a short bench and checks its figures
// against its own counts, and its JSON against the contract's keys.
func TestBenchAgreesWithItself(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := Run(ctx, Options{Strategies: 10, Instruments: 20, Rate: 4000, Duration: 2 * time.Second,
		OrdersPerSec: 500, FloorWakes: 2000, FloorRoundTrips: 20_000})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	if res.DurationS < 1.5 || res.DurationS > 3 {
		t.Errorf("measured %.2fs, want about the 2s window", res.DurationS)
	}
	for name, c := range map[string]struct {
		count int64
		rate  float64
	}{"ticks": {res.Ticks, res.TicksPerSec}, "orders": {res.Orders, res.OrdersPerSec}, "fills": {res.Fills, res.FillsPerSec}} {
		if got := c.rate * res.DurationS; math.Abs(got-float64(c.count)) > 1 {
			t.Errorf("%s: %.1f/s over %.2fs is %.1f, counted %d", name, c.rate, res.DurationS, got, c.count)
		}
	}
	if res.TicksPerSec <= 0 || res.OrdersPerSec <= 0 {
		t.Fatalf("ticks %.0f/s, orders %.0f/s: want both above zero", res.TicksPerSec, res.OrdersPerSec)
	}
	// The load asked for 500 orders/s; the strategies pace themselves.
	if res.OrdersPerSec < 350 || res.OrdersPerSec > 650 {
		t.Errorf("orders %.0f/s, want about the 500 asked", res.OrdersPerSec)
	}
	// The window's histograms count what the counters count: every book
	// the engine took, every order sent from a book. The counters are read
	// when the status is published and the histograms rotate on the
	// engine's tick, so the books in flight between the feed and the
	// engine at a boundary (a batch of them, 64 at most) may fall on
	// either side.
	const inFlight = 64
	if in := res.Stages["inbox"].Count; in < res.TicksApplied-inFlight || in > res.TicksApplied+inFlight || in > res.Ticks+inFlight {
		t.Errorf("inbox stage counted %d books in the window, the counters %d applied of %d", in, res.TicksApplied, res.Ticks)
	}
	if c := res.Queues.ConflatedPct; c < 0 || c > 50 {
		t.Errorf("conflated %.1f%% of the books at a light load", c)
	}
	if len(res.MissingStages) > 0 {
		t.Errorf("the status has no figures for %v: every order of the load comes from a book, so each stage should be timed "+
			"(an in-process sim venue reuses its BookUpdate, so a Received stamp the feed handler keeps is the first book's)", res.MissingStages)
	}
	if d := res.TickToOrder.Count - res.Orders; d < -res.Orders/20-5 || d > res.Orders/20+5 {
		t.Errorf("tick-to-order timed %d orders in the window, the counters sent %d", res.TickToOrder.Count, res.Orders)
	}
	for name, p := range res.Stages {
		if !(p.Count > 0 && 0 < p.P50 && p.P50 <= p.P99 && p.P99 <= p.P999 && p.P999 <= p.Max) {
			t.Errorf("stage %s: %+v, want 0 < p50 <= p99 <= p999 <= max", name, p)
		}
	}
	if res.TickToOrder != res.Stages["tick-to-order"] || res.TickToOrder.Count == 0 {
		t.Errorf("tick_to_order %+v is not the stage's %+v", res.TickToOrder, res.Stages["tick-to-order"])
	}
	if c := res.Journal.Commit; c.Count == 0 || c.P50 <= 0 || c.P50 > c.P99 || c.P99 > c.Max {
		t.Errorf("journal commit %+v", c)
	}
	if res.CPUCores <= 0 || res.RSSBytes <= 0 || res.RSSPeakBytes < res.RSSBytes {
		t.Errorf("cpu %.2f cores, rss %d peak %d: want them above zero", res.CPUCores, res.RSSBytes, res.RSSPeakBytes)
	}
	if f := res.Floor; f.WakeP50 <= 0 || f.WakeP50 > f.WakeP99 || f.WakeP99 > f.WakeMax || f.ChanHop <= 0 || f.ChanRoundTrip < f.ChanHop {
		t.Errorf("floor %+v", f)
	}
	if res.Denials != 0 || res.FirmState != "active" {
		t.Errorf("denials %d, firm %s: the load should pass risk", res.Denials, res.FirmState)
	}

	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{
		"strategies", "instruments", "venues", "flow_interval_ns", "flow_ticks_per_sec", "asked_ticks_per_sec", "asked_orders_per_sec",
		"warmup_s", "duration_s", "ticks", "ticks_applied", "orders", "fills", "denials", "ticks_per_sec", "orders_per_sec", "fills_per_sec",
		"tick_to_order.count", "tick_to_order.p50_ns", "tick_to_order.p99_ns", "tick_to_order.p999_ns", "tick_to_order.max_ns",
		"stages.risk.p50_ns", "stages.risk.p99_ns", "stages.risk.p999_ns", "stages.risk.max_ns", "stages.inbox.count",
		"stages.strategy.p99_ns", "stages.feed.p99_ns", "stages.route.p99_ns", "stages.send.p99_ns",
		"journal.commit.p50_ns", "journal.commit.p99_ns", "journal.commit.max_ns", "journal.command_roundtrip.p99_ns", "journal.pending_max",
		"queues.journal_pending_max", "queues.conflated_pct", "queues.tick_shortfall_pct", "queues.inbox_p99_ns",
		"cpu_cores", "cpu_user_s", "cpu_sys_s", "rss_bytes", "rss_peak_bytes", "gomaxprocs",
		"floor.wake_p50_ns", "floor.wake_p99_ns", "floor.wake_max_ns", "floor.wakes", "floor.chan_hop_ns",
		"floor.chan_roundtrip_ns", "floor.roundtrips", "saturated", "firm_state",
	} {
		var v any = m
		for _, part := range strings.Split(k, ".") {
			obj, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = obj[part]
		}
		if v == nil {
			t.Errorf("JSON has no %s: %s", k, b)
		}
	}

	var text strings.Builder
	if err := WriteText(&text, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"throughput", "tick-to-order", "floor", "journal", "cpu"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output has no %q:\n%s", want, text.String())
		}
	}
}

// TestPlanLayout checks that the venues' flow makes the asked book rate:
// listings over the interval, the interval never under 1ms, no venue over
// its share, every instrument listed.
func TestPlanLayout(t *testing.T) {
	for _, c := range []struct {
		m    int
		rate float64
	}{{100, 10_000}, {100, 100_000}, {100, 400_000}, {4, 100}, {1, 5000}, {1000, 1e6}, {100, 760_000}} {
		l, err := planLayout(c.m, c.rate)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.rate(); math.Abs(got-c.rate)/c.rate > 0.01 {
			t.Errorf("%d instruments at %.0f/s: the venues make %.0f/s", c.m, c.rate, got)
		}
		listed, n := map[int]bool{}, 0
		for v, list := range l.lists {
			if len(list) == 0 {
				t.Errorf("%d instruments at %.0f/s: venue %d lists nothing", c.m, c.rate, v)
			}
			if l.every[v] < minInterval {
				t.Errorf("%d instruments at %.0f/s: venue %d ticks every %s", c.m, c.rate, v, l.every[v])
			}
			if r := float64(len(list)) / l.every[v].Seconds(); r > perVenueRate*(1+spread)*1.01 && l.venues < maxVenues {
				t.Errorf("%d instruments at %.0f/s: venue %d publishes %.0f/s", c.m, c.rate, v, r)
			}
			for _, i := range list {
				listed[i] = true
			}
			n += len(list)
		}
		if len(listed) != c.m || n != l.listings {
			t.Errorf("%d instruments at %.0f/s: %d listed in %d listings, want %d in %d", c.m, c.rate, len(listed), n, c.m, l.listings)
		}
	}
}

// TestPlanLayoutRefusesTooMany checks that a rate needing an instrument
// on more venues than the router takes fails with what the most is.
func TestPlanLayoutRefusesTooMany(t *testing.T) {
	if _, err := planLayout(100, 800_000); err == nil || !strings.Contains(err.Error(), "at most 761905 ticks/s") {
		t.Fatalf("800k ticks/s over 100 instruments: %v", err)
	}
}

// TestFindMaxSearches runs --find-max on a small load with a generous
// bound; it is heavy (several daemons), so -short skips it.
func TestFindMaxSearches(t *testing.T) {
	if testing.Short() {
		t.Skip("several bench runs")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// A light load, whose every rate up to the ceiling passes on an idle
	// machine (1000, 2000, 4000); under -race or on a busy one a step may
	// fail, so what is checked is the search, not the machine.
	fm, err := FindMax(ctx, Options{Strategies: 2, Instruments: 4, Rate: 1000, Duration: time.Second, OrdersPerSec: 50,
		FloorWakes: 100, FloorRoundTrips: 1000}, 50*time.Millisecond, 4000, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", fm)
	if len(fm.Steps) == 0 || fm.Steps[0].AskedTicksPerSec != 1000 {
		t.Fatalf("find-max did not start at --rate: %+v", fm)
	}
	best := 0.0
	for k, st := range fm.Steps {
		switch {
		case st.AskedTicksPerSec > 4000:
			t.Fatalf("step %d asked %.0f, above the ceiling", k, st.AskedTicksPerSec)
		case !st.Pass && st.Why == "":
			t.Fatalf("step %d failed without a reason: %+v", k, st)
		case st.Pass:
			best = max(best, st.AskedTicksPerSec)
		}
		if k > 0 && fm.Steps[k-1].Pass && st.AskedTicksPerSec != min(2*fm.Steps[k-1].AskedTicksPerSec, 4000) && st.AskedTicksPerSec < fm.Steps[k-1].AskedTicksPerSec {
			t.Fatalf("step %d went down after a pass: %+v", k, fm.Steps)
		}
	}
	if fm.MaxTicksPerSec != best || (best > 0) != (fm.Best != nil) || (fm.Best != nil && fm.Best.AskedTicksPerSec != best) {
		t.Fatalf("find-max result %.0f (best %+v), the passing steps say %.0f", fm.MaxTicksPerSec, fm.Best, best)
	}
}

// TestTraceFlag runs a short bench with --trace and checks that the file
// holds a runtime trace (its header, then events), and that --trace is
// refused with --find-max.
func TestTraceFlag(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	path := filepath.Join(t.TempDir(), "bench.trace")
	var out, errs strings.Builder
	err := Command(ctx, []string{"--strategies", "2", "--instruments", "4", "--rate", "1000", "--duration", "1s",
		"--orders-per-sec", "50", "--json", "--trace", path}, &out, &errs)
	if err != nil {
		t.Fatalf("%v\n%s", err, errs.String())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A runtime trace opens with "go 1.NN trace" padded with NULs to 16
	// bytes (the header golang.org/x/exp/trace and go tool trace read).
	const header = 16
	if len(b) <= header || !regexp.MustCompile(`^go 1\.[0-9]+ trace\x00+$`).Match(b[:header]) {
		t.Fatalf("%s: %d bytes starting %q, want a runtime trace's header and events", path, len(b), b[:min(len(b), header)])
	}
	if err := Command(ctx, []string{"--find-max", "--trace", path}, &out, &errs); err == nil || !strings.Contains(err.Error(), "--trace") {
		t.Fatalf("--trace with --find-max: %v, want it refused", err)
	}
}

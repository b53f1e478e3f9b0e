package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/desk-trading/desk/brokers/sim"
)

// Documents for the range tests, each minimal with one setting changed.
func withDaemon(kv string) string { return minimal + "[daemon]\n" + kv + "\n" }
func withRisk(kv string) string   { return minimal + "[risk]\n" + kv + "\n" }
func withVenue(kv string) string {
	return strings.Replace(minimal, `kind = "sim"`, "kind = \"sim\"\n"+kv, 1)
}
func withFlow(kv string) string { return withVenue("flow = { " + kv + " }") }
func withInstrument(old, new string) string {
	return strings.Replace(minimal, old, new, 1)
}

func load(t *testing.T, doc string) (*Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "desk.toml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(path)
}

func TestLoadRefusesOutOfRange(t *testing.T) {
	const (
		venue = "venues[0] (v)"
		inst  = "instruments[0] (X)"
	)
	for _, tc := range []struct{ doc, want string }{
		{withDaemon(`snapshot_interval = "-1s"`), `daemon.snapshot_interval = "-1s": must be between 10ms and 10s (zero means the default 100ms)`},
		{withDaemon(`snapshot_interval = "1ns"`), `daemon.snapshot_interval = "1ns"`},
		{withDaemon(`snapshot_interval = "9ms"`), `daemon.snapshot_interval = "9ms"`},
		{withDaemon(`snapshot_interval = "11s"`), `daemon.snapshot_interval = "11s"`},
		{withDaemon(`stale_after = "-5s"`), `daemon.stale_after = "-5s": must be between 100ms and 1h (zero means the default 5s)`},
		{withDaemon(`stale_after = "1ns"`), `daemon.stale_after = "1ns"`},
		{withDaemon(`stale_after = "99ms"`), `daemon.stale_after = "99ms"`},
		{withDaemon(`stale_after = "1h0m1s"`), `daemon.stale_after = "1h0m1s"`},
		{withDaemon(`stale_after = "2562047h"`), `daemon.stale_after = "2562047h"`},
		{withRisk(`max_reference_age = "-5s"`), `risk.max_reference_age = "-5s": must be between 100ms and 1h (zero means the default 5s)`},
		{withRisk(`max_reference_age = "1ns"`), `risk.max_reference_age = "1ns"`},
		{withRisk(`max_reference_age = "2h"`), `risk.max_reference_age = "2h"`},
		{withVenue(`latency = "-1ms"`), venue + `.latency = "-1ms": must be between 0s and 10s: invalid config`},
		{withVenue(`latency = "11s"`), venue + `.latency = "11s"`},
		{withVenue(`maker_fee_bps = "-100.01"`), venue + `.maker_fee_bps = "-100.01": must be between -100 and 1000 with at most 2 decimal places`},
		{withVenue(`maker_fee_bps = "0.001"`), venue + `.maker_fee_bps = "0.001"`},
		{withVenue(`taker_fee_bps = 1001`), venue + `.taker_fee_bps = "1001"`},
		{withVenue(`taker_fee_bps = "-1e9"`), venue + `.taker_fee_bps = "-1000000000"`},
		{withFlow(`interval = "-1s"`), venue + `.flow.interval = "-1s": must be between 1ms and 1m (zero means the default 10ms)`},
		{withFlow(`interval = "1ns"`), venue + `.flow.interval = "1ns"`},
		{withFlow(`interval = "999us"`), venue + `.flow.interval = "999µs"`},
		{withFlow(`interval = "2m"`), venue + `.flow.interval = "2m"`},
		{withFlow(`ops_per_tick = -1`), venue + `.flow.ops_per_tick = -1: must be between 0 and 1000 (zero means the default 6)`},
		{withFlow(`ops_per_tick = 1001`), venue + `.flow.ops_per_tick = 1001`},
		{withFlow(`ops_per_tick = 9223372036854775807`), venue + `.flow.ops_per_tick = 9223372036854775807`},
		{withFlow(`levels = -1`), venue + `.flow.levels = -1`},
		{withFlow(`levels = 1001`), venue + `.flow.levels = 1001`},
		{withFlow(`max_lots = -1`), venue + `.flow.max_lots = -1`},
		{withFlow(`max_lots = 1000001`), venue + `.flow.max_lots = 1000001`},
		{withFlow(`taker_pct = -1`), venue + `.flow.taker_pct = -1`},
		{withFlow(`taker_pct = 100`), venue + `.flow.taker_pct = 100: must be between 0 and 99 (zero means the default 25)`},
		{withFlow(`volatility_ticks = "-0.1"`), venue + `.flow.volatility_ticks = "-0.1": must be between 0 and 100 (zero means the default 0.6)`},
		{withFlow(`volatility_ticks = 100.5`), venue + `.flow.volatility_ticks = "100.5"`},
		{withFlow(`volatility_ticks = 1e300`), venue + `.flow.volatility_ticks = "1`},
		// A flow interval that does not fit the freshness checks.
		{withFlow(`interval = "1m"`), `daemon.stale_after (unset: the default 5s): must be more than 2 times venues[0] (v).flow.interval (1m)`},
		{strings.Replace(withDaemon(`stale_after = "100ms"`), `kind = "sim"`, "kind = \"sim\"\nflow = { interval = \"50ms\" }", 1),
			`daemon.stale_after = "100ms": must be more than 2 times venues[0] (v).flow.interval (50ms)`},
		{strings.Replace(withDaemon(`stale_after = "1h"`), `kind = "sim"`, "kind = \"sim\"\nflow = { interval = \"1m\" }", 1),
			`risk.max_reference_age (unset: the default 5s): must be more than 2 times venues[0] (v).flow.interval (1m)`},
		{withInstrument("tick_size = 0.01", "tick_size = 0"), inst + `.tick_size = "0": must be positive`},
		{withInstrument("tick_size = 0.01", "tick_size = -1"), inst + `.tick_size = "-1"`},
		{withInstrument("tick_size = 0.01", `tick_size = "1e-19"`), inst + `.tick_size = "0.0000000000000000001"`},
		{withInstrument("tick_size = 0.01", `tick_size = "1e30"`), inst + `.tick_size = "1000000000000000000000000000000"`},
		{withInstrument(`lot_size = "1"`, `lot_size = "0"`), inst + `.lot_size = "0"`},
		{withInstrument(`lot_size = "1"`, `lot_size = "1e-19"`), inst + `.lot_size = "0.0000000000000000001"`},
		{withInstrument("tick_size = 0.01\nlot_size = \"1\"", "tick_size = \"1e-18\"\nlot_size = \"1e-18\""),
			inst + `: tick_size "0.000000000000000001" with lot_size "0.000000000000000001"`},
		{withInstrument("tick_size = 0.01", `tick_size = "1e-18"`), inst + `.price = "10"`}, // 10 is 10^19 ticks
		{withInstrument(`price = "10"`, `price = "0"`), inst + `.price = "0"`},
		{withInstrument(`price = "10"`, `price = "-10"`), inst + `.price = "-10"`},
		{withInstrument(`price = "10"`, `price = "10.005"`), inst + `.price = "10.005"`},
		{withInstrument(`price = "10"`, `price = "1e30"`), inst + `.price = "1000000000000000000000000000000"`},
	} {
		t.Run(tc.want, func(t *testing.T) {
			_, err := load(t, tc.doc)
			if err == nil {
				t.Fatalf("loaded; want an error naming %s", tc.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestLoadAcceptsRangeEdges(t *testing.T) {
	for _, doc := range []string{
		minimal,
		withDaemon("snapshot_interval = \"10ms\"\nstale_after = \"100ms\""),
		withDaemon("snapshot_interval = \"10s\"\nstale_after = \"1h\""),
		withDaemon("snapshot_interval = \"0s\"\nstale_after = \"0s\""),
		withRisk(`max_reference_age = "100ms"`),
		withRisk(`max_reference_age = "1h"`),
		withRisk(`max_reference_age = "0s"`),
		withVenue(`latency = "0s"`),
		withVenue(`latency = "10s"`),
		withVenue("maker_fee_bps = \"-100\"\ntaker_fee_bps = 1000"),
		withVenue("maker_fee_bps = -0.01\ntaker_fee_bps = \"0.01\""),
		withFlow(`interval = "1ms", ops_per_tick = 1000, levels = 1000, max_lots = 1000000, taker_pct = 99, volatility_ticks = 100`),
		withFlow(`interval = "0s", ops_per_tick = 0, levels = 0, max_lots = 0, taker_pct = 0, volatility_ticks = 0`),
		withFlow(`interval = "1ms", ops_per_tick = 1, levels = 1, max_lots = 1, taker_pct = 1, volatility_ticks = "0.0001"`),
		// The slowest flow, with freshness to match.
		strings.Replace(withDaemon(`stale_after = "1h"`)+"[risk]\nmax_reference_age = \"1h\"\n",
			`kind = "sim"`, "kind = \"sim\"\nflow = { interval = \"1m\" }", 1),
		// A quiet venue's interval does not bound freshness.
		withFlow(`disabled = true, interval = "1m"`),
		withInstrument("tick_size = 0.01\nlot_size = \"1\"\nprice = \"10\"", "tick_size = \"1e-18\"\nlot_size = \"1\"\nprice = \"1\""),
		withInstrument(`lot_size = "1"`, `lot_size = "1e-18"`),
		withInstrument(`price = "10"`, `price = "92233720368547758.07"`),
	} {
		if _, err := load(t, doc); err != nil {
			t.Errorf("%v\n%s", err, doc)
		}
	}
	if _, err := Default(); err != nil {
		t.Errorf("embedded default: %v", err)
	}
}

// TestSimFlowDefaults: zero fields take the defaults Flow documents, and a
// disabled flow is none.
func TestSimFlowDefaults(t *testing.T) {
	got := Flow{}.SimFlow()
	want := sim.FlowOptions{OpsPerTick: 6, Levels: 8, MaxLots: 20, TakerPct: 25, Volatility: 0.6}
	if got != want {
		t.Fatalf("Flow{}.SimFlow() = %+v, want %+v", got, want)
	}
	if got := (Flow{Disabled: true, OpsPerTick: 3}).SimFlow(); got != (sim.FlowOptions{}) {
		t.Fatalf("disabled flow = %+v, want none", got)
	}
}

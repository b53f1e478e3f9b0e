package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/cmd/desk/internal/netvenues"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/protocol"
)

// TestServeOverTwoVenueProcesses runs examples/two-venues.toml for real:
// two desk venue processes and desk serve taking their market data over
// loopback websockets and paper-trading on it. The strategies trade on
// both venues, each venue's feed is counted under it in status --json, and
// the venue's faults do what they should: dropped connections reconnect
// and resync that venue alone, skipped update ids resync that symbol
// alone, a malformed frame is counted and skipped, and a stalled stream
// trips stale-data for the strategy trading it, and only that one.
func TestServeOverTwoVenueProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs desk processes")
	}
	bin, err := buildDesk()
	if err != nil {
		t.Fatal(err)
	}
	dir := desktest.ShortTempDir(t)
	def, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	procs, _, err := netvenues.Start(t.Context(), netvenues.Options{Exe: bin, Dir: dir}, def)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { netvenues.Stop(procs) })
	addr := map[string]string{}
	for _, p := range procs {
		addr[p.Venue] = p.Addr
	}

	// The example, pointed at the processes' ports, with staleness
	// detected within a second.
	ex, err := os.ReadFile("../../examples/two-venues.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfgText := strings.NewReplacer("127.0.0.1:9101", addr["sim-a"], "127.0.0.1:9102", addr["sim-b"],
		`stale_after = "5s"`, `stale_after = "1s"`).Replace(string(ex))
	cfgPath := filepath.Join(dir, "two-venues.toml")
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	state, socket := filepath.Join(dir, "state"), filepath.Join(dir, "run", "desk.sock")
	serve := startServe(t, bin, state, socket, "--config", cfgPath)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("desk serve's log, last lines:\n%s", stderrTail(serve, 30))
		}
	})

	var st protocol.Status
	status := func() bool { return ctlJSON(t, bin, socket, &st, "status") == nil }
	t.Cleanup(func() {
		if t.Failed() {
			for _, v := range st.Venues {
				if v.Feed != nil {
					t.Logf("last status: venue %s feed %+v", v.Name, *v.Feed)
				}
			}
		}
	})
	feed := func(venue string) *protocol.Feed {
		for _, v := range st.Venues {
			if v.Name == venue {
				return v.Feed
			}
		}
		return nil
	}
	synced := func(f *protocol.Feed) bool {
		if f == nil || !f.Connected || len(f.Symbols) != 6 {
			return false
		}
		for _, s := range f.Symbols {
			if !s.Synced {
				return false
			}
		}
		return true
	}
	desktest.Eventually(t, within, "both feeds synced and strategies filled on both venues", func() bool {
		if !status() || !synced(feed("sim-a")) || !synced(feed("sim-b")) || st.Firm.Fills < 10 {
			return false
		}
		var orders protocol.Orders
		if ctlJSON(t, bin, socket, &orders, "orders", "--limit", "1000") != nil {
			return false
		}
		filled := map[string]bool{}
		for _, o := range orders.Orders {
			if o.FilledQuantity != "" && o.FilledQuantity != "0" {
				filled[o.Venue] = true
			}
		}
		return filled["sim-a"] && filled["sim-b"]
	})
	for _, v := range []string{"sim-a", "sim-b"} {
		f := feed(v)
		if f.Protocol != "binance" || f.Frames == 0 || f.DiffsApplied == 0 || f.Books == 0 || f.Malformed != 0 || f.Reconnects != 0 {
			t.Errorf("%s feed at the start: %+v", v, *f)
		}
		for _, vs := range st.Venues {
			if b := vs.Budget; vs.Name == v && (b == nil || b.Orders10sLimit != 50 || b.Weight1mLimit != 6000 || b.Orders1d == 0) {
				t.Errorf("%s rate budget in the status: %+v", v, b)
			}
		}
	}

	fault := func(venue string, q url.Values) {
		t.Helper()
		resp, err := http.Post("http://"+addr[venue]+"/admin/fault?"+q.Encode(), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("fault %v on %s: HTTP %d", q, venue, resp.StatusCode)
		}
	}

	// Dropped connections: sim-a reconnects and resyncs; sim-b is untouched.
	fault("sim-a", url.Values{"kind": {"drop-connections"}})
	desktest.Eventually(t, within, "sim-a reconnected and synced again", func() bool {
		return status() && feed("sim-a").Reconnects >= 1 && synced(feed("sim-a"))
	})
	if b := feed("sim-b"); b.Reconnects != 0 || b.Resyncs != 0 {
		t.Errorf("sim-b's feed moved when sim-a dropped its connections: %+v", *b)
	}

	// Skipped update ids on one symbol: that symbol alone resyncs.
	fault("sim-a", url.Values{"kind": {"skip-updates"}, "symbol": {"ETHUSD"}, "count": {"3"}})
	desktest.Eventually(t, within, "ETHUSD resynced on sim-a", func() bool {
		if !status() || !synced(feed("sim-a")) {
			return false
		}
		for _, s := range feed("sim-a").Symbols {
			if s.Symbol == "ETHUSD" {
				// A gap, or, when the skip hits a book just loaded from
				// its snapshot, a first diff that does not follow it:
				// either way a resync.
				return s.Resyncs >= 1
			}
		}
		return false
	})
	for _, s := range feed("sim-a").Symbols {
		if s.Symbol != "ETHUSD" && (s.Gaps != 0 || s.Resyncs != 0) {
			t.Errorf("sim-a %s resynced with ETHUSD: %+v", s.Symbol, s)
		}
	}

	// A malformed frame is counted and skipped: no reconnect, no resync.
	before := *feed("sim-b")
	fault("sim-b", url.Values{"kind": {"malformed"}, "stream": {"btcusd@depth@100ms"}})
	desktest.Eventually(t, within, "sim-b counted a malformed frame", func() bool {
		return status() && feed("sim-b").Malformed >= 1
	})
	if b := feed("sim-b"); b.Reconnects != before.Reconnects || b.Resyncs != before.Resyncs || !synced(b) {
		t.Errorf("a malformed frame cost sim-b more than a count: before %+v, after %+v", before, *b)
	}

	// Stalled streams: SOL-USD's book on sim-a, its diffs and its ticker,
	// goes quiet for longer than stale_after; mom-sol, the strategy
	// trading it, trips stale-data. (The ticker alone keeps the top of the
	// book fresh, so both must stall.)
	for _, stream := range []string{"solusd@depth@100ms", "solusd@bookTicker"} {
		fault("sim-a", url.Values{"kind": {"stall"}, "stream": {stream}, "for": {"4s"}})
	}
	desktest.Eventually(t, within, "mom-sol tripped stale-data", func() bool {
		if !status() {
			return false
		}
		for _, s := range st.Strategies {
			if s.ID == "mom-sol" {
				return slices.Contains(s.Breakers, "stale-data")
			}
		}
		return false
	})
	for _, s := range st.Strategies {
		if s.ID != "mom-sol" && slices.Contains(s.Breakers, "stale-data") {
			t.Errorf("strategy %s tripped stale-data on SOL-USD's stall", s.ID)
		}
	}
	// The feed itself stays up and in sequence through the stall.
	desktest.Eventually(t, within, "SOL-USD flowing again", func() bool {
		return status() && feed("sim-a").Stale == 0 && synced(feed("sim-a"))
	})
}

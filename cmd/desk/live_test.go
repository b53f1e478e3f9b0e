package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/cmd/desk/internal/netvenues"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/store"
)

// liveRig is examples/two-venues.toml trading live: two desk venue
// processes serving order entry for one API key, each the venue of record
// in its own bbolt file, and desk serve sending them signed orders.
type liveRig struct {
	t      *testing.T
	bin    string
	dir    string
	cfg    string // desk serve's config file
	state  string
	socket string
	creds  api.Credentials
	addr   map[string]string // venue -> host:port
	serve  *proc
	runs   []*proc // every desk serve started, for the logs
}

func newLiveRig(t *testing.T) *liveRig {
	t.Helper()
	bin, err := buildDesk()
	if err != nil {
		t.Fatal(err)
	}
	r := &liveRig{t: t, bin: bin, dir: desktest.ShortTempDir(t), addr: map[string]string{}}
	keys := filepath.Join(r.dir, "keys")
	if err := os.WriteFile(keys, []byte("deskTestKey0000000000001 deskTestSecret000000000000000000001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pairs, err := api.LoadCredentials(keys)
	if err != nil {
		t.Fatal(err)
	}
	r.creds = pairs[0]
	def, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	vlog, err := os.Create(filepath.Join(r.dir, "venues.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		vlog.Close()
		if t.Failed() {
			b, _ := os.ReadFile(vlog.Name())
			_ = os.WriteFile(filepath.Join(os.TempDir(), "desk-live-venues.log"), b, 0o600)
			t.Logf("the venues' log: %s", filepath.Join(os.TempDir(), "desk-live-venues.log"))
		}
	})
	procs, _, err := netvenues.Start(t.Context(), netvenues.Options{Exe: bin, Dir: r.dir, Keys: keys, Log: vlog}, def)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { netvenues.Stop(procs) })
	for _, p := range procs {
		r.addr[p.Venue] = p.Addr
	}
	// The example, pointed at the processes, executing live with the key,
	// with the opening balances the venues opened the account with.
	ex, err := os.ReadFile("../../examples/two-venues.toml")
	if err != nil {
		t.Fatal(err)
	}
	var bal strings.Builder
	bal.WriteString("[venues.balances]\n")
	for a, b := range def.Venues[0].Balances {
		fmt.Fprintf(&bal, "%s = %q\n", a, b.String())
	}
	text := strings.NewReplacer(
		"127.0.0.1:9101", r.addr["sim-a"], "127.0.0.1:9102", r.addr["sim-b"],
		`stale_after = "5s"`, `stale_after = "2s"`,
		`execution = "paper"`, fmt.Sprintf("execution = \"live\"\nkeys = %q", keys),
		"[venues.symbols]", bal.String()+"[venues.symbols]",
	).Replace(string(ex))
	r.cfg = filepath.Join(r.dir, "live.toml")
	if err := os.WriteFile(r.cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	r.state, r.socket = filepath.Join(r.dir, "state"), filepath.Join(r.dir, "run", "desk.sock")
	return r
}

// start starts desk serve and waits until it answers with both venues
// reconciled.
func (r *liveRig) start() *protocol.Status {
	r.t.Helper()
	r.serve = startServe(r.t, r.bin, r.state, r.socket, "--config", r.cfg)
	r.runs = append(r.runs, r.serve)
	var st protocol.Status
	desktest.Eventually(r.t, within, "desk serve up with both venues reconciled", func() bool {
		if ctlJSON(r.t, r.bin, r.socket, &st, "status") != nil || len(st.Venues) != 2 {
			return false
		}
		for _, v := range st.Venues {
			if !v.Connected || v.Reconciling || v.Reconciled == "" {
				return false
			}
		}
		return true
	})
	return &st
}

func (r *liveRig) status() *protocol.Status {
	r.t.Helper()
	var st protocol.Status
	if err := ctlJSON(r.t, r.bin, r.socket, &st, "status"); err != nil {
		r.t.Fatalf("status: %v\n%s", err, stderrTail(r.serve, 30))
	}
	return &st
}

// kill9 kills desk serve with SIGKILL.
func (r *liveRig) kill9() {
	r.t.Helper()
	if err := r.serve.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		r.t.Fatal(err)
	}
	r.serve.cmd.Wait()
}

// stop stops desk serve cleanly.
func (r *liveRig) stop() {
	r.t.Helper()
	if err := r.serve.cmd.Process.Signal(os.Interrupt); err != nil {
		r.t.Fatal(err)
	}
	if err := r.serve.cmd.Wait(); err != nil {
		r.t.Fatalf("desk serve exited with %v\n%s", err, stderrTail(r.serve, 30))
	}
}

// fault asks venue for a fault (POST /admin/fault).
func (r *liveRig) fault(venue string, q url.Values) {
	r.t.Helper()
	resp, err := http.Post("http://"+r.addr[venue]+"/admin/fault?"+q.Encode(), "", nil)
	if err != nil {
		r.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("fault %v on %s: HTTP %d %s", q, venue, resp.StatusCode, b)
	}
}

// signedGet asks venue for a signed REST endpoint and decodes the answer.
func (r *liveRig) signedGet(venue, path string, params api.Params, out any) {
	r.t.Helper()
	params = append(params, api.Param{Key: api.ParamRecvWindow, Value: "60000"}, api.Param{Key: api.ParamTimestamp, Value: api.Timestamp(time.Now())})
	q, err := api.SignQuery(r.creds.Secret, params)
	if err != nil {
		r.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodGet, "http://"+r.addr[venue]+path+"?"+q, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set(api.HeaderAPIKey, r.creds.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("GET %s on %s: HTTP %d %s", path, venue, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		r.t.Fatalf("GET %s on %s: %v", path, venue, err)
	}
}

// venueRecord is what a venue of record holds of desk's orders: each
// desk order (by desk id) and the trade ids of its fills.
type venueRecord struct {
	orders map[domain.OrderID]bool
	trades map[domain.OrderID][]int64
}

// record reads venue's record of every symbol desk trades there.
func (r *liveRig) record(venue string) venueRecord {
	r.t.Helper()
	rec := venueRecord{orders: map[domain.OrderID]bool{}, trades: map[domain.OrderID][]int64{}}
	for _, sym := range []string{"BTCUSD", "ETHUSD", "SOLUSD", "XRPUSD", "AAPL", "EURUSD"} {
		byVenueID := map[int64]domain.OrderID{}
		for from := int64(0); ; {
			var page []api.Order
			r.signedGet(venue, "/api/v3/allOrders", api.Params{{Key: api.ParamSymbol, Value: sym},
				{Key: api.ParamOrderID, Value: strconv.FormatInt(from, 10)}, {Key: "limit", Value: "1000"}}, &page)
			for _, o := range page {
				id, err := deskID(o.ClientOrderID)
				if err != nil {
					r.t.Fatalf("%s %s: order %d under client id %q: %v", venue, sym, o.OrderID, o.ClientOrderID, err)
				}
				rec.orders[id], byVenueID[o.OrderID] = true, id
				from = o.OrderID + 1
			}
			if len(page) < 1000 {
				break
			}
		}
		for from := int64(0); ; {
			var page []api.Trade
			r.signedGet(venue, "/api/v3/myTrades", api.Params{{Key: api.ParamSymbol, Value: sym},
				{Key: "fromId", Value: strconv.FormatInt(from, 10)}, {Key: "limit", Value: "1000"}}, &page)
			for _, tr := range page {
				id, ok := byVenueID[tr.OrderID]
				if !ok {
					r.t.Fatalf("%s %s: trade %d of order %d that allOrders does not list", venue, sym, tr.ID, tr.OrderID)
				}
				rec.trades[id] = append(rec.trades[id], tr.ID)
				from = tr.ID + 1
			}
			if len(page) < 1000 {
				break
			}
		}
	}
	return rec
}

// deskID reads desk's order id from a client order id: "EPOCH-STRATEGY-SEQ",
// or that with "-N" for the N-th replacement of the order.
func deskID(client string) (domain.OrderID, error) {
	parts := strings.Split(client, "-")
	if len(parts) == 4 {
		parts = parts[:3]
	}
	return domain.ParseOrderID(strings.Join(parts, "-"))
}

// journalFills replays desk's journal: every order it holds, and each
// order's fills by venue and trade id, counted.
func (r *liveRig) journalFills() (orders map[domain.OrderID]bool, fills map[string]int) {
	r.t.Helper()
	j, err := store.Open(filepath.Join(r.state, "journal.db"), store.Options{})
	if err != nil {
		r.t.Fatal(err)
	}
	defer j.Close()
	orders, fills = map[domain.OrderID]bool{}, map[string]int{}
	err = j.Replay(func(ev *domain.Event) error {
		switch ev.Kind {
		case domain.EventOrder:
			orders[ev.Order.ID] = true
		case domain.EventFill:
			orders[ev.Fill.OrderID] = true
			fills[fmt.Sprintf("%d/%s/%d", ev.Fill.Venue, ev.Fill.OrderID, ev.Fill.TradeID)]++
		}
		return nil
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return orders, fills
}

// TestLiveTradingSurvivesKill9AndVenueFaults trades live over the Binance
// protocol against two venue processes, kills desk serve with SIGKILL at
// random moments over several rounds while the venues inject faults
// (the user-data stream dropped mid-fills, duplicated execution reports,
// a fill after an accepted cancel, a storm of 429s), restarts it each
// time, and then checks desk against the venues of record: every order
// and fill the venues hold is in desk's journal once, the balances less
// the opening balances equal desk's net positions, and no 429 became a
// 418.
func TestLiveTradingSurvivesKill9AndVenueFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs desk processes")
	}
	r := newLiveRig(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 10))
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for k, p := range r.runs {
			path := filepath.Join(os.TempDir(), fmt.Sprintf("desk-live-run%d.log", k))
			_ = os.WriteFile(path, []byte(p.stderr.String()), 0o600)
			t.Logf("desk serve run %d's log: %s", k, path)
		}
	})
	faults := []url.Values{
		{"kind": {"drop-user-stream"}},
		{"kind": {"duplicate-report"}, "count": {"20"}},
		{"kind": {"fill-after-cancel"}},
	}
	const rounds = 5
	var fills int64
	for round := range rounds {
		st := r.start()
		// A user-data stream that drops leaves desk blind to fills for a
		// moment: venue-down trips (reduce-only, in this config) and
		// stays tripped across restarts until an operator resets it, as
		// one does here.
		if slices.Contains(st.Firm.Breakers, "venue-down") {
			var res protocol.ResetResult
			if err := ctlJSON(t, r.bin, r.socket, &res, "reset", "firm", "venue-down", "--why", "the stream is back"); err != nil {
				t.Fatalf("round %d: reset venue-down: %v", round, err)
			}
		}
		var last *protocol.Status
		t.Cleanup(func() {
			if t.Failed() && last != nil {
				b, _ := json.MarshalIndent(last, "", " ")
				_ = os.WriteFile(filepath.Join(os.TempDir(), fmt.Sprintf("desk-live-status%d.json", round)), b, 0o600)
			}
		})
		desktest.Eventually(t, within, fmt.Sprintf("round %d: orders filled", round), func() bool {
			last = r.status()
			return last.Firm.Fills > fills+4
		})
		venue := []string{"sim-a", "sim-b"}[round%2]
		r.fault(venue, faults[round%len(faults)])
		time.Sleep(time.Duration(200+rng.IntN(1500)) * time.Millisecond)
		fills = r.status().Firm.Fills
		r.kill9()
	}
	// The last start reconciles what the last kill left. Then a storm of
	// 429s on one venue while desk trades on: desk backs off each time
	// and is never banned. Then a clean stop, and desk's journal against
	// the venues' records.
	st := r.start()
	checkBalances(t, st)
	r.fault("sim-b", url.Values{"kind": {"http-429"}, "count": {"15"}})
	desktest.Eventually(t, within, "desk told to back off by sim-b", func() bool {
		for _, v := range r.status().Venues {
			if v.Name == "sim-b" && v.RateUse != nil && v.RateUse.Status == http.StatusTooManyRequests {
				return true
			}
		}
		return false
	})
	time.Sleep(3 * time.Second) // trading on through the storm
	st = r.status()
	for _, v := range st.Venues {
		if u := v.RateUse; u != nil && u.Status == http.StatusTeapot {
			t.Errorf("venue %s banned desk (418): %+v", v.Name, *u)
		}
	}

	// The venues' background flow would go on filling desk's resting
	// orders after desk stops: kill the firm (halt, cancel every working
	// order) and wait for the venues to confirm, so the records are final.
	var kill protocol.KillResult
	if err := ctlJSON(t, r.bin, r.socket, &kill, "kill", "--firm", "--why", "end of test"); err != nil {
		t.Fatal(err)
	}
	desktest.Eventually(t, within, "every working order canceled", func() bool { return r.status().Firm.OpenOrders == 0 })
	r.stop()
	orders, jfills := r.journalFills()
	for vid, venue := range []string{"sim-a", "sim-b"} {
		rec := r.record(venue)
		if len(rec.orders) == 0 || len(rec.trades) == 0 {
			t.Fatalf("venue %s holds %d orders, %d with trades: the test traded nothing", venue, len(rec.orders), len(rec.trades))
		}
		var missing []string
		for id := range rec.orders {
			if !orders[id] {
				missing = append(missing, id.String())
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("venue %s: %d orders not in desk's journal: %v", venue, len(missing), missing[:min(10, len(missing))])
		}
		for id, trades := range rec.trades {
			for _, tr := range trades {
				if n := jfills[fmt.Sprintf("%d/%s/%d", vid, id, tr)]; n != 1 {
					t.Errorf("venue %s order %s trade %d: in desk's journal %d times, want once", venue, id, tr, n)
				}
			}
		}
		t.Logf("venue %s: %d orders, %d with fills, all in desk's journal once", venue, len(rec.orders), len(rec.trades))
	}
}

// checkBalances fails t unless every venue compared balances at its last
// reconciliation and each matched desk's positions.
func checkBalances(t *testing.T, st *protocol.Status) {
	t.Helper()
	for _, v := range st.Venues {
		if len(v.Balances) == 0 {
			t.Errorf("venue %s: no balance compared", v.Name)
		}
		for _, b := range v.Balances {
			if !b.Match {
				t.Errorf("venue %s %s: balance %s less opening %s, desk's position %s", v.Name, b.Asset, b.Venue, b.Opening, b.Desk)
			}
		}
	}
}

// TestDemoKeysAreAccepted: the key file desk demo --venues net makes is
// one the venues and the daemon load, owner-only, and made once.
func TestDemoKeysAreAccepted(t *testing.T) {
	dir := t.TempDir()
	path, err := demoKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := api.LoadCredentials(path)
	if err != nil || len(pairs) != 1 {
		t.Fatalf("demo keys: %v, %d pairs", err, len(pairs))
	}
	again, err := demoKeys(dir)
	if err != nil || again != path {
		t.Fatalf("second run: %q, %v", again, err)
	}
	if p2, _ := api.LoadCredentials(again); p2[0].APIKey != pairs[0].APIKey {
		t.Fatal("the second run made a new key")
	}
}

// TestServeFailsWhenALiveVenueRefusesTheKey: with a secret the venue
// does not accept, the order session never comes up while market data
// flows; desk serve says so and exits, rather than hang with its feeds
// blocked on an engine that never ran.
func TestServeFailsWhenALiveVenueRefusesTheKey(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs desk processes")
	}
	r := newLiveRig(t)
	bad := filepath.Join(r.dir, "badkeys")
	if err := os.WriteFile(bad, []byte(r.creds.APIKey+" notTheSecret00000000000000000000000001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.cfg, []byte(strings.ReplaceAll(string(cfg), filepath.Join(r.dir, "keys"), bad)), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startServe(t, r.bin, r.state, r.socket, "--config", r.cfg)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("desk serve exited 0 with a key the venue refuses")
		}
		if log := p.stderr.String(); !strings.Contains(log, "did not come up") || strings.Contains(log, "notTheSecret") {
			t.Fatalf("desk serve's log does not say why, or shows the secret:\n%s", stderrTail(p, 10))
		}
	case <-time.After(within):
		t.Fatalf("desk serve still running after %s:\n%s", within, stderrTail(p, 10))
	}
}

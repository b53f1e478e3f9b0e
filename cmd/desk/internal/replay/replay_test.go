package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/desk-trading/desk/feeds/binance"
)

const dir = "../../../../testdata/binance/binance-spot-2021-10-12/"

// TestRunJSON runs the command on the spot recording and checks the keys
// and values computed by hand (see feeds/binance's recording tests: an
// independent Python script of the documented procedure).
func TestRunJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	err := Run(context.Background(), []string{"--venue", "binance", dir + "BINANCE.ws.1.0", "--snapshots", dir + "BINANCE.http.0.0", "--json"}, &out, &errOut)
	if err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	if len(raw) != 5 || raw["books"] == nil || raw["frames"] == nil || raw["diffs_applied"] == nil || raw["diffs_dropped"] == nil || raw["resyncs"] == nil {
		t.Fatalf("keys %v", keys)
	}
	var o struct {
		Books map[string]struct {
			LastUpdateID int64       `json:"last_update_id"`
			Bids         [][2]string `json:"bids"`
			Asks         [][2]string `json:"asks"`
		} `json:"books"`
		Frames, DiffsApplied, DiffsDropped, Resyncs uint64
	}
	if err := json.Unmarshal(out.Bytes(), &o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"frames":265,"diffs_applied":172,"diffs_dropped":5,"resyncs":0`) {
		t.Errorf("counts: %s", out.String()[len(out.String())-120:])
	}
	n := o.Books["NKNUSDT"]
	if len(o.Books) != 4 || n.LastUpdateID != 499870179 || len(n.Bids) != 614 || len(n.Asks) != 994 {
		t.Fatalf("NKNUSDT: last %d, %d bids %d asks; %d books", n.LastUpdateID, len(n.Bids), len(n.Asks), len(o.Books))
	}
	if n.Bids[0] != [2]string{"0.3527", "9602"} || n.Asks[0] != [2]string{"0.3531", "152"} || n.Bids[613] != [2]string{"0.00212", "117924.5"} {
		t.Errorf("NKNUSDT levels %v %v %v", n.Bids[0], n.Asks[0], n.Bids[613])
	}
	if b := o.Books["BLZETH"]; b.LastUpdateID != 281916638 || b.Bids[len(b.Bids)-1] != [2]string{"0.00000001", "1000000"} {
		t.Errorf("BLZETH %d %v", b.LastUpdateID, b.Bids[len(b.Bids)-1])
	}
	if r := o.Books["RUNEEUR"]; r.LastUpdateID != 15602513 || r.Asks[len(r.Asks)-1] != [2]string{"45", "9.3"} {
		t.Errorf("RUNEEUR %d", r.LastUpdateID)
	}
}

func TestRunWithoutSnapshotsAndText(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := Run(context.Background(), []string{"--venue", "binance", dir + "BINANCE.ws.1.0"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	// No snapshot: no book syncs, all four are named on stderr.
	if strings.Count(errOut.String(), "no synced book") != 4 || !strings.Contains(out.String(), "frames 265  diffs applied 0") {
		t.Errorf("stdout %q stderr %q", out.String(), errOut.String())
	}
	if err := Run(context.Background(), []string{"--venue", "kraken", "x"}, &out, &errOut); err == nil {
		t.Error("a venue other than binance accepted")
	}
}

func TestDeriveScales(t *testing.T) {
	for _, c := range []struct {
		v    int64
		want uint8
	}{{35210000, 4}, {67200000000, 0}, {1, 8}, {0, 0}, {117924_50000000, 1}} {
		if got := significant(c.v, 8); got != c.want {
			t.Errorf("significant(%d) = %d, want %d", c.v, got, c.want)
		}
	}
}

// testWait bounds every test's replay.
const testWait = 20 * time.Second

func readRec(t *testing.T, ws, http string) ([]binance.RecordedFrame, []binance.RecordedSnapshot) {
	t.Helper()
	wb, err := os.ReadFile(ws)
	if err != nil {
		t.Fatal(err)
	}
	frames, err := binance.ReadFrames(bytes.NewReader(wb))
	if err != nil {
		t.Fatal(err)
	}
	hb, err := os.ReadFile(http)
	if err != nil {
		t.Fatal(err)
	}
	snaps, err := binance.ReadSnapshots(bytes.NewReader(hb))
	if err != nil {
		t.Fatal(err)
	}
	return frames, snaps
}

// direct replays with binance.Replay, no network, at the same scales.
func direct(t *testing.T, frames []binance.RecordedFrame, snaps []binance.RecordedSnapshot) (*Output, []string, binance.Stats) {
	t.Helper()
	scales, order := deriveScales(frames, snaps)
	var cfg []binance.SymbolConfig
	for _, s := range order {
		cfg = append(cfg, binance.SymbolConfig{Symbol: s, Scales: scales[s]})
	}
	h, err := binance.NewHandler(binance.Options{Venue: "direct", Symbols: cfg})
	if err != nil {
		t.Fatal(err)
	}
	binance.Replay(h, frames, snaps)
	books := map[string]*finalBook{}
	for _, sym := range order {
		if s := h.Sync(sym); s.Synced() {
			books[sym] = &finalBook{lastID: s.LastUpdateID(), bids: s.Book().AppendLevels(nil, binance.Bid), asks: s.Book().AppendLevels(nil, binance.Ask)}
		}
	}
	st := h.Stats()
	out, unsynced := output(order, scales, books, st, st.Frames)
	return out, unsynced, st
}

// loopback replays through the loopback server and the client, bounded,
// and checks that it left no goroutine behind.
func loopback(t *testing.T, frames []binance.RecordedFrame, snaps []binance.RecordedSnapshot) *result {
	t.Helper()
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	res, err := replay(ctx, frames, snaps)
	if err != nil {
		t.Fatal(err)
	}
	checkGoroutines(t, base)
	if res.stats.Reconnects != 0 || res.server.Conns != 1 {
		t.Errorf("reconnects %d, connections %d", res.stats.Reconnects, res.server.Conns)
	}
	if res.server.Written != int64(len(frames))+1 || res.stats.Frames != uint64(len(frames))+1 {
		t.Errorf("server wrote %d, client handled %d, of %d frames and the end", res.server.Written, res.stats.Frames, len(frames)+1)
	}
	return res
}

// checkGoroutines waits (bounded) for the goroutine count to come back to
// base: the server, the client's Run and the HTTP connections are gone.
func checkGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sameBook compares two books level by level.
func sameBook(t *testing.T, what, sym string, a, b Book) {
	t.Helper()
	if a.LastUpdateID != b.LastUpdateID || len(a.Bids) != len(b.Bids) || len(a.Asks) != len(b.Asks) {
		t.Errorf("%s %s: last %d %d, %d %d bids, %d %d asks", what, sym, a.LastUpdateID, b.LastUpdateID, len(a.Bids), len(b.Bids), len(a.Asks), len(b.Asks))
		return
	}
	for i := range a.Bids {
		if a.Bids[i] != b.Bids[i] {
			t.Errorf("%s %s: bid %d %v, %v", what, sym, i, a.Bids[i], b.Bids[i])
		}
	}
	for i := range a.Asks {
		if a.Asks[i] != b.Asks[i] {
			t.Errorf("%s %s: ask %d %v, %v", what, sym, i, a.Asks[i], b.Asks[i])
		}
	}
}

// sameOutput compares the counts and every book of two outputs.
func sameOutput(t *testing.T, what string, a, b *Output) {
	t.Helper()
	if a.Frames != b.Frames || a.DiffsApplied != b.DiffsApplied || a.DiffsDropped != b.DiffsDropped || a.Resyncs != b.Resyncs {
		t.Errorf("%s: counts %d/%d/%d/%d, %d/%d/%d/%d", what, a.Frames, a.DiffsApplied, a.DiffsDropped, a.Resyncs, b.Frames, b.DiffsApplied, b.DiffsDropped, b.Resyncs)
	}
	if len(a.Books) != len(b.Books) {
		t.Errorf("%s: %d books, %d", what, len(a.Books), len(b.Books))
	}
	for sym, ba := range a.Books {
		bb, ok := b.Books[sym]
		if !ok {
			t.Errorf("%s: %s only in one", what, sym)
			continue
		}
		sameBook(t, what, sym, ba, bb)
	}
}

var recordings = []struct{ name, ws, http string }{
	{"spot", dir + "BINANCE.ws.1.0", dir + "BINANCE.http.0.0"},
	{"us", "../../../../testdata/binance/binance-us-2021-10-12/BINANCE_US.ws.1.0", "../../../../testdata/binance/binance-us-2021-10-12/BINANCE_US.http.0.0"},
}

// TestLoopbackMatchesDirect replays both recordings through the loopback
// server and the client, and through binance.Replay: the same counts and
// books, level by level.
func TestLoopbackMatchesDirect(t *testing.T) {
	for _, rec := range recordings {
		t.Run(rec.name, func(t *testing.T) {
			frames, snaps := readRec(t, rec.ws, rec.http)
			res := loopback(t, frames, snaps)
			want, wantUnsynced, dst := direct(t, frames, snaps)
			sameOutput(t, "loopback vs direct", res.out, want)
			if !slices.Equal(res.unsynced, wantUnsynced) {
				t.Errorf("unsynced %v, direct %v", res.unsynced, wantUnsynced)
			}
			if len(res.out.Books) != 4 || res.stats.Malformed != 0 || res.server.Bodies != int64(len(snaps)) || res.stats.Snapshots != dst.Snapshots {
				t.Errorf("%d books, %d malformed, %d snapshots served, %d loaded (direct %d)", len(res.out.Books), res.stats.Malformed, res.server.Bodies, res.stats.Snapshots, dst.Snapshots)
			}
			t.Logf("%s: frames %d applied %d dropped %d resyncs %d (direct %d %d %d %d)", rec.name,
				res.out.Frames, res.out.DiffsApplied, res.out.DiffsDropped, res.out.Resyncs, want.Frames, want.DiffsApplied, want.DiffsDropped, want.Resyncs)
		})
	}
}

// writeRecording writes the recording at ws with the lines drop left out
// and the lines insert[n] put before line n.
func writeRecording(t *testing.T, ws string, drop map[int]bool, insert map[int]string) string {
	t.Helper()
	b, err := os.ReadFile(ws)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, l := range strings.Split(string(b), "\n") {
		if s, ok := insert[i+1]; ok {
			out = append(out, s)
		}
		if !drop[i+1] {
			out = append(out, l)
		}
	}
	p := filepath.Join(t.TempDir(), "rec.ws")
	if err := os.WriteFile(p, []byte(strings.Join(out, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runJSON runs the command, bounded, and decodes its JSON output.
func runJSON(t *testing.T, ws, http string) (*Output, string) {
	t.Helper()
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	var out, errOut bytes.Buffer
	if err := Run(ctx, []string{"--venue", "binance", ws, "--snapshots", http, "--json"}, &out, &errOut); err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	checkGoroutines(t, base)
	var o Output
	if err := json.Unmarshal(out.Bytes(), &o); err != nil {
		t.Fatal(err)
	}
	return &o, errOut.String()
}

// TestGapResyncsOneSymbol leaves out one NKNUSDT diff that the clean
// replay applies: the next one shows the gap, NKNUSDT resyncs, has no
// snapshot left and ends unsynced; the other books are the clean ones.
func TestGapResyncsOneSymbol(t *testing.T) {
	rec := recordings[0]
	frames, snaps := readRec(t, rec.ws, rec.http)
	var snapID int64
	for _, s := range snaps {
		if s.Symbol == "NKNUSDT" {
			var sn binance.Snapshot
			if err := binance.DecodeSnapshot(s.Body, binance.Scales{PriceDecimals: 8, QtyDecimals: 8}, &sn); err != nil {
				t.Fatal(err)
			}
			snapID = sn.LastUpdateID
		}
	}
	// NKNUSDT's diffs after its snapshot's (all applied in the clean run).
	var f binance.Frame
	var d binance.DepthUpdate
	var lines []int
	for _, fr := range frames {
		if f.Parse(fr.Data) == nil && f.Kind() == binance.KindDepth && string(f.Symbol()) == "NKNUSDT" &&
			f.Depth(binance.Scales{PriceDecimals: 8, QtyDecimals: 8}, &d) == nil && d.First > snapID+1 {
			lines = append(lines, fr.Line)
		}
	}
	if len(lines) < 3 {
		t.Fatalf("%d NKNUSDT diffs after the snapshot", len(lines))
	}
	gapped := writeRecording(t, rec.ws, map[int]bool{lines[len(lines)/2]: true}, nil)

	clean, _ := runJSON(t, rec.ws, rec.http)
	got, stderr := runJSON(t, gapped, rec.http)
	if got.Resyncs != 1 || got.Frames != clean.Frames-1 {
		t.Errorf("resyncs %d, frames %d (clean %d)", got.Resyncs, got.Frames, clean.Frames)
	}
	if _, ok := got.Books["NKNUSDT"]; ok || !strings.Contains(stderr, "NKNUSDT: no synced book") || strings.Count(stderr, "no synced book") != 1 {
		t.Errorf("NKNUSDT still listed, or stderr %q", stderr)
	}
	if len(got.Books) != 3 {
		t.Errorf("%d books", len(got.Books))
	}
	for sym, b := range got.Books {
		sameBook(t, "gap vs clean", sym, b, clean.Books[sym])
	}
	// binance.Replay agrees on the same data.
	gf, gs := readRec(t, gapped, rec.http)
	want, _, _ := direct(t, gf, gs)
	sameOutput(t, "gap: loopback vs direct", got, want)
}

// TestMalformedFrame inserts a frame that does not decode: it is counted
// and skipped, and every book is the clean one.
func TestMalformedFrame(t *testing.T) {
	rec := recordings[0]
	bad := `1633998513.5: {"stream":"nknusdt@depth@100ms","data":{"e":"depthUpdate","s":"NKNUSDT","U":1,`
	broken := writeRecording(t, rec.ws, nil, map[int]string{20: bad})
	clean, _ := runJSON(t, rec.ws, rec.http)
	got, _ := runJSON(t, broken, rec.http)
	if got.Frames != clean.Frames+1 {
		t.Errorf("frames %d, clean %d", got.Frames, clean.Frames)
	}
	c := *clean
	c.Frames++
	sameOutput(t, "malformed vs clean", got, &c)

	frames, snaps := readRec(t, broken, rec.http)
	res := loopback(t, frames, snaps)
	if res.stats.Malformed != 1 {
		t.Errorf("malformed %d", res.stats.Malformed)
	}
	want, _, _ := direct(t, frames, snaps)
	sameOutput(t, "malformed: loopback vs direct", res.out, want)
}

// TestServer checks the loopback server alone: the snapshots in order then
// 503 with a Binance error, the frames then the barrier on the first
// connection, nothing on a second.
func TestServer(t *testing.T) {
	base := runtime.NumGoroutine()
	frames := []binance.RecordedFrame{{Data: []byte(`{"a":1}`)}, {Data: []byte(`{"b":2}`)}}
	snaps := []binance.RecordedSnapshot{{Symbol: "X", Body: []byte(`one`)}, {Symbol: "X", Body: []byte(`two`)}}
	srv, err := startServer(frames, snaps)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	hc := &http.Client{Transport: tr, Timeout: testWait}
	for _, want := range []string{"200 one", "200 two", `503 {"code":-1003,`, `503 {"code":-1003,`, `400 {"code":-1102,`} {
		u := "http://" + srv.addr + "/api/v3/depth?limit=1000&symbol=X"
		if strings.HasPrefix(want, "400") {
			u = "http://" + srv.addr + "/api/v3/depth"
		}
		resp, err := hc.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := fmt.Sprintf("%d %s", resp.StatusCode, b); !strings.HasPrefix(got, want) {
			t.Errorf("got %q, want %q...", got, want)
		}
	}
	d := websocket.Dialer{HandshakeTimeout: testWait}
	c1, _, err := d.Dial("ws://"+srv.addr+"/stream?streams=x@depth@100ms", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = c1.SetReadDeadline(time.Now().Add(testWait))
	for _, want := range []string{`{"a":1}`, `{"b":2}`, string(endOfReplay)} {
		if _, m, err := c1.ReadMessage(); err != nil || string(m) != want {
			t.Fatalf("read %q %v, want %q", m, err, want)
		}
	}
	c2, _, err := d.Dial("ws://"+srv.addr+"/stream?streams=x@depth@100ms", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = c2.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, m, err := c2.ReadMessage(); err == nil {
		t.Errorf("second connection got %q", m)
	}
	if st := srv.stats(); st.Conns != 2 || st.Written != 3 || st.Bodies != 2 || st.Unavailable != 2 || st.Parked != 1 {
		t.Errorf("stats %+v", st)
	}
	c2.Close()
	tr.CloseIdleConnections()
	if err := srv.close(); err != nil {
		t.Error(err)
	}
	c1.Close()
	checkGoroutines(t, base)
}

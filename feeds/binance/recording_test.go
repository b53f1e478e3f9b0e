package binance

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixtures = "../../testdata/binance"

func readRecording(t testing.TB, dir, ws, http string) ([]RecordedFrame, []RecordedSnapshot) {
	t.Helper()
	wb, err := os.ReadFile(filepath.Join(fixtures, dir, ws))
	if err != nil {
		t.Fatal(err)
	}
	frames, err := ReadFrames(bytes.NewReader(wb))
	if err != nil {
		t.Fatal(err)
	}
	hb, err := os.ReadFile(filepath.Join(fixtures, dir, http))
	if err != nil {
		t.Fatal(err)
	}
	snaps, err := ReadSnapshots(bytes.NewReader(hb))
	if err != nil {
		t.Fatal(err)
	}
	return frames, snaps
}

func handlerFor(t testing.TB, symbols ...string) *Handler {
	t.Helper()
	var cfg []SymbolConfig
	for _, s := range symbols {
		cfg = append(cfg, SymbolConfig{Symbol: s, Scales: sc8})
	}
	h, err := NewHandler(Options{Venue: "test", Symbols: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

type levelText struct{ price, qty string }

type bookWant struct {
	last              int64
	nBids, nAsks      int
	bids, asks        []levelText // best first
	lastBid, worstAsk levelText
}

func checkBook(t *testing.T, h *Handler, sym string, w bookWant) {
	t.Helper()
	s := h.Sync(sym)
	if !s.Synced() {
		t.Errorf("%s: not synced", sym)
		return
	}
	if s.LastUpdateID() != w.last {
		t.Errorf("%s: last update id %d, want %d", sym, s.LastUpdateID(), w.last)
	}
	b := s.Book()
	if b.Len(Bid) != w.nBids || b.Len(Ask) != w.nAsks {
		t.Errorf("%s: %d bids %d asks, want %d %d", sym, b.Len(Bid), b.Len(Ask), w.nBids, w.nAsks)
		return
	}
	txt := func(l Level) levelText {
		return levelText{FormatFixed(int64(l.Price), 8), FormatFixed(int64(l.Qty), 8)}
	}
	for i, l := range w.bids {
		if got := txt(b.Level(Bid, i)); got != l {
			t.Errorf("%s: bid %d %v, want %v", sym, i, got, l)
		}
	}
	for i, l := range w.asks {
		if got := txt(b.Level(Ask, i)); got != l {
			t.Errorf("%s: ask %d %v, want %v", sym, i, got, l)
		}
	}
	if got := txt(b.Level(Bid, b.Len(Bid)-1)); got != w.lastBid {
		t.Errorf("%s: worst bid %v, want %v", sym, got, w.lastBid)
	}
	if got := txt(b.Level(Ask, b.Len(Ask)-1)); got != w.worstAsk {
		t.Errorf("%s: worst ask %v, want %v", sym, got, w.worstAsk)
	}
}

// The expected values in the recording tests were computed by a separate
// Python script (not from this package's code): it parses both files with
// Python's json and decimal modules, hands each snapshot over at its
// receive time, and follows the documented procedure (drop u <=
// lastUpdateId, first kept diff must have U <= lastUpdateId+1, then
// U == previous u + 1, zero quantity deletes). The spot recording's first
// NKNUSDT diff (U 499869750, u 499869752) is dropped against the snapshot's
// lastUpdateId 499869752 and the next (U 499869753) straddles it, which can
// be read off the files' first lines.

var spotWant = map[string]bookWant{
	"NKNUSDT": {last: 499870179, nBids: 614, nAsks: 994,
		bids:    []levelText{{"0.3527", "9602"}, {"0.3526", "2829"}, {"0.3525", "1850"}},
		asks:    []levelText{{"0.3531", "152"}, {"0.3532", "949"}, {"0.3533", "2713"}},
		lastBid: levelText{"0.00212", "117924.5"}, worstAsk: levelText{"0.5506", "14418"}},
	"BLZETH": {last: 281916638, nBids: 173, nAsks: 999,
		bids:    []levelText{{"0.00006547", "100"}, {"0.00006542", "5562"}, {"0.0000654", "170"}},
		asks:    []levelText{{"0.0000656", "1528"}, {"0.00006561", "4015"}, {"0.00006616", "238"}},
		lastBid: levelText{"0.00000001", "1000000"}, worstAsk: levelText{"0.00348", "3"}},
	"LRCBTC": {last: 259345563, nBids: 176, nAsks: 1000,
		bids:    []levelText{{"0.00000637", "2500"}, {"0.00000636", "10310"}, {"0.00000635", "12760"}},
		asks:    []levelText{{"0.00000638", "2285"}, {"0.00000639", "45096"}, {"0.0000064", "15869"}},
		lastBid: levelText{"0.00000001", "300000"}, worstAsk: levelText{"0.00001785", "596"}},
	"RUNEEUR": {last: 15602513, nBids: 222, nAsks: 468,
		bids:    []levelText{{"6.251", "69.3"}, {"6.25", "32.2"}, {"6.248", "48"}},
		asks:    []levelText{{"6.269", "69.3"}, {"6.271", "36.3"}, {"6.28", "37"}},
		lastBid: levelText{"0.531", "288"}, worstAsk: levelText{"45", "9.3"}},
}

func TestReplaySpotRecording(t *testing.T) {
	frames, snaps := readRecording(t, "binance-spot-2021-10-12", "BINANCE.ws.1.0", "BINANCE.http.0.0")
	h := handlerFor(t, "NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR")
	res := Replay(h, frames, snaps)
	st := h.Stats()
	// Script: 265 frames, 172 diffs applied, 5 dropped, no gap or resync.
	if st.Frames != 265 || st.DiffsApplied != 172 || st.DiffsDropped != 5 || st.Gaps != 0 || st.Resyncs != 0 || st.Malformed != 0 || st.Snapshots != 4 {
		t.Errorf("stats %+v", st)
	}
	if res.SnapshotsUsed != 4 || res.FrameErrors != 0 {
		t.Errorf("replay %+v", res)
	}
	for sym, w := range spotWant {
		checkBook(t, h, sym, w)
	}
}

func TestReplayUSRecording(t *testing.T) {
	frames, snaps := readRecording(t, "binance-us-2021-10-12", "BINANCE_US.ws.1.0", "BINANCE_US.http.0.0")
	h := handlerFor(t, "CRVUSDT", "COMPUSDT", "OMGBUSD", "ZRXUSDT")
	Replay(h, frames, snaps)
	st := h.Stats()
	// Script: 480 frames, 332 applied, 4 dropped, no gap or resync.
	if st.Frames != 480 || st.DiffsApplied != 332 || st.DiffsDropped != 4 || st.Resyncs != 0 || st.Malformed != 0 {
		t.Errorf("stats %+v", st)
	}
	for sym, w := range map[string]bookWant{
		"COMPUSDT": {last: 113129399, nBids: 219, nAsks: 525,
			bids:    []levelText{{"296.92", "16.81835"}, {"296.9", "1.5"}, {"296.84", "0.20768"}},
			asks:    []levelText{{"297.46", "2.9"}, {"297.47", "4.99915"}, {"297.56", "5.08586"}},
			lastBid: levelText{"60.09", "0.6743"}, worstAsk: levelText{"2580", "5.99994"}},
		"CRVUSDT": {last: 1938877, nBids: 73, nAsks: 62,
			bids:    []levelText{{"2.643", "1889.6"}, {"2.642", "128.6"}, {"2.639", "160.7"}},
			asks:    []levelText{{"2.648", "2026.9"}, {"2.649", "3780.4"}, {"2.651", "27"}},
			lastBid: levelText{"0.42", "499.8"}, worstAsk: levelText{"3.75", "15"}},
		"OMGBUSD": {last: 77819802, nBids: 196, nAsks: 183,
			bids:    []levelText{{"13.7307", "91.95"}, {"13.7305", "80.49"}, {"13.7231", "72.87"}},
			asks:    []levelText{{"13.7728", "72.96"}, {"13.7729", "71.76"}, {"13.7769", "109.46"}},
			lastBid: levelText{"0.639", "154.92"}, worstAsk: levelText{"75", "200"}},
		"ZRXUSDT": {last: 96975046, nBids: 174, nAsks: 256,
			bids:    []levelText{{"0.9947", "307.93"}, {"0.9946", "347.86"}, {"0.9945", "5019.86"}},
			asks:    []levelText{{"0.9978", "7119.69"}, {"0.9982", "379.6"}, {"0.9983", "2100"}},
			lastBid: levelText{"0.1056", "89313.16"}, worstAsk: levelText{"10.25", "111.08"}},
	} {
		checkBook(t, h, sym, w)
	}
}

// TestReplayInjectedGap drops line 100 of the spot recording, a BLZETH diff
// (U 281916630) after BLZETH synced: BLZETH alone resyncs (and, with no
// second snapshot in the recording, stays unsynced with 6 diffs buffered);
// the other books are exactly as without the gap. Script with line 100
// dropped: 165 applied, 5 dropped, 1 gap, 1 resync.
func TestReplayInjectedGap(t *testing.T) {
	frames, snaps := readRecording(t, "binance-spot-2021-10-12", "BINANCE.ws.1.0", "BINANCE.http.0.0")
	var kept []RecordedFrame
	for _, f := range frames {
		if f.Line == 100 {
			if !strings.Contains(string(f.Data), `"s":"BLZETH","U":281916630`) {
				t.Fatalf("line 100 is not the BLZETH diff: %.120s", f.Data)
			}
			continue
		}
		kept = append(kept, f)
	}
	h := handlerFor(t, "NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR")
	Replay(h, kept, snaps)
	st := h.Stats()
	if st.Gaps != 1 || st.Resyncs != 1 || st.DiffsApplied != 165 || st.DiffsDropped != 5 {
		t.Errorf("stats %+v", st)
	}
	blz := h.Sync("BLZETH")
	if blz.Synced() || !blz.NeedsSnapshot() || blz.Stats().Resyncs != 1 || blz.Buffered() != 6 {
		t.Errorf("BLZETH: synced %v stats %+v buffered %d", blz.Synced(), blz.Stats(), blz.Buffered())
	}
	for sym, w := range spotWant {
		if sym == "BLZETH" {
			continue
		}
		if h.Sync(sym).Stats().Resyncs != 0 {
			t.Errorf("%s resynced", sym)
		}
		checkBook(t, h, sym, w)
	}
}

// TestReplayMalformedFrames inserts a truncated line, garbage, and a diff
// with a bad number into the recording: each is counted as malformed and
// skipped, and the books end as without them.
func TestReplayMalformedFrames(t *testing.T) {
	frames, snaps := readRecording(t, "binance-spot-2021-10-12", "BINANCE.ws.1.0", "BINANCE.http.0.0")
	var mixed []RecordedFrame
	for i, f := range frames {
		mixed = append(mixed, f)
		switch i {
		case 10:
			mixed = append(mixed, RecordedFrame{Time: f.Time, Data: f.Data[:len(f.Data)/2]})
		case 50:
			mixed = append(mixed, RecordedFrame{Time: f.Time, Data: []byte("garbage {]")})
		case 120:
			mixed = append(mixed, RecordedFrame{Time: f.Time, Data: []byte(`{"stream":"nknusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"NKNUSDT","U":1,"u":2,"b":[["0.3x","1"]],"a":[]}}`)})
		}
	}
	// A damaged recording line reaches the decoder too.
	extra, err := ReadFrames(strings.NewReader("url <-> 1\n1633998600.5: {\"stream\":\"nknusdt@dep\nno time prefix here\n"))
	if err != nil || len(extra) != 2 {
		t.Fatalf("ReadFrames: %v %d", err, len(extra))
	}
	mixed = append(mixed, extra...)
	h := handlerFor(t, "NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR")
	res := Replay(h, mixed, snaps)
	st := h.Stats()
	if st.Malformed != 5 || res.FrameErrors != 5 || st.Frames != 270 || st.DiffsApplied != 172 || st.Resyncs != 0 {
		t.Errorf("stats %+v replay %+v", st, res)
	}
	for sym, w := range spotWant {
		checkBook(t, h, sym, w)
	}
}

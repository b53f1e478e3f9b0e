package binance

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzFrame checks that no frame panics the decoder or the handler and that
// a frame either decodes or is counted as malformed.
func FuzzFrame(f *testing.F) {
	f.Add([]byte(combinedDepth))
	f.Add([]byte(`{"u":1,"s":"NKNUSDT","b":"0.1","B":"2","a":"0.2","A":"3"}`))
	f.Add([]byte(`{"e":"aggTrade","E":1,"s":"NKNUSDT","a":2,"p":"0.1","q":"1","f":1,"l":2,"T":1,"m":true}`))
	f.Add([]byte(`{"e":"trade","E":1,"s":"NKNUSDT","t":2,"p":"0.1","q":"1","T":1,"m":false}`))
	if b, err := os.ReadFile(filepath.Join(fixtures, "binance-us-2021-10-12", "BINANCE_US.ws.1.0")); err == nil {
		frames, _ := ReadFrames(bytes.NewReader(b))
		for i := 0; i < len(frames); i += 40 {
			f.Add(frames[i].Data)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h := handlerFor(t, "NKNUSDT", "COMPUSDT", "CRVUSDT")
		_ = h.OnSnapshot("NKNUSDT", []byte(`{"lastUpdateId":1,"bids":[["0.1","1"]],"asks":[["0.2","1"]]}`))
		err := h.OnFrame(b)
		st := h.Stats()
		if (err != nil) != (st.Malformed == 1) || st.Frames != 1 {
			t.Fatalf("err %v, stats %+v", err, st)
		}
		// The same frame at other scales must not panic either.
		var fr Frame
		if fr.Parse(b) == nil {
			var d DepthUpdate
			var tk BookTicker
			var tr Trade
			for _, sc := range []Scales{{}, {PriceDecimals: 18, QtyDecimals: 18}, {PriceDecimals: 2, QtyDecimals: 3, Tick: 5, Lot: 7}} {
				_ = fr.Depth(sc, &d)
				_ = fr.BookTicker(sc, &tk)
				_ = fr.Trade(sc, &tr)
			}
		}
	})
}

// FuzzSnapshot checks that no snapshot body panics the decoder or the
// book sync, and that a decoded snapshot loads into a sorted book.
func FuzzSnapshot(f *testing.F) {
	f.Add([]byte(`{"lastUpdateId":499869752,"bids":[["0.35210000","672.00000000"],["0.35200000","1144.00000000"]],"asks":[["0.35290000","1.5"]]}`))
	f.Add([]byte(`{"code":-1121,"msg":"Invalid symbol."}`))
	f.Add([]byte(`{"lastUpdateId":1,"bids":[["2","1"],["3","0"],["1","1"]],"asks":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Snapshot
		if err := DecodeSnapshot(b, sc8, &s); err != nil {
			return
		}
		sy := NewSync(SyncOptions{Depth: 4})
		sy.OnDiff(&DepthUpdate{First: 1, Final: 2, Bids: []Level{{1, 1}}})
		sy.OnSnapshot(&s)
		bk := sy.Book()
		for side := Bid; side <= Ask; side++ {
			lv := bk.AppendLevels(nil, side)
			for i := 1; i < len(lv); i++ {
				if side == Bid && lv[i].Price >= lv[i-1].Price || side == Ask && lv[i].Price <= lv[i-1].Price {
					t.Fatalf("side %d unsorted: %v", side, lv)
				}
			}
			for _, l := range lv {
				if l.Qty == 0 {
					t.Fatalf("zero level kept: %v", lv)
				}
			}
		}
	})
}

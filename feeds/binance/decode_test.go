package binance

import (
	"errors"
	"reflect"
	"testing"

	"github.com/desk-trading/desk/core/domain"
)

var sc8 = Scales{PriceDecimals: 8, QtyDecimals: 8}

const combinedDepth = `{"stream":"nknusdt@depth@100ms","data":{"e":"depthUpdate","E":1633998512068,"s":"NKNUSDT","U":499869750,"u":499869752,"b":[["0.35130000","6195.00000000"],["0.34750000","0.00000000"]],"a":[]}}`

func TestFrameDepth(t *testing.T) {
	raw := `{"e":"depthUpdate","E":1633998512068,"s":"NKNUSDT","U":499869750,"u":499869752,"b":[["0.35130000","6195.00000000"],["0.34750000","0.00000000"]],"a":[]}`
	spaced := "{ \"a\" : [ ] , \"b\" : [ [ \"0.3513\" , \"6195\" ] , [\"0.3475\",\"0\"] ] ,\n \"u\":499869752,\"U\":499869750,\"s\":\"NKNUSDT\",\"E\":1633998512068,\"e\":\"depthUpdate\",\"x\":{\"y\":[1,true,null]} }"
	want := DepthUpdate{EventTime: 1633998512068, First: 499869750, Final: 499869752,
		Bids: []Level{{3513, 6195_0}, {3475, 0}}, Asks: []Level{}}
	for name, in := range map[string]string{"combined": combinedDepth, "raw": raw, "reordered": spaced} {
		var f Frame
		if err := f.Parse([]byte(in)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f.Kind() != KindDepth || string(f.Symbol()) != "NKNUSDT" {
			t.Fatalf("%s: kind %v symbol %q", name, f.Kind(), f.Symbol())
		}
		if name == "combined" && string(f.Stream()) != "nknusdt@depth@100ms" {
			t.Errorf("stream %q", f.Stream())
		}
		d := DepthUpdate{Asks: []Level{}}
		if err := f.Depth(Scales{PriceDecimals: 4, QtyDecimals: 1}, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(d, want) {
			t.Errorf("%s: got %+v, want %+v", name, d, want)
		}
	}
}

func TestFrameBookTickerAndTrades(t *testing.T) {
	var f Frame
	bt := `{"stream":"nknusdt@bookTicker","data":{"u":499870151,"s":"NKNUSDT","b":"0.35270000","B":"9602.00000000","a":"0.35310000","A":"152.00000000"}}`
	if err := f.Parse([]byte(bt)); err != nil || f.Kind() != KindBookTicker {
		t.Fatalf("bookTicker: %v %v", f.Kind(), err)
	}
	var tk BookTicker
	if err := f.BookTicker(Scales{PriceDecimals: 4, QtyDecimals: 0}, &tk); err != nil {
		t.Fatal(err)
	}
	if tk != (BookTicker{UpdateID: 499870151, BidPrice: 3527, BidQty: 9602, AskPrice: 3531, AskQty: 152}) {
		t.Errorf("bookTicker %+v", tk)
	}
	tr := `{"e":"trade","E":123456789,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","b":88,"a":50,"T":123456785,"m":true,"M":true}`
	if err := f.Parse([]byte(tr)); err != nil || f.Kind() != KindTrade {
		t.Fatalf("trade: %v %v", f.Kind(), err)
	}
	var got Trade
	if err := f.Trade(Scales{PriceDecimals: 3, QtyDecimals: 0}, &got); err != nil {
		t.Fatal(err)
	}
	if got != (Trade{EventTime: 123456789, TradeTime: 123456785, ID: 12345, FirstID: 12345, LastID: 12345, Price: 1, Qty: 100, BuyerMaker: true}) {
		t.Errorf("trade %+v", got)
	}
	agg := `{"e":"aggTrade","E":1633998512100,"s":"NKNUSDT","a":26129,"p":"0.01633102","q":"4.70443515","f":100,"l":105,"T":1633998512099,"m":false,"M":true}`
	if err := f.Parse([]byte(agg)); err != nil || f.Kind() != KindAggTrade {
		t.Fatalf("aggTrade: %v %v", f.Kind(), err)
	}
	if err := f.Trade(sc8, &got); err != nil {
		t.Fatal(err)
	}
	if got != (Trade{EventTime: 1633998512100, TradeTime: 1633998512099, ID: 26129, FirstID: 100, LastID: 105, Price: 1633102, Qty: 470443515}) {
		t.Errorf("aggTrade %+v", got)
	}
	for _, other := range []string{
		`{"result":null,"id":1}`,
		`{"stream":"nknusdt@kline_1m","data":{"e":"kline","E":1,"s":"NKNUSDT","k":{"t":1,"o":"0.1"}}}`,
	} {
		if err := f.Parse([]byte(other)); err != nil || f.Kind() != KindOther {
			t.Errorf("%s: kind %v, %v", other, f.Kind(), err)
		}
	}
}

func TestFrameMalformed(t *testing.T) {
	for _, in := range []string{
		``, `{`, `[]`, `null`, `garbage`, combinedDepth[:len(combinedDepth)-7], combinedDepth + "x",
		`{"e":"depthUpdate","s":"X","U":1,"u":2,"b":[]}`,             // no asks
		`{"e":"depthUpdate","s":"X","U":3,"u":2,"b":[],"a":[]}`,      // U > u
		`{"e":"depthUpdate","s":"X","U":"1","u":2,"b":[],"a":[]}`,    // U a string
		`{"e":"depthUpdate","s":"X","U":1,"u":2,"b":[["1"]],"a":[]}`, // a level without qty
		`{"e":"depthUpdate","s":"X","U":1,"u":2,"b":[["1","2","3"]],"a":[]}`,
		`{"e":"depthUpdate","s":"X","U":1,"u":2,"b":[[1,2]],"a":[]}`, // numbers, not strings
		`{"e":"depthUpdate","s":"X","U":1,"u":2,"b":[["-1","2"]],"a":[]}`,
		`{"e":"depthUpdate","s":"X","U":1,"u":2,"b":[["1.000000001","2"]],"a":[]}`,
		`{"e":"depthUpdate","s":"","U":1,"u":2,"b":[],"a":[]}`,
		`{"e":"depthUpdate","s":5,"U":1,"u":2,"b":[],"a":[]}`,
		`{"e":"depthUpdate","s":"X","U":1,"u":99999999999999999999,"b":[],"a":[]}`,
		`{"stream":"x","data":{"e":"depthUpdate"},"u":1}`,
		`{"stream":"x","data":[1]}`,
		`{"a":1,}`, `{"a" 1}`, `{"a":tru}`,
	} {
		var f Frame
		err := f.Parse([]byte(in))
		if err == nil && f.Kind() == KindDepth {
			var d DepthUpdate
			err = f.Depth(sc8, &d)
		}
		if err == nil {
			t.Errorf("%q: no error (kind %v)", in, f.Kind())
		}
	}
}

func TestDecodeSnapshot(t *testing.T) {
	var s Snapshot
	in := `{"lastUpdateId":499869752,"bids":[["0.35210000","672.00000000"],["0.35200000","1144.00000000"]],"asks":[["0.35290000","1.50000000"]]}`
	if err := DecodeSnapshot([]byte(in), Scales{PriceDecimals: 4, QtyDecimals: 1}, &s); err != nil {
		t.Fatal(err)
	}
	want := Snapshot{LastUpdateID: 499869752, Bids: []Level{{3521, 6720}, {3520, 11440}}, Asks: []Level{{3529, 15}}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got %+v want %+v", s, want)
	}
	if err := DecodeSnapshot([]byte(`{"code":-1121,"msg":"Invalid symbol."}`), sc8, &s); !errors.Is(err, ErrVenue) {
		t.Errorf("venue error: %v", err)
	}
	for _, bad := range []string{`{"lastUpdateId":1,"bids":[]}`, `{"lastUpdateId":-1,"bids":[],"asks":[]}`, in[:40], `{"lastUpdateId":1,"bids":[],"asks":{}}`} {
		if err := DecodeSnapshot([]byte(bad), sc8, &s); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if err := DecodeSnapshot([]byte(`{"lastUpdateId":1,"bids":[["0.35215","1"]],"asks":[]}`), Scales{PriceDecimals: 4, QtyDecimals: 0}, &s); !errors.Is(err, ErrPrecision) {
		t.Errorf("precision: %v", err)
	}
	if err := DecodeSnapshot([]byte(`{"lastUpdateId":1,"bids":[["0.3525","1"]],"asks":[]}`), Scales{PriceDecimals: 4, Tick: domain.Price(10)}, &s); !errors.Is(err, ErrOffTick) {
		t.Errorf("tick: %v", err)
	}
	if err := DecodeSnapshot([]byte(`{"lastUpdateId":1,"bids":[["0.00000000","5"]],"asks":[]}`), sc8, &s); !errors.Is(err, ErrZeroPrice) {
		t.Errorf("a level with quantity at price zero: %v", err)
	}
	var f Frame
	var d DepthUpdate
	zero := `{"e":"depthUpdate","E":1,"s":"X","U":1,"u":1,"b":[["0","1"]],"a":[]}`
	if err := f.Parse([]byte(zero)); err != nil || !errors.Is(f.Depth(sc8, &d), ErrZeroPrice) {
		t.Errorf("a diff level with quantity at price zero: parse %v", err)
	}
	empty := `{"u":1,"s":"X","b":"0","B":"0","a":"1.5","A":"2"}`
	var tk BookTicker
	if err := f.Parse([]byte(empty)); err != nil || f.BookTicker(sc8, &tk) != nil || tk.BidQty != 0 {
		t.Errorf("a ticker with an empty bid side is valid: %v %+v", err, tk)
	}
}

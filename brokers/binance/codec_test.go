package binance

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

// encodeWSSlow is encodeWS as it was before the fast path: a copy of the
// parameters, api.Params.SignWS and one string per value. The fast path
// must give its bytes exactly.
func (v *Venue) encodeWSSlow(b []byte, id uint64, method string, params api.Params, signed bool, now time.Time) []byte {
	if signed {
		p := make(api.Params, 0, len(params)+4)
		p = append(p, params...)
		p = p.Add(api.ParamAPIKey, v.opts.Credentials.APIKey)
		p = p.Add(api.ParamRecvWindow, strconv.FormatInt(v.opts.RecvWindow.Milliseconds(), 10))
		p = p.Add(api.ParamTimestamp, api.Timestamp(now))
		p = p.Add(api.ParamSignature, p.SignWS(v.opts.Credentials.Secret))
		params = p
	}
	b = append(b, `{"id":"`...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, `","method":`...)
	b = strconv.AppendQuote(b, method)
	if len(params) > 0 {
		b = append(b, `,"params":{`...)
		for i, kv := range params {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, kv.Key)
			b = append(b, ':')
			if kv.Key == api.ParamTimestamp || kv.Key == api.ParamRecvWindow {
				b = append(b, kv.Value...)
			} else {
				b = appendJSONString(b, kv.Value)
			}
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func TestEncodeWSMatchesSlow(t *testing.T) {
	v := testVenue(t)
	sym := v.syms["BTCUSD"]
	now := time.UnixMilli(1499405658658)
	var lists []api.Params
	for _, r := range []request{
		{id: tid, side: domain.Buy, typ: domain.Limit, tif: domain.GTC, price: 3_000_000, qty: 5},
		{id: tid, side: domain.Sell, typ: domain.Market, tif: domain.IOC, qty: 1},
		{id: tid, side: domain.Sell, typ: domain.StopLimit, tif: domain.FOK, price: 1, stop: 2, qty: 123456789},
		{id: tid, side: domain.Buy, typ: domain.Limit, postOnly: true, price: 99, qty: 7},
	} {
		o, ok := v.newOrder(sym, r, r.qty, clientID(r.id, 3))
		if !ok {
			t.Fatalf("newOrder(%+v)", r)
		}
		lists = append(lists, o.Params())
	}
	long := api.Params{}
	for i := range 30 {
		long = long.Add("k"+strconv.Itoa(30-i), "v")
	}
	lists = append(lists, nil,
		pl("symbol", "BTCUSD", "orderId", "12"),
		pl("b", "1", "a", "2", "b", "0", "signature", "x", "timestamp", "5", "apiKey", "other"),
		pl("z", `q"uo<te>&`, "é", "ü", "ctl", "\x01"),
		long)
	for _, p := range lists {
		for _, signed := range []bool{false, true} {
			for _, method := range []string{api.MethodOrderPlace, "odd\"method\u00e9"} {
				want := string(v.encodeWSSlow(nil, 42, method, p, signed, now))
				got := string(v.encodeWSAt(make([]byte, 3, 8), 42, method, p, signed, now)[3:])
				if got != want {
					t.Errorf("params %v signed %v:\n got %s\nwant %s", p, signed, got, want)
				}
			}
		}
	}
}

// TestEncodeWSVerifies checks the signature with the venue side's own
// reading of the request: api.WSParams and api.VerifyWSParams.
func TestEncodeWSVerifies(t *testing.T) {
	v := testVenue(t)
	sym := v.syms["BTCUSD"]
	r := request{kind: reqNew, id: tid, side: domain.Buy, typ: domain.Limit, tif: domain.GTC, price: 3_000_000, qty: 5}
	o, _ := v.newOrder(sym, r, r.qty, clientID(r.id, 0))
	msg := v.encodeWS(nil, 7, api.MethodOrderPlace, o.Params(), true)
	var req api.WSRequest
	if err := json.Unmarshal(msg, &req); err != nil {
		t.Fatal(err)
	}
	m, err := api.WSParams(req.Params)
	if err != nil {
		t.Fatal(err)
	}
	if err := api.VerifyWSParams(v.opts.Credentials.Secret, m); err != nil {
		t.Errorf("%s: %v", msg, err)
	}
	if m["signature"] != api.SignWSParams(v.opts.Credentials.Secret, m) {
		t.Errorf("signature %q is not SignWSParams", m["signature"])
	}
}

func TestEncodeWSNoAllocs(t *testing.T) {
	v := testVenue(t)
	p := pl("symbol", "BTCUSD", "side", "BUY", "price", "1.00")
	buf := make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(100, func() { buf = v.encodeWS(buf[:0], 1, api.MethodOrderPlace, p, true) }); n != 0 {
		t.Errorf("encodeWS allocates %v times", n)
	}
}

func TestAppendScaled(t *testing.T) {
	vals := []int64{0, 1, -1, 5, -5, 9, 10, 99, 100, 3_000_000, -3_000_000, 123456789, math.MaxInt64, math.MinInt64, math.MinInt64 + 1}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		vals = append(vals, rng.Int64()>>rng.IntN(63), -rng.Int64()>>rng.IntN(63))
	}
	for _, places := range []uint8{0, 1, 2, 3, 8, 18, 19, 20, 25} {
		in := domain.Instrument{PriceDecimals: places, QtyDecimals: places}
		for _, x := range vals {
			want := in.FormatPrice(domain.Price(x))
			if got := string(appendScaled(nil, x, places)); got != want {
				t.Fatalf("appendScaled(%d, %d) = %q, want %q", x, places, got, want)
			}
		}
	}
}

func TestNewOrderDecimals(t *testing.T) {
	v := testVenue(t)
	sym := v.syms["BTCUSD"]
	for _, r := range []request{
		{typ: domain.Limit, price: 3_000_000, qty: 5},
		{typ: domain.Market, qty: 5, price: 7},
		{typ: domain.Stop, stop: 12, qty: 1},
		{typ: domain.StopLimit, price: 11, stop: 12, qty: 1},
	} {
		o, _ := v.newOrder(sym, r, r.qty, "c")
		want := api.NewOrder{Quantity: sym.inst.FormatQty(r.qty)}
		if o.Type != api.TypeMarket && o.Type != api.TypeStopLoss {
			want.Price = sym.inst.FormatPrice(r.price)
		}
		if o.Type == api.TypeStopLoss || o.Type == api.TypeStopLossLimit {
			want.StopPrice = sym.inst.FormatPrice(r.stop)
		}
		if o.Quantity != want.Quantity || o.Price != want.Price || o.StopPrice != want.StopPrice {
			t.Errorf("%v: got %q %q %q, want %q %q %q", r.typ, o.Quantity, o.Price, o.StopPrice, want.Quantity, want.Price, want.StopPrice)
		}
	}
}

// pl is the parameter list k1, v1, k2, v2, ...
func pl(kv ...string) api.Params {
	var p api.Params
	for i := 0; i+1 < len(kv); i += 2 {
		p = p.Add(kv[i], kv[i+1])
	}
	return p
}

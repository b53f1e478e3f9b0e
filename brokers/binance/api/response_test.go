package api

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

const docExecReport = `{
  "e": "executionReport", "E": 1499405658658, "s": "ETHBTC", "c": "mUvoqJxFIILMdfAW5iGSOW",
  "S": "BUY", "o": "LIMIT", "f": "GTC", "q": "1.00000000", "p": "0.10264410", "P": "0.00000000",
  "F": "0.00000000", "g": -1, "C": "", "x": "NEW", "X": "NEW", "r": "NONE", "i": 4293153,
  "l": "0.00000000", "z": "0.00000000", "L": "0.00000000", "n": "0", "N": null,
  "T": 1499405658657, "t": -1, "v": 3, "I": 8641984, "w": true, "m": false, "M": false,
  "O": 1499405658657, "Z": "0.00000000", "Y": "0.00000000", "Q": "0.00000000",
  "W": 1499405658657, "V": "NONE"
}`

const docFullOrder = `{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"6gCrw2kRUAF9CvJDGP16IP",
"transactTime":1507725176595,"price":"0.00000000","origQty":"10.00000000","executedQty":"10.00000000",
"origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"10.00000000","status":"FILLED","timeInForce":"GTC",
"type":"MARKET","side":"SELL","workingTime":1507725176595,"selfTradePreventionMode":"NONE",
"fills":[{"price":"4000.00000000","qty":"1.00000000","commission":"4.00000000","commissionAsset":"USDT","tradeId":56},
{"price":"3999.00000000","qty":"5.00000000","commission":"19.99500000","commissionAsset":"USDT","tradeId":57}]}`

func TestDecodeExecutionReport(t *testing.T) {
	want := ExecutionReport{
		EventType: "executionReport", EventTime: 1499405658658, Symbol: "ETHBTC", ClientOrderID: "mUvoqJxFIILMdfAW5iGSOW",
		Side: SideBuy, OrderType: TypeLimit, TimeInForce: GTC, Quantity: "1.00000000", Price: "0.10264410",
		StopPrice: "0.00000000", IcebergQty: "0.00000000", OrderListID: -1, ExecutionType: ExecNew,
		OrderStatus: StatusNew, RejectReason: "NONE", OrderID: 4293153, LastQty: "0.00000000", CumQty: "0.00000000",
		LastPrice: "0.00000000", Commission: "0", TransactTime: 1499405658657, TradeID: -1, PreventedMatchID: 3,
		ExecutionID: 8641984, IsWorking: true, CreateTime: 1499405658657, CumQuoteQty: "0.00000000",
		LastQuoteQty: "0.00000000", QuoteOrderQty: "0.00000000", WorkingTime: 1499405658657, SelfTradePreventionMode: "NONE",
	}
	got, err := DecodeExecutionReport([]byte(docExecReport))
	if err != nil || got != want {
		t.Fatalf("got %+v, %v\nwant %+v", got, err, want)
	}
	wrapped, err := DecodeExecutionReport([]byte(`{"subscriptionId":0,"event":` + docExecReport + `}`))
	if err != nil || wrapped != want {
		t.Fatalf("wrapped: %+v %v", wrapped, err)
	}
	trade := `{"e":"executionReport","s":"ETHBTC","c":"new1","C":"orig1","x":"TRADE","X":"PARTIALLY_FILLED","l":"0.5","L":"0.1","n":"0.001","N":"BNB","t":77}`
	tr, err := DecodeExecutionReport([]byte(trade))
	if err != nil || tr.ExecutionType != ExecTrade || tr.OrigClientOrderID != "orig1" || tr.ClientOrderID != "new1" ||
		tr.CommissionAsset != "BNB" || tr.TradeID != 77 || tr.LastQty != "0.5" || tr.LastPrice != "0.1" {
		t.Fatalf("trade: %+v %v", tr, err)
	}
	if _, err := DecodeExecutionReport([]byte(`{"e":"outboundAccountPosition"}`)); !errors.Is(err, ErrNotExecutionReport) {
		t.Errorf("other event: %v", err)
	}
	if _, err := DecodeExecutionReport([]byte(`{"e":`)); err == nil {
		t.Error("bad json decodes")
	}
	// Tags are exact and distinct.
	seen := map[string]bool{}
	rt := reflect.TypeFor[ExecutionReport]()
	for i := range rt.NumField() {
		tag := rt.Field(i).Tag.Get("json")
		if seen[tag] {
			t.Errorf("tag %s twice", tag)
		}
		seen[tag] = true
	}
}

func TestDecodeOrder(t *testing.T) {
	o, err := DecodeOrder([]byte(docFullOrder))
	if err != nil {
		t.Fatal(err)
	}
	if o.OrderID != 28 || o.OrderListID != -1 || o.Status != StatusFilled || o.Type != TypeMarket || o.Side != SideSell ||
		o.CummulativeQuoteQty != "10.00000000" || len(o.Fills) != 2 || o.Fills[1] != (Fill{"3999.00000000", "5.00000000", "19.99500000", "USDT", 57}) {
		t.Fatalf("%+v", o)
	}
	ack, err := DecodeOrder([]byte(`{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"x","transactTime":1507725176595}`))
	if err != nil || ack.OrderID != 28 || ack.Status != "" || ack.Fills != nil {
		t.Fatalf("ack %+v %v", ack, err)
	}
	list, err := DecodeOrders([]byte(`[{"symbol":"LTCBTC","orderId":1,"clientOrderId":"myOrder1","price":"0.1","origQty":"1.0","status":"NEW","isWorking":true,"time":1499827319559,"updateTime":1499827319559}]`))
	if err != nil || len(list) != 1 || list[0].IsWorking == nil || !*list[0].IsWorking || list[0].Time != 1499827319559 {
		t.Fatalf("orders %+v %v", list, err)
	}
}

func TestDecodeTradesAccount(t *testing.T) {
	ts, err := DecodeTrades([]byte(`[{"symbol":"BNBBTC","id":28457,"orderId":100234,"orderListId":-1,"price":"4.00000100","qty":"12.00000000","quoteQty":"48.000012","commission":"10.10000000","commissionAsset":"BNB","time":1499865549590,"isBuyer":true,"isMaker":false,"isBestMatch":true}]`))
	want := Trade{"BNBBTC", 28457, 100234, -1, "4.00000100", "12.00000000", "48.000012", "10.10000000", "BNB", 1499865549590, true, false, true}
	if err != nil || len(ts) != 1 || ts[0] != want {
		t.Fatalf("%+v %v", ts, err)
	}
	a, err := DecodeAccount([]byte(`{"makerCommission":15,"takerCommission":15,"commissionRates":{"maker":"0.00150000","taker":"0.00150000","buyer":"0","seller":"0"},"canTrade":true,"accountType":"SPOT","balances":[{"asset":"BTC","free":"4723846.89208129","locked":"0.00000000"},{"asset":"LTC","free":"1","locked":"2"}],"permissions":["SPOT"],"uid":354937868}`))
	if err != nil || a.MakerCommission != 15 || !a.CanTrade || a.CommissionRates.Maker != "0.00150000" || a.UID != 354937868 {
		t.Fatalf("%+v %v", a, err)
	}
	if b, ok := a.Balance("LTC"); !ok || b.Locked != "2" {
		t.Errorf("Balance LTC %+v", b)
	}
	if _, ok := a.Balance("ETH"); ok {
		t.Error("Balance ETH")
	}
}

// roundTrip checks that v, marshalled and decoded again, is v.
func roundTrip[T any](t *testing.T, v T, decode func([]byte) (T, error)) {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %+v: %v", v, err)
	}
	back, err := decode(b)
	if err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	if !reflect.DeepEqual(back, v) {
		t.Fatalf("round trip\n %+v\n %+v", v, back)
	}
}

func FuzzDecodeExecutionReport(f *testing.F) {
	f.Add([]byte(docExecReport))
	f.Add([]byte(`{"subscriptionId":0,"event":` + docExecReport + `}`))
	f.Add([]byte(`{"e":"executionReport","x":"TRADE","N":"BNB","t":5,"y":"1"}`))
	f.Add([]byte(`{"e":"executionReport","s":"\uFFFD\xff"}`))
	f.Add([]byte(`{"e":"listStatus"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			return
		}
		r, err := DecodeExecutionReport(b)
		if err != nil {
			return
		}
		roundTrip(t, r, DecodeExecutionReport)
	})
}

func FuzzDecodeOrder(f *testing.F) {
	f.Add([]byte(docFullOrder))
	f.Add([]byte(`{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"x","transactTime":1}`))
	f.Add([]byte(`{"fills":[],"isWorking":false}`))
	f.Add([]byte(`{"fills":null,"orderId":-9223372036854775808}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			return
		}
		o, err := DecodeOrder(b)
		if err != nil {
			return
		}
		roundTrip(t, o, DecodeOrder)
	})
}

package binance_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/desk-trading/desk/brokers/binance/api"
)

// TestOrderTypes: a MARKET buy walks the asks and its remainder expires;
// an IOC takes what crosses and expires; a FOK that cannot fill expires
// untouched; a crossing LIMIT_MAKER is -2010 and leaves no order; ACK and
// RESULT answers have their shapes; locks come back when orders end.
func TestOrderTypes(t *testing.T) {
	f := oeStart(t, oeConfig{})
	f.place(keyB, limit(api.SideSell, "30000.00", "0.100", "ask-1"))
	f.place(keyB, limit(api.SideSell, "30010.00", "0.100", "ask-2"))

	m := f.place(keyA, api.NewOrder{Symbol: "BTCUSD", Side: api.SideBuy, Type: api.TypeMarket, Quantity: "0.150"}.Params())
	if m.Status != api.StatusFilled || len(m.Fills) != 2 || m.CummulativeQuoteQty != "4500.50000000" {
		t.Fatalf("market buy: %+v", m)
	}
	ioc := api.NewOrder{Symbol: "BTCUSD", Side: api.SideBuy, Type: api.TypeLimit, TimeInForce: api.IOC,
		Price: "30010.00", Quantity: "0.100", NewOrderRespType: api.RespRESULT}
	r := f.call(http.MethodPost, api.PathOrder, keyA, ioc.Params())
	o, _ := api.DecodeOrder(r.body)
	if r.status != 200 || o.Status != api.StatusExpired || o.ExecutedQty != "0.05000000" || o.Fills != nil {
		t.Fatalf("IOC: %d %s", r.status, r.body)
	}
	fok := ioc
	fok.TimeInForce, fok.NewOrderRespType = api.FOK, api.RespACK
	r = f.call(http.MethodPost, api.PathOrder, keyA, fok.Params())
	o, _ = api.DecodeOrder(r.body)
	if r.status != 200 || o.Status != "" || o.OrderID == 0 || o.TransactTime == 0 {
		t.Fatalf("FOK, ACK: %d %s", r.status, r.body)
	}
	q := f.call(http.MethodGet, api.PathOrder, keyA, api.Params{{Key: "symbol", Value: "BTCUSD"}, {Key: "orderId", Value: strconv.FormatInt(o.OrderID, 10)}})
	if got, _ := api.DecodeOrder(q.body); got.Status != api.StatusExpired || got.ExecutedQty != "0.00000000" {
		t.Fatalf("FOK after: %s", q.body)
	}
	f.place(keyB, limit(api.SideSell, "31000.00", "0.100", "ask-3"))
	maker := api.NewOrder{Symbol: "BTCUSD", Side: api.SideBuy, Type: api.TypeLimitMaker, Price: "31000.00", Quantity: "0.100"}
	r = f.call(http.MethodPost, api.PathOrder, keyA, maker.Params())
	if r.status != 400 || r.err().Code != api.CodeNewOrderRejected || r.err().Msg != api.MsgWouldMatch {
		t.Fatalf("crossing LIMIT_MAKER: %d %s", r.status, r.body)
	}
	if n := f.openCount(keyA); n != 0 {
		t.Fatalf("A's open orders: %d", n)
	}
	if free, locked := f.balance(keyA, "USD"); !locked.IsZero() || !free.Equal(dec("993999")) {
		t.Fatalf("A's USD: %s/%s", free, locked)
	}
	if free, _ := f.balance(keyA, "BTC"); !free.Equal(dec("10.2")) {
		t.Fatalf("A's BTC: %s", free)
	}
}

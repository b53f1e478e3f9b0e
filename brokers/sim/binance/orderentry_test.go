package binance_test

import (
	"net/http"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/binance/api"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// TestPlaceQueryCancelREST: a resting order locks quote, is queryable by
// both ids and listed open; a crossing sell of B fills it (FULL answer
// with the fill), balances move with the fee in quote; the cancel of the
// rest frees the lock; allOrders and myTrades show the history.
func TestPlaceQueryCancelREST(t *testing.T) {
	f := oeStart(t, oeConfig{})
	o := f.place(keyA, limit(api.SideBuy, "30000.00", "0.500", "a-1"))
	if o.Status != api.StatusNew || o.ClientOrderID != "a-1" || o.OrigQty != "0.50000000" || o.Price != "30000.00000000" {
		t.Fatalf("new order: %+v", o)
	}
	free, locked := f.balance(keyA, "USD")
	if !locked.Equal(dec("15000")) || !free.Equal(dec("985000")) {
		t.Fatalf("USD after a buy of 0.5 at 30000: free %s locked %s", free, locked)
	}
	r := f.call(http.MethodGet, api.PathOrder, keyA, api.Params{{Key: "symbol", Value: "BTCUSD"}, {Key: "origClientOrderId", Value: "a-1"}})
	var q api.Order
	r.into(t, &q)
	if r.status != 200 || q.OrderID != o.OrderID || q.Status != api.StatusNew {
		t.Fatalf("query by client id: %d %s", r.status, r.body)
	}
	if r := f.call(http.MethodPost, api.PathOrder, keyA, limit(api.SideBuy, "29000.00", "0.100", "a-1")); r.status != 400 || r.err().Code != api.CodeNewOrderRejected || r.err().Msg != api.MsgDuplicateOrder {
		t.Fatalf("duplicate client id: %d %s", r.status, r.body)
	}
	s := f.place(keyB, limit(api.SideSell, "29990.00", "0.200", "b-1"))
	if s.Status != api.StatusFilled || len(s.Fills) != 1 || s.Fills[0].Price != "30000.00000000" || s.Fills[0].Qty != "0.20000000" ||
		s.CummulativeQuoteQty != "6000.00000000" {
		t.Fatalf("crossing sell: %+v", s)
	}
	r = f.call(http.MethodGet, api.PathOpenOrders, keyA, nil)
	var open []api.Order
	r.into(t, &open)
	if len(open) != 1 || open[0].Status != api.StatusPartiallyFilled || open[0].ExecutedQty != "0.20000000" {
		t.Fatalf("open orders: %s", r.body)
	}
	r = f.call(http.MethodDelete, api.PathOrder, keyA, api.Params{{Key: "symbol", Value: "BTCUSD"}, {Key: "orderId", Value: "1"}})
	var c api.Order
	r.into(t, &c)
	if r.status != 200 || c.Status != api.StatusCanceled || c.OrigClientOrderID != "a-1" || c.ExecutedQty != "0.20000000" {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	if r := f.call(http.MethodDelete, api.PathOrder, keyA, api.Params{{Key: "symbol", Value: "BTCUSD"}, {Key: "orderId", Value: "1"}}); r.status != 400 || r.err().Code != api.CodeCancelRejected {
		t.Fatalf("second cancel: %d %s", r.status, r.body)
	}
	free, locked = f.balance(keyA, "USD")
	if !locked.IsZero() || !free.Equal(dec("994000")) {
		t.Fatalf("A's USD after: free %s locked %s", free, locked)
	}
	if bf, _ := f.balance(keyA, "BTC"); !bf.Equal(dec("10.2")) {
		t.Fatalf("A's BTC %s", bf)
	}
	if bf, _ := f.balance(keyB, "BTC"); !bf.Equal(dec("9.8")) {
		t.Fatalf("B's BTC %s", bf)
	}
	r = f.call(http.MethodGet, api.PathAllOrders, keyA, api.Params{{Key: "symbol", Value: "BTCUSD"}})
	all, _ := api.DecodeOrders(r.body)
	if len(all) != 1 || all[0].Status != api.StatusCanceled {
		t.Fatalf("allOrders: %s", r.body)
	}
	r = f.call(http.MethodGet, api.PathMyTrades, keyB, api.Params{{Key: "symbol", Value: "BTCUSD"}})
	ts, _ := api.DecodeTrades(r.body)
	if len(ts) != 1 || ts[0].IsBuyer || ts[0].IsMaker || ts[0].ID != 1 || ts[0].QuoteQty != "6000.00000000" {
		t.Fatalf("B's trades: %s", r.body)
	}
	if r := f.call(http.MethodGet, api.PathOrder, keyA, api.Params{{Key: "symbol", Value: "BTCUSD"}, {Key: "orderId", Value: "99"}}); r.status != 400 || r.err().Code != api.CodeNoSuchOrder {
		t.Fatalf("query unknown: %d %s", r.status, r.body)
	}
}

// TestCancelAll: DELETE /api/v3/openOrders cancels every open order of
// the symbol and lists the cancels; with none open it is -2011.
func TestCancelAll(t *testing.T) {
	f := oeStart(t, oeConfig{})
	for _, cid := range []string{"all-1", "all-2", "all-3"} {
		f.place(keyA, limit(api.SideBuy, "100.00", "0.010", cid))
	}
	f.place(keyB, limit(api.SideBuy, "100.00", "0.010", "other"))
	r := f.call(http.MethodDelete, api.PathOpenOrders, keyA, api.Params{{Key: "symbol", Value: "BTCUSD"}})
	cs, err := api.DecodeOrders(r.body)
	if r.status != 200 || err != nil || len(cs) != 3 || cs[0].OrigClientOrderID != "all-1" || cs[2].Status != api.StatusCanceled {
		t.Fatalf("cancel all: %d %s", r.status, r.body)
	}
	if n, m := f.openCount(keyA), f.openCount(keyB); n != 0 || m != 1 {
		t.Fatalf("open after: A %d, B %d", n, m)
	}
	r = f.call(http.MethodDelete, api.PathOpenOrders, keyA, api.Params{{Key: "symbol", Value: "BTCUSD"}})
	if r.status != 400 || r.err().Code != api.CodeCancelRejected {
		t.Fatalf("cancel all of none: %d %s", r.status, r.body)
	}
}

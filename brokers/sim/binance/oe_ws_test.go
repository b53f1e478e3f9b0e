package binance_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/desk-trading/desk/brokers/binance/api"
)

// TestWSAPIOrdersAndUserStream: over the WebSocket API, A subscribes to
// its user data, places, queries and cancels; B's crossing order fills A
// partly; A sees NEW, TRADE (t, I, z, Z, n, N) and CANCELED
// executionReports and outboundAccountPosition, all wrapped with its
// subscriptionId; rateLimits come with each answer.
func TestWSAPIOrdersAndUserStream(t *testing.T) {
	f := oeStart(t, oeConfig{})
	w := f.dialWSAPI()
	sub := w.answer(w.send("userDataStream.subscribe.signature", keyA, map[string]string{}))
	var subRes struct{ SubscriptionID int }
	if sub.Status != 200 || json.Unmarshal(sub.Result, &subRes) != nil {
		t.Fatalf("subscribe: %+v", sub)
	}
	a := w.answer(w.send(api.MethodOrderPlace, keyA, wsLimit(api.SideBuy, "30000.00", "1.000", "ws-1")))
	if a.Status != 200 || len(a.RateLimits) != 3 || a.RateLimits[1].Count != 1 {
		t.Fatalf("place: %+v %s", a, a.Result)
	}
	o, _ := api.DecodeOrder(a.Result)
	if o.Status != api.StatusNew || o.ClientOrderID != "ws-1" {
		t.Fatalf("placed: %s", a.Result)
	}
	nw := w.report("NEW", func(r api.ExecutionReport) bool { return r.ExecutionType == api.ExecNew })
	if nw.OrderID != o.OrderID || nw.TradeID != -1 || nw.OrderStatus != api.StatusNew {
		t.Fatalf("NEW report: %+v", nw)
	}
	w.next("outboundAccountPosition", func(b []byte) bool {
		var e struct {
			SubscriptionID *int `json:"subscriptionId"`
			Event          struct {
				Type     string `json:"e"`
				Time     int64  `json:"E"`
				Balances []struct {
					Asset  string `json:"a"`
					Free   string `json:"f"`
					Locked string `json:"l"`
				} `json:"B"`
			} `json:"event"`
		}
		return json.Unmarshal(b, &e) == nil && e.Event.Type == "outboundAccountPosition" && e.SubscriptionID != nil &&
			*e.SubscriptionID == subRes.SubscriptionID && len(e.Event.Balances) == 1 && e.Event.Balances[0].Asset == "USD" &&
			e.Event.Balances[0].Locked == "30000.00000000"
	})
	f.place(keyB, limit(api.SideSell, "30000.00", "0.400", "b-ws"))
	tr := w.report("TRADE", func(r api.ExecutionReport) bool { return r.ExecutionType == api.ExecTrade })
	if tr.TradeID != 1 || tr.LastQty != "0.40000000" || tr.CumQty != "0.40000000" || tr.CumQuoteQty != "12000.00000000" ||
		!tr.IsMaker || tr.CommissionAsset != "USD" || tr.OrderStatus != api.StatusPartiallyFilled || tr.ExecutionID <= nw.ExecutionID {
		t.Fatalf("TRADE: %+v", tr)
	}
	st := w.answer(w.send(api.MethodOrderStatus, keyA, map[string]string{"symbol": "BTCUSD", "origClientOrderId": "ws-1"}))
	so, _ := api.DecodeOrder(st.Result)
	if st.Status != 200 || so.ExecutedQty != "0.40000000" || so.Status != api.StatusPartiallyFilled {
		t.Fatalf("status: %+v %s", st, st.Result)
	}
	c := w.answer(w.send(api.MethodOrderCancel, keyA, map[string]string{"symbol": "BTCUSD", "orderId": "1", "newClientOrderId": "cx-1"}))
	co, _ := api.DecodeOrder(c.Result)
	if c.Status != 200 || co.Status != api.StatusCanceled || co.ClientOrderID != "cx-1" || co.OrigClientOrderID != "ws-1" {
		t.Fatalf("cancel: %+v %s", c, c.Result)
	}
	cr := w.report("CANCELED", func(r api.ExecutionReport) bool { return r.ExecutionType == api.ExecCanceled })
	if cr.ClientOrderID != "cx-1" || cr.OrigClientOrderID != "ws-1" || cr.OrderStatus != api.StatusCanceled {
		t.Fatalf("CANCELED: %+v", cr)
	}
	bad := w.answer(w.send(api.MethodOrderCancel, keyA, map[string]string{"symbol": "BTCUSD", "orderId": "1"}))
	if bad.Status != 400 || bad.Error == nil || bad.Error.Code != api.CodeCancelRejected {
		t.Fatalf("cancel again: %+v", bad)
	}
	// A wrong signature.
	w.id++
	p := map[string]string{"symbol": "BTCUSD", "apiKey": keyA, "timestamp": api.Timestamp(timeNow())}
	p["signature"] = api.SignWSParams(f.creds[keyB].Secret, p)
	b, _ := json.Marshal(map[string]any{"id": w.id, "method": api.MethodOpenOrdersStatus, "params": p})
	_ = w.c.WriteMessage(websocket.TextMessage, b)
	if r := w.answer(w.id); r.Error == nil || r.Error.Code != api.CodeInvalidSignature {
		t.Fatalf("wrong signature: %+v", r)
	}
	un := w.answer(w.send("userDataStream.unsubscribe", "", map[string]string{}))
	if un.Status != 200 {
		t.Fatalf("unsubscribe: %+v", un)
	}
}

// TestCancelReplace: STOP_ON_FAILURE of an unknown order is -2022 with
// nothing placed; a successful one cancels and places a new orderId;
// ALLOW_FAILURE of an unknown order places the new one and is -2021.
func TestCancelReplace(t *testing.T) {
	f := oeStart(t, oeConfig{})
	f.place(keyA, limit(api.SideBuy, "30000.00", "1.000", "cr-1"))
	cr := func(mode, cancelCID, newCID, px string) oeResp {
		p := limit(api.SideBuy, px, "1.000", newCID).Add("cancelReplaceMode", mode).Add("cancelOrigClientOrderId", cancelCID)
		return f.call(http.MethodPost, api.PathCancelReplace, keyA, p)
	}
	r := cr("STOP_ON_FAILURE", "nope", "cr-x", "29000.00")
	if r.status != 409 || r.err().Code != api.CodeCancelReplaceFailed {
		t.Fatalf("stop on failure: %d %s", r.status, r.body)
	}
	r = cr("STOP_ON_FAILURE", "cr-1", "cr-2", "29000.00")
	var d api.CancelReplaceData
	r.into(t, &d)
	if r.status != 200 || d.CancelResult != api.ResultSuccess || d.NewOrderResult != api.ResultSuccess {
		t.Fatalf("replace: %d %s", r.status, r.body)
	}
	c, _ := api.DecodeOrder(d.CancelResponse)
	n, _ := api.DecodeOrder(d.NewOrderResponse)
	if c.Status != api.StatusCanceled || c.OrigClientOrderID != "cr-1" || n.OrderID == c.OrderID || n.ClientOrderID != "cr-2" || n.Price != "29000.00000000" {
		t.Fatalf("replace halves: %s", r.body)
	}
	if _, locked := f.balance(keyA, "USD"); !locked.Equal(dec("29000")) {
		t.Fatalf("locked after replace: %s", locked)
	}
	r = cr("ALLOW_FAILURE", "cr-1", "cr-3", "28000.00")
	e := api.DecodeError(r.status, r.body).(*api.Error)
	dd, _ := api.DecodeCancelReplaceData(e.Data)
	if r.status != 409 || e.Code != api.CodeCancelReplacePartial || dd.CancelResult != api.ResultFailure || dd.NewOrderResult != api.ResultSuccess ||
		api.OutcomeOf(e) != api.OutcomeUnknown {
		t.Fatalf("allow failure: %d %s", r.status, r.body)
	}
	r = f.call(http.MethodGet, api.PathOpenOrders, keyA, api.Params{{Key: "symbol", Value: "BTCUSD"}})
	open, _ := api.DecodeOrders(r.body)
	if len(open) != 2 {
		t.Fatalf("open after: %s", r.body)
	}
}

// TestLegacyListenKey: a listen key's /ws/<key> stream carries A's bare
// executionReports; PUT keeps it alive, DELETE ends it, and an unknown
// key is -1125.
func TestLegacyListenKey(t *testing.T) {
	f := oeStart(t, oeConfig{})
	r := f.raw(http.MethodPost, "/api/v3/userDataStream", keyA, "")
	var lk struct{ ListenKey string }
	r.into(t, &lk)
	if r.status != 200 || len(lk.ListenKey) != 60 {
		t.Fatalf("listenKey: %d %s", r.status, r.body)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+f.base+"/ws/"+lk.ListenKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	w := &wsAPI{t: t, f: f, c: ws, frames: make(chan []byte, 64)}
	go func() {
		defer close(w.frames)
		for {
			_, b, err := ws.ReadMessage()
			if err != nil {
				return
			}
			w.frames <- b
		}
	}()
	desktestEventuallySubscribed(t, f, keyA)
	o := f.place(keyA, limit(api.SideBuy, "100.00", "0.001", "lk-1"))
	b := w.next("bare executionReport", func(b []byte) bool {
		var e map[string]any
		return json.Unmarshal(b, &e) == nil && e["e"] == "executionReport" && e["subscriptionId"] == nil
	})
	rep, _ := api.DecodeExecutionReport(b)
	if rep.OrderID != o.OrderID || rep.ExecutionType != api.ExecNew {
		t.Fatalf("report: %s", b)
	}
	if r := f.raw(http.MethodPut, "/api/v3/userDataStream", keyA, "listenKey="+lk.ListenKey); r.status != 200 {
		t.Fatalf("keepalive: %d %s", r.status, r.body)
	}
	if r := f.raw(http.MethodPut, "/api/v3/userDataStream", keyA, "listenKey=nope"); r.status != 400 || r.err().Code != -1125 {
		t.Fatalf("keepalive unknown: %d %s", r.status, r.body)
	}
	if r := f.raw(http.MethodDelete, "/api/v3/userDataStream", keyA, "listenKey="+lk.ListenKey); r.status != 200 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	deadline := time.After(waitFor)
	for open := true; open; {
		select {
		case _, open = <-w.frames:
		case <-deadline:
			t.Fatal("the deleted listen key's stream stays open")
		}
	}
}

// TestWSAPICancelReplace: order.cancelReplace over the WebSocket API
// answers both halves in its result.
func TestWSAPICancelReplace(t *testing.T) {
	f := oeStart(t, oeConfig{})
	w := f.dialWSAPI()
	if a := w.answer(w.send(api.MethodOrderPlace, keyA, wsLimit(api.SideSell, "40000.00", "1.000", "wcr-1"))); a.Status != 200 {
		t.Fatalf("place: %+v", a)
	}
	p := wsLimit(api.SideSell, "41000.00", "0.500", "wcr-2")
	p["cancelReplaceMode"], p["cancelOrigClientOrderId"] = "STOP_ON_FAILURE", "wcr-1"
	a := w.answer(w.send(api.MethodOrderCancelReplace, keyA, p))
	d, err := api.DecodeCancelReplaceData(a.Result)
	if a.Status != 200 || err != nil || d.CancelResult != api.ResultSuccess || d.NewOrderResult != api.ResultSuccess {
		t.Fatalf("cancelReplace: %+v %s", a, a.Result)
	}
	if _, locked := f.balance(keyA, "BTC"); !locked.Equal(dec("0.5")) {
		t.Fatalf("BTC locked: %s", locked)
	}
	p["cancelOrigClientOrderId"] = "nope"
	a = w.answer(w.send(api.MethodOrderCancelReplace, keyA, p))
	if a.Status != 409 || a.Error == nil || a.Error.Code != api.CodeCancelReplaceFailed || len(a.Error.Data) == 0 {
		t.Fatalf("cancelReplace of nothing: %+v", a)
	}
}

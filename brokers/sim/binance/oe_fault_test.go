package binance_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
)

func (f *oeVenue) openCount(key string) int {
	f.t.Helper()
	r := f.call(http.MethodGet, api.PathOpenOrders, key, nil)
	os, err := api.DecodeOrders(r.body)
	if err != nil {
		f.t.Fatalf("openOrders: %s", r.body)
	}
	return len(os)
}

// TestFaultsRefuseOrExecute: http-429 refuses, http-5xx answers 500 with
// the order placed (or not, placed=false), delay-acks holds the answer,
// drop-acks places and closes the REST connection unanswered.
func TestFaultsRefuseOrExecute(t *testing.T) {
	f := oeStart(t, oeConfig{})
	p := func(cid string) api.Params { return limit(api.SideBuy, "100.00", "0.001", cid) }
	f.fault("kind=http-429")
	if r := f.call(http.MethodPost, api.PathOrder, keyA, p("f-429")); r.status != 429 || f.openCount(keyA) != 0 {
		t.Fatalf("http-429: %d %s", r.status, r.body)
	}
	f.fault("kind=http-5xx&placed=false")
	if r := f.call(http.MethodPost, api.PathOrder, keyA, p("f-5xx-0")); r.status != 500 || f.openCount(keyA) != 0 {
		t.Fatalf("http-5xx not placed: %d %s", r.status, r.body)
	}
	f.fault("kind=http-5xx")
	r := f.call(http.MethodPost, api.PathOrder, keyA, p("f-5xx-1"))
	if e := api.DecodeError(r.status, r.body); r.status != 500 || api.OutcomeOf(e) != api.OutcomeUnknown || f.openCount(keyA) != 1 {
		t.Fatalf("http-5xx placed: %d %s", r.status, r.body)
	}
	f.fault("kind=delay-acks&for=300ms")
	t0 := time.Now()
	f.place(keyA, p("f-delay"))
	if d := time.Since(t0); d < 300*time.Millisecond {
		t.Fatalf("delay-acks: answered in %v", d)
	}
	f.fault("kind=drop-acks")
	params := p("f-drop").Add(api.ParamTimestamp, api.Timestamp(time.Now()))
	q, _ := api.SignQuery(f.creds[keyA].Secret, params)
	req, _ := http.NewRequest(http.MethodPost, "http://"+f.base+api.PathOrder, strings.NewReader(q))
	req.Header.Set(api.HeaderAPIKey, keyA)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("drop-acks: answered %d", resp.StatusCode)
	}
	r = f.call(http.MethodGet, api.PathOrder, keyA, api.Params{{Key: "symbol", Value: "BTCUSD"}, {Key: "origClientOrderId", Value: "f-drop"}})
	if o, _ := api.DecodeOrder(r.body); r.status != 200 || o.Status != api.StatusNew {
		t.Fatalf("dropped order: %d %s", r.status, r.body)
	}
}

// TestFaultsOnStreams: duplicate-report sends the next report twice;
// fill-after-cancel answers the cancel, then reports one more fill and
// the cancel, and the record shows the order partially filled then
// canceled; drop-acks over the WebSocket API answers nothing and keeps
// the connection; drop-user-stream ends the subscription.
func TestFaultsOnStreams(t *testing.T) {
	f := oeStart(t, oeConfig{})
	w := f.dialWSAPI()
	w.answer(w.send("userDataStream.subscribe.signature", keyA, map[string]string{}))
	f.fault("kind=duplicate-report")
	w.answer(w.send(api.MethodOrderPlace, keyA, wsLimit(api.SideBuy, "30000.00", "1.000", "dup-1")))
	isNew := func(r api.ExecutionReport) bool { return r.ExecutionType == api.ExecNew && r.ClientOrderID == "dup-1" }
	a, b := w.report("NEW", isNew), w.report("NEW again", isNew)
	if a.ExecutionID != b.ExecutionID {
		t.Fatalf("duplicate differs: %+v %+v", a, b)
	}

	f.fault("kind=fill-after-cancel")
	c := w.answer(w.send(api.MethodOrderCancel, keyA, map[string]string{"symbol": "BTCUSD", "origClientOrderId": "dup-1"}))
	co, _ := api.DecodeOrder(c.Result)
	if c.Status != 200 || co.Status != api.StatusCanceled || co.ExecutedQty != "0.50000000" {
		t.Fatalf("cancel under fill-after-cancel: %+v %s", c, c.Result)
	}
	tr := w.report("late TRADE", func(r api.ExecutionReport) bool { return r.ExecutionType == api.ExecTrade })
	cr := w.report("CANCELED", func(r api.ExecutionReport) bool { return r.ExecutionType == api.ExecCanceled })
	if tr.LastQty != "0.50000000" || tr.OrderStatus != api.StatusPartiallyFilled || cr.CumQty != "0.50000000" || cr.ExecutionID <= tr.ExecutionID {
		t.Fatalf("late fill %+v, cancel %+v", tr, cr)
	}
	r := f.call(http.MethodGet, api.PathMyTrades, keyA, api.Params{{Key: "symbol", Value: "BTCUSD"}})
	if ts, _ := api.DecodeTrades(r.body); len(ts) != 1 || ts[0].Qty != "0.50000000" {
		t.Fatalf("trades: %s", r.body)
	}
	if free, locked := f.balance(keyA, "USD"); !locked.IsZero() || !free.Equal(dec("985000")) {
		t.Fatalf("USD: %s/%s", free, locked)
	}

	f.fault("kind=drop-acks")
	id := w.send(api.MethodOrderPlace, keyA, wsLimit(api.SideBuy, "100.00", "0.001", "ws-drop"))
	w.report("dropped order's NEW", func(r api.ExecutionReport) bool { return r.ClientOrderID == "ws-drop" })
	st := w.answer(w.send(api.MethodOrderStatus, keyA, map[string]string{"symbol": "BTCUSD", "origClientOrderId": "ws-drop"}))
	if st.Status != 200 {
		t.Fatalf("status of the dropped order: %+v", st)
	}
	for _, k := range w.kept {
		var resp struct{ ID int }
		if json.Unmarshal(k, &resp) == nil && resp.ID == id {
			t.Fatalf("drop-acks answered: %s", k)
		}
	}

	f.fault("kind=drop-user-stream")
	w.next("eventStreamTerminated", func(b []byte) bool { return strings.Contains(string(b), `"eventStreamTerminated"`) })
	if n := f.srv.UserStreams(); n != 0 {
		t.Fatalf("user streams after drop: %d", n)
	}
}

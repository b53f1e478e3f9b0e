package binance

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
)

func TestRates(t *testing.T) {
	var r rates
	now := time.Now()
	h := http.Header{}
	h.Set("X-MBX-USED-WEIGHT-1M", "120")
	h.Set("X-MBX-ORDER-COUNT-10S", "3")
	h.Set("X-MBX-ORDER-COUNT-1D", "40")
	r.noteHTTP(h, 200, now)
	if u := r.load(); u.Weight1m != 120 || u.Orders10s != 3 || u.Orders1d != 40 || u.At != now.UnixNano() || r.refusesOrders(now) {
		t.Fatalf("after a 200: %+v", u)
	}
	h = http.Header{}
	h.Set(api.HeaderRetryAfter, "2")
	r.noteHTTP(h, 429, now)
	if !r.refusesOrders(now.Add(time.Second)) || r.refusesCancels(now) || r.refusesOrders(now.Add(3*time.Second)) {
		t.Errorf("429 for 2s: %+v", r.load())
	}
	if u := r.load(); u.Weight1m != 120 {
		t.Errorf("a 429 without counts kept nothing: %+v", u)
	}
	r.noteHTTP(h, 418, now)
	if !r.refusesCancels(now.Add(time.Second)) {
		t.Errorf("418: cancels go: %+v", r.load())
	}
	h.Set(api.HeaderRetryAfter, "1")
	r.noteHTTP(h, 429, now)
	if u := r.load(); u.Status != 418 {
		t.Errorf("a 429 during a ban replaced it: %+v", u)
	}

	var w rates
	until := now.Add(5 * time.Second).UnixMilli()
	w.noteWS(&api.WSResponse{Status: 429, Error: &api.Error{Code: -1003, Msg: "x",
		Data: json.RawMessage(`{"retryAfter":` + itoa(until) + `}`)},
		RateLimits: []api.WSRateLimit{{RateLimitType: "REQUEST_WEIGHT", Interval: "MINUTE", IntervalNum: 1, Count: 70},
			{RateLimitType: "ORDERS", Interval: "SECOND", IntervalNum: 10, Count: 9}}}, now)
	u := w.load()
	if u.Weight1m != 70 || u.Orders10s != 9 || u.Status != 429 || u.RetryUntil/1e6 != until {
		t.Errorf("WS 429: %+v", u)
	}
	var d rates
	d.noteHTTP(http.Header{}, 429, now)
	if !d.refusesOrders(now.Add(defaultRetryAfter - time.Second)) {
		t.Errorf("a 429 without Retry-After: %+v", d.load())
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

package binance_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/brokers/sim/binance"
)

// TestRateLimits: the third new order within 10 s is 429 -1015; weight
// over the minute's limit is 429 -1003 with Retry-After; the account's
// order counts are answered for a client that restarts.
func TestRateLimits(t *testing.T) {
	f := oeStart(t, oeConfig{limits: binance.RateLimits{Orders10s: 2, Weight1m: 100, BanAfter: 3, BanFor: time.Minute}})
	// Orders are counted in ten-second windows aligned on the clock: start
	// at the beginning of one, so that three orders fall in it.
	if s := time.Now().Second() % 10; s >= 7 {
		time.Sleep(time.Duration(10-s) * time.Second)
	}
	for i := range 2 {
		r := f.call(http.MethodPost, api.PathOrder, keyA, limit(api.SideBuy, "100.00", "0.001", ""))
		if r.status != 200 || r.header.Get("X-MBX-ORDER-COUNT-10S") != strconv.Itoa(i+1) {
			t.Fatalf("order %d: %d %v %s", i, r.status, r.header, r.body)
		}
	}
	// A client that restarts asks what it already spent.
	var counts []api.WSRateLimit
	if r := f.call(http.MethodGet, api.PathRateLimitOrder, keyA, nil); r.status != 200 || json.Unmarshal(r.body, &counts) != nil ||
		len(counts) != 2 || counts[0] != (api.WSRateLimit{RateLimitType: "ORDERS", Interval: "SECOND", IntervalNum: 10, Limit: 2, Count: 2}) ||
		counts[1].Interval != "DAY" || counts[1].Count != 2 {
		t.Fatalf("rateLimit/order: %d %s", r.status, r.body)
	}
	r := f.call(http.MethodPost, api.PathOrder, keyA, limit(api.SideBuy, "100.00", "0.001", ""))
	rl := api.ParseRateLimits(r.header, time.Now())
	if r.status != 429 || r.err().Code != api.CodeTooManyOrders || rl.RetryAfter <= 0 || rl.RetryAfter > 10*time.Second {
		t.Fatalf("third order: %d %v %s", r.status, r.header, r.body)
	}
	// B's orders are its own account's.
	if r := f.call(http.MethodPost, api.PathOrder, keyB, limit(api.SideSell, "900000.00", "0.001", "")); r.status != 200 {
		t.Fatalf("B's order: %d %s", r.status, r.body)
	}
	// Weight: account is 20; A has spent 43 (3 orders and the order
	// counts), so the 3rd account query is over 100.
	var last oeResp
	for range 3 {
		last = f.call(http.MethodGet, api.PathAccount, keyA, nil)
	}
	if last.status != 429 || last.err().Code != api.CodeTooManyRequests || last.header.Get("Retry-After") == "" {
		t.Fatalf("over weight: %d %v %s", last.status, last.header, last.body)
	}
}

// TestNotBackingOffIsBanned: a client that keeps sending into a
// Retry-After, past what may have been on the wire when the first 429
// was answered, is banned (418) on every account of its address.
func TestNotBackingOffIsBanned(t *testing.T) {
	f := oeStart(t, oeConfig{limits: binance.RateLimits{Weight1m: 40, BanAfter: 3, BanFor: time.Minute}})
	for i := range 2 {
		if r := f.call(http.MethodGet, api.PathAccount, keyA, nil); r.status != 200 {
			t.Fatalf("account query %d: %d %s", i, r.status, r.body)
		}
	}
	if r := f.call(http.MethodGet, api.PathAccount, keyA, nil); r.status != 429 {
		t.Fatalf("over weight: %d %s", r.status, r.body)
	}
	time.Sleep(300 * time.Millisecond) // past what could have been in flight
	for i := range 2 {
		if r := f.call(http.MethodGet, api.PathAccount, keyA, nil); r.status != 429 {
			t.Fatalf("429 %d without backing off: %d %s", i+1, r.status, r.body)
		}
	}
	if r := f.call(http.MethodGet, api.PathAccount, keyA, nil); r.status != 418 {
		t.Fatalf("third 429 without backing off: %d %s", r.status, r.body)
	}
	r := f.call(http.MethodGet, api.PathOpenOrders, keyB, nil)
	e := api.DecodeError(r.status, r.body).(*api.Error)
	if r.status != 418 || !e.IPBanned() || r.header.Get("Retry-After") == "" {
		t.Fatalf("banned: %d %v %s", r.status, r.header, r.body)
	}
}

// TestBackingOffIsNeverBanned: a client that waits out every Retry-After
// gets 429 after 429 (a storm of them) and is never banned.
func TestBackingOffIsNeverBanned(t *testing.T) {
	f := oeStart(t, oeConfig{limits: binance.RateLimits{BanAfter: 2, BanFor: time.Minute}})
	f.fault("kind=http-429&count=3")
	for i := range 4 {
		r := f.call(http.MethodPost, api.PathOrder, keyA, limit(api.SideBuy, "100.00", "0.001", ""))
		if i == 3 {
			if r.status != 200 {
				t.Fatalf("after the storm: %d %s", r.status, r.body)
			}
			break
		}
		rl := api.ParseRateLimits(r.header, time.Now())
		if r.status != 429 || rl.RetryAfter <= 0 {
			t.Fatalf("request %d of the storm: %d %v %s", i, r.status, r.header, r.body)
		}
		time.Sleep(rl.RetryAfter)
	}
}

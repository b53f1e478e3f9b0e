package binance_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/brokers/sim/binance"
)

// TestRateLimits: the third new order within 10 s is 429 -1015; weight
// over the minute's limit is 429 -1003 with Retry-After; a client that
// keeps sending after BanAfter 429s is banned, 418, on every endpoint.
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
	r := f.call(http.MethodPost, api.PathOrder, keyA, limit(api.SideBuy, "100.00", "0.001", ""))
	rl := api.ParseRateLimits(r.header, time.Now())
	if r.status != 429 || r.err().Code != api.CodeTooManyOrders || rl.RetryAfter <= 0 || rl.RetryAfter > 10*time.Second {
		t.Fatalf("third order: %d %v %s", r.status, r.header, r.body)
	}
	// B's orders are its own account's.
	if r := f.call(http.MethodPost, api.PathOrder, keyB, limit(api.SideSell, "900000.00", "0.001", "")); r.status != 200 {
		t.Fatalf("B's order: %d %s", r.status, r.body)
	}
	// Weight: account is 20; A has spent 3, so the 5th account query is over 100.
	var last oeResp
	for range 5 {
		last = f.call(http.MethodGet, api.PathAccount, keyA, nil)
	}
	if last.status != 429 || last.err().Code != api.CodeTooManyRequests || last.header.Get("Retry-After") == "" {
		t.Fatalf("over weight: %d %v %s", last.status, last.header, last.body)
	}
	// That 429 came while the order's Retry-After still ran, but so soon
	// after it that it may have been on the wire already. Past that, the
	// client is not backing off: the third such 429 bans the address, on
	// every account.
	time.Sleep(300 * time.Millisecond)
	for i := range 2 {
		if r := f.call(http.MethodGet, api.PathAccount, keyA, nil); r.status != 429 {
			t.Fatalf("429 %d without backing off: %d %s", i+1, r.status, r.body)
		}
	}
	if r := f.call(http.MethodGet, api.PathAccount, keyA, nil); r.status != 418 {
		t.Fatalf("third 429 without backing off: %d %s", r.status, r.body)
	}
	r = f.call(http.MethodGet, api.PathOpenOrders, keyB, nil)
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

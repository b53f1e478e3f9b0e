package api

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRateLimits(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	for _, tc := range []struct {
		name             string
		h                http.Header
		w1m, o10s, o1d   int
		retry            time.Duration
		weights, nOrders int
	}{
		{"none", hdr(), -1, -1, -1, 0, 0, 0},
		{"all", hdr("X-MBX-USED-WEIGHT-1M", "321", "X-MBX-ORDER-COUNT-10S", "12", "X-MBX-ORDER-COUNT-1D", "4043"), 321, 12, 4043, 0, 1, 2},
		{"lower case names", http.Header{"x-mbx-used-weight-1m": {"7"}, "x-mbx-order-count-1d": {"9"}}, 7, -1, 9, 0, 1, 1},
		{"other intervals", hdr("X-MBX-USED-WEIGHT-5M", "50", "X-MBX-USED-WEIGHT-1M", "10", "X-MBX-ORDER-COUNT-1H", "3"), 10, -1, -1, 0, 2, 1},
		{"malformed", hdr("X-MBX-USED-WEIGHT-1M", "x", "X-MBX-ORDER-COUNT-10S", "-1", "X-MBX-ORDER-COUNT-1W", "5", "X-MBX-ORDER-COUNT-", "5", "X-MBX-ORDER-COUNT-D", "5"), -1, -1, -1, 0, 0, 0},
		{"429", hdr("Retry-After", "30", "X-MBX-USED-WEIGHT-1M", "6001"), 6001, -1, -1, 30 * time.Second, 1, 0},
		{"retry date", hdr("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat)), -1, -1, -1, 90 * time.Second, 0, 0},
		{"retry past date", hdr("Retry-After", now.Add(-time.Minute).Format(http.TimeFormat)), -1, -1, -1, 0, 0, 0},
		{"retry junk", hdr("Retry-After", "soon"), -1, -1, -1, 0, 0, 0},
		{"retry negative", hdr("Retry-After", "-5"), -1, -1, -1, 0, 0, 0},
		{"spaces", hdr("X-MBX-USED-WEIGHT-1M", " 4 "), 4, -1, -1, 0, 1, 0},
	} {
		rl := ParseRateLimits(tc.h, now)
		if rl.UsedWeight1m != tc.w1m || rl.OrderCount10s != tc.o10s || rl.OrderCount1d != tc.o1d || rl.RetryAfter != tc.retry ||
			len(rl.UsedWeight) != tc.weights || len(rl.OrderCount) != tc.nOrders {
			t.Errorf("%s: %+v", tc.name, rl)
		}
	}
	rl := ParseRateLimits(hdr("X-MBX-USED-WEIGHT-5M", "50"), now)
	if rl.UsedWeight["5M"] != 50 {
		t.Errorf("5M: %+v", rl)
	}
}

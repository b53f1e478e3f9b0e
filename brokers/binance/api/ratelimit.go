package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Rate-limit header prefixes: the full name appends the interval,
// (intervalNum)(intervalLetter) with S, M, H or D: X-MBX-USED-WEIGHT-1M,
// X-MBX-ORDER-COUNT-10S, X-MBX-ORDER-COUNT-1D.
const (
	HeaderUsedWeightPrefix = "X-MBX-USED-WEIGHT-"
	HeaderOrderCountPrefix = "X-MBX-ORDER-COUNT-"
)

// RateLimits are the rate-limit headers of one REST answer. A count whose
// header was absent or malformed is -1 (the answer did not say; rejected
// orders are not guaranteed to carry order counts). RetryAfter is 0
// without a Retry-After header.
type RateLimits struct {
	UsedWeight1m  int
	OrderCount10s int
	OrderCount1d  int
	RetryAfter    time.Duration
	// UsedWeight and OrderCount hold every interval sent, keyed by its
	// upper-case suffix ("1M", "10S", "1D").
	UsedWeight map[string]int
	OrderCount map[string]int
}

// ParseRateLimits reads the rate-limit headers of h, tolerant of absent
// and malformed ones. Retry-After is whole seconds (Binance's form); an
// HTTP date is also accepted, relative to now.
func ParseRateLimits(h http.Header, now time.Time) RateLimits {
	rl := RateLimits{UsedWeight1m: -1, OrderCount10s: -1, OrderCount1d: -1}
	for name, vs := range h {
		if len(vs) == 0 {
			continue
		}
		up := strings.ToUpper(name)
		var m *map[string]int
		var suffix string
		switch {
		case strings.HasPrefix(up, HeaderUsedWeightPrefix):
			m, suffix = &rl.UsedWeight, up[len(HeaderUsedWeightPrefix):]
		case strings.HasPrefix(up, HeaderOrderCountPrefix):
			m, suffix = &rl.OrderCount, up[len(HeaderOrderCountPrefix):]
		default:
			continue
		}
		if !validInterval(suffix) {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(vs[0]))
		if err != nil || n < 0 {
			continue
		}
		if *m == nil {
			*m = map[string]int{}
		}
		(*m)[suffix] = n
	}
	if n, ok := rl.UsedWeight["1M"]; ok {
		rl.UsedWeight1m = n
	}
	if n, ok := rl.OrderCount["10S"]; ok {
		rl.OrderCount10s = n
	}
	if n, ok := rl.OrderCount["1D"]; ok {
		rl.OrderCount1d = n
	}
	rl.RetryAfter = retryAfter(h.Get(HeaderRetryAfter), now)
	return rl
}

// validInterval reports whether s is (intervalNum)(intervalLetter).
func validInterval(s string) bool {
	if len(s) < 2 {
		return false
	}
	switch s[len(s)-1] {
	case 'S', 'M', 'H', 'D':
	default:
		return false
	}
	return allDigits(s[:len(s)-1])
}

func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 || n > 1<<31 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

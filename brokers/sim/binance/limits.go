package binance

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
)

// Binance's default order-entry limits.
const (
	defaultWeight1m  = 6000
	defaultOrders10s = 50
	defaultOrders1d  = 160000
	defaultBanAfter  = 5
	defaultBanFor    = 2 * time.Minute
)

// limiter counts request weight and orders per account in fixed windows
// aligned as Binance's are (the minute, ten seconds, the UTC day), and
// 429s per client address for the ban. Its lock guards every map; it is
// held for a few map operations, never across I/O.
type limiter struct {
	cfg RateLimits
	log *slog.Logger

	mu      sync.Mutex
	counts  map[string]*usage    // by account
	naughty map[string]*offender // by client address
}

// usage is one account's counts in the current windows.
type usage struct {
	minute, tenSec, day       int64 // window starts, unix s
	weight, orders10, ordersD int
}

// offender is one client address's standing with the ban: Binance bans
// (418) a client that keeps sending while told to back off, not one that
// was refused and waited.
type offender struct {
	windowFrom  time.Time // the first 429 of the current Retry-After window
	retryUntil  time.Time // the end of the latest Retry-After answered to the address
	since       time.Time // the first request of the window that ignored a Retry-After
	n           int       // such requests since then
	bannedUntil time.Time
}

func newLimiter(c RateLimits, log *slog.Logger) *limiter {
	if c.Weight1m == 0 {
		c.Weight1m = defaultWeight1m
	}
	if c.Orders10s == 0 {
		c.Orders10s = defaultOrders10s
	}
	if c.Orders1d == 0 {
		c.Orders1d = defaultOrders1d
	}
	if c.BanAfter == 0 {
		c.BanAfter = defaultBanAfter
	}
	if c.BanFor == 0 {
		c.BanFor = defaultBanFor
	}
	return &limiter{cfg: c, log: log, counts: map[string]*usage{}, naughty: map[string]*offender{}}
}

// spent is the counts after a request, for the headers and rateLimits.
type spent struct {
	weight, orders10, ordersD int
}

// spend charges weight (and orders new orders) to acct at now, refusing
// with 429 (-1003 for weight, -1015 for orders) and the seconds to wait
// when a window is full, or 418 when addr is banned. A refused request
// still counts its weight, as Binance counts it. The refusals say how
// long to wait in retryAfter.
func (l *limiter) spend(acct, addr string, weight, orders int, now time.Time) (s spent, err *api.Error, retryAfter int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, secs := l.banned(addr, now); e != nil {
		return l.snapshot(acct), e, secs
	}
	u := l.counts[acct]
	if u == nil {
		u = &usage{}
		l.counts[acct] = u
	}
	sec := now.Unix()
	u.roll(sec)
	u.weight += weight
	switch {
	case u.weight > l.cfg.Weight1m:
		err = &api.Error{Code: api.CodeTooManyRequests, HTTPStatus: http.StatusTooManyRequests,
			Msg: "Too much request weight used; current limit is " + strconv.Itoa(l.cfg.Weight1m) +
				" request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API."}
		retryAfter = int(u.minute + 60 - sec)
	case orders > 0 && u.orders10+orders > l.cfg.Orders10s:
		err = &api.Error{Code: api.CodeTooManyOrders, HTTPStatus: http.StatusTooManyRequests,
			Msg: "Too many new orders; current limit is " + strconv.Itoa(l.cfg.Orders10s) + " orders per 10 SECOND."}
		retryAfter = int(u.tenSec + 10 - sec)
	case orders > 0 && u.ordersD+orders > l.cfg.Orders1d:
		err = &api.Error{Code: api.CodeTooManyOrders, HTTPStatus: http.StatusTooManyRequests,
			Msg: "Too many new orders; current limit is " + strconv.Itoa(l.cfg.Orders1d) + " orders per 1 DAY."}
		retryAfter = int(u.day + 86400 - sec)
	default:
		u.orders10 += orders
		u.ordersD += orders
	}
	if err != nil && l.told(addr, now, max(retryAfter, 1)) {
		e, secs := l.banned(addr, now)
		return l.snapshot(acct), e, secs
	}
	return l.snapshot(acct), err, max(retryAfter, 1)
}

// banned answers 418 while addr is banned. The caller holds mu.
func (l *limiter) banned(addr string, now time.Time) (*api.Error, int) {
	off := l.naughty[addr]
	if off == nil || !now.Before(off.bannedUntil) {
		return nil, 0
	}
	e := &api.Error{Code: api.CodeTooManyRequests, HTTPStatus: http.StatusTeapot,
		Msg: "Way too many requests; IP(" + addr + ") banned until " + strconv.FormatInt(off.bannedUntil.UnixMilli(), 10) +
			". Please use the websocket for live updates to avoid bans."}
	return e, int(off.bannedUntil.Sub(now).Seconds()) + 1
}

// inFlight is how long after a window's first 429 a request may still
// arrive without counting against the client: a client that pipelines
// (the WebSocket API answers out of order, REST pools send in parallel)
// has requests on the wire that it sent before it could know.
const inFlight = 250 * time.Millisecond

// told records a 429 answered to addr with a Retry-After of secs. A 429
// to a request that came while an earlier Retry-After still ran, more
// than inFlight after the window's first 429, is the client not backing
// off: the BanAfter-th within BanFor bans addr for
// BanFor, and told reports it so that this request is answered 418. The
// caller holds mu.
func (l *limiter) told(addr string, now time.Time, secs int) (bannedNow bool) {
	off := l.naughty[addr]
	if off == nil {
		off = &offender{}
		l.naughty[addr] = off
	}
	if !now.Before(off.retryUntil) {
		off.windowFrom = now // a new window
	} else if now.Sub(off.windowFrom) > inFlight {
		if now.Sub(off.since) > l.cfg.BanFor {
			off.since, off.n = now, 0
		}
		off.n++
		if off.n >= l.cfg.BanAfter {
			off.bannedUntil, off.n = now.Add(l.cfg.BanFor), 0
			l.log.Warn("client address banned (418): it kept sending into its Retry-After", "addr", addr,
				"for", l.cfg.BanFor, "window_from", off.windowFrom, "retry_until", off.retryUntil)
			return true
		}
		l.log.Info("429 to a client not backing off", "addr", addr, "count", off.n, "ban_after", l.cfg.BanAfter,
			"into_window", now.Sub(off.windowFrom))
	}
	if until := now.Add(time.Duration(secs) * time.Second); until.After(off.retryUntil) {
		off.retryUntil = until
	}
	return false
}

// faultRetryAfter is the Retry-After, in seconds, of a 429 the http-429
// fault answers.
const faultRetryAfter = 1

// refused answers a request the http-429 fault refuses: 418 when it is
// the ban's (see banned), else 429 with Retry-After faultRetryAfter,
// recorded as any 429 is.
func (l *limiter) refused(addr string, now time.Time) (*api.Error, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, secs := l.banned(addr, now); e != nil {
		return e, secs
	}
	if l.told(addr, now, faultRetryAfter) {
		return l.banned(addr, now)
	}
	return &api.Error{Code: api.CodeTooManyRequests, HTTPStatus: http.StatusTooManyRequests,
		Msg: "Too many requests; fault injected. Please back off."}, faultRetryAfter
}

// roll starts the windows that sec is past.
func (u *usage) roll(sec int64) {
	if m := sec - sec%60; m != u.minute {
		u.minute, u.weight = m, 0
	}
	if t := sec - sec%10; t != u.tenSec {
		u.tenSec, u.orders10 = t, 0
	}
	if d := sec - sec%86400; d != u.day {
		u.day, u.ordersD = d, 0
	}
}

// orderCounts is acct's order counts in the current windows with their
// limits, as GET /api/v3/rateLimit/order answers them.
func (l *limiter) orderCounts(acct string, now time.Time) []api.WSRateLimit {
	l.mu.Lock()
	defer l.mu.Unlock()
	var o10, oD int
	if u := l.counts[acct]; u != nil {
		u.roll(now.Unix())
		o10, oD = u.orders10, u.ordersD
	}
	return []api.WSRateLimit{
		{RateLimitType: "ORDERS", Interval: "SECOND", IntervalNum: 10, Limit: l.cfg.Orders10s, Count: o10},
		{RateLimitType: "ORDERS", Interval: "DAY", IntervalNum: 1, Limit: l.cfg.Orders1d, Count: oD},
	}
}

func (l *limiter) snapshot(acct string) spent {
	u := l.counts[acct]
	if u == nil {
		return spent{}
	}
	return spent{u.weight, u.orders10, u.ordersD}
}

// headers sets the REST rate-limit headers.
func (s spent) headers(h http.Header, orders bool) {
	h.Set(api.HeaderUsedWeightPrefix+"1M", strconv.Itoa(s.weight))
	if orders {
		h.Set(api.HeaderOrderCountPrefix+"10S", strconv.Itoa(s.orders10))
		h.Set(api.HeaderOrderCountPrefix+"1D", strconv.Itoa(s.ordersD))
	}
}

// wsLimits is the WebSocket API's rateLimits.
func (l *limiter) wsLimits(s spent, orders bool) []api.WSRateLimit {
	out := []api.WSRateLimit{{RateLimitType: "REQUEST_WEIGHT", Interval: "MINUTE", IntervalNum: 1,
		Limit: l.cfg.Weight1m, Count: s.weight}}
	if orders {
		out = append(out,
			api.WSRateLimit{RateLimitType: "ORDERS", Interval: "SECOND", IntervalNum: 10, Limit: l.cfg.Orders10s, Count: s.orders10},
			api.WSRateLimit{RateLimitType: "ORDERS", Interval: "DAY", IntervalNum: 1, Limit: l.cfg.Orders1d, Count: s.ordersD})
	}
	return out
}

package binance

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

// defaultRetryAfter is how long new orders stop after a 429 or 418 that
// said nothing of when to come back: the rest of Binance's weight minute.
const defaultRetryAfter = time.Minute

// rates holds the venue's last statement of the account's rate-limit use
// and the refusal window of its last 429 or 418.
//
// RateUse and the gate checks read an atomic pointer and never block;
// mu serialises the writers, which copy, change and publish.
type rates struct {
	mu  sync.Mutex
	cur atomic.Pointer[domain.RateUse]
}

func (r *rates) load() domain.RateUse {
	if p := r.cur.Load(); p != nil {
		return *p
	}
	return domain.RateUse{}
}

func (r *rates) update(f func(u *domain.RateUse)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u := r.load()
	f(&u)
	r.cur.Store(&u)
}

// noteHTTP records one REST answer's rate-limit headers and, on a 429 or
// 418, the window in which the venue refuses requests.
func (r *rates) noteHTTP(h http.Header, status int, now time.Time) {
	rl := api.ParseRateLimits(h, now)
	r.update(func(u *domain.RateUse) {
		if rl.UsedWeight1m >= 0 || rl.OrderCount10s >= 0 || rl.OrderCount1d >= 0 {
			u.At = now.UnixNano()
		}
		if rl.UsedWeight1m >= 0 {
			u.Weight1m = int64(rl.UsedWeight1m)
		}
		if rl.OrderCount10s >= 0 {
			u.Orders10s = int64(rl.OrderCount10s)
		}
		if rl.OrderCount1d >= 0 {
			u.Orders1d = int64(rl.OrderCount1d)
		}
		if status == http.StatusTooManyRequests || status == http.StatusTeapot {
			refuse(u, status, now, rl.RetryAfter)
		}
	})
}

// noteWS records a WebSocket API answer's rateLimits and, on a 429 or
// 418, the refusal window: the error's data.retryAfter (Unix ms) when
// it has one.
func (r *rates) noteWS(resp *api.WSResponse, now time.Time) {
	if len(resp.RateLimits) == 0 && resp.Status != http.StatusTooManyRequests && resp.Status != http.StatusTeapot {
		return
	}
	r.update(func(u *domain.RateUse) {
		for _, l := range resp.RateLimits {
			u.At = now.UnixNano()
			switch {
			case l.RateLimitType == "REQUEST_WEIGHT" && l.Interval == "MINUTE" && l.IntervalNum == 1:
				u.Weight1m = int64(l.Count)
			case l.RateLimitType == "ORDERS" && l.Interval == "SECOND" && l.IntervalNum == 10:
				u.Orders10s = int64(l.Count)
			case l.RateLimitType == "ORDERS" && l.Interval == "DAY" && l.IntervalNum == 1:
				u.Orders1d = int64(l.Count)
			}
		}
		if resp.Status == http.StatusTooManyRequests || resp.Status == http.StatusTeapot {
			var wait time.Duration
			if resp.Error != nil && len(resp.Error.Data) > 0 {
				var d struct {
					RetryAfter int64 `json:"retryAfter"`
				}
				if json.Unmarshal(resp.Error.Data, &d) == nil && d.RetryAfter > 0 {
					wait = time.UnixMilli(d.RetryAfter).Sub(now)
				}
			}
			refuse(u, resp.Status, now, wait)
		}
	})
}

// refuse extends the refusal window to now+wait (defaultRetryAfter when
// the venue did not say); a 418 replaces a 429, never the reverse while
// the ban lasts.
func refuse(u *domain.RateUse, status int, now time.Time, wait time.Duration) {
	if wait <= 0 {
		wait = defaultRetryAfter
	}
	until := now.Add(wait).UnixNano()
	banned := u.Status == http.StatusTeapot && u.RetryUntil > now.UnixNano()
	if banned && status != http.StatusTeapot {
		return
	}
	u.RetryUntil = max(until, u.RetryUntil)
	u.Status = status
}

// refusesOrders reports whether new orders and replaces must wait: a 429
// or 418 window is open. They are refused locally rather than sent, so
// that a storm of 429s never becomes a 418.
func (r *rates) refusesOrders(now time.Time) bool {
	return r.load().RetryUntil > now.UnixNano()
}

// refusesCancels reports whether the IP is banned (418): even cancels
// would be refused. During a 429 window cancels are held and sent when it
// closes (sender).
func (r *rates) refusesCancels(now time.Time) bool {
	u := r.load()
	return u.Status == http.StatusTeapot && u.RetryUntil > now.UnixNano()
}

// syncOrderCounts asks the venue how many orders the account has placed
// in the current windows (GET /api/v3/rateLimit/order) before the
// session counts as up, so that RateUse, and the engine's budget with it,
// starts from what the account already spent (by a desk that restarted
// within the window, or another program) rather than from zero. A venue
// that does not answer it leaves RateUse as it was; the order answers'
// headers correct it soon enough.
func (v *Venue) syncOrderCounts(ctx context.Context) {
	body, err := v.rest(ctx, http.MethodGet, api.PathRateLimitOrder, nil, true, true)
	if err != nil {
		v.log.Debug("binance: order counts not read", "err", err)
		return
	}
	var counts []api.WSRateLimit
	if err := json.Unmarshal(body, &counts); err != nil {
		v.log.Debug("binance: order counts malformed", "err", err)
		return
	}
	now := time.Now()
	v.rates.update(func(u *domain.RateUse) {
		for _, c := range counts {
			switch {
			case c.RateLimitType != "ORDERS":
				continue
			case c.Interval == "SECOND" && c.IntervalNum == 10:
				u.Orders10s = int64(c.Count)
			case c.Interval == "DAY" && c.IntervalNum == 1:
				u.Orders1d = int64(c.Count)
			default:
				continue
			}
			u.At = now.UnixNano()
		}
	})
}

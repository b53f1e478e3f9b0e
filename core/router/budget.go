package router

import "time"

// Limits are a venue account's rate limits, the ones Binance-style venues
// publish: orders placed per 10 seconds and per day, and request weight
// per minute. Zero means no limit.
type Limits struct {
	Orders10s int64
	Orders1d  int64
	Weight1m  int64
}

// The weight of each request, as Binance spot counts them: a new order,
// a cancel and a cancel-replace weigh 1 each.
const (
	WeightOrder   = 1
	WeightCancel  = 1
	WeightReplace = 1
)

// window is a fixed-interval counter, reset at each multiple of its
// length in Unix time, as the venue's own counters are.
type window struct {
	length int64 // ns
	limit  int64 // 0: none
	start  int64 // the current interval's start, unix ns
	used   int64
}

func (w *window) roll(now int64) {
	// Inside the current interval, as nearly every call is, there is
	// nothing to divide.
	if w.length > 0 && (now < w.start || now-w.start >= w.length) {
		if s := now - now%w.length; s != w.start {
			w.start, w.used = s, 0
		}
	}
}

func (w *window) fits(now, n int64) bool {
	w.roll(now)
	return w.limit == 0 || w.used+n <= w.limit
}

// Budget is one venue account's rate budget, spent by the engine for every
// strategy that trades on the account: the router sends a new order only
// to a venue whose budget affords it, so fifty strategies on one account
// never earn a 429. Cancels are always sent and always spent: a cancel
// must never wait for budget.
type Budget struct {
	orders10s, orders1d, weight1m window
	// refusedUntil is when the venue stops refusing the account's
	// requests (a 429 or 418's Retry-After), unix ns; 0: it does not.
	refusedUntil int64
}

// NewBudget returns the budget for l.
func NewBudget(l Limits) Budget {
	return Budget{
		orders10s: window{length: int64(10 * time.Second), limit: l.Orders10s},
		orders1d:  window{length: int64(24 * time.Hour), limit: l.Orders1d},
		weight1m:  window{length: int64(time.Minute), limit: l.Weight1m},
	}
}

// Affords reports whether orders new orders of weight weight fit now.
func (b *Budget) Affords(now, orders, weight int64) bool {
	if now < b.refusedUntil {
		return false
	}
	return b.orders10s.fits(now, orders) && b.orders1d.fits(now, orders) && b.weight1m.fits(now, weight)
}

// Spend counts orders and weight as sent now, whether or not they fit:
// what was sent was sent.
func (b *Budget) Spend(now, orders, weight int64) {
	for _, w := range []*window{&b.orders10s, &b.orders1d} {
		w.roll(now)
		w.used += orders
	}
	b.weight1m.roll(now)
	b.weight1m.used += weight
}

// Observe takes the venue's own count of the account's use, stated at
// at (unix ns; Binance's X-MBX-USED-WEIGHT-1M and X-MBX-ORDER-COUNT-*
// headers), and raises each window's use to it when the statement is of
// the current interval: requests desk did not count (another program on
// the account, queries by the venue adapter, a restart within the
// interval) then hold back desk's orders too. A count lower than desk's is
// kept as desk's: its own sends may not have reached the venue yet.
func (b *Budget) Observe(now, at, orders10s, orders1d, weight1m int64) {
	for _, o := range []struct {
		w    *window
		used int64
	}{{&b.orders10s, orders10s}, {&b.orders1d, orders1d}, {&b.weight1m, weight1m}} {
		o.w.roll(now)
		if o.w.length > 0 && at >= o.w.start && at-o.w.start < o.w.length && o.used > o.w.used {
			o.w.used = o.used
		}
	}
}

// RefuseUntil makes the budget afford no new order before until (unix
// ns): the venue said so (HTTP 429 or 418 with Retry-After), whatever
// desk's own count says. Cancels are still spent and sent.
func (b *Budget) RefuseUntil(until int64) { b.refusedUntil = max(b.refusedUntil, until) }

// BudgetUse is a budget's use in the current intervals, with its limits.
type BudgetUse struct {
	Limits
	Orders10s, Orders1d, Weight1m int64 // used
}

// Use returns the budget's use as of now.
func (b *Budget) Use(now int64) BudgetUse {
	for _, w := range []*window{&b.orders10s, &b.orders1d, &b.weight1m} {
		w.roll(now)
	}
	return BudgetUse{
		Limits:    Limits{Orders10s: b.orders10s.limit, Orders1d: b.orders1d.limit, Weight1m: b.weight1m.limit},
		Orders10s: b.orders10s.used, Orders1d: b.orders1d.used, Weight1m: b.weight1m.used,
	}
}

package risk

import "github.com/desk-trading/desk/core/domain"

// LimitUse is one limit of a node and how much of it is used now, both in
// the key's unit (see Key.Unit): a quantity at Instrument's scale for
// max_position, Money for exposure and loss keys, a count otherwise.
type LimitUse struct {
	Key         Key
	Instrument  domain.InstrumentID // max_position's instrument nearest its limit
	Limit, Used int64
}

// Ratio is Used/Limit: 0.73 for 73% of the limit.
func (u *LimitUse) Ratio() float64 {
	if u.Limit == 0 {
		return 0
	}
	return float64(u.Used) / float64(u.Limit)
}

// Unit is what a limit's value counts.
type Unit uint8

// Units of the keys.
const (
	UnitCount        Unit = iota // orders, messages, rejects, milliseconds
	UnitQty                      // base units of an instrument
	UnitMoney                    // quote money
	UnitHundredthBps             // price_collar_bps, in hundredths of a basis point
)

// Unit returns what k's value counts.
func (k Key) Unit() Unit {
	switch k {
	case MaxOrderQty, MaxPosition:
		return UnitQty
	case MaxOrderNotional, MaxGrossExposure, MaxNetExposure, MaxDailyLoss, MaxDrawdown:
		return UnitMoney
	case PriceCollarBps:
		return UnitHundredthBps
	}
	return UnitCount
}

// Use appends to dst the use of each limit set on n itself, in key order,
// at engine time now, and returns it. Inherited limits are an ancestor's
// own and show in its Use, against its totals, as Check applies them.
// Per-order limits (max_order_qty, max_order_notional, price_collar_bps,
// duplicate_window_ms) hold nothing standing and are left out.
//
// max_position is the instrument nearest its limit, used as Check counts
// it: |position plus the working orders on the side that grows it|.
// max_orders_per_sec and max_messages_per_sec are the tokens taken from
// their bucket that have not refilled yet (a full bucket is 0 used).
// max_daily_loss is the loss since the UTC day began (0 when in profit),
// max_drawdown the drop from the day's high-water mark, and the
// per-minute keys the count of the sliding minute.
//
// It allocates nothing when dst has room.
func (t *Tree) Use(n *Node, now int64, dst []LimitUse) []LimitUse {
	w := &n.whole
	if u, ok := n.positionUse(); ok {
		dst = append(dst, u)
	}
	add := func(k Key, limit, used int64) {
		if limit > 0 {
			dst = append(dst, LimitUse{Key: k, Limit: limit, Used: used})
		}
	}
	add(MaxGrossExposure, int64(w.maxGross), int64(n.gross))
	add(MaxNetExposure, int64(w.maxNet), int64(n.net.Abs()))
	add(MaxOpenOrders, w.maxOpen, n.open)
	add(MaxOrdersPerSec, n.orders.rate, n.orders.used(now))
	add(MaxMessagesPerSec, n.messages.rate, n.messages.used(now))
	add(MaxDailyLoss, int64(w.maxDailyLoss), max(0, -int64(n.DailyPnL())))
	add(MaxDrawdown, int64(w.maxDrawdn), int64(n.Drawdown()))
	if w.maxRejects > 0 {
		add(MaxRejectsPerMin, w.maxRejects, n.rejects.total(now))
	}
	if w.maxDenials > 0 {
		add(MaxDenialsPerMin, w.maxDenials, n.denials.total(now))
	}
	return dst
}

// positionUse is max_position's use at the instrument nearest its limit,
// and false when no instrument has the limit. Between instruments equally
// near (all flat, say), a strategy's shows one it trades.
func (n *Node) positionUse() (LimitUse, bool) {
	var best LimitUse
	found, bestTraded := false, false
	for i := range n.inst {
		l := n.inst[i].maxPosition
		if l <= 0 {
			continue
		}
		used := max((n.pos[i] + n.buyWork[i]).Abs(), (n.pos[i] - n.sellWork[i]).Abs())
		u := LimitUse{Key: MaxPosition, Instrument: domain.InstrumentID(i), Limit: int64(l), Used: int64(used)}
		traded := i < len(n.trades) && n.trades[i]
		if r, b := u.Ratio(), best.Ratio(); !found || r > b || (r == b && traded && !bestTraded) {
			best, found, bestTraded = u, true, traded
		}
	}
	return best, found
}

// used returns the whole tokens taken from the bucket that have not
// refilled at now, rounded up: 0 for a full bucket, the rate for an empty
// one.
func (b *bucket) used(now int64) int64 {
	if b.rate == 0 {
		return 0
	}
	return (b.capacity() - b.level(now) + second - 1) / second
}

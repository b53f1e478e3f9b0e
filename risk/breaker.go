package risk

import (
	"fmt"
	"sort"

	"github.com/desk-trading/desk/core/domain"
)

// Breaker names a circuit breaker. A tripped breaker imposes its action
// (halted or reduce-only) on its node until an operator resets it.
type Breaker uint8

// Breakers.
const (
	BreakerDailyLoss   Breaker = iota + 1 // loss since the UTC day began over max_daily_loss
	BreakerDrawdown                       // drop from the day's high-water mark over max_drawdown
	BreakerRejectStorm                    // venue rejects in a minute over max_rejects_per_min
	BreakerRateStorm                      // rate-limit denials in a minute over max_denials_per_min
	BreakerStaleData                      // market data stopped for an instrument the strategy trades
	BreakerVenueDown                      // a venue disconnected (trips the firm)
	BreakerJournal                        // the journal failed to write (trips the firm)
	numBreakers
)

var breakerNames = [numBreakers]string{
	"", "daily-loss", "drawdown", "reject-storm", "order-rate-storm", "stale-data", "venue-down", "journal-error",
}

func (b Breaker) String() string {
	if b > 0 && b < numBreakers {
		return breakerNames[b]
	}
	return fmt.Sprintf("breaker(%d)", uint8(b))
}

// ParseBreaker parses a breaker name. It fails with ErrUnknownBreaker.
func ParseBreaker(s string) (Breaker, error) {
	for b := Breaker(1); b < numBreakers; b++ {
		if breakerNames[b] == s {
			return b, nil
		}
	}
	return 0, fmt.Errorf("%q: %w", s, ErrUnknownBreaker)
}

// BreakerAction is what a breaker does when it trips.
type BreakerAction struct {
	Action domain.TradingState // Halted or ReduceOnly
	Cancel bool                // cancel the node's working orders
}

func defaultAction(b Breaker) BreakerAction {
	if b == BreakerVenueDown {
		// The router fails over to the other venues; stop adding risk
		// until someone looks.
		return BreakerAction{Action: domain.ReduceOnly}
	}
	return BreakerAction{Action: domain.Halted, Cancel: true}
}

// Trip is a breaker that just tripped.
type Trip struct {
	Node    *Node
	Breaker Breaker
	Action  domain.TradingState
	Cancel  bool
	Detail  string // e.g. "daily loss 1523.4 over 1500"
}

// breakerSet is a node's tripped breakers and the strongest action among
// them.
type breakerSet struct {
	bits   uint16
	action domain.TradingState // 0 when none tripped
}

func (s *breakerSet) has(b Breaker) bool { return s.bits&(1<<b) != 0 }

// Trips returns the node's tripped breakers in order.
func (n *Node) Trips() []Breaker {
	var out []Breaker
	for b := Breaker(1); b < numBreakers; b++ {
		if n.trips.has(b) {
			out = append(out, b)
		}
	}
	return out
}

// trip trips b on n at now unless it already is, remembers when and why,
// and appends the trip to t.trips.
func (t *Tree) trip(n *Node, b Breaker, detail string, now int64) {
	if n.trips.has(b) {
		return
	}
	a := t.breakers[b]
	n.tripAt[b] = tripRecord{at: now, detail: detail}
	n.tripActs[b] = a.Action
	n.trips.bits |= 1 << b
	n.trips.action = max(n.trips.action, a.Action)
	t.trips = append(t.trips, Trip{Node: n, Breaker: b, Action: a.Action, Cancel: a.Cancel, Detail: detail})
}

// Trip trips breaker b on node as a journal replay does, without
// evaluating anything: at is when it tripped and detail what it tripped
// with, as journaled. It fails with ErrUnknownNode or ErrUnknownBreaker.
func (t *Tree) Trip(node string, b Breaker, at int64, detail string) error {
	n, ok := t.byName[node]
	if !ok {
		return fmt.Errorf("risk: node %q: %w", node, ErrUnknownNode)
	}
	if b == 0 || b >= numBreakers {
		return fmt.Errorf("risk: %w", ErrUnknownBreaker)
	}
	t.trips = t.trips[:0]
	t.trip(n, b, detail, at)
	return nil
}

// Reset clears breaker b on node (every breaker when b is 0) and returns
// what it cleared. It fails with ErrUnknownNode, or ErrNotTripped when
// nothing was tripped.
func (t *Tree) Reset(node string, b Breaker) ([]Breaker, error) {
	n, ok := t.byName[node]
	if !ok {
		return nil, fmt.Errorf("risk: node %q: %w", node, ErrUnknownNode)
	}
	var cleared []Breaker
	for x := Breaker(1); x < numBreakers; x++ {
		if (b == 0 || b == x) && n.trips.has(x) {
			n.trips.bits &^= 1 << x
			cleared = append(cleared, x)
		}
	}
	if len(cleared) == 0 {
		return nil, fmt.Errorf("risk: %s: %w", node, ErrNotTripped)
	}
	n.trips.action = 0
	for x := Breaker(1); x < numBreakers; x++ {
		if n.trips.has(x) {
			n.trips.action = max(n.trips.action, t.breakers[x].Action)
		}
	}
	if b == 0 || b == BreakerDrawdown || b == BreakerDailyLoss {
		// A reset starts the loss limits afresh from here.
		n.peak = n.PnL()
	}
	sort.Slice(cleared, func(i, j int) bool { return cleared[i] < cleared[j] })
	return cleared, nil
}

// Evaluate checks every node's daily loss and drawdown at engine time now.
// It returns the breakers that tripped now, and the nodes whose day rolled
// over (their new baseline is in DayBase: journal it so a restart keeps
// it). Both slices are reused by the next call.
func (t *Tree) Evaluate(now int64) (trips []Trip, rolled []*Node) {
	t.trips = t.trips[:0]
	t.rolled = t.rolled[:0]
	t.Walk(func(n *Node) {
		if t.rollDay(n, now) {
			t.rolled = append(t.rolled, n)
		}
		n.peak = max(n.peak, n.PnL())
		w := &n.whole
		if loss := -n.DailyPnL(); w.maxDailyLoss > 0 && loss > w.maxDailyLoss {
			t.trip(n, BreakerDailyLoss, fmt.Sprintf("daily loss %s over %s", loss, w.maxDailyLoss), now)
		}
		if dd := n.Drawdown(); w.maxDrawdn > 0 && dd > w.maxDrawdn {
			t.trip(n, BreakerDrawdown, fmt.Sprintf("drawdown %s over %s", dd, w.maxDrawdn), now)
		}
	})
	return t.trips, t.rolled
}

// OnReject counts a venue reject of strategy s's order on its path and
// returns the reject-storm breakers it tripped (reused by the next call).
func (t *Tree) OnReject(s domain.StrategyID, now int64) []Trip {
	t.trips = t.trips[:0]
	t.countStorm(s, now, BreakerRejectStorm, "venue rejects")
	return t.trips
}

// OnDenied counts a denial of strategy s's order; denials for order or
// message rates feed the order-rate-storm breaker. It returns the
// breakers it tripped (reused by the next call).
func (t *Tree) OnDenied(s domain.StrategyID, reason Reason, now int64) []Trip {
	t.trips = t.trips[:0]
	if reason == ReasonOrderRate || reason == ReasonMessageRate {
		t.countStorm(s, now, BreakerRateStorm, "rate-limit denials")
	}
	return t.trips
}

// countStorm counts one event into the sliding minute of every node on s's
// path and trips b where the minute's count exceeds the node's limit.
func (t *Tree) countStorm(s domain.StrategyID, now int64, b Breaker, what string) {
	for n := t.Strategy(s); n != nil; n = n.parent {
		counter, limit := &n.rejects, n.whole.maxRejects
		if b == BreakerRateStorm {
			counter, limit = &n.denials, n.whole.maxDenials
		}
		counter.add(now)
		if limit > 0 {
			if c := counter.total(now); c > limit {
				t.trip(n, b, fmt.Sprintf("%d %s in a minute, over %d", c, what, limit), now)
			}
		}
	}
}

// Stale trips stale-data on every strategy that trades instrument i when
// its market data went stale. Recovery trips nothing and resets nothing:
// an operator resets. It returns the trips (reused by the next call).
func (t *Tree) Stale(i domain.InstrumentID, stale bool, now int64) []Trip {
	t.trips = t.trips[:0]
	if !stale || int(i) >= len(t.instruments) {
		return t.trips
	}
	for _, n := range t.strategies {
		if n != nil && n.trades[i] {
			t.trip(n, BreakerStaleData, fmt.Sprintf("market data for %s is stale", t.instruments[i].Symbol), now)
		}
	}
	return t.trips
}

// VenueDown trips venue-down on the firm.
func (t *Tree) VenueDown(venue string, now int64) []Trip {
	t.trips = t.trips[:0]
	t.trip(t.firm, BreakerVenueDown, fmt.Sprintf("venue %s disconnected", venue), now)
	return t.trips
}

// JournalFailed trips journal-error on the firm.
func (t *Tree) JournalFailed(now int64) []Trip {
	t.trips = t.trips[:0]
	t.trip(t.firm, BreakerJournal, "the journal failed to write", now)
	return t.trips
}

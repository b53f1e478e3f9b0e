package engine

import (
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/router"
	"github.com/desk-trading/desk/risk"
)

// Snapshot is the engine's state as it publishes it every
// SnapshotInterval and after each operator command: domain values only,
// read from the engine's own state on its goroutine. It is immutable once
// published (every slice in it is the snapshot's own); readers must not
// modify it. Formatting, display names and display order are the
// renderer's (package core/wire), with the static names of Engine.Names.
type Snapshot struct {
	Time time.Time // the engine clock
	Firm NodeSnapshot
	// Books are the books the strategies name, in the order the first
	// strategy of each appears in Strategies.
	Books []BookSnapshot
	// Strategies are in StrategyID order.
	Strategies []StrategySnapshot
	// Venues are in VenueID order, unused ids left out.
	Venues []VenueSnapshot
	// Latency has the stages with samples since start, in hot-path order;
	// LatencyWindow is the length of their Recent window.
	Latency       []StageLatency
	LatencyWindow time.Duration
	// LatencyCounts are each stage's samples since trading started, by
	// Stage, counted in buckets (for Prometheus's cumulative histograms).
	LatencyCounts [numStages]LatencyCounts
	Journal       JournalHealth
	// Counters for monitoring: the venues' rejects by venue and reason,
	// the breakers' trips by node and breaker, since start, each in the
	// order it first came; and the engine's inbound queues as captured.
	Rejects []RejectCount
	Trips   []TripCount
	Queues  QueueDepths
	// UncleanStart is Options.UncleanStart.
	UncleanStart bool
	// viewVersion is the view version that holds every order this
	// snapshot counts; queries wait for it.
	viewVersion uint64
}

// NodeSnapshot is a risk node's effective trading state, its tripped
// breakers (nil when none; in breaker order) and its totals; who last set
// its own state, its trips in full, and the use of each of its limits.
type NodeSnapshot struct {
	State    domain.TradingState
	Breakers []risk.Breaker
	Totals   Totals
	// Changed is the last change of the node's own state by an operator
	// (or the runtime halting a failed strategy); Who is empty when there
	// was none since start. A breaker's effect is in Trips.
	Changed risk.Change
	// Trips are the tripped breakers with when and why; nil when none.
	Trips []risk.TripRecord
	// Use is each limit set on the node and its use now (risk.Tree.Use);
	// nil when none is set.
	Use []risk.LimitUse
}

// Totals are counters and P&L summed over a node's strategies.
type Totals struct {
	Realized, Unrealized domain.Money
	OpenOrders           int
	OrdersSent, Fills    int64
}

func (t *Totals) add(o *Totals) {
	t.Realized = domain.AddMoney(t.Realized, o.Realized)
	t.Unrealized = domain.AddMoney(t.Unrealized, o.Unrealized)
	t.OpenOrders += o.OpenOrders
	t.OrdersSent += o.OrdersSent
	t.Fills += o.Fills
}

// BookSnapshot is one book. InTree is false for a book name the risk tree
// does not hold, whose State and Breakers are then zero.
type BookSnapshot struct {
	ID     string
	InTree bool
	NodeSnapshot
}

// StrategySnapshot is one strategy; Name, Kind and Book are its slot's.
type StrategySnapshot struct {
	ID               domain.StrategyID
	Name, Kind, Book string
	NodeSnapshot
	// Positions are those that ever had a fill, in the order of their
	// first fills.
	Positions []PositionSnapshot
	// Denials counts the strategy's orders and replaces refused (by risk,
	// the router or the engine) since start, and after a restart the
	// journaled denials of the orders before it (a denied replace is not
	// journaled); LastDenial is the latest one's reason as the audit
	// spells it, LastDenialAt its time (engine clock, unix ns; 0: none).
	Denials      int64
	LastDenial   string
	LastDenialAt int64
	// LastOrder is when the strategy last sent an order (unix ns; 0:
	// never).
	LastOrder int64
	// Cancels counts the cancels sent for its orders since start, by it
	// or an operator; DenialsBy its denials by reason, in the order each
	// reason first came (those restored from the journal included).
	Cancels   int64
	DenialsBy []ReasonCount
	// TickToOrderP99 is the p99 of the strategy's tick-to-order latency
	// over the last complete latency window, in ns; 0 when it sent
	// nothing then.
	TickToOrderP99 int64
}

// ReasonCount is how many times something happened for one reason.
type ReasonCount struct {
	Reason string
	Count  int64
}

// RejectCount is how many orders a venue rejected for one reason.
type RejectCount struct {
	Venue  domain.VenueID
	Reason string
	Count  int64
}

// TripCount is how many times a breaker tripped on a node.
type TripCount struct {
	Node    string
	Breaker risk.Breaker
	Count   int64
}

// QueueDepths are the events waiting in the engine's inbound queues.
type QueueDepths struct {
	Books, Reports, Intents, Commands int
}

// PositionSnapshot is a strategy's holding in one instrument, its mark
// (zero when the instrument has none) and the unrealized P&L at the mark
// (zero without one).
type PositionSnapshot struct {
	Instrument domain.InstrumentID
	Position   domain.Position
	Mark       domain.Price
	Unrealized domain.Money
}

// VenueSnapshot is one venue and whether the router sees it connected.
type VenueSnapshot struct {
	ID        domain.VenueID
	Name      string
	Connected bool
	Feed      *domain.FeedStats // nil when the venue's slot has no FeedReporter
	// Budget is the venue account's rate budget use in the current
	// intervals; nil when it has no limits.
	Budget *router.BudgetUse
	// Execution is the slot's: "live", "paper" or "sim".
	Execution string
	// Reconciling is set while desk reconciles with the venue; Reconciled
	// is when it last finished (unix ns; 0: never).
	Reconciling bool
	Reconciled  int64
	// RateUse is what the venue last said of its rate limits; nil for a
	// venue that is no RateReporter.
	RateUse *domain.RateUse
	// External and Balances are as of the last reconciliation.
	External []domain.ExternalOrder
	Balances []BalanceCheck
}

// snapPlan is the static shape of every snapshot, fixed in New: the
// strategies in StrategyID order, the books they name, and where each
// strategy's figures go.
type snapPlan struct {
	strats []*strategy
	index  []int32 // snapshot index by StrategyID; -1 where unused
	bookOf []int   // book index by snapshot index
	books  []string
	nodes  []*risk.Node // by book index; nil when not in the tree
	counts []int        // scratch: positions per strategy, reused by capture
}

func newSnapPlan(strats []*strategy, tree *risk.Tree) snapPlan {
	p := snapPlan{index: make([]int32, len(strats))}
	seen := map[string]int{}
	for id, s := range strats {
		p.index[id] = -1
		if s == nil {
			continue
		}
		p.index[id] = int32(len(p.strats))
		p.strats = append(p.strats, s)
		b, ok := seen[s.Book]
		if !ok {
			b = len(p.books)
			seen[s.Book] = b
			p.books = append(p.books, s.Book)
			n, _ := tree.Node(s.Book)
			p.nodes = append(p.nodes, n)
		}
		p.bookOf = append(p.bookOf, b)
	}
	p.counts = make([]int, len(p.strats))
	return p
}

func (p *snapPlan) at(id domain.StrategyID) int {
	if int(id) < len(p.index) {
		return int(p.index[id])
	}
	return -1
}

func (e *Engine) strategyName(id domain.StrategyID) string {
	if st := e.strategy(id); st != nil {
		return st.Name
	}
	if n := e.risk.Strategy(id); n != nil {
		return n.Name()
	}
	return "unknown"
}

// observeRates lets what venue id says it counted of its account's rate
// limits (RateReporter) raise the budget's count: one budget per account,
// whoever spent it. It returns what the venue said; nil for a venue that
// says nothing.
func (e *Engine) observeRates(id domain.VenueID) *domain.RateUse {
	rr, ok := e.venues[id].(RateReporter)
	if !ok {
		return nil
	}
	u := rr.RateUse()
	if u.At != 0 || u.RetryUntil != 0 {
		e.router.ObserveUse(id, e.now, u.At, u.Orders10s, u.Orders1d, u.Weight1m, u.RetryUntil)
	}
	return &u
}

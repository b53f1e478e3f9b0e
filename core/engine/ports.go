package engine

import (
	"context"

	"github.com/desk-trading/desk/core/domain"
)

// Venue is an execution venue as the engine sees it: a connection that takes
// orders and cancels. Execution reports come back on the engine's report
// queue (Options.Reports, or Engine.Reports).
//
// Every method is called from the engine goroutine and must not block: it
// copies what it needs from the order and queues it for the venue's writer.
// When the queue is full it returns an error, and the engine rejects the
// order (or keeps the cancel in flight) rather than wait.
type Venue interface {
	// Submit sends a new order. o.Venue is already this venue.
	Submit(o *domain.Order) error
	// Cancel asks the venue to cancel what is left of o.
	Cancel(o *domain.Order) error
	// Replace asks the venue to change o's price and total quantity.
	Replace(o *domain.Order, price domain.Price, qty domain.Qty) error
}

// The optional ports below are what a venue over a network adds to
// Venue; the engine and the daemon look for each with a type assertion,
// in the manner of bbgo's and NautilusTrader's exchange interfaces, so a
// venue implements only what it can answer. The in-process simulator
// implements them too. Their methods are called off the engine goroutine
// (by reconciliation) unless they say otherwise, and may block on the
// network until ctx is done.

// SessionReporter is a venue whose session can drop and come back.
type SessionReporter interface {
	// Session reports whether the session is up (orders can be sent and
	// reports arrive) and how many times it has come up since start. A
	// new generation means the venue reconnected: what happened while it
	// was away is known only after reconciliation, which must finish
	// before the venue's strategies trade on it again.
	Session() (up bool, generation uint64)
}

// OpenOrderLister is a venue that can say which of desk's orders it holds.
// Reconcile uses it when the venue is no OrderHistory.
type OpenOrderLister interface {
	OpenOrders(ctx context.Context) ([]domain.OrderID, error)
}

// OrderHistory is a venue that can list every order it holds under desk's
// ids, live or recently ended (a networked venue: open orders, and those
// of the last day), each with every report it issued about it
// (domain.VenueOrder). Reconcile prefers it to OpenOrderLister: the venue
// is the source of truth for what it received.
type OrderHistory interface {
	Orders(ctx context.Context) ([]domain.VenueOrder, error)
}

// OrderQuerier is a venue that answers the status of one order.
type OrderQuerier interface {
	// QueryOrder returns the venue's record of o (found by its client
	// order id), with a report for each thing the venue says happened to
	// it: the ack or reject, every fill (with its trade id), a replace,
	// the final state. It fails with domain.ErrNotAtVenue only when the
	// venue certainly does not hold o and never will; any other failure
	// leaves o's outcome unknown, and o stays as it is.
	QueryOrder(ctx context.Context, o domain.Order) (domain.VenueOrder, error)
}

// ExternalOrderLister is a venue that lists the open orders of desk's
// account that are not desk's (domain.ExternalOrder).
type ExternalOrderLister interface {
	ExternalOrders(ctx context.Context) ([]domain.ExternalOrder, error)
}

// BalanceReporter is a venue that reports its account's balances, which
// reconciliation compares with desk's positions.
type BalanceReporter interface {
	Balances(ctx context.Context) ([]domain.Balance, error)
}

// RateReporter is a venue that relays the rate-limit use its venue
// reports. RateUse is called from the engine goroutine at every snapshot
// and must not block.
type RateReporter interface {
	RateUse() domain.RateUse
}

// FeedReporter is a venue's market-data feed as the status shows it.
// FeedStats is called from the engine goroutine at every snapshot
// publication (at most every SnapshotInterval and after commands), so it
// must be cheap and must not block: counters read atomically.
type FeedReporter interface {
	FeedStats() domain.FeedStats
}

// Journal is the durable event log.
//
// Append is called from the engine goroutine for every order change, fill,
// denial and audit record, and must not block for disk I/O: it gives ev
// the next sequence number (ev.Seq) and queues it for a group commit,
// blocking only when its bounded queue is full. A write failure is
// reported asynchronously through the callback the journal was built
// with (the engine then halts the firm, Engine.JournalFailed); the journal
// keeps taking events meanwhile and holds them until it can write.
//
// WaitDurable is called from the goroutines that answer operators, never
// from the engine's: it returns once the event seq is durable, at once
// with an error while the journal cannot write, or with ctx's error.
type Journal interface {
	Append(ev *domain.Event) error
	WaitDurable(ctx context.Context, seq uint64) error
}

// StrategyHost runs one strategy instance in its own goroutine. The engine
// calls its methods from the engine goroutine; they must never block.
// Market data may be conflated per instrument when the strategy lags; order
// updates and fills must never be dropped.
type StrategyHost interface {
	// OnBook delivers a venue's book for an instrument the strategy trades.
	OnBook(b *domain.BookUpdate)
	// OnOrder delivers an order of this strategy after it changed.
	OnOrder(o *domain.Order)
	// OnFill delivers a fill of an order of this strategy, and the
	// strategy's position in the instrument after it (the ledger's).
	OnFill(f *domain.Fill, position domain.Qty)
	// OnState tells the strategy its effective trading state changed.
	OnState(s domain.TradingState)
	// OnRestore gives the strategy its position in an instrument as rebuilt
	// from the journal. It is called only before Run, from FinishRestore.
	OnRestore(i domain.InstrumentID, q domain.Qty)
}

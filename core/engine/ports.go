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

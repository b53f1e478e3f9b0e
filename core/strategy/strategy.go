package strategy

import (
	"time"

	"github.com/desk-trading/desk/core/domain"
)

// Strategy is what a strategy author implements. OnBook is the only required
// method: a strategy reacts to market data. Everything else is an optional
// capability, a separate interface the Host finds by type assertion once, in
// NewHost: implement Starter, OrderHandler, FillHandler, TimerHandler or
// StateHandler only when the strategy needs them.
//
// Every method is called from the strategy's own goroutine, one at a time,
// never concurrently, so a strategy needs no locks for its own state. Methods
// should return quickly: while one runs, books for the strategy are conflated
// and its order and fill events queue up (see HostOptions.MaxBacklog).
type Strategy interface {
	// OnBook is called when a venue's book changed for an instrument the
	// strategy trades. Books are conflated: when the strategy lags, it sees
	// only the latest book per (venue, instrument). b is owned by the Host
	// and valid until OnBook returns; copy it to keep it.
	OnBook(ctx *Context, b *domain.BookUpdate)
}

// Starter is implemented by strategies that prepare before trading: read
// their instruments, convert parameters to fixed-point, place initial
// orders. OnStart is called once, before any other callback. An error ends
// Host.Run and is reported through HostOptions.OnFailure.
type Starter interface {
	OnStart(ctx *Context) error
}

// OrderHandler is implemented by strategies that follow their orders' life.
// OnOrder is called for every change of one of the strategy's orders, in
// the order the engine reported them, never dropped. The Context's open
// orders already reflect o when it is called. o is valid until OnOrder
// returns.
type OrderHandler interface {
	OnOrder(ctx *Context, o *domain.Order)
}

// FillHandler is implemented by strategies that react to their fills.
// OnFill is called for every fill of one of the strategy's orders, in order,
// never dropped. Context.Position already includes f when it is called. f is
// valid until OnFill returns.
type FillHandler interface {
	OnFill(ctx *Context, f *domain.Fill)
}

// TimerHandler is implemented by strategies that act on time rather than
// (or as well as) market data. OnTimer is called every
// HostOptions.TimerInterval of wall time; now is the Host's clock. Ticks
// missed while the strategy was busy are dropped, not queued.
type TimerHandler interface {
	OnTimer(ctx *Context, now time.Time)
}

// StateHandler is implemented by strategies that react when their trading
// state changes (for example to pull resting quotes when halted). OnState
// is called in order with the other events. Context.State may already
// report a later state: it always reports the latest one the engine
// announced.
type StateHandler interface {
	OnState(ctx *Context, s domain.TradingState)
}

package strategy

import (
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/desk-trading/desk/core/domain"
)

// OrderSpec describes a new order for Context.Place.
type OrderSpec struct {
	Instrument domain.InstrumentID
	Side       domain.Side
	Type       domain.OrderType // zero means Limit
	// TIF zero means the type's default (domain.DefaultTIF): IOC for a
	// Market order, which may not rest, and GTC for any other. A Market
	// order given any TIF but IOC or FOK is refused.
	TIF        domain.TimeInForce
	Price      domain.Price // limit price: Limit and StopLimit only, on tick
	StopPrice  domain.Price // trigger: Stop and StopLimit only, on tick
	Qty        domain.Qty   // > 0, a multiple of the lot size
	PostOnly   bool         // Limit only, not with IOC or FOK
	ReduceOnly bool
	ExpireAt   time.Time // GTD only, and then after Context.Now
}

// Place sends a new order and returns its id at once; the id comes from
// HostOptions.NextID and the intent goes to HostOptions.Submit. The order
// is among OpenOrders from then on, in state new until the engine reports
// it (bound to a Ledger, in the engine's state once the engine has taken
// it): a denial by risk arrives later through OnOrder as state rejected.
//
// Place fails without sending anything, and before an id is allocated,
// when spec is not a valid order: ErrUnknownInstrument, or ErrBadOrder for
// any rule of domain.ValidateOrder (the error wraps its *domain.OrderError
// too), checked against Now. It fails with Submit's error when the engine
// has stopped. It does not check State: the engine refuses what the
// trading state forbids.
func (c *Context) Place(spec OrderSpec) (domain.OrderID, error) {
	i, ok := instrumentIndex(c.index, spec.Instrument)
	if !ok {
		return 0, fmt.Errorf("place: instrument %d: %w", spec.Instrument, ErrUnknownInstrument)
	}
	in := &c.instruments[i]
	if spec.Type == 0 {
		spec.Type = domain.Limit
	}
	if spec.TIF == 0 {
		spec.TIF = domain.DefaultTIF(spec.Type)
	}
	var expire int64
	if !spec.ExpireAt.IsZero() {
		expire = spec.ExpireAt.UnixNano()
	}
	c.intent = domain.Intent{
		Kind: domain.IntentNew, Strategy: c.id, Instrument: spec.Instrument,
		Side: spec.Side, Type: spec.Type, TIF: spec.TIF,
		PostOnly: spec.PostOnly, ReduceOnly: spec.ReduceOnly,
		Price: spec.Price, StopPrice: spec.StopPrice, Qty: spec.Qty, ExpireAt: expire,
	}
	now := c.clock().UnixNano()
	// Validated before the id is allocated: an invalid order gets no id and
	// the strategy learns of it here, not from a rejection later.
	if err := domain.ValidateOrder(&c.intent, in, now); err != nil {
		return 0, fmt.Errorf("%w: place %s: %w", ErrBadOrder, in.Symbol, err)
	}
	id := c.nextID()
	c.intent.ID = id
	c.stamp()
	if err := c.submit(&c.intent); err != nil {
		return 0, fmt.Errorf("place %s %s %s: %w", in.Symbol, spec.Side, in.FormatQty(spec.Qty), err)
	}
	o := domain.Order{
		ID: id, Strategy: c.id, Instrument: spec.Instrument,
		Side: spec.Side, Type: spec.Type, TIF: spec.TIF, State: domain.StateNew,
		PostOnly: spec.PostOnly, ReduceOnly: spec.ReduceOnly,
		Price: spec.Price, StopPrice: spec.StopPrice, Qty: spec.Qty,
		ExpireAt: expire, Created: now,
	}
	if c.ledger != nil {
		c.ledger.placed = append(c.ledger.placed, o)
	} else {
		c.open[i] = append(c.open[i], o)
	}
	return id, nil
}

// Buy places a good-till-canceled limit order to buy qty at price. See
// Place.
func (c *Context) Buy(instrument domain.InstrumentID, qty domain.Qty, price domain.Price) (domain.OrderID, error) {
	return c.Place(OrderSpec{Instrument: instrument, Side: domain.Buy, Qty: qty, Price: price})
}

// Sell places a good-till-canceled limit order to sell qty at price. See
// Place.
func (c *Context) Sell(instrument domain.InstrumentID, qty domain.Qty, price domain.Price) (domain.OrderID, error) {
	return c.Place(OrderSpec{Instrument: instrument, Side: domain.Sell, Qty: qty, Price: price})
}

// Cancel asks the engine to cancel what is left of working order id. The
// order shows as pending-cancel until the engine reports the outcome
// through OnOrder (bound to a Ledger, once the engine has taken the
// cancel, when the callback returns). Cancel fails with ErrUnknownOrder when id is not one of
// the strategy's working orders, and with Submit's error when the engine
// has stopped. Cancels pass risk in every trading state.
func (c *Context) Cancel(id domain.OrderID) error {
	o := c.find(id)
	if o == nil {
		return fmt.Errorf("cancel %s: %w", id, ErrUnknownOrder)
	}
	c.intent = domain.Intent{
		Kind: domain.IntentCancel, ID: id, Strategy: c.id, Instrument: o.Instrument, Side: o.Side,
	}
	c.stamp()
	if err := c.submit(&c.intent); err != nil {
		return fmt.Errorf("cancel %s: %w", id, err)
	}
	if c.owns(o) {
		o.State = domain.StatePendingCancel
	}
	return nil
}

// Replace asks the engine to change working order id to price and a new
// total quantity qty (which includes what has already filled, so it must
// exceed Filled). The order shows as pending-replace, with PendingPrice and
// PendingQty set, until the engine reports the outcome (bound to a Ledger,
// once the engine has taken the replace, as for Cancel). Replace fails with
// ErrUnknownOrder when id is not working, ErrBadOrder for any rule of
// domain.ValidateReplace (a replace that changes nothing included), and
// with Submit's error when the engine has stopped.
func (c *Context) Replace(id domain.OrderID, price domain.Price, qty domain.Qty) error {
	o := c.find(id)
	if o == nil {
		return fmt.Errorf("replace %s: %w", id, ErrUnknownOrder)
	}
	in, _ := c.InstrumentByID(o.Instrument)
	if err := domain.ValidateReplace(o, price, qty, in); err != nil {
		return fmt.Errorf("%w: replace %s: %w", ErrBadOrder, id, err)
	}
	c.intent = domain.Intent{
		Kind: domain.IntentReplace, ID: id, Strategy: c.id, Instrument: o.Instrument,
		Side: o.Side, Type: o.Type, TIF: o.TIF, PostOnly: o.PostOnly, ReduceOnly: o.ReduceOnly,
		Price: price, StopPrice: o.StopPrice, Qty: qty, ExpireAt: o.ExpireAt,
	}
	c.stamp()
	if err := c.submit(&c.intent); err != nil {
		return fmt.Errorf("replace %s: %w", id, err)
	}
	if c.owns(o) {
		o.State, o.PendingPrice, o.PendingQty = domain.StatePendingReplace, price, qty
	}
	return nil
}

// stamp copies the stamps of the book being delivered into the intent and
// marks the decision time, so latency is measured from the venue to the
// strategy's decision and on.
func (c *Context) stamp() {
	c.intent.Stamps = domain.Stamps{
		Received: c.trigger.Received,
		Decoded:  c.trigger.Decoded,
		Decided:  domain.Mono(),
	}
}

// OpenOrders iterates over the strategy's working orders in instrument,
// oldest first, without allocating:
//
//	for o := range ctx.OpenOrders(in.ID) {
//		...
//	}
//
// An order placed during the loop is not visited. Each *Order is valid
// until the callback returns; copy it to keep it, and do not change it
// (bound to a Ledger, it is the engine's own). Working means placed and
// not yet reported filled, canceled, rejected or expired.
func (c *Context) OpenOrders(instrument domain.InstrumentID) iter.Seq[*domain.Order] {
	// Small enough to inline, so that the closure stays on the caller's
	// stack.
	return func(yield func(*domain.Order) bool) { c.eachOpen(instrument, yield) }
}

// eachOpen is OpenOrders.
func (c *Context) eachOpen(instrument domain.InstrumentID, yield func(*domain.Order) bool) {
	i, ok := instrumentIndex(c.index, instrument)
	switch {
	case !ok:
	case c.ledger != nil:
		v := c.ledger
		start := v.orders(instrument)
		end := len(v.found)
		for k := start; k < end; k++ {
			// Indexed afresh: a read inside the loop may grow found.
			if !yield(v.found[k]) {
				break
			}
		}
		v.found = v.found[:start]
	default:
		orders := c.open[i] // an order placed in the loop is not visited
		for k := range orders {
			if !yield(&orders[k]) {
				return
			}
		}
	}
}

// OpenOrderCount returns the number of the strategy's working orders in
// instrument.
func (c *Context) OpenOrderCount(instrument domain.InstrumentID) int {
	i, ok := instrumentIndex(c.index, instrument)
	switch {
	case !ok:
		return 0
	case c.ledger != nil:
		v := c.ledger
		start := v.orders(instrument)
		n := len(v.found) - start
		v.found = v.found[:start]
		return n
	}
	return len(c.open[i])
}

// Order returns working order id of this strategy, ok false when it is not
// working (never placed, or already filled, canceled, rejected or
// expired). It is valid until the callback returns.
func (c *Context) Order(id domain.OrderID) (*domain.Order, bool) {
	o := c.find(id)
	return o, o != nil
}

func (c *Context) find(id domain.OrderID) *domain.Order {
	if id == 0 {
		return nil
	}
	if c.ledger != nil {
		return c.ledger.order(id)
	}
	for i := range c.open {
		for k := range c.open[i] {
			if c.open[i][k].ID == id {
				return &c.open[i][k]
			}
		}
	}
	return nil
}

// owns reports whether o, from find, is the Context's own copy, which it
// may change, rather than the engine's.
func (c *Context) owns(o *domain.Order) bool { return c.ledger == nil || c.ledger.own(o) }

// applyOrder updates the working orders from an engine report: a terminal
// order leaves them, any other replaces its copy or, for an order placed
// outside this Host (before a restart), joins them. Called before the
// strategy sees o.
func (c *Context) applyOrder(o *domain.Order) {
	i, ok := instrumentIndex(c.index, o.Instrument)
	if !ok {
		return
	}
	orders := c.open[i]
	for k := range orders {
		if orders[k].ID == o.ID {
			if o.State.Terminal() {
				c.open[i] = slices.Delete(orders, k, k+1)
			} else {
				orders[k] = *o
			}
			return
		}
	}
	if !o.State.Terminal() {
		c.open[i] = append(orders, *o)
	}
}

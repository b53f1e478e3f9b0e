package client

import (
	"context"
	"fmt"

	"github.com/desk-trading/desk/core/protocol"
)

// SubscribeOrders starts the daemon's orders stream on the subscription:
// after Subscribe, Orders envelopes (Type protocol.TypeOrders) arrive on
// its channel, the first a Reset holding every working order and the
// finished most recently finished ones (0 means 500, the most is 5000),
// then at most ten a second each order changed since, at its latest state,
// and the ids the daemon forgot. Keep them with ApplyOrders. A reader that
// lags gets the pending updates folded into one, never fewer orders. Call
// it again to start over from a Reset. It fails with ErrNotSubscribed
// before Subscribe, and as Call does (a daemon without the stream answers
// CodeUnknownCmd).
func (c *Conn) SubscribeOrders(ctx context.Context, finished int) error {
	c.mu.Lock()
	sub := c.sub
	c.mu.Unlock()
	if sub == nil {
		return fmt.Errorf("%s: %w: call Subscribe first", protocol.CmdOrdersSubscribe, ErrNotSubscribed)
	}
	return c.Call(ctx, protocol.CmdOrdersSubscribe, protocol.OrdersSubscribeArgs{Finished: finished}, nil)
}

// ApplyOrders applies one update of the orders stream to held, the orders
// by client order id, and returns it (a new map when held is nil or u is a
// Reset): a Reset replaces everything held with u.Orders; otherwise each of
// u.Orders replaces the order of its id or is added; then each id of
// u.Gone is removed.
func ApplyOrders(held map[string]protocol.Order, u *protocol.OrdersUpdate) map[string]protocol.Order {
	if held == nil || u.Reset {
		held = make(map[string]protocol.Order, len(u.Orders))
	}
	for _, o := range u.Orders {
		held[o.ClientOrderID] = o
	}
	for _, id := range u.Gone {
		delete(held, id)
	}
	return held
}

// foldOrders folds u into p, an update not yet delivered, so that applying
// p alone does what applying p and then u does: a Reset replaces p; an
// order replaces p's of its id and is no longer gone; a gone id removes
// p's order of that id and joins p's Gone. Orders stay oldest first: an
// order that changed again moves to the end. p and u are the caller's to
// change.
func foldOrders(p, u *protocol.OrdersUpdate) {
	if u.Reset {
		*p = *u
		return
	}
	gone := make(map[string]bool, len(u.Gone))
	for _, id := range u.Gone {
		gone[id] = true
	}
	last := make(map[string]int, len(u.Orders)) // index of each id's latest in u.Orders
	for i, o := range u.Orders {
		last[o.ClientOrderID] = i
	}
	kept := p.Orders[:0]
	for _, o := range p.Orders {
		if _, again := last[o.ClientOrderID]; !again && !gone[o.ClientOrderID] {
			kept = append(kept, o)
		}
	}
	clear(p.Orders[len(kept):]) // no stale orders held past the end
	for i, o := range u.Orders {
		if last[o.ClientOrderID] == i && !gone[o.ClientOrderID] {
			kept = append(kept, o)
		}
	}
	p.Orders = kept
	p.Gone = foldGone(p.Gone, u.Gone, last)
}

// foldGone returns pending's gone ids less those re-added (in readded),
// then each of gone not already there.
func foldGone(pending, gone []string, readded map[string]int) []string {
	seen := make(map[string]bool, len(pending)+len(gone))
	kept := pending[:0]
	for _, id := range pending {
		if _, again := readded[id]; !again {
			kept = append(kept, id)
			seen[id] = true
		}
	}
	for _, id := range gone {
		if !seen[id] {
			kept = append(kept, id)
			seen[id] = true
		}
	}
	return kept
}

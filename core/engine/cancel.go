package engine

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// Audit actions of the operator's cancels. They change no risk state, so
// Restore reads them back as history only.
const (
	actionCancel    = "cancel"
	actionCancelAll = "cancel-all"
)

// CancelResult is the answer to Cancel and CancelAll: the node (CancelAll's;
// the order's strategy for Cancel), the orders a cancel is on its way for
// (sent, queued for retry, or waiting for a replace to resolve) in the
// order they were sent, and the wait for durability. Each order's end
// arrives later, with the venue's answer.
type CancelResult struct {
	Node       string
	Orders     []domain.OrderID
	CommitWait time.Duration
}

// Cancel cancels one working order, named by its client order id, on
// behalf of who, and journals an audit record of it with why. It fails
// with ErrUnknownOrder for an id the engine does not hold (never sent, or
// finished long enough ago to be forgotten), and ErrOrderDone, naming the
// state, for an order already finished. An order whose cancel is already
// on its way is answered with no order in Orders. It answers like
// SetState: once the records are durable, or with ErrNotDurable.
func (e *Engine) Cancel(ctx context.Context, clientOrderID, who, why string) (CancelResult, error) {
	id, err := domain.ParseOrderID(clientOrderID)
	if err != nil {
		return CancelResult{}, fmt.Errorf("engine: cancel %q: %w", clientOrderID, ErrUnknownOrder)
	}
	v, wait, err := e.do(ctx, &command{kind: cmdCancel, payload: id, who: who, why: why})
	r, _ := v.(CancelResult)
	r.CommitWait = wait
	return r, err
}

// CancelAll cancels every working order of every strategy under node on
// behalf of who, and leaves every trading state as it is: the strategies
// may place new orders at once. It fails with ErrUnknownNode, and answers
// like SetState.
func (e *Engine) CancelAll(ctx context.Context, node, who, why string) (CancelResult, error) {
	v, wait, err := e.do(ctx, &command{kind: cmdCancelAll, node: node, who: who, why: why})
	r, _ := v.(CancelResult)
	r.CommitWait = wait
	return r, err
}

// cancelOne is Cancel on the engine goroutine. The audit record is
// journaled before the cancel, as a kill's is.
func (e *Engine) cancelOne(id domain.OrderID, who, why string) (CancelResult, error) {
	o, ok := e.oms.Get(id)
	if !ok {
		return CancelResult{}, fmt.Errorf("engine: cancel %s: %w", id, ErrUnknownOrder)
	}
	node := e.strategyName(o.Strategy)
	if o.State.Terminal() {
		return CancelResult{}, fmt.Errorf("order %s is already %s: %w", id, o.State, ErrOrderDone)
	}
	e.audit1(node, actionCancel, who, o.State.String(), id.String(), why)
	r := CancelResult{Node: node}
	if e.requestCancel(o) {
		r.Orders = append(r.Orders, id)
	}
	e.publish()
	return r, nil
}

// cancelAll is CancelAll on the engine goroutine.
func (e *Engine) cancelAll(node, who, why string) (CancelResult, error) {
	n, ok := e.risk.Node(node)
	if !ok {
		return CancelResult{}, fmt.Errorf("%q: %w", node, ErrUnknownNode)
	}
	e.audit1(node, actionCancelAll, who, "", strconv.Itoa(n.OpenOrders())+" working", why)
	ids := e.cancelUnder(n, nil)
	e.alert("warning", node, fmt.Sprintf("%s: cancels sent for %d working orders by %s", node, len(ids), who))
	e.publish()
	return CancelResult{Node: node, Orders: ids}, nil
}

// cancelUnder sends a cancel for every working order of every strategy
// under n, appends to ids each order a cancel is on its way for (sent,
// queued for retry, or waiting for a replace to resolve) and returns it;
// orders already pending cancel are not counted again. Kill, breakers that
// cancel and CancelAll all cancel through it.
func (e *Engine) cancelUnder(n *risk.Node, ids []domain.OrderID) []domain.OrderID {
	e.oms.Working(func(o *domain.Order) bool {
		if e.risk.Covers(n, o.Strategy) && e.requestCancel(o) {
			ids = append(ids, o.ID)
		}
		return true
	})
	return ids
}

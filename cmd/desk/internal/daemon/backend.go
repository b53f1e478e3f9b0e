package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/core/server"
	"github.com/desk-trading/desk/core/wire"
	"github.com/desk-trading/desk/risk"
)

// backend answers the socket's commands from the engine, rendering its
// domain-typed answers with core/wire.
type backend struct {
	eng *engine.Engine
	// status is the last snapshot rendered and its rendering: Status
	// renders each engine snapshot once, whoever asks first, and hands
	// every later caller the same *protocol.Status.
	status atomic.Pointer[renderedStatus]
}

type renderedStatus struct {
	snap *engine.Snapshot
	st   *protocol.Status
}

// Status returns the engine's latest snapshot rendered: an atomic load
// when it is rendered already, and a new pointer per snapshot.
func (b *backend) Status() *protocol.Status {
	snap := b.eng.Snapshot()
	if snap == nil {
		return nil
	}
	old := b.status.Load()
	if old != nil && old.snap == snap {
		return old.st
	}
	r := &renderedStatus{snap: snap, st: wire.Status(snap, b.eng.Names())}
	if b.status.CompareAndSwap(old, r) {
		return r.st
	}
	// Another caller stored one meanwhile: share it when it is this
	// snapshot's, so one snapshot has one pointer.
	if cur := b.status.Load(); cur != nil && cur.snap == snap {
		return cur.st
	}
	return r.st
}

// OrdersSince serves the conflated orders stream (server.OrderStreamer)
// from the engine's view: what changed after cursor, rendered as the
// orders query renders orders, and the cursor to pass next. It never
// waits for the engine.
func (b *backend) OrdersSince(ctx context.Context, cursor uint64, finished int) (protocol.OrdersUpdate, uint64, error) {
	if err := ctx.Err(); err != nil {
		return protocol.OrdersUpdate{}, cursor, fmt.Errorf("orders stream: %w", err)
	}
	u, next := b.eng.OrdersSince(cursor, finished)
	return wire.OrdersUpdate(u, b.eng.Names()), next, nil
}

// Query reports the commands that only read what the engine published.
func (b *backend) Query(cmd string) bool {
	switch cmd {
	case protocol.CmdOrders, protocol.CmdLimitsGet, protocol.CmdAudit:
		return true
	}
	return false
}

func (b *backend) Do(ctx context.Context, peer server.Peer, cmd string, args json.RawMessage) (any, error) {
	switch cmd {
	case protocol.CmdOrders:
		var a protocol.OrdersArgs
		if len(args) > 0 {
			if err := json.Unmarshal(args, &a); err != nil || a.Limit < 0 {
				return nil, badArgs(cmd, `{"limit": N, "after": CURSOR}`)
			}
		}
		p, err := b.eng.Orders(ctx, a.After, a.Limit)
		return wrap(render(p, err, func(p engine.OrdersPage) protocol.Orders { return wire.Orders(p, b.eng.Names()) }))
	case protocol.CmdHalt, protocol.CmdResume, protocol.CmdReduceOnly:
		var a protocol.NodeArgs
		if err := json.Unmarshal(args, &a); err != nil || a.Node == "" {
			return nil, badArgs(cmd, `{"node": NAME}`)
		}
		state := domain.Halted
		switch cmd {
		case protocol.CmdResume:
			state = domain.Active
		case protocol.CmdReduceOnly:
			state = domain.ReduceOnly
		}
		r, err := b.eng.SetState(ctx, a.Node, state, peer.String(), a.Why)
		return wrap(render(r, err, wire.Ack))
	case protocol.CmdKill:
		var a protocol.NodeArgs
		if err := json.Unmarshal(args, &a); err != nil || a.Node == "" {
			return nil, badArgs(cmd, `{"node": NAME}`)
		}
		r, err := b.eng.Kill(ctx, a.Node, peer.String(), a.Why)
		return wrap(render(r, err, wire.KillResult))
	case protocol.CmdCancel:
		var a protocol.CancelArgs
		if err := json.Unmarshal(args, &a); err != nil || a.ClientOrderID == "" {
			return nil, badArgs(cmd, `{"client_order_id": ID}`)
		}
		r, err := b.eng.Cancel(ctx, a.ClientOrderID, peer.String(), a.Why)
		return wrap(render(r, err, wire.CancelResult))
	case protocol.CmdCancelAll:
		var a protocol.NodeArgs
		if err := json.Unmarshal(args, &a); err != nil || a.Node == "" {
			return nil, badArgs(cmd, `{"node": NAME}`)
		}
		r, err := b.eng.CancelAll(ctx, a.Node, peer.String(), a.Why)
		return wrap(render(r, err, wire.CancelResult))
	case protocol.CmdReset:
		var a protocol.ResetArgs
		if err := json.Unmarshal(args, &a); err != nil || a.Node == "" {
			return nil, badArgs(cmd, `{"node": NAME, "breaker": NAME}`)
		}
		r, err := b.eng.Reset(ctx, a.Node, a.Breaker, peer.String(), a.Why)
		return wrap(render(r, err, wire.ResetResult))
	case protocol.CmdLimitsGet:
		var a protocol.NodeArgs
		if len(args) > 0 {
			if err := json.Unmarshal(args, &a); err != nil {
				return nil, badArgs(cmd, `{"node": NAME}`)
			}
		}
		l, err := b.eng.Limits(ctx, a.Node)
		return wrap(render(l, err, wire.Limits))
	case protocol.CmdLimitsSet:
		var a protocol.LimitsSetArgs
		if err := json.Unmarshal(args, &a); err != nil || a.Node == "" || a.Key == "" || a.Value == "" {
			return nil, badArgs(cmd, `{"node": NAME, "key": KEY, "value": DECIMAL, "scope": "", "why": TEXT}`)
		}
		edit := engine.LimitEdit{Node: a.Node, Scope: a.Scope, Key: a.Key, Value: a.Value, Why: a.Why, DryRun: a.DryRun}
		r, err := b.eng.SetLimit(ctx, edit, peer.String())
		return wrap(render(r, err, wire.LimitsSetResult))
	case protocol.CmdAudit:
		var a protocol.AuditArgs
		if len(args) > 0 {
			if err := json.Unmarshal(args, &a); err != nil {
				return nil, badArgs(cmd, `{"node": NAME, "limit": N}`)
			}
		}
		recs, err := b.eng.Audit(ctx, a.Node, a.Limit)
		return wrap(render(recs, err, func(r []engine.AuditRecord) protocol.AuditResult { return wire.Audit(r, b.eng.Names()) }))
	default:
		return nil, &protocol.Error{Code: protocol.CodeUnknownCmd, Message: fmt.Sprintf("unknown command %q", cmd)}
	}
}

func badArgs(cmd, want string) *protocol.Error {
	return &protocol.Error{Code: protocol.CodeBadRequest, Message: cmd + ": args must be " + want}
}

// render converts an engine answer to its protocol message with f, only
// when there is no error: an error is answered with the error alone.
func render[T, W any](v T, err error, f func(T) W) (W, error) {
	if err != nil {
		var zero W
		return zero, err
	}
	return f(v), nil
}

// wrap turns engine errors into protocol errors a client can act on.
func wrap[T any](v T, err error) (any, error) {
	switch {
	case err == nil:
		return v, nil
	case errors.Is(err, engine.ErrNotDurable):
		return nil, &protocol.Error{Code: protocol.CodeNotDurable, Message: "the command took effect, but the journal could not make it durable, so a restart now would undo it: " + err.Error()}
	case errors.Is(err, engine.ErrJournalDown):
		return nil, &protocol.Error{Code: protocol.CodeRefused, Message: err.Error()}
	case errors.Is(err, engine.ErrUnknownNode), errors.Is(err, risk.ErrUnknownNode), errors.Is(err, engine.ErrUnknownOrder):
		return nil, &protocol.Error{Code: protocol.CodeNotFound, Message: err.Error()}
	case errors.Is(err, engine.ErrBadCommand), errors.Is(err, risk.ErrBadValue), errors.Is(err, risk.ErrUnknownKey),
		errors.Is(err, risk.ErrAboveCap), errors.Is(err, risk.ErrBadScope), errors.Is(err, risk.ErrUnknownBreaker):
		return nil, &protocol.Error{Code: protocol.CodeBadRequest, Message: err.Error()}
	case errors.Is(err, risk.ErrNotTripped), errors.Is(err, engine.ErrOrderDone):
		return nil, &protocol.Error{Code: protocol.CodeRefused, Message: err.Error()}
	case errors.Is(err, engine.ErrStopped):
		return nil, &protocol.Error{Code: protocol.CodeRefused, Message: "the engine is stopping"}
	case errors.Is(err, context.DeadlineExceeded):
		return nil, &protocol.Error{Code: protocol.CodeTimeout, Message: err.Error()}
	default:
		return nil, &protocol.Error{Code: protocol.CodeInternal, Message: err.Error()}
	}
}

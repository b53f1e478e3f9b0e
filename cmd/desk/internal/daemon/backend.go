package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/core/server"
	"github.com/desk-trading/desk/risk"
)

// backend answers the socket's commands from the engine.
type backend struct{ eng *engine.Engine }

func (b *backend) Status() *protocol.Status { return b.eng.Status() }

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
		return wrap(b.eng.Orders(ctx, a))
	case protocol.CmdHalt, protocol.CmdResume:
		var a protocol.NodeArgs
		if err := json.Unmarshal(args, &a); err != nil || a.Node == "" {
			return nil, badArgs(cmd, `{"node": NAME}`)
		}
		state := domain.Halted
		if cmd == protocol.CmdResume {
			state = domain.Active
		}
		return wrap(b.eng.SetState(ctx, a.Node, state, peer.String(), a.Why))
	case protocol.CmdKill:
		var a protocol.NodeArgs
		if err := json.Unmarshal(args, &a); err != nil || a.Node == "" {
			return nil, badArgs(cmd, `{"node": NAME}`)
		}
		return wrap(b.eng.Kill(ctx, a.Node, peer.String(), a.Why))
	case protocol.CmdReset:
		var a protocol.ResetArgs
		if err := json.Unmarshal(args, &a); err != nil || a.Node == "" {
			return nil, badArgs(cmd, `{"node": NAME, "breaker": NAME}`)
		}
		return wrap(b.eng.Reset(ctx, a.Node, a.Breaker, peer.String(), a.Why))
	case protocol.CmdLimitsGet:
		var a protocol.NodeArgs
		if len(args) > 0 {
			if err := json.Unmarshal(args, &a); err != nil {
				return nil, badArgs(cmd, `{"node": NAME}`)
			}
		}
		return wrap(b.eng.Limits(ctx, a.Node))
	case protocol.CmdLimitsSet:
		var a protocol.LimitsSetArgs
		if err := json.Unmarshal(args, &a); err != nil || a.Node == "" || a.Key == "" || a.Value == "" {
			return nil, badArgs(cmd, `{"node": NAME, "key": KEY, "value": DECIMAL, "scope": "", "why": TEXT}`)
		}
		return wrap(b.eng.SetLimit(ctx, a, peer.String()))
	case protocol.CmdAudit:
		var a protocol.AuditArgs
		if len(args) > 0 {
			if err := json.Unmarshal(args, &a); err != nil {
				return nil, badArgs(cmd, `{"node": NAME, "limit": N}`)
			}
		}
		return wrap(b.eng.Audit(ctx, a.Node, a.Limit))
	default:
		return nil, &protocol.Error{Code: protocol.CodeUnknownCmd, Message: fmt.Sprintf("unknown command %q", cmd)}
	}
}

func badArgs(cmd, want string) *protocol.Error {
	return &protocol.Error{Code: protocol.CodeBadRequest, Message: cmd + ": args must be " + want}
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
	case errors.Is(err, engine.ErrUnknownNode), errors.Is(err, risk.ErrUnknownNode):
		return nil, &protocol.Error{Code: protocol.CodeNotFound, Message: err.Error()}
	case errors.Is(err, engine.ErrBadCommand), errors.Is(err, risk.ErrBadValue), errors.Is(err, risk.ErrUnknownKey),
		errors.Is(err, risk.ErrAboveCap), errors.Is(err, risk.ErrBadScope), errors.Is(err, risk.ErrUnknownBreaker):
		return nil, &protocol.Error{Code: protocol.CodeBadRequest, Message: err.Error()}
	case errors.Is(err, risk.ErrNotTripped):
		return nil, &protocol.Error{Code: protocol.CodeRefused, Message: err.Error()}
	case errors.Is(err, engine.ErrStopped):
		return nil, &protocol.Error{Code: protocol.CodeRefused, Message: "the engine is stopping"}
	case errors.Is(err, context.DeadlineExceeded):
		return nil, &protocol.Error{Code: protocol.CodeTimeout, Message: err.Error()}
	default:
		return nil, &protocol.Error{Code: protocol.CodeInternal, Message: err.Error()}
	}
}

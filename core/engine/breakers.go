package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
	"github.com/shopspring/decimal"
)

// Audit actions the engine journals for the risk tree. Restore reads them
// back, so their spelling is part of the journal format.
const (
	actionHalt       = "halt"
	actionResume     = "resume"
	actionReduceOnly = "reduce-only"
	actionKill       = "kill"
	actionLimit      = "limit"
	actionBreaker    = "breaker"
	actionReset      = "reset"
	actionDayStart   = "day-start"
	actionReconcile  = "reconcile"
)

// evaluate runs the time-driven breakers (daily loss, drawdown) and
// journals each node's new day baseline.
func (e *Engine) evaluate() {
	if d := e.risk.Drift(); d > e.driftSeen {
		e.driftSeen = d
		e.alert("critical", risk.FirmNode, fmt.Sprintf("risk released more working quantity than was working (%d times): a bug; working-order limits may read low", d))
	}
	trips, rolled := e.risk.Evaluate(e.now)
	for _, n := range rolled {
		d, base := n.DayBase()
		e.audit1(n.Name(), actionDayStart, "engine", "", strconv.FormatInt(d, 10)+" "+base.String(), "P&L baseline for the UTC day")
	}
	e.handleTrips(trips)
}

// handleTrips journals and announces breakers that just tripped, cancels
// the working orders of nodes whose breaker says so, and tells the
// strategies their new states.
func (e *Engine) handleTrips(trips []risk.Trip) {
	if len(trips) == 0 {
		return
	}
	// The slice is the tree's and is reused by the next breaker call,
	// which cancelling below may make.
	pending := append([]risk.Trip(nil), trips...)
	for _, t := range pending {
		node := t.Node.Name()
		e.countTrip(node, t.Breaker)
		e.audit1(node, actionBreaker, "breaker", "", t.Breaker.String(), t.Detail)
		msg := fmt.Sprintf("breaker %s tripped on %s: %s; %s", t.Breaker, node, t.Detail, t.Action)
		if t.Cancel {
			msg += fmt.Sprintf("; canceling %d working orders", len(e.cancelUnder(t.Node, nil)))
		}
		e.alert("critical", node, msg)
	}
	e.notifyStates()
	e.publish()
}

// countTrip counts a trip of breaker b on node.
func (e *Engine) countTrip(node string, b risk.Breaker) {
	for k := range e.trips {
		if t := &e.trips[k]; t.Node == node && t.Breaker == b {
			t.Count++
			return
		}
	}
	e.trips = append(e.trips, TripCount{Node: node, Breaker: b, Count: 1})
}

// kill halts node and cancels every working order under it.
func (e *Engine) kill(node, who, why string) (KillResult, error) {
	n, ok := e.risk.Node(node)
	if !ok {
		return KillResult{}, fmt.Errorf("%q: %w", node, ErrUnknownNode)
	}
	old, err := e.risk.SetStateBy(node, risk.Change{State: domain.Halted, Who: who, Why: why, At: e.now})
	if err != nil {
		return KillResult{}, err
	}
	// The halt is in force before the first cancel leaves, and journaled
	// before them.
	e.audit1(node, actionKill, who, old.String(), domain.Halted.String(), why)
	e.notifyStates()
	canceled := len(e.cancelUnder(n, nil))
	e.alert("critical", node, fmt.Sprintf("%s killed by %s: halted, %d working orders canceled", node, who, canceled))
	e.publish()
	return KillResult{Node: node, State: n.Effective(), Canceled: canceled}, nil
}

// reset clears a node's tripped breakers (all when breaker is empty). It
// is refused while the journal is down: the journal breaker's cause still
// holds, and no other reset may open trading without a journal.
func (e *Engine) reset(node, breaker, who, why string) (ResetResult, error) {
	if e.journalDown {
		return ResetResult{}, fmt.Errorf("reset %s: %w: events are held in memory until it can write; see status", node, ErrJournalDown)
	}
	var b risk.Breaker
	if breaker != "" {
		var err error
		if b, err = risk.ParseBreaker(breaker); err != nil {
			return ResetResult{}, fmt.Errorf("%w: %w", ErrBadCommand, err)
		}
	}
	cleared, err := e.risk.Reset(node, b)
	if err != nil {
		return ResetResult{}, err
	}
	names := make([]string, len(cleared))
	for i, c := range cleared {
		names[i] = c.String()
	}
	e.audit1(node, actionReset, who, strings.Join(names, ","), "", why)
	e.notifyStates()
	n, _ := e.risk.Node(node)
	e.alert("info", node, fmt.Sprintf("%s: %s reset by %s", node, strings.Join(names, ", "), who))
	e.publish()
	return ResetResult{Node: node, Cleared: cleared, State: n.Effective(), Cause: n.Cause(domain.Active)}, nil
}

// audit1 journals one audit record.
func (e *Engine) audit1(node, action, who, old, new, why string) {
	e.ev.Kind = domain.EventAudit
	e.ev.Audit = domain.Audit{Node: node, Action: action, Who: who, Old: old, New: new, Why: why}
	e.journal()
}

// restoreAudit re-applies a journaled action on the risk tree; at is when
// it was journaled.
func (e *Engine) restoreAudit(a *domain.Audit, at int64) {
	var err error
	switch a.Action {
	case actionHalt, actionResume, actionReduceOnly, actionKill:
		var s domain.TradingState
		if s, err = domain.ParseTradingState(a.New); err == nil {
			_, err = e.risk.SetStateBy(a.Node, risk.Change{State: s, Who: a.Who, Why: a.Why, At: at})
		}
	case actionLimit:
		err = e.restoreLimit(a)
	case actionBreaker:
		var b risk.Breaker
		if b, err = risk.ParseBreaker(a.New); err == nil {
			err = e.risk.Trip(a.Node, b, at, a.Why)
		}
	case actionReset:
		for _, name := range strings.Split(a.Old, ",") {
			if b, perr := risk.ParseBreaker(name); perr == nil {
				e.risk.Reset(a.Node, b) // already clear is fine on replay
			}
		}
	case actionDayStart:
		d, base, ok := strings.Cut(a.New, " ")
		day, derr := strconv.ParseInt(d, 10, 64)
		amount, aerr := decimal.NewFromString(base)
		m, merr := domain.MoneyFromDecimal(amount)
		if !ok || derr != nil || aerr != nil || merr != nil {
			err = fmt.Errorf("bad day-start %q", a.New)
			break
		}
		err = e.risk.SetDayBase(a.Node, day, m)
	}
	if err != nil {
		e.log.Warn("journaled risk action not re-applied", "node", a.Node, "action", a.Action, "new", a.New, "err", err)
	}
}

// Kill halts node and cancels every working order under it, on behalf of
// who. When it returns the halt is in force and every cancel has been
// handed to its venue (or queued for retry where a venue queue was full).
// Like SetState it answers once the kill's records are durable, or with
// ErrNotDurable.
func (e *Engine) Kill(ctx context.Context, node, who, why string) (KillResult, error) {
	v, wait, err := e.do(ctx, &command{kind: cmdKill, node: node, who: who, why: why})
	k, _ := v.(KillResult)
	k.CommitWait = wait
	return k, err
}

// KillResult is the answer to Kill: the node, its effective trading state
// after the kill, how many working orders a cancel went out for, and the
// wait for durability.
type KillResult struct {
	Node       string
	State      domain.TradingState
	Canceled   int
	CommitWait time.Duration
}

// Reset clears node's tripped breakers, or only breaker when not empty. It
// fails with ErrJournalDown while the journal cannot write, and answers
// like SetState.
func (e *Engine) Reset(ctx context.Context, node, breaker, who, why string) (ResetResult, error) {
	v, wait, err := e.do(ctx, &command{kind: cmdReset, node: node, key: breaker, who: who, why: why})
	r, _ := v.(ResetResult)
	r.CommitWait = wait
	return r, err
}

// ResetResult is the answer to Reset: the node, the breakers it cleared
// (in breaker order), its effective trading state after, why that state is
// not active when it is not (risk.Node.Cause), and the wait for
// durability.
type ResetResult struct {
	Node       string
	Cleared    []risk.Breaker
	State      domain.TradingState
	Cause      string
	CommitWait time.Duration
}

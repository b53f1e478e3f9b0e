package engine

import (
	"context"
	"fmt"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/protocol"
)

type commandKind uint8

const (
	cmdSetState commandKind = iota + 1
	cmdOrders
	cmdStrategyFailed
	cmdJournalFailed
	cmdVenueState
	cmdFeedStale
	cmdSync
	cmdAudit
	cmdKill
	cmdReset
	cmdLimitsGet
	cmdLimitsSet
)

// command is an operator or supervisor request for the engine goroutine.
type command struct {
	kind  commandKind
	node  string
	state domain.TradingState
	who   string
	why   string
	err   error
	venue domain.VenueID
	instr domain.InstrumentID
	flag  bool
	strat domain.StrategyID
	limit int
	scope string
	key   string
	value string
	reply chan reply // buffered 1: the engine never waits for the asker
}

type reply struct {
	value any
	err   error
}

// do queues c ahead of all market data and waits for its answer.
func (e *Engine) do(ctx context.Context, c *command) (any, error) {
	c.reply = make(chan reply, 1)
	select {
	case e.ctrl <- c:
	case <-e.done:
		return nil, ErrStopped
	case <-ctx.Done():
		return nil, fmt.Errorf("engine: queue command: %w", ctx.Err())
	}
	select {
	case r := <-c.reply:
		return r.value, r.err
	case <-e.done:
		return nil, ErrStopped
	case <-ctx.Done():
		return nil, fmt.Errorf("engine: await command: %w", ctx.Err())
	}
}

// tell queues c without waiting for an answer; used by supervisors
// (strategy hosts, the journal, feeds) whose reports must not be lost.
func (e *Engine) tell(c *command) {
	select {
	case e.ctrl <- c:
	case <-e.done:
	}
}

// SetState sets a node's trading state (halt, resume, reduce-only) on
// behalf of who, journals it with why, and returns the node's new state.
// When it returns, the engine has applied it: no order of the node that is
// processed afterwards can pass risk. It fails with ErrUnknownNode.
func (e *Engine) SetState(ctx context.Context, node string, s domain.TradingState, who, why string) (protocol.Ack, error) {
	v, err := e.do(ctx, &command{kind: cmdSetState, node: node, state: s, who: who, why: why})
	if err != nil {
		return protocol.Ack{}, err
	}
	return v.(protocol.Ack), nil
}

// Orders returns every live order and the most recent finished ones.
func (e *Engine) Orders(ctx context.Context) (protocol.Orders, error) {
	v, err := e.do(ctx, &command{kind: cmdOrders})
	if err != nil {
		return protocol.Orders{}, err
	}
	return v.(protocol.Orders), nil
}

// Audit returns the most recent limit audit entries about node (every node
// when empty; all kept entries when limit <= 0), oldest first.
func (e *Engine) Audit(ctx context.Context, node string, limit int) (protocol.AuditResult, error) {
	v, err := e.do(ctx, &command{kind: cmdAudit, node: node, limit: limit})
	if err != nil {
		return protocol.AuditResult{}, err
	}
	return v.(protocol.AuditResult), nil
}

// Sync returns once every command queued before it has been applied.
func (e *Engine) Sync(ctx context.Context) error {
	_, err := e.do(ctx, &command{kind: cmdSync})
	return err
}

// StrategyFailed halts strategy id after its host reported a panic or a
// stuck strategy. Safe to call from any goroutine.
func (e *Engine) StrategyFailed(id domain.StrategyID, err error) {
	e.tell(&command{kind: cmdStrategyFailed, strat: id, err: err})
}

// JournalFailed halts the firm after the journal reported a write error.
// Safe to call from any goroutine, and it never blocks: the journal calls
// it from its writer, which the engine may itself be waiting on.
func (e *Engine) JournalFailed(err error) {
	go e.tell(&command{kind: cmdJournalFailed, err: err})
}

// VenueState marks a venue connected or not; the router avoids a venue
// that is down. Safe to call from any goroutine.
func (e *Engine) VenueState(id domain.VenueID, connected bool) {
	e.tell(&command{kind: cmdVenueState, venue: id, flag: connected})
}

// FeedStale reports an instrument whose market data from a venue stopped
// (stale true) or resumed. Safe to call from any goroutine.
func (e *Engine) FeedStale(v domain.VenueID, i domain.InstrumentID, stale bool) {
	e.tell(&command{kind: cmdFeedStale, venue: v, instr: i, flag: stale})
}

// command runs c on the engine goroutine.
func (e *Engine) command(c *command) {
	e.now = e.clock().UnixNano()
	var r reply
	switch c.kind {
	case cmdSetState:
		r.value, r.err = e.setState(c.node, c.state, c.who, c.why)
	case cmdOrders:
		r.value = e.orders()
	case cmdSync:
	case cmdAudit:
		r.value = e.auditList(c.node, c.limit)
	case cmdKill:
		r.value, r.err = e.kill(c.node, c.who, c.why)
	case cmdReset:
		r.value, r.err = e.reset(c.node, c.key, c.who, c.why)
	case cmdLimitsGet:
		r.value, r.err = e.limitsGet(c.node)
	case cmdLimitsSet:
		r.value, r.err = e.limitsSet(c)
	case cmdStrategyFailed:
		if st := e.strategy(c.strat); st != nil {
			e.alert("critical", st.Name, fmt.Sprintf("strategy failed and was halted: %v", c.err))
			if _, err := e.setState(st.Name, domain.Halted, "runtime", c.err.Error()); err != nil {
				e.log.Error("halt failed strategy", "strategy", st.Name, "err", err)
			}
		}
	case cmdJournalFailed:
		e.journalFailed(c.err)
	case cmdVenueState:
		e.router.SetConnected(c.venue, c.flag)
		if c.flag {
			e.alert("info", "", fmt.Sprintf("venue %s connected", e.venueName(c.venue)))
		} else {
			e.alert("critical", "", fmt.Sprintf("venue %s disconnected", e.venueName(c.venue)))
			e.handleTrips(e.risk.VenueDown(e.venueName(c.venue), e.now))
		}
		e.publish()
	case cmdFeedStale:
		sym := fmt.Sprintf("instrument-%d", c.instr)
		if int(c.instr) < len(e.opts.Instruments) {
			sym = e.opts.Instruments[c.instr].Symbol
		}
		if c.flag {
			e.alert("warning", "", fmt.Sprintf("market data for %s on %s is stale", sym, e.venueName(c.venue)))
			e.handleTrips(e.risk.Stale(c.instr, true, e.now))
		} else {
			e.alert("info", "", fmt.Sprintf("market data for %s on %s resumed", sym, e.venueName(c.venue)))
		}
	}
	if c.reply != nil {
		c.reply <- r
	}
}

// setState changes a node's state, journals the change with who and why,
// tells every affected strategy and republishes the status at once.
func (e *Engine) setState(node string, s domain.TradingState, who, why string) (protocol.Ack, error) {
	n, ok := e.risk.Node(node)
	if !ok {
		return protocol.Ack{}, fmt.Errorf("%q: %w", node, ErrUnknownNode)
	}
	old, err := e.risk.SetState(node, s)
	if err != nil {
		return protocol.Ack{}, err
	}
	e.audit1(node, actionFor(s), who, old.String(), s.String(), why)
	e.notifyStates()
	if old != s {
		sev := "info"
		if s == domain.Halted {
			sev = "warning"
		}
		e.alert(sev, node, fmt.Sprintf("%s: %s -> %s by %s", node, old, s, who))
	}
	e.publish()
	return protocol.Ack{Node: node, State: n.Effective().String()}, nil
}

func actionFor(s domain.TradingState) string {
	switch s {
	case domain.Halted:
		return actionHalt
	case domain.ReduceOnly:
		return actionReduceOnly
	default:
		return actionResume
	}
}

// notifyStates tells each strategy whose effective state changed.
func (e *Engine) notifyStates() {
	for _, st := range e.strats {
		if st == nil {
			continue
		}
		if s := st.node.Effective(); s != st.lastState {
			st.lastState = s
			st.Host.OnState(s)
		}
	}
}

// journalFailed trips the firm's journal breaker: without a journal no
// order may go out. The trip cannot be journaled; it is alerted, and the
// journal stays down for the rest of the run.
func (e *Engine) journalFailed(err error) {
	if e.journalDown {
		return
	}
	e.journalDown = true
	e.log.Error("journal failed", "err", err)
	e.handleTrips(e.risk.JournalFailed(e.now))
}

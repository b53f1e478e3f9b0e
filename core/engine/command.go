package engine

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

type commandKind uint8

const (
	cmdSetState commandKind = iota + 1
	cmdStrategyFailed
	cmdJournal
	cmdVenueState
	cmdFeedStale
	cmdSync
	cmdKill
	cmdReset
	cmdLimitsSet
	cmdReconcileBegin
	cmdReconcileApply
	cmdCancel
	cmdCancelAll
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
	scope string
	key   string
	value string
	// payload carries a command's data that fits no field above (a
	// reconciliation's venue record).
	payload any
	reply   chan reply // buffered 1: the engine never waits for the asker
}

type reply struct {
	value any
	err   error
	seq   uint64 // the journal sequence of the command's last record; 0 when it journaled none
	view  uint64 // the view version that shows the command's effect; 0 when none
	// status is the capture whose snapshot shows the command: the
	// latest when it answered.
	status uint64
}

// do queues c ahead of all market data, waits for the engine's answer, and
// then, off the engine goroutine, for the durability of every record the
// command journaled: an operator is told "ok" only for what survives a
// crash. It returns the answer and how long the durability wait took.
// When the engine applied the command but the journal cannot make it
// durable, it returns the answer with an error wrapping ErrNotDurable.
func (e *Engine) do(ctx context.Context, c *command) (any, time.Duration, error) {
	c.reply = make(chan reply, 1)
	select {
	case e.ctrl <- c:
	case <-e.done:
		return nil, 0, ErrStopped
	case <-ctx.Done():
		return nil, 0, fmt.Errorf("engine: queue command: %w", ctx.Err())
	}
	var r reply
	select {
	case r = <-c.reply:
	case <-e.done:
		return nil, 0, ErrStopped
	case <-ctx.Done():
		return nil, 0, fmt.Errorf("engine: await command: %w", ctx.Err())
	}
	// The answer is followed by a status read: it must show the command.
	// The snapshot is built while the journal commits.
	if err := e.pub.wait(ctx, r.status); err != nil {
		return r.value, 0, err
	}
	if r.err != nil || r.seq == 0 {
		return r.value, 0, r.err
	}
	start := time.Now()
	if err := e.opts.Journal.WaitDurable(ctx, r.seq); err != nil {
		return r.value, 0, fmt.Errorf("%w: %w", ErrNotDurable, err)
	}
	wait := time.Since(start)
	// The answer is followed by queries (the audit trail, the orders):
	// they must show the command. Each query waits for the view version
	// of the status it follows (viewCaughtUp), and the status waited for
	// above is the command's; only a command that published none waits
	// here. A kill's 1,000 changed orders take the view a while to apply:
	// the operator's answer does not wait for them, the next query does.
	if s := e.status.Load(); s == nil || s.viewVersion < r.view {
		if err := e.view.waitApplied(ctx, r.view); err != nil {
			return r.value, wait, err
		}
	}
	return r.value, wait, nil
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
//
// It returns only once the change's journal record is durable, with the
// wait in CommitWait. When the engine applied the change but the journal
// is down, it returns the StateChange with an error wrapping
// ErrNotDurable: the halt is in force, but a restart before the journal
// recovers would undo it.
func (e *Engine) SetState(ctx context.Context, node string, s domain.TradingState, who, why string) (StateChange, error) {
	v, wait, err := e.do(ctx, &command{kind: cmdSetState, node: node, state: s, who: who, why: why})
	a, _ := v.(StateChange)
	a.CommitWait = wait
	return a, err
}

// StateChange is the answer to SetState: the node and its effective
// trading state after the change, why that state is more restrictive than
// asked (risk.Node.Cause; "" when it is what was asked), and how long the
// answer waited for the journal to make the change durable.
type StateChange struct {
	Node       string
	State      domain.TradingState
	Cause      string
	CommitWait time.Duration
}

// Orders returns one page of orders, live and recently finished, oldest
// first: up to limit of them (DefaultOrdersPage when limit <= 0) after
// the cursor after (the Next of the previous page; "" for the first). It
// reads the engine's published view,
// never the engine itself: a flood of queries costs the engine nothing,
// and the view is at most one SnapshotInterval behind. It fails with
// ErrBadCommand for a bad cursor or a limit above MaxOrdersPage. Safe for
// concurrent use.
func (e *Engine) Orders(ctx context.Context, after string, limit int) (OrdersPage, error) {
	if err := e.viewCaughtUp(ctx); err != nil {
		return OrdersPage{}, err
	}
	return e.view.ordersPage(after, limit)
}

// viewCaughtUp waits until the view shows every order the latest snapshot
// counts, so a client that saw a status sees its orders: a hand-over is
// applied within microseconds, and it bounds the wait by ctx.
func (e *Engine) viewCaughtUp(ctx context.Context) error {
	if s := e.status.Load(); s != nil {
		return e.view.waitApplied(ctx, s.viewVersion)
	}
	return nil
}

// Audit returns the most recent audit entries about node (every node when
// empty), oldest first: limit of them, all kept (10,000 at most) when
// limit <= 0. Like Orders it reads the published view. Safe for
// concurrent use.
func (e *Engine) Audit(ctx context.Context, node string, limit int) ([]AuditRecord, error) {
	if err := e.viewCaughtUp(ctx); err != nil {
		return nil, err
	}
	return e.view.auditPage(node, limit), nil
}

// Sync returns once every command queued before it has been applied.
func (e *Engine) Sync(ctx context.Context) error {
	_, _, err := e.do(ctx, &command{kind: cmdSync})
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
	e.noteJournal(true, err)
}

// JournalRecovered tells the engine the journal made every pending event
// durable again. The journal breaker stays tripped until an operator
// resets it. Safe to call from any goroutine; it never blocks.
func (e *Engine) JournalRecovered() {
	e.noteJournal(false, nil)
}

// journalNote is the journal's latest state as its callbacks reported it.
// outages counts failures, so that an outage over before the engine
// looked is still tripped and alerted.
type journalNote struct {
	down    bool
	err     error
	outages uint64
}

// noteJournal records the journal's new state and tells the engine to
// look. The engine acts on the latest note, not on each message, so two
// reports in quick succession cannot be applied out of order.
func (e *Engine) noteJournal(down bool, err error) {
	for {
		old := e.journalNote.Load()
		n := &journalNote{down: down, err: err}
		if old != nil {
			n.outages = old.outages
		}
		if down {
			n.outages++
		}
		if e.journalNote.CompareAndSwap(old, n) {
			break
		}
	}
	go e.tell(&command{kind: cmdJournal})
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
	seq := e.lastSeq
	var r reply
	switch c.kind {
	case cmdSetState:
		r.value, r.err = e.setState(c.node, c.state, c.who, c.why)
	case cmdSync:
	case cmdKill:
		r.value, r.err = e.kill(c.node, c.who, c.why)
	case cmdReset:
		r.value, r.err = e.reset(c.node, c.key, c.who, c.why)
	case cmdLimitsSet:
		r.value, r.err = e.limitsSet(c)
	case cmdCancel:
		r.value, r.err = e.cancelOne(c.payload.(domain.OrderID), c.who, c.why)
	case cmdCancelAll:
		r.value, r.err = e.cancelAll(c.node, c.who, c.why)
	case cmdStrategyFailed:
		if st := e.strategy(c.strat); st != nil {
			e.haltFailed(st, c.err)
		}
	case cmdJournal:
		n := e.journalNote.Load()
		if n.outages > e.journalOutages {
			e.journalOutages = n.outages
			e.journalFailed(n.err)
		}
		if !n.down {
			e.journalRecovered()
		}
	case cmdReconcileBegin:
		r.value = e.beginReconcile(c.venue)
	case cmdReconcileApply:
		r.value = e.applyRecord(c.payload.(*venueRecord))
		e.handView()
		e.publish()
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
		e.router.SetStale(c.venue, c.instr, c.flag)
		if c.flag {
			e.alert("warning", "", fmt.Sprintf("market data for %s on %s is stale", sym, e.venueName(c.venue)))
			e.handleTrips(e.risk.Stale(c.instr, true, e.now))
		} else {
			e.alert("info", "", fmt.Sprintf("market data for %s on %s resumed", sym, e.venueName(c.venue)))
		}
	}
	// The answer goes first; the view gets the command's changes right
	// after it (a kill's are a thousand orders to copy). The asker waits
	// for the status that shows the command, and a query after it for the
	// view version that status names.
	if e.lastSeq != seq {
		r.seq = e.lastSeq
		r.view = e.viewVersion()
	}
	if c.reply != nil {
		r.status = e.pub.seq
		c.reply <- r
	}
	if e.lastSeq != seq {
		e.handView()
	}
	if c.reply != nil {
		// The asker, the publisher and the view are runnable now. Under a
		// backlog the engine never blocks, and on a machine whose cores
		// are all busy they would wait for the scheduler's preemption,
		// 10 ms and more: let them run now. Commands are rare; this costs
		// nothing otherwise.
		runtime.Gosched()
	}
}

// setState changes a node's state, journals the change with who and why,
// tells every affected strategy and republishes the status at once.
func (e *Engine) setState(node string, s domain.TradingState, who, why string) (StateChange, error) {
	n, ok := e.risk.Node(node)
	if !ok {
		return StateChange{}, fmt.Errorf("%q: %w", node, ErrUnknownNode)
	}
	old, err := e.risk.SetStateBy(node, risk.Change{State: s, Who: who, Why: why, At: e.now})
	if err != nil {
		return StateChange{}, err
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
	return StateChange{Node: node, State: n.Effective(), Cause: n.Cause(s)}, nil
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
// order may go out. The trip is journaled like every other (the journal
// holds it in memory with the rest until the disk takes them) and
// alerted; the engine goes on applying reports, so no fill is lost.
func (e *Engine) journalFailed(err error) {
	if e.journalDown {
		return
	}
	e.journalDown = true
	e.log.Error("journal failed", "err", err)
	e.alert("critical", risk.FirmNode, fmt.Sprintf("journal down: %v; trading halted, events kept in memory and retried", err))
	e.handleTrips(e.risk.JournalFailed(e.now))
}

// journalRecovered ends journalDown. The breaker it tripped holds until an
// operator resets it.
func (e *Engine) journalRecovered() {
	if !e.journalDown {
		return
	}
	e.journalDown = false
	e.log.Warn("journal recovered")
	e.alert("warning", risk.FirmNode, "journal recovered: every pending event is durable; reset the journal-error breaker to trade")
	e.publish()
}

// haltFailed halts a strategy that failed (a panic, a stuck strategy) and
// says so: it alone stops, the rest of the desk trades on.
func (e *Engine) haltFailed(st *strategy, err error) {
	e.alert("critical", st.Name, fmt.Sprintf("strategy failed and was halted: %v", err))
	if _, err := e.setState(st.Name, domain.Halted, "runtime", err.Error()); err != nil {
		e.log.Error("halt failed strategy", "strategy", st.Name, "err", err)
	}
}

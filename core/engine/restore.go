package engine

import (
	"slices"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// RestoreSummary says what Restore rebuilt, for the daemon's log.
type RestoreSummary struct {
	Events, Orders, Working, Fills, Audits int
	Halted                                 []string
}

// Restore rebuilds state from one journaled event. Call it for every event
// in sequence order before Run; ev may be reused by the caller afterwards.
func (e *Engine) Restore(ev *domain.Event, sum *RestoreSummary) {
	sum.Events++
	if r, ok := auditRecordOf(ev); ok {
		e.view.audit.add(&r) // before Run: the view is the engine's alone
	}
	switch ev.Kind {
	case domain.EventOrder, domain.EventDenied:
		e.restoreOrder(ev.Kind, &ev.Order, sum)
	case domain.EventFill:
		// The order after the fill comes in the same record (journal
		// format 2; format 1 fills carry none, their order follows as an
		// EventOrder). Restored first, so the fill is remembered on it.
		if ev.Order.ID != 0 {
			e.restoreOrder(ev.Kind, &ev.Order, sum)
		}
		f := ev.Fill
		applied, err := e.oms.RestoreFill(&f)
		if err != nil {
			e.log.Error("journaled fill refused", "order", f.OrderID, "err", err)
			return
		}
		if !applied {
			return // journaled twice: booked once
		}
		e.risk.OnOrder(nil, risk.OrderWas{}, &f) // the working orders are restored after the replay
		e.bookVenueFill(&f, 0)
		if st := e.strategy(f.Strategy); st != nil {
			st.fills++
		}
		sum.Fills++
	case domain.EventAudit:
		sum.Audits++
		e.restoreAudit(&ev.Audit, ev.Time)
	}
}

// restoreOrder puts a journaled snapshot of an order in place.
func (e *Engine) restoreOrder(kind domain.EventKind, snap *domain.Order, sum *RestoreSummary) {
	o := *snap
	if _, known := e.oms.Get(o.ID); !known {
		sum.Orders++
	}
	e.oms.Restore(&o)
	if st := e.strategy(o.Strategy); st != nil {
		switch {
		case kind == domain.EventDenied:
			st.denied(o.Reason, o.Updated)
		case kind == domain.EventOrder && o.State == domain.StatePendingNew:
			st.ordersSent++
			st.lastOrder = max(st.lastOrder, o.Created)
		}
	}
	// The daemon takes a new epoch every start, so restored ids never
	// share this run's epoch; should an engine ever be given a reused
	// epoch, its sequence still starts past every id it restored.
	e.noteJournaledID(o.ID)
	if sid := o.ID.Strategy(); o.ID.Epoch() == e.opts.Epoch && int(sid) < len(e.nextSeq) && o.ID.Seq() > e.nextSeq[sid].Load() {
		e.nextSeq[sid].Store(o.ID.Seq())
	}
}

// noteJournaledID remembers that the journal holds id, as the highest
// sequence per epoch and strategy: ids are issued in order and journaled
// in order, so a crash loses only the last ones of each, and an id at or
// below the highest journaled is one the journal had even when the OMS has
// since forgotten it.
func (e *Engine) noteJournaledID(id domain.OrderID) {
	if e.journaledIDs == nil {
		e.journaledIDs = make(map[uint64]uint64)
	}
	e.journaledIDs[id.Issuer()] = max(e.journaledIDs[id.Issuer()], id.Seq())
}

// journaled reports whether the journal held id (see noteJournaledID).
func (e *Engine) journaled(id domain.OrderID) bool {
	return id.Seq() <= e.journaledIDs[id.Issuer()]
}

// FinishRestore completes a restore: it counts working orders, records the
// halted nodes, tells each strategy its state, and publishes a status, the
// limits and the orders for queries.
func (e *Engine) FinishRestore(sum *RestoreSummary) {
	e.oms.Working(func(o *domain.Order) bool {
		sum.Working++
		e.risk.OnOrder(o, risk.OrderWas{}, nil) // working, as before the restart
		return true
	})
	// The view gets the orders' final states only, not every version the
	// journal replayed.
	e.dirty, e.lastDirty = e.dirty[:0], 0
	e.oms.Recent(func(o *domain.Order) bool {
		e.dirty = append(e.dirty, o.ID)
		return true
	})
	slices.Reverse(e.dirty) // Recent lists the last ended first
	e.oms.Working(func(o *domain.Order) bool {
		e.dirty = append(e.dirty, o.ID)
		return true
	})
	e.publishLimits()
	e.risk.Walk(func(n *risk.Node) {
		if n.Effective() == domain.Halted && (n.Parent() == nil || n.Parent().Effective() != domain.Halted) {
			sum.Halted = append(sum.Halted, n.Name())
		}
	})
	e.risk.Positions(func(sid domain.StrategyID, i domain.InstrumentID, p *domain.Position) bool {
		if st := e.strategy(sid); st != nil && p.Qty != 0 {
			st.Host.OnRestore(i, p.Qty)
		}
		return true
	})
	e.notifyStates()
	e.handView()
	e.publish()
}

package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/oms"
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
		o := ev.Order
		if _, known := e.oms.Get(o.ID); !known {
			sum.Orders++
		}
		e.oms.Restore(&o)
		if st := e.strategy(o.Strategy); st != nil {
			switch {
			case ev.Kind == domain.EventDenied:
				st.denials++
			case o.State == domain.StatePendingNew:
				st.ordersSent++
			}
		}
		// The daemon takes a new epoch every start, so restored ids never
		// share this run's epoch; should an engine ever be given a reused
		// epoch, its sequence still starts past every id it restored.
		if sid := o.ID.Strategy(); o.ID.Epoch() == e.opts.Epoch && int(sid) < len(e.nextSeq) && o.ID.Seq() > e.nextSeq[sid].Load() {
			e.nextSeq[sid].Store(o.ID.Seq())
		}
	case domain.EventFill:
		f := ev.Fill
		if err := e.oms.RestoreFill(&f); err != nil {
			e.log.Error("journaled fill refused", "order", f.OrderID, "err", err)
			return
		}
		e.risk.OnFill(&f)
		if st := e.strategy(f.Strategy); st != nil {
			st.fills++
		}
		sum.Fills++
	case domain.EventAudit:
		sum.Audits++
		e.restoreAudit(&ev.Audit)
	}
}

// FinishRestore completes a restore: it counts working orders, records the
// halted nodes, tells each strategy its state, and publishes a status, the
// limits and the orders for queries.
func (e *Engine) FinishRestore(sum *RestoreSummary) {
	e.oms.Working(func(o *domain.Order) bool {
		sum.Working++
		e.risk.RestoreWorking(o)
		return true
	})
	// The view gets the orders' final states only, not every version the
	// journal replayed.
	e.delta.orders = e.delta.orders[:0]
	e.oms.Recent(func(o *domain.Order) bool {
		e.delta.orders = append(e.delta.orders, *o)
		return true
	})
	slices.Reverse(e.delta.orders) // Recent lists the last ended first
	e.oms.Working(func(o *domain.Order) bool {
		e.delta.orders = append(e.delta.orders, *o)
		return true
	})
	e.publishLimits()
	e.risk.Walk(func(n *risk.Node) {
		if n.Effective() == domain.Halted && (n.Parent() == nil || n.Parent().Effective() != domain.Halted) {
			sum.Halted = append(sum.Halted, n.Name())
		}
	})
	e.oms.Positions(func(sid domain.StrategyID, i domain.InstrumentID, p *oms.Position) bool {
		if st := e.strategy(sid); st != nil && p.Qty != 0 {
			st.Host.OnRestore(i, p.Qty)
		}
		return true
	})
	e.notifyStates()
	e.publish()
}

// OpenOrderLister is a venue that can say which of desk's orders it holds.
// Reconcile uses it; a venue without it is not reconciled.
type OpenOrderLister interface {
	OpenOrders(ctx context.Context) ([]domain.OrderID, error)
}

// Reconcile compares the restored working orders with what each venue says
// it holds, before strategies may trade. An order the venue does not know
// was lost with the venue's state (a restarted simulator, an expired
// session): it is canceled, journaled and alerted. Call after Restore and
// before Run. It returns how many orders it canceled.
func (e *Engine) Reconcile(ctx context.Context) (int, error) {
	held := make(map[domain.OrderID]bool)
	asked := make(map[domain.VenueID]bool)
	for id, v := range e.venues {
		l, ok := v.(OpenOrderLister)
		if !ok {
			continue
		}
		ids, err := l.OpenOrders(ctx)
		if err != nil {
			return 0, fmt.Errorf("engine: reconcile venue %s: %w", e.venueName(domain.VenueID(id)), err)
		}
		asked[domain.VenueID(id)] = true
		for _, oid := range ids {
			held[oid] = true
		}
	}
	var gone []domain.OrderID
	e.oms.Working(func(o *domain.Order) bool {
		if asked[o.Venue] && !held[o.ID] {
			gone = append(gone, o.ID)
		}
		return true
	})
	e.now = e.clock().UnixNano()
	for _, id := range gone {
		o, _ := e.oms.Get(id)
		e.applySynthetic(o, domain.ExecCanceled, "not-at-venue")
	}
	if len(gone) > 0 {
		e.alert("warning", "", fmt.Sprintf("reconcile: %d working orders unknown to their venues were canceled", len(gone)))
	}
	e.publish()
	return len(gone), nil
}

package engine

import (
	"context"
	"fmt"
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
		if st := e.strategy(f.Strategy); st != nil {
			st.fills++
		}
		sum.Fills++
	case domain.EventAudit:
		sum.Audits++
		e.restoreAudit(&ev.Audit)
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
			st.denials++
		case kind == domain.EventOrder && o.State == domain.StatePendingNew:
			st.ordersSent++
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

// ReconcileSummary says what Reconcile changed.
type ReconcileSummary struct {
	// Adopted are orders a venue holds under desk's ids that the journal
	// lacked (sent, then a crash before their group commit), now the
	// desk's, attributed to the strategy their id names.
	Adopted int
	// Fills are venue fills the journal lacked, of adopted or known
	// orders, applied once each.
	Fills int
	// Updated are known orders whose state the venue's reports moved on.
	Updated int
	// Canceled are working orders no venue knows: they were lost with the
	// venue's state (a restarted simulator, an expired session).
	Canceled int
	// Foreign are orders under desk's ids of a strategy this desk does not
	// run: listed in the log, left alone.
	Foreign int
}

// Reconcile makes the restored orders agree with what each venue says it
// holds, before strategies may trade. Call after FinishRestore and before
// Run.
//
// The journal may know less than a venue: an order's record is queued
// before its send, but the send does not wait for the group commit, so a
// crash can lose the record of an order the venue received, and fills
// with it. From a venue that is an OrderHistory, Reconcile takes every
// order under desk's ids with the venue's reports and replays the reports
// through the OMS: an order the journal lacks is adopted (journaled now,
// attributed to the strategy in its id, counted by risk), and each report
// an order missed is applied, each fill once (the OMS knows fills by
// trade id, and refuses a transition it already made). A working order
// that no venue lists, of a venue that answered, is canceled as
// not-at-venue. Every change is journaled and alerted.
//
// It fails when a venue's query fails; what it applied before that stays
// applied and journaled.
func (e *Engine) Reconcile(ctx context.Context) (ReconcileSummary, error) {
	var sum ReconcileSummary
	listed := make(map[domain.OrderID]bool)
	asked := make(map[domain.VenueID]bool)
	e.now = e.clock().UnixNano()
	for id, v := range e.venues {
		vid := domain.VenueID(id)
		switch v := v.(type) {
		case OrderHistory:
			orders, err := v.Orders(ctx)
			if err != nil {
				return sum, fmt.Errorf("engine: reconcile venue %s: %w", e.venueName(vid), err)
			}
			asked[vid] = true
			for k := range orders {
				listed[orders[k].Order.ID] = true
				e.reconcileOrder(vid, &orders[k], &sum)
			}
		case OpenOrderLister:
			ids, err := v.OpenOrders(ctx)
			if err != nil {
				return sum, fmt.Errorf("engine: reconcile venue %s: %w", e.venueName(vid), err)
			}
			asked[vid] = true
			for _, oid := range ids {
				listed[oid] = true
			}
		}
	}
	var gone []domain.OrderID
	e.oms.Working(func(o *domain.Order) bool {
		if asked[o.Venue] && !listed[o.ID] {
			gone = append(gone, o.ID)
		}
		return true
	})
	for _, id := range gone {
		o, _ := e.oms.Get(id)
		e.applySynthetic(o, domain.ExecCanceled, "not-at-venue")
	}
	sum.Canceled = len(gone)
	if sum.Adopted > 0 || sum.Fills > 0 || sum.Updated > 0 || sum.Canceled > 0 {
		msg := fmt.Sprintf("reconcile: adopted %d orders the journal lacked, applied %d missed fills, updated %d orders, canceled %d working orders no venue holds",
			sum.Adopted, sum.Fills, sum.Updated, sum.Canceled)
		e.audit1(risk.FirmNode, actionReconcile, "engine", "", fmt.Sprintf("adopted=%d fills=%d updated=%d canceled=%d", sum.Adopted, sum.Fills, sum.Updated, sum.Canceled), msg)
		e.alert("warning", "", msg)
	}
	e.handView()
	e.publish()
	return sum, nil
}

// reconcileOrder brings one order in line with the venue's record of it.
func (e *Engine) reconcileOrder(vid domain.VenueID, vo *domain.VenueOrder, sum *ReconcileSummary) {
	id := vo.Order.ID
	sid := id.Strategy()
	if e.strategy(sid) == nil && e.risk.Strategy(sid) == nil {
		sum.Foreign++
		e.log.Warn("reconcile: order of a strategy this desk does not run, left alone", "order", id, "venue", e.venueName(vid))
		return
	}
	o, known := e.oms.Get(id)
	if !known && e.journaled(id) {
		// The journal had it, the OMS has since let it go: it ended long
		// ago, and its fills are in the positions already.
		return
	}
	if !known {
		skel := vo.Order
		skel.Strategy, skel.Venue, skel.State = sid, vid, domain.StatePendingNew
		skel.Filled, skel.FilledNotional, skel.Fees = 0, 0, 0
		if skel.Created == 0 {
			skel.Created = e.now
		}
		skel.Updated = e.now
		skel.Stamps = domain.Stamps{Routed: domain.Mono()} // it reached a venue
		e.oms.Restore(&skel)
		e.noteJournaledID(id)
		o, _ = e.oms.Get(id)
		e.risk.OnOrder(o, risk.OrderWas{}, nil) // working from now
		e.journalOrder(domain.EventOrder, o)
		if st := e.strategy(sid); st != nil {
			st.ordersSent++
		}
		sum.Adopted++
		e.log.Warn("reconcile: adopted an order the journal lacked", "order", id, "strategy", e.strategyName(sid), "venue", e.venueName(vid))
	}
	before := o.State
	for k := range vo.Reports {
		r := vo.Reports[k]
		r.Venue, r.OrderID = vid, id
		if e.reconcileReport(&r) {
			sum.Fills++
		}
	}
	if known && o.State != before {
		sum.Updated++
	}
}

// reconcileReport applies one of a venue's recorded reports and reports
// whether it was a fill the desk lacked. A report the order already
// reflects is refused by the OMS (a duplicate trade id, a transition
// already made) and skipped.
func (e *Engine) reconcileReport(r *domain.ExecReport) bool {
	o, ok := e.oms.Get(r.OrderID)
	if !ok {
		return false
	}
	was := risk.WasOf(o)
	if r.Kind == domain.ExecReplaced && o.State.Working() && o.State != domain.StatePendingReplace {
		// The venue replaced an order whose replace request the journal
		// lost (or never had, for an adopted order): make the request
		// the venue answered, so its answer and what follows apply.
		if err := e.oms.ReplaceRequested(o, r.Price, r.Qty, e.now); err != nil {
			e.log.Warn("reconcile: venue replace cannot be applied", "order", r.OrderID, "err", err)
		}
	}
	o, fill, err := e.oms.Apply(r, e.now)
	if err != nil {
		e.log.Debug("reconcile: venue report already reflected", "order", r.OrderID, "kind", r.Kind, "err", err)
		return false
	}
	e.afterReport(o, fill, was)
	return fill != nil
}

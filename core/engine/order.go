package engine

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/oms"
	"github.com/desk-trading/desk/core/router"
	"github.com/desk-trading/desk/risk"
)

// Reasons the engine itself rejects an order for; risk has its own.
const (
	reasonInvalid   = "invalid-order"
	reasonNoVenue   = "no-venue"
	reasonNoBudget  = "rate-budget" // every venue that could take it has spent its rate budget
	reasonVenueBusy = "venue-busy"
	reasonNotOwner  = "not-owner"
	reasonNoJournal = "journal-down"
	// reasonReconciling: the only venues that could take the order are
	// being reconciled after their session came back.
	reasonReconciling = "venue-reconciling"
)

// onIntent handles a strategy's new, cancel or replace request.
func (e *Engine) onIntent(in *domain.Intent) {
	st := e.strategy(in.Strategy)
	if st == nil {
		e.log.Warn("intent from unknown strategy", "strategy", in.Strategy)
		return
	}
	switch in.Kind {
	case domain.IntentNew:
		e.newOrder(st, in)
	case domain.IntentCancel:
		e.cancel(st, in.ID)
	case domain.IntentReplace:
		e.replace(st, in)
	default:
		e.log.Warn("intent of unknown kind", "strategy", st.Name, "kind", in.Kind)
	}
}

// newOrder is the hot path: create, check, route, journal, send.
func (e *Engine) newOrder(st *strategy, in *domain.Intent) {
	o, err := e.oms.Create(in, e.now)
	if err != nil {
		e.refuseIntent(st, in, err)
		return
	}
	if reason := e.risk.Check(o, e.now); reason != risk.Pass {
		e.deny(st, o, reason)
		return
	}
	o.Stamps.RiskPassed = domain.Mono()
	d, err := e.router.Plan(o, e.now)
	if err != nil {
		e.deny(st, o, denialOf(&d, err))
		return
	}
	legs := d.Legs[:d.NLegs]
	for k := range legs {
		if int(legs[k].Venue) >= len(e.venues) || e.venues[legs[k].Venue] == nil {
			e.deny(st, o, reasonNoVenue)
			return
		}
	}
	if len(legs) > 1 {
		// A split: the strategy's order is the first leg, and each other
		// leg a new order of the strategy's (it sees them through
		// OnOrder, as any order of its own it did not place itself).
		o.Qty = legs[0].Qty
		if o.Type == domain.Limit && legs[0].Price > 0 {
			o.Price = legs[0].Price
		}
	}
	e.send(st, o, legs[0].Venue, &d)
	for k := 1; k < len(legs); k++ {
		e.sendLeg(st, o, &legs[k], &d)
	}
}

// denialOf is the reason a new order that Plan could not place is denied
// for: the budget, a reconciling venue, or no venue at all.
func denialOf(d *router.Decision, err error) string {
	if errors.Is(err, router.ErrNoBudget) {
		return reasonNoBudget
	}
	for _, s := range d.Skipped[:d.NSkipped] {
		if s.Reason == router.SkipReconciling {
			return reasonReconciling
		}
	}
	return reasonNoVenue
}

// send sends o, which passed risk, to venue: the OMS marks it sent, the
// journal gets it before the venue does, and the strategy is told.
func (e *Engine) send(st *strategy, o *domain.Order, venue domain.VenueID, d *router.Decision) {
	o.Stamps.Routed = domain.Mono()
	if err := e.oms.Sent(o, venue, e.now); err != nil {
		e.log.Error("oms refused send", "order", o.ID, "err", err)
		return
	}
	e.delta.routes = append(e.delta.routes, routed{id: o.ID, d: *d})
	e.risk.Admit(o, e.now)
	// Journal before the order leaves: the journal must never know less
	// than the venue.
	o.Stamps.Sent = domain.Mono()
	st.ordersSent++
	e.journalOrder(domain.EventOrder, o)
	if e.journalDown {
		// The journal could not take the order: it must not leave.
		e.applySynthetic(o, domain.ExecReject, reasonNoJournal)
		return
	}
	if err := e.venues[venue].Submit(o); err != nil {
		// The venue's queue is full: the order never left, so it is
		// rejected here rather than left pending.
		e.applySynthetic(o, domain.ExecReject, reasonVenueBusy)
		return
	}
	e.router.Spend(venue, e.now, 1, router.WeightOrder)
	e.latency.order(&o.Stamps)
	st.tick.record(o.Stamps.Received, o.Stamps.Sent)
	st.lastOrder = e.now
	st.Host.OnOrder(o)
}

// sendLeg sends one further leg of a split parent as a new order of the
// parent's strategy, with the next id of its sequence. The parent passed
// risk for the whole quantity, so the leg is not checked again; it is
// admitted, and counts as working, like any order sent.
func (e *Engine) sendLeg(st *strategy, parent *domain.Order, leg *router.Leg, d *router.Decision) {
	in := domain.Intent{
		Kind: domain.IntentNew, ID: e.NextOrderID(st.ID), Strategy: st.ID, Instrument: parent.Instrument,
		Side: parent.Side, Type: parent.Type, TIF: parent.TIF, ReduceOnly: parent.ReduceOnly,
		Price: parent.Price, StopPrice: parent.StopPrice, Qty: leg.Qty, ExpireAt: parent.ExpireAt, Stamps: parent.Stamps,
	}
	if in.Type == domain.Limit && leg.Price > 0 {
		in.Price = leg.Price
	}
	o, err := e.oms.Create(&in, e.now)
	if err != nil {
		e.log.Error("split leg refused", "order", parent.ID, "leg", in.ID, "err", err)
		return
	}
	o.Stamps = parent.Stamps
	e.send(st, o, leg.Venue, d)
}

// deny rejects a new order before it reaches a venue, journals the denial
// and tells the strategy.
func (e *Engine) deny(st *strategy, o *domain.Order, reason string) {
	if err := e.oms.Reject(o, reason, e.now); err != nil {
		e.log.Error("oms refused reject", "order", o.ID, "err", err)
		return
	}
	st.denied(reason, e.now)
	e.journalOrder(domain.EventDenied, o)
	st.Host.OnOrder(o)
	e.handleTrips(e.risk.OnDenied(st.ID, reason, e.now))
}

// refuseIntent answers an intent the OMS would not even create: an invalid
// order is journaled as denied and its strategy told. A reused order id is
// only audited: journaling a rejected copy under that id would overwrite
// the real order on replay, and telling the strategy would corrupt its
// view of the real one.
func (e *Engine) refuseIntent(st *strategy, in *domain.Intent, err error) {
	e.log.Warn("order refused", "strategy", st.Name, "order", in.ID, "err", err)
	if errors.Is(err, oms.ErrDuplicateID) {
		st.denied("duplicate-id", e.now)
		e.audit1(st.Name, "deny", "engine", "", "duplicate-id", "order id "+in.ID.String()+" is already in use")
		return
	}
	st.denied(reasonInvalid, e.now)
	o := domain.Order{
		ID: in.ID, Strategy: in.Strategy, Instrument: in.Instrument, Side: in.Side, Type: in.Type,
		TIF: in.TIF, Price: in.Price, StopPrice: in.StopPrice, Qty: in.Qty,
		State: domain.StateRejected, Reason: reasonInvalid, Created: e.now, Updated: e.now,
	}
	e.journalOrder(domain.EventDenied, &o)
	st.Host.OnOrder(&o)
}

// cancel sends a cancel for a strategy's order. Cancels pass no risk check:
// reducing what is working is always allowed.
func (e *Engine) cancel(st *strategy, id domain.OrderID) {
	o, ok := e.oms.Get(id)
	if !ok || o.State.Terminal() {
		return // already done; the strategy has or will get the final state
	}
	if o.Strategy != st.ID {
		e.log.Warn("cancel of another strategy's order refused", "strategy", st.Name, "order", id, "reason", reasonNotOwner)
		return
	}
	e.requestCancel(o)
}

// requestCancel moves o to pending-cancel and sends the cancel, and
// reports whether a cancel is on its way. A cancel a full venue queue
// refuses is retried on the next tick, never dropped. An order waiting on
// a replace cannot be canceled until the venue answers the replace, so
// the cancel is sent the moment it does (see afterReport).
func (e *Engine) requestCancel(o *domain.Order) bool {
	switch o.State {
	case domain.StatePendingCancel:
		return false
	case domain.StatePendingReplace:
		if !slices.Contains(e.cancelAfterReplace, o.ID) {
			e.cancelAfterReplace = append(e.cancelAfterReplace, o.ID)
		}
		return true
	}
	if err := e.oms.CancelRequested(o, e.now); err != nil {
		e.log.Debug("cancel not possible now", "order", o.ID, "state", o.State, "err", err)
		return false
	}
	e.journalOrder(domain.EventOrder, o)
	if s := e.strategy(o.Strategy); s != nil {
		s.cancels++
		s.Host.OnOrder(o)
	}
	e.risk.OnMessage(o.Strategy, e.now)
	if err := e.venues[o.Venue].Cancel(o); err != nil {
		e.retry = append(e.retry, o.ID)
	} else {
		// Spent, never checked: a cancel must not wait for budget.
		e.router.Spend(o.Venue, e.now, 0, router.WeightCancel)
	}
	return true
}

// cancelDeferred sends a cancel that waited for o's replace to resolve.
func (e *Engine) cancelDeferred(o *domain.Order) {
	k := slices.Index(e.cancelAfterReplace, o.ID)
	if k < 0 || o.State == domain.StatePendingReplace {
		return
	}
	e.cancelAfterReplace = slices.Delete(e.cancelAfterReplace, k, k+1)
	if o.State.Working() {
		e.requestCancel(o)
	}
}

// retryCancels resends cancels that found a venue queue full.
func (e *Engine) retryCancels() {
	if len(e.retry) == 0 {
		return
	}
	pending := e.retry
	e.retry = nil
	for _, id := range pending {
		o, ok := e.oms.Get(id)
		if !ok || o.State != domain.StatePendingCancel {
			continue
		}
		if err := e.venues[o.Venue].Cancel(o); err != nil {
			e.retry = append(e.retry, id)
		} else {
			e.router.Spend(o.Venue, e.now, 0, router.WeightCancel)
		}
	}
}

// replace changes a working order's price and quantity. A replace can add
// risk, so it passes the same checks as a new order of the new size. The
// check counts the order's current leaves as working too, which errs on
// the safe side near a position limit.
func (e *Engine) replace(st *strategy, in *domain.Intent) {
	o, ok := e.oms.Get(in.ID)
	if !ok || o.State.Terminal() || o.Strategy != st.ID {
		return
	}
	probe := *o
	probe.Price, probe.Qty = in.Price, in.Qty-o.Filled
	stamps := in.Stamps // a replace is timed as an order is
	if reason := e.risk.Check(&probe, e.now); reason != risk.Pass {
		st.denied(reason, e.now)
		e.log.Debug("replace denied", "order", o.ID, "reason", reason)
		st.Host.OnOrder(o)
		return
	}
	if !e.router.Affords(o.Venue, e.now, 1, router.WeightReplace) {
		// A replace counts as an order on the venue's account.
		st.denied(reasonNoBudget, e.now)
		e.log.Debug("replace denied", "order", o.ID, "reason", reasonNoBudget)
		st.Host.OnOrder(o)
		return
	}
	if err := e.oms.ReplaceRequested(o, in.Price, in.Qty, e.now); err != nil {
		e.log.Debug("replace not possible now", "order", o.ID, "state", o.State, "err", err)
		st.Host.OnOrder(o)
		return
	}
	stamps.RiskPassed = domain.Mono()
	stamps.Routed = stamps.RiskPassed // a replace stays on its order's venue
	e.journalOrder(domain.EventOrder, o)
	e.risk.OnMessage(st.ID, e.now)
	if err := e.venues[o.Venue].Replace(o, in.Price, in.Qty); err != nil {
		e.applySynthetic(o, domain.ExecReplaceReject, reasonVenueBusy)
		return
	}
	stamps.Sent = domain.Mono()
	e.latency.order(&stamps)
	st.tick.record(stamps.Received, stamps.Sent)
	e.router.Spend(o.Venue, e.now, 1, router.WeightReplace)
	st.Host.OnOrder(o)
}

// onReport applies a venue's execution report.
func (e *Engine) onReport(r *domain.ExecReport) {
	now := domain.Mono()
	switch r.Kind {
	case domain.ExecAck:
		r.Stamps.Acked = now
	case domain.ExecFill:
		r.Stamps.Filled = now
	}
	var was risk.OrderWas
	prev := domain.OrderState(0)
	if o, ok := e.oms.Get(r.OrderID); ok {
		was, prev = risk.WasOf(o), o.State
	}
	o, fill, err := e.oms.Apply(r, e.now)
	if err != nil {
		e.reportRefused(r, prev, err)
		return
	}
	e.afterReport(o, fill, was, r.VenueTime)
	if r.Kind == domain.ExecAck && prev == domain.StatePendingNew {
		e.latency.record(StageAck, o.Stamps.Sent, o.Stamps.Acked)
		if o.Stamps.Sent != 0 && o.Stamps.Acked > o.Stamps.Sent {
			e.router.ObserveAck(o.Venue, time.Duration(o.Stamps.Acked-o.Stamps.Sent))
		}
	}
	if r.Kind == domain.ExecReject {
		e.log.Warn("order rejected by venue", "order", o.ID, "strategy", e.strategyName(o.Strategy), "venue", e.venueName(o.Venue),
			"instrument", o.Instrument, "reason", o.Reason)
		e.rejected(o.Venue, o.Reason)
		e.handleTrips(e.risk.OnReject(o.Strategy, e.now))
	}
}

// afterReport journals and fans out the effect of an applied report; was
// is the order's working part before it.
func (e *Engine) afterReport(o *domain.Order, fill *domain.Fill, was risk.OrderWas, venueTime int64) {
	st := e.strategy(o.Strategy)
	// A fill and the order after it are one record: a crash loses both or
	// neither, never the fill behind a snapshot that counts it.
	if fill != nil {
		e.journalFill(fill, o)
	} else {
		e.journalOrder(domain.EventOrder, o)
	}
	// One call for the ledger and the working orders, whatever the change.
	e.risk.OnOrder(o, was, fill)
	if fill != nil {
		e.bookVenueFill(fill, venueTime)
		if st != nil {
			st.fills++
			var pos domain.Qty
			if p := e.risk.Position(fill.Strategy, fill.Instrument); p != nil {
				pos = p.Qty
			}
			st.Host.OnFill(fill, pos)
		}
	}
	if st != nil {
		st.Host.OnOrder(o)
	}
	if len(e.cancelAfterReplace) > 0 {
		e.cancelDeferred(o)
	}
}

// applySynthetic applies a report the engine makes up for an outcome it
// knows for certain (the venue never got the message).
func (e *Engine) applySynthetic(o *domain.Order, kind domain.ExecKind, reason string) {
	r := domain.ExecReport{Kind: kind, Venue: o.Venue, OrderID: o.ID, Reason: reason}
	was := risk.WasOf(o)
	o, fill, err := e.oms.Apply(&r, e.now)
	if err != nil {
		e.log.Error("synthetic report refused", "order", r.OrderID, "kind", kind, "err", err)
		return
	}
	e.afterReport(o, fill, was, 0)
}

// reportRefused logs or alerts a report the OMS refused; prev is the
// order's state before it (zero when unknown).
func (e *Engine) reportRefused(r *domain.ExecReport, prev domain.OrderState, err error) {
	switch {
	case (r.Kind == domain.ExecReplaceReject || r.Kind == domain.ExecCancelReject) && prev.Terminal():
		// The request crossed the order's end (a fill, a cancel) on its
		// way to the venue, which then no longer knew the order: the
		// normal outcome of a race every venue has, and nothing to do.
		e.log.Debug("late reject of an ended order ignored", "order", r.OrderID, "kind", r.Kind, "state", prev)
	case errors.Is(err, oms.ErrDuplicateFill):
		e.log.Debug("duplicate fill ignored", "order", r.OrderID, "trade", r.TradeID)
	case errors.Is(err, oms.ErrOverfill):
		e.alert("critical", "", fmt.Sprintf("overfill refused: order %s trade %d: %v", r.OrderID, r.TradeID, err))
	case errors.Is(err, oms.ErrUnknownOrder):
		e.alert("warning", "", fmt.Sprintf("report for unknown order %s from venue %s", r.OrderID, e.venueName(r.Venue)))
	default:
		e.log.Warn("report refused", "order", r.OrderID, "kind", r.Kind, "err", err)
	}
}

// onBook updates the router and reference prices and fans the book out to
// the strategies that trade the instrument.
func (e *Engine) onBook(in *domain.BookUpdate) {
	i, v := in.Instrument, int(in.Venue)
	if int(i) >= len(e.opts.Instruments) {
		return
	}
	// The one copy of the book: every strategy that trades it reads this
	// one (DrivenHost.DeliverBookNow keeps it).
	for v >= len(e.latest) {
		e.latest = append(e.latest, nil)
	}
	if e.latest[v] == nil {
		e.latest[v] = make([]domain.BookUpdate, len(e.opts.Instruments))
	}
	b := &e.latest[v][i]
	*b = *in
	e.latency.record(StageFeed, b.Stamps.Received, b.Stamps.Decoded)
	e.latency.record(StageInbox, b.Stamps.Decoded, domain.Mono())
	e.router.OnBook(b)
	if bid, ask := e.router.BBO(i); bid > 0 && ask > 0 {
		e.risk.OnMark(i, (bid+ask)/2, e.now)
	}
	var at int64 // when the last driven strategy's callback returned
	for _, st := range e.byInstr[i] {
		if st.host != nil && st.driven.Load() {
			at = e.deliverBook(st, b, at)
			continue
		}
		st.Host.OnBook(b)
		at = 0 // the mailbox's time is no strategy's
	}
}

// failPending runs when the engine stops: cancels still waiting for a
// venue queue are logged so the operator knows they never went out.
func (e *Engine) failPending() {
	for _, id := range e.retry {
		e.log.Error("cancel never sent: engine stopped", "order", id)
	}
}

func (e *Engine) venueName(id domain.VenueID) string {
	if int(id) < len(e.venueNames) && e.venueNames[id] != "" {
		return e.venueNames[id]
	}
	return fmt.Sprintf("venue-%d", id)
}

// denied counts a denial of the strategy's order or replace for reason at
// engine time now.
func (st *strategy) denied(reason string, now int64) {
	st.denials++
	st.lastDenial, st.lastDenialAt = reason, now
	for k := range st.denialsBy {
		if st.denialsBy[k].Reason == reason {
			st.denialsBy[k].Count++
			return
		}
	}
	st.denialsBy = append(st.denialsBy, ReasonCount{Reason: reason, Count: 1})
}

// rejected counts a venue's reject of an order for reason.
func (e *Engine) rejected(v domain.VenueID, reason string) {
	for k := range e.rejects {
		if r := &e.rejects[k]; r.Venue == v && r.Reason == reason {
			r.Count++
			return
		}
	}
	e.rejects = append(e.rejects, RejectCount{Venue: v, Reason: reason, Count: 1})
}

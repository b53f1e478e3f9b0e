package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
	"github.com/shopspring/decimal"
)

// ReconcileSummary says what reconciliation changed.
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
	// Canceled are working orders the venue certainly does not hold: it
	// lost them with its state (a restarted simulator, an expired
	// session), or it answered that it never had them.
	Canceled int
	// Foreign are orders under desk's ids of a strategy this desk does not
	// run: listed in the log, left alone.
	Foreign int
	// External are open orders on desk's account under ids that are not
	// desk's: recorded and shown, never canceled.
	External int
	// Mismatches are assets whose balance at the venue, less its opening
	// balance, is not desk's net position: each is alerted.
	Mismatches int
}

// Add adds what another round of reconciliation changed to s.
func (s *ReconcileSummary) Add(o ReconcileSummary) {
	s.Adopted += o.Adopted
	s.Fills += o.Fills
	s.Updated += o.Updated
	s.Canceled += o.Canceled
	s.Foreign += o.Foreign
	s.External += o.External
	s.Mismatches += o.Mismatches
}

// changed reports whether reconciliation changed or found anything an
// operator must hear of.
func (s ReconcileSummary) changed() bool {
	return s.Adopted > 0 || s.Fills > 0 || s.Updated > 0 || s.Canceled > 0 || s.Mismatches > 0
}

// venueRecord is what reconciliation learned from one venue, gathered off
// the engine goroutine and applied on it.
type venueRecord struct {
	venue domain.VenueID
	// orders are desk's orders as the venue holds them, with its reports.
	orders []domain.VenueOrder
	// gone are working orders the venue certainly does not hold.
	gone     []domain.OrderID
	external []domain.ExternalOrder
	balances []domain.Balance
	// hasExternal and hasBalances say whether the venue answers those
	// queries at all.
	hasExternal, hasBalances bool
}

// Reconcile makes the restored orders agree with what each venue says it
// holds, before strategies may trade. Call after FinishRestore and before
// Run; while the engine runs, a venue that reconnects is reconciled with
// ReconcileVenue.
//
// The journal may know less than a venue: an order's record is queued
// before its send, but the send does not wait for the group commit, so a
// crash can lose the record of an order the venue received, and fills
// with it. And a venue's session can drop: the reports sent while it was
// away never arrived. From a venue that is an OrderHistory, Reconcile
// takes every order under desk's ids with the venue's reports and replays
// the reports through the OMS: an order the journal lacks is adopted
// (journaled now, attributed to the strategy in its id, counted by risk),
// and each report an order missed is applied, each fill once (the OMS
// knows fills by trade id, and refuses a transition it already made). A
// working order the venue does not list is resolved only from the venue's
// answer: an OrderQuerier is asked for it, and the order is canceled as
// not-at-venue only when the venue says it does not hold it
// (domain.ErrNotAtVenue); a venue that can only list (the simulator keeps
// every order it ever had) is taken at its word. Orders under other ids
// (ExternalOrderLister) are recorded and shown; balances (BalanceReporter)
// are compared with desk's net positions on the venue and a mismatch is
// alerted. Every change is journaled and alerted.
//
// It fails when a venue's query fails; what it applied before that stays
// applied and journaled.
func (e *Engine) Reconcile(ctx context.Context) (ReconcileSummary, error) {
	var sum ReconcileSummary
	e.now = e.clock().UnixNano()
	for id, v := range e.venues {
		if v == nil {
			continue
		}
		vid := domain.VenueID(id)
		rec, err := gatherVenue(ctx, vid, v, e.workingOn(vid))
		if err != nil {
			return sum, fmt.Errorf("engine: reconcile venue %s: %w", e.venueName(vid), err)
		}
		e.now = e.clock().UnixNano()
		sum.Add(e.applyRecord(rec))
	}
	e.handView()
	e.publish()
	return sum, nil
}

// ReconcileVenue reconciles venue id while the engine runs, as Reconcile
// does at start: call it whenever the venue's session comes back
// (SessionReporter). From its call until it succeeds the venue is
// reconciling: the router sends it no new order (submits that only it
// could take are denied, "venue-reconciling"), while cancels still go.
// The venue's queries run on the caller's goroutine, never the engine's;
// what they found is applied on the engine goroutine, and ReconcileVenue
// returns once it is durable. On an error the venue stays reconciling,
// and the caller tries again.
func (e *Engine) ReconcileVenue(ctx context.Context, id domain.VenueID) (ReconcileSummary, error) {
	if int(id) >= len(e.venues) || e.venues[id] == nil {
		return ReconcileSummary{}, fmt.Errorf("engine: reconcile: no venue %d", id)
	}
	v, _, err := e.do(ctx, &command{kind: cmdReconcileBegin, venue: id})
	if err != nil {
		return ReconcileSummary{}, err
	}
	working, _ := v.([]domain.Order)
	rec, err := gatherVenue(ctx, id, e.venues[id], working)
	if err != nil {
		return ReconcileSummary{}, fmt.Errorf("engine: reconcile venue %s: %w", e.venueName(id), err)
	}
	v, _, err = e.do(ctx, &command{kind: cmdReconcileApply, venue: id, payload: rec})
	sum, _ := v.(ReconcileSummary)
	return sum, err
}

// beginReconcile marks venue id reconciling and returns a copy of each of
// desk's working orders on it.
func (e *Engine) beginReconcile(id domain.VenueID) []domain.Order {
	e.setReconciling(id, true)
	e.alert("warning", "", fmt.Sprintf("venue %s reconciling: no new orders to it until it is done", e.venueName(id)))
	e.publish()
	return e.workingOn(id)
}

// setReconciling marks venue id reconciling (or done) for the router and
// the status.
func (e *Engine) setReconciling(id domain.VenueID, on bool) {
	e.router.SetReconciling(id, on)
	e.account(id).reconciling = on
}

// workingOn copies desk's working orders on venue id.
func (e *Engine) workingOn(id domain.VenueID) []domain.Order {
	var out []domain.Order
	e.oms.Working(func(o *domain.Order) bool {
		if o.Venue == id {
			out = append(out, *o)
		}
		return true
	})
	return out
}

// gatherVenue asks venue v, off the engine goroutine, for its record of
// desk's account: the orders it holds, what it says of each working order
// it does not list, the orders under other ids, and the balances.
func gatherVenue(ctx context.Context, id domain.VenueID, v Venue, working []domain.Order) (*venueRecord, error) {
	rec := &venueRecord{venue: id}
	// The balances first: every fill they count is then among the orders
	// asked for next, and the fills those add after the balances' stamp
	// are set aside in the comparison (checkBalances).
	if b, ok := v.(BalanceReporter); ok {
		bal, err := b.Balances(ctx)
		if err != nil {
			return nil, fmt.Errorf("balances: %w", err)
		}
		rec.balances, rec.hasBalances = bal, true
	}
	listed := make(map[domain.OrderID]bool)
	switch v := v.(type) {
	case OrderHistory:
		orders, err := v.Orders(ctx)
		if err != nil {
			return nil, fmt.Errorf("list orders: %w", err)
		}
		rec.orders = orders
		for k := range orders {
			listed[orders[k].Order.ID] = true
		}
	case OpenOrderLister:
		ids, err := v.OpenOrders(ctx)
		if err != nil {
			return nil, fmt.Errorf("list open orders: %w", err)
		}
		for _, oid := range ids {
			listed[oid] = true
		}
	default:
		return rec, nil // nothing to ask: the venue's word is its reports
	}
	q, canQuery := v.(OrderQuerier)
	for k := range working {
		o := &working[k]
		if listed[o.ID] {
			continue
		}
		if !canQuery {
			rec.gone = append(rec.gone, o.ID)
			continue
		}
		vo, err := q.QueryOrder(ctx, *o)
		switch {
		case errors.Is(err, domain.ErrNotAtVenue):
			rec.gone = append(rec.gone, o.ID)
		case err != nil:
			// Unknown: never invented. The whole round fails and is
			// tried again; the order stays in flight meanwhile.
			return nil, fmt.Errorf("query order %s: %w", o.ID, err)
		default:
			vo.Order.ID = o.ID
			rec.orders = append(rec.orders, vo)
		}
	}
	if l, ok := v.(ExternalOrderLister); ok {
		ext, err := l.ExternalOrders(ctx)
		if err != nil {
			return nil, fmt.Errorf("list external orders: %w", err)
		}
		rec.external, rec.hasExternal = ext, true
	}
	return rec, nil
}

// applyRecord applies what reconciliation learned from one venue, on the
// engine goroutine (or before Run), and ends the venue's reconciling.
func (e *Engine) applyRecord(rec *venueRecord) ReconcileSummary {
	var sum ReconcileSummary
	vid := rec.venue
	var notOurs []domain.ExternalOrder
	for k := range rec.orders {
		if x, external := e.reconcileOrder(vid, &rec.orders[k], &sum); external && x.Qty > x.Filled {
			notOurs = append(notOurs, x)
		}
	}
	for _, id := range rec.gone {
		// A report may have arrived since the venue was asked: only an
		// order still working and still on this venue is ended.
		if o, ok := e.oms.Get(id); ok && o.State.Working() && o.Venue == vid {
			e.applySynthetic(o, domain.ExecCanceled, "not-at-venue")
			sum.Canceled++
		}
	}
	acct := e.account(vid)
	if rec.hasExternal || len(notOurs) > 0 {
		acct.external = append(slices.Clip(rec.external), notOurs...)
		sum.External = len(acct.external)
		for _, x := range acct.external {
			e.log.Warn("reconcile: open order under an id that is not desk's, left alone",
				"venue", e.venueName(vid), "client_id", x.ClientID, "venue_order", x.VenueOrderID)
		}
	}
	if rec.hasBalances {
		acct.balances = e.checkBalances(vid, rec.balances)
		for _, c := range acct.balances {
			if !c.Match {
				sum.Mismatches++
				e.alert("critical", "", fmt.Sprintf("venue %s: %s balance %s less opening %s is %s, desk's net position is %s",
					e.venueName(vid), c.Asset, c.Venue, c.Opening, c.Venue.Sub(c.Opening), c.Desk))
			}
		}
	}
	acct.reconciled = e.now
	// Before the venue trades again, the budget starts from what the
	// venue counted (a restart within its windows starts from zero).
	e.observeRates(vid)
	e.setReconciling(vid, false)
	if sum.changed() {
		msg := fmt.Sprintf("reconcile %s: adopted %d orders the journal lacked, applied %d missed fills, updated %d orders, canceled %d working orders the venue does not hold",
			e.venueName(vid), sum.Adopted, sum.Fills, sum.Updated, sum.Canceled)
		e.audit1(risk.FirmNode, actionReconcile, "engine", "",
			fmt.Sprintf("venue=%s adopted=%d fills=%d updated=%d canceled=%d", e.venueName(vid), sum.Adopted, sum.Fills, sum.Updated, sum.Canceled), msg)
		e.alert("warning", "", msg)
	}
	if sum.External > 0 {
		e.alert("warning", "", fmt.Sprintf("venue %s holds %d open orders that are not desk's: shown, left alone", e.venueName(vid), sum.External))
	}
	return sum
}

// BalanceCheck compares one asset's balance at a venue with desk's
// record: the venue's total less the account's opening balance must be
// desk's net position in the instruments traded in that asset there.
type BalanceCheck struct {
	Asset   string
	Venue   decimal.Decimal // the venue's total (free and locked)
	Opening decimal.Decimal // the account's opening balance (VenueSlot.Balances)
	Desk    decimal.Decimal // desk's net position from its fills on the venue
	Match   bool
}

// checkBalances compares every asset that desk trades as a base on venue
// vid with its balance there. Quote assets are not compared: fees and
// P&L move them, and desk keeps those in money of its own precision.
func (e *Engine) checkBalances(vid domain.VenueID, bals []domain.Balance) []BalanceCheck {
	byAsset := make(map[string]decimal.Decimal, len(bals))
	var at int64 // when the venue last changed the balances; 0: unknown
	for _, b := range bals {
		byAsset[strings.ToUpper(b.Asset)] = b.Total()
		at = max(at, b.At)
	}
	desk := map[string]decimal.Decimal{}
	var order []string
	acct := e.account(vid)
	for i := range e.opts.Instruments {
		in := &e.opts.Instruments[i]
		if !acct.lists(in.ID) {
			continue
		}
		a := strings.ToUpper(in.Base)
		if _, ok := desk[a]; !ok {
			order = append(order, a)
			desk[a] = decimal.Zero
		}
		if int(in.ID) < len(acct.pos) {
			q := acct.pos[in.ID]
			if at != 0 {
				// Fills the venue made after it stamped the balances
				// are in desk's position, not yet in the balances.
				q -= acct.since(in.ID, at)
			}
			desk[a] = desk[a].Add(in.QtyDecimal(q))
		}
	}
	out := make([]BalanceCheck, 0, len(order))
	for _, a := range order {
		c := BalanceCheck{Asset: a, Venue: byAsset[a], Opening: acct.opening[a], Desk: desk[a]}
		c.Match = c.Venue.Sub(c.Opening).Equal(c.Desk)
		out = append(out, c)
	}
	return out
}

// venueAccount is the engine's record of desk's account at one venue,
// beyond what the router keeps for routing.
type venueAccount struct {
	opening map[string]decimal.Decimal // by asset, in capitals (VenueSlot.Balances)
	listed  []bool                     // by InstrumentID; nil: the venue lists every instrument
	// pos is desk's net position from its fills on the venue, by
	// InstrumentID: what the venue's balances must show.
	pos []domain.Qty
	// recent are the last fills booked in pos, with the venue's stamp,
	// so that a balance the venue stamped can be compared with pos as it
	// stood then (since); next counts the fills booked.
	recent      [256]venueFill
	next        int
	reconciling bool
	reconciled  int64 // unix ns of the last reconciliation; 0: never
	external    []domain.ExternalOrder
	balances    []BalanceCheck
}

// venueFill is one fill booked in a venueAccount's position.
type venueFill struct {
	at   int64 // unix ns, the venue's stamp; 0: unknown
	inst domain.InstrumentID
	qty  domain.Qty // signed: negative sells
}

// lists reports whether the venue lists instrument i.
func (a *venueAccount) lists(i domain.InstrumentID) bool {
	return a.listed == nil || (int(i) < len(a.listed) && a.listed[i])
}

// account returns the engine's record of venue id's account.
func (e *Engine) account(id domain.VenueID) *venueAccount { return &e.accounts[id] }

// bookVenueFill counts f, stamped at (unix ns) by the venue's clock (0:
// unknown), in desk's net position on its venue.
func (e *Engine) bookVenueFill(f *domain.Fill, at int64) {
	if int(f.Venue) >= len(e.accounts) || int(f.Instrument) >= len(e.accounts[f.Venue].pos) {
		return
	}
	q := f.Qty
	if f.Side == domain.Sell {
		q = -q
	}
	a := &e.accounts[f.Venue]
	a.pos[f.Instrument] += q
	a.recent[a.next%len(a.recent)] = venueFill{at: at, inst: f.Instrument, qty: q}
	a.next++
}

// since returns the part of desk's net position in instrument i on the
// venue that fills stamped after at (unix ns, the venue's clock) made, as
// far as the recent fills go back.
func (a *venueAccount) since(i domain.InstrumentID, at int64) domain.Qty {
	var q domain.Qty
	for k := range min(a.next, len(a.recent)) {
		if f := &a.recent[k]; f.inst == i && f.at > at {
			q += f.qty
		}
	}
	return q
}

// reconcileOrder brings one order in line with the venue's record of it.
//
// An order under an id of desk's form that this desk cannot have sent is
// not adopted: it is returned as external (an operator's order with a
// look-alike id, or another desk's on the same account), left alone and
// shown. Desk cannot have sent an order of this run's epoch or a later one
// that it does not know (reconciliation at start comes before this run
// sends anything), nor one of a strategy it does not run, nor one in an
// instrument its strategy does not trade.
func (e *Engine) reconcileOrder(vid domain.VenueID, vo *domain.VenueOrder, sum *ReconcileSummary) (x domain.ExternalOrder, external bool) {
	id := vo.Order.ID
	sid := id.Strategy()
	o, known := e.oms.Get(id)
	if !known && e.journaled(id) {
		// The journal had it, the OMS has since let it go: it ended long
		// ago, and its fills are in the positions already.
		return x, false
	}
	if !known {
		if why := e.notOurs(vo); why != "" {
			if why == whyNoStrategy {
				sum.Foreign++
			}
			e.log.Warn("reconcile: an order under an id of desk's form that this desk did not send, left alone",
				"order", id, "venue", e.venueName(vid), "why", why)
			return externalOf(vid, vo), true
		}
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
	return x, false
}

// Why an unknown order under an id of desk's form is not desk's.
const (
	whyNoStrategy = "no such strategy"
	whyEpoch      = "an epoch desk has not run before this one"
	whyInstrument = "an instrument its strategy does not trade"
)

// notOurs says why desk cannot have sent vo, an order it does not know,
// or "" when it may have (sent, then lost with a crash).
func (e *Engine) notOurs(vo *domain.VenueOrder) string {
	id := vo.Order.ID
	st := e.strategy(id.Strategy())
	switch {
	case st == nil:
		return whyNoStrategy
	case id.Epoch() >= e.opts.Epoch:
		return whyEpoch
	case !slices.Contains(st.Instruments, vo.Order.Instrument):
		return whyInstrument
	}
	return ""
}

// externalOf is the venue's record of an order that is not desk's, as an
// external order: its quantity (after any replace) and what filled.
func externalOf(vid domain.VenueID, vo *domain.VenueOrder) domain.ExternalOrder {
	x := domain.ExternalOrder{Venue: vid, Instrument: vo.Order.Instrument, ClientID: vo.Order.ID.String(),
		Side: vo.Order.Side, Price: vo.Order.Price, Qty: vo.Order.Qty, Created: vo.Order.Created}
	for _, r := range vo.Reports {
		if r.VenueOrderID != 0 {
			x.VenueOrderID = r.VenueOrderID
		}
		switch r.Kind {
		case domain.ExecFill:
			x.Filled += r.LastQty
		case domain.ExecReplaced:
			x.Price, x.Qty = r.Price, r.Qty
		case domain.ExecReject, domain.ExecCanceled, domain.ExecExpired:
			x.Qty = x.Filled // ended: nothing open
		}
	}
	return x
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
	if r.Kind == domain.ExecReplaced && o.State.Working() && o.State != domain.StatePendingReplace &&
		(r.Price != o.Price || r.Qty != o.Qty) {
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
	e.afterReport(o, fill, was, r.VenueTime)
	return fill != nil
}

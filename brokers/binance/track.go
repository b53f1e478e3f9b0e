package binance

import (
	"context"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

// track.go is the adapter's order state: what desk sent, what the venue
// said, and the dedupe that makes each thing the venue says one report,
// whichever of its answers, its stream and its queries says it first.

// forgetAfter is how long an ended order is kept to recognise late and
// duplicated events about it.
const forgetAfter = 10 * time.Minute

// track is one desk order at the venue. v.mu guards it.
type track struct {
	id     domain.OrderID
	sym    *symbol
	side   domain.Side
	typ    api.OrderType
	tif    api.TimeInForce
	stamps domain.Stamps
	sentAt time.Time // the new order's send, local clock

	price   domain.Price
	qty     domain.Qty // desk's total quantity: filled plus the live leaves
	filled  domain.Qty
	venueID int64      // the live venue order's id
	gen     int        // replaces applied: the live client id is clientID(id, gen)
	legBase domain.Qty // what had filled before the live venue order: its executedQty is filled-legBase
	nextN   int        // the last replace number sent

	acked, ended bool
	endedAt      time.Time
	execs        map[[2]int64]struct{} // (venue order id, execution id) seen
	trades       map[int64]struct{}    // trade ids applied

	newUnknown  bool         // the new order's outcome is unknown
	cancelAfter bool         // a cancel asked while a replace was in flight: sent once it settles
	cancel      *pending     // a cancel sent and not answered
	repl        *pendingRepl // a cancelReplace sent and not answered

	// held is a final report (canceled, expired) that the venue gave
	// while fills it counted (heldCum) had not arrived yet: it goes out
	// after them, so the OMS sees the fills before the end.
	held    *domain.ExecReport
	heldCum domain.Qty
}

type pending struct {
	sentAt  time.Time
	unknown bool
}

type pendingRepl struct {
	pending
	n         int
	price     domain.Price
	cancelLeg bool       // the stream reported the old order canceled by it
	cancelCum domain.Qty // the old order's cumulative fill at that cancel
}

func (t *track) closing() bool { return t.held != nil }

// resolved reports whether nothing about t waits for the venue's word.
func (t *track) resolved() bool {
	return !t.newUnknown && (t.cancel == nil || !t.cancel.unknown) && (t.repl == nil || !t.repl.unknown) && t.held == nil
}

// evKind is what an event for the applier carries.
type evKind uint8

const (
	evExec     evKind = iota + 1 // a user data stream executionReport
	evPlaced                     // the answer to a new order
	evCanceled                   // the answer to a cancel
	evReplaced                   // the answer to a cancelReplace
	evQueried                    // the venue's record of an order, by query
	evLocal                      // a report decided locally (a filter, the rate gate)
)

type event struct {
	kind     evKind
	id       domain.OrderID
	n        int
	er       api.ExecutionReport
	received int64
	body     []byte
	err      error
	chain    *chain
	local    domain.ExecReport
	// untracked marks an evLocal about a request that has no track of
	// its own (a new order refused before it was registered).
	untracked bool
}

// applier is the one goroutine that changes tracks from what the venue
// says and the one that sends on Options.Reports, so reports leave in
// the order their causes arrived. The send blocks (never drops).
func (v *Venue) applier(ctx context.Context) {
	gc := time.NewTicker(time.Minute)
	defer gc.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-gc.C:
			v.forget(now)
		case ev := <-v.events:
			v.mu.Lock()
			v.outBuf = v.outBuf[:0]
			v.apply(ev)
			v.mu.Unlock()
			for _, r := range v.outBuf {
				select {
				case v.opts.Reports <- r:
				case <-ctx.Done():
					return
				}
			}
		}
	}
}

func (v *Venue) forget(now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for id, t := range v.tracks {
		if t.ended && t.resolved() && now.Sub(t.endedAt) > forgetAfter {
			delete(v.tracks, id)
		}
	}
}

// emit queues r about t for the applier's send.
func (v *Venue) emit(t *track, r domain.ExecReport) {
	r.Venue, r.OrderID = v.opts.ID, t.id
	if r.Stamps == (domain.Stamps{}) {
		r.Stamps = t.stamps
	}
	if r.Stamps.Decoded == 0 {
		r.Stamps.Decoded = domain.Mono()
	}
	switch r.Kind {
	case domain.ExecAck:
		r.Stamps.Acked = r.Stamps.Decoded
	case domain.ExecFill:
		r.Stamps.Filled = r.Stamps.Decoded
	}
	v.outBuf = append(v.outBuf, r)
}

// apply changes tracks by ev and queues the reports it makes. v.mu is
// held.
func (v *Venue) apply(ev *event) {
	if ev.kind == evExec {
		v.applyExec(&ev.er, ev.received)
		if id, ok := execOrder(&ev.er); ok {
			if t := v.tracks[id]; t != nil {
				if t.resolved() {
					v.res.done(id, false) // the stream settled what a query was to
				}
				v.afterReplace(t)
			}
		}
		return
	}
	t := v.tracks[ev.id]
	if ev.kind == evLocal && (t == nil || ev.untracked) {
		// A new order refused before it was registered: its report is
		// all there is (a duplicate id must not touch the original's track).
		v.outBuf = append(v.outBuf, ev.local)
		return
	}
	if t == nil {
		return
	}
	switch ev.kind {
	case evLocal: // a cancel or replace refused before its request
		if ev.local.Kind == domain.ExecCancelReject {
			t.cancel = nil
		}
		v.emit(t, ev.local)
	case evPlaced:
		v.applyPlaced(t, ev)
	case evCanceled:
		v.applyCanceled(t, ev)
	case evReplaced:
		v.applyReplaced(t, ev)
	case evQueried:
		v.applyChain(t, ev.chain)
	}
	if t.resolved() {
		v.res.done(t.id, ev.kind == evQueried)
	} else {
		v.res.add(t.id)
	}
	v.afterReplace(t)
}

// afterReplace sends the cancel asked for while a replace was in flight,
// now that it is settled and the live order's client id is known. The
// queue is the engine's (never waited on): when it is full the cancel is
// refused.
func (v *Venue) afterReplace(t *track) {
	if !t.cancelAfter || t.repl != nil {
		return
	}
	t.cancelAfter = false
	if t.ended || t.held != nil {
		return
	}
	select {
	case v.out <- request{kind: reqCancel, id: t.id, inst: t.sym.inst.ID, stamps: t.stamps, enqueuedAt: domain.Mono()}:
	default:
		v.emit(t, domain.ExecReport{Kind: domain.ExecCancelReject, VenueOrderID: uint64(t.venueID), Reason: ReasonQueueFull})
	}
}

// execOrder is the desk order an executionReport is about.
func execOrder(er *api.ExecutionReport) (domain.OrderID, bool) {
	cid := er.ClientOrderID
	if er.ExecutionType == api.ExecCanceled && er.OrigClientOrderID != "" {
		cid = er.OrigClientOrderID
	}
	id, _, ok := parseClientID(cid)
	return id, ok
}

// adopt makes a track for an order of desk's the venue reports but this
// process did not send (a restart, another process of the same desk).
func (v *Venue) adopt(id domain.OrderID, sym *symbol, side api.Side, typ api.OrderType, tif api.TimeInForce) *track {
	t := &track{id: id, sym: sym, side: sideFrom(side), typ: typ, tif: tif}
	v.tracks[id] = t
	return t
}

// applyExec maps one executionReport, once.
func (v *Venue) applyExec(er *api.ExecutionReport, received int64) {
	cid := er.ClientOrderID
	if er.ExecutionType == api.ExecCanceled && er.OrigClientOrderID != "" {
		cid = er.OrigClientOrderID
	}
	id, n, ok := parseClientID(cid)
	if !ok {
		return // not desk's: ExternalOrders lists it
	}
	t := v.tracks[id]
	if t == nil {
		sym := v.syms[er.Symbol]
		if sym == nil {
			return
		}
		t = v.adopt(id, sym, er.Side, er.OrderType, er.TimeInForce)
	}
	if er.ExecutionID != 0 {
		key := [2]int64{er.OrderID, er.ExecutionID}
		if _, dup := t.execs[key]; dup {
			return
		}
		if t.execs == nil {
			t.execs = map[[2]int64]struct{}{}
		}
		t.execs[key] = struct{}{}
	}
	stamps := t.stamps
	stamps.Received = received
	sym := t.sym
	switch er.ExecutionType {
	case api.ExecNew:
		if n == 0 {
			if !t.acked && !t.ended {
				t.acked, t.venueID, t.newUnknown = true, er.OrderID, false
				v.emit(t, domain.ExecReport{Kind: domain.ExecAck, VenueOrderID: uint64(er.OrderID),
					VenueTime: er.TransactTime * 1e6, Stamps: stamps})
			}
			return
		}
		if n > t.gen && !t.ended {
			p, err1 := sym.price(er.Price)
			q, err2 := sym.qty(er.Quantity)
			if err1 != nil || err2 != nil {
				v.log.Error("binance: a replacement order's price or quantity does not fit the instrument", "order", t.id)
				return
			}
			// What the old order had filled: the fills reported, or, if
			// some are still on their way, what its cancel said it had
			// executed (the CANCELED event comes before the NEW).
			base := t.filled
			if t.repl != nil && t.repl.cancelLeg {
				base = max(base, t.repl.cancelCum)
			}
			v.replaced(t, n, p, base+q, base, er.OrderID, stamps)
		}
	case api.ExecTrade:
		f, feeOK, err := sym.fillOf(t.id, v.opts.ID, er)
		if err != nil {
			v.log.Error("binance: a fill does not fit the instrument", "order", t.id, "err", err)
			return
		}
		if !feeOK {
			v.log.Warn("binance: fee in an asset without a price here, reported as 0", "order", t.id, "asset", er.CommissionAsset)
		}
		f.Stamps = stamps
		v.fill(t, f)
	case api.ExecCanceled:
		if n < t.gen || t.ended {
			return
		}
		cum, _ := sym.qty(er.CumQty)
		if t.repl != nil && n == t.gen {
			// The cancel half of a replace: its new order (or the answer
			// saying it failed) decides.
			t.repl.cancelLeg, t.repl.cancelCum = true, cum
			return
		}
		v.end(t, domain.ExecReport{Kind: domain.ExecCanceled, VenueOrderID: uint64(er.OrderID), Reason: ReasonCanceled,
			VenueTime: er.TransactTime * 1e6, Stamps: stamps}, cum)
	case api.ExecRejected:
		if t.ended {
			return
		}
		if n == 0 && !t.acked {
			v.end(t, domain.ExecReport{Kind: domain.ExecReject, Reason: rejectReason(er.RejectReason), Stamps: stamps}, 0)
			return
		}
		if n > t.gen && t.repl != nil && t.repl.cancelLeg {
			v.end(t, domain.ExecReport{Kind: domain.ExecCanceled, Reason: ReasonReplaceNewFailed, Stamps: stamps}, t.repl.cancelCum)
		}
	case api.ExecExpired:
		if n < t.gen || t.ended {
			return
		}
		cum, _ := sym.qty(er.CumQty)
		kind, reason := endOf(er.OrderStatus, er.OrderType, er.TimeInForce)
		v.end(t, domain.ExecReport{Kind: kind, VenueOrderID: uint64(er.OrderID), Reason: reason,
			VenueTime: er.TransactTime * 1e6, Stamps: stamps}, cum)
	}
}

func rejectReason(r string) string {
	switch r {
	case "", "NONE":
		return ReasonVenueRejected
	case "INSUFFICIENT_BALANCE":
		return ReasonInsufficientBalance
	}
	return ReasonVenueRejected
}

// fill applies one fill, once per trade id, acking first if the ack has
// not been reported (a fill proves the venue took the order).
func (v *Venue) fill(t *track, f domain.ExecReport) {
	tid := int64(f.TradeID)
	if _, dup := t.trades[tid]; dup {
		return
	}
	if t.trades == nil {
		t.trades = map[int64]struct{}{}
	}
	t.trades[tid] = struct{}{}
	if !t.acked {
		t.acked, t.newUnknown = true, false
		if t.venueID == 0 {
			t.venueID = int64(f.VenueOrderID)
		}
		v.emit(t, domain.ExecReport{Kind: domain.ExecAck, VenueOrderID: uint64(t.venueID), Stamps: f.Stamps})
	}
	t.filled += f.LastQty
	v.emit(t, f)
	if t.held != nil && t.filled >= t.heldCum {
		r := *t.held
		t.held = nil
		v.finish(t, r)
	}
}

// replaced applies replace n: the order now has price p and total qty.
// legBase is what had filled before the new order.
func (v *Venue) replaced(t *track, n int, p domain.Price, qty, legBase domain.Qty, venueID int64, stamps domain.Stamps) {
	t.gen, t.price, t.qty, t.venueID, t.legBase = n, p, qty, venueID, legBase
	t.nextN = max(t.nextN, n)
	if t.repl != nil && t.repl.n <= n {
		t.repl = nil
	}
	t.acked = true
	v.emit(t, domain.ExecReport{Kind: domain.ExecReplaced, VenueOrderID: uint64(venueID), Price: p, Qty: qty, Stamps: stamps})
}

// end reports t's final state r, after the fills the venue counted (cum)
// have all been reported.
func (v *Venue) end(t *track, r domain.ExecReport, cum domain.Qty) {
	if t.ended || t.held != nil {
		return
	}
	if cum > t.filled {
		t.held, t.heldCum = &r, cum
		v.res.add(t.id) // if the fills never come, a query finds them
		return
	}
	v.finish(t, r)
}

func (v *Venue) finish(t *track, r domain.ExecReport) {
	t.ended, t.endedAt = true, time.Now()
	t.newUnknown, t.cancel, t.repl = false, nil, nil
	if r.Kind == domain.ExecReject {
		t.acked = true // nothing more to ack
	}
	v.emit(t, r)
}

func (v *Venue) applyPlaced(t *track, ev *event) {
	switch outcomeOf(ev.err) {
	case api.OutcomeDone:
		t.newUnknown = false
		o, err := api.DecodeOrder(ev.body)
		if err != nil {
			// 2xx but not an order: it was placed; the stream or a query
			// says the rest.
			t.newUnknown = true
			return
		}
		if !t.acked && !t.ended {
			t.acked, t.venueID = true, o.OrderID
			v.emit(t, domain.ExecReport{Kind: domain.ExecAck, VenueOrderID: uint64(o.OrderID), VenueTime: o.TransactTime * 1e6})
		}
		if o.Status.Final() && !v.sess.streamOK() {
			t.newUnknown = true // no stream to say how it ended: query
		}
	case api.OutcomeRejected:
		if !t.acked && !t.ended {
			v.finish(t, domain.ExecReport{Kind: domain.ExecReject, Reason: reasonOf(ev.err)})
		}
	default:
		if !t.acked && !t.ended {
			t.newUnknown = true
			v.log.Warn("binance: new order outcome unknown; resolving by query", "order", t.id, "err", ev.err)
		}
	}
}

func (v *Venue) applyCanceled(t *track, ev *event) {
	switch outcomeOf(ev.err) {
	case api.OutcomeDone:
		t.cancel = nil
		o, err := api.DecodeOrder(ev.body)
		if err != nil {
			return // canceled; the stream's CANCELED carries the rest
		}
		cum, _ := t.sym.qty(o.ExecutedQty)
		v.end(t, domain.ExecReport{Kind: domain.ExecCanceled, VenueOrderID: uint64(o.OrderID), Reason: ReasonCanceled,
			VenueTime: o.TransactTime * 1e6}, cum)
	case api.OutcomeRejected:
		t.cancel = nil
		if !t.ended && t.held == nil {
			v.emit(t, domain.ExecReport{Kind: domain.ExecCancelReject, VenueOrderID: uint64(t.venueID), Reason: reasonOf(ev.err)})
		}
	default:
		if t.cancel != nil && !t.ended {
			t.cancel.unknown = true
			v.log.Warn("binance: cancel outcome unknown; resolving by query", "order", t.id, "err", ev.err)
		}
	}
}

func (v *Venue) applyReplaced(t *track, ev *event) {
	if t.repl == nil || t.repl.n != ev.n {
		return // already decided by the stream or a query
	}
	out := outcomeOf(ev.err)
	e, isAPI := asAPIError(ev.err)
	if out == api.OutcomeUnknown && isAPI && e.Code == api.CodeCancelReplacePartial {
		if d, err := api.DecodeCancelReplaceData(e.Data); err == nil &&
			d.CancelResult == api.ResultSuccess && d.NewOrderResult == api.ResultFailure {
			c, _ := api.DecodeOrder(d.CancelResponse)
			cum, _ := t.sym.qty(c.ExecutedQty)
			t.repl = nil
			v.end(t, domain.ExecReport{Kind: domain.ExecCanceled, VenueOrderID: uint64(c.OrderID), Reason: ReasonReplaceNewFailed}, cum)
			return
		}
	}
	switch out {
	case api.OutcomeDone:
		d, err := api.DecodeCancelReplaceData(ev.body)
		no, err2 := api.DecodeOrder(d.NewOrderResponse)
		co, err3 := api.DecodeOrder(d.CancelResponse)
		if err != nil || err2 != nil || err3 != nil || no.OrderID == 0 {
			t.repl.unknown = true
			return
		}
		cum, err1 := t.sym.qty(co.ExecutedQty)
		q, err2 := t.sym.qty(no.OrigQty)
		p, err3 := t.sym.price(no.Price)
		if err1 != nil || err2 != nil || err3 != nil {
			t.repl.unknown = true
			return
		}
		if ev.n > t.gen && !t.ended {
			v.replaced(t, ev.n, p, max(cum, t.filled)+q, max(cum, t.filled), no.OrderID, t.stamps)
		}
	case api.OutcomeRejected:
		t.repl = nil
		if !t.ended && t.held == nil {
			v.emit(t, domain.ExecReport{Kind: domain.ExecReplaceReject, VenueOrderID: uint64(t.venueID), Reason: reasonOf(ev.err)})
		}
	default:
		t.repl.unknown = true
		v.log.Warn("binance: replace outcome unknown; resolving by query", "order", t.id, "err", ev.err)
	}
}

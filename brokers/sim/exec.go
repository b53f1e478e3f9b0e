package sim

import (
	"github.com/desk-trading/desk/brokers/sim/match"
	"github.com/desk-trading/desk/core/domain"
)

// handle applies one client request that has reached the books.
func (v *Venue) handle(r *request) {
	switch r.kind {
	case reqSubmit:
		v.submit(r)
	case reqCancel:
		c, ok := v.clients[r.id]
		if !ok {
			// Not recorded: the venue holds no live order r.id.
			v.report(nil, domain.ExecReport{Kind: domain.ExecCancelReject, OrderID: r.id,
				Reason: match.ReasonUnknownOrder, Stamps: r.stamps})
			return
		}
		v.apply(c.market, c.market.book.Cancel(c.void), r, c.rec)
	case reqReplace:
		c, ok := v.clients[r.id]
		reason := ""
		switch {
		case !ok:
			reason = match.ReasonUnknownOrder
		case r.qty <= 0 || r.qty%c.market.inst.LotSize != 0:
			reason = match.ReasonBadQty
		case r.price <= 0 || r.price%c.market.inst.TickSize != 0:
			reason = match.ReasonBadPrice
		}
		if reason != "" {
			// c.rec is nil, and the report not recorded, when the
			// venue holds no live order r.id.
			v.report(c.rec, domain.ExecReport{Kind: domain.ExecReplaceReject, OrderID: r.id, VenueOrderID: c.void,
				Price: r.price, Qty: r.qty, Reason: reason, Stamps: r.stamps})
			return
		}
		v.apply(c.market, c.market.book.Replace(c.void, r.price, r.qty), r, c.rec)
	}
}

func (v *Venue) submit(r *request) {
	m := v.byID[r.inst]
	reason := v.refusal(m, r)
	if _, dup := v.clients[r.id]; dup && reason == "" {
		reason = match.ReasonDuplicateID
	}
	if reason != "" {
		rep := domain.ExecReport{Kind: domain.ExecReject, OrderID: r.id, Reason: reason, Stamps: r.stamps}
		if reason == match.ReasonDuplicateID {
			// About the live order r.id rather than this one: recording it
			// there would end that order in the eyes of whoever replays
			// its reports.
			v.report(nil, rep)
			return
		}
		rec := v.newRec(r)
		v.report(rec, rep)
		v.end(rec)
		return
	}
	v.lastVOID++
	rec := v.newRec(r)
	v.clients[r.id] = clientOrder{void: v.lastVOID, market: m, stamps: r.stamps, rec: rec}
	v.apply(m, m.book.Submit(match.Order{ID: v.lastVOID, Tag: uint64(r.id), Side: r.side, Type: r.typ,
		TIF: r.tif, PostOnly: r.postOnly, Price: r.price, Qty: r.qty}), r, rec)
}

// refusal returns why the venue refuses new order r on market m (nil when
// it lists no such instrument), or "" when the order may go to the book.
// In this order:
//
//   - an unknown instrument or a zero id;
//   - what this venue does not trade: a type other than limit and market
//     (unsupported-order-type), a time in force other than GTC, IOC and FOK
//     (unsupported-tif). A request carries no stop price or expiry, so
//     these are refused before the order is judged;
//   - an order that is not an order at all by domain.ValidateOrder, the
//     rules the OMS and the strategy runtime apply too, with a zero time
//     in force taken as domain.DefaultTIF (IOC for a market order, GTC for
//     a limit order); the fault becomes a reason by reasonOf;
//   - a limit price below zero, which this venue's books do not trade
//     (bad-price).
//
// A duplicate id is the caller's to check.
func (v *Venue) refusal(m *market, r *request) string {
	switch {
	case m == nil:
		return ReasonUnknownInstrument
	case r.id == 0:
		return match.ReasonBadID
	case r.typ != domain.Limit && r.typ != domain.Market:
		return match.ReasonBadType
	case r.tif != 0 && r.tif != domain.GTC && r.tif != domain.IOC && r.tif != domain.FOK:
		return match.ReasonBadTIF
	}
	o := domain.Intent{Instrument: r.inst, Side: r.side, Type: r.typ, TIF: r.tif,
		PostOnly: r.postOnly, Price: r.price, Qty: r.qty}
	if o.TIF == 0 {
		o.TIF = domain.DefaultTIF(o.Type)
	}
	if err := domain.ValidateOrder(&o, &m.inst, v.wall); err != nil {
		if oe, ok := err.(*domain.OrderError); ok {
			return reasonOf(oe.Fault, &o)
		}
		return match.ReasonBadType // not reached: ValidateOrder returns *OrderError
	}
	if r.price < 0 {
		return match.ReasonBadPrice
	}
	return ""
}

// reasonOf is the reject reason of fault f of order o: one of the reasons
// of package match, as the book would give it.
func reasonOf(f domain.OrderFault, o *domain.Intent) string {
	switch f {
	case domain.FaultInstrument:
		return ReasonUnknownInstrument
	case domain.FaultSide:
		return match.ReasonBadSide
	case domain.FaultType:
		return match.ReasonBadType
	case domain.FaultTIF, domain.FaultMarketTIF, domain.FaultExpiry:
		return match.ReasonBadTIF
	case domain.FaultQty, domain.FaultLot, domain.FaultFilled:
		return match.ReasonBadQty
	case domain.FaultPostOnly:
		// Post-only needs a limit order that may rest.
		if o.Type != domain.Limit {
			return match.ReasonBadType
		}
		return match.ReasonBadTIF
	default: // price faults
		return match.ReasonBadPrice
	}
}

// apply turns the book's events into reports for client orders (tagged with
// their client id; flow and mirror orders carry tag zero and get none),
// public trades, and the bookkeeping of client and flow orders. r is the
// client request that caused them and rec the record of r's order, both nil
// for flow and mirror orders (rec is nil too for a request about an order
// the venue does not hold).
//
// An event with tag zero may be about a mirror order rather than a flow
// order: flow.forget of a mirror order's id finds nothing and does nothing.
// The mirror keeps its own list: fill forgets a mirror maker taken entirely,
// and applyMirror drops the orders it cancels (the only way a mirror order
// is canceled) and the ones it places that do not rest.
func (v *Venue) apply(m *market, evs []match.Event, r *request, rec *orderRec) {
	var stamps domain.Stamps
	if r != nil {
		stamps = r.stamps
	}
	for i := range evs {
		e := &evs[i]
		id := domain.OrderID(e.Tag)
		if id == 0 && r != nil {
			id = r.id // cancel and replace rejections of an order the book lost
		}
		switch e.Kind {
		case match.Accepted:
			if e.Tag != 0 {
				v.report(v.recOf(id, rec), domain.ExecReport{Kind: domain.ExecAck, OrderID: id, VenueOrderID: e.ID,
					Stamps: stamps})
			}
		case match.Rejected:
			if e.Tag != 0 {
				orec := v.recOf(id, rec)
				delete(v.clients, id)
				v.report(orec, domain.ExecReport{Kind: domain.ExecReject, OrderID: id, Reason: e.Reason, Stamps: stamps})
				v.end(orec)
			}
		case match.Filled:
			v.fill(m, e, &stamps, rec)
		case match.Canceled:
			if e.Tag == 0 {
				m.flow.forget(e.ID)
				continue
			}
			orec := v.recOf(id, rec)
			delete(v.clients, id)
			v.report(orec, domain.ExecReport{Kind: domain.ExecCanceled, OrderID: id, VenueOrderID: e.ID,
				Reason: e.Reason, Stamps: stamps})
			v.end(orec)
		case match.Replaced:
			if e.Tag != 0 {
				v.report(v.recOf(id, rec), domain.ExecReport{Kind: domain.ExecReplaced, OrderID: id,
					VenueOrderID: e.ID, Price: e.Price, Qty: e.Qty, Stamps: stamps})
			}
		case match.CancelRejected:
			// The client map said the order rests but the book disagrees:
			// trust the book, and let the report tell the engine.
			if r != nil {
				orec := v.recOf(id, rec)
				delete(v.clients, id)
				v.report(orec, domain.ExecReport{Kind: domain.ExecCancelReject, OrderID: id, VenueOrderID: e.ID,
					Reason: e.Reason, Stamps: stamps})
				v.end(orec)
			}
		case match.ReplaceRejected:
			if r != nil {
				orec := v.recOf(id, rec)
				v.report(orec, domain.ExecReport{Kind: domain.ExecReplaceReject, OrderID: id, VenueOrderID: e.ID,
					Price: e.Price, Qty: e.Qty, Reason: e.Reason, Stamps: stamps})
				if e.Reason == match.ReasonUnknownOrder {
					delete(v.clients, id)
					v.end(orec)
				}
			}
		}
	}
}

// fill prints one trade and reports it to whichever sides are client
// orders. Both fills and the public trade carry the same trade id, drawn
// from one venue-wide counter, as exchanges do; a fill is named by (venue,
// order, trade id), which stays unique even when two client orders trade
// with each other.
//
// rec is the record of the order of the request being handled, which is
// the taker when a client order takes; a client maker's record comes with
// its client order.
func (v *Venue) fill(m *market, e *match.Event, stamps *domain.Stamps, rec *orderRec) {
	v.lastTrade++
	tradeID := v.lastTrade
	if sink := v.cfg.Market; sink != nil {
		m.trade.Price, m.trade.Qty, m.trade.Aggressor = e.Price, e.Qty, e.Side
		m.trade.TradeID, m.trade.VenueTime = tradeID, v.wall
		sink.Trade(&m.trade)
	}
	if e.Tag != 0 {
		id := domain.OrderID(e.Tag)
		orec := v.recOf(id, rec)
		v.report(orec, v.fillReport(m, id, e.ID, e, domain.Taker, tradeID, stamps))
		if e.Leaves == 0 {
			delete(v.clients, id)
			v.end(orec)
		}
	}
	if e.MakerTag != 0 {
		id := domain.OrderID(e.MakerTag)
		c := v.clients[id]
		v.report(c.rec, v.fillReport(m, id, e.MakerID, e, domain.Maker, tradeID, &c.stamps))
		if e.MakerLeaves == 0 {
			delete(v.clients, id)
			v.end(c.rec)
		}
	} else if e.MakerLeaves == 0 {
		// A flow or a mirror order; each list forgets only its own ids.
		m.flow.forget(e.MakerID)
		m.mirror.forget(e.MakerID)
	}
}

func (v *Venue) fillReport(m *market, id domain.OrderID, void uint64, e *match.Event, liq domain.Liquidity,
	tradeID uint64, stamps *domain.Stamps) domain.ExecReport {
	bps := v.cfg.takerE4
	if liq == domain.Maker {
		bps = v.cfg.makerE4
	}
	return domain.ExecReport{Kind: domain.ExecFill, OrderID: id, VenueOrderID: void,
		LastPx: e.Price, LastQty: e.Qty, TradeID: tradeID, Fee: v.fee(m, e.Price, e.Qty, bps),
		Liquidity: liq, Stamps: *stamps}
}

// fee returns notional*bps/10000 with bps in units of 10^-4 basis points,
// rounded toward zero.
func (v *Venue) fee(m *market, px domain.Price, qty domain.Qty, bpsE4 int64) domain.Money {
	if bpsE4 == 0 {
		return 0
	}
	notional, ok := m.inst.Notional(px, qty)
	if ok {
		if f, ok := domain.MulDiv(int64(notional), bpsE4, 10_000*10_000); ok {
			return domain.Money(f)
		}
	}
	// Unreachable for a fee below 100% of a notional that fits in Money;
	// say so loudly rather than charge a wrong fee silently.
	v.cfg.Logger.Error("fee overflow, charging the maximum", "venue", v.cfg.Name,
		"instrument", m.inst.Symbol, "price", int64(px), "qty", int64(qty))
	if bpsE4 < 0 {
		return -domain.MaxMoney
	}
	return domain.MaxMoney
}

// report queues a report for delivery one latency from now and, when rec
// is not nil, records it as issued about rec's order: issued is what
// counts, delivered or not.
func (v *Venue) report(rec *orderRec, r domain.ExecReport) {
	r.Venue, r.VenueTime = v.cfg.ID, v.wall
	v.outbox.push(outReport{due: v.now + int64(v.cfg.Latency), r: r})
	if rec != nil {
		rec.reports = append(rec.reports, r)
	}
}

package binance

import (
	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/brokers/sim/match"
	"github.com/desk-trading/desk/core/domain"
)

// This file turns the venue's execution reports into the record: acks,
// refusals, fills (balances and trades), cancels and expiries.

// report applies one execution report of the venue.
func (l *ledger) report(rep *domain.ExecReport) {
	if rep.OrderID&markerBit != 0 {
		if id, ok := l.markers[rep.OrderID]; ok {
			delete(l.markers, rep.OrderID)
			l.finishNew(id)
		}
		return
	}
	o := l.open[int64(rep.OrderID)]
	if o == nil {
		return // an order the record already closed: nothing more to say
	}
	switch rep.Kind {
	case domain.ExecAck:
		if l.restored[o.ID] {
			delete(l.restored, o.ID)
			return
		}
		o.Acked = true
		l.dirty(o)
		l.emit(o, api.ExecNew, nil, "")
		if p := l.pendNew[o.ID]; p != nil && !p.marked {
			l.finishNew(o.ID) // no marker was sent: answer with what the ack says
		}
	case domain.ExecReject:
		l.rejected(o, rep.Reason)
	case domain.ExecFill:
		l.fill(o, rep)
	case domain.ExecCanceled:
		if p := l.pendCanc[o.ID]; p != nil {
			delete(l.pendCanc, o.ID)
			l.canceled(o, p)
			return
		}
		l.end(o, api.StatusExpired, api.ExecExpired, "") // an IOC or MARKET remainder
		l.finishNew(o.ID)
	case domain.ExecCancelReject:
		if p := l.pendCanc[o.ID]; p != nil {
			delete(l.pendCanc, o.ID)
			p.finish(nil, errUnknownOrder())
		}
	case domain.ExecExpired:
		l.end(o, api.StatusExpired, api.ExecExpired, "")
		l.finishNew(o.ID)
	}
}

// rejected handles the book's refusal of o. A FOK that cannot fill is an
// order that expired (Binance answers it EXPIRED); a refusal of an order
// already acknowledged (one sent back to the book at start) expires it;
// any other refusal is -2010 and the order never existed.
func (l *ledger) rejected(o *order, reason string) {
	if reason == match.ReasonFOKNotFillable || o.Acked {
		if !o.Acked {
			o.Acked = true
			l.emit(o, api.ExecNew, nil, "")
		}
		l.end(o, api.StatusExpired, api.ExecExpired, "")
		l.finishNew(o.ID)
		return
	}
	l.release(o)
	delete(l.open, o.ID)
	delete(l.openCID, string(prefix(o.Account, o.Symbol))+o.ClientID)
	delete(l.b.orders, o.ID)
	l.b.deleted[o.ID] = o
	msg := reason
	if reason == match.ReasonPostOnlyWouldCross {
		msg = api.MsgWouldMatch
	}
	if p := l.pendNew[o.ID]; p != nil {
		delete(l.pendNew, o.ID)
		p.finish(nil, api.NewOrderRejected(msg))
	}
}

// fill books one trade of o.
func (l *ledger) fill(o *order, rep *domain.ExecReport) {
	var id int64
	if rep.TradeID != 0 && rep.TradeID == l.simTrade && o.Symbol == l.simSym {
		id = l.lastTID // the other side of a trade between two of the venue's accounts
	} else {
		id = l.next("trade/" + o.Symbol)
		l.simTrade, l.simSym, l.lastTID = rep.TradeID, o.Symbol, id
	}
	l.book(o, int64(rep.LastPx), int64(rep.LastQty), int64(rep.Fee), rep.Liquidity == domain.Maker, id)
}

// book applies a trade of qty at px with fee to o, its account and the
// record, and reports it.
func (l *ledger) book(o *order, px, qty, fee int64, maker bool, tradeID int64) {
	in := &o.m.inst
	a := l.accounts[o.Account]
	notional, _ := in.Notional(domain.Price(px), domain.Qty(qty))
	t := &trade{ID: tradeID, OrderID: o.ID, Account: o.Account, Symbol: o.Symbol, Price: px, Qty: qty,
		Quote: int64(notional), Commission: fee, Time: l.now, IsBuyer: o.Side == api.SideBuy, IsMaker: maker}
	feeD, notionalD := domain.Money(fee).Decimal(), notional.Decimal()
	if o.Side == api.SideBuy {
		o.Reserved = a.spendLocked(in.Quote, notionalD.Add(feeD), o.Reserved)
		a.credit(in.Base, in.QtyDecimal(domain.Qty(qty)))
	} else {
		o.Reserved = a.spendLocked(in.Base, in.QtyDecimal(domain.Qty(qty)), o.Reserved)
		a.credit(in.Quote, notionalD.Sub(feeD))
	}
	l.dirtyAcct(a)
	o.Filled += qty
	o.CumQuote += int64(notional)
	l.b.trades = append(l.b.trades, t)
	if p := l.pendNew[o.ID]; p != nil {
		p.fills = append(p.fills, t.apiFill(o.m))
	}
	if o.leaves() <= 0 {
		o.Status = api.StatusFilled
		l.release(o)
		delete(l.open, o.ID)
		delete(l.openCID, string(prefix(o.Account, o.Symbol))+o.ClientID)
		delete(l.restored, o.ID)
	} else {
		o.Status = api.StatusPartiallyFilled
	}
	l.dirty(o)
	l.emit(o, api.ExecTrade, t, "")
	if o.Status == api.StatusFilled {
		l.finishNew(o.ID)
	}
}

// canceled closes o on its cancel and answers it. Under the
// fill-after-cancel fault, a last fill of half of what is left (all of
// it, for one lot) is booked first, at the order's price as maker, as if
// it had matched while the cancel was on its way: the order ends
// partially filled then canceled, the cancel's answer says so, and the
// stream reports the fill then the cancel after the answer. When that
// fill takes everything, the order ends FILLED and the cancel is -2011.
func (l *ledger) canceled(o *order, p *pending) {
	if o.Type != api.TypeMarket && l.s.takeFault(faultFillAfterCancel) {
		lot := int64(o.m.inst.LotSize)
		q := o.leaves() / 2 / lot * lot
		if q == 0 {
			q = o.leaves()
		}
		notional, _ := o.m.inst.Notional(domain.Price(o.Price), domain.Qty(q))
		fee := feeOf(notional, l.s.opts.Fees.MakerBps)
		l.book(o, o.Price, q, fee, true, l.next("trade/"+o.Symbol))
		if !o.open() {
			p.finish(nil, errUnknownOrder())
			return
		}
	}
	l.end(o, api.StatusCanceled, api.ExecCanceled, p.cancelCID)
	p.finish(o.cancelOrder(p.cancelCID, l.now), nil)
}

// feeOf is notional*bps/10000, toward zero, as the simulator charges.
func feeOf(notional domain.Money, bps decimal.Decimal) int64 {
	return notional.Decimal().Mul(bps).Shift(-4).Shift(domain.MoneyDecimals).Truncate(0).IntPart()
}

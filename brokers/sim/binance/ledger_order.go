package binance

import (
	"encoding/json"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

// errBusy answers a request the venue could not queue: nothing was done.
func errBusy() *api.Error {
	return api.NewError(api.CodeServerBusy, "Server is currently overloaded with other requests. Please try again in a few minutes.")
}

func errUnknownOrder() *api.Error { return api.CancelRejected(api.MsgUnknownOrder) }

// request applies one order-entry request.
func (l *ledger) request(r *ledgerReq) {
	if l.accounts[r.acct] == nil {
		l.reply(r, nil, api.NewError(api.CodeRejectedMBXKey, api.MsgRejectedMBXKey))
		return
	}
	switch r.op {
	case opPlace:
		if err := l.place(r.acct, &r.place, func(body any, err *api.Error) { l.reply(r, body, err) }); err != nil {
			l.reply(r, nil, err)
		}
	case opCancel:
		if err := l.cancel(r.acct, r.cancel, func(body any, err *api.Error) { l.reply(r, body, err) }); err != nil {
			l.reply(r, nil, err)
		}
	case opCancelReplace:
		l.cancelReplace(r)
	case opCancelAll:
		l.cancelAll(r)
	}
}

// cancelAll cancels every open order of the account on the symbol (but
// those with a cancel already in flight) and answers, once each cancel
// is done, the list of their answers, oldest order first: a cancel's
// answer, or its error ({code, msg}) when it lost a race with a fill.
// None open is -2011.
func (l *ledger) cancelAll(r *ledgerReq) {
	var ids []int64
	for id, o := range l.open {
		if o.Account == r.acct && o.Symbol == r.cancel.Symbol && l.pendCanc[id] == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		l.reply(r, nil, errUnknownOrder())
		return
	}
	slices.Sort(ids)
	results := make([]any, len(ids))
	left := len(ids)
	done := func(i int) func(any, *api.Error) {
		return func(body any, err *api.Error) {
			if err != nil {
				body = &api.Error{Code: err.Code, Msg: err.Msg}
			}
			results[i] = body
			if left--; left == 0 {
				l.reply(r, results, nil)
			}
		}
	}
	for i, id := range ids {
		ref := api.OrderRef{Symbol: r.cancel.Symbol, OrderID: id}
		if err := l.cancel(r.acct, ref, done(i)); err != nil {
			done(i)(nil, err)
		}
	}
}

// reservation is what a new order must lock: quote for a buy (its
// notional plus the largest fee; for a MARKET buy the book's cost of it,
// checked, while the whole free quote balance is locked until the order
// ends), base for a sell.
func (l *ledger) reservation(a *account, n *newOrder) (asset string, amt decimal.Decimal, ok bool) {
	in := &n.m.inst
	if n.Side == api.SideSell {
		q := in.QtyDecimal(domain.Qty(n.qty))
		return in.Base, q, !a.Free[in.Base].LessThan(q)
	}
	feeMax := decimal.Max(l.s.opts.Fees.MakerBps, l.s.opts.Fees.TakerBps, decimal.Zero).Shift(-4)
	if n.Type == api.TypeMarket {
		need := n.cost.Mul(decimal.NewFromInt(1).Add(feeMax))
		free := a.Free[in.Quote]
		return in.Quote, free, free.IsPositive() && !free.LessThan(need)
	}
	notional := in.PriceDecimal(domain.Price(n.price)).Mul(in.QtyDecimal(domain.Qty(n.qty)))
	need := notional.Mul(decimal.NewFromInt(1).Add(feeMax)).RoundCeil(domain.MoneyDecimals)
	return in.Quote, need, !a.Free[in.Quote].LessThan(need)
}

// place books a new order for acct and sends it to the book; finish gets
// its answer once the book has dealt with it. A refusal is returned at
// once (and finish is not called).
//
// The book's immediate outcome (taker fills, an IOC remainder) ends with
// the reports of the submit; to know that they have all arrived, place
// follows the submit with a marker: a cancel of an id no order has, whose
// cancel-reject the venue reports after every report of the submit (one
// FIFO of requests, one of reports).
func (l *ledger) place(acct string, n *newOrder, finish func(any, *api.Error)) *api.Error {
	a := l.accounts[acct]
	cid := n.NewClientOrderID
	if cid == "" {
		cid = newClientID()
	}
	key := string(prefix(acct, n.m.name)) + cid
	if _, dup := l.openCID[key]; dup {
		return api.NewOrderRejected(api.MsgDuplicateOrder)
	}
	asset, amt, ok := l.reservation(a, n)
	if !ok {
		return api.NewOrderRejected(api.MsgInsufficientBalance)
	}
	o := &order{Account: acct, Symbol: n.m.name, ClientID: cid, Side: n.Side, Type: n.Type, TIF: n.TimeInForce,
		Price: n.price, Qty: n.qty, Status: api.StatusNew, Created: l.now, m: n.m}
	if o.Type == api.TypeMarket {
		o.Price, o.TIF = 0, ""
	}
	if err := l.submitNew(o); err != nil {
		return err
	}
	a.lock(asset, amt)
	o.Reserved = amt
	l.dirtyAcct(a)
	l.open[o.ID] = o
	l.openCID[key] = o.ID
	l.dirty(o)
	resp := n.NewOrderRespType
	if resp == "" {
		resp = api.RespFULL
	}
	p := &pending{o: o, transact: l.now, resp: resp, finish: finish}
	l.pendNew[o.ID] = p
	l.marker++
	mid := markerBit | l.marker
	if l.v.Cancel(&domain.Order{ID: mid, Instrument: n.m.inst.ID}) == nil {
		l.markers[mid] = o.ID
		p.marked = true
	}
	return nil
}

// submitNew gives o the next order id and submits it; on failure the id
// is spent and nothing else changed.
func (l *ledger) submitNew(o *order) *api.Error {
	o.ID = l.next("orderSeq")
	if err := l.submit(o); err != nil {
		l.log.Warn("venue refused a submit", "order", o.ID, "err", err)
		return errBusy()
	}
	return nil
}

// finishNew answers a new order once the book's immediate outcome is in.
func (l *ledger) finishNew(id int64) {
	p := l.pendNew[id]
	if p == nil {
		return
	}
	delete(l.pendNew, id)
	o := p.o
	switch p.resp {
	case api.RespACK:
		p.finish(o.ackOrder(p.transact), nil)
	case api.RespRESULT:
		p.finish(o.resultOrder(p.transact, nil), nil)
	default:
		fills := p.fills
		if fills == nil {
			fills = []api.Fill{}
		}
		p.finish(o.resultOrder(p.transact, fills), nil)
	}
}

// findOpen resolves a reference to one of acct's open orders.
func (l *ledger) findOpen(acct string, ref api.OrderRef) *order {
	if ref.OrderID != 0 {
		o := l.open[ref.OrderID]
		if o == nil || o.Account != acct || o.Symbol != ref.Symbol {
			return nil
		}
		if ref.OrigClientOrderID != "" && o.ClientID != ref.OrigClientOrderID {
			return nil
		}
		return o
	}
	return l.open[l.openCID[string(prefix(acct, ref.Symbol))+ref.OrigClientOrderID]]
}

// cancel sends a cancel of acct's order ref; finish gets the answer once
// the book confirmed it. An order that is not open (unknown, ended, or
// with a cancel already in flight) is -2011 at once.
func (l *ledger) cancel(acct string, ref api.OrderRef, finish func(any, *api.Error)) *api.Error {
	o := l.findOpen(acct, ref)
	if o == nil || l.pendCanc[o.ID] != nil {
		return errUnknownOrder()
	}
	if err := l.v.Cancel(&domain.Order{ID: domain.OrderID(o.ID), Instrument: o.m.inst.ID}); err != nil {
		return errBusy()
	}
	cid := ref.NewClientOrderID
	if cid == "" {
		cid = newClientID()
	}
	l.pendCanc[o.ID] = &pending{o: o, transact: l.now, cancelCID: cid, finish: finish}
	return nil
}

// cancelReplace cancels, then (per mode) places; the answer is Binance's
// composite: 200 when both succeeded, -2021 (one failed) or -2022 (both,
// or the cancel under STOP_ON_FAILURE) with the two outcomes as data.
func (l *ledger) cancelReplace(r *ledgerReq) {
	var cancelResp json.RawMessage
	var cancelErr *api.Error
	placeNew := func() {
		fin := func(body any, err *api.Error) {
			b, e := crAnswer(cancelResp, cancelErr, body, err)
			l.reply(r, b, e)
		}
		if err := l.place(r.acct, &r.place, fin); err != nil {
			fin(nil, err)
		}
	}
	afterCancel := func(body any, err *api.Error) {
		if err != nil {
			cancelErr = err
			if r.mode != api.AllowFailure {
				b, e := crAnswer(nil, err, nil, nil)
				l.reply(r, b, e)
				return
			}
		} else {
			cancelResp, _ = json.Marshal(body)
		}
		placeNew()
	}
	if err := l.cancel(r.acct, r.cancel, afterCancel); err != nil {
		afterCancel(nil, err)
	}
}

// crAnswer composes cancelReplace's answer. newBody and newErr both nil
// means the new order was not attempted.
func crAnswer(cancelResp json.RawMessage, cancelErr *api.Error, newBody any, newErr *api.Error) (any, *api.Error) {
	d := api.CancelReplaceData{CancelResult: api.ResultSuccess, NewOrderResult: api.ResultSuccess,
		CancelResponse: cancelResp, NewOrderResponse: json.RawMessage("null")}
	if cancelErr != nil {
		d.CancelResult = api.ResultFailure
		d.CancelResponse = api.EncodeError(&api.Error{Code: cancelErr.Code, Msg: cancelErr.Msg})
	}
	switch {
	case newErr != nil:
		d.NewOrderResult = api.ResultFailure
		d.NewOrderResponse = api.EncodeError(&api.Error{Code: newErr.Code, Msg: newErr.Msg})
	case newBody != nil:
		d.NewOrderResponse, _ = json.Marshal(newBody)
	default:
		d.NewOrderResult = api.ResultNotAttempted
	}
	if cancelErr == nil && newErr == nil {
		return d, nil
	}
	data, _ := json.Marshal(d)
	if d.CancelResult == api.ResultSuccess || d.NewOrderResult == api.ResultSuccess {
		return nil, &api.Error{Code: api.CodeCancelReplacePartial, Msg: "Order cancel-replace partially failed.",
			Data: data, HTTPStatus: 409}
	}
	return nil, &api.Error{Code: api.CodeCancelReplaceFailed, Msg: "Order cancel-replace failed.", Data: data,
		HTTPStatus: 409}
}

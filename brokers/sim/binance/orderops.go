package binance

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

// answerWait bounds how long a handler waits for the ledger's answer;
// past it the request is answered -1007 (outcome unknown), as Binance
// answers a timeout.
const answerWait = 10 * time.Second

// checkOrder applies the symbol's filters (as exchangeInfo publishes
// them) to a parsed new order.
func (s *Server) checkOrder(ctx context.Context, no api.NewOrder) (newOrder, *api.Error) {
	m := s.byName[no.Symbol]
	if m == nil {
		return newOrder{}, api.InvalidSymbol()
	}
	in := &m.inst
	switch no.Type {
	case api.TypeLimit, api.TypeLimitMaker, api.TypeMarket:
	default:
		return newOrder{}, api.NewOrderRejected(api.MsgUnsupportedCombo)
	}
	if no.QuoteOrderQty != "" {
		return newOrder{}, api.NewOrderRejected("Quote order qty market orders are not support for this symbol.")
	}
	n := newOrder{NewOrder: no, m: m}
	maxQty := int64(in.RoundToLot(domain.Qty(maxUnits)))
	var err *api.Error
	if n.qty, err = scaledParam(api.ParamQuantity, no.Quantity, in.QtyDecimals, int64(in.LotSize), maxQty, "LOT_SIZE"); err != nil {
		return newOrder{}, err
	}
	if no.Type == api.TypeMarket {
		if no.Side == api.SideBuy {
			cost, err := s.marketCost(ctx, m, n.qty)
			if err != nil {
				return newOrder{}, err
			}
			n.cost = cost
		}
		return n, nil
	}
	maxPx := int64(in.RoundToTick(domain.Price(maxUnits)))
	if n.price, err = scaledParam(api.ParamPrice, no.Price, in.PriceDecimals, int64(in.TickSize), maxPx, "PRICE_FILTER"); err != nil {
		return newOrder{}, err
	}
	if _, ok := in.Notional(domain.Price(n.price), domain.Qty(n.qty)); !ok {
		return newOrder{}, api.FilterFailure("NOTIONAL")
	}
	return n, nil
}

// marketCost is what buying qty costs walking the asks as they are now;
// the part the book cannot fill costs nothing (it will expire).
func (s *Server) marketCost(ctx context.Context, m *market, qty int64) (decimal.Decimal, *api.Error) {
	v := s.venue.Load()
	if v == nil {
		return decimal.Zero, errBusy()
	}
	ctx, cancel := context.WithTimeout(ctx, answerWait)
	defer cancel()
	d, err := v.Depth(ctx, m.inst.ID, 5000)
	if err != nil {
		return decimal.Zero, errBusy()
	}
	cost := decimal.Zero
	left := qty
	for _, l := range d.Asks {
		if left <= 0 {
			break
		}
		q := min(left, int64(l.Qty))
		cost = cost.Add(m.inst.PriceDecimal(l.Price).Mul(m.inst.QtyDecimal(domain.Qty(q))))
		left -= q
	}
	return cost, nil
}

// ask hands r to the ledger and waits for its answer: -1008 when the
// ledger's queue is full (nothing done), -1007 when no answer comes in
// answerWait or ctx ends (outcome unknown).
func (s *Server) ask(ctx context.Context, r *ledgerReq) (any, *api.Error) {
	if s.ledger == nil {
		return nil, api.NewError(api.CodeRejectedMBXKey, api.MsgRejectedMBXKey)
	}
	r.reply = make(chan answer, 1)
	select {
	case s.ledger.in <- r:
	default:
		return nil, errBusy()
	}
	t := time.NewTimer(answerWait)
	defer t.Stop()
	select {
	case a := <-r.reply:
		return a.body, a.err
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, api.NewError(api.CodeTimeout, "Timeout waiting for response from backend server. Send status unknown; execution status unknown.")
}

// opOutcome is an order request's answer and what the faults make of it.
type opOutcome struct {
	body       any
	err        *api.Error
	retryAfter int  // seconds to wait, for a 429 or 418 err
	drop       bool // answer nothing (drop-acks)
}

// placeOrder parses, checks and places a new order.
func (s *Server) placeOrder(ctx context.Context, sg *signed) (any, *api.Error) {
	no, err := api.ParseNewOrder(sg.params)
	if err != nil {
		return nil, err.(*api.Error)
	}
	n, aerr := s.checkOrder(ctx, no)
	if aerr != nil {
		return nil, aerr
	}
	return s.ask(ctx, &ledgerReq{op: opPlace, acct: sg.acct, place: n})
}

// testOrder is POST /api/v3/order/test: the checks of a new order, no
// order.
func (s *Server) testOrder(ctx context.Context, sg *signed) (any, *api.Error) {
	no, err := api.ParseNewOrder(sg.params)
	if err != nil {
		return nil, err.(*api.Error)
	}
	if _, aerr := s.checkOrder(ctx, no); aerr != nil {
		return nil, aerr
	}
	return struct{}{}, nil
}

// cancelOrder parses and sends a cancel.
func (s *Server) cancelOrder(ctx context.Context, sg *signed) (any, *api.Error) {
	ref, err := api.ParseOrderRef(sg.params)
	if err != nil {
		return nil, err.(*api.Error)
	}
	if s.byName[ref.Symbol] == nil {
		return nil, api.InvalidSymbol()
	}
	return s.ask(ctx, &ledgerReq{op: opCancel, acct: sg.acct, cancel: ref})
}

// cancelAll is DELETE /api/v3/openOrders: every open order of a symbol.
func (s *Server) cancelAll(ctx context.Context, sg *signed) (any, *api.Error) {
	r := newReader(sg.params)
	m, err := s.symbolParam(r)
	if err != nil {
		return nil, err
	}
	if err := r.done(); err != nil {
		return nil, err
	}
	return s.ask(ctx, &ledgerReq{op: opCancelAll, acct: sg.acct, cancel: api.OrderRef{Symbol: m.name}})
}

// cancelReplace parses cancelReplace's parameters: its own (mode and the
// cancel's) and a new order's.
func (s *Server) cancelReplace(ctx context.Context, sg *signed) (any, *api.Error) {
	var rest api.Params
	ref := api.OrderRef{}
	var mode api.CancelReplaceMode
	for _, kv := range sg.params {
		switch kv.Key {
		case "cancelReplaceMode":
			mode = api.CancelReplaceMode(kv.Value)
		case "cancelOrderId":
			id, err := strconv.ParseInt(kv.Value, 10, 64)
			if err != nil || id <= 0 {
				return nil, api.IllegalChars("cancelOrderId", api.LegalOrderID)
			}
			ref.OrderID = id
		case "cancelOrigClientOrderId":
			ref.OrigClientOrderID = kv.Value
		case "cancelNewClientOrderId":
			ref.NewClientOrderID = kv.Value
		case "cancelRestrictions", "orderRateLimitExceededMode":
			return nil, api.NewError(api.CodeUnreadParameters, "Parameter '"+kv.Key+"' is not supported by this venue.")
		default:
			rest = append(rest, kv)
		}
	}
	switch mode {
	case "":
		return nil, api.MandatoryParam("cancelReplaceMode")
	case api.StopOnFailure, api.AllowFailure:
	default:
		return nil, api.NewError(api.CodeInvalidParameter, "Data sent for parameter 'cancelReplaceMode' is not valid.")
	}
	no, err := api.ParseNewOrder(rest)
	if err != nil {
		return nil, err.(*api.Error)
	}
	ref.Symbol = no.Symbol
	if ref.OrderID == 0 && ref.OrigClientOrderID == "" {
		return nil, api.EitherParam("cancelOrigClientOrderId", "cancelOrderId")
	}
	if err := ref.Validate(); err != nil {
		return nil, err.(*api.Error)
	}
	n, aerr := s.checkOrder(ctx, no)
	if aerr != nil {
		return nil, aerr
	}
	return s.ask(ctx, &ledgerReq{op: opCancelReplace, acct: sg.acct, place: n, cancel: ref, mode: mode})
}

// orderRequest runs an order request (place, cancel, cancelReplace)
// under the order-entry faults: http-429 and http-5xx (placed=false)
// refuse it before it reaches the ledger; http-5xx (placed=true) answers
// 500 after it was done; drop-acks does it and answers nothing;
// delay-acks holds its answer.
func (s *Server) orderRequest(ctx context.Context, sg *signed, op func(context.Context, *signed) (any, *api.Error)) opOutcome {
	if s.takeFault(fault429) {
		e, secs := s.limits.refused(sg.addr, time.Now())
		return opOutcome{err: e, retryAfter: secs}
	}
	placed, five := s.take5xx()
	if five && !placed {
		return opOutcome{err: internal500()}
	}
	body, err := op(ctx, sg)
	if five {
		return opOutcome{err: internal500()}
	}
	if s.takeFault(faultDropAck) {
		return opOutcome{drop: true}
	}
	if d := s.takeDelay(); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	return opOutcome{body: body, err: err}
}

func internal500() *api.Error {
	return &api.Error{Code: api.CodeDisconnected, Msg: api.MsgInternal, HTTPStatus: http.StatusInternalServerError}
}

package binance

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

// restJob is one order-entry request for a REST worker.
type restJob struct {
	method, path string
	params       api.Params
	done         func(body []byte, err error)
}

// restWorker sends order-entry requests over REST while the WebSocket
// API is down.
func (v *Venue) restWorker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-v.restq:
			body, err := v.rest(ctx, j.method, j.path, j.params, true, false)
			j.done(body, err)
		}
	}
}

// sender takes the requests Submit, Cancel and Replace queued, checks
// what can be checked locally, registers each order before its request
// goes out, and sends: over the WebSocket API when it is up (without
// waiting for the answer), else to the REST workers (waiting for a free
// one: the queue before it is Options.QueueSize).
//
// A cancel that meets a 429 window is held, not refused, and sent when
// the window closes: sent into the window it would earn another 429, and
// enough of those a 418, which refuses everything for minutes.
func (v *Venue) sender(ctx context.Context) {
	wake := time.NewTimer(time.Hour)
	wake.Stop()
	defer wake.Stop()
	for {
		var due <-chan time.Time
		if len(v.held) > 0 {
			wake.Reset(max(time.Until(time.Unix(0, v.rates.load().RetryUntil)), time.Millisecond))
			due = wake.C
		}
		select {
		case <-ctx.Done():
			return
		case r := <-v.out:
			switch r.kind {
			case reqNew:
				v.sendNew(ctx, r)
			case reqCancel:
				v.sendCancel(ctx, r)
			case reqReplace:
				v.sendReplace(ctx, r)
			}
		case <-due:
			if !v.rates.refusesOrders(time.Now()) {
				held := v.held
				v.held = nil
				for _, r := range held {
					v.sendCancel(ctx, r)
				}
			}
		}
		wake.Stop()
	}
}

func (v *Venue) local(ctx context.Context, r request, kind domain.ExecKind, reason string) {
	v.post(ctx, &event{kind: evLocal, id: r.id, untracked: r.kind == reqNew, local: domain.ExecReport{Kind: kind,
		Venue: v.opts.ID, OrderID: r.id, Price: r.price, Qty: r.qty, Reason: reason, Stamps: r.stamps}})
}

// newOrder is the Binance form of a new order (or of cancelReplace's new
// half) for sym: the shape, price, stop price, quantity and client id.
// Its decimals are formatted as sym.inst.FormatQty and FormatPrice give
// them, into one allocation.
func (v *Venue) newOrder(sym *symbol, r request, qty domain.Qty, cid string) (api.NewOrder, bool) {
	typ, tif, ok := orderShape(r.typ, r.tif, r.postOnly)
	if !ok {
		return api.NewOrder{}, false
	}
	withPrice := typ != api.TypeMarket && typ != api.TypeStopLoss
	withStop := typ == api.TypeStopLoss || typ == api.TypeStopLossLimit
	var buf [3 * maxScaledLen]byte
	b := appendScaled(buf[:0], int64(qty), sym.inst.QtyDecimals)
	nq, np := len(b), len(b)
	if withPrice {
		b = appendScaled(b, int64(r.price), sym.inst.PriceDecimals)
		np = len(b)
	}
	if withStop {
		b = appendScaled(b, int64(r.stop), sym.inst.PriceDecimals)
	}
	all := string(b)
	o := api.NewOrder{Symbol: sym.name, Side: sideOf(r.side), Type: typ, TimeInForce: tif,
		Quantity: all[:nq], NewClientOrderID: cid, NewOrderRespType: api.RespRESULT}
	if withPrice {
		o.Price = all[nq:np]
	}
	if withStop {
		o.StopPrice = all[np:]
	}
	return o, true
}

// checkLocal is the reason r is refused without a request, or "".
func (v *Venue) checkLocal(sym *symbol, r request, p domain.Price, q domain.Qty) string {
	if typ, _, ok := orderShape(r.typ, r.tif, r.postOnly); !ok || sym.types != nil && !sym.types[typ] {
		return ReasonUnsupported
	}
	if r.typ == domain.Market || r.typ == domain.Stop {
		p = 0
	}
	if ok, _ := sym.f.check(p, q, &sym.inst); !ok {
		return ReasonVenueFilter
	}
	if v.rates.refusesOrders(time.Now()) {
		return ReasonRateLimited
	}
	return ""
}

func (v *Venue) sendNew(ctx context.Context, r request) {
	sym := v.byInst[r.inst]
	if sym == nil {
		v.local(ctx, r, domain.ExecReject, ReasonUnknownInstrument)
		return
	}
	if why := v.checkLocal(sym, r, r.price, r.qty); why != "" {
		v.local(ctx, r, domain.ExecReject, why)
		return
	}
	cid := clientID(r.id, 0)
	o, _ := v.newOrder(sym, r, r.qty, cid)
	stamps := r.stamps
	stamps.Sent = domain.Mono()
	v.mu.Lock()
	t := v.tracks[r.id]
	if t != nil {
		// An id the venue already saw: Binance would refuse the duplicate
		// only while the first is open. Refuse it here.
		v.mu.Unlock()
		v.local(ctx, r, domain.ExecReject, ReasonVenueRejected)
		return
	}
	t = &track{id: r.id, sym: sym, side: r.side, typ: o.Type, tif: o.TimeInForce, price: r.price, qty: r.qty,
		sentAt: time.Now(), stamps: stamps}
	v.tracks[r.id] = t
	v.mu.Unlock()
	id := r.id
	v.place(ctx, api.MethodOrderPlace, http.MethodPost, api.PathOrder, o.Params(), func(body []byte, err error) {
		v.post(ctx, &event{kind: evPlaced, id: id, body: body, err: err})
	})
}

// place sends one order-entry request: over the WebSocket API when it is
// up, else REST. done gets the answer's body (the WebSocket API's
// result) or error, once.
func (v *Venue) place(ctx context.Context, method, httpMethod, path string, params api.Params, done func([]byte, error)) {
	if ws := v.ws.Load(); ws != nil && ws.alive() && !(method == api.MethodOrderCancelReplace && v.noWSCancelReplace.Load()) {
		ws.request(method, params, true, func(resp *api.WSResponse, err error) {
			if err != nil {
				done(nil, err)
				return
			}
			if e := resp.Err(); e != nil {
				if method == api.MethodOrderCancelReplace && unknownMethod(e) {
					// The venue's WebSocket API lacks cancelReplace: the
					// request was refused, so it may go over REST.
					v.noWSCancelReplace.Store(true)
					v.toREST(ctx, httpMethod, path, params, done)
					return
				}
				done(nil, e)
				return
			}
			done(resp.Result, nil)
		})
		return
	}
	v.toREST(ctx, httpMethod, path, params, done)
}

func (v *Venue) toREST(ctx context.Context, method, path string, params api.Params, done func([]byte, error)) {
	select {
	case v.restq <- restJob{method: method, path: path, params: params, done: done}:
	case <-ctx.Done():
		done(nil, ctx.Err())
	}
}

// unknownMethod reports an answer refusing the request's method itself.
func unknownMethod(e error) bool {
	ae, ok := asAPIError(e)
	if !ok || outcomeOf(e) != api.OutcomeRejected {
		return false
	}
	m := strings.ToLower(ae.Msg)
	return ae.HTTPStatus == http.StatusNotFound || ae.Code == api.CodeUnsupportedOperation ||
		strings.Contains(m, "method") || strings.Contains(m, "unknown request")
}

func (v *Venue) sendCancel(ctx context.Context, r request) {
	if now := time.Now(); v.rates.refusesOrders(now) && !v.rates.refusesCancels(now) {
		v.held = append(v.held, r) // sent when the 429 window closes (sender)
		return
	}
	v.mu.Lock()
	t := v.tracks[r.id]
	var sym *symbol
	cid := clientID(r.id, 0)
	if t != nil && t.repl != nil && !t.ended {
		// Which venue order will be live depends on the replace: cancel
		// that one once the replace is settled (afterReplace).
		t.cancelAfter = true
		v.mu.Unlock()
		return
	}
	if t != nil {
		sym, cid = t.sym, clientID(r.id, t.gen)
		t.cancel = &pending{sentAt: time.Now()}
	}
	v.mu.Unlock()
	ref := api.OrderRef{OrigClientOrderID: cid}
	if sym == nil {
		// An order this process did not send (a restart): its replace
		// count is unknown, its venue order id is what the OMS holds.
		if sym = v.byInst[r.inst]; sym == nil {
			v.local(ctx, r, domain.ExecCancelReject, ReasonUnknownInstrument)
			return
		}
		if r.venueID != 0 {
			ref = api.OrderRef{OrderID: int64(r.venueID)}
		}
	}
	ref.Symbol = sym.name
	if v.rates.refusesCancels(time.Now()) {
		v.clearCancel(r.id)
		v.local(ctx, r, domain.ExecCancelReject, ReasonRateLimited)
		return
	}

	id := r.id
	p := ref.Params()
	v.place(ctx, api.MethodOrderCancel, http.MethodDelete, api.PathOrder, p, func(body []byte, err error) {
		v.post(ctx, &event{kind: evCanceled, id: id, body: body, err: err})
	})
}

func (v *Venue) clearCancel(id domain.OrderID) {
	v.mu.Lock()
	if t := v.tracks[id]; t != nil {
		t.cancel = nil
	}
	v.mu.Unlock()
}

func (v *Venue) sendReplace(ctx context.Context, r request) {
	v.mu.Lock()
	t := v.tracks[r.id]
	if t == nil || t.ended || t.repl != nil || t.closing() {
		v.mu.Unlock()
		v.local(ctx, r, domain.ExecReplaceReject, ReasonUnknownOrder)
		return
	}
	sym, filled, gen := t.sym, max(t.filled, r.filled), t.gen
	leaves := r.qty - filled
	if leaves <= 0 {
		v.mu.Unlock()
		v.sendCancel(ctx, r)
		return
	}
	if why := v.checkLocal(sym, r, r.price, leaves); why != "" {
		v.mu.Unlock()
		v.local(ctx, r, domain.ExecReplaceReject, why)
		return
	}
	if !sym.cancelReplace {
		v.mu.Unlock()
		v.local(ctx, r, domain.ExecReplaceReject, ReasonUnsupported)
		return
	}
	t.nextN++
	n := t.nextN
	t.repl = &pendingRepl{pending: pending{sentAt: time.Now()}, n: n, price: r.price}
	v.mu.Unlock()
	o, _ := v.newOrder(sym, r, leaves, clientID(r.id, n))
	p := make(api.Params, 0, 12)
	p = append(p, o.Params()...)
	p = p.Add("cancelReplaceMode", string(api.StopOnFailure))
	p = p.Add("cancelOrigClientOrderId", clientID(r.id, gen))
	id := r.id
	v.place(ctx, api.MethodOrderCancelReplace, http.MethodPost, api.PathCancelReplace, p, func(body []byte, err error) {
		v.post(ctx, &event{kind: evReplaced, id: id, n: n, body: body, err: err})
	})
}

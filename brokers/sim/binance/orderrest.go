package binance

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
)

// Request weights, as Binance publishes them.
const (
	weightOrder         = 1
	weightQueryOrder    = 4
	weightOpenOrders    = 6
	weightOpenOrdersAll = 80
	weightAllOrders     = 20
	weightMyTrades      = 20
	weightAccount       = 20
	weightUserStream    = 2
	weightOrderCounts   = 40
)

// handlerFunc is one signed endpoint's logic, shared by REST and the
// WebSocket API.
type handlerFunc func(context.Context, *signed) (any, *api.Error)

// endpoint is a signed endpoint: its logic, its weight (a function of the
// parameters), whether it is a new order (counted as an order) and
// whether it is an order request (placed, canceled, replaced: subject to
// the order-entry faults).
type endpoint struct {
	do      handlerFunc
	weight  func(api.Params) int
	orders  int
	orderOp bool
}

func fixedWeight(w int) func(api.Params) int { return func(api.Params) int { return w } }

// endpoints are order entry's signed endpoints by REST route.
func (s *Server) endpoints() map[string]endpoint {
	return map[string]endpoint{
		"POST " + api.PathOrder:         {do: s.placeOrder, weight: fixedWeight(weightOrder), orders: 1, orderOp: true},
		"POST " + api.PathOrderTest:     {do: s.testOrder, weight: fixedWeight(weightOrder)},
		"DELETE " + api.PathOrder:       {do: s.cancelOrder, weight: fixedWeight(weightOrder), orderOp: true},
		"GET " + api.PathOrder:          {do: s.queryOrder, weight: fixedWeight(weightQueryOrder)},
		"POST " + api.PathCancelReplace: {do: s.cancelReplace, weight: fixedWeight(weightOrder), orders: 1, orderOp: true},
		"DELETE " + api.PathOpenOrders:  {do: s.cancelAll, weight: fixedWeight(weightOrder), orderOp: true},
		"GET " + api.PathOpenOrders: {do: s.openOrders, weight: func(p api.Params) int {
			if _, ok := p.Get(api.ParamSymbol); ok {
				return weightOpenOrders
			}
			return weightOpenOrdersAll
		}},
		"GET " + api.PathAllOrders:      {do: s.allOrders, weight: fixedWeight(weightAllOrders)},
		"GET " + api.PathMyTrades:       {do: s.myTrades, weight: fixedWeight(weightMyTrades)},
		"GET " + api.PathAccount:        {do: s.accountInfo, weight: fixedWeight(weightAccount)},
		"GET " + api.PathRateLimitOrder: {do: s.orderCounts, weight: fixedWeight(weightOrderCounts)},
	}
}

// orderRoutes registers order entry on mux: the signed REST endpoints,
// the WebSocket API, and the legacy listen-key endpoints.
func (s *Server) orderRoutes(mux *http.ServeMux) {
	for route, ep := range s.endpoints() {
		mux.HandleFunc(route, s.restHandler(ep))
	}
	mux.HandleFunc("GET "+api.PathWSAPI, s.wsAPI)
	mux.HandleFunc("POST "+pathUserDataStream, s.listenKeyCreate)
	mux.HandleFunc("PUT "+pathUserDataStream, s.listenKeyKeepalive)
	mux.HandleFunc("DELETE "+pathUserDataStream, s.listenKeyDelete)
}

// writeAPIError writes e with its HTTP status (and Retry-After).
func writeAPIError(w http.ResponseWriter, e *api.Error, retryAfter int) {
	status := e.HTTPStatus
	if status == 0 {
		status = api.StatusOf(e.Code)
	}
	if retryAfter > 0 {
		w.Header().Set(api.HeaderRetryAfter, strconv.Itoa(retryAfter))
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(api.EncodeError(e))
}

func (s *Server) restHandler(ep endpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sg, aerr := s.authREST(r)
		if aerr != nil {
			writeAPIError(w, aerr, 0)
			return
		}
		sp, lerr, retry := s.limits.spend(sg.acct, sg.addr, ep.weight(sg.params), ep.orders, time.Now())
		sp.headers(w.Header(), ep.orders > 0)
		if lerr != nil {
			writeAPIError(w, lerr, retry)
			return
		}
		var out opOutcome
		if ep.orderOp {
			out = s.orderRequest(r.Context(), sg, ep.do)
		} else {
			out.body, out.err = ep.do(r.Context(), sg)
		}
		switch {
		case out.drop:
			dropConnection(w)
		case out.err != nil:
			writeAPIError(w, out.err, out.retryAfter)
		default:
			writeJSON(w, http.StatusOK, out.body)
		}
	}
}

// dropConnection closes the client's connection without an answer (the
// drop-acks fault): the client sees the connection end, as when the
// venue's gateway dies after the order went in.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	c, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = c.Close()
}

// encodeBody is an answer's JSON.
func encodeBody(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

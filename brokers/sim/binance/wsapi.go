package binance

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
)

// wsInFlight bounds the requests one WebSocket API connection has in
// progress; its reader waits for a slot, so a client that pipelines more
// is slowed, not queued without bound.
const wsInFlight = 16

// Methods of the user data stream on the WebSocket API.
const (
	methodUserSubscribe   = "userDataStream.subscribe.signature"
	methodUserUnsubscribe = "userDataStream.unsubscribe"
)

// wsMethods are the WebSocket API's signed methods and their endpoints.
func (s *Server) wsMethods() map[string]endpoint {
	rest := s.endpoints()
	return map[string]endpoint{
		api.MethodOrderPlace:         rest["POST "+api.PathOrder],
		api.MethodOrderTest:          rest["POST "+api.PathOrderTest],
		api.MethodOrderCancel:        rest["DELETE "+api.PathOrder],
		api.MethodOrderStatus:        rest["GET "+api.PathOrder],
		api.MethodOrderCancelReplace: rest["POST "+api.PathCancelReplace],
		api.MethodOpenOrdersStatus:   rest["GET "+api.PathOpenOrders],
		api.MethodOpenOrdersCancel:   rest["DELETE "+api.PathOpenOrders],
		api.MethodAllOrders:          rest["GET "+api.PathAllOrders],
		api.MethodMyTrades:           rest["GET "+api.PathMyTrades],
		api.MethodAccountStatus:      rest["GET "+api.PathAccount],
		api.MethodOrderRateLimits:    rest["GET "+api.PathRateLimitOrder],
	}
}

// wsSession is one WebSocket API connection's state.
type wsSession struct {
	c       *conn
	addr    string
	methods map[string]endpoint
	mu      sync.Mutex // guards nextSub
	nextSub int
}

// wsAPI serves /ws-api/v3.
func (s *Server) wsAPI(w http.ResponseWriter, r *http.Request) {
	c, ok := s.upgradeConn(w, r)
	if !ok {
		return
	}
	ss := &wsSession{c: c, addr: clientAddr(r), methods: s.wsMethods()}
	go s.wsReader(ss)
}

func (s *Server) wsReader(ss *wsSession) {
	c := ss.c
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	var inflight sync.WaitGroup
	defer func() {
		cancel()
		inflight.Wait()
		s.endConn(c)
	}()
	c.ws.SetReadLimit(maxRequest)
	alive := func() { _ = c.ws.SetReadDeadline(time.Now().Add(pongTimeout + pingEvery)) }
	alive()
	c.ws.SetPongHandler(func(string) error { alive(); return nil })
	slots := make(chan struct{}, wsInFlight)
	for {
		_, msg, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		alive()
		var req api.WSRequest
		if err := json.Unmarshal(msg, &req); err != nil || req.Method == "" {
			s.wsSend(c, wsAnswer(nil, nil, api.NewError(api.CodeInvalidJSON, "Invalid JSON Request"), nil, 0))
			continue
		}
		select {
		case slots <- struct{}{}:
		case <-c.done:
			return
		}
		inflight.Go(func() {
			defer func() { <-slots }()
			if resp, ok := s.wsHandle(ctx, ss, &req); ok {
				s.wsSend(c, resp)
			}
		})
	}
}

func (s *Server) wsSend(c *conn, resp api.WSResponse) {
	b, _ := json.Marshal(resp)
	c.enqueue(b)
}

// wsAnswer builds an answer; a refusal with retryAfter (seconds) carries
// Binance's data {"retryAfter": unix ms}.
func wsAnswer(id json.RawMessage, body any, err *api.Error, limits []api.WSRateLimit, retryAfter int) api.WSResponse {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	resp := api.WSResponse{ID: id, Status: http.StatusOK, RateLimits: limits}
	if err != nil {
		e := *err
		resp.Status = e.HTTPStatus
		if resp.Status == 0 {
			resp.Status = api.StatusOf(e.Code)
		}
		if retryAfter > 0 && len(e.Data) == 0 {
			e.Data = json.RawMessage(`{"retryAfter":` + strconv.FormatInt(time.Now().Add(time.Duration(retryAfter)*time.Second).UnixMilli(), 10) + `}`)
		}
		resp.Error = &e
		return resp
	}
	resp.Result = encodeBody(body)
	return resp
}

// wsHandle answers one request; ok false means answer nothing
// (drop-acks).
func (s *Server) wsHandle(ctx context.Context, ss *wsSession, req *api.WSRequest) (api.WSResponse, bool) {
	switch req.Method {
	case "ping":
		return wsAnswer(req.ID, struct{}{}, nil, nil, 0), true
	case "time":
		return wsAnswer(req.ID, map[string]int64{"serverTime": time.Now().UnixMilli()}, nil, nil, 0), true
	}
	params, perr := api.WSParams(req.Params)
	if perr != nil {
		return wsAnswer(req.ID, nil, perr.(*api.Error), nil, 0), true
	}
	if req.Method == methodUserUnsubscribe {
		return s.wsUnsubscribe(ss, req, params), true
	}
	ep, known := ss.methods[req.Method]
	if !known && req.Method != methodUserSubscribe {
		return wsAnswer(req.ID, nil, api.NewError(api.CodeIllegalChars, "Unknown method: "+req.Method), nil, 0), true
	}
	sg, aerr := s.authWS(params, ss.addr)
	if aerr != nil {
		return wsAnswer(req.ID, nil, aerr, nil, 0), true
	}
	if req.Method == methodUserSubscribe {
		return s.wsSubscribe(ss, req, sg)
	}
	sp, lerr, retry := s.limits.spend(sg.acct, sg.addr, ep.weight(sg.params), ep.orders, time.Now())
	limits := s.limits.wsLimits(sp, ep.orders > 0)
	if lerr != nil {
		return wsAnswer(req.ID, nil, lerr, limits, retry), true
	}
	var out opOutcome
	if ep.orderOp {
		out = s.orderRequest(ctx, sg, ep.do)
	} else {
		out.body, out.err = ep.do(ctx, sg)
	}
	if out.drop {
		return api.WSResponse{}, false
	}
	return wsAnswer(req.ID, out.body, out.err, limits, out.retryAfter), true
}

// wsSubscribe starts a user-data subscription on the connection: the
// answer goes first (sent here: ok is false), then the account's events.
func (s *Server) wsSubscribe(ss *wsSession, req *api.WSRequest, sg *signed) (resp api.WSResponse, ok bool) {
	sp, lerr, retry := s.limits.spend(sg.acct, sg.addr, weightUserStream, 0, time.Now())
	limits := s.limits.wsLimits(sp, false)
	if lerr != nil {
		return wsAnswer(req.ID, nil, lerr, limits, retry), true
	}
	ss.mu.Lock()
	id := ss.nextSub
	ss.nextSub++
	ss.mu.Unlock()
	s.wsSend(ss.c, wsAnswer(req.ID, map[string]int{"subscriptionId": id}, nil, limits, 0))
	s.users.add(sg.acct, userSub{c: ss.c, id: id})
	return api.WSResponse{}, false
}

// wsUnsubscribe ends one subscription (subscriptionId) or all of the
// connection's.
func (s *Server) wsUnsubscribe(ss *wsSession, req *api.WSRequest, params map[string]string) api.WSResponse {
	if v, ok := params["subscriptionId"]; ok {
		id, err := strconv.Atoi(v)
		if err != nil || id < 0 || !s.users.remove(ss.c, id) {
			return wsAnswer(req.ID, nil, api.NewError(api.CodeInvalidParameter, "Invalid 'subscriptionId'."), nil, 0)
		}
		return wsAnswer(req.ID, struct{}{}, nil, nil, 0)
	}
	s.users.removeConn(ss.c)
	return wsAnswer(req.ID, struct{}{}, nil, nil, 0)
}

package binance

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/binance/api"
)

// The queries read the record's committed state: what the venue has
// answered and reported, never more.

func internalErr() *api.Error { return api.NewError(api.CodeDisconnected, api.MsgInternal) }

// resolve binds the committed order o to its market; false for an order
// of a symbol no longer listed.
func (s *Server) resolve(o *order) bool {
	o.m = s.byName[o.Symbol]
	return o.m != nil
}

// queryOrder is GET /api/v3/order: by orderId or origClientOrderId (the
// latest order with it); -2013 when the account has none.
func (s *Server) queryOrder(_ context.Context, sg *signed) (any, *api.Error) {
	ref, err := api.ParseOrderRef(sg.params)
	if err != nil {
		return nil, err.(*api.Error)
	}
	if s.byName[ref.Symbol] == nil {
		return nil, api.InvalidSymbol()
	}
	var o *order
	var serr error
	if ref.OrderID != 0 {
		o, serr = s.store.getOrder(ref.OrderID)
	} else {
		o, serr = s.store.orderByClientID(sg.acct, ref.Symbol, ref.OrigClientOrderID)
	}
	if serr != nil {
		return nil, internalErr()
	}
	if o == nil || o.Account != sg.acct || o.Symbol != ref.Symbol ||
		ref.OrigClientOrderID != "" && o.ClientID != ref.OrigClientOrderID || !s.resolve(o) {
		return nil, api.NoSuchOrder()
	}
	return noFills{Order: o.apiOrder()}, nil
}

func (s *Server) orderList(os []*order) []noFills {
	out := make([]noFills, 0, len(os))
	for _, o := range os {
		if s.resolve(o) {
			out = append(out, noFills{Order: o.apiOrder()})
		}
	}
	return out
}

// openOrders is GET /api/v3/openOrders: the account's open orders, of one
// symbol or all, oldest first.
func (s *Server) openOrders(_ context.Context, sg *signed) (any, *api.Error) {
	r := newReader(sg.params)
	sym := r.str(api.ParamSymbol)
	if sym != "" && s.byName[sym] == nil {
		return nil, api.InvalidSymbol()
	}
	if err := r.done(); err != nil {
		return nil, err
	}
	os, err := s.store.openOrders(sg.acct, sym)
	if err != nil {
		return nil, internalErr()
	}
	return s.orderList(os), nil
}

// allOrders is GET /api/v3/allOrders: symbol; orderId (from it on);
// startTime, endTime (creation, unix ms); limit (500, at most 1000).
func (s *Server) allOrders(_ context.Context, sg *signed) (any, *api.Error) {
	m, vals, limit, aerr := s.listParams(sg, api.ParamOrderID, "startTime", "endTime")
	if aerr != nil {
		return nil, aerr
	}
	os, err := s.store.allOrders(sg.acct, m.name, vals[0], vals[1], vals[2], limit)
	if err != nil {
		return nil, internalErr()
	}
	return s.orderList(os), nil
}

// listParams reads a history query's parameters: the symbol, the
// optional integers keys (0 when absent, in that order), and limit (500,
// at most 1000); any other parameter is refused.
func (s *Server) listParams(sg *signed, keys ...string) (*market, []int64, int, *api.Error) {
	r := newReader(sg.params)
	m, aerr := s.symbolParam(r)
	if aerr != nil {
		return nil, nil, 0, aerr
	}
	vals := make([]int64, len(keys))
	for i, k := range keys {
		if vals[i], aerr = r.int64(k); aerr != nil {
			return nil, nil, 0, aerr
		}
	}
	limit, aerr := listLimit(r, 500, 1000)
	if aerr != nil {
		return nil, nil, 0, aerr
	}
	if aerr := r.done(); aerr != nil {
		return nil, nil, 0, aerr
	}
	return m, vals, limit, nil
}

// myTrades is GET /api/v3/myTrades: symbol; orderId; fromId; startTime,
// endTime; limit (500, at most 1000).
func (s *Server) myTrades(_ context.Context, sg *signed) (any, *api.Error) {
	m, vals, limit, aerr := s.listParams(sg, api.ParamOrderID, "fromId", "startTime", "endTime")
	if aerr != nil {
		return nil, aerr
	}
	ts, err := s.store.trades(sg.acct, m.name, vals[0], vals[1], vals[2], vals[3], limit)
	if err != nil {
		return nil, internalErr()
	}
	out := make([]api.Trade, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.apiTrade(m))
	}
	return out, nil
}

// accountInfo is GET /api/v3/account (and account.status): the balances
// as committed, and the commission rates of Options.Fees.
func (s *Server) accountInfo(_ context.Context, sg *signed) (any, *api.Error) {
	r := newReader(sg.params)
	omitZero := r.str("omitZeroBalances") == "true"
	if aerr := r.done(); aerr != nil {
		return nil, aerr
	}
	a, err := s.store.account(sg.acct)
	if err != nil || a == nil {
		return nil, internalErr()
	}
	bs := a.balances()
	if omitZero {
		kept := bs[:0]
		for _, b := range bs {
			if f, l := decimal.RequireFromString(b.Free), decimal.RequireFromString(b.Locked); !f.IsZero() || !l.IsZero() {
				kept = append(kept, b)
			}
		}
		bs = kept
	}
	maker, taker := s.opts.Fees.MakerBps.Shift(-4), s.opts.Fees.TakerBps.Shift(-4)
	return api.Account{
		MakerCommission: s.opts.Fees.MakerBps.IntPart(), TakerCommission: s.opts.Fees.TakerBps.IntPart(),
		CommissionRates: api.CommissionRates{Maker: maker.StringFixed(8), Taker: taker.StringFixed(8),
			Buyer: "0.00000000", Seller: "0.00000000"},
		CanTrade: true, CanWithdraw: false, CanDeposit: false, UpdateTime: a.Updated, AccountType: "SPOT",
		Balances: bs, Permissions: []string{"SPOT"},
	}, nil
}

// orderCounts is GET /api/v3/rateLimit/order (and
// account.rateLimits.orders): the account's order counts in the current
// 10-second and day windows, with their limits, so that a client that
// restarts knows what it already spent.
func (s *Server) orderCounts(_ context.Context, sg *signed) (any, *api.Error) {
	if aerr := newReader(sg.params).done(); aerr != nil {
		return nil, aerr
	}
	return s.limits.orderCounts(sg.acct, time.Now()), nil
}

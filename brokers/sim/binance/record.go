package binance

import (
	"bytes"
	"encoding/json"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

// order is the venue's record of one account order, as persisted (JSON in
// the orders bucket). Prices and quantities are in the instrument's fixed
// point; CumQuote in domain.Money units (10^-8 of the quote asset). The
// ledger goroutine owns live orders; queries read committed copies.
type order struct {
	ID       int64           `json:"id"`
	Account  string          `json:"acct"`
	Symbol   string          `json:"sym"`
	ClientID string          `json:"cid"`
	Side     api.Side        `json:"side"`
	Type     api.OrderType   `json:"type"`
	TIF      api.TimeInForce `json:"tif,omitempty"`
	Price    int64           `json:"px"`
	Qty      int64           `json:"qty"`
	Filled   int64           `json:"filled"`
	CumQuote int64           `json:"cumQuote"`
	Status   api.OrderStatus `json:"status"`
	// Reserved is what the order still holds locked: quote for a buy
	// (notional plus the largest fee), base for a sell.
	Reserved decimal.Decimal `json:"reserved"`
	// Acked is set once the matching engine accepted the order; before,
	// the order is the venue's but not yet on a book.
	Acked   bool  `json:"acked"`
	Created int64 `json:"created"` // unix ms
	Updated int64 `json:"updated"` // unix ms

	m *market // resolved from Symbol; not persisted
}

// trade is one fill of one account order, a myTrades row.
type trade struct {
	ID         int64  `json:"id"`
	OrderID    int64  `json:"oid"`
	Account    string `json:"acct"`
	Symbol     string `json:"sym"`
	Price      int64  `json:"px"`
	Qty        int64  `json:"qty"`
	Quote      int64  `json:"quote"`      // Money units
	Commission int64  `json:"commission"` // Money units of the quote asset; negative is a rebate
	Time       int64  `json:"time"`       // unix ms
	IsBuyer    bool   `json:"buyer"`
	IsMaker    bool   `json:"maker"`
}

func (o *order) leaves() int64 { return o.Qty - o.Filled }

func (o *order) open() bool { return !o.Status.Final() }

func money(v int64) string { return domain.Money(v).Decimal().StringFixed(domain.MoneyDecimals) }

// apiOrder is o as the venue answers queries, openOrders and allOrders.
func (o *order) apiOrder() api.Order {
	in := &o.m.inst
	working := true
	return api.Order{
		Symbol: o.Symbol, OrderID: o.ID, OrderListID: -1, ClientOrderID: o.ClientID,
		Price: fixed(o.Price, in.PriceDecimals), OrigQty: fixed(o.Qty, in.QtyDecimals),
		ExecutedQty: fixed(o.Filled, in.QtyDecimals), OrigQuoteOrderQty: money(0),
		CummulativeQuoteQty: money(o.CumQuote), Status: o.Status, TimeInForce: o.tifOut(), Type: o.Type,
		Side: o.Side, StopPrice: fixed(0, in.PriceDecimals), Time: o.Created, UpdateTime: o.Updated,
		IsWorking: &working, WorkingTime: o.Created, SelfTradePreventionMode: "NONE",
	}
}

// tifOut is the timeInForce Binance shows: GTC for MARKET and LIMIT_MAKER.
func (o *order) tifOut() api.TimeInForce {
	if o.TIF == "" {
		return api.GTC
	}
	return o.TIF
}

// noFills is an order answer without the fills member (ACK, RESULT, a
// query, a cancel): the outer Fills hides api.Order's.
type noFills struct {
	api.Order
	Fills []api.Fill `json:"fills,omitempty"`
}

// ackOrder is the ACK form of a new order's answer.
func (o *order) ackOrder(transact int64) any {
	return struct {
		Symbol        string `json:"symbol"`
		OrderID       int64  `json:"orderId"`
		OrderListID   int64  `json:"orderListId"`
		ClientOrderID string `json:"clientOrderId"`
		TransactTime  int64  `json:"transactTime"`
	}{o.Symbol, o.ID, -1, o.ClientID, transact}
}

// resultOrder is the RESULT form, and with fills (non-nil) the FULL form.
func (o *order) resultOrder(transact int64, fills []api.Fill) any {
	a := o.apiOrder()
	a.TransactTime, a.Time, a.UpdateTime, a.IsWorking = transact, 0, 0, nil
	a.StopPrice = ""
	if fills != nil {
		a.Fills = fills
		return a
	}
	return noFills{Order: a}
}

// cancelOrder is a cancel's answer: origClientOrderId is the order's
// client id, clientOrderId the cancel's.
func (o *order) cancelOrder(cancelID string, transact int64) any {
	a := o.apiOrder()
	a.OrigClientOrderID, a.ClientOrderID = o.ClientID, cancelID
	a.TransactTime, a.Time, a.UpdateTime, a.IsWorking, a.WorkingTime, a.StopPrice = transact, 0, 0, nil, 0, ""
	return noFills{Order: a}
}

// apiFill is t as a FULL answer's fill.
func (t *trade) apiFill(m *market) api.Fill {
	return api.Fill{Price: fixed(t.Price, m.inst.PriceDecimals), Qty: fixed(t.Qty, m.inst.QtyDecimals),
		Commission: money(t.Commission), CommissionAsset: m.inst.Quote, TradeID: t.ID}
}

// apiTrade is t as a myTrades row.
func (t *trade) apiTrade(m *market) api.Trade {
	return api.Trade{Symbol: t.Symbol, ID: t.ID, OrderID: t.OrderID, OrderListID: -1,
		Price: fixed(t.Price, m.inst.PriceDecimals), Qty: fixed(t.Qty, m.inst.QtyDecimals),
		QuoteQty: money(t.Quote), Commission: money(t.Commission), CommissionAsset: m.inst.Quote,
		Time: t.Time, IsBuyer: t.IsBuyer, IsMaker: t.IsMaker, IsBestMatch: true}
}

// report is the executionReport about o after x, with the trade t (nil
// when x is not TRADE), execution id execID, at now (unix ms). cancelCID
// is the cancel's client id on a cancel: it becomes c, and the order's
// own id C, as Binance reports a cancel.
func (o *order) report(x api.ExecutionType, t *trade, execID, now int64, cancelCID string) []byte {
	in := &o.m.inst
	r := api.ExecutionReport{
		EventType: api.EventExecutionReport, EventTime: now, Symbol: o.Symbol, ClientOrderID: o.ClientID,
		Side: o.Side, OrderType: o.Type, TimeInForce: o.tifOut(), Quantity: fixed(o.Qty, in.QtyDecimals),
		Price: fixed(o.Price, in.PriceDecimals), StopPrice: fixed(0, in.PriceDecimals),
		IcebergQty: fixed(0, in.QtyDecimals), OrderListID: -1, OrigClientOrderID: "", ExecutionType: x,
		OrderStatus: o.Status, RejectReason: "NONE", OrderID: o.ID, LastQty: fixed(0, in.QtyDecimals),
		CumQty: fixed(o.Filled, in.QtyDecimals), LastPrice: fixed(0, in.PriceDecimals), Commission: "0",
		TransactTime: now, TradeID: -1, ExecutionID: execID, IsWorking: o.open() && o.Acked,
		CreateTime: o.Created, CumQuoteQty: money(o.CumQuote), LastQuoteQty: money(0),
		QuoteOrderQty: money(0), WorkingTime: o.Created, SelfTradePreventionMode: "NONE",
	}
	if cancelCID != "" {
		r.ClientOrderID, r.OrigClientOrderID = cancelCID, o.ClientID
	}
	if t != nil {
		r.LastQty, r.LastPrice = fixed(t.Qty, in.QtyDecimals), fixed(t.Price, in.PriceDecimals)
		r.Commission, r.CommissionAsset = money(t.Commission), in.Quote
		r.TradeID, r.IsMaker, r.LastQuoteQty, r.TransactTime = t.ID, t.IsMaker, money(t.Quote), t.Time
	}
	b, _ := json.Marshal(r)
	if r.CommissionAsset == "" {
		// Binance sends null when there is no commission asset.
		b = bytes.Replace(b, []byte(`"N":""`), []byte(`"N":null`), 1)
	}
	return b
}

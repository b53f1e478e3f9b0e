package api

import (
	"bytes"
	"encoding/json"
	"errors"
)

// ErrNotExecutionReport is returned by [DecodeExecutionReport] for a
// well-formed event of another type (e is not "executionReport").
var ErrNotExecutionReport = errors.New("binance api: not an executionReport event")

// Fill is one trade of a new order's FULL answer.
type Fill struct {
	Price           string `json:"price"`
	Qty             string `json:"qty"`
	Commission      string `json:"commission"`
	CommissionAsset string `json:"commissionAsset"`
	TradeID         int64  `json:"tradeId"`
}

// Order is an order as the venue answers it: a new order (ACK: the first
// five fields; RESULT; FULL with Fills), a cancel (with
// OrigClientOrderID), a query, openOrders and allOrders rows (with Time,
// UpdateTime, IsWorking). Decimals are strings as on the wire. Fields a
// form lacks are zero; fields this package does not model are dropped.
type Order struct {
	Symbol                  string      `json:"symbol"`
	OrderID                 int64       `json:"orderId"`
	OrderListID             int64       `json:"orderListId"`
	ClientOrderID           string      `json:"clientOrderId"`
	OrigClientOrderID       string      `json:"origClientOrderId,omitempty"`
	TransactTime            int64       `json:"transactTime,omitempty"`
	Price                   string      `json:"price,omitempty"`
	OrigQty                 string      `json:"origQty,omitempty"`
	ExecutedQty             string      `json:"executedQty,omitempty"`
	OrigQuoteOrderQty       string      `json:"origQuoteOrderQty,omitempty"`
	CummulativeQuoteQty     string      `json:"cummulativeQuoteQty,omitempty"`
	Status                  OrderStatus `json:"status,omitempty"`
	TimeInForce             TimeInForce `json:"timeInForce,omitempty"`
	Type                    OrderType   `json:"type,omitempty"`
	Side                    Side        `json:"side,omitempty"`
	StopPrice               string      `json:"stopPrice,omitempty"`
	Time                    int64       `json:"time,omitempty"`
	UpdateTime              int64       `json:"updateTime,omitempty"`
	IsWorking               *bool       `json:"isWorking,omitempty"`
	WorkingTime             int64       `json:"workingTime,omitempty"`
	SelfTradePreventionMode string      `json:"selfTradePreventionMode,omitempty"`
	ExpiryReason            string      `json:"expiryReason,omitempty"`
	Fills                   []Fill      `json:"fills"`
}

// Trade is a GET /api/v3/myTrades row: one fill of one of the account's
// orders.
type Trade struct {
	Symbol          string `json:"symbol"`
	ID              int64  `json:"id"`
	OrderID         int64  `json:"orderId"`
	OrderListID     int64  `json:"orderListId"`
	Price           string `json:"price"`
	Qty             string `json:"qty"`
	QuoteQty        string `json:"quoteQty"`
	Commission      string `json:"commission"`
	CommissionAsset string `json:"commissionAsset"`
	Time            int64  `json:"time"`
	IsBuyer         bool   `json:"isBuyer"`
	IsMaker         bool   `json:"isMaker"`
	IsBestMatch     bool   `json:"isBestMatch"`
}

// Balance is one asset of an account.
type Balance struct {
	Asset  string `json:"asset"`
	Free   string `json:"free"`
	Locked string `json:"locked"`
}

// CommissionRates are an account's rates, decimals ("0.00150000").
type CommissionRates struct {
	Maker  string `json:"maker"`
	Taker  string `json:"taker"`
	Buyer  string `json:"buyer"`
	Seller string `json:"seller"`
}

// Account is GET /api/v3/account's answer (the WebSocket API's
// account.status result), the fields desk uses.
type Account struct {
	MakerCommission  int64           `json:"makerCommission"`
	TakerCommission  int64           `json:"takerCommission"`
	BuyerCommission  int64           `json:"buyerCommission"`
	SellerCommission int64           `json:"sellerCommission"`
	CommissionRates  CommissionRates `json:"commissionRates"`
	CanTrade         bool            `json:"canTrade"`
	CanWithdraw      bool            `json:"canWithdraw"`
	CanDeposit       bool            `json:"canDeposit"`
	UpdateTime       int64           `json:"updateTime"`
	AccountType      string          `json:"accountType"`
	Balances         []Balance       `json:"balances"`
	Permissions      []string        `json:"permissions"`
	UID              int64           `json:"uid,omitempty"`
}

// Balance is the account's balance of asset, and whether it has one.
func (a *Account) Balance(asset string) (Balance, bool) {
	for _, b := range a.Balances {
		if b.Asset == asset {
			return b, true
		}
	}
	return Balance{}, false
}

// CancelReplaceData is cancelReplace's answer: the whole body on success
// (HTTP 200), the data member of its -2021 or -2022 error otherwise
// ([Error.Data], decoded by [DecodeCancelReplaceData]). A response is an
// order when the result is SUCCESS and an error ({code, msg}) when it is
// FAILURE; NewOrderResponse is null when NOT_ATTEMPTED.
type CancelReplaceData struct {
	CancelResult     string          `json:"cancelResult"`
	NewOrderResult   string          `json:"newOrderResult"`
	CancelResponse   json.RawMessage `json:"cancelResponse"`
	NewOrderResponse json.RawMessage `json:"newOrderResponse"`
}

// DecodeCancelReplaceData decodes b, a cancelReplace body or error data.
func DecodeCancelReplaceData(b []byte) (CancelReplaceData, error) {
	var d CancelReplaceData
	err := json.Unmarshal(b, &d)
	return d, err
}

// ExecutionReport is the user data stream's executionReport event: one
// change of one of the account's orders. JSON tags are Binance's
// one-letter names (case matters: s symbol, S side).
type ExecutionReport struct {
	EventType               string        `json:"e"` // "executionReport"
	EventTime               int64         `json:"E"`
	Symbol                  string        `json:"s"`
	ClientOrderID           string        `json:"c"`
	Side                    Side          `json:"S"`
	OrderType               OrderType     `json:"o"`
	TimeInForce             TimeInForce   `json:"f"`
	Quantity                string        `json:"q"`
	Price                   string        `json:"p"`
	StopPrice               string        `json:"P"`
	IcebergQty              string        `json:"F"`
	OrderListID             int64         `json:"g"`
	OrigClientOrderID       string        `json:"C"` // the canceled order's client id, on cancels
	ExecutionType           ExecutionType `json:"x"`
	OrderStatus             OrderStatus   `json:"X"`
	RejectReason            string        `json:"r"` // "NONE" unless rejected
	OrderID                 int64         `json:"i"`
	LastQty                 string        `json:"l"`
	CumQty                  string        `json:"z"`
	LastPrice               string        `json:"L"`
	Commission              string        `json:"n"`
	CommissionAsset         string        `json:"N"` // null on the wire when there is none
	TransactTime            int64         `json:"T"`
	TradeID                 int64         `json:"t"` // -1 when not a trade
	ExecutionID             int64         `json:"I"`
	IsWorking               bool          `json:"w"`
	IsMaker                 bool          `json:"m"`
	Ignore                  bool          `json:"M"`
	CreateTime              int64         `json:"O"`
	CumQuoteQty             string        `json:"Z"`
	LastQuoteQty            string        `json:"Y"`
	QuoteOrderQty           string        `json:"Q"`
	WorkingTime             int64         `json:"W,omitempty"`
	SelfTradePreventionMode string        `json:"V,omitempty"`
	PreventedMatchID        int64         `json:"v,omitempty"`
	ExpiryReason            string        `json:"eR,omitempty"`
}

// EventExecutionReport is an executionReport's e.
const EventExecutionReport = "executionReport"

// DecodeExecutionReport decodes an executionReport event: the bare event
// (a /ws/<listenKey> stream) or the WebSocket API's
// {"subscriptionId":..,"event":{...}} wrapper. It returns
// ErrNotExecutionReport for another event type.
func DecodeExecutionReport(b []byte) (ExecutionReport, error) {
	var wrap struct {
		Event json.RawMessage `json:"event"`
	}
	if bytes.Contains(b, []byte(`"event"`)) && json.Unmarshal(b, &wrap) == nil && len(wrap.Event) > 0 && wrap.Event[0] == '{' {
		b = wrap.Event
	}
	var r ExecutionReport
	if err := json.Unmarshal(b, &r); err != nil {
		return ExecutionReport{}, err
	}
	if r.EventType != EventExecutionReport {
		return ExecutionReport{}, ErrNotExecutionReport
	}
	return r, nil
}

// DecodeOrder decodes an order answer (new, cancel, query).
func DecodeOrder(b []byte) (Order, error) {
	var o Order
	err := json.Unmarshal(b, &o)
	return o, err
}

// DecodeOrders decodes an order list (openOrders, allOrders).
func DecodeOrders(b []byte) ([]Order, error) {
	var os []Order
	err := json.Unmarshal(b, &os)
	return os, err
}

// DecodeTrades decodes myTrades' answer.
func DecodeTrades(b []byte) ([]Trade, error) {
	var ts []Trade
	err := json.Unmarshal(b, &ts)
	return ts, err
}

// DecodeAccount decodes account's answer.
func DecodeAccount(b []byte) (Account, error) {
	var a Account
	err := json.Unmarshal(b, &a)
	return a, err
}

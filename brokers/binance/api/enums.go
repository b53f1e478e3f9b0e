package api

// Side is an order's side.
type Side string

// Sides.
const (
	SideBuy  Side = "BUY"
	SideSell Side = "SELL"
)

// OrderType is an order's type.
type OrderType string

// Order types.
const (
	TypeLimit           OrderType = "LIMIT"
	TypeMarket          OrderType = "MARKET"
	TypeStopLoss        OrderType = "STOP_LOSS"
	TypeStopLossLimit   OrderType = "STOP_LOSS_LIMIT"
	TypeTakeProfit      OrderType = "TAKE_PROFIT"
	TypeTakeProfitLimit OrderType = "TAKE_PROFIT_LIMIT"
	TypeLimitMaker      OrderType = "LIMIT_MAKER"
)

// TimeInForce is how long an order stays active.
type TimeInForce string

// Times in force.
const (
	GTC TimeInForce = "GTC"
	IOC TimeInForce = "IOC"
	FOK TimeInForce = "FOK"
)

// RespType is newOrderRespType, how much a new-order answer carries.
type RespType string

// Response types. MARKET and LIMIT orders default to FULL, the others to
// ACK.
const (
	RespACK    RespType = "ACK"
	RespRESULT RespType = "RESULT"
	RespFULL   RespType = "FULL"
)

// OrderStatus is an order's status.
type OrderStatus string

// Order statuses.
const (
	StatusNew             OrderStatus = "NEW"
	StatusPendingNew      OrderStatus = "PENDING_NEW"
	StatusPartiallyFilled OrderStatus = "PARTIALLY_FILLED"
	StatusFilled          OrderStatus = "FILLED"
	StatusCanceled        OrderStatus = "CANCELED"
	StatusPendingCancel   OrderStatus = "PENDING_CANCEL"
	StatusRejected        OrderStatus = "REJECTED"
	StatusExpired         OrderStatus = "EXPIRED"
	StatusExpiredInMatch  OrderStatus = "EXPIRED_IN_MATCH"
)

// Final reports whether the status is terminal: FILLED, CANCELED,
// REJECTED, EXPIRED or EXPIRED_IN_MATCH.
func (s OrderStatus) Final() bool {
	switch s {
	case StatusFilled, StatusCanceled, StatusRejected, StatusExpired, StatusExpiredInMatch:
		return true
	}
	return false
}

// ExecutionType is an executionReport's x: what happened.
type ExecutionType string

// Execution types.
const (
	ExecNew             ExecutionType = "NEW"
	ExecCanceled        ExecutionType = "CANCELED"
	ExecReplaced        ExecutionType = "REPLACED"
	ExecRejected        ExecutionType = "REJECTED"
	ExecTrade           ExecutionType = "TRADE"
	ExecExpired         ExecutionType = "EXPIRED"
	ExecTradePrevention ExecutionType = "TRADE_PREVENTION"
)

// CancelReplaceMode is cancelReplace's cancelReplaceMode.
type CancelReplaceMode string

// Cancel-replace modes.
const (
	// StopOnFailure does not attempt the new order if the cancel fails.
	StopOnFailure CancelReplaceMode = "STOP_ON_FAILURE"
	// AllowFailure attempts the new order even if the cancel fails.
	AllowFailure CancelReplaceMode = "ALLOW_FAILURE"
)

// Cancel-replace results (cancelResult, newOrderResult).
const (
	ResultSuccess      = "SUCCESS"
	ResultFailure      = "FAILURE"
	ResultNotAttempted = "NOT_ATTEMPTED"
)

// Endpoints and headers of order entry.
const (
	PathOrder         = "/api/v3/order"               // POST new, DELETE cancel, GET query
	PathOrderTest     = "/api/v3/order/test"          // POST: validate only
	PathCancelReplace = "/api/v3/order/cancelReplace" // POST
	PathOpenOrders    = "/api/v3/openOrders"          // GET open orders, DELETE cancel all on a symbol
	PathAllOrders     = "/api/v3/allOrders"           // GET
	PathMyTrades      = "/api/v3/myTrades"            // GET
	PathAccount       = "/api/v3/account"             // GET
	// PathRateLimitOrder is GET: the account's order counts in each
	// window, with the limits.
	PathRateLimitOrder = "/api/v3/rateLimit/order"
	PathWSAPI          = "/ws-api/v3" // WebSocket API

	// HeaderAPIKey carries the API key of a REST request.
	HeaderAPIKey = "X-MBX-APIKEY"
	// HeaderRetryAfter is sent with 429 and 418: seconds to wait.
	HeaderRetryAfter = "Retry-After"
)

// WebSocket API methods of order entry.
const (
	MethodOrderPlace         = "order.place"
	MethodOrderTest          = "order.test"
	MethodOrderCancel        = "order.cancel"
	MethodOrderStatus        = "order.status"
	MethodOrderCancelReplace = "order.cancelReplace"
	MethodOpenOrdersStatus   = "openOrders.status"
	MethodOpenOrdersCancel   = "openOrders.cancelAll"
	MethodAllOrders          = "allOrders"
	MethodMyTrades           = "myTrades"
	MethodAccountStatus      = "account.status"
	MethodOrderRateLimits    = "account.rateLimits.orders"
)

package api

import (
	"regexp"
	"strconv"
)

// Legal ranges the venue states in its -1100 messages.
const (
	// LegalSymbol is the legal range of a symbol.
	LegalSymbol = `^[A-Z0-9-_.]{1,20}$`
	// LegalDecimal is the legal range of a price or quantity.
	LegalDecimal = `^([0-9]{1,20})(\.[0-9]{1,20})?$`
	// LegalClientOrderID is the legal range of a client order id.
	LegalClientOrderID = `^[a-zA-Z0-9-_]{1,36}$`
	// LegalOrderID is the legal range of an order id.
	LegalOrderID = `^[0-9]{1,20}$`
)

var (
	symbolRE   = regexp.MustCompile(LegalSymbol)
	decimalRE  = regexp.MustCompile(LegalDecimal)
	clientIDRE = regexp.MustCompile(LegalClientOrderID)
)

// Order-entry parameter names.
const (
	ParamSymbol            = "symbol"
	ParamSide              = "side"
	ParamType              = "type"
	ParamTimeInForce       = "timeInForce"
	ParamQuantity          = "quantity"
	ParamQuoteOrderQty     = "quoteOrderQty"
	ParamPrice             = "price"
	ParamStopPrice         = "stopPrice"
	ParamNewClientOrderID  = "newClientOrderId"
	ParamNewOrderRespType  = "newOrderRespType"
	ParamOrderID           = "orderId"
	ParamOrigClientOrderID = "origClientOrderId"
)

// NewOrder is the parameters of POST /api/v3/order (and the WebSocket
// API's order.place) that desk uses, in the venue's terms: decimals are
// strings as on the wire ("0.10000000"), "" is not sent. Iceberg,
// trailing-stop, peg, strategy and self-trade-prevention parameters are
// not modelled: [ParseNewOrder] refuses them as unread (-1104).
type NewOrder struct {
	Symbol           string
	Side             Side
	Type             OrderType
	TimeInForce      TimeInForce
	Quantity         string
	QuoteOrderQty    string
	Price            string
	StopPrice        string
	NewClientOrderID string
	NewOrderRespType RespType
}

// Params is the order's parameter list in the order symbol, side, type,
// timeInForce, quantity, quoteOrderQty, price, stopPrice,
// newClientOrderId, newOrderRespType, leaving out empty fields. Append
// recvWindow and timestamp, then sign ([SignQuery]).
func (o NewOrder) Params() Params {
	// Small enough to inline, so that a caller that does not keep the
	// list has it on its stack.
	return o.AppendParams(make(Params, 0, 12))
}

// AppendParams appends [NewOrder.Params] to p and returns the list.
func (o NewOrder) AppendParams(p Params) Params {
	add := func(k, v string) {
		if v != "" {
			p = append(p, Param{k, v})
		}
	}
	add(ParamSymbol, o.Symbol)
	add(ParamSide, string(o.Side))
	add(ParamType, string(o.Type))
	add(ParamTimeInForce, string(o.TimeInForce))
	add(ParamQuantity, o.Quantity)
	add(ParamQuoteOrderQty, o.QuoteOrderQty)
	add(ParamPrice, o.Price)
	add(ParamStopPrice, o.StopPrice)
	add(ParamNewClientOrderID, o.NewClientOrderID)
	add(ParamNewOrderRespType, string(o.NewOrderRespType))
	return p
}

// typeRule is which parameters an order type needs and refuses.
type typeRule struct {
	tif, qty, price, stop bool // needed (true) or refused (false)
	quote                 bool // quoteOrderQty allowed (MARKET only)
}

var typeRules = map[OrderType]typeRule{
	TypeLimit:           {tif: true, qty: true, price: true},
	TypeMarket:          {qty: true, quote: true},
	TypeStopLoss:        {qty: true, stop: true},
	TypeStopLossLimit:   {tif: true, qty: true, price: true, stop: true},
	TypeTakeProfit:      {qty: true, stop: true},
	TypeTakeProfitLimit: {tif: true, qty: true, price: true, stop: true},
	TypeLimitMaker:      {qty: true, price: true},
}

// Validate checks the order as the venue checks it before the matching
// engine, returning nil or the venue's *Error, in this order:
//
//   - symbol: -1102 if empty, -1100 if not [LegalSymbol];
//   - side: -1102 if empty, -1117 "Invalid side." if not BUY or SELL;
//   - type: -1102 if empty, -1116 "Invalid orderType." if unknown;
//   - timeInForce, if sent: -1115 "Invalid timeInForce." if not
//     GTC, IOC or FOK;
//   - quantity, quoteOrderQty, price, stopPrice, if sent: -1100 if not
//     [LegalDecimal];
//   - newClientOrderId, if sent: -1100 if not [LegalClientOrderID];
//   - newOrderRespType, if sent: -1130 if not ACK, RESULT or FULL;
//   - the type's mandatory parameters, -1102 naming the first missing:
//     LIMIT needs timeInForce, quantity, price; MARKET quantity or
//     quoteOrderQty ("Param 'quantity' or 'quoteOrderQty' must be sent,
//     but both were empty/null!"); LIMIT_MAKER quantity, price; STOP_LOSS
//     and TAKE_PROFIT quantity, stopPrice; STOP_LOSS_LIMIT and
//     TAKE_PROFIT_LIMIT timeInForce, quantity, price, stopPrice;
//   - parameters the type does not take, -1106 "Parameter '%s' sent when
//     not required.": timeInForce, price or stopPrice where not needed,
//     quoteOrderQty but on MARKET, and quoteOrderQty with quantity.
//
// Validate does not apply the symbol's filters (PRICE_FILTER, LOT_SIZE,
// ...: -1013), which need exchangeInfo; that is the venue's job.
func (o NewOrder) Validate() error {
	if err := checkSymbol(o.Symbol); err != nil {
		return err
	}
	switch o.Side {
	case "":
		return MandatoryParam(ParamSide)
	case SideBuy, SideSell:
	default:
		return newError(CodeInvalidSide, "Invalid side.")
	}
	if o.Type == "" {
		return MandatoryParam(ParamType)
	}
	rule, ok := typeRules[o.Type]
	if !ok {
		return newError(CodeInvalidOrderType, "Invalid orderType.")
	}
	switch o.TimeInForce {
	case "", GTC, IOC, FOK:
	default:
		return newError(CodeInvalidTIF, "Invalid timeInForce.")
	}
	for _, d := range [...]struct{ name, v string }{
		{ParamQuantity, o.Quantity}, {ParamQuoteOrderQty, o.QuoteOrderQty},
		{ParamPrice, o.Price}, {ParamStopPrice, o.StopPrice},
	} {
		if d.v != "" && !decimalRE.MatchString(d.v) {
			return IllegalChars(d.name, LegalDecimal)
		}
	}
	if o.NewClientOrderID != "" && !clientIDRE.MatchString(o.NewClientOrderID) {
		return IllegalChars(ParamNewClientOrderID, LegalClientOrderID)
	}
	switch o.NewOrderRespType {
	case "", RespACK, RespRESULT, RespFULL:
	default:
		return newError(CodeInvalidParameter, "Data sent for parameter '"+ParamNewOrderRespType+"' is not valid.")
	}
	// Mandatory parameters.
	if rule.tif && o.TimeInForce == "" {
		return MandatoryParam(ParamTimeInForce)
	}
	if rule.quote {
		if o.Quantity == "" && o.QuoteOrderQty == "" {
			return EitherParam(ParamQuantity, ParamQuoteOrderQty)
		}
	} else if rule.qty && o.Quantity == "" {
		return MandatoryParam(ParamQuantity)
	}
	if rule.price && o.Price == "" {
		return MandatoryParam(ParamPrice)
	}
	if rule.stop && o.StopPrice == "" {
		return MandatoryParam(ParamStopPrice)
	}
	// Parameters not required.
	switch {
	case !rule.tif && o.TimeInForce != "":
		return ParamNotRequired(ParamTimeInForce)
	case !rule.price && o.Price != "":
		return ParamNotRequired(ParamPrice)
	case !rule.stop && o.StopPrice != "":
		return ParamNotRequired(ParamStopPrice)
	case o.QuoteOrderQty != "" && (!rule.quote || o.Quantity != ""):
		return ParamNotRequired(ParamQuoteOrderQty)
	}
	return nil
}

func checkSymbol(s string) error {
	if s == "" {
		return MandatoryParam(ParamSymbol)
	}
	if !symbolRE.MatchString(s) {
		return IllegalChars(ParamSymbol, LegalSymbol)
	}
	return nil
}

// signing reports the parameters every SIGNED request may carry besides
// its own.
func signing(key string) bool {
	switch key {
	case ParamTimestamp, ParamRecvWindow, ParamSignature, ParamAPIKey:
		return true
	}
	return false
}

// unread is -1104 for n parameters read of sent.
func unread(read, sent int) *Error {
	return newError(CodeUnreadParameters, "Not all sent parameters were read; read '"+
		strconv.Itoa(read)+"' parameter(s) but was sent '"+strconv.Itoa(sent)+"'.")
}

// ParseNewOrder is the venue side of [NewOrder.Params]: it reads a new
// order from a request's parameters (signing parameters timestamp,
// recvWindow, signature and apiKey are skipped, not checked: see
// [VerifyQuery] and [CheckTimestamp]) and validates it
// ([NewOrder.Validate]), giving the same errors. An empty value is a
// parameter not sent. A parameter it does not model is -1104 ("Not all
// sent parameters were read; ..."), checked after validation; a repeated
// one -1101. ParseNewOrder(o.Params()) gives o back for a valid o.
func ParseNewOrder(p Params) (NewOrder, error) {
	var o NewOrder
	seen := make(map[string]bool, len(p))
	read, sent := 0, 0
	for _, kv := range p {
		if seen[kv.Key] {
			return NewOrder{}, newError(CodeTooManyParameters, "Duplicate values for a parameter detected.")
		}
		seen[kv.Key] = true
		if signing(kv.Key) {
			continue
		}
		sent++
		read++
		switch kv.Key {
		case ParamSymbol:
			o.Symbol = kv.Value
		case ParamSide:
			o.Side = Side(kv.Value)
		case ParamType:
			o.Type = OrderType(kv.Value)
		case ParamTimeInForce:
			o.TimeInForce = TimeInForce(kv.Value)
		case ParamQuantity:
			o.Quantity = kv.Value
		case ParamQuoteOrderQty:
			o.QuoteOrderQty = kv.Value
		case ParamPrice:
			o.Price = kv.Value
		case ParamStopPrice:
			o.StopPrice = kv.Value
		case ParamNewClientOrderID:
			o.NewClientOrderID = kv.Value
		case ParamNewOrderRespType:
			o.NewOrderRespType = RespType(kv.Value)
		default:
			read--
		}
	}
	if err := o.Validate(); err != nil {
		return NewOrder{}, err
	}
	if read != sent {
		return NewOrder{}, unread(read, sent)
	}
	return o, nil
}

// OrderRef names one order of a symbol, for DELETE /api/v3/order (cancel,
// with NewClientOrderID naming the cancel) and GET /api/v3/order (query,
// NewClientOrderID empty): by OrderID (0 is not sent) or
// OrigClientOrderID, or both.
type OrderRef struct {
	Symbol            string
	OrderID           int64
	OrigClientOrderID string
	NewClientOrderID  string
}

// Params is the list symbol, orderId, origClientOrderId,
// newClientOrderId, leaving out unset fields.
func (r OrderRef) Params() Params {
	p := make(Params, 0, 6)
	if r.Symbol != "" {
		p = append(p, Param{ParamSymbol, r.Symbol})
	}
	if r.OrderID != 0 {
		p = append(p, Param{ParamOrderID, strconv.FormatInt(r.OrderID, 10)})
	}
	if r.OrigClientOrderID != "" {
		p = append(p, Param{ParamOrigClientOrderID, r.OrigClientOrderID})
	}
	if r.NewClientOrderID != "" {
		p = append(p, Param{ParamNewClientOrderID, r.NewClientOrderID})
	}
	return p
}

// Validate checks the reference: symbol as in [NewOrder.Validate];
// neither orderId nor origClientOrderId is -1102 "Param
// 'origClientOrderId' or 'orderId' must be sent, but both were
// empty/null!"; a negative orderId -1100; a client order id not
// [LegalClientOrderID] -1100.
func (r OrderRef) Validate() error {
	if err := checkSymbol(r.Symbol); err != nil {
		return err
	}
	if r.OrderID < 0 {
		return IllegalChars(ParamOrderID, LegalOrderID)
	}
	if r.OrderID == 0 && r.OrigClientOrderID == "" {
		return EitherParam(ParamOrigClientOrderID, ParamOrderID)
	}
	if r.OrigClientOrderID != "" && !clientIDRE.MatchString(r.OrigClientOrderID) {
		return IllegalChars(ParamOrigClientOrderID, LegalClientOrderID)
	}
	if r.NewClientOrderID != "" && !clientIDRE.MatchString(r.NewClientOrderID) {
		return IllegalChars(ParamNewClientOrderID, LegalClientOrderID)
	}
	return nil
}

// ParseOrderRef is the venue side of [OrderRef.Params], with the errors of
// [OrderRef.Validate], -1100 for an orderId that is not [LegalOrderID],
// -1101 for a repeated parameter and -1104 for one it does not model.
// Signing parameters are skipped.
func ParseOrderRef(p Params) (OrderRef, error) {
	var r OrderRef
	seen := make(map[string]bool, len(p))
	read, sent := 0, 0
	badID := false
	for _, kv := range p {
		if seen[kv.Key] {
			return OrderRef{}, newError(CodeTooManyParameters, "Duplicate values for a parameter detected.")
		}
		seen[kv.Key] = true
		if signing(kv.Key) {
			continue
		}
		sent++
		read++
		switch kv.Key {
		case ParamSymbol:
			r.Symbol = kv.Value
		case ParamOrderID:
			if kv.Value == "" {
				continue
			}
			id, err := strconv.ParseInt(kv.Value, 10, 64)
			if err != nil || id <= 0 || !allDigits(kv.Value) {
				badID = true
				continue
			}
			r.OrderID = id
		case ParamOrigClientOrderID:
			r.OrigClientOrderID = kv.Value
		case ParamNewClientOrderID:
			r.NewClientOrderID = kv.Value
		default:
			read--
		}
	}
	if err := checkSymbol(r.Symbol); err != nil {
		return OrderRef{}, err
	}
	if badID {
		return OrderRef{}, IllegalChars(ParamOrderID, LegalOrderID)
	}
	if err := r.Validate(); err != nil {
		return OrderRef{}, err
	}
	if read != sent {
		return OrderRef{}, unread(read, sent)
	}
	return r, nil
}

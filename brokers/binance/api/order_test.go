package api

import (
	"reflect"
	"testing"
)

func TestNewOrderValidateAndParse(t *testing.T) {
	lim := NewOrder{Symbol: "BTCUSDT", Side: SideBuy, Type: TypeLimit, TimeInForce: GTC, Quantity: "1.5", Price: "100.01"}
	with := func(f func(*NewOrder)) NewOrder { o := lim; f(&o); return o }
	for _, tc := range []struct {
		name string
		o    NewOrder
		code int
		msg  string
	}{
		{"limit", lim, 0, ""},
		{"limit full", with(func(o *NewOrder) { o.NewClientOrderID = "desk-1_a"; o.NewOrderRespType = RespFULL }), 0, ""},
		{"limit IOC", with(func(o *NewOrder) { o.TimeInForce = IOC }), 0, ""},
		{"market qty", NewOrder{Symbol: "BTCUSDT", Side: SideSell, Type: TypeMarket, Quantity: "2"}, 0, ""},
		{"market quote", NewOrder{Symbol: "BTCUSDT", Side: SideBuy, Type: TypeMarket, QuoteOrderQty: "100"}, 0, ""},
		{"limit maker", NewOrder{Symbol: "BTCUSDT", Side: SideBuy, Type: TypeLimitMaker, Quantity: "1", Price: "1"}, 0, ""},
		{"stop loss", NewOrder{Symbol: "BTCUSDT", Side: SideSell, Type: TypeStopLoss, Quantity: "1", StopPrice: "90"}, 0, ""},
		{"stop loss limit", NewOrder{Symbol: "BTCUSDT", Side: SideSell, Type: TypeStopLossLimit, TimeInForce: GTC, Quantity: "1", Price: "89", StopPrice: "90"}, 0, ""},
		{"take profit", NewOrder{Symbol: "BTCUSDT", Side: SideSell, Type: TypeTakeProfit, Quantity: "1", StopPrice: "110"}, 0, ""},
		{"take profit limit", NewOrder{Symbol: "BTCUSDT", Side: SideSell, Type: TypeTakeProfitLimit, TimeInForce: FOK, Quantity: "1", Price: "111", StopPrice: "110"}, 0, ""},

		{"no symbol", with(func(o *NewOrder) { o.Symbol = "" }), CodeMandatoryParam, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."},
		{"lower symbol", with(func(o *NewOrder) { o.Symbol = "btcusdt" }), CodeIllegalChars, "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'."},
		{"long symbol", with(func(o *NewOrder) { o.Symbol = "ABCDEFGHIJKLMNOPQRSTU" }), CodeIllegalChars, ""},
		{"no side", with(func(o *NewOrder) { o.Side = "" }), CodeMandatoryParam, "Mandatory parameter 'side' was not sent, was empty/null, or malformed."},
		{"bad side", with(func(o *NewOrder) { o.Side = "buy" }), CodeInvalidSide, "Invalid side."},
		{"no type", with(func(o *NewOrder) { o.Type = "" }), CodeMandatoryParam, "Mandatory parameter 'type' was not sent, was empty/null, or malformed."},
		{"bad type", with(func(o *NewOrder) { o.Type = "ICEBERG" }), CodeInvalidOrderType, "Invalid orderType."},
		{"bad tif", with(func(o *NewOrder) { o.TimeInForce = "GTX" }), CodeInvalidTIF, "Invalid timeInForce."},
		{"bad qty", with(func(o *NewOrder) { o.Quantity = "-1" }), CodeIllegalChars, "Illegal characters found in parameter 'quantity'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'."},
		{"exp qty", with(func(o *NewOrder) { o.Quantity = "1e5" }), CodeIllegalChars, ""},
		{"bad price", with(func(o *NewOrder) { o.Price = "1." }), CodeIllegalChars, "Illegal characters found in parameter 'price'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'."},
		{"bad stop", with(func(o *NewOrder) { o.StopPrice = ".5" }), CodeIllegalChars, ""},
		{"bad client id", with(func(o *NewOrder) { o.NewClientOrderID = "a b" }), CodeIllegalChars, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[a-zA-Z0-9-_]{1,36}$'."},
		{"long client id", with(func(o *NewOrder) { o.NewClientOrderID = "0123456789012345678901234567890123456" }), CodeIllegalChars, ""},
		{"bad resp type", with(func(o *NewOrder) { o.NewOrderRespType = "ALL" }), CodeInvalidParameter, "Data sent for parameter 'newOrderRespType' is not valid."},
		{"limit no tif", with(func(o *NewOrder) { o.TimeInForce = "" }), CodeMandatoryParam, "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed."},
		{"limit no qty", with(func(o *NewOrder) { o.Quantity = "" }), CodeMandatoryParam, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed."},
		{"limit no price", with(func(o *NewOrder) { o.Price = "" }), CodeMandatoryParam, "Mandatory parameter 'price' was not sent, was empty/null, or malformed."},
		{"limit stop", with(func(o *NewOrder) { o.StopPrice = "1" }), CodeParamNotRequired, "Parameter 'stopPrice' sent when not required."},
		{"limit quote", with(func(o *NewOrder) { o.QuoteOrderQty = "1" }), CodeParamNotRequired, "Parameter 'quoteOrderQty' sent when not required."},
		{"market nothing", NewOrder{Symbol: "BTCUSDT", Side: SideBuy, Type: TypeMarket}, CodeMandatoryParam, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"},
		{"market both", NewOrder{Symbol: "BTCUSDT", Side: SideBuy, Type: TypeMarket, Quantity: "1", QuoteOrderQty: "1"}, CodeParamNotRequired, "Parameter 'quoteOrderQty' sent when not required."},
		{"market price", NewOrder{Symbol: "BTCUSDT", Side: SideBuy, Type: TypeMarket, Quantity: "1", Price: "1"}, CodeParamNotRequired, "Parameter 'price' sent when not required."},
		{"market tif", NewOrder{Symbol: "BTCUSDT", Side: SideBuy, Type: TypeMarket, Quantity: "1", TimeInForce: GTC}, CodeParamNotRequired, "Parameter 'timeInForce' sent when not required."},
		{"maker no price", NewOrder{Symbol: "BTCUSDT", Side: SideBuy, Type: TypeLimitMaker, Quantity: "1"}, CodeMandatoryParam, "Mandatory parameter 'price' was not sent, was empty/null, or malformed."},
		{"maker no qty", NewOrder{Symbol: "BTCUSDT", Side: SideBuy, Type: TypeLimitMaker, Price: "1"}, CodeMandatoryParam, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed."},
		{"maker tif", NewOrder{Symbol: "BTCUSDT", Side: SideBuy, Type: TypeLimitMaker, Quantity: "1", Price: "1", TimeInForce: GTC}, CodeParamNotRequired, "Parameter 'timeInForce' sent when not required."},
		{"stop no stop", NewOrder{Symbol: "BTCUSDT", Side: SideSell, Type: TypeStopLoss, Quantity: "1"}, CodeMandatoryParam, "Mandatory parameter 'stopPrice' was not sent, was empty/null, or malformed."},
		{"stop price", NewOrder{Symbol: "BTCUSDT", Side: SideSell, Type: TypeStopLoss, Quantity: "1", StopPrice: "1", Price: "1"}, CodeParamNotRequired, "Parameter 'price' sent when not required."},
		{"stop limit no tif", NewOrder{Symbol: "BTCUSDT", Side: SideSell, Type: TypeStopLossLimit, Quantity: "1", Price: "1", StopPrice: "1"}, CodeMandatoryParam, "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed."},
	} {
		err := tc.o.Validate()
		if codeOf(err) != tc.code || (tc.code == 0) != (err == nil) {
			t.Errorf("%s: Validate = %v, want code %d", tc.name, err, tc.code)
			continue
		}
		if tc.msg != "" && err.(*Error).Msg != tc.msg {
			t.Errorf("%s: msg %q\nwant %q", tc.name, err.(*Error).Msg, tc.msg)
		}
		if err != nil && err.(*Error).HTTPStatus != 400 {
			t.Errorf("%s: status %d", tc.name, err.(*Error).HTTPStatus)
		}
		// The venue side gives the same answer for the same parameters,
		// with signing parameters around them.
		p := append(tc.o.Params(), Param{"recvWindow", "5000"}, Param{"timestamp", "1"}, Param{"signature", "x"})
		got, perr := ParseNewOrder(p)
		if !reflect.DeepEqual(perr, err) {
			t.Errorf("%s: ParseNewOrder err = %v, Validate %v", tc.name, perr, err)
		}
		if err == nil && got != tc.o {
			t.Errorf("%s: ParseNewOrder = %+v, want %+v", tc.name, got, tc.o)
		}
	}
}

func TestNewOrderParamsOrder(t *testing.T) {
	o := NewOrder{Symbol: "LTCBTC", Side: SideBuy, Type: TypeLimit, TimeInForce: GTC, Quantity: "1", Price: "0.1"}
	p := o.Params().Add(ParamRecvWindow, "5000").Add(ParamTimestamp, "1499827319559")
	got, err := SignQuery(mustSecret(t, docSecret), p)
	if err != nil || got != docPayload+"&signature="+docSignature {
		t.Fatalf("SignQuery(NewOrder) = %s %v", got, err)
	}
	all := NewOrder{Symbol: "S", Side: SideSell, Type: TypeStopLossLimit, TimeInForce: GTC, Quantity: "1", QuoteOrderQty: "q", Price: "2", StopPrice: "3", NewClientOrderID: "c", NewOrderRespType: RespACK}
	var keys []string
	for _, kv := range all.Params() {
		keys = append(keys, kv.Key)
	}
	want := []string{"symbol", "side", "type", "timeInForce", "quantity", "quoteOrderQty", "price", "stopPrice", "newClientOrderId", "newOrderRespType"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys %v", keys)
	}
}

func TestParseNewOrderWire(t *testing.T) {
	for _, tc := range []struct {
		name  string
		query string
		code  int
		msg   string
	}{
		{"doc", docPayload + "&signature=" + docSignature, 0, ""},
		{"unread", docPayload + "&icebergQty=1", CodeUnreadParameters, "Not all sent parameters were read; read '6' parameter(s) but was sent '7'."},
		{"duplicate", docPayload + "&price=0.2", CodeTooManyParameters, ""},
		{"empty price", "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=", CodeMandatoryParam, "Mandatory parameter 'price' was not sent, was empty/null, or malformed."},
		{"empty tif market", "symbol=LTCBTC&side=BUY&type=MARKET&timeInForce=&quantity=1", 0, ""},
		{"unread and invalid", "symbol=LTCBTC&side=BUY&type=LIMIT&foo=1", CodeMandatoryParam, ""},
	} {
		p, err := ParseParams(tc.query)
		if err == nil {
			_, err = ParseNewOrder(p)
		}
		if codeOf(err) != tc.code || (tc.code == 0) != (err == nil) {
			t.Errorf("%s: %v, want %d", tc.name, err, tc.code)
			continue
		}
		if tc.msg != "" && err.(*Error).Msg != tc.msg {
			t.Errorf("%s: %q want %q", tc.name, err.(*Error).Msg, tc.msg)
		}
	}
}

func TestOrderRef(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    OrderRef
		code int
		msg  string
	}{
		{"by id", OrderRef{Symbol: "BTCUSDT", OrderID: 42}, 0, ""},
		{"by client id", OrderRef{Symbol: "BTCUSDT", OrigClientOrderID: "desk-1"}, 0, ""},
		{"both, cancel id", OrderRef{Symbol: "BTCUSDT", OrderID: 42, OrigClientOrderID: "desk-1", NewClientOrderID: "cxl-1"}, 0, ""},
		{"no symbol", OrderRef{OrderID: 1}, CodeMandatoryParam, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."},
		{"neither", OrderRef{Symbol: "BTCUSDT"}, CodeMandatoryParam, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"},
		{"bad orig", OrderRef{Symbol: "BTCUSDT", OrigClientOrderID: "a/b"}, CodeIllegalChars, ""},
		{"bad new", OrderRef{Symbol: "BTCUSDT", OrderID: 1, NewClientOrderID: "a b"}, CodeIllegalChars, ""},
		{"negative id", OrderRef{Symbol: "BTCUSDT", OrderID: -1}, CodeIllegalChars, "Illegal characters found in parameter 'orderId'; legal range is '^[0-9]{1,20}$'."},
	} {
		err := tc.r.Validate()
		if codeOf(err) != tc.code || (tc.code == 0) != (err == nil) {
			t.Errorf("%s: %v, want %d", tc.name, err, tc.code)
			continue
		}
		if tc.msg != "" && err.(*Error).Msg != tc.msg {
			t.Errorf("%s: %q", tc.name, err.(*Error).Msg)
		}
		if tc.r.OrderID < 0 {
			continue // Params cannot carry it back
		}
		got, perr := ParseOrderRef(append(tc.r.Params(), Param{"timestamp", "1"}))
		if !reflect.DeepEqual(perr, err) {
			t.Errorf("%s: ParseOrderRef err %v, Validate %v", tc.name, perr, err)
		}
		if err == nil && got != tc.r {
			t.Errorf("%s: ParseOrderRef = %+v", tc.name, got)
		}
	}
	for _, q := range []string{"symbol=BTCUSDT&orderId=abc", "symbol=BTCUSDT&orderId=0", "symbol=BTCUSDT&orderId=-3", "symbol=BTCUSDT&orderId=+3"} {
		p, _ := ParseParams(q)
		if _, err := ParseOrderRef(p); codeOf(err) != CodeIllegalChars {
			t.Errorf("%s: %v", q, err)
		}
	}
	p, _ := ParseParams("symbol=BTCUSDT&orderId=1&x=1")
	if _, err := ParseOrderRef(p); codeOf(err) != CodeUnreadParameters {
		t.Errorf("unread: %v", err)
	}
	p, _ = ParseParams("symbol=BTCUSDT&orderId=")
	if _, err := ParseOrderRef(p); codeOf(err) != CodeMandatoryParam {
		t.Errorf("empty id: %v", err)
	}
}

func TestOrderStatusFinal(t *testing.T) {
	for s, want := range map[OrderStatus]bool{
		StatusNew: false, StatusPendingNew: false, StatusPartiallyFilled: false, StatusPendingCancel: false,
		StatusFilled: true, StatusCanceled: true, StatusRejected: true, StatusExpired: true, StatusExpiredInMatch: true,
	} {
		if s.Final() != want {
			t.Errorf("%s.Final() = %v", s, !want)
		}
	}
}

package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestDecodeError(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		body    string
		nilErr  bool
		code    int
		msg     string
		outcome Outcome
		temp    bool
		limited bool
	}{
		{"200", 200, `{"orderId":1}`, true, 0, "", OutcomeDone, false, false},
		{"204", 204, ``, true, 0, "", OutcomeDone, false, false},
		{"timestamp", 400, `{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}`, false, -1021, MsgTimestampOutside, OutcomeRejected, false, false},
		{"signature", 400, `{"code":-1022,"msg":"Signature for this request is not valid."}`, false, -1022, MsgInvalidSignature, OutcomeRejected, false, false},
		{"filter", 400, `{"code":-1013,"msg":"Filter failure: PRICE_FILTER"}`, false, -1013, "Filter failure: PRICE_FILTER", OutcomeRejected, false, false},
		{"balance", 400, `{"code":-2010,"msg":"Account has insufficient balance for requested action."}`, false, -2010, MsgInsufficientBalance, OutcomeRejected, false, false},
		{"cancel", 400, `{"code":-2011,"msg":"Unknown order sent."}`, false, -2011, MsgUnknownOrder, OutcomeRejected, false, false},
		{"no such order", 400, `{"code":-2013,"msg":"Order does not exist."}`, false, -2013, MsgNoSuchOrder, OutcomeRejected, false, false},
		{"bad key", 401, `{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}`, false, -2015, MsgRejectedMBXKey, OutcomeRejected, false, false},
		{"429", 429, `{"code":-1003,"msg":"Too much request weight used"}`, false, -1003, "Too much request weight used", OutcomeRejected, true, true},
		{"418", 418, `{"code":-1003,"msg":"Way too much request weight used; IP banned until 1"}`, false, -1003, "Way too much request weight used; IP banned until 1", OutcomeRejected, true, true},
		{"429 no body", 429, ``, false, 0, "Too Many Requests", OutcomeRejected, true, true},
		{"order rate", 429, `{"code":-1015,"msg":"Too many new orders."}`, false, -1015, "Too many new orders.", OutcomeRejected, true, true},
		{"403 waf html", 403, `<html>blocked</html>`, false, 0, "Forbidden: <html>blocked</html>", OutcomeRejected, false, false},
		{"500", 500, `{"code":-1000,"msg":"An unknown error occurred while processing the request."}`, false, -1000, MsgUnknown, OutcomeUnknown, true, false},
		{"502 html", 502, "<html>\n<body>Bad gateway</body></html>", false, 0, "Bad Gateway: <html> <body>Bad gateway</body></html>", OutcomeUnknown, true, false},
		{"503 empty", 503, ``, false, 0, "Service Unavailable", OutcomeUnknown, true, false},
		{"504", 504, `garbage`, false, 0, "Gateway Timeout: garbage", OutcomeUnknown, true, false},
		{"timeout code on 400", 400, `{"code":-1007,"msg":"Timeout waiting for response from backend server. Send status unknown; execution status unknown."}`, false, -1007, "Timeout waiting for response from backend server. Send status unknown; execution status unknown.", OutcomeUnknown, true, false},
		{"unexpected resp", 400, `{"code":-1006,"msg":"x"}`, false, -1006, "x", OutcomeUnknown, true, false},
		{"404 no code", 404, `not found`, false, 0, "Not Found: not found", OutcomeUnknown, false, false},
		{"408 proxy", 408, ``, false, 0, "Request Timeout", OutcomeUnknown, false, false},
		{"cr partial 409", 409, `{"code":-2021,"msg":"Order cancel-replace partially failed.","data":{"cancelResult":"SUCCESS","newOrderResult":"FAILURE"}}`, false, -2021, "Order cancel-replace partially failed.", OutcomeUnknown, false, false},
		{"cr failed", 400, `{"code":-2022,"msg":"Order cancel-replace failed.","data":null}`, false, -2022, "Order cancel-replace failed.", OutcomeRejected, false, false},
		{"code zero json", 400, `{"code":0,"msg":"x"}`, false, 0, `Bad Request: {"code":0,"msg":"x"}`, OutcomeUnknown, false, false},
		{"odd status", 299, ``, true, 0, "", OutcomeDone, false, false},
		{"3xx", 302, ``, false, 0, "Found", OutcomeUnknown, false, false},
		{"unknown status", 599, ``, false, 0, "HTTP 599", OutcomeUnknown, true, false},
	} {
		err := DecodeError(tc.status, []byte(tc.body))
		if OutcomeOf(err) != tc.outcome {
			t.Errorf("%s: outcome %v, want %v", tc.name, OutcomeOf(err), tc.outcome)
		}
		if tc.nilErr {
			if err != nil {
				t.Errorf("%s: err %v, want nil", tc.name, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: %T", tc.name, err)
		}
		if e.Code != tc.code || e.Msg != tc.msg || e.HTTPStatus != tc.status {
			t.Errorf("%s: got %+v, want code %d msg %q", tc.name, *e, tc.code, tc.msg)
		}
		if e.Temporary() != tc.temp || e.RateLimited() != tc.limited {
			t.Errorf("%s: temporary %v limited %v", tc.name, e.Temporary(), e.RateLimited())
		}
		if e.IPBanned() != (tc.status == 418) {
			t.Errorf("%s: IPBanned", tc.name)
		}
	}
}

func TestDecodeErrorData(t *testing.T) {
	body := `{"code":-2021,"msg":"Order cancel-replace partially failed.","data":{"cancelResult":"SUCCESS","newOrderResult":"FAILURE","cancelResponse":{"symbol":"BTCUSDT","orderId":3,"status":"CANCELED"},"newOrderResponse":{"code":-2010,"msg":"Order would immediately match and take."}}}`
	err := DecodeError(409, []byte(body))
	e := err.(*Error)
	d, derr := DecodeCancelReplaceData(e.Data)
	if derr != nil || d.CancelResult != ResultSuccess || d.NewOrderResult != ResultFailure {
		t.Fatalf("%+v %v", d, derr)
	}
	o, _ := DecodeOrder(d.CancelResponse)
	if o.OrderID != 3 || o.Status != StatusCanceled {
		t.Errorf("cancel %+v", o)
	}
	ne := DecodeError(400, d.NewOrderResponse).(*Error)
	if ne.Code != CodeNewOrderRejected || ne.Msg != MsgWouldMatch {
		t.Errorf("new %+v", ne)
	}
}

func TestSnippetBounded(t *testing.T) {
	e := DecodeError(502, []byte(strings.Repeat("x", 1000))).(*Error)
	if len(e.Msg) > 200 || !strings.HasSuffix(e.Msg, "...") {
		t.Errorf("msg %d bytes: %q", len(e.Msg), e.Msg)
	}
}

func TestOutcomeOf(t *testing.T) {
	rej := NewOrderRejected(MsgInsufficientBalance)
	for _, tc := range []struct {
		err  error
		want Outcome
	}{
		{nil, OutcomeDone},
		{rej, OutcomeRejected},
		{fmt.Errorf("place: %w", rej), OutcomeRejected},
		{context.DeadlineExceeded, OutcomeUnknown},
		{errors.New("connection reset"), OutcomeUnknown},
		{&Error{Code: CodeNewOrderRejected}, OutcomeUnknown}, // no status: not known to be the venue's 4xx
		{NewError(CodeUnknown, MsgUnknown), OutcomeUnknown},
		{NewError(CodeServerBusy, "busy"), OutcomeUnknown},
		{FilterFailure("LOT_SIZE"), OutcomeRejected},
	} {
		if got := OutcomeOf(tc.err); got != tc.want {
			t.Errorf("OutcomeOf(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	if OutcomeUnknown.String() != "unknown" || OutcomeRejected.String() != "rejected" || OutcomeDone.String() != "done" {
		t.Error("Outcome.String")
	}
}

func TestErrorConstructors(t *testing.T) {
	for _, tc := range []struct {
		e      *Error
		code   int
		status int
		msg    string
	}{
		{MandatoryParam("price"), -1102, 400, "Mandatory parameter 'price' was not sent, was empty/null, or malformed."},
		{EitherParam("quantity", "quoteOrderQty"), -1102, 400, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"},
		{ParamNotRequired("timeInForce"), -1106, 400, "Parameter 'timeInForce' sent when not required."},
		{IllegalChars("symbol", LegalSymbol), -1100, 400, "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'."},
		{FilterFailure("PRICE_FILTER"), -1013, 400, "Filter failure: PRICE_FILTER"},
		{NewOrderRejected(MsgDuplicateOrder), -2010, 400, "Duplicate order sent."},
		{CancelRejected(MsgUnknownOrder), -2011, 400, "Unknown order sent."},
		{NoSuchOrder(), -2013, 400, "Order does not exist."},
		{InvalidSymbol(), -1121, 400, "Invalid symbol."},
		{NewError(CodeRejectedMBXKey, MsgRejectedMBXKey), -2015, 401, MsgRejectedMBXKey},
		{NewError(CodeBadAPIKeyFmt, MsgBadAPIKeyFmt), -2014, 401, MsgBadAPIKeyFmt},
		{NewError(CodeTooManyRequests, "x"), -1003, 429, "x"},
		{NewError(CodeDisconnected, MsgInternal), -1001, 500, MsgInternal},
		{NewError(CodeServerBusy, "x"), -1008, 503, "x"},
	} {
		if tc.e.Code != tc.code || tc.e.HTTPStatus != tc.status || tc.e.Msg != tc.msg {
			t.Errorf("got %+v, want %d %d %q", *tc.e, tc.code, tc.status, tc.msg)
		}
		back := DecodeError(tc.e.HTTPStatus, EncodeError(tc.e)).(*Error)
		if back.Code != tc.e.Code || back.Msg != tc.e.Msg || back.HTTPStatus != tc.e.HTTPStatus {
			t.Errorf("round trip %+v -> %+v", *tc.e, *back)
		}
	}
	if got := string(EncodeError(FilterFailure("LOT_SIZE"))); got != `{"code":-1013,"msg":"Filter failure: LOT_SIZE"}` {
		t.Errorf("EncodeError = %s", got)
	}
	if got := MandatoryParam("x").Error(); got != "binance: -1102 Mandatory parameter 'x' was not sent, was empty/null, or malformed. (HTTP 400)" {
		t.Errorf("Error() = %s", got)
	}
	if got := (&Error{Msg: "m"}).Error(); got != "binance: m" {
		t.Errorf("Error() = %s", got)
	}
	if !errors.Is(fmt.Errorf("w: %w", NoSuchOrder()), &Error{Code: CodeNoSuchOrder}) {
		t.Error("errors.Is by code")
	}
	if errors.Is(NoSuchOrder(), &Error{Code: CodeCancelRejected}) || errors.Is(NoSuchOrder(), &Error{}) {
		t.Error("errors.Is matches another code")
	}
	if !errors.Is(CancelRejected(MsgUnknownOrder), &Error{Code: CodeCancelRejected, Msg: MsgUnknownOrder}) ||
		errors.Is(CancelRejected(MsgUnknownOrder), &Error{Code: CodeCancelRejected, Msg: "other"}) {
		t.Error("errors.Is by code and message")
	}
	if StatusOf(CodeInvalidSymbol) != http.StatusBadRequest {
		t.Error("StatusOf")
	}
}

package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// Binance spot error codes (errors.md of the spot API docs). The comments
// give Binance's names.
const (
	CodeUnknown                 = -1000 // UNKNOWN: outcome unknown
	CodeDisconnected            = -1001 // DISCONNECTED: internal error
	CodeUnauthorized            = -1002 // UNAUTHORIZED
	CodeTooManyRequests         = -1003 // TOO_MANY_REQUESTS: request weight or IP ban
	CodeUnexpectedResp          = -1006 // UNEXPECTED_RESP: execution status unknown
	CodeTimeout                 = -1007 // TIMEOUT: execution status unknown
	CodeServerBusy              = -1008 // SERVER_BUSY
	CodeInvalidMessage          = -1013 // INVALID_MESSAGE: filter failures ("Filter failure: PRICE_FILTER")
	CodeUnknownOrderComposition = -1014 // UNKNOWN_ORDER_COMPOSITION
	CodeTooManyOrders           = -1015 // TOO_MANY_ORDERS: order rate limit
	CodeServiceShuttingDown     = -1016 // SERVICE_SHUTTING_DOWN
	CodeUnsupportedOperation    = -1020 // UNSUPPORTED_OPERATION
	CodeInvalidTimestamp        = -1021 // INVALID_TIMESTAMP
	CodeInvalidSignature        = -1022 // INVALID_SIGNATURE
	CodeIllegalChars            = -1100 // ILLEGAL_CHARS
	CodeTooManyParameters       = -1101 // TOO_MANY_PARAMETERS (also a duplicate parameter)
	CodeMandatoryParam          = -1102 // MANDATORY_PARAM_EMPTY_OR_MALFORMED
	CodeUnknownParam            = -1103 // UNKNOWN_PARAM
	CodeUnreadParameters        = -1104 // UNREAD_PARAMETERS
	CodeParamEmpty              = -1105 // PARAM_EMPTY
	CodeParamNotRequired        = -1106 // PARAM_NOT_REQUIRED
	CodeBadPrecision            = -1111 // BAD_PRECISION
	CodeInvalidTIF              = -1115 // INVALID_TIF
	CodeInvalidOrderType        = -1116 // INVALID_ORDER_TYPE
	CodeInvalidSide             = -1117 // INVALID_SIDE
	CodeEmptyNewClOrdID         = -1118 // EMPTY_NEW_CL_ORD_ID
	CodeEmptyOrgClOrdID         = -1119 // EMPTY_ORG_CL_ORD_ID
	CodeInvalidSymbol           = -1121 // BAD_SYMBOL ("Invalid symbol.")
	CodeInvalidListenKey        = -1125 // INVALID_LISTEN_KEY ("This listenKey does not exist.")
	CodeBadCombo                = -1128 // OPTIONAL_PARAMS_BAD_COMBO
	CodeInvalidParameter        = -1130 // INVALID_PARAMETER
	CodeInvalidJSON             = -1135 // INVALID_JSON
	CodeNewOrderRejected        = -2010 // NEW_ORDER_REJECTED (matching engine)
	CodeCancelRejected          = -2011 // CANCEL_REJECTED (matching engine)
	CodeNoSuchOrder             = -2013 // NO_SUCH_ORDER ("Order does not exist.")
	CodeBadAPIKeyFmt            = -2014 // BAD_API_KEY_FMT
	CodeRejectedMBXKey          = -2015 // REJECTED_MBX_KEY
	CodeCancelReplacePartial    = -2021 // cancelReplace: one of cancel and new order failed
	CodeCancelReplaceFailed     = -2022 // cancelReplace: both failed
	CodeOrderArchived           = -2026 // ORDER_ARCHIVED
)

// Messages the venue sends with some codes, verbatim.
const (
	MsgInvalidSymbol       = "Invalid symbol."
	MsgInvalidSignature    = "Signature for this request is not valid."
	MsgTimestampOutside    = "Timestamp for this request is outside of the recvWindow."
	MsgTimestampAhead      = "Timestamp for this request was 1000ms ahead of the server's time."
	MsgBadAPIKeyFmt        = "API-key format invalid."
	MsgRejectedMBXKey      = "Invalid API-key, IP, or permissions for action."
	MsgNoSuchOrder         = "Order does not exist."
	MsgUnknownOrder        = "Unknown order sent."
	MsgDuplicateOrder      = "Duplicate order sent."
	MsgInsufficientBalance = "Account has insufficient balance for requested action."
	MsgWouldMatch          = "Order would immediately match and take."
	MsgMarketClosed        = "Market is closed."
	MsgUnsupportedCombo    = "Unsupported order combination"
	MsgInternal            = "Internal error; unable to process your request. Please try again."
	MsgUnknown             = "An unknown error occurred while processing the request."
)

// Error is a Binance error: {"code": -1021, "msg": "..."} and the HTTP
// status it came with (or the WebSocket API's status field). Data is the
// error's "data" member when it has one (cancelReplace's -2021 and -2022
// carry the two outcomes there, see [CancelReplaceData]; an IP ban
// carries retryAfter).
type Error struct {
	Code       int             `json:"code"`
	Msg        string          `json:"msg"`
	Data       json.RawMessage `json:"data,omitempty"`
	HTTPStatus int             `json:"-"`
}

// Error gives "binance: -1021 Timestamp for this request ... (HTTP 400)".
func (e *Error) Error() string {
	var sb strings.Builder
	sb.WriteString("binance: ")
	if e.Code != 0 {
		sb.WriteString(strconv.Itoa(e.Code))
		sb.WriteByte(' ')
	}
	sb.WriteString(e.Msg)
	if e.HTTPStatus != 0 {
		sb.WriteString(" (HTTP ")
		sb.WriteString(strconv.Itoa(e.HTTPStatus))
		sb.WriteByte(')')
	}
	return sb.String()
}

// Is makes errors.Is(err, &Error{Code: c}) match any *Error with code c.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code != 0 && t.Code == e.Code && (t.Msg == "" || t.Msg == e.Msg)
}

// RateLimited reports a rate-limit refusal: HTTP 429 or 418 (IP banned),
// or code -1003 or -1015. Back off for the Retry-After header
// ([ParseRateLimits]). The request was refused, not executed.
func (e *Error) RateLimited() bool {
	return e.HTTPStatus == http.StatusTooManyRequests || e.HTTPStatus == http.StatusTeapot ||
		e.Code == CodeTooManyRequests || e.Code == CodeTooManyOrders
}

// IPBanned reports HTTP 418: the IP is banned until Retry-After.
func (e *Error) IPBanned() bool { return e.HTTPStatus == http.StatusTeapot }

// Temporary reports whether the same request may succeed later: a rate
// limit ([Error.RateLimited]), HTTP 5xx, or codes -1001, -1006, -1007,
// -1008, -1016. Temporary is not "safe to resend": for an order, first
// see [Error.Outcome].
func (e *Error) Temporary() bool {
	if e.RateLimited() || e.HTTPStatus >= 500 {
		return true
	}
	switch e.Code {
	case CodeDisconnected, CodeUnexpectedResp, CodeTimeout, CodeServerBusy, CodeServiceShuttingDown:
		return true
	}
	return false
}

// Outcome is what an answer says of a request that would change state (a
// new order, a cancel, a cancel-replace).
type Outcome int

const (
	// OutcomeUnknown: the request may or may not have been executed.
	// Never treat it as a failure: reconcile (query the order by its
	// client order id, watch the user data stream) before acting.
	OutcomeUnknown Outcome = iota
	// OutcomeRejected: the venue certainly did not execute the request
	// (no order was placed, nothing was canceled).
	OutcomeRejected
	// OutcomeDone: the request was executed (a 2xx answer; no error).
	OutcomeDone
)

// String gives "unknown", "rejected" or "done".
func (o Outcome) String() string {
	switch o {
	case OutcomeRejected:
		return "rejected"
	case OutcomeDone:
		return "done"
	}
	return "unknown"
}

// Outcome classifies the error for a state-changing request, following
// Binance's rule that a 5xx "is NOT a failure; the execution status is
// UNKNOWN and could have been a success":
//
//   - unknown: HTTP 5xx; codes -1000 UNKNOWN, -1001 DISCONNECTED, -1006
//     UNEXPECTED_RESP, -1007 TIMEOUT ("execution status unknown"), -1008
//     SERVER_BUSY; -2021 (cancelReplace partially failed: one half was
//     done, see [CancelReplaceData]); a 4xx other than 403, 418 and 429
//     with no venue code (Code 0: not the venue's answer, perhaps a
//     proxy's); any status below 400.
//   - rejected: HTTP 403 (WAF), 418 and 429 (rate limits); any other 4xx
//     with a venue code, e.g. -1013 filter failures, -1021, -1022, -1102,
//     -2010, -2011, -2013, -2015, and -2022 (cancelReplace: both halves
//     failed).
//
// Conservative by construction: anything not known to be a rejection is
// unknown.
func (e *Error) Outcome() Outcome {
	switch {
	case e.HTTPStatus >= 500 || e.HTTPStatus < 400:
		return OutcomeUnknown
	}
	switch e.Code {
	case CodeUnknown, CodeDisconnected, CodeUnexpectedResp, CodeTimeout, CodeServerBusy, CodeCancelReplacePartial:
		return OutcomeUnknown
	}
	switch e.HTTPStatus {
	case http.StatusForbidden, http.StatusTeapot, http.StatusTooManyRequests:
		return OutcomeRejected
	}
	if e.Code == 0 {
		return OutcomeUnknown
	}
	return OutcomeRejected
}

// OutcomeOf classifies the result of a state-changing request: nil is
// [OutcomeDone], an *Error (wrapped or not) its [Error.Outcome], and
// every other error (a transport error, a timeout, a canceled context, a
// response that did not decode) [OutcomeUnknown]: only the venue's own
// answer can say a request was not executed.
func OutcomeOf(err error) Outcome {
	if err == nil {
		return OutcomeDone
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Outcome()
	}
	return OutcomeUnknown
}

// maxSnippet bounds how much of a non-JSON error body DecodeError keeps.
const maxSnippet = 128

// DecodeError decodes a REST answer's error, for the client: nil for a
// 2xx status, else an *Error. A body that is Binance's {"code", "msg"}
// gives its code and message; any other body (a proxy's HTML, nothing)
// gives Code 0 and a message of the status text and up to 128 printable
// bytes of the body. HTTPStatus is status.
func DecodeError(status int, body []byte) error {
	if status >= 200 && status < 300 {
		return nil
	}
	e := &Error{HTTPStatus: status}
	var wire struct {
		Code *int            `json:"code"`
		Msg  string          `json:"msg"`
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &wire) == nil && wire.Code != nil && *wire.Code != 0 {
		e.Code, e.Msg = *wire.Code, wire.Msg
		if len(wire.Data) > 0 && string(wire.Data) != "null" {
			e.Data = wire.Data
		}
		return e
	}
	e.Msg = http.StatusText(status)
	if e.Msg == "" {
		e.Msg = "HTTP " + strconv.Itoa(status)
	}
	if s := snippet(body); s != "" {
		e.Msg += ": " + s
	}
	return e
}

func snippet(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if sb.Len() >= maxSnippet {
			sb.WriteString("...")
			break
		}
		if c >= 0x20 && c < 0x7f {
			sb.WriteByte(c)
		} else if sb.Len() > 0 && !strings.HasSuffix(sb.String(), " ") {
			sb.WriteByte(' ')
		}
	}
	return strings.TrimSpace(sb.String())
}

// EncodeError is e's JSON body, {"code":..,"msg":..} (and data when set),
// for the venue side.
func EncodeError(e *Error) []byte {
	b, _ := json.Marshal(e)
	return b
}

func newError(code int, msg string) *Error {
	return &Error{Code: code, Msg: msg, HTTPStatus: StatusOf(code)}
}

// NewError is an *Error with code and msg and the HTTP status the venue
// sends it with ([StatusOf]).
func NewError(code int, msg string) *Error { return newError(code, msg) }

// StatusOf is the HTTP status the venue sends code with: 429 for -1003
// and -1015, 401 for -2014 and -2015, 500 for -1000, -1001, -1006 and
// -1007, 503 for -1008 and -1016, 400 for the rest.
func StatusOf(code int) int {
	switch code {
	case CodeTooManyRequests, CodeTooManyOrders:
		return http.StatusTooManyRequests
	case CodeBadAPIKeyFmt, CodeRejectedMBXKey:
		return http.StatusUnauthorized
	case CodeUnknown, CodeDisconnected, CodeUnexpectedResp, CodeTimeout:
		return http.StatusInternalServerError
	case CodeServerBusy, CodeServiceShuttingDown:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// MandatoryParam is -1102 "Mandatory parameter 'name' was not sent, was
// empty/null, or malformed."
func MandatoryParam(name string) *Error {
	return newError(CodeMandatoryParam, "Mandatory parameter '"+name+"' was not sent, was empty/null, or malformed.")
}

// EitherParam is -1102 "Param 'a' or 'b' must be sent, but both were
// empty/null!"
func EitherParam(a, b string) *Error {
	return newError(CodeMandatoryParam, "Param '"+a+"' or '"+b+"' must be sent, but both were empty/null!")
}

// ParamNotRequired is -1106 "Parameter 'name' sent when not required."
func ParamNotRequired(name string) *Error {
	return newError(CodeParamNotRequired, "Parameter '"+name+"' sent when not required.")
}

// IllegalChars is -1100 "Illegal characters found in parameter 'name';
// legal range is 'legal'."
func IllegalChars(name, legal string) *Error {
	return newError(CodeIllegalChars, "Illegal characters found in parameter '"+name+"'; legal range is '"+legal+"'.")
}

// FilterFailure is -1013 "Filter failure: <filter>" (PRICE_FILTER,
// LOT_SIZE, NOTIONAL, ...).
func FilterFailure(filter string) *Error {
	return newError(CodeInvalidMessage, "Filter failure: "+filter)
}

// NewOrderRejected is -2010 with the matching engine's message
// ([MsgInsufficientBalance], [MsgWouldMatch], [MsgDuplicateOrder], ...).
func NewOrderRejected(msg string) *Error { return newError(CodeNewOrderRejected, msg) }

// CancelRejected is -2011 with the matching engine's message
// ([MsgUnknownOrder], ...).
func CancelRejected(msg string) *Error { return newError(CodeCancelRejected, msg) }

// NoSuchOrder is -2013 "Order does not exist." (an order query).
func NoSuchOrder() *Error { return newError(CodeNoSuchOrder, MsgNoSuchOrder) }

// InvalidSymbol is -1121 "Invalid symbol."
func InvalidSymbol() *Error { return newError(CodeInvalidSymbol, MsgInvalidSymbol) }

package api

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// WSRequest is a WebSocket API request: {"id":..,"method":..,"params":{..}}.
// ID is a string, a number or null, kept as raw JSON.
type WSRequest struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params,omitempty"`
}

// WSRateLimit is one entry of a WebSocket API answer's rateLimits.
type WSRateLimit struct {
	RateLimitType string `json:"rateLimitType"`
	Interval      string `json:"interval"`
	IntervalNum   int    `json:"intervalNum"`
	Limit         int    `json:"limit"`
	Count         int    `json:"count"`
}

// WSResponse is a WebSocket API answer: Result on success, Error
// otherwise (its HTTPStatus is not on the wire: [WSResponse.Err] sets it
// from Status).
type WSResponse struct {
	ID         json.RawMessage `json:"id"`
	Status     int             `json:"status"`
	Result     json.RawMessage `json:"result,omitempty"`
	Error      *Error          `json:"error,omitempty"`
	RateLimits []WSRateLimit   `json:"rateLimits,omitempty"`
}

// Err is the answer's error with HTTPStatus set from Status, or nil for
// a 2xx answer without one.
func (r *WSResponse) Err() error {
	if r.Error == nil {
		if r.Status >= 200 && r.Status < 300 {
			return nil
		}
		return &Error{Msg: "status " + strconv.Itoa(r.Status), HTTPStatus: r.Status}
	}
	e := *r.Error
	e.HTTPStatus = r.Status
	return &e
}

// WSParams is the venue side of a WebSocket API request's params object:
// each member as the text the signature is over (a string's value, a
// number's or a boolean's JSON literal). A member that is an object, an
// array or null is -1130 ("Data sent for parameter '%s' is not valid."),
// params that are not an object -1135 ("Invalid JSON Request").
func WSParams(raw json.RawMessage) (map[string]string, error) {
	var m map[string]json.RawMessage
	if len(bytes.TrimSpace(raw)) == 0 {
		return map[string]string{}, nil
	}
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, newError(CodeInvalidJSON, "Invalid JSON Request")
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		v = bytes.TrimSpace(v)
		switch {
		case len(v) > 0 && v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, newError(CodeInvalidJSON, "Invalid JSON Request")
			}
			out[k] = s
		case len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9'), string(v) == "true", string(v) == "false":
			out[k] = string(v)
		default:
			return nil, newError(CodeInvalidParameter, "Data sent for parameter '"+k+"' is not valid.")
		}
	}
	return out, nil
}

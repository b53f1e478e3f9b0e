package api

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Param is one request parameter, as Binance names it.
type Param struct {
	Key, Value string
}

// Params is an ordered parameter list. Binance's REST signature is over
// the parameter string as sent, so the order matters: [Params.Encode]
// keeps it.
type Params []Param

// Add appends key=value and returns the list.
func (p Params) Add(key, value string) Params { return append(p, Param{key, value}) }

// Get is the value of the first key, and whether key is there.
func (p Params) Get(key string) (string, bool) {
	for _, kv := range p {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// Encode is the percent-encoded "k=v&k=v" string in list order
// (url.QueryEscape on each key and value, as url.Values.Encode does, but
// unsorted). It is the payload [SignQuery] signs.
func (p Params) Encode() string {
	var sb strings.Builder
	for i, kv := range p {
		if i > 0 {
			sb.WriteByte('&')
		}
		sb.WriteString(url.QueryEscape(kv.Key))
		sb.WriteByte('=')
		sb.WriteString(url.QueryEscape(kv.Value))
	}
	return sb.String()
}

// Map is p as a map, for the WebSocket API's params object ([WSPayload]);
// a repeated key keeps its last value.
func (p Params) Map() map[string]string {
	m := make(map[string]string, len(p))
	for _, kv := range p {
		m[kv.Key] = kv.Value
	}
	return m
}

// ParseParams parses a query string or form body ("k=v&k=v") keeping the
// order. An empty s is no parameters. A malformed escape or pair is -1100
// ILLEGAL_CHARS ("Illegal characters found in a parameter.") and a key
// that repeats is -1101 ("Duplicate values for a parameter detected."),
// as the venue answers.
func ParseParams(s string) (Params, error) {
	if s == "" {
		return nil, nil
	}
	var out Params
	seen := map[string]bool{}
	for pair := range strings.SplitSeq(s, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil || key == "" {
			return nil, newError(CodeIllegalChars, "Illegal characters found in a parameter.")
		}
		if seen[key] {
			return nil, newError(CodeTooManyParameters, "Duplicate values for a parameter detected.")
		}
		seen[key] = true
		out = append(out, Param{key, val})
	}
	return out, nil
}

// Signing parameters Binance adds to a SIGNED request.
const (
	// ParamTimestamp is the request's time, Unix milliseconds.
	ParamTimestamp = "timestamp"
	// ParamRecvWindow is how long after timestamp the request stays
	// valid, milliseconds: default [DefaultRecvWindow], at most
	// [MaxRecvWindow].
	ParamRecvWindow = "recvWindow"
	// ParamSignature is the HMAC-SHA256 signature, hex.
	ParamSignature = "signature"
	// ParamAPIKey is the API key, a WebSocket API parameter (REST sends
	// it in [HeaderAPIKey]).
	ParamAPIKey = "apiKey"
)

// Timestamp formats t as Binance's timestamp parameter, Unix
// milliseconds.
func Timestamp(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

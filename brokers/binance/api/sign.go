package api

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNoSecret is returned by [SignQuery] for the zero [Secret].
var ErrNoSecret = errors.New("binance api: no secret to sign with")

// ErrSignatureParam is returned by [SignQuery] for a list that already
// has a signature parameter.
var ErrSignatureParam = errors.New("binance api: parameters already carry a signature")

// Timing rules of SIGNED requests.
const (
	// DefaultRecvWindow is the recvWindow the venue assumes when none is
	// sent.
	DefaultRecvWindow = 5000 * time.Millisecond
	// MaxRecvWindow is the largest recvWindow the venue accepts.
	MaxRecvWindow = 60000 * time.Millisecond
	// MaxClockAhead is how far ahead of the venue's clock a timestamp may
	// be: it must be strictly less than serverTime + 1 s.
	MaxClockAhead = time.Second
)

// SignQuery signs a REST request whose parameters all go in one string
// (the query string, or a form body): it is params.Encode() with
// "&signature=<hex HMAC-SHA256 of that string>" appended, ready to send
// as the query string or body. The signature is over the string exactly
// as sent, in the order given (Binance does not sort REST parameters).
// params should end with timestamp (and recvWindow if any); SignQuery
// does not add them.
func SignQuery(secret Secret, params Params) (string, error) {
	if secret.IsZero() {
		return "", ErrNoSecret
	}
	if _, ok := params.Get(ParamSignature); ok {
		return "", ErrSignatureParam
	}
	payload := params.Encode()
	sig := secret.Sign([]byte(payload))
	if payload == "" {
		return ParamSignature + "=" + sig, nil
	}
	return payload + "&" + ParamSignature + "=" + sig, nil
}

// SignPayload is the signature of a REST request that splits its
// parameters between the query string and a form body: the HMAC of the
// query string concatenated, without separator, with the body (Binance's
// "totalParams"). Append it as signature to whichever of the two goes
// last. Both are the percent-encoded strings as sent.
func SignPayload(secret Secret, query, body string) string {
	return secret.Sign([]byte(query + body))
}

// VerifyQuery checks a REST request's signature, for the venue side:
// query is the raw query string and body the raw form body ("" for none).
// The signature parameter must appear exactly once, in either; the signed
// payload is query+body with that one "signature=..." pair taken out. It
// compares in constant time. It returns nil, or the venue's *Error: -1102
// for a missing or empty signature, -1101 for a repeated one, -1022
// ("Signature for this request is not valid.") for a wrong one.
func VerifyQuery(secret Secret, query, body string) error {
	q, qsig, qn := cutSignature(query)
	b, bsig, bn := cutSignature(body)
	switch {
	case qn+bn > 1:
		return newError(CodeTooManyParameters, "Duplicate values for a parameter detected.")
	case qn+bn == 0:
		return MandatoryParam(ParamSignature)
	}
	sig := qsig + bsig
	if sig == "" {
		return MandatoryParam(ParamSignature)
	}
	if !secret.Verify([]byte(q+b), sig) {
		return newError(CodeInvalidSignature, MsgInvalidSignature)
	}
	return nil
}

// cutSignature takes the signature pairs out of a raw parameter string: it
// returns the string without the first of them, that one's unescaped
// value, and how many there were.
func cutSignature(s string) (rest, sig string, n int) {
	if s == "" {
		return "", "", 0
	}
	parts := strings.Split(s, "&")
	at := -1
	for i, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		if key, err := url.QueryUnescape(k); err != nil || key != ParamSignature {
			continue
		}
		n++
		if at < 0 {
			at = i
			sig, _ = url.QueryUnescape(v)
		}
	}
	if at < 0 {
		return s, "", 0
	}
	return strings.Join(slices.Delete(parts, at, at+1), "&"), sig, n
}

// WSPayload is the WebSocket API signature payload of params: every
// parameter but signature, sorted by name, as "k=v&k=v" with the values'
// UTF-8 bytes as they are (not percent-encoded). Numbers and booleans are
// their JSON text ("recvWindow": 100 is recvWindow=100).
func WSPayload(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != ParamSignature {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var sb strings.Builder
	for i, k := range keys {
		if i > 0 {
			sb.WriteByte('&')
		}
		sb.WriteString(k)
		sb.WriteByte('=')
		sb.WriteString(params[k])
	}
	return sb.String()
}

// SignWSParams is the signature of a WebSocket API request's params: the
// hex HMAC-SHA256 of [WSPayload]. Put it in params as signature; params
// should already hold apiKey and timestamp.
func SignWSParams(secret Secret, params map[string]string) string {
	return secret.Sign([]byte(WSPayload(params)))
}

// VerifyWSParams checks a WebSocket API request's signature parameter
// against [WSPayload], in constant time, for the venue side: nil, or -1102
// for a missing signature, -1022 for a wrong one.
func VerifyWSParams(secret Secret, params map[string]string) error {
	sig, ok := params[ParamSignature]
	if !ok || sig == "" {
		return MandatoryParam(ParamSignature)
	}
	if !secret.Verify([]byte(WSPayload(params)), sig) {
		return newError(CodeInvalidSignature, MsgInvalidSignature)
	}
	return nil
}

// CheckTimestamp applies the venue's timing rule to a SIGNED request's
// timestamp and recvWindow parameters ("" when not sent) at the venue's
// time now: the request is valid when timestamp < now + 1 s and
// now - timestamp <= recvWindow. timestamp is Unix milliseconds, or
// microseconds when it has 16 digits or more; recvWindow is milliseconds
// with up to three decimals, default [DefaultRecvWindow], at most
// [MaxRecvWindow]. It returns nil or the venue's *Error: -1102 for a
// missing or malformed timestamp or recvWindow or one over the maximum,
// -1021 for a timestamp outside the window ("Timestamp for this request
// is outside of the recvWindow.") or ahead ("Timestamp for this request
// was 1000ms ahead of the server's time.").
func CheckTimestamp(timestamp, recvWindow string, now time.Time) error {
	if timestamp == "" {
		return MandatoryParam(ParamTimestamp)
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || ts <= 0 || !allDigits(timestamp) {
		return MandatoryParam(ParamTimestamp)
	}
	var at time.Time
	if len(timestamp) >= 16 {
		at = time.UnixMicro(ts)
	} else {
		at = time.UnixMilli(ts)
	}
	window := DefaultRecvWindow
	if recvWindow != "" {
		w, ok := parseMillis(recvWindow)
		if !ok || w <= 0 {
			return MandatoryParam(ParamRecvWindow)
		}
		if w > MaxRecvWindow {
			return newError(CodeMandatoryParam, "'recvWindow' contains unexpected value. Cannot be greater than 60000.")
		}
		window = w
	}
	if !at.Before(now.Add(MaxClockAhead)) {
		return newError(CodeInvalidTimestamp, MsgTimestampAhead)
	}
	if now.Sub(at) > window {
		return newError(CodeInvalidTimestamp, MsgTimestampOutside)
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseMillis parses milliseconds with up to three decimals ("6000.346")
// exactly.
func parseMillis(s string) (time.Duration, bool) {
	whole, frac, dot := strings.Cut(s, ".")
	if !allDigits(whole) || len(whole) > 9 || dot && (len(frac) == 0 || len(frac) > 3 || !allDigits(frac)) {
		return 0, false
	}
	ms, _ := strconv.ParseInt(whole, 10, 64)
	d := time.Duration(ms) * time.Millisecond
	if dot {
		f, _ := strconv.ParseInt(frac+strings.Repeat("0", 3-len(frac)), 10, 64)
		d += time.Duration(f) * time.Microsecond
	}
	return d, true
}

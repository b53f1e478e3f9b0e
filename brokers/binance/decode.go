package binance

import (
	"errors"

	"github.com/desk-trading/desk/brokers/binance/api"
)

// decode.go reads the user data stream's executionReport without
// reflection: it is on the report path of every order.

// errSlowPath sends decodeEvent to encoding/json: the event has a shape
// the scanner does not read (an escape in a string, a nested value).
var errSlowPath = errors.New("not a flat event")

// decodeEvent decodes an executionReport, bare or in the WebSocket API's
// {"subscriptionId":N,"event":{...}} envelope, as
// api.DecodeExecutionReport does (ErrNotExecutionReport for another
// event). A flat event with unescaped strings, which is every
// executionReport Binance sends, is scanned in one pass; anything else
// goes to api.DecodeExecutionReport.
func decodeEvent(msg []byte) (api.ExecutionReport, error) {
	b := msg
	if inner, ok := envelope(msg); ok {
		b = inner
	}
	var er api.ExecutionReport
	if err := scanExec(b, &er); err != nil {
		return api.DecodeExecutionReport(msg)
	}
	if er.EventType != api.EventExecutionReport {
		return api.ExecutionReport{}, api.ErrNotExecutionReport
	}
	return er, nil
}

// envelope is the event inside {"subscriptionId":N,"event":{...}}, the
// WebSocket API's form, with the envelope checked; ok is false for any
// other shape.
func envelope(msg []byte) (event []byte, ok bool) {
	i := skipWS(msg, 0)
	if i >= len(msg) || msg[i] != '{' {
		return nil, false
	}
	key, j, ok := scanString(msg, skipWS(msg, i+1))
	if !ok || string(key) != "subscriptionId" {
		return nil, false
	}
	i = skipWS(msg, j)
	if i >= len(msg) || msg[i] != ':' {
		return nil, false
	}
	i = skipWS(msg, i+1)
	j = i
	for j < len(msg) && (msg[j] == '-' || msg[j] >= '0' && msg[j] <= '9') {
		j++
	}
	if !scalar(msg[i:j]) || string(msg[i:j]) == "null" {
		return nil, false
	}
	i = skipWS(msg, j)
	if i >= len(msg) || msg[i] != ',' {
		return nil, false
	}
	key, j, ok = scanString(msg, skipWS(msg, i+1))
	if !ok || string(key) != "event" {
		return nil, false
	}
	i = skipWS(msg, j)
	if i >= len(msg) || msg[i] != ':' {
		return nil, false
	}
	end := len(msg)
	for end > i && (msg[end-1] == ' ' || msg[end-1] == '\t' || msg[end-1] == '\r' || msg[end-1] == '\n') {
		end--
	}
	if end <= i+1 || msg[end-1] != '}' {
		return nil, false
	}
	return msg[i+1 : end-1], true
}

// scanExec reads a flat JSON object of strings, numbers, booleans and
// nulls into er, by Binance's case-sensitive one-letter names; other
// members are skipped. It fails with errSlowPath on anything else. Every
// string of er shares one copy of b, the one allocation it makes.
func scanExec(b []byte, er *api.ExecutionReport) error {
	var src string // b as a string, made at the first string member
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errSlowPath
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return checkEnd(b, i+1)
	}
	for {
		var key []byte
		var j int
		if i+2 < len(b) && b[i] == '"' && b[i+2] == '"' && plain(b[i+1]) {
			key, j = b[i+1:i+2], i+3 // a one-letter key, as nearly all are
		} else {
			var ok bool
			if key, j, ok = scanString(b, i); !ok {
				return errSlowPath
			}
		}
		i = skipWS(b, j)
		if i >= len(b) || b[i] != ':' {
			return errSlowPath
		}
		i = skipWS(b, i+1)
		if i >= len(b) {
			return errSlowPath
		}
		var val []byte
		isStr := false
		at := i
		switch c := b[i]; {
		case c == '"':
			v, j, ok := scanString(b, i)
			if !ok {
				return errSlowPath
			}
			val, isStr, i, at = v, true, j, i+1
		case c == '-' || c >= '0' && c <= '9':
			// An integer, as every number of an executionReport is, is
			// read in one pass; anything else goes through scalar.
			j := i
			if c == '-' {
				j++
			}
			d := j
			for j < len(b) && b[j] >= '0' && b[j] <= '9' {
				j++
			}
			if j > d && (j-d == 1 || b[d] != '0') && j < len(b) && (b[j] == ',' || b[j] == '}') {
				val, i = b[i:j], j
				break
			}
			fallthrough
		case c == 't' || c == 'f' || c == 'n':
			j := i
			for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
				j++
			}
			val, i = b[i:j], j
			if !scalar(val) {
				return errSlowPath
			}
		default:
			return errSlowPath
		}
		if src == "" && isStr {
			src = string(b)
		}
		var sv string
		if src != "" {
			sv = src[at : at+len(val)]
		}
		if err := setExec(er, key, val, sv, isStr); err != nil {
			return err
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return errSlowPath
		}
		if b[i] == '}' {
			return checkEnd(b, i+1)
		}
		if b[i] != ',' {
			return errSlowPath
		}
		i = skipWS(b, i+1)
	}
}

func checkEnd(b []byte, i int) error {
	if skipWS(b, i) != len(b) {
		return errSlowPath
	}
	return nil
}

func skipWS(b []byte, i int) int {
	if i < len(b) && b[i] > ' ' { // the usual case: no whitespace
		return i
	}
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString reads the string at b[i] (a '"'), without escapes.
func scanString(b []byte, i int) (s []byte, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			// Escapes, control characters and anything not ASCII (whose
			// validity encoding/json checks) take the slow path.
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// plain reports whether c may stand in a string scanString reads.
func plain(c byte) bool { return c >= 0x20 && c < 0x80 && c != '\\' && c != '"' }

// scalar reports whether v is a JSON literal or number.
func scalar(v []byte) bool {
	switch string(v) {
	case "true", "false", "null":
		return true
	}
	i := 0
	if i < len(v) && v[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
			n++
		}
		return n
	}
	start := i
	if n := digits(); n == 0 || n > 1 && v[start] == '0' {
		return false
	}
	if i < len(v) && v[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(v)
}

// setExec stores one member: val, which sv is as a string ("" when no
// string member has come yet). A string member where a number belongs
// (or the reverse) is errSlowPath: encoding/json then says what is
// wrong.
func setExec(er *api.ExecutionReport, key, val []byte, sv string, isStr bool) error {
	str := func(dst *string) error {
		switch {
		case isStr:
			*dst = sv
		case string(val) == "null":
			*dst = ""
		default:
			return errSlowPath
		}
		return nil
	}
	num := func(dst *int64) error {
		if isStr {
			return errSlowPath
		}
		if string(val) == "null" {
			return nil
		}
		n, ok := parseInt(val)
		if !ok {
			return errSlowPath
		}
		*dst = n
		return nil
	}
	flag := func(dst *bool) error {
		switch {
		case isStr:
			return errSlowPath
		case string(val) == "true":
			*dst = true
		case string(val) == "false", string(val) == "null":
			*dst = false
		default:
			return errSlowPath
		}
		return nil
	}
	var s string
	if len(key) != 1 {
		if string(key) == "eR" {
			return str(&er.ExpiryReason)
		}
		return nil
	}
	switch key[0] {
	case 'e':
		return str(&er.EventType)
	case 'E':
		return num(&er.EventTime)
	case 's':
		return str(&er.Symbol)
	case 'c':
		return str(&er.ClientOrderID)
	case 'S':
		err := str(&s)
		er.Side = api.Side(s)
		return err
	case 'o':
		err := str(&s)
		er.OrderType = api.OrderType(s)
		return err
	case 'f':
		err := str(&s)
		er.TimeInForce = api.TimeInForce(s)
		return err
	case 'q':
		return str(&er.Quantity)
	case 'p':
		return str(&er.Price)
	case 'P':
		return str(&er.StopPrice)
	case 'F':
		return str(&er.IcebergQty)
	case 'g':
		return num(&er.OrderListID)
	case 'C':
		return str(&er.OrigClientOrderID)
	case 'x':
		err := str(&s)
		er.ExecutionType = api.ExecutionType(s)
		return err
	case 'X':
		err := str(&s)
		er.OrderStatus = api.OrderStatus(s)
		return err
	case 'r':
		return str(&er.RejectReason)
	case 'i':
		return num(&er.OrderID)
	case 'l':
		return str(&er.LastQty)
	case 'z':
		return str(&er.CumQty)
	case 'L':
		return str(&er.LastPrice)
	case 'n':
		return str(&er.Commission)
	case 'N':
		return str(&er.CommissionAsset)
	case 'T':
		return num(&er.TransactTime)
	case 't':
		return num(&er.TradeID)
	case 'I':
		return num(&er.ExecutionID)
	case 'w':
		return flag(&er.IsWorking)
	case 'm':
		return flag(&er.IsMaker)
	case 'M':
		return flag(&er.Ignore)
	case 'O':
		return num(&er.CreateTime)
	case 'Z':
		return str(&er.CumQuoteQty)
	case 'Y':
		return str(&er.LastQuoteQty)
	case 'Q':
		return str(&er.QuoteOrderQty)
	case 'W':
		return num(&er.WorkingTime)
	case 'V':
		return str(&er.SelfTradePreventionMode)
	case 'v':
		return num(&er.PreventedMatchID)
	}
	return nil
}

// parseInt parses v as strconv.ParseInt(string(v), 10, 64) does, without
// a string: an optional sign and decimal digits, within int64.
func parseInt(v []byte) (int64, bool) {
	neg := false
	if len(v) > 0 && (v[0] == '-' || v[0] == '+') {
		neg, v = v[0] == '-', v[1:]
	}
	if len(v) == 0 {
		return 0, false
	}
	var u uint64
	if len(v) <= 18 { // cannot overflow
		for _, c := range v {
			d := c - '0'
			if d > 9 {
				return 0, false
			}
			u = u*10 + uint64(d)
		}
		if neg {
			return -int64(u), true
		}
		return int64(u), true
	}
	const cutoff = 1 << 63
	for _, c := range v {
		d := c - '0'
		if d > 9 || u > (cutoff-uint64(d))/10 {
			return 0, false
		}
		u = u*10 + uint64(d)
	}
	switch {
	case neg:
		return -int64(u), true // u == 1<<63 wraps to math.MinInt64
	case u == cutoff:
		return 0, false
	}
	return int64(u), true
}

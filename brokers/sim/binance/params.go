package binance

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/binance/api"
)

// The reading of order-entry parameters beyond what package api parses:
// the queries' own parameters, and decimals against a symbol's filters.

// paramReader reads named parameters and reports -1104 for any it did
// not read; signing parameters count as read.
type paramReader struct {
	p    api.Params
	read map[string]bool
}

func newReader(p api.Params) *paramReader { return &paramReader{p: p, read: map[string]bool{}} }

func (r *paramReader) str(k string) string {
	r.read[k] = true
	v, _ := r.p.Get(k)
	return v
}

// int64 reads an optional non-negative integer (0 when absent); -1100
// when it is not one.
func (r *paramReader) int64(k string) (int64, *api.Error) {
	v := r.str(k)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, api.IllegalChars(k, api.LegalOrderID)
	}
	return n, nil
}

func (r *paramReader) done() *api.Error {
	sent := 0
	for _, kv := range r.p {
		switch kv.Key {
		case api.ParamTimestamp, api.ParamRecvWindow, api.ParamSignature, api.ParamAPIKey:
			continue
		}
		sent++
	}
	read := 0
	for k := range r.read {
		if _, ok := r.p.Get(k); ok {
			read++
		}
	}
	if read != sent {
		return api.NewError(api.CodeUnreadParameters, "Not all sent parameters were read; read '"+strconv.Itoa(read)+
			"' parameter(s) but was sent '"+strconv.Itoa(sent)+"'.")
	}
	return nil
}

// scaledParam converts a decimal parameter to the instrument's fixed point
// with dec decimals and step unit: -1111 for more decimals than Binance
// prints for the asset, filter (-1013) for a value off step, not
// positive, or above most.
func scaledParam(name, v string, dec uint8, unit, most int64, filter string) (int64, *api.Error) {
	d, err := decimal.NewFromString(v)
	if err != nil {
		return 0, api.IllegalChars(name, api.LegalDecimal)
	}
	if !d.Equal(d.Truncate(int32(max(dec, minDecimals)))) {
		return 0, api.NewError(api.CodeBadPrecision, "Parameter '"+name+"' has too much precision.")
	}
	s := d.Shift(int32(dec))
	if !s.IsInteger() || !s.IsPositive() || s.GreaterThan(decimal.NewFromInt(most)) {
		return 0, api.FilterFailure(filter)
	}
	n := s.IntPart()
	if n%unit != 0 {
		return 0, api.FilterFailure(filter)
	}
	return n, nil
}

// symbolParam reads a mandatory symbol.
func (s *Server) symbolParam(r *paramReader) (*market, *api.Error) {
	sym := r.str(api.ParamSymbol)
	if sym == "" {
		return nil, api.MandatoryParam(api.ParamSymbol)
	}
	m := s.byName[strings.ToUpper(sym)]
	if m == nil || sym != m.name {
		return nil, api.InvalidSymbol()
	}
	return m, nil
}

// listLimit reads limit: default def, at most most.
func listLimit(r *paramReader, def, most int64) (int, *api.Error) {
	n, err := r.int64("limit")
	if err != nil {
		return 0, api.IllegalChars("limit", "1-"+strconv.FormatInt(most, 10))
	}
	if n == 0 {
		n = def
	}
	if n > most {
		return 0, api.IllegalChars("limit", "1-"+strconv.FormatInt(most, 10))
	}
	return int(n), nil
}

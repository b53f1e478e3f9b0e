package binance

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

// symbol is one venue symbol and the desk instrument it trades, with the
// filters exchangeInfo gave for it. It is written once, by Run before any
// order goes out, and read-only after.
type symbol struct {
	name        string // the venue's symbol, "BTCUSD"
	inst        domain.Instrument
	base, quote string // the venue's assets (exchangeInfo), else the instrument's
	f           filters
	// cancelReplace reports whether the venue allows cancelReplace on
	// the symbol (exchangeInfo's cancelReplaceAllowed).
	cancelReplace bool
	// types are the order types the venue takes on the symbol
	// (exchangeInfo's orderTypes); nil: not stated, every type is tried.
	types map[api.OrderType]bool
}

// filters are a symbol's PRICE_FILTER, LOT_SIZE and MIN_NOTIONAL or
// NOTIONAL at the instrument's scales; a zero bound is not checked. A
// bound not representable at desk's scale is left zero (and logged by
// Run).
type filters struct {
	minPrice, maxPrice, tick domain.Price
	minQty, maxQty, step     domain.Qty
	marketMinQty             domain.Qty
	marketMaxQty             domain.Qty
	minNotional, maxNotional domain.Money
}

// check reports whether an order of q at price p (0 for a market order)
// passes the filters, and the one it fails. Market orders are checked
// against MARKET_LOT_SIZE and LOT_SIZE's bounds but not the notional:
// their price is not known until they trade.
func (f *filters) check(p domain.Price, q domain.Qty, in *domain.Instrument) (ok bool, failed string) {
	if p != 0 {
		switch {
		case f.minPrice > 0 && p < f.minPrice, f.maxPrice > 0 && p > f.maxPrice, f.tick > 0 && (p-f.minPrice)%f.tick != 0:
			return false, "PRICE_FILTER"
		}
	}
	switch {
	case q <= 0, f.minQty > 0 && q < f.minQty, f.maxQty > 0 && q > f.maxQty, f.step > 0 && (q-f.minQty)%f.step != 0:
		return false, "LOT_SIZE"
	}
	if p == 0 {
		if f.marketMinQty > 0 && q < f.marketMinQty || f.marketMaxQty > 0 && q > f.marketMaxQty {
			return false, "MARKET_LOT_SIZE"
		}
		return true, ""
	}
	n, ok := in.Notional(p, q)
	if !ok || f.minNotional > 0 && n < f.minNotional || f.maxNotional > 0 && n > f.maxNotional {
		return false, "NOTIONAL"
	}
	return true, ""
}

// exchangeInfo is the part of GET /api/v3/exchangeInfo the adapter reads.
type exchangeInfo struct {
	Symbols []struct {
		Symbol               string                       `json:"symbol"`
		BaseAsset            string                       `json:"baseAsset"`
		QuoteAsset           string                       `json:"quoteAsset"`
		CancelReplaceAllowed bool                         `json:"cancelReplaceAllowed"`
		OrderTypes           []api.OrderType              `json:"orderTypes"`
		Filters              []map[string]json.RawMessage `json:"filters"`
	} `json:"symbols"`
}

// applyExchangeInfo reads body into syms (by venue symbol), returning the
// filter bounds it could not represent at desk's scales, for the log. A
// mapped symbol the venue does not list fails: desk would send orders
// the venue refuses.
func applyExchangeInfo(body []byte, syms map[string]*symbol) (skipped []string, err error) {
	var info exchangeInfo
	if err := json.Unmarshal(body, &info); err != nil {
		return nil, fmt.Errorf("exchangeInfo: %w: %w", ErrMalformed, err)
	}
	seen := map[string]bool{}
	for _, si := range info.Symbols {
		s := syms[si.Symbol]
		if s == nil {
			continue
		}
		seen[si.Symbol] = true
		if si.BaseAsset != "" {
			s.base = si.BaseAsset
		}
		if si.QuoteAsset != "" {
			s.quote = si.QuoteAsset
		}
		s.cancelReplace = si.CancelReplaceAllowed
		s.types = nil
		if len(si.OrderTypes) > 0 {
			s.types = map[api.OrderType]bool{}
			for _, t := range si.OrderTypes {
				s.types[t] = true
			}
		}
		s.f = filters{}
		for _, f := range si.Filters {
			var typ string
			_ = json.Unmarshal(f["filterType"], &typ)
			px := func(key string, into *domain.Price) {
				if v, ok := str(f[key]); ok {
					n, err := parseFixed(v, s.inst.PriceDecimals)
					if err != nil {
						if !(errors.Is(err, domain.ErrOverflow) && strings.HasPrefix(key, "max")) {
							// A maximum beyond int64 bounds nothing desk can send.
							skipped = append(skipped, si.Symbol+" "+typ+"."+key+"="+v)
						}
						return
					}
					*into = domain.Price(n)
				}
			}
			qt := func(key string, into *domain.Qty) {
				if v, ok := str(f[key]); ok {
					n, err := parseFixed(v, s.inst.QtyDecimals)
					if err != nil {
						if !(errors.Is(err, domain.ErrOverflow) && strings.HasPrefix(key, "max")) {
							// A maximum beyond int64 bounds nothing desk can send.
							skipped = append(skipped, si.Symbol+" "+typ+"."+key+"="+v)
						}
						return
					}
					*into = domain.Qty(n)
				}
			}
			money := func(key string, into *domain.Money) {
				if v, ok := str(f[key]); ok {
					n, err := parseFixed(v, domain.MoneyDecimals)
					if err != nil {
						if !(errors.Is(err, domain.ErrOverflow) && strings.HasPrefix(key, "max")) {
							// A maximum beyond int64 bounds nothing desk can send.
							skipped = append(skipped, si.Symbol+" "+typ+"."+key+"="+v)
						}
						return
					}
					*into = domain.Money(n)
				}
			}
			switch typ {
			case "PRICE_FILTER":
				px("minPrice", &s.f.minPrice)
				px("maxPrice", &s.f.maxPrice)
				px("tickSize", &s.f.tick)
			case "LOT_SIZE":
				qt("minQty", &s.f.minQty)
				qt("maxQty", &s.f.maxQty)
				qt("stepSize", &s.f.step)
			case "MARKET_LOT_SIZE":
				qt("minQty", &s.f.marketMinQty)
				qt("maxQty", &s.f.marketMaxQty)
			case "MIN_NOTIONAL":
				money("minNotional", &s.f.minNotional)
			case "NOTIONAL":
				money("minNotional", &s.f.minNotional)
				money("maxNotional", &s.f.maxNotional)
			}
		}
	}
	for name := range syms {
		if !seen[name] {
			return skipped, fmt.Errorf("exchangeInfo: symbol %s: %w", name, api.InvalidSymbol())
		}
	}
	return skipped, nil
}

// str is a JSON string member's value.
func str(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

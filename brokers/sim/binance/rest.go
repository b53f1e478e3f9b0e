package binance

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/core/domain"
)

// Binance's error codes used here.
const (
	codeInternal      = -1001
	codeIllegalChars  = -1100
	codeMandatory     = -1102
	codeInvalidSymbol = -1121
	codeBadCombo      = -1128
)

type apiError struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, apiError{Code: code, Msg: msg})
}

func mandatory(w http.ResponseWriter, param string) {
	writeErr(w, http.StatusBadRequest, codeMandatory,
		"Mandatory parameter '"+param+"' was not sent, was empty/null, or malformed.")
}

func invalidSymbol(w http.ResponseWriter) {
	writeErr(w, http.StatusBadRequest, codeInvalidSymbol, "Invalid symbol.")
}

func (s *Server) ping(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) serverTime(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]int64{"serverTime": time.Now().UnixMilli()})
}

var symbolsRE = regexp.MustCompile(`^\[("[A-Za-z0-9_.-]{1,20}"(,"[A-Za-z0-9_.-]{1,20}")*)?\]$`)

// selectMarkets resolves the symbol and symbols parameters: none gives
// every market (all true), an unknown symbol -1121. It writes the error
// and returns ok false when the request is bad.
func (s *Server) selectMarkets(w http.ResponseWriter, r *http.Request) (ms []*market, all, ok bool) {
	q := r.URL.Query()
	sym, syms := q.Get("symbol"), q.Get("symbols")
	switch {
	case sym != "" && syms != "":
		writeErr(w, http.StatusBadRequest, codeBadCombo, "Combination of optional parameters invalid.")
		return nil, false, false
	case sym != "":
		m := s.byName[sym]
		if m == nil {
			invalidSymbol(w)
			return nil, false, false
		}
		return []*market{m}, false, true
	case syms != "":
		var names []string
		if !symbolsRE.MatchString(strings.ReplaceAll(syms, " ", "")) || json.Unmarshal([]byte(syms), &names) != nil {
			writeErr(w, http.StatusBadRequest, codeIllegalChars,
				"Illegal characters found in parameter 'symbols'; legal range is '"+symbolsRE.String()+"'.")
			return nil, false, false
		}
		for _, n := range names {
			m := s.byName[n]
			if m == nil {
				invalidSymbol(w)
				return nil, false, false
			}
			ms = append(ms, m)
		}
		return ms, false, true
	}
	return s.markets, true, true
}

// oneMarket resolves the mandatory symbol parameter.
func (s *Server) oneMarket(w http.ResponseWriter, r *http.Request) (*market, bool) {
	sym := r.URL.Query().Get("symbol")
	if sym == "" {
		mandatory(w, "symbol")
		return nil, false
	}
	m := s.byName[sym]
	if m == nil {
		invalidSymbol(w)
		return nil, false
	}
	return m, true
}

// limitParam parses the optional limit: def when absent, capped at max,
// -1100 when not a positive integer.
func limitParam(w http.ResponseWriter, r *http.Request, def, most int) (int, bool) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		writeErr(w, http.StatusBadRequest, codeIllegalChars,
			"Illegal characters found in parameter 'limit'; legal range is '1-"+strconv.Itoa(most)+"'.")
		return 0, false
	}
	return min(n, most), true
}

type rateLimit struct {
	RateLimitType string `json:"rateLimitType"`
	Interval      string `json:"interval"`
	IntervalNum   int    `json:"intervalNum"`
	Limit         int    `json:"limit"`
}

type symbolInfo struct {
	Symbol                          string           `json:"symbol"`
	Status                          string           `json:"status"`
	BaseAsset                       string           `json:"baseAsset"`
	BaseAssetPrecision              int              `json:"baseAssetPrecision"`
	QuoteAsset                      string           `json:"quoteAsset"`
	QuotePrecision                  int              `json:"quotePrecision"`
	QuoteAssetPrecision             int              `json:"quoteAssetPrecision"`
	BaseCommissionPrecision         int              `json:"baseCommissionPrecision"`
	QuoteCommissionPrecision        int              `json:"quoteCommissionPrecision"`
	OrderTypes                      []string         `json:"orderTypes"`
	IcebergAllowed                  bool             `json:"icebergAllowed"`
	OcoAllowed                      bool             `json:"ocoAllowed"`
	OtoAllowed                      bool             `json:"otoAllowed"`
	QuoteOrderQtyMarketAllowed      bool             `json:"quoteOrderQtyMarketAllowed"`
	AllowTrailingStop               bool             `json:"allowTrailingStop"`
	CancelReplaceAllowed            bool             `json:"cancelReplaceAllowed"`
	IsSpotTradingAllowed            bool             `json:"isSpotTradingAllowed"`
	IsMarginTradingAllowed          bool             `json:"isMarginTradingAllowed"`
	Filters                         []map[string]any `json:"filters"`
	Permissions                     []string         `json:"permissions"`
	PermissionSets                  [][]string       `json:"permissionSets"`
	DefaultSelfTradePreventionMode  string           `json:"defaultSelfTradePreventionMode"`
	AllowedSelfTradePreventionModes []string         `json:"allowedSelfTradePreventionModes"`
}

// maxUnits bounds the prices and quantities the filters allow, in units of
// the instrument's scale, so that price*qty stays far inside int64.
const maxUnits = 1_000_000_000

func (m *market) info() symbolInfo {
	in := &m.inst
	pd, qd := in.PriceDecimals, in.QtyDecimals
	maxPx := in.RoundToTick(domain.Price(maxUnits))
	maxQty := in.RoundToLot(domain.Qty(maxUnits))
	minNotional := in.PriceDecimal(in.TickSize).Mul(in.QtyDecimal(in.LotSize))
	maxNotional := in.PriceDecimal(maxPx).Mul(in.QtyDecimal(maxQty))
	nd := max(int32(minDecimals), -minNotional.Exponent())
	prec := func(d uint8) int { return max(int(d), minDecimals) }
	return symbolInfo{
		Symbol: m.name, Status: "TRADING",
		BaseAsset: in.Base, BaseAssetPrecision: prec(qd),
		QuoteAsset: in.Quote, QuotePrecision: prec(pd), QuoteAssetPrecision: prec(pd),
		BaseCommissionPrecision: prec(qd), QuoteCommissionPrecision: prec(pd),
		OrderTypes:           []string{"LIMIT", "LIMIT_MAKER", "MARKET"},
		CancelReplaceAllowed: true, IsSpotTradingAllowed: true,
		Filters: []map[string]any{
			{"filterType": "PRICE_FILTER", "minPrice": fixed(int64(in.TickSize), pd),
				"maxPrice": fixed(int64(maxPx), pd), "tickSize": fixed(int64(in.TickSize), pd)},
			{"filterType": "LOT_SIZE", "minQty": fixed(int64(in.LotSize), qd),
				"maxQty": fixed(int64(maxQty), qd), "stepSize": fixed(int64(in.LotSize), qd)},
			{"filterType": "NOTIONAL", "minNotional": minNotional.StringFixed(nd), "applyMinToMarket": true,
				"maxNotional": maxNotional.StringFixed(nd), "applyMaxToMarket": false, "avgPriceMins": 0},
		},
		Permissions: []string{}, PermissionSets: [][]string{{"SPOT"}},
		DefaultSelfTradePreventionMode: "NONE", AllowedSelfTradePreventionModes: []string{"NONE"},
	}
}

func (s *Server) exchangeInfo(w http.ResponseWriter, r *http.Request) {
	ms, _, ok := s.selectMarkets(w, r)
	if !ok {
		return
	}
	syms := make([]symbolInfo, 0, len(ms))
	for _, m := range ms {
		syms = append(syms, m.info())
	}
	writeJSON(w, http.StatusOK, struct {
		Timezone        string       `json:"timezone"`
		ServerTime      int64        `json:"serverTime"`
		RateLimits      []rateLimit  `json:"rateLimits"`
		ExchangeFilters []any        `json:"exchangeFilters"`
		Symbols         []symbolInfo `json:"symbols"`
	}{"UTC", time.Now().UnixMilli(), []rateLimit{
		{"REQUEST_WEIGHT", "MINUTE", 1, s.limits.cfg.Weight1m},
		{"ORDERS", "SECOND", 10, s.limits.cfg.Orders10s},
		{"ORDERS", "DAY", 1, s.limits.cfg.Orders1d},
		{"RAW_REQUESTS", "MINUTE", 5, 61000},
	}, []any{}, syms})
}

// snapshot asks the venue for m's book; on failure it writes the error.
func (s *Server) snapshot(w http.ResponseWriter, r *http.Request, m *market, limit int) (sim.Depth, bool) {
	v := s.venue.Load()
	if v == nil {
		writeErr(w, http.StatusServiceUnavailable, codeInternal, "Internal error; unable to process your request. Please try again.")
		return sim.Depth{}, false
	}
	d, err := v.Depth(r.Context(), m.inst.ID, limit)
	if err != nil {
		status := http.StatusServiceUnavailable
		if errors.Is(err, sim.ErrUnknownInstrument) {
			status = http.StatusInternalServerError
		}
		writeErr(w, status, codeInternal, "Internal error; unable to process your request. Please try again.")
		return sim.Depth{}, false
	}
	return d, true
}

func (s *Server) depth(w http.ResponseWriter, r *http.Request) {
	m, ok := s.oneMarket(w, r)
	if !ok {
		return
	}
	limit, ok := limitParam(w, r, 100, 5000)
	if !ok {
		return
	}
	d, ok := s.snapshot(w, r, m, limit)
	if !ok {
		return
	}
	b := append([]byte(`{"lastUpdateId":`), strconv.FormatUint(d.UpdateID, 10)...)
	b = append(b, `,"bids":`...)
	b = m.appendLevels(b, d.Bids)
	b = append(b, `,"asks":`...)
	b = m.appendLevels(b, d.Asks)
	b = append(b, "}\n"...)
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write(b)
}

type bookTickerRow struct {
	Symbol   string `json:"symbol"`
	BidPrice string `json:"bidPrice"`
	BidQty   string `json:"bidQty"`
	AskPrice string `json:"askPrice"`
	AskQty   string `json:"askQty"`
}

func (s *Server) bookTicker(w http.ResponseWriter, r *http.Request) {
	ms, all, ok := s.selectMarkets(w, r)
	if !ok {
		return
	}
	rows := make([]bookTickerRow, 0, len(ms))
	for _, m := range ms {
		d, ok := s.snapshot(w, r, m, 1)
		if !ok {
			return
		}
		var bid, ask domain.Level
		if len(d.Bids) > 0 {
			bid = d.Bids[0]
		}
		if len(d.Asks) > 0 {
			ask = d.Asks[0]
		}
		pd, qd := m.inst.PriceDecimals, m.inst.QtyDecimals
		rows = append(rows, bookTickerRow{m.name, fixed(int64(bid.Price), pd), fixed(int64(bid.Qty), qd),
			fixed(int64(ask.Price), pd), fixed(int64(ask.Qty), qd)})
	}
	if !all && r.URL.Query().Get("symbol") != "" {
		writeJSON(w, http.StatusOK, rows[0])
		return
	}
	writeJSON(w, http.StatusOK, rows)
}

type tradeRow struct {
	ID           uint64 `json:"id"`
	Price        string `json:"price"`
	Qty          string `json:"qty"`
	QuoteQty     string `json:"quoteQty"`
	Time         int64  `json:"time"`
	IsBuyerMaker bool   `json:"isBuyerMaker"`
	IsBestMatch  bool   `json:"isBestMatch"`
}

func (s *Server) trades(w http.ResponseWriter, r *http.Request) {
	m, ok := s.oneMarket(w, r)
	if !ok {
		return
	}
	limit, ok := limitParam(w, r, 500, 1000)
	if !ok {
		return
	}
	in := &m.inst
	ts := m.recentTrades(limit)
	rows := make([]tradeRow, 0, len(ts))
	for _, t := range ts {
		quote := in.PriceDecimal(t.Price).Mul(in.QtyDecimal(t.Qty))
		rows = append(rows, tradeRow{ID: t.TradeID, Price: fixed(int64(t.Price), in.PriceDecimals),
			Qty: fixed(int64(t.Qty), in.QtyDecimals), QuoteQty: quote.StringFixed(max(minDecimals, -quote.Exponent())),
			Time: t.VenueTime / int64(time.Millisecond), IsBuyerMaker: t.Aggressor == domain.Sell, IsBestMatch: true})
	}
	writeJSON(w, http.StatusOK, rows)
}

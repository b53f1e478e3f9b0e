package binance

import (
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

func testInstrument(t testing.TB) domain.Instrument {
	t.Helper()
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{Symbol: "BTC-USD", Base: "BTC", Quote: "USD",
		TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("0.001")})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestParseFixed(t *testing.T) {
	for _, c := range []struct {
		in   string
		dec  uint8
		want int64
		err  error
	}{
		{"0.10000000", 2, 10, nil},
		{"123", 3, 123000, nil},
		{"123.", 1, 1230, nil},
		{".5", 1, 5, nil},
		{"30000.01000000", 2, 3000001, nil},
		{"-1.5", 1, -15, nil},
		{"0.015", 2, 0, domain.ErrPrecision},
		{"9223372036854775807", 0, 9223372036854775807, nil},
		{"9223372036854775808", 0, 0, domain.ErrOverflow},
		{"-9223372036854775808", 0, -9223372036854775808, nil},
		{"92233720368547758.08", 3, 0, domain.ErrOverflow},
		{"", 2, 0, ErrMalformed},
		{".", 2, 0, ErrMalformed},
		{"1e5", 2, 0, ErrMalformed},
		{"1.2.3", 2, 0, ErrMalformed},
	} {
		got, err := parseFixed(c.in, c.dec)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("parseFixed(%q, %d) error %v, want %v", c.in, c.dec, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("parseFixed(%q, %d) = %d, %v; want %d", c.in, c.dec, got, err, c.want)
		}
	}
}

func TestClientIDs(t *testing.T) {
	legal := regexp.MustCompile(api.LegalClientOrderID)
	big := domain.MakeOrderID(domain.MaxOrderEpoch, domain.MaxOrderStrategy, domain.MaxOrderSeq)
	for _, c := range []struct {
		id domain.OrderID
		n  int
	}{{domain.MakeOrderID(1, 2, 3), 0}, {domain.MakeOrderID(1, 2, 3), 7}, {big, 0}, {big, 99999999999}} {
		s := clientID(c.id, c.n)
		if !legal.MatchString(s) {
			t.Errorf("client id %q is not legal (%s)", s, api.LegalClientOrderID)
		}
		id, n, ok := parseClientID(s)
		if !ok || id != c.id || n != c.n {
			t.Errorf("parseClientID(%q) = %v, %d, %v; want %v, %d", s, id, n, ok, c.id, c.n)
		}
	}
	for _, s := range []string{"", "web_abc", "1-2", "1-2-3-0", "1-2-3-01", "1-2-3--1", "1-2-3-+1", "1-2-3-x", "1-2-3-4-5", "x-2-3"} {
		if _, _, ok := parseClientID(s); ok {
			t.Errorf("parseClientID(%q) is desk's, want not", s)
		}
	}
}

func TestFee(t *testing.T) {
	s := &symbol{name: "BTCUSD", inst: testInstrument(t), base: "BTC", quote: "USD"}
	px := domain.Price(3_000_000) // 30000.00
	for _, c := range []struct {
		n, asset string
		want     domain.Money
		ok       bool
	}{
		{"0.15000000", "USD", 15_000_000, true},
		{"0.00001000", "BTC", 30_000_000, true}, // 0.00001 BTC at 30000 = 0.3 USD
		{"0.1", "BNB", 0, false},
		{"0", "", 0, true},
	} {
		got, ok := s.fee(c.n, c.asset, px)
		if got != c.want || ok != c.ok {
			t.Errorf("fee(%s %s) = %d, %v; want %d, %v", c.n, c.asset, got, ok, c.want, c.ok)
		}
	}
}

func TestOrderShape(t *testing.T) {
	for _, c := range []struct {
		typ  domain.OrderType
		tif  domain.TimeInForce
		post bool
		bt   api.OrderType
		btif api.TimeInForce
		ok   bool
	}{
		{domain.Limit, domain.GTC, false, api.TypeLimit, api.GTC, true},
		{domain.Limit, domain.IOC, false, api.TypeLimit, api.IOC, true},
		{domain.Limit, domain.GTC, true, api.TypeLimitMaker, "", true},
		{domain.Limit, domain.IOC, true, "", "", false},
		{domain.Market, domain.IOC, false, api.TypeMarket, "", true},
		{domain.Market, domain.FOK, false, "", "", false},
		{domain.Stop, domain.GTC, false, api.TypeStopLoss, "", true},
		{domain.StopLimit, domain.FOK, false, api.TypeStopLossLimit, api.FOK, true},
		{domain.Limit, domain.GTD, false, "", "", false},
		{domain.Limit, domain.Day, false, "", "", false},
	} {
		bt, btif, ok := orderShape(c.typ, c.tif, c.post)
		if bt != c.bt || btif != c.btif || ok != c.ok {
			t.Errorf("orderShape(%v, %v, %v) = %s %s %v", c.typ, c.tif, c.post, bt, btif, ok)
		}
		if ok {
			typ, tif, post := orderFrom(bt, btif)
			if typ != c.typ || post != c.post || (btif != "" && tif != c.tif) {
				t.Errorf("orderFrom(%s, %s) = %v %v %v", bt, btif, typ, tif, post)
			}
		}
	}
}

func TestFilters(t *testing.T) {
	in := testInstrument(t)
	f := filters{minPrice: 1, maxPrice: 100_000_000, tick: 5, minQty: 1, maxQty: 1_000_000, step: 1,
		minNotional: 10 * domain.MoneyScale}
	for _, c := range []struct {
		p      domain.Price
		q      domain.Qty
		failed string
	}{
		{1_000_001, 1000, ""}, // 10000.01 x 1: tick 5 from minPrice 1: (1000001-1)%5 == 0
		{1_000_002, 1000, "PRICE_FILTER"},
		{1_000_001, 0, "LOT_SIZE"},
		{1_000_001, 2_000_000, "LOT_SIZE"},
		{100_001, 1, "NOTIONAL"}, // 1000.01 x 0.001 = 1.00001 < 10
		{0, 5, ""},               // market: no notional
	} {
		ok, failed := f.check(c.p, c.q, &in)
		if failed != c.failed || ok != (c.failed == "") {
			t.Errorf("check(%d, %d) = %v %q, want %q", c.p, c.q, ok, failed, c.failed)
		}
	}
}

func TestApplyExchangeInfo(t *testing.T) {
	in := testInstrument(t)
	syms := map[string]*symbol{"BTCUSD": {name: "BTCUSD", inst: in}}
	body := []byte(`{"symbols":[{"symbol":"BTCUSD","baseAsset":"BTC","quoteAsset":"USD","cancelReplaceAllowed":true,
	  "filters":[{"filterType":"PRICE_FILTER","minPrice":"0.01000000","maxPrice":"1000000.00000000","tickSize":"0.01000000"},
	  {"filterType":"LOT_SIZE","minQty":"0.00100000","maxQty":"9000.00000000","stepSize":"0.00100000"},
	  {"filterType":"NOTIONAL","minNotional":"5.00000000","maxNotional":"9000000.00000000","applyMinToMarket":true},
	  {"filterType":"PERCENT_PRICE_BY_SIDE","bidMultiplierUp":"5"}]},
	  {"symbol":"ETHUSD","filters":[]}]}`)
	skipped, err := applyExchangeInfo(body, syms)
	if err != nil || len(skipped) != 0 {
		t.Fatal(err, skipped)
	}
	s := syms["BTCUSD"]
	want := filters{minPrice: 1, maxPrice: 100_000_000, tick: 1, minQty: 1, maxQty: 9_000_000, step: 1,
		minNotional: 5 * domain.MoneyScale, maxNotional: 9_000_000 * domain.MoneyScale}
	if s.f != want || !s.cancelReplace || s.base != "BTC" || s.quote != "USD" {
		t.Errorf("symbol %+v, want filters %+v", s, want)
	}
	syms["XUSD"] = &symbol{name: "XUSD", inst: in}
	if _, err := applyExchangeInfo(body, syms); err == nil {
		t.Error("a mapped symbol the venue does not list: no error")
	}
}

func TestReasonOf(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{api.FilterFailure("LOT_SIZE"), ReasonVenueFilter},
		{api.NewOrderRejected(api.MsgInsufficientBalance), ReasonInsufficientBalance},
		{api.NewOrderRejected(api.MsgWouldMatch), ReasonPostOnlyWouldTake},
		{api.NewError(api.CodeInvalidSignature, api.MsgInvalidSignature), ReasonVenueAuth},
		{api.NewError(api.CodeRejectedMBXKey, api.MsgRejectedMBXKey), ReasonVenueAuth},
		{api.NewError(api.CodeInvalidTimestamp, api.MsgTimestampOutside), ReasonVenueTimestamp},
		{api.NewError(api.CodeTooManyRequests, "too many"), ReasonRateLimited},
		{api.CancelRejected(api.MsgUnknownOrder), ReasonUnknownOrder},
		{api.NewError(api.CodeParamNotRequired, "x"), ReasonVenueRejected},
	} {
		if got := reasonOf(c.err); got != c.want {
			t.Errorf("reasonOf(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	sec, _ := api.NewSecret("s3cr3tXXXXXXXXXXXX")
	good := Options{RESTURL: "http://127.0.0.1:1", WSURL: "ws://127.0.0.1:1",
		Credentials: api.Credentials{APIKey: "key", Secret: sec},
		Symbols:     map[string]domain.Instrument{"BTCUSD": testInstrument(t)}, Reports: make(chan domain.ExecReport)}
	if _, err := New(good); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(o *Options){
		"no URL":     func(o *Options) { o.RESTURL = "" },
		"no secret":  func(o *Options) { o.Credentials.Secret = api.Secret{} },
		"no symbols": func(o *Options) { o.Symbols = nil },
		"no reports": func(o *Options) { o.Reports = nil },
		"recvWindow": func(o *Options) { o.RecvWindow = time.Hour },
		"bad symbol": func(o *Options) { o.Symbols = map[string]domain.Instrument{"btc/usd": testInstrument(t)} },
		"mapped twice": func(o *Options) {
			o.Symbols = map[string]domain.Instrument{"A": testInstrument(t), "B": testInstrument(t)}
		},
		"negative queue":  func(o *Options) { o.QueueSize = -1 },
		"sub-ms recvWind": func(o *Options) { o.RecvWindow = time.Microsecond },
	} {
		o := good
		f(&o)
		if _, err := New(o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%s: %v, want ErrInvalidOptions", name, err)
		}
	}
}

func TestUnknownMethod(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&api.Error{Code: -1, Msg: "Unknown method: order.cancelReplace", HTTPStatus: 400}, true},
		{&api.Error{Code: api.CodeUnsupportedOperation, Msg: "x", HTTPStatus: 400}, true},
		{&api.Error{Code: api.CodeCancelReplaceFailed, Msg: "Order cancel-replace failed.", HTTPStatus: 409}, false},
		{&api.Error{Code: api.CodeTimeout, Msg: "Timeout waiting for response from backend server. Send status unknown; execution status unknown.", HTTPStatus: 500}, false},
		{ErrConnLost, false},
	} {
		if got := unknownMethod(c.err); got != c.want {
			t.Errorf("unknownMethod(%v) = %v", c.err, got)
		}
	}
}

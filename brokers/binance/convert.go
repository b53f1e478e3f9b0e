package binance

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

// convert.go is the one place that maps Binance's types to desk's.

// Reasons the adapter gives in ExecReport.Reason, beside the venue's.
const (
	// ReasonVenueFilter: the order fails the symbol's PRICE_FILTER,
	// LOT_SIZE, MIN_NOTIONAL or NOTIONAL filter (refused locally, or the
	// venue's -1013).
	ReasonVenueFilter = "venue-filter"
	// ReasonRateLimited: the venue answered 429 or 418 and its Retry-After
	// has not passed; new orders are refused locally meanwhile.
	ReasonRateLimited = "rate-limited"
	// ReasonUnsupported: the order has a type, time in force or flag that
	// Binance spot does not take (GTD, day, a post-only market order).
	ReasonUnsupported = "unsupported"
	// ReasonUnknownInstrument: the instrument is not mapped to a symbol.
	ReasonUnknownInstrument = "unknown-instrument"
	// ReasonNotAtVenue: the venue answered it does not hold the order,
	// and the request is older than its recvWindow: it can no longer
	// arrive.
	ReasonNotAtVenue = "not-at-venue"
	// ReasonInsufficientBalance: -2010 "Account has insufficient balance".
	ReasonInsufficientBalance = "insufficient-balance"
	// ReasonPostOnlyWouldTake: -2010 "Order would immediately match and
	// take." (LIMIT_MAKER).
	ReasonPostOnlyWouldTake = "post-only-would-cross"
	// ReasonVenueAuth: the venue refused the key or the signature.
	ReasonVenueAuth = "venue-auth"
	// ReasonVenueTimestamp: -1021, the request's timestamp fell outside
	// recvWindow (the clock offset is measured again).
	ReasonVenueTimestamp = "venue-timestamp"
	// ReasonUnknownOrder: -2011 or -2013, the venue holds no such live
	// order (it ended, perhaps filled).
	ReasonUnknownOrder = "unknown-order"
	// ReasonVenueRejected: any other certain refusal by the venue.
	ReasonVenueRejected = "venue-rejected"
	// ReasonQueueFull: a cancel held back while a replace was in flight
	// found the outbound queue full when the replace settled.
	ReasonQueueFull = "queue-full"
	// ReasonCanceled is an ExecCanceled on request.
	ReasonCanceled = "canceled"
	// ReasonExpired is an IOC, FOK or market remainder (EXPIRED), or a
	// GTC order expired by the venue.
	ReasonExpired = "expired"
	// ReasonSelfTrade is EXPIRED_IN_MATCH: self-trade prevention.
	ReasonSelfTrade = "self-trade-prevention"
	// ReasonReplaceNewFailed: cancelReplace canceled the order but its new
	// order failed (STOP_ON_FAILURE, -2021): the order is canceled.
	ReasonReplaceNewFailed = "replace-new-order-failed"
)

// reasonOf is the Reason of a certain refusal err.
func reasonOf(err error) string {
	if errors.Is(err, ErrRateLimited) {
		return ReasonRateLimited
	}
	e, ok := asAPIError(err)
	if !ok {
		return ReasonVenueRejected
	}
	switch {
	case e.RateLimited():
		return ReasonRateLimited
	case e.Code == api.CodeInvalidMessage:
		return ReasonVenueFilter
	case e.Code == api.CodeInvalidTimestamp:
		return ReasonVenueTimestamp
	case e.Code == api.CodeInvalidSignature || e.Code == api.CodeBadAPIKeyFmt ||
		e.Code == api.CodeRejectedMBXKey || e.Code == api.CodeUnauthorized || e.HTTPStatus == 401 || e.HTTPStatus == 403:
		return ReasonVenueAuth
	case e.Code == api.CodeCancelRejected || e.Code == api.CodeNoSuchOrder:
		return ReasonUnknownOrder
	case e.Code == api.CodeNewOrderRejected && e.Msg == api.MsgInsufficientBalance:
		return ReasonInsufficientBalance
	case e.Code == api.CodeNewOrderRejected && e.Msg == api.MsgWouldMatch:
		return ReasonPostOnlyWouldTake
	}
	return ReasonVenueRejected
}

// Client order ids. A desk order's id is its OrderID's string
// ("EPOCH-STRATEGY-SEQ"); the new order of its n-th replace is
// "EPOCH-STRATEGY-SEQ-n". The longest, 7+1+5+1+10 digits and dashes plus
// "-" and a replace count, stays within api.LegalClientOrderID's 36.

// clientID is the client order id of order id after n replaces.
func clientID(id domain.OrderID, n int) string {
	if n == 0 {
		return id.String()
	}
	return id.String() + "-" + strconv.Itoa(n)
}

// parseClientID reads a client order id of desk's: the order and the
// replace count. ok is false for anyone else's id.
func parseClientID(s string) (id domain.OrderID, n int, ok bool) {
	if strings.Count(s, "-") == 3 {
		i := strings.LastIndexByte(s, '-')
		v, err := strconv.Atoi(s[i+1:])
		if err != nil || v <= 0 || s[i+1] == '+' || s[i+1] == '0' {
			return 0, 0, false
		}
		s, n = s[:i], v
	}
	id, err := domain.ParseOrderID(s)
	if err != nil {
		return 0, 0, false
	}
	return id, n, true
}

// parseFixed reads a venue decimal ("0.10000000", "123") as an int64 in
// units of 10^-dec, exactly: a non-zero digit beyond dec places fails
// with domain.ErrPrecision, a value beyond int64 with
// domain.ErrOverflow. It does not allocate.
func parseFixed(s string, dec uint8) (int64, error) {
	neg := false
	if s != "" && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if s == "" {
		return 0, fmt.Errorf("decimal %q: %w", s, ErrMalformed)
	}
	var v uint64
	const limit = 1 << 63
	mul := func(d byte) bool {
		if v > (limit-uint64(d))/10 {
			return false
		}
		v = v*10 + uint64(d)
		return true
	}
	i, digits := 0, 0
	for ; i < len(s) && s[i] != '.'; i++ {
		d := s[i] - '0'
		if d > 9 {
			return 0, errMalformedDecimal
		}
		if !mul(d) {
			return 0, domain.ErrOverflow
		}
		digits++
	}
	places := 0
	if i < len(s) {
		for i++; i < len(s); i++ {
			d := s[i] - '0'
			if d > 9 {
				return 0, errMalformedDecimal
			}
			digits++
			if places < int(dec) {
				if !mul(d) {
					return 0, domain.ErrOverflow
				}
				places++
			} else if d != 0 {
				return 0, domain.ErrPrecision
			}
		}
	}
	if digits == 0 {
		return 0, errMalformedDecimal
	}
	for ; places < int(dec); places++ {
		if !mul(0) {
			return 0, domain.ErrOverflow
		}
	}
	if v == limit && !neg {
		return 0, domain.ErrOverflow
	}
	if neg {
		return -int64(v), nil
	}
	return int64(v), nil
}

// maxScaledLen bounds appendScaled's output: a sign, 19 digits, a
// point and the zeros before them when places exceeds the digits.
const maxScaledLen = 1 + 19 + 1 + 255

// appendScaled appends v units of 10^-places as a decimal with exactly
// places decimals ("0.00500000", "-1.5" for -15 at 1, "7" at 0), as
// domain's FormatPrice and FormatQty write it, without allocating.
func appendScaled(b []byte, v int64, places uint8) []byte {
	u := uint64(v)
	if v < 0 {
		b = append(b, '-')
		u = -u
	}
	var digits [20]byte
	d := strconv.AppendUint(digits[:0], u, 10)
	if int(places) >= len(d) {
		b = append(b, '0')
		if places > 0 {
			b = append(b, '.')
			for range int(places) - len(d) {
				b = append(b, '0')
			}
		}
		return append(b, d...)
	}
	cut := len(d) - int(places)
	b = append(b, d[:cut]...)
	if places > 0 {
		b = append(b, '.')
		b = append(b, d[cut:]...)
	}
	return b
}

var errMalformedDecimal = fmt.Errorf("%w: not a decimal", ErrMalformed)

func (s *symbol) price(d string) (domain.Price, error) {
	v, err := parseFixed(d, s.inst.PriceDecimals)
	if err != nil {
		return 0, fmt.Errorf("%s price %q: %w", s.name, d, err)
	}
	return domain.Price(v), nil
}

func (s *symbol) qty(d string) (domain.Qty, error) {
	v, err := parseFixed(d, s.inst.QtyDecimals)
	if err != nil {
		return 0, fmt.Errorf("%s quantity %q: %w", s.name, d, err)
	}
	return domain.Qty(v), nil
}

// fee converts a commission in asset to quote Money at the fill price
// px: the quote asset as is, the base asset at px. Any other asset (BNB
// fee discounts) has no price here: the fee is 0 and ok false.
func (s *symbol) fee(commission, asset string, px domain.Price) (m domain.Money, ok bool) {
	if commission == "" || asset == "" {
		return 0, true
	}
	v, err := parseFixed(commission, domain.MoneyDecimals)
	if err != nil {
		return 0, false
	}
	switch asset {
	case s.quote:
		return domain.Money(v), true
	case s.base:
		// v base units of 1e-8 at px quote units of 10^-pd: v*px/10^pd
		// Money units.
		n, ok := domain.MulDiv(v, int64(px), pow10(s.inst.PriceDecimals))
		return domain.Money(n), ok
	}
	return 0, false
}

func pow10(n uint8) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// side, typ and tif map desk's order vocabulary to Binance's. A
// combination Binance spot has no word for is ok false.
func sideOf(s domain.Side) api.Side {
	if s == domain.Sell {
		return api.SideSell
	}
	return api.SideBuy
}

func sideFrom(s api.Side) domain.Side {
	if s == api.SideSell {
		return domain.Sell
	}
	return domain.Buy
}

// orderShape is the Binance type and time in force of a desk order:
// LIMIT (LIMIT_MAKER when post-only), MARKET (IOC), STOP_LOSS and
// STOP_LOSS_LIMIT; GTC, IOC and FOK. GTD, day, a FOK market order and
// post-only on anything but a GTC limit have no Binance spot form.
func orderShape(typ domain.OrderType, tif domain.TimeInForce, postOnly bool) (api.OrderType, api.TimeInForce, bool) {
	var t api.TimeInForce
	switch tif {
	case domain.GTC, 0:
		t = api.GTC
	case domain.IOC:
		t = api.IOC
	case domain.FOK:
		t = api.FOK
	default:
		return "", "", false
	}
	switch typ {
	case domain.Limit:
		if postOnly {
			if t != api.GTC {
				return "", "", false
			}
			return api.TypeLimitMaker, "", true
		}
		return api.TypeLimit, t, true
	case domain.Market:
		// desk's market orders are IOC (or FOK); Binance's MARKET is IOC
		// by nature and takes no timeInForce. All-or-none it cannot do.
		if postOnly || t == api.FOK {
			return "", "", false
		}
		return api.TypeMarket, "", true
	case domain.Stop:
		// A market order once triggered: resting until then, IOC after.
		if postOnly || t == api.FOK {
			return "", "", false
		}
		return api.TypeStopLoss, "", true
	case domain.StopLimit:
		if postOnly {
			return "", "", false
		}
		return api.TypeStopLossLimit, t, true
	}
	return "", "", false
}

// orderFrom is the desk type, time in force and post-only flag of a
// Binance order.
func orderFrom(t api.OrderType, tif api.TimeInForce) (domain.OrderType, domain.TimeInForce, bool) {
	dt := domain.GTC
	switch tif {
	case api.IOC:
		dt = domain.IOC
	case api.FOK:
		dt = domain.FOK
	}
	switch t {
	case api.TypeMarket:
		return domain.Market, domain.IOC, false
	case api.TypeLimitMaker:
		return domain.Limit, domain.GTC, true
	case api.TypeStopLoss, api.TypeTakeProfit:
		return domain.Stop, domain.GTC, false
	case api.TypeStopLossLimit, api.TypeTakeProfitLimit:
		return domain.StopLimit, dt, false
	}
	return domain.Limit, dt, false
}

// endOf is the report kind and reason of an order that EXPIRED: an IOC,
// FOK or market remainder is a cancel of the rest, as the simulator
// reports it; a resting order the venue expired is ExecExpired.
func endOf(status api.OrderStatus, t api.OrderType, tif api.TimeInForce) (domain.ExecKind, string) {
	switch {
	case status == api.StatusExpiredInMatch:
		return domain.ExecCanceled, ReasonSelfTrade
	case status == api.StatusCanceled:
		return domain.ExecCanceled, ReasonCanceled
	case t == api.TypeMarket || t == api.TypeStopLoss || t == api.TypeTakeProfit || tif == api.IOC || tif == api.FOK:
		return domain.ExecCanceled, ReasonExpired
	}
	return domain.ExecExpired, ReasonExpired
}

// fillOf maps an executionReport TRADE to an ExecFill of order id: the
// last price and quantity at the instrument's scales, the trade id, the
// fee in quote Money and the liquidity. feeOK is false when the
// commission's asset has no price here (the Fee is then 0).
func (s *symbol) fillOf(id domain.OrderID, venue domain.VenueID, er *api.ExecutionReport) (r domain.ExecReport, feeOK bool, err error) {
	px, err := s.price(er.LastPrice)
	if err != nil {
		return r, false, err
	}
	q, err := s.qty(er.LastQty)
	if err != nil {
		return r, false, err
	}
	fee, feeOK := s.fee(er.Commission, er.CommissionAsset, px)
	liq := domain.Taker
	if er.IsMaker {
		liq = domain.Maker
	}
	return domain.ExecReport{Kind: domain.ExecFill, Venue: venue, OrderID: id, VenueOrderID: uint64(er.OrderID),
		LastPx: px, LastQty: q, TradeID: uint64(er.TradeID), Fee: fee, Liquidity: liq,
		VenueTime: er.TransactTime * 1e6}, feeOK, nil
}

// tradeFill maps a myTrades row to an ExecFill of order id.
func (s *symbol) tradeFill(id domain.OrderID, venue domain.VenueID, t *api.Trade) (domain.ExecReport, error) {
	px, err := s.price(t.Price)
	if err != nil {
		return domain.ExecReport{}, err
	}
	q, err := s.qty(t.Qty)
	if err != nil {
		return domain.ExecReport{}, err
	}
	fee, _ := s.fee(t.Commission, t.CommissionAsset, px)
	liq := domain.Taker
	if t.IsMaker {
		liq = domain.Maker
	}
	return domain.ExecReport{Kind: domain.ExecFill, Venue: venue, OrderID: id, VenueOrderID: uint64(t.OrderID),
		LastPx: px, LastQty: q, TradeID: uint64(t.ID), Fee: fee, Liquidity: liq, VenueTime: t.Time * 1e6}, nil
}

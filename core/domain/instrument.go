package domain

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// InstrumentID indexes an instrument in the daemon's instrument table. IDs
// are dense, starting at 0, so per-instrument state can live in slices.
type InstrumentID uint32

// Instrument is a tradable pair and the fixed-point scales of its prices and
// quantities. An Instrument is immutable once built with NewInstrument.
type Instrument struct {
	ID     InstrumentID
	Symbol string // e.g. "BTC-USD"
	Base   string // asset bought and sold, e.g. "BTC"
	Quote  string // currency prices and money are in, e.g. "USD"
	Class  string // asset class for risk grouping, e.g. "crypto"

	PriceDecimals uint8 // a Price unit is 10^-PriceDecimals of Quote
	QtyDecimals   uint8 // a Qty unit is 10^-QtyDecimals of Base
	TickSize      Price // prices are multiples of this; > 0
	LotSize       Qty   // quantities are multiples of this; > 0

	// notional = price*qty*notionalMul/notionalDiv, precomputed by
	// NewInstrument so the hot path does one 128-bit multiply and divide.
	notionalMul int64
	notionalDiv int64
}

// InstrumentSpec describes an instrument in decimal terms, as config does.
type InstrumentSpec struct {
	Symbol, Base, Quote, Class string
	TickSize, LotSize          decimal.Decimal
}

// NewInstrument builds an Instrument from spec, deriving the fixed-point
// scales from the tick and lot sizes. It fails when a size is not positive or
// needs more than MaxDecimals places.
func NewInstrument(id InstrumentID, spec InstrumentSpec) (Instrument, error) {
	if spec.Symbol == "" {
		return Instrument{}, fmt.Errorf("instrument %d: empty symbol", id)
	}
	if !spec.TickSize.IsPositive() || !spec.LotSize.IsPositive() {
		return Instrument{}, fmt.Errorf("instrument %s: tick and lot size: %w", spec.Symbol, ErrNotPositive)
	}
	pd, qd := decimalsOf(spec.TickSize), decimalsOf(spec.LotSize)
	if pd > MaxDecimals || qd > MaxDecimals {
		return Instrument{}, fmt.Errorf("instrument %s: %w", spec.Symbol, ErrPrecision)
	}
	in := Instrument{
		ID: id, Symbol: spec.Symbol, Base: spec.Base, Quote: spec.Quote, Class: spec.Class,
		PriceDecimals: uint8(pd), QtyDecimals: uint8(qd),
		notionalMul: 1, notionalDiv: 1,
	}
	tick, err := scaled(spec.TickSize, int32(pd))
	if err != nil {
		return Instrument{}, fmt.Errorf("instrument %s: tick size: %w", spec.Symbol, err)
	}
	lot, err := scaled(spec.LotSize, int32(qd))
	if err != nil {
		return Instrument{}, fmt.Errorf("instrument %s: lot size: %w", spec.Symbol, err)
	}
	in.TickSize, in.LotSize = Price(tick), Qty(lot)
	// price*qty carries pd+qd decimals; Money carries MoneyDecimals.
	switch shift := MoneyDecimals - int(pd+qd); {
	case shift >= 0:
		in.notionalMul = int64(pow10[shift])
	case -shift <= MaxDecimals:
		in.notionalDiv = int64(pow10[-shift])
	default:
		return Instrument{}, fmt.Errorf("instrument %s: %w", spec.Symbol, ErrPrecision)
	}
	return in, nil
}

// decimalsOf returns how many decimal places d needs, ignoring trailing
// zeros (0.010 needs two). It reads d's canonical text, which has none,
// so it stays linear in the size of d whatever its exponent.
func decimalsOf(d decimal.Decimal) int {
	if _, frac, ok := strings.Cut(d.String(), "."); ok {
		return len(frac)
	}
	return 0
}

// Notional returns the signed value of q at price p in Money, rounded toward
// zero when the scales carry more decimals than Money. ok is false on
// overflow; callers that compare against limits should treat that as a
// breach.
func (in *Instrument) Notional(p Price, q Qty) (m Money, ok bool) {
	v, ok := MulDiv(int64(p), int64(q), in.notionalDiv)
	if !ok {
		return 0, false
	}
	if in.notionalMul != 1 {
		r := v * in.notionalMul
		if r/in.notionalMul != v {
			return 0, false
		}
		v = r
	}
	return Money(v), true
}

// NotionalSat is Notional saturated at ±MaxMoney on overflow, with the
// sign the true value has: for positions and P&L, where a limit check
// must still see an enormous value rather than none.
func (in *Instrument) NotionalSat(p Price, q Qty) Money {
	if m, ok := in.Notional(p, q); ok {
		return m
	}
	if (p < 0) != (q < 0) {
		return -MaxMoney
	}
	return MaxMoney
}

// PriceFromDecimal converts d to a Price, failing when it is off tick or has
// more decimals than the instrument allows.
func (in *Instrument) PriceFromDecimal(d decimal.Decimal) (Price, error) {
	v, err := scaled(d, int32(in.PriceDecimals))
	if err != nil {
		return 0, fmt.Errorf("%s price %s: %w", in.Symbol, d, err)
	}
	if v%int64(in.TickSize) != 0 {
		return 0, fmt.Errorf("%s price %s: %w", in.Symbol, d, ErrOffTick)
	}
	return Price(v), nil
}

// QtyFromDecimal converts d to a Qty, failing when it is off lot or has more
// decimals than the instrument allows.
func (in *Instrument) QtyFromDecimal(d decimal.Decimal) (Qty, error) {
	v, err := scaled(d, int32(in.QtyDecimals))
	if err != nil {
		return 0, fmt.Errorf("%s quantity %s: %w", in.Symbol, d, err)
	}
	if v%int64(in.LotSize) != 0 {
		return 0, fmt.Errorf("%s quantity %s: %w", in.Symbol, d, ErrOffLot)
	}
	return Qty(v), nil
}

// PriceDecimal returns p as a decimal.
func (in *Instrument) PriceDecimal(p Price) decimal.Decimal {
	return decimal.New(int64(p), -int32(in.PriceDecimals))
}

// QtyDecimal returns q as a decimal.
func (in *Instrument) QtyDecimal(q Qty) decimal.Decimal {
	return decimal.New(int64(q), -int32(in.QtyDecimals))
}

// FormatPrice renders p with the instrument's full number of decimals.
func (in *Instrument) FormatPrice(p Price) string { return formatScaled(int64(p), in.PriceDecimals) }

// FormatQty renders q with the instrument's full number of decimals.
func (in *Instrument) FormatQty(q Qty) string { return formatScaled(int64(q), in.QtyDecimals) }

// RoundToTick rounds p down (toward zero) to a multiple of the tick size.
func (in *Instrument) RoundToTick(p Price) Price { return p - p%in.TickSize }

// RoundToLot rounds q down (toward zero) to a multiple of the lot size.
func (in *Instrument) RoundToLot(q Qty) Qty { return q - q%in.LotSize }

// PriceAt returns the price at which quantity q has notional n, the inverse
// of Notional, rounded toward zero to the instrument's price precision (an
// average price need not be on tick). ok is false when q is zero or the
// result overflows.
func (in *Instrument) PriceAt(n Money, q Qty) (p Price, ok bool) {
	if q == 0 {
		return 0, false
	}
	// n = p*q*mul/div, so p = n*div/(q*mul).
	qm := int64(q) * in.notionalMul
	if qm/in.notionalMul != int64(q) {
		return 0, false
	}
	v, ok := MulDiv(int64(n), in.notionalDiv, qm)
	return Price(v), ok
}

package domain

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"

	"github.com/shopspring/decimal"
)

// Price is a price in units of 10^-PriceDecimals of the instrument's quote
// currency. Zero means "no price" where a price is optional (market orders).
type Price int64

// Qty is a quantity in units of 10^-QtyDecimals of the instrument's base
// asset. Signed quantities are positions: positive long, negative short.
type Qty int64

// Money is an amount of the quote currency in units of 10^-8 (see MoneyScale):
// notional, fees and P&L.
type Money int64

// MoneyDecimals is the number of decimal places Money carries.
const MoneyDecimals = 8

// MoneyScale is the number of Money units in one unit of currency.
const MoneyScale = 100_000_000

// MaxMoney is the largest Money; arithmetic that would exceed it saturates
// here so that limit checks fail closed.
const MaxMoney = Money(math.MaxInt64)

var pow10 = [...]uint64{
	1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
	1_000_000_000, 10_000_000_000, 100_000_000_000, 1_000_000_000_000,
	10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
	10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
}

// MaxDecimals is the most decimal places a price or quantity scale may have.
const MaxDecimals = 18

// Abs returns |q|. math.MinInt64, which no valid quantity is, has no
// absolute value and is returned unchanged.
func (q Qty) Abs() Qty {
	if q < 0 {
		return -q
	}
	return q
}

// Abs returns |m|.
func (m Money) Abs() Money {
	if m < 0 {
		return -m
	}
	return m
}

// Decimal returns m as a decimal amount of currency.
func (m Money) Decimal() decimal.Decimal { return decimal.New(int64(m), -MoneyDecimals) }

// String formats m as a decimal with trailing zeros trimmed, e.g. "-12.5".
func (m Money) String() string { return m.Decimal().String() }

// MoneyFromDecimal converts d to Money. It fails when d has more than eight
// decimal places or does not fit in an int64.
func MoneyFromDecimal(d decimal.Decimal) (Money, error) {
	v, err := scaled(d, MoneyDecimals)
	if err != nil {
		return 0, fmt.Errorf("money %s: %w", d, err)
	}
	return Money(v), nil
}

// AddMoney returns a+b, saturating at ±MaxMoney instead of wrapping.
func AddMoney(a, b Money) Money {
	s := a + b
	if a > 0 && b > 0 && s < 0 {
		return MaxMoney
	}
	if a < 0 && b < 0 && (s >= 0 || s == math.MinInt64) {
		// MinInt64 itself is out of range too: it has no positive twin.
		return -MaxMoney
	}
	return s
}

// MulDiv returns a*b/c rounded toward zero, computed in 128 bits. ok is false
// when c is zero or the result does not fit in an int64.
func MulDiv(a, b, c int64) (v int64, ok bool) {
	if c == 0 {
		return 0, false
	}
	neg := (a < 0) != (b < 0)
	if c < 0 {
		neg = !neg
	}
	hi, lo := bits.Mul64(absU(a), absU(b))
	cu := absU(c)
	if hi >= cu {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, cu)
	if q > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(q), true
	}
	return int64(q), true
}

func absU(v int64) uint64 {
	if v < 0 {
		return uint64(-v)
	}
	return uint64(v)
}

// scaled returns d*10^places as an int64, failing if d has more precision
// than places or overflows.
func scaled(d decimal.Decimal, places int32) (int64, error) {
	s := d.Shift(places)
	if !s.Equal(s.Truncate(0)) {
		return 0, ErrPrecision
	}
	if !s.BigInt().IsInt64() {
		return 0, ErrOverflow
	}
	return s.IntPart(), nil
}

// formatScaled renders v/10^places with exactly places decimals.
func formatScaled(v int64, places uint8) string {
	if places == 0 {
		return strconv.FormatInt(v, 10)
	}
	return decimal.New(v, -int32(places)).StringFixed(int32(places))
}

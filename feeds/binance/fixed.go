package binance

import (
	"math"

	"github.com/desk-trading/desk/core/domain"
)

// Scales are the fixed-point scales of one symbol's prices and quantities,
// and optionally its tick and lot (in units of those scales) to check
// values against. A zero Tick or Lot means no check.
type Scales struct {
	PriceDecimals uint8
	QtyDecimals   uint8
	Tick          domain.Price
	Lot           domain.Qty
}

// ScalesOf returns the scales, tick and lot of a desk instrument.
func ScalesOf(in *domain.Instrument) Scales {
	return Scales{PriceDecimals: in.PriceDecimals, QtyDecimals: in.QtyDecimals, Tick: in.TickSize, Lot: in.LotSize}
}

// ParseFixed parses a plain non-negative decimal ("123.4500", "7", "0.1")
// into an int64 scaled by 10^scale, without allocating. Digits beyond the
// scale are accepted only when they are zeros (Binance pads every value to
// eight places); a non-zero one is ErrPrecision. A value that does not fit
// in an int64 is ErrOverflow; anything but digits with at most one '.'
// between digits (a sign, an exponent, spaces, an empty string) is
// ErrNumber. The errors are the bare sentinels, so the hot path never
// allocates; callers add context.
func ParseFixed(s []byte, scale uint8) (int64, error) {
	if scale > domain.MaxDecimals {
		return 0, ErrPrecision
	}
	var v uint64
	const limit = math.MaxInt64
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if v > (limit-d)/10 {
			return 0, ErrOverflow
		}
		v = v*10 + d
	}
	if i == 0 {
		return 0, ErrNumber
	}
	frac := uint8(0)
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			d := uint64(s[i] - '0')
			if frac == scale {
				if d != 0 {
					return 0, ErrPrecision
				}
				continue
			}
			if v > (limit-d)/10 {
				return 0, ErrOverflow
			}
			v = v*10 + d
			frac++
		}
		if i == start {
			return 0, ErrNumber
		}
	}
	if i != len(s) {
		return 0, ErrNumber
	}
	for ; frac < scale; frac++ {
		if v > limit/10 {
			return 0, ErrOverflow
		}
		v *= 10
	}
	return int64(v), nil
}

// AppendFixed appends v, scaled by 10^scale, as a decimal with trailing
// zeros removed ("0.3521", "672", "0", "-1.5").
func AppendFixed(dst []byte, v int64, scale uint8) []byte {
	u := uint64(v)
	if v < 0 {
		dst = append(dst, '-')
		u = uint64(-v) // MinInt64 wraps to itself, which as uint64 is right
	}
	var buf [40]byte
	n := len(buf)
	for {
		n--
		buf[n] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	digits := buf[n:]
	sc := int(scale)
	if sc == 0 {
		return append(dst, digits...)
	}
	for len(digits) <= sc { // pad so there is an integer digit
		n--
		buf[n] = '0'
		digits = buf[n:]
	}
	intPart, frac := digits[:len(digits)-sc], digits[len(digits)-sc:]
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	dst = append(dst, intPart...)
	if len(frac) > 0 {
		dst = append(dst, '.')
		dst = append(dst, frac...)
	}
	return dst
}

// FormatFixed is AppendFixed to a new string.
func FormatFixed(v int64, scale uint8) string { return string(AppendFixed(nil, v, scale)) }

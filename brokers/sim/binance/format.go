package binance

import (
	"strconv"
	"strings"
)

// minDecimals is how many decimals Binance prints in its price and
// quantity strings ("4.00000200"); scales with more keep theirs.
const minDecimals = 8

// appendFixed appends v, a fixed-point number with dec decimals, as a
// decimal string with max(dec, 8) decimals, without allocating.
func appendFixed(b []byte, v int64, dec uint8) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	var tmp [24]byte
	digits := strconv.AppendInt(tmp[:0], v, 10)
	d := int(dec)
	if len(digits) <= d {
		b = append(b, '0')
	} else {
		b = append(b, digits[:len(digits)-d]...)
	}
	out := max(d, minDecimals)
	if out == 0 {
		return b
	}
	b = append(b, '.')
	for i := len(digits); i < d; i++ {
		b = append(b, '0')
	}
	if len(digits) > d {
		b = append(b, digits[len(digits)-d:]...)
	} else {
		b = append(b, digits...)
	}
	for range out - d {
		b = append(b, '0')
	}
	return b
}

func fixed(v int64, dec uint8) string { return string(appendFixed(nil, v, dec)) }

// SymbolOf is the Binance symbol the server lists a desk instrument under:
// its desk symbol in capitals with everything but letters and digits
// dropped ("BTC-USD" is "BTCUSD").
func SymbolOf(desk string) string {
	var sb strings.Builder
	for _, r := range strings.ToUpper(desk) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

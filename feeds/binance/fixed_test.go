package binance

import (
	"errors"
	"math"
	"strconv"
	"testing"
)

func TestParseFixed(t *testing.T) {
	for _, c := range []struct {
		in    string
		scale uint8
		want  int64
		err   error
	}{
		{"123.4500", 4, 1234500, nil},
		{"123.45", 4, 1234500, nil},
		{"123.4500", 2, 12345, nil}, // trailing zeros past the scale are fine
		{"0.35210000", 4, 3521, nil},
		{"7", 0, 7, nil},
		{"7", 3, 7000, nil},
		{"0", 8, 0, nil},
		{"0.00000000", 8, 0, nil},
		{"00012.5", 1, 125, nil},
		{"123.4501", 3, 0, ErrPrecision},
		{"0.1", 0, 0, ErrPrecision},
		{"92233720368.54775807", 8, math.MaxInt64, nil},
		{"92233720368.54775808", 8, 0, ErrOverflow},
		{"9223372036854775807", 0, math.MaxInt64, nil},
		{"9223372036854775808", 0, 0, ErrOverflow},
		{"922337203685477581", 1, 0, ErrOverflow}, // overflows in the scaling
		{"99999999999999999999999", 0, 0, ErrOverflow},
		{"", 2, 0, ErrNumber},
		{".5", 2, 0, ErrNumber},
		{"5.", 2, 0, ErrNumber},
		{"-1", 2, 0, ErrNumber},
		{"+1", 2, 0, ErrNumber},
		{"1e5", 2, 0, ErrNumber},
		{"1.2.3", 2, 0, ErrNumber},
		{" 1", 2, 0, ErrNumber},
		{"1 ", 2, 0, ErrNumber},
		{"1", 19, 0, ErrPrecision}, // beyond domain.MaxDecimals
	} {
		got, err := ParseFixed([]byte(c.in), c.scale)
		if !errors.Is(err, c.err) || (err == nil && got != c.want) {
			t.Errorf("ParseFixed(%q, %d) = %d, %v; want %d, %v", c.in, c.scale, got, err, c.want, c.err)
		}
	}
}

func TestParseFixedAllocs(t *testing.T) {
	in := []byte("0.35210000")
	bad := []byte("0.35215")
	if n := testing.AllocsPerRun(1000, func() {
		_, _ = ParseFixed(in, 4)
		_, _ = ParseFixed(bad, 4) // the error path too
	}); n != 0 {
		t.Fatalf("ParseFixed allocates %v times a run", n)
	}
}

func TestAppendFixed(t *testing.T) {
	for _, c := range []struct {
		v     int64
		scale uint8
		want  string
	}{
		{3521, 4, "0.3521"}, {67200000000, 8, "672"}, {0, 8, "0"}, {1, 8, "0.00000001"},
		{-15, 1, "-1.5"}, {120, 0, "120"}, {1234500, 4, "123.45"}, {math.MaxInt64, 8, "92233720368.54775807"},
		{math.MinInt64, 0, "-9223372036854775808"},
	} {
		if got := FormatFixed(c.v, c.scale); got != c.want {
			t.Errorf("FormatFixed(%d, %d) = %q, want %q", c.v, c.scale, got, c.want)
		}
	}
}

// FuzzParseFixed checks that ParseFixed never panics and that what it
// accepts formats back to the same number.
func FuzzParseFixed(f *testing.F) {
	for _, s := range []string{"0.35210000", "123.45", "9223372036854775807", "1.", "", "00.010"} {
		f.Add(s, uint8(8))
	}
	f.Fuzz(func(t *testing.T, s string, scale uint8) {
		v, err := ParseFixed([]byte(s), scale%20)
		if err != nil {
			return
		}
		back := FormatFixed(v, scale%20)
		v2, err := ParseFixed([]byte(back), scale%20)
		if err != nil || v2 != v {
			t.Fatalf("%q at %d -> %d -> %q -> %d, %v", s, scale%20, v, back, v2, err)
		}
		if f, err := strconv.ParseFloat(s, 64); err != nil || f < 0 {
			t.Fatalf("%q accepted but not a non-negative decimal", s)
		}
	})
}

// FuzzParseFixedFast checks that the decoder's fast path gives exactly
// ParseFixed's result and error for every input and scale.
func FuzzParseFixedFast(f *testing.F) {
	for _, s := range []string{"0.35270000", "9602.00000000", "123456789.12345678", "1.00000001", "0.3527000a",
		"12.345678901", "1234567890.00000000", "1.2", "", "0/00000000", ".12345678", "1:00000000", "99999999.99999999"} {
		f.Add(s, uint8(4))
		f.Add(s, uint8(8))
		f.Add(s, uint8(12))
	}
	f.Fuzz(func(t *testing.T, s string, scale uint8) {
		scale %= 20
		v, err := parseFixedFast([]byte(s), scale)
		want, wantErr := ParseFixed([]byte(s), scale)
		if v != want || err != wantErr {
			t.Fatalf("%q at %d: fast %d %v, ParseFixed %d %v", s, scale, v, err, want, wantErr)
		}
	})
}

func TestEightDigits(t *testing.T) {
	for _, c := range []struct {
		s  string
		v  uint64
		ok bool
	}{{"00000000", 0, true}, {"12345678", 12345678, true}, {"99999999", 99999999, true}, {"35270000", 35270000, true},
		{"1234567/", 0, false}, {"1234567:", 0, false}, {"a2345678", 0, false}, {"1234 678", 0, false}, {"\x80" + "2345678", 0, false}} {
		v, ok := eightDigits([]byte(c.s))
		if ok != c.ok || (ok && v != c.v) {
			t.Errorf("%q: %d %v, want %d %v", c.s, v, ok, c.v, c.ok)
		}
	}
}

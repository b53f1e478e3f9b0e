package domain

import (
	"errors"
	"math"
	"testing"

	"github.com/shopspring/decimal"
)

func TestMulDiv(t *testing.T) {
	const max, min = math.MaxInt64, math.MinInt64
	tests := []struct {
		name    string
		a, b, c int64
		want    int64
		ok      bool
	}{
		{"simple", 6, 7, 3, 14, true},
		{"truncates toward zero", 7, 1, 2, 3, true},
		{"negative truncates toward zero", -7, 1, 2, -3, true},
		{"neg a", -6, 7, 3, -14, true},
		{"neg b", 6, -7, 3, -14, true},
		{"neg c", 6, 7, -3, -14, true},
		{"neg a and b", -6, -7, 3, 14, true},
		{"neg a and c", -6, 7, -3, 14, true},
		{"all neg", -6, -7, -3, -14, true},
		{"zero a", 0, 7, 3, 0, true},
		{"zero b", 7, 0, 3, 0, true},
		{"c zero", 6, 7, 0, 0, false},
		{"c zero with zero product", 0, 0, 0, 0, false},
		{"128-bit intermediate", max, max, max, max, true},
		{"128-bit intermediate negative", max, -max, max, -max, true},
		{"128-bit intermediate scaled", 1 << 62, 1 << 40, 1 << 50, 1 << 52, true},
		{"min int as a", min, 1, 1, 0, false}, // |min| does not fit in int64
		{"min int divided", min, 1, 2, min / 2, true},
		{"min int times minus one", min, -1, 1, 0, false},
		{"overflow", max, 2, 1, 0, false},
		{"overflow in high word", max, max, 1, 0, false},
		{"overflow negative", max, -3, 2, 0, false},
		{"just fits", max / 2, 2, 1, max - 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MulDiv(tt.a, tt.b, tt.c)
			if ok != tt.ok || (ok && got != tt.want) {
				t.Fatalf("MulDiv(%d, %d, %d) = %d, %v; want %d, %v", tt.a, tt.b, tt.c, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestAddMoney(t *testing.T) {
	tests := []struct {
		name string
		a, b Money
		want Money
	}{
		{name: "plain", a: 150, b: -50, want: 100},
		{name: "negatives", a: -150, b: -50, want: -200},
		{name: "max plus zero", a: MaxMoney, b: 0, want: MaxMoney},
		{name: "positive overflow saturates", a: MaxMoney, b: 1, want: MaxMoney},
		{name: "positive overflow far", a: MaxMoney / 2, b: MaxMoney, want: MaxMoney},
		{name: "max plus max", a: MaxMoney, b: MaxMoney, want: MaxMoney},
		{name: "negative overflow saturates", a: -MaxMoney, b: -2, want: -MaxMoney},
		{name: "min plus min", a: -MaxMoney, b: -MaxMoney, want: -MaxMoney},
		{name: "opposite signs never overflow", a: MaxMoney, b: -MaxMoney, want: 0},
		// The sum is math.MinInt64 without wrapping: outside ±MaxMoney.
		{name: "negative overflow by exactly one", a: -MaxMoney, b: -1, want: -MaxMoney},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AddMoney(tt.a, tt.b); got != tt.want {
				t.Fatalf("AddMoney(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
			if got := AddMoney(tt.b, tt.a); got != tt.want {
				t.Fatalf("AddMoney(%d, %d) = %d, want %d (not commutative)", tt.b, tt.a, got, tt.want)
			}
		})
	}
}

func TestMoneyFromDecimal(t *testing.T) {
	tests := []struct {
		in      string
		want    Money
		wantErr error
	}{
		{"0", 0, nil},
		{"1", MoneyScale, nil},
		{"-12.5", -1_250_000_000, nil},
		{"0.00000001", 1, nil},
		{"0.000000010", 1, nil},
		{"0.000000001", 0, ErrPrecision},
		{"92233720368.54775807", MaxMoney, nil},
		{"92233720368.54775808", 0, ErrOverflow},
		{"-92233720368.54775809", 0, ErrOverflow},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := MoneyFromDecimal(decimal.RequireFromString(tt.in))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && got != tt.want) {
				t.Fatalf("MoneyFromDecimal(%s) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestMoneyString(t *testing.T) {
	tests := []struct {
		m    Money
		want string
	}{
		{0, "0"},
		{1, "0.00000001"},
		{-1_250_000_000, "-12.5"},
		{MoneyScale, "1"},
		{MaxMoney, "92233720368.54775807"},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("Money(%d).String() = %q, want %q", int64(tt.m), got, tt.want)
		}
		back, err := MoneyFromDecimal(tt.m.Decimal())
		if err != nil || back != tt.m {
			t.Errorf("Money(%d) round trip = %d, %v", int64(tt.m), back, err)
		}
	}
}

func TestAbs(t *testing.T) {
	for _, v := range []int64{0, 1, -1, math.MaxInt64, -math.MaxInt64} {
		want := v
		if v < 0 {
			want = -v
		}
		if got := Qty(v).Abs(); int64(got) != want {
			t.Errorf("Qty(%d).Abs() = %d", v, got)
		}
		if got := Money(v).Abs(); int64(got) != want {
			t.Errorf("Money(%d).Abs() = %d", v, got)
		}
	}
}

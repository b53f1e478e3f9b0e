package domain

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
)

func mustInstrument(t testing.TB, tick, lot string) Instrument {
	t.Helper()
	in, err := NewInstrument(1, InstrumentSpec{
		Symbol: "T-" + tick + "-" + lot, Base: "B", Quote: "Q", Class: "test",
		TickSize: decimal.RequireFromString(tick), LotSize: decimal.RequireFromString(lot),
	})
	if err != nil {
		t.Fatalf("NewInstrument(tick %s, lot %s): %v", tick, lot, err)
	}
	return in
}

func TestNewInstrument(t *testing.T) {
	dec := decimal.RequireFromString
	tests := []struct {
		name      string
		symbol    string
		tick, lot decimal.Decimal
		wantPD    uint8
		wantQD    uint8
		wantTick  Price
		wantLot   Qty
		wantErr   error // nil: success; errAny: any error
	}{
		{name: "cents and bps", tick: dec("0.01"), lot: dec("0.0001"), wantPD: 2, wantQD: 4, wantTick: 1, wantLot: 1},
		{name: "whole units", tick: dec("1"), lot: dec("1"), wantPD: 0, wantQD: 0, wantTick: 1, wantLot: 1},
		{name: "half tick", tick: dec("0.5"), lot: dec("1"), wantPD: 1, wantQD: 0, wantTick: 5, wantLot: 1},
		{name: "trailing zero normalised", tick: dec("0.010"), lot: dec("0.0100"), wantPD: 2, wantQD: 2, wantTick: 1, wantLot: 1},
		{name: "tick of five cents", tick: dec("0.05"), lot: dec("100"), wantPD: 2, wantQD: 0, wantTick: 5, wantLot: 100},
		{name: "tick of 25", tick: dec("25"), lot: dec("0.001"), wantPD: 0, wantQD: 3, wantTick: 25, wantLot: 1},
		{name: "positive exponent", tick: decimal.New(1, 1), lot: decimal.New(5, 2), wantPD: 0, wantQD: 0, wantTick: 10, wantLot: 500},
		{name: "fine tick", tick: dec("0.00000001"), lot: dec("0.00000001"), wantPD: 8, wantQD: 8, wantTick: 1, wantLot: 1},
		{name: "eighteen places", tick: dec("0.000000000000000001"), lot: dec("0.00000001"), wantPD: 18, wantQD: 8, wantTick: 1, wantLot: 1},
		{name: "nineteen places", tick: dec("0.0000000000000000001"), lot: dec("1"), wantErr: ErrPrecision},
		{name: "product scale too fine", tick: dec("0.000000000000000001"), lot: dec("0.000000001"), wantErr: ErrPrecision},
		{name: "zero tick", tick: dec("0"), lot: dec("1"), wantErr: ErrNotPositive},
		{name: "negative lot", tick: dec("0.01"), lot: dec("-1"), wantErr: ErrNotPositive},
		{name: "empty symbol", symbol: "-", tick: dec("0.01"), lot: dec("1"), wantErr: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sym := "X-Y"
			if tt.symbol == "-" {
				sym = ""
			}
			in, err := NewInstrument(7, InstrumentSpec{Symbol: sym, Base: "X", Quote: "Y", Class: "c", TickSize: tt.tick, LotSize: tt.lot})
			switch {
			case tt.wantErr == errAny:
				if err == nil {
					t.Fatal("NewInstrument succeeded, want an error")
				}
				return
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("NewInstrument error = %v, want %v", err, tt.wantErr)
				}
				return
			case err != nil:
				t.Fatalf("NewInstrument: %v", err)
			}
			if in.ID != 7 || in.Symbol != "X-Y" || in.Base != "X" || in.Quote != "Y" || in.Class != "c" {
				t.Errorf("identity fields not copied: %+v", in)
			}
			if in.PriceDecimals != tt.wantPD || in.QtyDecimals != tt.wantQD || in.TickSize != tt.wantTick || in.LotSize != tt.wantLot {
				t.Errorf("scales = pd %d qd %d tick %d lot %d; want pd %d qd %d tick %d lot %d",
					in.PriceDecimals, in.QtyDecimals, in.TickSize, in.LotSize, tt.wantPD, tt.wantQD, tt.wantTick, tt.wantLot)
			}
			// The tick and lot must read back as the sizes they came from.
			if !in.PriceDecimal(in.TickSize).Equal(tt.tick) || !in.QtyDecimal(in.LotSize).Equal(tt.lot) {
				t.Errorf("tick/lot read back as %s/%s", in.PriceDecimal(in.TickSize), in.QtyDecimal(in.LotSize))
			}
			// One tick times one lot is worth tick*lot of quote currency,
			// truncated to MoneyDecimals.
			want, err := MoneyFromDecimal(tt.tick.Mul(tt.lot).Truncate(MoneyDecimals))
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := in.Notional(in.TickSize, in.LotSize); !ok || got != want {
				t.Errorf("Notional(tick, lot) = %d, %v; want %d", got, ok, want)
			}
		})
	}
}

// errAny stands for "some error" in tables.
var errAny = errors.New("any error")

func TestPriceFromDecimal(t *testing.T) {
	cents := mustInstrument(t, "0.01", "0.0001")
	nickels := mustInstrument(t, "0.05", "1")
	tests := []struct {
		name    string
		in      *Instrument
		d       string
		want    Price
		wantErr error
	}{
		{"on tick", &cents, "50000.01", 5_000_001, nil},
		{"trailing zeros", &cents, "50000.100", 5_000_010, nil},
		{"zero", &cents, "0", 0, nil},
		{"negative on tick", &nickels, "-1.05", -105, nil},
		{"too many decimals", &cents, "50000.015", 0, ErrPrecision},
		{"off tick", &nickels, "1.02", 0, ErrOffTick},
		{"negative off tick", &nickels, "-1.01", 0, ErrOffTick},
		{"largest", &cents, "92233720368547758.07", 9_223_372_036_854_775_807, nil},
		{"overflow", &cents, "92233720368547758.08", 0, ErrOverflow},
		{"huge", &cents, "1e40", 0, ErrOverflow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.PriceFromDecimal(decimal.RequireFromString(tt.d))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && got != tt.want) {
				t.Fatalf("PriceFromDecimal(%s) = %d, %v; want %d, %v", tt.d, got, err, tt.want, tt.wantErr)
			}
			if err == nil && !tt.in.PriceDecimal(got).Equal(decimal.RequireFromString(tt.d)) {
				t.Fatalf("PriceDecimal(%d) = %s, want %s", got, tt.in.PriceDecimal(got), tt.d)
			}
		})
	}
}

func TestQtyFromDecimal(t *testing.T) {
	bps := mustInstrument(t, "0.01", "0.0001")
	halves := mustInstrument(t, "1", "0.5")
	hundreds := mustInstrument(t, "0.01", "100")
	tests := []struct {
		name    string
		in      *Instrument
		d       string
		want    Qty
		wantErr error
	}{
		{"on lot", &bps, "0.5", 5_000, nil},
		{"one lot", &bps, "0.0001", 1, nil},
		{"negative", &bps, "-2", -20_000, nil},
		{"too many decimals", &bps, "0.00001", 0, ErrPrecision},
		{"half lots", &halves, "1.5", 15, nil},
		{"off half lot", &halves, "1.2", 0, ErrOffLot},
		{"finer than half lot", &halves, "1.25", 0, ErrPrecision},
		{"round lot", &hundreds, "300", 300, nil},
		{"odd lot", &hundreds, "150", 0, ErrOffLot},
		{"overflow", &bps, "922337203685477.5808", 0, ErrOverflow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.QtyFromDecimal(decimal.RequireFromString(tt.d))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && got != tt.want) {
				t.Fatalf("QtyFromDecimal(%s) = %d, %v; want %d, %v", tt.d, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestNotional(t *testing.T) {
	btc := mustInstrument(t, "0.01", "0.0001")         // 6 places: multiply by 100
	whole := mustInstrument(t, "1", "1")               // 0 places: multiply by 10^8
	fx := mustInstrument(t, "0.00001", "1")            // 5 places: multiply by 1000
	exact := mustInstrument(t, "0.0001", "0.0001")     // 8 places: exactly Money
	fine := mustInstrument(t, "0.000001", "0.00001")   // 11 places: divide by 1000
	finest := mustInstrument(t, "0.00000001", "1e-18") // 26 places: divide by 10^18
	tests := []struct {
		name string
		in   *Instrument
		p    Price
		q    Qty
		want Money
		ok   bool
	}{
		{"btc half at 50000", &btc, 5_000_000, 5_000, 25_000 * MoneyScale, true},
		{"btc negative qty", &btc, 5_000_000, -5_000, -25_000 * MoneyScale, true},
		{"btc one tick one lot", &btc, 1, 1, 100, true},
		{"zero qty", &btc, 5_000_000, 0, 0, true},
		{"zero price", &btc, 0, 5_000, 0, true},
		{"negative price", &btc, -150, 10_000, -150 * MoneyScale / 100, true},
		{"whole units", &whole, 7, 3, 21 * MoneyScale, true},
		{"fx", &fx, 108_765, 1_000_000, 1_087_650 * MoneyScale, true},
		{"exact scale", &exact, 12_345, 20_000, 246_900_000, true},
		{"division", &fine, 1_234_567, 300_000, 370_370_100, true},
		{"division truncates", &fine, 123, 45, 5, true},
		{"division truncates toward zero", &fine, 123, -45, -5, true},
		{"division below one unit", &fine, 1, 1, 0, true},
		{"division by 10^18", &finest, 100_000_000, 3_000_000_000_000_000_000, 300_000_000, true},
		{"overflow after multiply", &btc, 1_000_000_000_000, 1_000_000_000, 0, false},
		{"overflow in scale multiply", &whole, 1 << 31, 1 << 31, 0, false},
		{"overflow negative", &whole, 1 << 40, -(1 << 40), 0, false},
		{"overflow before division", &fine, 9_000_000_000_000_000_000, 9_000_000_000_000_000_000, 0, false},
		{"128-bit product, fits after division", &fine, 1 << 40, 1 << 30, (1 << 70) / 1000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.in.Notional(tt.p, tt.q)
			if ok != tt.ok || (ok && got != tt.want) {
				t.Fatalf("Notional(%d, %d) = %d, %v; want %d, %v", tt.p, tt.q, got, ok, tt.want, tt.ok)
			}
			if !ok {
				return
			}
			// Cross-check against decimal arithmetic: price*qty truncated.
			d := tt.in.PriceDecimal(tt.p).Mul(tt.in.QtyDecimal(tt.q)).Truncate(MoneyDecimals)
			if dm, err := MoneyFromDecimal(d); err != nil || dm != got {
				t.Fatalf("decimal check: %s = %d, %v; Notional gave %d", d, dm, err, got)
			}
		})
	}
}

func TestRoundAndFormat(t *testing.T) {
	in := mustInstrument(t, "0.05", "0.5")
	if got := in.RoundToTick(107); got != 105 {
		t.Errorf("RoundToTick(107) = %d", got)
	}
	if got := in.RoundToTick(-107); got != -105 {
		t.Errorf("RoundToTick(-107) = %d", got)
	}
	if got := in.RoundToLot(14); got != 10 {
		t.Errorf("RoundToLot(14) = %d", got)
	}
	if got := in.FormatPrice(105); got != "1.05" {
		t.Errorf("FormatPrice(105) = %q", got)
	}
	if got := in.FormatPrice(100); got != "1.00" {
		t.Errorf("FormatPrice(100) = %q", got)
	}
	if got := in.FormatQty(-15); got != "-1.5" {
		t.Errorf("FormatQty(-15) = %q", got)
	}
	whole := mustInstrument(t, "1", "1")
	if got := whole.FormatQty(42); got != "42" {
		t.Errorf("FormatQty(42) = %q", got)
	}
}

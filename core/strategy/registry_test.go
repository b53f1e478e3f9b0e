package strategy_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/strategy"
	"github.com/shopspring/decimal"
)

type nop struct{}

func (nop) OnBook(*strategy.Context, *domain.BookUpdate) {}

// newSpreader reads the parameters of a typical strategy.
func newSpreader(p *strategy.Params) (strategy.Strategy, error) {
	spread := p.Decimal("spread_bps", decimal.NewFromInt(10))
	p.Int("levels", 1)
	p.Duration("cooldown", time.Second)
	if !spread.IsPositive() {
		p.Invalid("spread_bps", "must be positive")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return nop{}, nil
}

func TestRegistry(t *testing.T) {
	r := strategy.NewRegistry()
	for _, k := range []string{"spreader", "alpha", "zeta"} {
		if err := r.Register(k, newSpreader); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.Kinds(); !slices.Equal(got, []string{"alpha", "spreader", "zeta"}) {
		t.Errorf("Kinds = %v, want sorted", got)
	}
	if err := r.Register("alpha", newSpreader); !errors.Is(err, strategy.ErrDuplicateKind) {
		t.Errorf("duplicate Register: %v, want ErrDuplicateKind", err)
	}
	if err := r.Register("", newSpreader); !errors.Is(err, strategy.ErrBadKind) {
		t.Errorf("empty kind: %v, want ErrBadKind", err)
	}
	if err := r.Register("nilf", nil); !errors.Is(err, strategy.ErrBadKind) {
		t.Errorf("nil factory: %v, want ErrBadKind", err)
	}
	if _, err := r.New("nope", nil); !errors.Is(err, strategy.ErrUnknownKind) || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown kind: %v, want ErrUnknownKind naming it", err)
	}
	if s, err := r.New("spreader", map[string]string{"spread_bps": "7.5", "cooldown": "2s"}); err != nil || s == nil {
		t.Fatalf("New: %v, %v", s, err)
	}
}

func TestRegistryParamErrors(t *testing.T) {
	r := strategy.NewRegistry()
	if err := r.Register("spreader", newSpreader); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		values map[string]string
		is     error
		want   []string // substrings of the message
	}{
		{"not a decimal", map[string]string{"spread_bps": "ten"}, strategy.ErrBadParam,
			[]string{`"spreader"`, "spread_bps", `"ten"`, "decimal"}},
		{"not an int", map[string]string{"levels": "1.5"}, strategy.ErrBadParam,
			[]string{`"spreader"`, "levels", "integer"}},
		{"not a duration", map[string]string{"cooldown": "5"}, strategy.ErrBadParam,
			[]string{"cooldown", "duration"}},
		{"invalid", map[string]string{"spread_bps": "-1"}, strategy.ErrBadParam,
			[]string{`"spreader"`, "spread_bps", "must be positive"}},
		{"typo", map[string]string{"sprad_bps": "5"}, strategy.ErrUnknownParam,
			[]string{`"spreader"`, "sprad_bps", "known: cooldown, levels, spread_bps"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.New("spreader", tc.values)
			if !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestParams(t *testing.T) {
	p := strategy.NewParams(map[string]string{
		"n": " 12 ", "d": "0.25", "dur": "1m30s", "b": "true", "side": "SELL", "s": "x",
		"bad1": "q", "bad2": "r",
	})
	if got := p.Int("n", 0); got != 12 {
		t.Errorf("Int = %d", got)
	}
	if got := p.Decimal("d", decimal.Zero); !got.Equal(decimal.RequireFromString("0.25")) {
		t.Errorf("Decimal = %s", got)
	}
	if got := p.Duration("dur", 0); got != 90*time.Second {
		t.Errorf("Duration = %s", got)
	}
	if got := p.Bool("b", false); !got {
		t.Error("Bool = false")
	}
	if got := p.Side("side", domain.Buy); got != domain.Sell {
		t.Errorf("Side = %s", got)
	}
	if got := p.String("s", ""); got != "x" {
		t.Errorf("String = %q", got)
	}
	if got := p.Int("absent", 42); got != 42 {
		t.Errorf("default Int = %d", got)
	}
	if got := p.Int("bad1", 3); got != 3 {
		t.Errorf("bad Int = %d, want the default", got)
	}
	p.Bool("bad2", false)
	if err := p.Err(); !errors.Is(err, strategy.ErrBadParam) || !strings.Contains(err.Error(), "bad1") {
		t.Errorf("Err = %v, want the first error, about bad1", err)
	}
}

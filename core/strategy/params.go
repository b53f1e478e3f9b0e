package strategy

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/shopspring/decimal"
)

// Params are a strategy instance's parameters as the config spells them,
// with typed getters for the factory. Each getter returns the default when
// the key is absent, and on a malformed value records the first error and
// returns the default, so a factory reads every parameter in a row and
// checks Err once:
//
//	spread := p.Decimal("spread_bps", decimal.NewFromInt(10))
//	size := p.Decimal("size", decimal.NewFromInt(1))
//	if !size.IsPositive() {
//		p.Invalid("size", "must be positive")
//	}
//	if err := p.Err(); err != nil {
//		return nil, err
//	}
//
// Params remembers which keys were read; Err reports a key the config set
// but the factory never read, which is nearly always a typo.
//
// A Params is used by one goroutine at a time, the one running the factory.
type Params struct {
	values map[string]string
	read   map[string]bool
	err    error
}

// NewParams returns Params over values, which it does not modify or keep
// beyond the Params' life. values may be nil.
func NewParams(values map[string]string) *Params {
	return &Params{values: values, read: make(map[string]bool)}
}

// lookup returns the trimmed value of key and whether it is set.
func (p *Params) lookup(key string) (string, bool) {
	p.read[key] = true
	v, ok := p.values[key]
	return strings.TrimSpace(v), ok
}

func (p *Params) fail(key, val, want string) {
	if p.err == nil {
		p.err = fmt.Errorf("param %s=%q: want %s: %w", key, val, want, ErrBadParam)
	}
}

// Has reports whether the config sets key. It counts as reading key.
func (p *Params) Has(key string) bool {
	_, ok := p.lookup(key)
	return ok
}

// String returns the value of key, or def when it is absent.
func (p *Params) String(key, def string) string {
	if v, ok := p.lookup(key); ok {
		return v
	}
	return def
}

// Int returns the value of key as a decimal integer, or def when it is
// absent or malformed.
func (p *Params) Int(key string, def int) int {
	v, ok := p.lookup(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.fail(key, v, "an integer")
		return def
	}
	return n
}

// Decimal returns the value of key as an exact decimal ("0.01", "2.5"), or
// def when it is absent or malformed.
func (p *Params) Decimal(key string, def decimal.Decimal) decimal.Decimal {
	v, ok := p.lookup(key)
	if !ok {
		return def
	}
	d, err := decimal.NewFromString(v)
	if err != nil {
		p.fail(key, v, "a decimal number")
		return def
	}
	return d
}

// Duration returns the value of key as a Go duration ("250ms", "1m30s"),
// or def when it is absent or malformed.
func (p *Params) Duration(key string, def time.Duration) time.Duration {
	v, ok := p.lookup(key)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		p.fail(key, v, "a duration such as 500ms or 2m")
		return def
	}
	return d
}

// Bool returns the value of key as a boolean ("true", "false", "1", "0"),
// or def when it is absent or malformed.
func (p *Params) Bool(key string, def bool) bool {
	v, ok := p.lookup(key)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(key, v, "true or false")
		return def
	}
	return b
}

// Side returns the value of key as an order side ("buy" or "sell"), or def
// when it is absent or malformed.
func (p *Params) Side(key string, def domain.Side) domain.Side {
	v, ok := p.lookup(key)
	if !ok {
		return def
	}
	s, err := domain.ParseSide(strings.ToLower(v))
	if err != nil {
		p.fail(key, v, "buy or sell")
		return def
	}
	return s
}

// Invalid records that the value of key is unacceptable for the reason
// given ("must be positive", "must be less than slow"), unless an error is
// already recorded. Factories call it for checks beyond parsing.
func (p *Params) Invalid(key, reason string) {
	if p.err == nil {
		v := p.values[key]
		p.err = fmt.Errorf("param %s=%q: %s: %w", key, v, reason, ErrBadParam)
	}
}

// Err returns the first error recorded by a getter or Invalid, wrapping
// ErrBadParam; otherwise, if the config set a key that no getter read, an
// error wrapping ErrUnknownParam that lists the keys the strategy knows;
// otherwise nil. Call it after reading every parameter.
func (p *Params) Err() error {
	if p.err != nil {
		return p.err
	}
	var unknown []string
	for k := range p.values {
		if !p.read[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	known := make([]string, 0, len(p.read))
	for k := range p.read {
		known = append(known, k)
	}
	sort.Strings(known)
	return fmt.Errorf("param %s (known: %s): %w",
		strings.Join(unknown, ", "), strings.Join(known, ", "), ErrUnknownParam)
}

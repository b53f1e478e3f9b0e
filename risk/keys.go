package risk

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Key names a limit, spelled as in config and desk ctl.
type Key uint8

// Limit keys. Per-instrument keys (quantities, order notional, collar) may
// be overridden per asset class and per instrument; the others apply to a
// node as a whole.
const (
	MaxOrderQty       Key = iota + 1 // base units of one order, per instrument
	MaxOrderNotional                 // price*quantity of one order, in quote money
	PriceCollarBps                   // how far a limit price may be from the fresh reference
	MaxPosition                      // |position + working orders on the order's side + the order|, base units, per instrument
	MaxGrossExposure                 // sum over instruments of |position*mark| after the order, money
	MaxNetExposure                   // |sum over instruments of position*mark| after the order, money
	MaxOpenOrders                    // working orders under the node
	MaxOrdersPerSec                  // new orders a second (token bucket, burst = rate)
	MaxMessagesPerSec                // new orders, cancels and replaces a second
	DuplicateWindowMs                // refuse an order identical to one sent this recently
	MaxDailyLoss                     // breaker: loss since the UTC day began, money
	MaxDrawdown                      // breaker: drop from the day's P&L high-water mark, money
	MaxRejectsPerMin                 // breaker: venue rejects in a sliding minute
	MaxDenialsPerMin                 // breaker: rate-limit denials in a sliding minute (an order-rate storm)
	numKeys
)

var keyNames = [numKeys]string{
	"", "max_order_qty", "max_order_notional", "price_collar_bps", "max_position",
	"max_gross_exposure", "max_net_exposure", "max_open_orders", "max_orders_per_sec",
	"max_messages_per_sec", "duplicate_window_ms", "max_daily_loss", "max_drawdown",
	"max_rejects_per_min", "max_denials_per_min",
}

// String returns the key as config spells it.
func (k Key) String() string {
	if k > 0 && k < numKeys {
		return keyNames[k]
	}
	return fmt.Sprintf("key(%d)", uint8(k))
}

// Keys returns every key in order.
func Keys() []Key {
	out := make([]Key, 0, numKeys-1)
	for k := Key(1); k < numKeys; k++ {
		out = append(out, k)
	}
	return out
}

// ParseKey parses a key as config spells it. It fails with ErrUnknownKey,
// listing the valid keys.
func ParseKey(s string) (Key, error) {
	for k := Key(1); k < numKeys; k++ {
		if keyNames[k] == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("%q (want one of %s): %w", s, strings.Join(keyNames[1:], ", "), ErrUnknownKey)
}

// perInstrument reports whether k may differ per instrument and class.
func (k Key) perInstrument() bool {
	return k == MaxOrderQty || k == MaxOrderNotional || k == PriceCollarBps || k == MaxPosition
}

// whole reports whether k counts things, so its value must be an integer.
func (k Key) whole() bool {
	switch k {
	case MaxOpenOrders, MaxOrdersPerSec, MaxMessagesPerSec, DuplicateWindowMs, MaxRejectsPerMin, MaxDenialsPerMin:
		return true
	}
	return false
}

// maxValue bounds every limit so compiled values never overflow: a
// billion of anything is far beyond any sane limit.
var maxValue = decimal.NewFromInt(1_000_000_000_000)

// ParseValue parses a limit value for k. It fails with ErrBadValue when s is
// not a decimal, is negative, has a fraction for a counting key, has more
// than eight decimals, or is absurdly large. Zero means no limit.
func ParseValue(k Key, s string) (decimal.Decimal, error) {
	v, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%s = %q: not a number: %w", k, s, ErrBadValue)
	}
	if err := checkValue(k, v); err != nil {
		return decimal.Decimal{}, err
	}
	return v, nil
}

func checkValue(k Key, v decimal.Decimal) error {
	switch {
	case k == 0 || k >= numKeys:
		return fmt.Errorf("%s: %w", k, ErrUnknownKey)
	case v.IsNegative():
		return fmt.Errorf("%s = %s: must not be negative: %w", k, v, ErrBadValue)
	case k.whole() && !v.Equal(v.Truncate(0)):
		return fmt.Errorf("%s = %s: must be a whole number: %w", k, v, ErrBadValue)
	case !v.Equal(v.Truncate(8)):
		return fmt.Errorf("%s = %s: at most 8 decimal places: %w", k, v, ErrBadValue)
	case v.GreaterThan(maxValue):
		return fmt.Errorf("%s = %s: above %s: %w", k, v, maxValue, ErrBadValue)
	}
	return nil
}

// Limits holds a value per key. The zero value of a key means no limit at
// the node that holds it; the node's ancestors still apply theirs.
type Limits struct {
	v [numKeys]decimal.Decimal
}

// Get returns the value of k (zero when unset).
func (l *Limits) Get(k Key) decimal.Decimal {
	if k > 0 && k < numKeys {
		return l.v[k]
	}
	return decimal.Decimal{}
}

// Set sets k to v; zero removes the limit.
func (l *Limits) Set(k Key, v decimal.Decimal) {
	if k > 0 && k < numKeys {
		l.v[k] = v
	}
}

// Map returns the keys set to a non-zero value, as decimal strings.
func (l *Limits) Map() map[string]string {
	out := map[string]string{}
	for k := Key(1); k < numKeys; k++ {
		if !l.v[k].IsZero() {
			out[k.String()] = l.v[k].String()
		}
	}
	return out
}

func (l *Limits) validate() error {
	for k := Key(1); k < numKeys; k++ {
		if err := checkValue(k, l.v[k]); err != nil {
			return err
		}
	}
	return nil
}

// NodeLimits are a node's limits and its overrides per asset class and per
// instrument symbol. An override's non-zero key replaces the node's value
// for that class or instrument; an instrument override beats a class one.
// Only per-instrument keys (max_order_qty, max_order_notional,
// price_collar_bps, max_position) may be overridden.
type NodeLimits struct {
	Base       Limits
	Class      map[string]Limits
	Instrument map[string]Limits
}

func (n NodeLimits) clone() NodeLimits {
	c := NodeLimits{Base: n.Base}
	if n.Class != nil {
		c.Class = make(map[string]Limits, len(n.Class))
		for k, v := range n.Class {
			c.Class[k] = v
		}
	}
	if n.Instrument != nil {
		c.Instrument = make(map[string]Limits, len(n.Instrument))
		for k, v := range n.Instrument {
			c.Instrument[k] = v
		}
	}
	return c
}

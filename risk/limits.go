package risk

import (
	"fmt"

	"github.com/desk-trading/desk/core/domain"
	"github.com/shopspring/decimal"
)

// Limits are one node's limits as configured, in decimal units. A zero field
// means no limit at this node; to stop a node trading, halt it or make it
// reduce-only instead. Quantity limits are in units of each instrument's base
// asset and apply per instrument; money limits are in the quote currency.
type Limits struct {
	MaxOrderQty      decimal.Decimal // largest quantity of one order
	MaxOrderNotional decimal.Decimal // largest price*quantity of one order
	MaxPosition      decimal.Decimal // largest absolute net position after a fill
	PriceCollarBps   decimal.Decimal // farthest a limit price may be from the reference, in basis points
}

// instLimits are Limits compiled to one instrument's fixed-point scales.
type instLimits struct {
	maxOrderQty Qty
	maxNotional domain.Money
	maxPosition Qty
	// collar is in hundredths of a basis point, so 0.5 bps is representable.
	collar int64
}

// Qty is a local alias so the compiled limits read naturally.
type Qty = domain.Qty

func (l Limits) validate() error {
	for _, f := range []struct {
		name string
		v    decimal.Decimal
	}{
		{"max_order_qty", l.MaxOrderQty},
		{"max_order_notional", l.MaxOrderNotional},
		{"max_position", l.MaxPosition},
		{"price_collar_bps", l.PriceCollarBps},
	} {
		if f.v.IsNegative() {
			return fmt.Errorf("%s %s: must not be negative: %w", f.name, f.v, ErrBadLimit)
		}
	}
	return nil
}

// compile converts l to in's scales. Quantities are rounded down to the
// instrument's precision so a limit never allows more than configured.
func (l Limits) compile(in *domain.Instrument) (instLimits, error) {
	var c instLimits
	var err error
	if c.maxOrderQty, err = qtyLimit(in, l.MaxOrderQty); err != nil {
		return c, fmt.Errorf("max_order_qty: %w", err)
	}
	if c.maxPosition, err = qtyLimit(in, l.MaxPosition); err != nil {
		return c, fmt.Errorf("max_position: %w", err)
	}
	if c.maxNotional, err = domain.MoneyFromDecimal(l.MaxOrderNotional.Truncate(domain.MoneyDecimals)); err != nil {
		return c, fmt.Errorf("max_order_notional: %w: %w", ErrBadLimit, err)
	}
	collar := l.PriceCollarBps.Shift(2).Truncate(0)
	if !collar.BigInt().IsInt64() {
		return c, fmt.Errorf("price_collar_bps %s: %w", l.PriceCollarBps, ErrBadLimit)
	}
	c.collar = collar.IntPart()
	return c, nil
}

func qtyLimit(in *domain.Instrument, d decimal.Decimal) (domain.Qty, error) {
	v := d.Shift(int32(in.QtyDecimals)).Truncate(0)
	if !v.BigInt().IsInt64() {
		return 0, fmt.Errorf("%s: %s too large: %w", in.Symbol, d, ErrBadLimit)
	}
	return domain.Qty(v.IntPart()), nil
}

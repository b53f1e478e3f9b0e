package oms

import (
	"fmt"

	"github.com/desk-trading/desk/core/domain"
)

// validateNew checks an IntentNew before Create makes an order of it. Risk
// decides whether the order may go out; this only decides whether it is an
// order at all.
func (m *OMS) validateNew(in *domain.Intent, now int64) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: order %s: %s", ErrInvalidOrder, in.ID, fmt.Sprintf(format, args...))
	}
	if in.Kind != domain.IntentNew {
		return bad("intent kind %d is not a new order", in.Kind)
	}
	if in.ID == 0 {
		// Epoch 0, sequence 0: a forgotten field, not an allocated id.
		return bad("zero id")
	}
	inst := m.instrument(in.Instrument)
	if inst == nil {
		return bad("unknown instrument %d", in.Instrument)
	}
	if in.Side != domain.Buy && in.Side != domain.Sell {
		return bad("side %s", in.Side)
	}
	if in.Type < domain.Market || in.Type > domain.StopLimit {
		return bad("order type %s", in.Type)
	}
	if in.TIF < domain.GTC || in.TIF > domain.Day {
		return bad("time in force %s", in.TIF)
	}
	if err := checkQty(inst, in.Qty); err != nil {
		return fmt.Errorf("%w: order %s: %w", ErrInvalidOrder, in.ID, err)
	}

	limit := in.Type == domain.Limit || in.Type == domain.StopLimit
	stop := in.Type == domain.Stop || in.Type == domain.StopLimit
	switch {
	case limit && in.Price == 0:
		return bad("%s order without a price", in.Type)
	case !limit && in.Price != 0:
		return bad("%s order with a limit price", in.Type)
	case stop && in.StopPrice == 0:
		return bad("%s order without a stop price", in.Type)
	case !stop && in.StopPrice != 0:
		return bad("%s order with a stop price", in.Type)
	}
	if err := checkTick(inst, "price", in.Price); err != nil {
		return fmt.Errorf("%w: order %s: %w", ErrInvalidOrder, in.ID, err)
	}
	if err := checkTick(inst, "stop price", in.StopPrice); err != nil {
		return fmt.Errorf("%w: order %s: %w", ErrInvalidOrder, in.ID, err)
	}

	immediate := in.TIF == domain.IOC || in.TIF == domain.FOK
	// A market order must not rest: left as GTC on a thin book it would
	// sweep whatever liquidity appears later.
	if in.Type == domain.Market && !immediate {
		return bad("market order must be ioc or fok, not %s", in.TIF)
	}
	if in.PostOnly && (!limit || immediate) {
		// Post-only means "rest, never take": it needs a limit price and
		// a time in force that lets the order rest.
		return bad("post-only %s %s order", in.Type, in.TIF)
	}
	if in.TIF == domain.GTD {
		if in.ExpireAt <= now {
			return bad("gtd order without a future expiry (expire at %d, now %d)", in.ExpireAt, now)
		}
	} else if in.ExpireAt != 0 {
		return bad("expiry on a %s order", in.TIF)
	}
	return nil
}

// validateReplace checks a replace of o to price and qty.
func (m *OMS) validateReplace(o *domain.Order, price domain.Price, qty domain.Qty) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: replace of order %s: %s", ErrInvalidOrder, o.ID, fmt.Sprintf(format, args...))
	}
	inst := m.instrument(o.Instrument)
	if inst == nil {
		return bad("unknown instrument %d", o.Instrument)
	}
	if err := checkQty(inst, qty); err != nil {
		return fmt.Errorf("%w: replace of order %s: %w", ErrInvalidOrder, o.ID, err)
	}
	if qty <= o.Filled {
		// Equal would leave nothing to work: that is a cancel.
		return bad("quantity %s not above the filled %s", inst.FormatQty(qty), inst.FormatQty(o.Filled))
	}
	limit := o.Type == domain.Limit || o.Type == domain.StopLimit
	switch {
	case limit && price == 0:
		return bad("%s order without a price", o.Type)
	case !limit && price != 0:
		return bad("%s order with a limit price", o.Type)
	}
	if err := checkTick(inst, "price", price); err != nil {
		return fmt.Errorf("%w: replace of order %s: %w", ErrInvalidOrder, o.ID, err)
	}
	if price == o.Price && qty == o.Qty {
		// Venues reject a replace that changes nothing; better not to
		// spend a message and a rate-limit token on it.
		return bad("changes nothing")
	}
	return nil
}

func checkQty(inst *domain.Instrument, q domain.Qty) error {
	if q <= 0 {
		return fmt.Errorf("quantity %s: %w", inst.FormatQty(q), domain.ErrNotPositive)
	}
	if q%inst.LotSize != 0 {
		return fmt.Errorf("quantity %s: %w", inst.FormatQty(q), domain.ErrOffLot)
	}
	return nil
}

// checkTick accepts zero (no price) and any non-zero multiple of the tick,
// negative ones included: some instruments (spreads, some futures) trade
// below zero, and the risk collar judges whether a price is sensible.
func checkTick(inst *domain.Instrument, what string, p domain.Price) error {
	if p%inst.TickSize != 0 {
		return fmt.Errorf("%s %s: %w", what, inst.FormatPrice(p), domain.ErrOffTick)
	}
	return nil
}

package oms

import (
	"fmt"

	"github.com/desk-trading/desk/core/domain"
)

// validateNew checks an IntentNew before Create makes an order of it. Risk
// decides whether the order may go out; this only decides whether it is an
// order at all. The rules of an order are domain.ValidateOrder's; the OMS
// adds only those of the intent: a new order's kind and a non-zero id. The
// error wraps both ErrInvalidOrder and domain's *OrderError.
func (m *OMS) validateNew(in *domain.Intent, now int64) error {
	if in.Kind != domain.IntentNew {
		return fmt.Errorf("%w: order %s: intent kind %d is not a new order", ErrInvalidOrder, in.ID, in.Kind)
	}
	if in.ID == 0 {
		// Epoch 0, sequence 0: a forgotten field, not an allocated id.
		return fmt.Errorf("%w: order %s: zero id", ErrInvalidOrder, in.ID)
	}
	if err := domain.ValidateOrder(in, m.instrument(in.Instrument), now); err != nil {
		return fmt.Errorf("%w: order %s: %w", ErrInvalidOrder, in.ID, err)
	}
	return nil
}

// validateReplace checks a replace of o to price and qty: see
// domain.ValidateReplace.
func (m *OMS) validateReplace(o *domain.Order, price domain.Price, qty domain.Qty) error {
	if err := domain.ValidateReplace(o, price, qty, m.instrument(o.Instrument)); err != nil {
		return fmt.Errorf("%w: replace of order %s: %w", ErrInvalidOrder, o.ID, err)
	}
	return nil
}

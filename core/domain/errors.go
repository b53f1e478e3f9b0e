package domain

import "errors"

var (
	// ErrPrecision is returned when a decimal has more places than the
	// fixed-point scale it is converted to.
	ErrPrecision = errors.New("more decimal places than the instrument allows")
	// ErrOverflow is returned when a value does not fit in 64 bits.
	ErrOverflow = errors.New("value out of range")
	// ErrOffTick is returned when a price is not a multiple of the tick size.
	ErrOffTick = errors.New("price is not a multiple of the tick size")
	// ErrOffLot is returned when a quantity is not a multiple of the lot size.
	ErrOffLot = errors.New("quantity is not a multiple of the lot size")
	// ErrNotPositive is returned when a price or quantity must be above zero.
	ErrNotPositive = errors.New("value must be positive")
	// ErrUnknown is returned when a name does not spell any value of an
	// enumeration (side, order type, state, ...).
	ErrUnknown = errors.New("unknown name")
	// ErrInvalidOrder is wrapped by every error of ValidateOrder and
	// ValidateReplace: the order is not an order at all on its instrument.
	ErrInvalidOrder = errors.New("invalid order")
	// ErrNotAtVenue is returned by a venue's order query when the venue
	// answered that it does not hold the order and never will: it was
	// never accepted, and the window in which it could still arrive has
	// passed. Only then may desk end the order without the venue's report.
	ErrNotAtVenue = errors.New("order not at venue")
)

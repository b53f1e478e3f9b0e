package oms

import "errors"

// Errors of Create and of the engine-driven transitions.
var (
	// ErrDuplicateID is returned by Create when the id belongs to an order
	// the OMS holds, live or kept after it ended.
	ErrDuplicateID = errors.New("oms: duplicate order id")
	// ErrInvalidOrder is returned when an intent or a replace request
	// cannot make a valid order: bad side, type or time in force, a
	// quantity that is not positive or off lot, a price that is missing,
	// superfluous or off tick, an unknown instrument, a GTD order without a
	// future expiry. It is wrapped with the detail, and with the domain
	// error (domain.ErrOffTick, ErrOffLot, ErrNotPositive) where one fits.
	ErrInvalidOrder = errors.New("oms: invalid order")
)

// Errors of Apply, the transitions and RestoreFill. When one of these is
// returned, nothing changed: not the order, not a position, not the set of
// fills seen.
var (
	// ErrUnknownOrder is returned when a report or request names an order
	// the OMS does not hold (never created, or evicted after it ended),
	// when a transition is given an *Order that is not the OMS's own, and
	// when a report comes from a venue other than the one the order was
	// sent to.
	ErrUnknownOrder = errors.New("oms: unknown order")
	// ErrDuplicateFill is returned when a fill's (venue, order, trade id)
	// was applied before: venues resend fills after a reconnect.
	ErrDuplicateFill = errors.New("oms: duplicate fill")
	// ErrOverfill is returned when a fill would take an order's filled
	// quantity beyond its quantity.
	ErrOverfill = errors.New("oms: fill exceeds order quantity")
	// ErrTransition is returned when a report or request is not allowed in
	// the order's current state (see the table in state.go), for example an
	// ack for a filled order. It is wrapped with the state and the event.
	ErrTransition = errors.New("oms: transition not allowed")
	// ErrInvalidReport is returned when a report or a journaled fill is
	// malformed: an unknown kind, a fill without a positive quantity, a
	// valid side or a trade id, a replace to a quantity below what is
	// filled, or a fill for an instrument that is not configured.
	ErrInvalidReport = errors.New("oms: invalid report")
)

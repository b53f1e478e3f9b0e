package oms

import "github.com/desk-trading/desk/core/domain"

// event is anything that may move an order from one state to another: one
// of the engine's requests or one kind of venue report.
type event uint8

const (
	// Requests of the engine.
	evSent           event = iota + 1 // Sent: handed to a venue
	evDenied                          // Reject: refused before reaching a venue
	evCancelRequest                   // CancelRequested
	evReplaceRequest                  // ReplaceRequested

	// Venue reports, one per domain.ExecKind.
	evAck           // domain.ExecAck
	evVenueReject   // domain.ExecReject
	evFill          // domain.ExecFill
	evCanceled      // domain.ExecCanceled
	evReplaced      // domain.ExecReplaced
	evExpired       // domain.ExecExpired
	evCancelReject  // domain.ExecCancelReject
	evReplaceReject // domain.ExecReplaceReject

	numEvents
)

var eventNames = [numEvents]string{
	"", "sent", "denied", "cancel-request", "replace-request",
	"ack", "reject", "fill", "canceled", "replaced", "expired", "cancel-reject", "replace-reject",
}

func (e event) String() string {
	if e > 0 && e < numEvents {
		return eventNames[e]
	}
	return "invalid"
}

// reportEvent maps a venue report's kind to its event; 0 for a kind the OMS
// does not know.
func reportEvent(k domain.ExecKind) event {
	switch k {
	case domain.ExecAck:
		return evAck
	case domain.ExecReject:
		return evVenueReject
	case domain.ExecFill:
		return evFill
	case domain.ExecCanceled:
		return evCanceled
	case domain.ExecReplaced:
		return evReplaced
	case domain.ExecExpired:
		return evExpired
	case domain.ExecCancelReject:
		return evCancelReject
	case domain.ExecReplaceReject:
		return evReplaceReject
	}
	return 0
}

// target is where an event takes an order: a domain.OrderState, or one of
// the rules below that pick a state from how much of the order is filled.
// The zero target means the event is refused in that state.
type target uint8

const (
	// tResting: open if nothing is filled, partially-filled if some is,
	// filled if all is.
	tResting target = 100 + iota
	// tHoldUnlessDone: stay in the pending state, unless the fill completed
	// the order. A fill does not answer the pending cancel or replace: the
	// venue's answer still has to come.
	tHoldUnlessDone
	// tStay: the state does not change. Used for acks that race with fills
	// or a cancel, and for late fills of canceled or expired orders, which
	// are applied (money moved) while the order stays terminal.
	tStay
	// tPrior: the state the order had before the cancel was requested
	// (pending-new or open), or partially-filled if fills came meanwhile.
	// A refused cancel must not pretend the venue acknowledged the order.
	tPrior
)

func to(s domain.OrderState) target { return target(s) }

// numStates bounds domain.OrderState values, for the table's first index.
const numStates = int(domain.StateExpired) + 1

// transitions is the order state machine: transitions[state][event] is
// where the event takes an order in that state, zero when the event is
// refused there. Terminal states have no row except the late fill. This is
// the only place that says which transitions exist; the tests iterate it.
var transitions = [numStates][numEvents]target{
	domain.StateNew: {
		evSent:   to(domain.StatePendingNew),
		evDenied: to(domain.StateRejected),
	},
	domain.StatePendingNew: {
		evAck:           tResting,
		evVenueReject:   to(domain.StateRejected),
		evFill:          tResting, // fills may come before the ack
		evCanceled:      to(domain.StateCanceled),
		evExpired:       to(domain.StateExpired), // an IOC that found nothing
		evCancelRequest: to(domain.StatePendingCancel),
	},
	domain.StateOpen: {
		evAck:            tStay, // a repeated ack
		evFill:           tResting,
		evCanceled:       to(domain.StateCanceled), // unsolicited, e.g. venue session end
		evExpired:        to(domain.StateExpired),
		evCancelRequest:  to(domain.StatePendingCancel),
		evReplaceRequest: to(domain.StatePendingReplace),
	},
	domain.StatePartiallyFilled: {
		evAck:            tStay, // the ack arriving after the first fill
		evFill:           tResting,
		evCanceled:       to(domain.StateCanceled),
		evExpired:        to(domain.StateExpired),
		evCancelRequest:  to(domain.StatePendingCancel),
		evReplaceRequest: to(domain.StatePendingReplace),
	},
	domain.StatePendingCancel: {
		evAck:          tStay,                    // the cancel overtook the ack
		evVenueReject:  to(domain.StateRejected), // the cancel overtook the venue's reject
		evFill:         tHoldUnlessDone,
		evCanceled:     to(domain.StateCanceled),
		evExpired:      to(domain.StateExpired),
		evCancelReject: tPrior,
	},
	domain.StatePendingReplace: {
		evFill:          tHoldUnlessDone,
		evReplaced:      tResting,
		evReplaceReject: tResting,
		evCanceled:      to(domain.StateCanceled),
		evExpired:       to(domain.StateExpired),
	},
	domain.StateFilled: {},
	domain.StateCanceled: {
		evFill: tStay, // late fill
	},
	domain.StateRejected: {},
	domain.StateExpired: {
		evFill: tStay, // late fill
	},
}

// lookup returns the table's target for ev in state s, zero when refused or
// when s is not a valid state.
func lookup(s domain.OrderState, ev event) target {
	if int(s) >= numStates || ev >= numEvents {
		return 0
	}
	return transitions[s][ev]
}

// resolve turns t into a state for an order now in cur, whose state before
// a pending cancel was prior, with filled of qty filled once the event is
// applied.
func (t target) resolve(cur, prior domain.OrderState, filled, qty domain.Qty) domain.OrderState {
	switch t {
	case tResting:
		return resting(filled, qty)
	case tHoldUnlessDone:
		if filled >= qty {
			return domain.StateFilled
		}
		return cur
	case tStay:
		return cur
	case tPrior:
		if filled > 0 || prior != domain.StatePendingNew {
			return resting(filled, qty)
		}
		return domain.StatePendingNew
	}
	return domain.OrderState(t)
}

func resting(filled, qty domain.Qty) domain.OrderState {
	switch {
	case filled >= qty:
		return domain.StateFilled
	case filled > 0:
		return domain.StatePartiallyFilled
	}
	return domain.StateOpen
}

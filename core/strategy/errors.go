package strategy

import "errors"

// Registry errors.
var (
	// ErrDuplicateKind is returned by Registry.Register when the kind is
	// already registered.
	ErrDuplicateKind = errors.New("strategy kind already registered")
	// ErrUnknownKind is returned by Registry.New when no factory is
	// registered for the kind.
	ErrUnknownKind = errors.New("unknown strategy kind")
	// ErrBadKind is returned by Registry.Register for an empty kind or a nil
	// factory.
	ErrBadKind = errors.New("empty strategy kind or nil factory")
)

// Parameter errors, returned by Params.Err and, wrapped with the strategy
// kind, by Registry.New.
var (
	// ErrBadParam is returned when a parameter does not parse as the type
	// its getter asks for, or a factory declared its value invalid.
	ErrBadParam = errors.New("bad strategy parameter")
	// ErrUnknownParam is returned when the config sets a parameter the
	// strategy never read: usually a typo.
	ErrUnknownParam = errors.New("unknown strategy parameter")
)

// Host errors.
var (
	// ErrBadOptions is returned by NewHost when a required option is missing
	// or the instruments are inconsistent.
	ErrBadOptions = errors.New("bad strategy host options")
	// ErrAlreadyRun is returned by Host.Run when it is called a second time.
	ErrAlreadyRun = errors.New("strategy host already run")
	// ErrPanicked is returned by Host.Run, and passed to OnFailure, when a
	// strategy callback panicked.
	ErrPanicked = errors.New("strategy panicked")
	// ErrBacklog is returned by Host.Run, and passed to OnFailure, when
	// order, fill and state events queued faster than the strategy took them
	// and the backlog reached HostOptions.MaxBacklog.
	ErrBacklog = errors.New("strategy event backlog overflowed")
	// ErrBound is returned by Host.Run, and passed to OnFailure, for a host
	// still bound to a Ledger (Host.Bind) or holding its owner's books
	// (Host.DeliverBookNow): its goroutine would read the engine's state
	// concurrently with the engine. Call Host.Unbind first.
	ErrBound = errors.New("strategy host still reads the engine's state in place")
)

// Context errors, returned by the order methods of Context.
var (
	// ErrUnknownInstrument is returned when an order names an instrument the
	// strategy does not trade.
	ErrUnknownInstrument = errors.New("instrument not traded by this strategy")
	// ErrUnknownOrder is returned by Cancel and Replace when the id is not
	// one of the strategy's working orders.
	ErrUnknownOrder = errors.New("no such working order")
	// ErrBadOrder is returned when an order spec is inconsistent: zero or
	// off-lot quantity, off-tick price, a price on a market order, post-only
	// on an immediate order, and so on. The wrapping error says which.
	ErrBadOrder = errors.New("bad order")
)

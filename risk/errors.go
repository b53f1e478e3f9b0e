package risk

import "errors"

var (
	// ErrUnknownNode is returned when a name names no firm, book or
	// strategy of the tree.
	ErrUnknownNode = errors.New("no such risk node")
	// ErrDuplicateNode is returned when a book or strategy name, or a
	// strategy id, is used twice.
	ErrDuplicateNode = errors.New("duplicate risk node")
	// ErrUnknownKey is returned when a limit key is not one of Keys.
	ErrUnknownKey = errors.New("unknown limit key")
	// ErrBadValue is returned when a limit value is not a valid amount for
	// its key.
	ErrBadValue = errors.New("bad limit value")
	// ErrAboveCap is returned when a limit exceeds the hard cap configured
	// for its key.
	ErrAboveCap = errors.New("limit above the hard cap")
	// ErrBadScope is returned when a limit's scope is malformed, names an
	// unknown class or instrument, or is given for a key that applies to a
	// whole node.
	ErrBadScope = errors.New("bad limit scope")
	// ErrUnknownBreaker is returned when a breaker name is not known.
	ErrUnknownBreaker = errors.New("unknown breaker")
	// ErrNotTripped is returned by Reset when the node has no such tripped
	// breaker.
	ErrNotTripped = errors.New("breaker not tripped")
)

package risk

import "errors"

var (
	// ErrUnknownNode is returned when a node name names no firm, book or
	// strategy of the tree.
	ErrUnknownNode = errors.New("no such risk node")
	// ErrDuplicateNode is returned when a book or strategy name is used twice.
	ErrDuplicateNode = errors.New("duplicate risk node")
	// ErrBadLimit is returned when a configured limit is negative or cannot
	// be represented at an instrument's scale.
	ErrBadLimit = errors.New("bad limit")
)

package engine

import "errors"

var (
	// ErrStopped is returned when the engine is not running (stopped or not
	// yet started) and cannot take a command or an intent.
	ErrStopped = errors.New("engine stopped")
	// ErrUnknownNode is returned when a command names no firm, book or
	// strategy.
	ErrUnknownNode = errors.New("no such node")
	// ErrBadCommand is returned when a command's arguments are invalid.
	ErrBadCommand = errors.New("bad command")
)

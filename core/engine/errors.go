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
	// ErrNotDurable is returned, with the command's result, when the engine
	// applied a command but the journal could not make its record durable
	// (the journal is down, or the wait was cut short): the change is in
	// force now, and a restart before the journal recovers would undo it.
	ErrNotDurable = errors.New("applied, but not durable")
	// ErrJournalDown is returned when a breaker reset is asked while the
	// journal cannot write: trading must stay halted until it can.
	ErrJournalDown = errors.New("the journal is down")
	// ErrUnknownOrder is returned when a cancel names an order the engine
	// does not hold: never sent, or finished and since forgotten.
	ErrUnknownOrder = errors.New("no such order")
	// ErrOrderDone is returned when a cancel names an order that already
	// finished (filled, canceled, rejected, expired).
	ErrOrderDone = errors.New("order already finished")
)

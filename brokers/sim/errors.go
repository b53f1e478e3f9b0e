package sim

import "errors"

var (
	// ErrQueueFull is returned by Submit, Cancel and Replace when the venue's
	// bounded inbound queue is full; nothing was queued. The engine rejects
	// the order, or keeps the cancel in flight and retries, rather than wait.
	ErrQueueFull = errors.New("sim venue: inbound queue full")
	// ErrNotRunning is returned by Submit, Cancel, Replace, OpenOrders and
	// Orders when Run is not running (not started yet, or its context was
	// canceled): the venue is down, as a disconnected exchange would be.
	ErrNotRunning = errors.New("sim venue: not running")
	// ErrRunning is returned by Run when another call to Run on the same
	// Venue is still running.
	ErrRunning = errors.New("sim venue: already running")
	// ErrInvalidOptions is returned by New when an Options field is out of
	// range; the wrapping error names the field.
	ErrInvalidOptions = errors.New("sim venue: invalid options")
)

package store

import "errors"

// Errors returned when opening a journal.
var (
	// ErrLocked is returned by Open when the state file's lock is held by
	// another process (or another Open in this one) for longer than
	// Options.Timeout: another desk daemon is running on the same state.
	ErrLocked = errors.New("another desk daemon holds the state")
	// ErrLayout is returned by Open when the file was written with a bucket
	// layout this version of desk does not understand.
	ErrLayout = errors.New("unsupported journal layout")
)

// Errors returned while the journal is in use.
var (
	// ErrClosed is returned when a method other than Close is called after
	// Close.
	ErrClosed = errors.New("journal closed")
	// ErrFailed is returned by Append, Flush and Close once a journal write
	// has failed. The error wraps the cause; nothing appended after the first
	// failure reaches the disk.
	ErrFailed = errors.New("journal write failed")
	// ErrInvalidEvent is returned by Append when the event's Kind is not one
	// the journal can encode.
	ErrInvalidEvent = errors.New("invalid event")
	// ErrInvalidName is returned by Intern when the kind or the name is empty.
	ErrInvalidName = errors.New("invalid name")
	// ErrCorrupt is returned when a stored record cannot be decoded: it is
	// truncated, carries an unknown format version or kind, or disagrees with
	// its key.
	ErrCorrupt = errors.New("corrupt journal record")
)

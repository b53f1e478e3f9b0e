package server

import "errors"

var (
	// ErrInvalidOptions is returned by New when a required option is missing.
	ErrInvalidOptions = errors.New("invalid server options")
	// ErrStarted is returned by Run when the Server already ran: a Server
	// serves once.
	ErrStarted = errors.New("server already started")
	// ErrInsecureDir is returned by Run when the socket's directory exists but
	// other users may enter it (any group or world permission bit) or it is
	// owned by another user.
	ErrInsecureDir = errors.New("socket directory is open to other users")
	// ErrInUse is returned by Run when a daemon already answers on the socket
	// path. The existing socket is left alone.
	ErrInUse = errors.New("another daemon is listening")
	// ErrNotSocket is returned by Run when the socket path exists and is not a
	// socket; it is never removed.
	ErrNotSocket = errors.New("path exists and is not a socket")
)

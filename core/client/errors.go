package client

import "errors"

var (
	// ErrNoDaemon is returned by Dial when nothing accepts connections on
	// the socket path (no such file, or a stale socket).
	ErrNoDaemon = errors.New("no desk daemon")
	// ErrVersion is returned by Dial when the daemon speaks another protocol
	// version than this client.
	ErrVersion = errors.New("protocol version mismatch")
	// ErrLost is returned by Call and Subscribe, and by Err, when the
	// connection ended without Close: the daemon went away or the connection
	// broke. The error wraps the cause.
	ErrLost = errors.New("connection to desk daemon lost")
	// ErrClosed is returned by Call and Subscribe, and by Err, after Close.
	ErrClosed = errors.New("connection closed")
	// ErrReadOnly is returned by Dial when it asked for a ReadOnly
	// connection and the daemon did not confirm it in its Hello (a daemon
	// too old to know read-only connections).
	ErrReadOnly = errors.New("read-only connection not granted")
	// ErrNotSubscribed is returned by SubscribeOrders before Subscribe:
	// orders arrive on the subscription's channel.
	ErrNotSubscribed = errors.New("not subscribed")
	// ErrSubscribed is returned by Subscribe when the connection is already
	// subscribed.
	ErrSubscribed = errors.New("already subscribed")
)

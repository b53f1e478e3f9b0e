// Package protocol defines the messages the daemon and its clients (the TUI
// and desk ctl) exchange over the control socket.
//
// # Transport
//
// A websocket over the daemon's unix socket, one JSON object per text frame.
// On connect the server sends a Hello. The client then sends Requests, each
// with an id the response echoes. A Subscribe request makes the server send a
// full Status at once and then a conflated Status at most ten times a second,
// plus every Alert as it happens. Clients must ignore message types and
// fields they do not know; the server does the same for fields.
//
// # Compatibility
//
// Version is bumped on any change a client must know about. The JSON names of
// Status and Order are a contract that scripts use through desk ctl --json:
// fields may be added, never renamed or removed. Money, prices and quantities
// are decimal strings; states are spelled as in the design ("pending-new",
// "partially-filled", "reduce-only", ...).
package protocol

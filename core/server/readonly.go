package server

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/desk-trading/desk/core/protocol"
)

// ReadOnlyParam is the query parameter of the websocket URL by which a
// client asks for a read-only connection: "/?read_only=1". Its value is
// parsed as strconv.ParseBool does; any other value is refused before the
// upgrade.
const ReadOnlyParam = "read_only"

// readOnlyParam reports whether q asks for a read-only connection.
func readOnlyParam(q url.Values) (bool, error) {
	v := q.Get(ReadOnlyParam)
	if v == "" {
		return false, nil
	}
	ro, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("query parameter %s=%q: want 1 or 0", ReadOnlyParam, v)
	}
	return ro, nil
}

// refuseReadOnly returns the refusal of cmd on a read-only connection, or
// nil when cmd may run. Only what reads state may: status, subscribe,
// orders.subscribe and the Backend's queries. The server refuses the rest
// itself, so no Backend can forget to.
func (c *conn) refuseReadOnly(cmd string) *protocol.Error {
	if !c.readOnly {
		return nil
	}
	switch cmd {
	case protocol.CmdStatus, protocol.CmdSubscribe, protocol.CmdOrdersSubscribe:
		return nil
	}
	if c.s.opts.Backend.Query(cmd) {
		return nil
	}
	return &protocol.Error{Code: protocol.CodeRefused, Message: fmt.Sprintf(
		"read-only connection: %s changes state; attach without --read-only", cmd)}
}

// Package client is the client side of the daemon's control socket, used by
// the TUI and desk ctl. It speaks the protocol of package protocol over a
// websocket on the daemon's unix socket.
//
// # Basics
//
// Dial connects and reads the daemon's Hello. Call sends one command and
// waits for its response; a command the daemon refuses returns its
// *protocol.Error, so callers may switch on the error code:
//
//	var st protocol.Status
//	err := conn.Call(ctx, protocol.CmdStatus, nil, &st)
//
//	var perr *protocol.Error
//	err = conn.Call(ctx, protocol.CmdHalt, protocol.NodeArgs{Node: "firm", Why: "manual"}, nil)
//	if errors.As(err, &perr) && perr.Code == protocol.CodeRefused { ... }
//
// Subscribe returns a channel of Status and Alert envelopes for a live view;
// SubscribeOrders adds the daemon's conflated orders stream to it (Orders
// envelopes, kept with ApplyOrders). Dial with ReadOnly for a screen on a
// wall: the daemon refuses every command that changes state on it.
// Done and Err tell when and why the connection ended; a client that wants
// to stay attached dials again.
//
// # Caveats
//
// A Conn runs one reader goroutine, plus one for a subscription; Close stops
// both. Call may be used from many goroutines at once: each waits only for
// its own response (or its ctx), and only while another Call is sending a
// frame, which is quick. A Call whose ctx ends first returns at once, but the
// command may still run in the daemon: its late response is dropped.
//
// The subscription channel is unbuffered and fed by its own goroutine, so a
// slow reader never stalls Call: it loses intermediate Statuses (it always
// gets the latest) and, past 256 pending alerts, the oldest alerts, which a
// warning alert then counts. It never loses an orders update: pending ones
// are folded into one that applies as they would have in turn. When the daemon goes away the channel delivers
// what had arrived and is then closed, so read it until it is closed or call
// Close; after Close it is closed without further delivery.
package client

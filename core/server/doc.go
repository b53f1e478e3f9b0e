// Package server is the daemon side of the control socket: it serves the
// protocol of package protocol to the TUI and desk ctl over a websocket on a
// unix socket, and hands their commands to a Backend (the engine).
//
// # Basics
//
// New takes Options (socket path, Backend, logger); Run listens, serves
// until its ctx is done, then closes every connection and removes the
// socket. Alert broadcasts an alert to every subscribed client.
//
// The socket lives in a directory of mode 0700, created when missing and
// refused (ErrInsecureDir) when other users may enter it; the socket itself
// is 0600. A socket file nobody answers on is removed; one a daemon answers
// on makes Run fail with ErrInUse. Each accepted connection's peer uid is
// read with SO_PEERCRED, and a peer running as another user than the daemon
// is closed at once. The Peer (uid, pid, login name) goes with every command
// to the Backend, for the audit trail.
//
// Per connection the server sends a Hello, then answers requests in any
// order (each response carries its request's id). status and subscribe are
// answered by the server from Backend.Status; the other commands go to
// Backend.Do, up to 16 at once per client, each bounded by
// Options.CommandTimeout.
//
// Every client gets a fair share: a token bucket per connection
// (Options.RequestRate, RequestBurst) paces how fast its requests are read,
// so a flooding client waits for itself and nobody else. Queries
// (Backend.Query: commands that only read published state) run one at a
// time per client, in one bounded pool shared by all clients
// (Options.QueryWorkers); each is charged the size of the client's last
// reply to it out of a budget of all clients (Options.QueryRate) and out of
// the client's own share (Options.ReplyRate) before it takes a slot, so no
// slot waits for a budget and a calm client waits behind at most one query
// per other client. Halts and kills never wait for the pool. A status
// request is encoded once per snapshot, however many clients ask. At most
// Options.MaxClients are connected at once.
//
// After subscribe the client gets a Status at once,
// then the latest Status at most every Options.StatusInterval when it
// changed, and every Alert as it happens. After orders.subscribe too, on a
// Backend that is an OrderStreamer, it gets the orders stream: a Reset
// holding every working order and the most recent finished ones, then at
// most one update per interval with what changed since the last one it
// was sent. The stream is pulled from OrdersSince with a cursor by the
// connection's writer, so a slow client gets fewer, larger updates and
// never loses one.
//
// A client that connects with "/?read_only=1" (ReadOnlyParam) gets a
// read-only connection, said so in its Hello: the server refuses every
// command but status, subscribe, orders.subscribe and the Backend's
// queries with CodeRefused, whatever the Backend would do.
//
// # Caveats
//
// Goroutines: per connection one reader (the HTTP handler's), one writer and
// one per running command. The writer alone writes data frames, fed by a
// bounded response queue, a bounded alert queue and a ticker that pulls the
// latest Status: statuses are conflated, so a slow client gets fewer, and
// when its alert queue (256) is full the oldest alert is dropped and the
// client is told how many it missed. A frame the client does not take
// within Options.WriteTimeout drops the client. Nothing a client does blocks
// the Backend, Alert or another client.
//
// Alert never blocks and may be called from any goroutine, the engine's
// included. Backend.Status is called from writer goroutines and must be an
// atomic load; Backend.Do is called from command goroutines and must return
// soon after its ctx is done: Run waits for running commands before it
// returns. A client that leaves mid-command does not cancel the command; it
// completes and its response is dropped.
//
// Peer credentials are read with SO_PEERCRED, which is Linux only; on other
// systems every client is refused.
package server

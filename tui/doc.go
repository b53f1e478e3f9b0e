// Package tui is desk's terminal user interface: it attaches to a running
// daemon over the control socket and shows the firm header, the strategies
// table and the latest alerts, and halts or resumes strategies with one key.
//
// # Basics
//
// [Run] builds a Bubble Tea program around the root model (model.go) and
// blocks until the operator quits or ctx is canceled. The root model routes
// messages to one model per view: the firm header (header.go), the strategies
// table (strategies.go) and the alerts footer (alerts.go). keys.go holds the
// one key map and styles.go every Lip Gloss style.
//
// The daemon is reached through a [Session], obtained from the [Dialer] in
// [Options]. The TUI subscribes on connect; each Status push replaces the
// displayed state and each Alert is added to the footer. When the connection
// drops or cannot be made, the last known data stays on screen, dimmed, under
// a "disconnected — retrying" line, and the TUI redials with a backoff that
// doubles from Options.MinBackoff to Options.MaxBackoff, subscribing again on
// every new connection.
//
// Halt and resume are requests: the table changes when the next Status push
// shows the new state, never before. The answer to the request (the Ack, or
// the daemon's refusal) is shown in the status line.
//
// # Caveats
//
// Update only changes the model; it never does I/O. Dialing, subscribing,
// reading the subscription channel, calling the daemon and closing a session
// all happen inside tea.Cmds, which Bubble Tea runs on their own goroutines;
// a command only returns a message and never touches the model. The
// subscription is read by one command at a time that waits on the channel and
// is issued again after each message, so envelopes are handled in order.
//
// View does no I/O and no sorting: strategies are sorted and their cells
// formatted when a Status arrives.
//
// The TUI owns the terminal it draws on and never logs to it; its log goes to
// Options.Logger, which the caller points at a file.
package tui

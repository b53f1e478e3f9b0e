package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gorilla/websocket"

	"github.com/desk-trading/desk/core/protocol"
)

// readLoop reads requests until the connection ends and returns why. A bad
// frame gets an error response and the connection stays usable; a frame over
// readLimit ends it (the websocket library closes with 1009).
func (c *conn) readLoop() error {
	c.ws.SetReadLimit(readLimit)
	for {
		typ, data, err := c.ws.ReadMessage()
		if err != nil {
			return err
		}
		var env protocol.Envelope
		var perr *protocol.Error
		if typ != websocket.TextMessage {
			perr = &protocol.Error{Code: protocol.CodeBadRequest, Message: "binary frame: send one JSON object per text frame"}
		} else if err := json.Unmarshal(data, &env); err != nil {
			// A type error still fills the other fields; the id may be known.
			perr = &protocol.Error{Code: protocol.CodeBadRequest, Message: "invalid JSON: " + err.Error()}
		} else {
			perr = validate(&env)
		}
		// The fair share: a client past it is read no further until it is
		// back within it, which slows that client alone.
		if err := c.share.Wait(c.life); err != nil {
			return nil
		}
		ok := true
		if perr != nil {
			c.log.Debug("bad request", "id", env.ID, "code", perr.Code, "err", perr.Message)
			ok = c.reply(errorEnv(env.ID, perr))
		} else {
			ok = c.dispatch(env)
		}
		if !ok {
			return nil // the writer ended the connection
		}
	}
}

// validate checks the fields every request must have.
func validate(env *protocol.Envelope) *protocol.Error {
	bad := func(format string, a ...any) *protocol.Error {
		return &protocol.Error{Code: protocol.CodeBadRequest, Message: fmt.Sprintf(format, a...)}
	}
	switch {
	case env.V == 0:
		return bad("missing field v (the protocol version, %d)", protocol.Version)
	case env.V != protocol.Version:
		return &protocol.Error{Code: protocol.CodeVersion, Message: fmt.Sprintf(
			"protocol version %d is not supported: this daemon speaks version %d", env.V, protocol.Version)}
	case env.Type == "":
		return bad("missing field type")
	case env.Type != protocol.TypeRequest:
		return bad("type %q: a client sends only %q messages", env.Type, protocol.TypeRequest)
	case env.ID == 0:
		return bad("missing field id (a request id above 0, echoed by the response)")
	case env.Cmd == "":
		return bad("missing field cmd")
	}
	return nil
}

// dispatch refuses what a read-only connection may not run, answers
// status, subscribe and orders.subscribe at once and starts a goroutine for
// a Backend command, waiting while maxInFlight commands of this client run.
// It returns false when the connection has ended.
func (c *conn) dispatch(env protocol.Envelope) bool {
	if perr := c.refuseReadOnly(env.Cmd); perr != nil {
		c.log.Info("command refused", "cmd", env.Cmd, "id", env.ID, "code", perr.Code, "err", perr.Message)
		return c.reply(errorEnv(env.ID, perr))
	}
	switch {
	case env.Cmd == protocol.CmdStatus:
		st := c.s.opts.Backend.Status()
		if st == nil {
			return c.reply(errorEnv(env.ID, &protocol.Error{Code: protocol.CodeRefused, Message: "the engine has not published a status yet; retry"}))
		}
		data, err := c.s.statusJSON(st)
		if err != nil {
			return c.reply(errorEnv(env.ID, &protocol.Error{Code: protocol.CodeInternal, Message: err.Error()}))
		}
		return c.reply(protocol.Envelope{V: protocol.Version, Type: protocol.TypeResponse, ID: env.ID, Result: data})
	case env.Cmd == protocol.CmdSubscribe:
		c.subscribeSent = true
		return c.send(outMsg{env: protocol.Envelope{V: protocol.Version, Type: protocol.TypeResponse, ID: env.ID}, subscribe: true})
	case env.Cmd == protocol.CmdOrdersSubscribe:
		return c.subscribeOrders(env)
	}
	// Every other command is the Backend's, which refuses the ones it does
	// not know: the list of commands lives in one place.
	select {
	case c.sem <- struct{}{}:
	case <-c.done:
		return false
	}
	c.s.wg.Add(1) // the reader is counted in wg, so the count is above zero
	go c.run(env)
	return true
}

// run runs one Backend command. It outlives the connection when the client
// leaves mid-command: the command completes and its response is dropped.
// It is bounded by CommandTimeout and by Run's ctx.
func (c *conn) run(env protocol.Envelope) {
	defer c.s.wg.Done()
	defer func() { <-c.sem }()
	ctx, cancel := context.WithTimeout(c.s.cmdCtx, c.s.opts.CommandTimeout)
	defer cancel()
	start := time.Now()
	query := c.s.opts.Backend.Query(env.Cmd)
	var cost int
	if query {
		var ok bool
		if cost, ok = c.enterQuery(ctx, env.Cmd); !ok {
			c.reply(errorEnv(env.ID, &protocol.Error{Code: protocol.CodeBusy, Message: "the daemon is busy answering other queries; retry"}))
			return
		}
	}
	res, err := c.s.opts.Backend.Do(ctx, c.peer, env.Cmd, env.Args)
	var out protocol.Envelope
	if err != nil {
		perr := c.s.commandError(ctx, err)
		c.log.Info("command refused", "cmd", env.Cmd, "id", env.ID, "code", perr.Code, "err", perr.Message, "took", time.Since(start))
		out = errorEnv(env.ID, perr)
	} else {
		out = resultEnv(env.ID, res)
		// Queries are many and change nothing: debug. Every command that
		// changes state is logged.
		level := slog.LevelInfo
		if query {
			level = slog.LevelDebug
		}
		c.log.Log(ctx, level, "command", "cmd", env.Cmd, "id", env.ID, "took", time.Since(start))
	}
	if query {
		c.leaveQuery(env.Cmd, cost, len(out.Result))
	}
	if !c.reply(out) {
		c.log.Debug("client left before the response", "cmd", env.Cmd, "id", env.ID)
	}
}

// enterQuery admits one query of cmd for this client and returns the cost
// it was charged, in KiB; false when ctx ended first. A client runs one
// query at a time. The cost, this client's last reply to cmd, is paid out
// of the budget of all clients and out of this client's share before the
// query takes a slot of the pool, so no slot is ever held by a query
// waiting for its budget and a calm client waits behind one query per
// flooding client at most.
func (c *conn) enterQuery(ctx context.Context, cmd string) (cost int, ok bool) {
	select {
	case c.querySlot <- struct{}{}:
	case <-ctx.Done():
		return 0, false
	}
	cost = c.queryCost(cmd)
	if c.s.queryBytes.WaitN(ctx, min(cost, c.s.queryBytes.Burst())) != nil ||
		c.replies.WaitN(ctx, min(cost, c.replies.Burst())) != nil {
		<-c.querySlot
		return 0, false
	}
	select {
	case c.s.queries <- struct{}{}:
		return cost, true
	case <-ctx.Done():
		<-c.querySlot
		return 0, false
	}
}

// leaveQuery frees the query's slots and charges what the reply cost
// beyond what was paid, to the client's next query.
func (c *conn) leaveQuery(cmd string, paid, replyBytes int) {
	<-c.s.queries
	kib := (replyBytes + 1023) >> 10
	if extra := kib - paid; extra > 0 {
		c.s.queryBytes.ReserveN(time.Now(), min(extra, c.s.queryBytes.Burst()))
		c.replies.ReserveN(time.Now(), min(extra, c.replies.Burst()))
	}
	c.setQueryCost(cmd, kib)
	<-c.querySlot
}

// commandError turns an error from Backend.Do into what the client sees.
func (s *Server) commandError(ctx context.Context, err error) *protocol.Error {
	var perr *protocol.Error
	switch {
	case errors.As(err, &perr) && perr != nil:
		return perr
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &protocol.Error{Code: protocol.CodeTimeout, Message: fmt.Sprintf("the engine did not answer within %s", s.opts.CommandTimeout)}
	case ctx.Err() != nil:
		return &protocol.Error{Code: protocol.CodeInternal, Message: "the daemon is shutting down"}
	default:
		return &protocol.Error{Code: protocol.CodeInternal, Message: err.Error()}
	}
}

func errorEnv(id uint64, perr *protocol.Error) protocol.Envelope {
	return protocol.Envelope{V: protocol.Version, Type: protocol.TypeResponse, ID: id, Error: perr}
}

// resultEnv encodes res as a response; nil means no Result.
func resultEnv(id uint64, res any) protocol.Envelope {
	env := protocol.Envelope{V: protocol.Version, Type: protocol.TypeResponse, ID: id}
	if res == nil {
		return env
	}
	data, err := json.Marshal(res)
	if err != nil {
		env.Error = &protocol.Error{Code: protocol.CodeInternal, Message: "encode result: " + err.Error()}
		return env
	}
	env.Result = data
	return env
}

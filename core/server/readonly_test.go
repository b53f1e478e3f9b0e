package server

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/desk-trading/desk/core/protocol"
)

// queryBackend is a fakeBackend whose orders, audit and limits.get are
// queries it answers, like the daemon's; every other command it knows
// (halt, resume) it answers as fakeBackend does, and kill, limits.set and
// cancel it acknowledges.
type queryBackend struct{ *fakeBackend }

func (b queryBackend) Query(cmd string) bool {
	switch cmd {
	case protocol.CmdOrders, protocol.CmdAudit, protocol.CmdLimitsGet:
		return true
	}
	return false
}

func (b queryBackend) Do(ctx context.Context, peer Peer, cmd string, args json.RawMessage) (any, error) {
	switch cmd {
	case protocol.CmdOrders, protocol.CmdAudit, protocol.CmdLimitsGet, protocol.CmdKill, protocol.CmdLimitsSet, protocol.CmdCancel:
		return protocol.Ack{Node: cmd}, nil
	}
	return b.fakeBackend.Do(ctx, peer, cmd, args)
}

// dialURL connects a raw websocket client to url on the socket at path and
// reads its Hello.
func dialURL(t *testing.T, path, url string) (*websocket.Conn, protocol.Hello) {
	t.Helper()
	d := websocket.Dialer{
		NetDialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var nd net.Dialer
			return nd.DialContext(ctx, "unix", path)
		},
		HandshakeTimeout: waitFor,
	}
	ws, resp, err := d.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v (%+v)", url, err, resp)
	}
	t.Cleanup(func() { ws.Close() })
	env := read(t, ws)
	if env.Type != protocol.TypeHello || env.Hello == nil {
		t.Fatalf("first message = %+v, want hello", env)
	}
	return ws, *env.Hello
}

func TestReadOnlyConnectionRefusesActions(t *testing.T) {
	s, _ := start(t, testOptions(t, queryBackend{newFakeBackend()}))
	ro, hello := dialURL(t, s.opts.Path, "ws://desk/?read_only=1")
	if !hello.ReadOnly {
		t.Fatalf("hello = %+v, want read_only", hello)
	}
	id := uint64(0)
	for _, cmd := range []string{protocol.CmdHalt, protocol.CmdResume, protocol.CmdKill, protocol.CmdLimitsSet,
		protocol.CmdCancel, protocol.CmdCancelAll, protocol.CmdReduceOnly, protocol.CmdReset, "no-such-command"} {
		id++
		env := call(t, ro, id, cmd, protocol.NodeArgs{Node: "firm"})
		wantError(t, env, protocol.CodeRefused)
		want := "read-only connection: " + cmd + " changes state; attach without --read-only"
		if env.Error.Message != want {
			t.Errorf("%s refused with %q, want %q", cmd, env.Error.Message, want)
		}
	}
	for _, cmd := range []string{protocol.CmdStatus, protocol.CmdOrders, protocol.CmdAudit, protocol.CmdLimitsGet, protocol.CmdSubscribe} {
		id++
		if env := call(t, ro, id, cmd, nil); env.Error != nil {
			t.Errorf("%s on a read-only connection: %+v", cmd, env.Error)
		}
	}
	// The stream's own checks run: this backend serves no orders stream.
	id++
	wantError(t, call(t, ro, id, protocol.CmdOrdersSubscribe, nil), protocol.CodeUnknownCmd)
}

func TestNormalConnectionUnaffectedByReadOnly(t *testing.T) {
	s, _ := start(t, testOptions(t, queryBackend{newFakeBackend()}))
	dialURL(t, s.opts.Path, "ws://desk/?read_only=true") // a read-only neighbour
	for _, url := range []string{"ws://desk/", "ws://desk/?read_only=0"} {
		ws, hello := dialURL(t, s.opts.Path, url)
		if hello.ReadOnly {
			t.Fatalf("%s: hello = %+v, want not read-only", url, hello)
		}
		for i, cmd := range []string{protocol.CmdHalt, protocol.CmdKill, protocol.CmdLimitsSet, protocol.CmdCancel, protocol.CmdOrders} {
			if env := call(t, ws, uint64(i+1), cmd, protocol.NodeArgs{Node: "firm"}); env.Error != nil {
				t.Errorf("%s: %s on a normal connection: %+v", url, cmd, env.Error)
			}
		}
	}
}

func TestReadOnlyParamInvalid(t *testing.T) {
	s, _ := start(t, testOptions(t, newFakeBackend()))
	d := websocket.Dialer{
		NetDialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var nd net.Dialer
			return nd.DialContext(ctx, "unix", s.opts.Path)
		},
		HandshakeTimeout: waitFor,
	}
	ws, resp, err := d.Dial("ws://desk/?read_only=maybe", nil)
	if err == nil {
		ws.Close()
		t.Fatal("a read_only=maybe connection was upgraded")
	}
	if resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("response %+v, want 400", resp)
	}
	if n := s.numConns(); n != 0 {
		t.Fatalf("%d connections", n)
	}
}

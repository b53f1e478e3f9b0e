package ctl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/cmd/desk/internal/config"
	"github.com/desk-trading/desk/cmd/desk/internal/ctl"
	"github.com/desk-trading/desk/cmd/desk/internal/daemon"
	"github.com/desk-trading/desk/cmd/desk/internal/daemontest"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/shopspring/decimal"
)

// startDaemon runs a daemon on the default config in a temp dir and
// returns its socket.
func startDaemon(t *testing.T) string {
	t.Helper()
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	return daemontest.Start(t, daemon.Options{Config: cfg}).Paths.Socket
}

// run runs one desk ctl command line and returns its exit code and output.
func run(t *testing.T, socket string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code := ctl.Run(ctx, args, ctl.Options{Socket: socket, Stdout: &out, Stderr: &errOut})
	return code, out.String(), errOut.String()
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, s)
	}
	return m
}

func requireFields(t *testing.T, what string, m map[string]any, fields ...string) {
	t.Helper()
	for _, f := range fields {
		if _, ok := m[f]; !ok {
			t.Fatalf("%s lacks %q: %v", what, f, m)
		}
	}
}

func requireDecimal(t *testing.T, what string, v any) {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%s = %v (%T), want a decimal string", what, v, v)
	}
	if _, err := decimal.NewFromString(s); err != nil {
		t.Fatalf("%s = %q: %v", what, s, err)
	}
}

func TestCtl(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a daemon")
	}
	socket := startDaemon(t)

	// status --json: the contract scripts use.
	var st map[string]any
	desktest.Eventually(t, 30*time.Second, "orders sent", func() bool {
		code, out, errOut := run(t, socket, "status", "--json")
		if code != ctl.ExitOK {
			t.Fatalf("status: exit %d: %s", code, errOut)
		}
		st = decode(t, out)
		return st["firm"].(map[string]any)["orders_sent"].(float64) > 0
	})
	requireFields(t, "status", st, "strategies", "firm", "venues")
	firm := st["firm"].(map[string]any)
	requireFields(t, "firm", firm, "state", "realized_pnl", "unrealized_pnl", "open_orders", "orders_sent", "fills")
	requireDecimal(t, "firm.realized_pnl", firm["realized_pnl"])
	for _, s := range st["strategies"].([]any) {
		sm := s.(map[string]any)
		requireFields(t, "strategy", sm, "id", "book", "state", "positions", "realized_pnl", "unrealized_pnl", "open_orders", "orders_sent", "fills")
		requireDecimal(t, "strategy.unrealized_pnl", sm["unrealized_pnl"])
		if st := sm["state"]; st != "active" && st != "reduce-only" && st != "halted" {
			t.Fatalf("strategy state %v", st)
		}
	}
	for _, v := range st["venues"].([]any) {
		requireFields(t, "venue", v.(map[string]any), "name", "connected")
	}

	// orders --json.
	code, out, _ := run(t, socket, "orders", "--json")
	orders := decode(t, out)["orders"].([]any)
	if code != ctl.ExitOK || len(orders) == 0 {
		t.Fatalf("orders: exit %d, %d orders", code, len(orders))
	}
	states := "new pending-new open partially-filled pending-cancel pending-replace filled canceled rejected expired"
	for _, o := range orders {
		om := o.(map[string]any)
		requireFields(t, "order", om, "client_order_id", "strategy", "venue", "instrument", "side", "type", "price", "quantity", "filled_quantity", "state")
		requireDecimal(t, "order.quantity", om["quantity"])
		requireDecimal(t, "order.filled_quantity", om["filled_quantity"])
		if !strings.Contains(states, om["state"].(string)) {
			t.Fatalf("order state %v", om["state"])
		}
	}

	// halt and resume, with flags after the command.
	code, out, _ = run(t, socket, "halt", "mr-eth", "--why", "ctl test", "--json")
	if ack := decode(t, out); code != ctl.ExitOK || ack["node"] != "mr-eth" || ack["state"] != "halted" {
		t.Fatalf("halt: exit %d %s", code, out)
	}
	if code, out, _ = run(t, socket, "resume", "mr-eth"); code != ctl.ExitOK || !strings.Contains(out, "mr-eth is active") {
		t.Fatalf("resume: exit %d %q", code, out)
	}

	// limits set and get.
	code, out, errOut := run(t, socket, "limits", "set", "mr-eth", "max_position=3", "max_open_orders=7", "--why", "ctl test")
	if code != ctl.ExitOK || !strings.Contains(out, "max_position") {
		t.Fatalf("limits set: exit %d %q %q", code, out, errOut)
	}
	code, out, _ = run(t, socket, "limits", "get", "mr-eth", "--json")
	nodes := decode(t, out)["nodes"].([]any)
	lim := nodes[0].(map[string]any)["limits"].(map[string]any)
	if code != ctl.ExitOK || lim["max_position"] != "3" || lim["max_open_orders"] != "7" {
		t.Fatalf("limits get: exit %d %v", code, lim)
	}
	if code, _, _ = run(t, socket, "limits", "set", "mr-eth", "--scope", "instrument:ETH-USD", "max_order_qty=0.5"); code != ctl.ExitOK {
		t.Fatalf("scoped limits set: exit %d", code)
	}

	// Refusals: exit 1, the reason on stderr, nothing on stdout.
	for _, args := range [][]string{
		{"halt", "no-such-node"},
		{"limits", "set", "mr-eth", "max_positon=1"},
		{"limits", "set", "mr-eth", "max_position=-1"},
		{"limits", "set", "mr-eth", "max_position=lots"},
		{"limits", "set", "mr-eth", "max_order_notional=2000000"}, // above the cap
		{"limits", "set", "mr-eth", "--scope", "instrument:NOPE", "max_position=1"},
		{"reset", "mr-eth"}, // nothing tripped
	} {
		code, out, errOut := run(t, socket, args...)
		if code != ctl.ExitRefused || out != "" || !strings.Contains(errOut, "refused") {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	// A bad key or value among several changes none of them.
	if code, _, errOut := run(t, socket, "limits", "set", "mr-eth", "max_position=1.5", "max_order_qty=bogus"); code != ctl.ExitRefused ||
		!strings.Contains(errOut, "nothing was changed") {
		t.Fatalf("limits set with a bad second value: exit %d, stderr %q", code, errOut)
	}
	_, out, _ = run(t, socket, "limits", "get", "mr-eth", "--json")
	lim = decode(t, out)["nodes"].([]any)[0].(map[string]any)["limits"].(map[string]any)
	if lim["max_position"] != "3" {
		t.Fatalf("max_position %v after a refused batch, want 3 as before", lim["max_position"])
	}
	// So does a second key the daemon refuses (above its hard cap), in a
	// real edit and in a dry run alike.
	for _, dry := range []string{"", "--dry-run"} {
		args := []string{"limits", "set", "mr-eth", "max_position=2", "max_order_notional=2000000"}
		if dry != "" {
			args = append(args, dry)
		}
		code, _, errOut := run(t, socket, args...)
		if code != ctl.ExitRefused || !strings.Contains(errOut, "max_order_notional=2000000 refused; nothing was changed") {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
		}
		_, out, _ = run(t, socket, "limits", "get", "mr-eth", "--json")
		lim = decode(t, out)["nodes"].([]any)[0].(map[string]any)["limits"].(map[string]any)
		if lim["max_position"] != "3" {
			t.Fatalf("%v: max_position %v, want 3 as before", args, lim["max_position"])
		}
	}
	if code, _, _ := run(t, socket, "bogus"); code != ctl.ExitUsage {
		t.Fatalf("unknown command: exit %d", code)
	}
	// A usage error is one whether or not a daemon answers.
	for _, args := range [][]string{{"bogus"}, {"halt"}, {"status", "extra"}, {"limits", "set", "mr-eth", "max_position"}} {
		if code, out, _ := run(t, "/nonexistent/desk.sock", args...); code != ctl.ExitUsage || out != "" {
			t.Fatalf("%v with no daemon: exit %d, want %d", args, code, ctl.ExitUsage)
		}
	}
	if code, _, errOut := run(t, "/nonexistent/desk.sock", "status"); code != ctl.ExitRefused || errOut == "" {
		t.Fatalf("no daemon: exit %d %q", code, errOut)
	}

	// The audit trail has what we did, with who and why (after what the
	// config set, journaled as who "config").
	code, out, _ = run(t, socket, "audit", "mr-eth", "--json")
	entries := decode(t, out)["entries"].([]any)
	var actions []string
	for _, e := range entries {
		em := e.(map[string]any)
		if a, who := em["action"], em["who"]; a != "deny" && a != "day-start" && who != "config" {
			why, _ := em["why"].(string) // omitted when empty
			actions = append(actions, em["action"].(string)+":"+why)
			if !strings.HasPrefix(em["who"].(string), "uid ") {
				t.Fatalf("audit who %v", em["who"])
			}
		}
	}
	if got := strings.Join(actions, " "); code != ctl.ExitOK || !strings.Contains(got, "halt:ctl test resume: limit:ctl test limit:ctl test limit:") {
		t.Fatalf("audit actions %q", got)
	}

	// kill: halted, and nothing left working.
	code, out, _ = run(t, socket, "kill", "--firm", "--json")
	if k := decode(t, out); code != ctl.ExitOK || k["state"] != "halted" {
		t.Fatalf("kill: exit %d %s", code, out)
	}
}

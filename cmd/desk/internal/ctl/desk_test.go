package ctl_test

import (
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/cmd/desk/internal/ctl"
	"github.com/desk-trading/desk/cmd/desk/internal/daemon"
	"github.com/desk-trading/desk/cmd/desk/internal/daemontest"
	"github.com/desk-trading/desk/core/desktest"
)

// TestCtlTradingDeskCommands drives reduce-only, cancel, cancel-all, a
// limit dry run, a resume that cannot take effect and the status text
// against a real daemon.
func TestCtlTradingDeskCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a daemon")
	}
	// The ladder rests its orders until they are canceled.
	opts := daemon.Options{Config: daemontest.LadderConfig(t, 5), Registry: daemontest.LadderRegistry(t, 5)}
	d := daemontest.Start(t, opts)
	socket := d.Paths.Socket

	var working string
	desktest.Eventually(t, 30*time.Second, "five resting orders", func() bool {
		_, out, _ := run(t, socket, "orders", "--json")
		n := 0
		for _, o := range decode(t, out)["orders"].([]any) {
			om := o.(map[string]any)
			if om["strategy"] == "ladder" && om["state"] == "open" {
				working = om["client_order_id"].(string)
				n++
			}
		}
		return n == 5
	})
	// Reduce-only: the ladder places no more (its orders only add), and
	// what it has working stays put.
	if code, out, errOut := run(t, socket, "reduce-only", "ladder", "--why", "ctl test"); code != ctl.ExitOK || out != "ladder is reduce-only\n" {
		t.Fatalf("reduce-only: exit %d %q %q", code, out, errOut)
	}

	code, out, errOut := run(t, socket, "cancel", working, "--why", "ctl test", "--json")
	if m := decode(t, out); code != ctl.ExitOK || m["canceled"] != float64(1) || m["node"] != "ladder" {
		t.Fatalf("cancel: exit %d %s %s", code, out, errOut)
	}
	desktest.Eventually(t, 10*time.Second, "the order canceled", func() bool {
		_, out, _ := run(t, socket, "orders", "--json")
		for _, o := range decode(t, out)["orders"].([]any) {
			if om := o.(map[string]any); om["client_order_id"] == working {
				return om["state"] == "canceled"
			}
		}
		return false
	})
	code, out, errOut = run(t, socket, "cancel", working)
	if code != ctl.ExitRefused || out != "" || !strings.Contains(errOut, "is already canceled") {
		t.Fatalf("cancel of a canceled order: exit %d %q %q", code, out, errOut)
	}
	if code, _, errOut = run(t, socket, "cancel", "1-2-3"); code != ctl.ExitRefused || !strings.Contains(errOut, "no such order") {
		t.Fatalf("cancel of an unknown order: exit %d %q", code, errOut)
	}
	// A dry run lists what it would breach and changes nothing: the
	// ladder has its four other orders working.
	code, out, errOut = run(t, socket, "limits", "set", "ladder", "max_open_orders=1", "--dry-run")
	if want := "dry run: ladder max_open_orders: none -> 1\n  would breach: strategy ladder has 4 open orders, over max_open_orders 1\n"; code != ctl.ExitOK || out != want {
		t.Fatalf("dry run: exit %d %q %q, want %q", code, out, errOut, want)
	}
	_, out, _ = run(t, socket, "limits", "get", "ladder", "--json")
	if lim := decode(t, out)["nodes"].([]any)[0].(map[string]any)["limits"].(map[string]any); lim["max_open_orders"] != nil {
		t.Fatalf("a dry run changed the limit: %v", lim)
	}

	code, out, errOut = run(t, socket, "cancel-all", "beta", "--why", "ctl test")
	if code != ctl.ExitOK || !strings.HasPrefix(out, "beta: cancels sent for ") || strings.Count(out, "-") < 4 {
		t.Fatalf("cancel-all: exit %d %q %q", code, out, errOut)
	}
	if code, out, _ = run(t, socket, "status", "--json"); code != ctl.ExitOK {
		t.Fatalf("status: exit %d", code)
	}
	for _, b := range decode(t, out)["books"].([]any) {
		if bm := b.(map[string]any); bm["id"] == "beta" && bm["state"] != "active" {
			t.Fatalf("cancel-all changed beta's state: %v", bm["state"])
		}
	}
	if code, _, errOut = run(t, socket, "limits", "set", "firm", "max_ordr_qty=1", "--dry-run"); code != ctl.ExitRefused {
		t.Fatalf("a dry run of a bad key: exit %d %q", code, errOut)
	}

	// A resume under a halted firm says what holds it.
	if code, _, _ = run(t, socket, "halt", "firm", "--why", "lunch"); code != ctl.ExitOK {
		t.Fatalf("halt firm: exit %d", code)
	}
	code, out, _ = run(t, socket, "resume", "mr-eth")
	if code != ctl.ExitOK || !strings.Contains(out, "mr-eth is halted\nstill halted: firm halted by uid ") || !strings.Contains(out, "(lunch)") {
		t.Fatalf("resume under a halted firm: exit %d %q", code, out)
	}
	code, out, _ = run(t, socket, "resume", "mr-eth", "--json")
	if m := decode(t, out); code != ctl.ExitOK || !strings.HasPrefix(m["cause"].(string), "firm halted by uid ") {
		t.Fatalf("resume --json: %s", out)
	}

	// The status text shows the books with their states and breakers.
	code, out, _ = run(t, socket, "status")
	for _, want := range []string{"\nBOOK ", "\nalpha ", "\nbeta ", "BREAKERS"} {
		if code != ctl.ExitOK || !strings.Contains(out, want) {
			t.Fatalf("status lacks %q:\n%s", want, out)
		}
	}

	// Every action is in the audit trail, with who and why, and it and the
	// states survive a restart on the same journal.
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	opts.Paths = d.Paths
	daemontest.Start(t, opts)
	if code, out, _ = run(t, socket, "status", "--json"); code != ctl.ExitOK {
		t.Fatalf("status after a restart: exit %d", code)
	}
	for _, s := range decode(t, out)["strategies"].([]any) {
		if sm := s.(map[string]any); sm["id"] == "ladder" {
			changed, _ := sm["changed"].(map[string]any)
			if changed["state"] != "reduce-only" || changed["why"] != "ctl test" || !strings.HasPrefix(changed["who"].(string), "uid ") {
				t.Fatalf("ladder after a restart: %v", sm)
			}
		}
	}
	if code, out, _ = run(t, socket, "audit", "--json"); code != ctl.ExitOK {
		t.Fatalf("audit: exit %d", code)
	}
	seen := map[string]bool{}
	for _, e := range decode(t, out)["entries"].([]any) {
		em := e.(map[string]any)
		if strings.HasPrefix(em["who"].(string), "uid ") {
			seen[em["action"].(string)] = true
		}
	}
	for _, a := range []string{"reduce-only", "cancel", "cancel-all", "halt", "resume"} {
		if !seen[a] {
			t.Fatalf("audit lacks %s: %v", a, seen)
		}
	}
}

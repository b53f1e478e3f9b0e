package main

import (
	"context"
	"path/filepath"
	"testing"
)

// TestRunExitCodes: the exit codes of the command line, without starting a
// daemon.
func TestRunExitCodes(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.toml")
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"help"}, 0},
		{[]string{"--help"}, 0},
		{[]string{"serve", "--help"}, 0},
		{[]string{"demo", "-h"}, 0},
		{[]string{"attach", "--help"}, 0},
		{[]string{"no-such-command"}, 2},
		{[]string{"serve", "--no-such-flag"}, 1},
		{[]string{"serve", "--config", missing, "--state", t.TempDir()}, 1},
		{[]string{"venue", "--help"}, 0},
		{[]string{"venue", "extra"}, 1},
		{[]string{"venue", "--listen", "0.0.0.0:0"}, 1}, // not loopback
		{[]string{"venue", "--config", missing}, 1},
		{[]string{"replay", "--help"}, 0},
	} {
		if got := run(context.Background(), c.args); got != c.want {
			t.Errorf("desk %q exits %d, want %d", c.args, got, c.want)
		}
	}
}

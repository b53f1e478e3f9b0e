package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/desk-trading/desk/cmd/desk/internal/config"
)

// writeConfig writes the embedded default with tui to a file and returns
// its path.
func writeConfig(t *testing.T, dir, tui string) string {
	t.Helper()
	def, err := os.ReadFile(filepath.Join("internal", "config", "default.toml"))
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(def), "[tui]\nread_only = false\n", tui, 1)
	path := filepath.Join(dir, "desk.toml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAttachReadOnly(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "no-config-here"))
	on := writeConfig(t, mkdir(t, dir, "on"), "[tui]\nread_only = true\n")
	off := writeConfig(t, mkdir(t, dir, "off"), "")
	log := slog.New(slog.DiscardHandler)
	for _, c := range []struct {
		name string
		args []string
		want bool
	}{
		{"default", nil, false},
		{"flag", []string{"--read-only"}, true},
		{"config", []string{"--config", on}, true},
		{"config without tui", []string{"--config", off}, false},
		{"flag over config", []string{"--config", on, "--read-only=false"}, false},
		{"flag with config off", []string{"--config", off, "--read-only"}, true},
		{"socket too", []string{"--socket", filepath.Join(dir, "s.sock"), "--read-only"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := parseAttachFlags(c.args)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.attachReadOnly(log)
			if err != nil || got != c.want {
				t.Fatalf("desk attach %q: read-only %v, %v; want %v", c.args, got, err, c.want)
			}
		})
	}
}

// TestAttachConfigDefaultLookup: without --config, attach reads the file
// serve would, $XDG_CONFIG_HOME/desk/desk.toml.
func TestAttachConfigDefaultLookup(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	writeConfig(t, mkdir(t, dir, "desk"), "[tui]\nread_only = true\n")
	f, err := parseAttachFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.attachReadOnly(slog.New(slog.DiscardHandler)); err != nil || !got {
		t.Fatalf("read-only %v, %v; want the default config's true", got, err)
	}
}

func TestAttachFlagErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeConfig(t, dir, "[tui]\nread_only = true\nwall = 1\n")
	f, err := parseAttachFlags([]string{"--config", bad})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.attachReadOnly(slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), `unknown key "tui.wall"`) {
		t.Fatalf("a config with tui.wall: %v, want it refused", err)
	}
	if _, err := parseAttachFlags([]string{"extra"}); err == nil {
		t.Fatal("desk attach extra: parsed")
	}
	if _, err := parseAttachFlags([]string{"--read-only=maybe"}); err == nil {
		t.Fatal("desk attach --read-only=maybe: parsed")
	}
	if _, err := config.Load(bad); err == nil {
		t.Fatal("the config package took tui.wall")
	}
}

func mkdir(t *testing.T, parts ...string) string {
	t.Helper()
	dir := filepath.Join(parts...)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

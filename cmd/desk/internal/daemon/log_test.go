package daemon

import (
	"log/slog"
	"os"
	"testing"
)

// testLogger is silent unless DESK_LOG=debug, then writes through t.Log.
func testLogger(t *testing.T) *slog.Logger {
	if os.Getenv("DESK_LOG") != "debug" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

package tui

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/desktest"
)

// waitFor bounds every wait in these tests.
const waitFor = 5 * time.Second

func TestRunNeedsDialer(t *testing.T) {
	if err := Run(t.Context(), Options{}); !errors.Is(err, ErrNoDialer) {
		t.Fatalf("Run without a dialer = %v, want ErrNoDialer", err)
	}
}

func TestRunQuitsOnQAndClosesSession(t *testing.T) {
	sess := newFakeSession()
	d := &fakeDialer{results: []any{sess}}
	in, keys := io.Pipe()
	defer keys.Close()

	done := make(chan error, 1)
	go func() {
		done <- Run(t.Context(), Options{Dial: d.dial, Input: in, Output: io.Discard})
	}()
	desktest.Eventually(t, waitFor, "subscribe", func() bool { _, n, _ := sess.snapshot(); return n == 1 })
	sess.events <- statusEnv(testStatus())
	if _, err := keys.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after q")
	}
	if _, _, closed := sess.snapshot(); !closed {
		t.Error("session not closed when Run returned")
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	sess := newFakeSession()
	d := &fakeDialer{results: []any{sess}}
	in, keys := io.Pipe()
	defer keys.Close()
	ctx, cancel := context.WithCancel(t.Context())

	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Dial: d.dial, Input: in, Output: io.Discard})
	}()
	desktest.Eventually(t, waitFor, "subscribe", func() bool { _, n, _ := sess.snapshot(); return n == 1 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if _, _, closed := sess.snapshot(); !closed {
		t.Error("session not closed when Run returned")
	}
}

func TestDialAfterStopIsClosed(t *testing.T) {
	sess := newFakeSession()
	d := &fakeDialer{results: []any{sess}}
	log := Options{}.withDefaults().Logger
	open := newSessionSet()
	open.closeAll(log) // Run has returned
	msg := run(t, dialCmd(t.Context(), d.dial, open, log, time.Second, 1))
	if _, ok := msg.(dialFailedMsg); !ok {
		t.Fatalf("dial after stop returned %T, want dialFailedMsg", msg)
	}
	if _, _, closed := sess.snapshot(); !closed {
		t.Error("session dialed after stop left open")
	}
}

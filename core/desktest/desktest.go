package desktest

import (
	"os"
	"testing"
	"time"
)

// Poll intervals of Eventually: the first poll after a failed one comes
// soon, later ones back off to maxPoll, so a fast condition is seen at once
// and a slow one (a status over a socket, a child process) is not hammered.
const (
	minPoll = 20 * time.Microsecond
	maxPoll = 20 * time.Millisecond
)

// Eventually calls cond until it returns true, sleeping briefly between
// calls, and fails the test with t.Fatalf, naming what, when within has
// passed without it holding. cond runs on the test's goroutine, so it may
// call t.Fatal itself.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	sleep := minPoll
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(sleep)
		sleep = min(2*sleep, maxPoll)
	}
}

// ShortTempDir returns a new directory under the system's temporary
// directory, removed when the test ends. Use it instead of t.TempDir for a
// unix socket: socket paths are limited to about 108 bytes, and t.TempDir's
// paths, which include the test's name, can be longer.
func ShortTempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "desk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

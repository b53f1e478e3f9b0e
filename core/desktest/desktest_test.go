package desktest

import (
	"os"
	"strings"
	"testing"
	"time"
)

// fakeTB records a Fatalf instead of stopping the test.
type fakeTB struct {
	testing.TB
	msg string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.msg = strings.TrimSpace(format)
	for _, a := range args {
		f.msg += " " + toString(a)
	}
	panic(f)
}

func toString(a any) string {
	switch v := a.(type) {
	case string:
		return v
	case time.Duration:
		return v.String()
	}
	return ""
}

func TestEventuallyHolds(t *testing.T) {
	n := 0
	Eventually(t, time.Second, "the third call", func() bool { n++; return n == 3 })
	if n != 3 {
		t.Fatalf("cond called %d times, want 3", n)
	}
}

func TestEventuallyTimesOut(t *testing.T) {
	f := &fakeTB{TB: t}
	start := time.Now()
	func() {
		defer func() {
			if r := recover(); r != f {
				t.Fatalf("recovered %v, want the fake's Fatalf", r)
			}
		}()
		Eventually(f, 50*time.Millisecond, "never", func() bool { return false })
	}()
	if took := time.Since(start); took < 50*time.Millisecond || took > 2*time.Second {
		t.Errorf("gave up after %v, want about 50ms", took)
	}
	if !strings.Contains(f.msg, "never") {
		t.Errorf("failure message %q does not name what was awaited", f.msg)
	}
}

func TestShortTempDir(t *testing.T) {
	var dir string
	t.Run("make", func(t *testing.T) {
		dir = ShortTempDir(t)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			t.Fatalf("ShortTempDir %q: %v", dir, err)
		}
		// Room for a socket path under it.
		if len(dir) > 60 {
			t.Errorf("ShortTempDir %q is %d bytes: too long for sockets below it", dir, len(dir))
		}
	})
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("%s still there after the test: %v", dir, err)
	}
}

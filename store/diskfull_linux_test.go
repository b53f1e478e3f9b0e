package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
)

// TestRealDiskFull runs the journal on a 4 MiB tmpfs that a ballast file
// fills: commits fail with ENOSPC, nothing appended is dropped, and when
// the ballast goes the writer's retry commits everything. It needs to
// mount a tmpfs (root, or CAP_SYS_ADMIN) and skips, saying so, when it
// cannot.
func TestRealDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a tmpfs")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=4m"); err != nil {
		t.Skipf("cannot mount a tmpfs for a real full disk (%v); TestWriteFailure covers the logic", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })

	path := filepath.Join(mnt, "journal.db")
	down, up := make(chan struct{}, 1), make(chan struct{}, 1)
	j, err := Open(path, Options{
		RetryInterval: time.Millisecond,
		OnError:       func(error) { down <- struct{}{} },
		OnRecover:     func() { up <- struct{}{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	// Fill what is left but a little.
	var st syscall.Statfs_t
	if err := syscall.Statfs(mnt, &st); err != nil {
		t.Fatal(err)
	}
	ballast := filepath.Join(mnt, "ballast")
	free := int64(st.Bavail) * st.Bsize
	if err := os.WriteFile(ballast, make([]byte, free-256<<10), 0o600); err != nil {
		t.Fatal(err)
	}

	ev := domain.Event{Kind: domain.EventFill, Fill: domain.Fill{Qty: 1, Side: domain.Buy}}
	var flushErr error
	for i := 0; i < 1000 && flushErr == nil; i++ {
		for range 200 {
			ev.Fill.TradeID++
			if err := j.Append(&ev); err != nil {
				t.Fatalf("Append: %v", err)
			}
		}
		flushErr = j.Flush(context.Background())
	}
	if !errors.Is(flushErr, ErrFailed) || !errors.Is(flushErr, syscall.ENOSPC) {
		t.Fatalf("Flush on a full disk: %v, want ErrFailed wrapping ENOSPC", flushErr)
	}
	waitSignal(t, down, "OnError")
	last := ev.Fill.TradeID
	for range 100 { // more while down
		ev.Fill.TradeID++
		if err := j.Append(&ev); err != nil {
			t.Fatalf("Append while down: %v", err)
		}
	}
	if h := j.Health(); !h.Down || h.Pending == 0 {
		t.Fatalf("Health on a full disk: %+v", h)
	}
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	waitSignal(t, up, "OnRecover")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := j.WaitDurable(ctx, ev.Seq); err != nil {
		t.Fatalf("WaitDurable once space is back: %v", err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	trades := map[uint64]bool{}
	if err := j.Replay(func(ev *domain.Event) error { trades[ev.Fill.TradeID] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if want := int(last) + 100; len(trades) != want || !j.PreviousRunClean() {
		t.Fatalf("after the disk filled and emptied: %d distinct fills (want %d), clean %v", len(trades), want, j.PreviousRunClean())
	}
}

package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	berrors "go.etcd.io/bbolt/errors"

	"github.com/desk-trading/desk/core/domain"
)

// TestWriteFailure makes the file hit a size limit, as a full disk would:
// OnError fires once, Append, Flush and Close then fail with ErrFailed, and
// the file still holds every event of the batches that committed.
func TestWriteFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "desk.db")
	var calls atomic.Int32
	var reported atomic.Pointer[error]
	j, err := Open(path, Options{OnError: func(err error) {
		calls.Add(1)
		reported.Store(&err)
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	// Read by the writer inside its transactions; the Append that follows
	// orders this write before them.
	j.db.MaxSize = 1 << 20

	ev := domain.Event{Kind: domain.EventAudit, Audit: domain.Audit{Node: "firm", Action: "halt", Why: "a reason long enough to fill pages quickly"}}
	var flushErr error
	for i := 0; i < 10_000 && flushErr == nil; i++ {
		for range 500 {
			if err := j.Append(&ev); err != nil {
				break
			}
		}
		flushErr = j.Flush(context.Background())
	}
	if !errors.Is(flushErr, ErrFailed) || !errors.Is(flushErr, berrors.ErrMaxSizeReached) {
		t.Fatalf("Flush: %v, want ErrFailed wrapping ErrMaxSizeReached", flushErr)
	}
	if err := j.Append(&ev); !errors.Is(err, ErrFailed) {
		t.Fatalf("Append after the failure: %v, want ErrFailed", err)
	}
	if err := j.Flush(context.Background()); !errors.Is(err, ErrFailed) {
		t.Fatalf("second Flush: %v, want ErrFailed", err)
	}
	if err := j.Close(); !errors.Is(err, ErrFailed) {
		t.Fatalf("Close: %v, want ErrFailed", err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("OnError called %d times, want 1", n)
	}
	if err := *reported.Load(); !errors.Is(err, ErrFailed) {
		t.Fatalf("OnError got %v, want ErrFailed", err)
	}

	j, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	var n uint64
	err = j.Replay(func(ev *domain.Event) error {
		if n++; ev.Seq != n {
			t.Fatalf("replayed seq %d, want %d", ev.Seq, n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || n != j.LastSeq() {
		t.Fatalf("replayed %d events, LastSeq %d; want the same, above 0", n, j.LastSeq())
	}
}

// TestWriterFailureUnblocksAppend checks that an Append waiting on a full
// queue is released when the writer fails: the writer keeps draining.
func TestWriterFailureUnblocksAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "desk.db")
	failed := make(chan struct{})
	j, err := Open(path, Options{QueueSize: 4, MaxBatch: 2, OnError: func(error) { close(failed) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	// Closing bbolt under the writer is the bluntest failure: every later
	// transaction fails with ErrDatabaseNotOpen.
	if err := j.db.Close(); err != nil {
		t.Fatal(err)
	}
	ev := domain.Event{Kind: domain.EventOrder}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := j.Append(&ev); err != nil {
			if !errors.Is(err, ErrFailed) || !errors.Is(err, berrors.ErrDatabaseNotOpen) {
				t.Fatalf("Append: %v, want ErrFailed wrapping ErrDatabaseNotOpen", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Append never reported the failure")
		}
	}
	<-failed
}

func TestAppendDoesNotAllocate(t *testing.T) {
	// No writer goroutine: the queue only fills, so the measurement holds
	// Append alone.
	j := &Journal{queue: make(chan entry, 1024)}
	ev := domain.Event{Kind: domain.EventOrder, Order: domain.Order{Reason: "max-order-qty"}}
	allocs := testing.AllocsPerRun(1000, func() {
		if err := j.Append(&ev); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Append: %v allocations, want 0", allocs)
	}
	if ev.Seq != 1001 {
		t.Fatalf("seq %d after 1001 appends", ev.Seq)
	}
}

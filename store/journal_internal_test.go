package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	berrors "go.etcd.io/bbolt/errors"

	"github.com/desk-trading/desk/core/domain"
)

// TestWriteFailure makes the file hit a size limit, as a full disk would,
// and keeps it there: OnError fires once, Flush and WaitDurable fail with
// ErrFailed, Append keeps taking events (held in memory), Close fails
// saying how many were lost, and the next Open reports an unclean end while
// the file holds every event of the batches that committed.
func TestWriteFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "desk.db")
	var calls atomic.Int32
	var reported atomic.Pointer[error]
	j, err := Open(path, Options{RetryInterval: time.Millisecond, OnError: func(err error) {
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
				t.Fatalf("Append: %v", err)
			}
		}
		flushErr = j.Flush(context.Background())
	}
	if !errors.Is(flushErr, ErrFailed) || !errors.Is(flushErr, berrors.ErrMaxSizeReached) {
		t.Fatalf("Flush: %v, want ErrFailed wrapping ErrMaxSizeReached", flushErr)
	}
	if err := j.Append(&ev); err != nil {
		t.Fatalf("Append while down: %v, want nil (held in memory)", err)
	}
	if err := j.WaitDurable(context.Background(), ev.Seq); !errors.Is(err, ErrFailed) {
		t.Fatalf("WaitDurable while down: %v, want ErrFailed", err)
	}
	h := j.Health()
	if !h.Down || h.Pending == 0 || h.LastSeq != ev.Seq || !errors.Is(h.Err, ErrFailed) {
		t.Fatalf("Health while down: %+v", h)
	}
	durable := h.Durable
	if err := j.Flush(context.Background()); !errors.Is(err, ErrFailed) {
		t.Fatalf("second Flush: %v, want ErrFailed", err)
	}
	if err := j.Close(); !errors.Is(err, ErrFailed) {
		t.Fatalf("Close: %v, want ErrFailed", err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("OnError called %d times, want 1 per outage", n)
	}
	if err := *reported.Load(); !errors.Is(err, ErrFailed) {
		t.Fatalf("OnError got %v, want ErrFailed", err)
	}

	j, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	if j.PreviousRunClean() {
		t.Fatal("PreviousRunClean after a Close that lost events")
	}
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
	if n == 0 || n != j.LastSeq() || n != durable {
		t.Fatalf("replayed %d events, LastSeq %d, durable before %d; want the same, above 0", n, j.LastSeq(), durable)
	}
}

// TestWriteFailureRecovers fails commits for a while, as a disk that fills
// and then gets space back: nothing appended meanwhile is lost, the
// writer's retry commits it all, OnRecover fires, and the file is clean.
// With a small MaxBatch the retry takes the pending events in many
// transactions.
func TestWriteFailureRecovers(t *testing.T) {
	for _, maxBatch := range []int{0, 16} {
		t.Run(fmt.Sprintf("max-batch=%d", maxBatch), func(t *testing.T) { testWriteFailureRecovers(t, maxBatch) })
	}
}

func testWriteFailureRecovers(t *testing.T, maxBatch int) {
	path := filepath.Join(t.TempDir(), "desk.db")
	var full atomic.Bool
	down, up := make(chan struct{}, 1), make(chan struct{}, 1)
	j, err := Open(path, Options{
		RetryInterval: time.Millisecond,
		MaxBatch:      maxBatch,
		FailCommit: func() error {
			if full.Load() {
				return errors.New("no space left on device")
			}
			return nil
		},
		OnError:   func(error) { down <- struct{}{} },
		OnRecover: func() { up <- struct{}{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	ev := domain.Event{Kind: domain.EventFill, Fill: domain.Fill{Qty: 1, Side: domain.Buy, TradeID: 1}}
	for range 10 {
		if err := j.Append(&ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	full.Store(true)
	for range 1000 {
		ev.Fill.TradeID++
		if err := j.Append(&ev); err != nil {
			t.Fatalf("Append while the disk is full: %v", err)
		}
	}
	waitSignal(t, down, "OnError")
	if h := j.Health(); !h.Down || h.Durable != 10 || h.LastSeq != 1010 || h.Pending != 1000 {
		t.Fatalf("Health while down: %+v", h)
	}
	// A waiter for a durable event is answered at once even while down.
	if err := j.WaitDurable(context.Background(), 10); err != nil {
		t.Fatalf("WaitDurable(10): %v", err)
	}
	full.Store(false)
	waitSignal(t, up, "OnRecover")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := j.WaitDurable(ctx, 1010); err != nil {
		t.Fatalf("WaitDurable after recovery: %v", err)
	}
	if h := j.Health(); h.Down || h.Pending != 0 || h.Err != nil {
		t.Fatalf("Health after recovery: %+v", h)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	if !j.PreviousRunClean() {
		t.Fatal("PreviousRunClean false after a clean Close")
	}
	trades := map[uint64]bool{}
	if err := j.Replay(func(ev *domain.Event) error { trades[ev.Fill.TradeID] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(trades) != 1001 {
		t.Fatalf("replayed %d distinct fills, want 1001", len(trades))
	}
}

func waitSignal(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s not called within 10s", what)
	}
}

// TestWriterFailureUnblocksAppend checks that Appends beyond the queue's
// size never block when the writer cannot write: the writer keeps draining
// the queue into memory.
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
	done := make(chan error, 1)
	go func() {
		for range 10_000 {
			if err := j.Append(&ev); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Appends blocked behind a failed writer")
	}
	<-failed
	if err := j.Flush(context.Background()); !errors.Is(err, ErrFailed) || !errors.Is(err, berrors.ErrDatabaseNotOpen) {
		t.Fatalf("Flush: %v, want ErrFailed wrapping ErrDatabaseNotOpen", err)
	}
}

// TestWaitDurable checks that a waiter returns once its event's group
// commit is done, and that ctx bounds the wait.
func TestWaitDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "desk.db")
	release := make(chan struct{})
	var hold atomic.Bool
	hold.Store(true)
	j, err := Open(path, Options{FailCommit: func() error {
		if hold.Load() {
			<-release // the writer is inside the commit
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	ev := domain.Event{Kind: domain.EventOrder}
	if err := j.Append(&ev); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := j.WaitDurable(ctx, ev.Seq); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitDurable during the commit: %v, want DeadlineExceeded", err)
	}
	waited := make(chan error, 1)
	go func() { waited <- j.WaitDurable(context.Background(), ev.Seq) }()
	hold.Store(false)
	close(release)
	select {
	case err := <-waited:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WaitDurable not woken by the commit")
	}
	if j.Durable() != ev.Seq {
		t.Fatalf("Durable %d, want %d", j.Durable(), ev.Seq)
	}
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

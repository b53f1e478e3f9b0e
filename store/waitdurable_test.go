package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/desk-trading/desk/store"
)

// TestWaitDurableNeverAcksWhatIsNotDurable flips the journal down and up on
// every other commit while waiters ask for the last sequence: none may be
// told an event is durable before it is. It caught WaitDurable returning
// nil when the journal came back between its load of the state (down) and
// the reload of the error (up again), for an event the recovering batch
// did not hold.
func TestWaitDurableNeverAcksWhatIsNotDurable(t *testing.T) {
	var n atomic.Int64
	// every other commit fails: each retry is an up/down transition.
	fail := func() error {
		if n.Add(1)%2 == 1 {
			return errors.New("injected ENOSPC")
		}
		return nil
	}
	j := open(t, filepath.Join(t.TempDir(), "j.db"), store.Options{FailCommit: fail, RetryInterval: time.Microsecond})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var bad atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				seq := j.LastSeq()
				if seq == 0 {
					continue
				}
				err := j.WaitDurable(ctx, seq)
				if err == nil {
					if d := j.Durable(); d < seq {
						if bad.Add(1) <= 5 {
							t.Logf("WaitDurable(%d) = nil, but Durable() = %d", seq, d)
						}
					}
				}
			}
		}()
	}
	i := 0
	for ctx.Err() == nil {
		ev := testEvent(i)
		i++
		if err := j.Append(&ev); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Microsecond)
	}
	wg.Wait()
	t.Logf("appended %d, commits %d, bad acks %d", i, n.Load(), bad.Load())
	if bad.Load() > 0 {
		t.Errorf("WaitDurable acknowledged %d non-durable sequence numbers", bad.Load())
	}
}

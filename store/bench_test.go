package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/store"
)

// BenchmarkJournalAppend measures durable throughput: b.N order events
// appended as the engine would, then a Flush, so every event is on disk
// (fsynced) when the clock stops. allocs/op counts the writer goroutine's
// bbolt allocations too; Append alone allocates nothing
// (TestAppendDoesNotAllocate).
func BenchmarkJournalAppend(b *testing.B) {
	j := open(b, filepath.Join(b.TempDir(), "desk.db"), store.Options{})
	ev := testEvent(0)
	ev.Kind = domain.EventOrder
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		ev.Order.ID = domain.MakeOrderID(1, 0, uint64(i/4+1))
		ev.Order.Updated = ev.Time + int64(i)
		ev.Order.State = domain.OrderState(i%4 + 1)
		if err := j.Append(&ev); err != nil {
			b.Fatal(err)
		}
	}
	flush(b, j)
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}

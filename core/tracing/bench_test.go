package tracing

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
)

// discard is a span exporter that drops everything: the benchmark
// measures building spans, not the network.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// fresh is a Source handing out one new completed order per poll.
type fresh struct {
	o   domain.Order
	seq uint64
	u   engine.OrdersUpdate
}

func (f *fresh) OrdersSince(cursor uint64, _ int) (engine.OrdersUpdate, uint64) {
	f.seq++
	f.o.ID = domain.MakeOrderID(1, 3, f.seq)
	f.u.Orders[0] = f.o
	return f.u, cursor + 1
}

// BenchmarkTracerPoll is the cost per order of one poll of the order
// stream that finds one completed order, and, sampled, of building its
// trace (a root and seven stage spans) and handing it to the batch
// processor; unsampled is the cost of deciding not to. All of it runs on
// the tracer's goroutine, never the engine's: the order path pays
// nothing for it (see BenchmarkOrderPathTracing).
func BenchmarkTracerPoll(b *testing.B) {
	for _, c := range []struct {
		name  string
		ratio float64
	}{{"sampled", 1}, {"unsampled", 0}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			tr, err := newTracer(ctx, Options{SampleRatio: c.ratio, Names: names{}}, discard{})
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Shutdown(ctx)
			src := &fresh{o: order(1, domain.Mono(), 8, domain.StateFilled), u: engine.OrdersUpdate{Orders: make([]domain.Order, 1)}}
			var cursor uint64
			b.ReportAllocs()
			for b.Loop() {
				cursor = tr.poll(ctx, src, cursor)
			}
			b.StopTimer()
			want := uint64(0)
			if c.ratio == 1 {
				want = src.seq
			}
			if got := tr.Stats().Traces; got != want {
				b.Fatalf("traced %d of %d orders, want %d", got, src.seq, want)
			}
		})
	}
}

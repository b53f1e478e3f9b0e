package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
)

// Engine is what the exporter reads of the engine: its published status
// and names, and its view's conflated order stream. *engine.Engine is one.
type Engine interface {
	Snapshot() *engine.Snapshot
	Names() *engine.Names
	EachOrderSince(cursor uint64, fn func(id domain.OrderID, o *domain.Order)) (next uint64, reset bool)
}

// Options configure an Exporter.
type Options struct {
	// Clients returns the number of connected socket clients; nil: the
	// gauge is not exported.
	Clients func() int
	// Journal, when set, is the journal's commit latency histogram.
	Journal *JournalCommits
	// Interval is how often Run reads the order stream; zero means 250ms.
	Interval time.Duration
	// Logger receives what goes wrong serving; nil: discarded.
	Logger *slog.Logger
}

// Exporter holds desk's registry.
type Exporter struct {
	reg    *prometheus.Registry
	eng    Engine
	orders *orderLatency
	opts   Options
}

// New builds the registry: the status collector, the order-stream
// histograms, and Go's runtime and process collectors.
func New(eng Engine, opts Options) *Exporter {
	if opts.Interval <= 0 {
		opts.Interval = 250 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	x := &Exporter{reg: prometheus.NewRegistry(), eng: eng, opts: opts, orders: newOrderLatency()}
	x.reg.MustRegister(
		newStatusCollector(eng, opts.Clients),
		x.orders.tickToOrder, x.orders.ack,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if opts.Journal != nil {
		x.reg.MustRegister(opts.Journal.h)
	}
	return x
}

// JournalCommits is the journal's group commit latency: its Observe is
// the journal's OnCommit (store.Options), called from the journal's
// writer goroutine.
type JournalCommits struct{ h prometheus.Histogram }

// NewJournalCommits makes the histogram, desk_journal_commit_seconds,
// with classic buckets from 8 us to 8 s and native ones.
func NewJournalCommits() *JournalCommits {
	return &JournalCommits{h: prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "desk", Name: "journal_commit_seconds",
		Help:                            "Duration of the journal's group commits (the transaction's writes and fsync).",
		Buckets:                         prometheus.ExponentialBuckets(1.0/(1<<17), 2, 21),
		NativeHistogramBucketFactor:     1.1,
		NativeHistogramMaxBucketNumber:  160,
		NativeHistogramMinResetDuration: time.Hour,
	})}
}

// Observe records one commit that took took; events is how many it held.
// A nil JournalCommits records nothing.
func (c *JournalCommits) Observe(took time.Duration, events int) {
	if c != nil {
		c.h.Observe(took.Seconds())
	}
}

// Registry returns the exporter's registry (for tests and for embedding
// more collectors).
func (x *Exporter) Registry() *prometheus.Registry { return x.reg }

// Handler serves the registry at /metrics in every format the scraper
// asks for: the text format, OpenMetrics, and the protobuf format that
// carries native histograms.
func (x *Exporter) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(x.reg, promhttp.HandlerOpts{
		EnableOpenMetrics: true,
		ErrorLog:          slog.NewLogLogger(x.opts.Logger.Handler(), slog.LevelWarn),
		ErrorHandling:     promhttp.ContinueOnError,
	}))
	return mux
}

// Run reads the engine's order stream every Interval until ctx is done,
// observing each order's latencies once. It never touches the engine
// goroutine: the stream is the view's.
func (x *Exporter) Run(ctx context.Context) error {
	t := time.NewTicker(x.opts.Interval)
	defer t.Stop()
	var cursor uint64
	names := x.eng.Names()
	for {
		cursor = x.orders.read(x.eng, cursor, names)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// quantity is q of instrument in in base units.
func quantity(in *domain.Instrument, q domain.Qty) float64 {
	f, _ := in.QtyDecimal(q).Float64()
	return f
}

// money is m in the quote currency.
func money(m domain.Money) float64 {
	f, _ := m.Decimal().Float64()
	return f
}

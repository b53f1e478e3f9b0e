package daemon

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/desk-trading/desk/core/engine"
	"github.com/desk-trading/desk/core/metrics"
	"github.com/desk-trading/desk/core/server"
	"github.com/desk-trading/desk/core/tracing"
)

// serveMetrics serves Prometheus metrics of eng and srv on ln until ctx
// is done, and feeds the exporter's order histograms meanwhile; it closes
// ln. Nothing of it runs on the engine goroutine.
func serveMetrics(ctx context.Context, ln net.Listener, eng *engine.Engine, srv *server.Server, commits *metrics.JournalCommits, log *slog.Logger) {
	log = log.With("component", "metrics")
	x := metrics.New(eng, metrics.Options{Clients: srv.Clients, Journal: commits, Logger: log})
	hs := &http.Server{Handler: x.Handler(), ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := x.Run(ctx); err != nil {
			log.Warn("order histograms stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		hs.Shutdown(shut) //nolint:errcheck // closing: what is left is dropped
	}()
	log.Info("serving metrics", "addr", "http://"+ln.Addr().String()+"/metrics")
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("metrics server stopped", "err", err)
	}
	<-done
}

// traceOrders runs t over eng's order stream until ctx is done, then
// flushes what is left, for at most 2 s (the daemon stops it after the
// engine, so no order waits for a collector). A collector that is down loses
// traces, never orders: the tracer reads the view's order stream on its
// own goroutine.
func traceOrders(ctx context.Context, t *tracing.Tracer, opts tracing.Options, eng *engine.Engine, log *slog.Logger) {
	log = log.With("component", "tracing")
	log.Info("tracing orders", "endpoint", opts.Endpoint, "sample", opts.SampleRatio)
	if err := t.Run(ctx, eng); err != nil {
		log.Warn("order tracing stopped", "err", err)
	}
	flush, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := t.Shutdown(flush); err != nil {
		log.Warn("order traces not flushed", "err", err)
	}
	s := t.Stats()
	log.Info("order tracing stopped", "traces", s.Traces, "spans", s.Spans, "exported", s.Exported,
		"export_failures", s.ExportFailures, "missed", s.Missed)
}

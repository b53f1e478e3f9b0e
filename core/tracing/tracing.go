package tracing

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
)

// Defaults of Options.
const (
	// DefaultSampleRatio is the sample ratio a command line should default
	// to when tracing is turned on: one order in a hundred. Options does
	// not apply it, since a SampleRatio of 0 means "trace nothing".
	DefaultSampleRatio = 0.01
	// DefaultInterval is how often Run polls the order stream.
	DefaultInterval = 100 * time.Millisecond
	// DefaultServiceName is the service.name of the traces.
	DefaultServiceName = "desk"
	// DefaultRemember is how many traced order ids are remembered, so
	// that each order is traced once.
	DefaultRemember = 1 << 16
	// DefaultExportTimeout bounds one export to the collector, retries
	// included.
	DefaultExportTimeout = 10 * time.Second
)

// Source is the stream of changed orders the tracer reads: each call
// returns the orders changed since cursor, each once at its latest state,
// and the cursor to pass next (see engine.Engine.OrdersSince, which
// satisfies it). It must be safe to call from a goroutine other than the
// engine's, and must not wait for the engine.
type Source interface {
	OrdersSince(cursor uint64, finished int) (engine.OrdersUpdate, uint64)
}

// inPlace is a Source that can also visit the changed orders in place
// (engine.Engine.EachOrderSince): the tracer then copies only the orders
// it traces, not every one that changed. A reset visits working orders
// only, so an order that ended while the tracer was too far behind is not
// traced (nor counted in Missed).
type inPlace interface {
	EachOrderSince(cursor uint64, fn func(id domain.OrderID, o *domain.Order)) (next uint64, reset bool)
}

// Names turns ids into the names put on the traces. *engine.Names (from
// engine.Engine.Names) satisfies it.
type Names interface {
	Strategy(domain.StrategyID) string
	Venue(domain.VenueID) string
	Instrument(domain.InstrumentID) *domain.Instrument
}

// Options configure a Tracer.
type Options struct {
	// Endpoint is the collector's OTLP/HTTP endpoint: a URL such as
	// "http://127.0.0.1:4318" or "https://tempo.example:4318", to which
	// "/v1/traces" is added when it has no path (a URL with a path is
	// used as it is), or a bare "host:port", which means plain http to
	// host:port/v1/traces. Required.
	Endpoint string
	// SampleRatio is the fraction of orders traced, from 0 (none) to 1
	// (every order). The decision is a function of the order id alone
	// (see TraceID), so an order is always sampled or always not. The
	// zero value traces nothing; DefaultSampleRatio is the suggested
	// default of a command line flag.
	SampleRatio float64
	// Interval is how often the order stream is polled; DefaultInterval
	// when <= 0. A trace is exported at most Interval plus the batch
	// delay (a second) after its order completes.
	Interval time.Duration
	// ServiceName is the service.name resource attribute;
	// DefaultServiceName when empty. Other resource attributes may be
	// given in OTEL_RESOURCE_ATTRIBUTES.
	ServiceName string
	// Names names strategies, venues and instruments in the attributes;
	// nil puts their numeric ids instead.
	Names Names
	// Logger gets export failures (once per outage) and recoveries; nil
	// discards them.
	Logger *slog.Logger
	// Remember is how many traced order ids are kept to trace each order
	// once; DefaultRemember when <= 0.
	Remember int
	// ExportTimeout bounds one export, retries included;
	// DefaultExportTimeout when <= 0. Spans of a failed export are
	// dropped.
	ExportTimeout time.Duration
}

// Stats count what a Tracer did.
type Stats struct {
	Traces         uint64 // orders traced (sampled and complete)
	Spans          uint64 // spans built, roots included
	Exported       uint64 // spans the collector accepted
	ExportFailures uint64 // exports that failed; their spans were dropped
	// Missed counts sampled orders the source forgot before the tracer
	// saw them complete (see the package doc's limits).
	Missed uint64
}

// Tracer turns completed orders into traces and exports them. Build one
// with New, run Run on a goroutine of its own, and Shutdown it when done.
type Tracer struct {
	opts     Options
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
	sampler  sdktrace.Sampler
	exp      *reportingExporter
	// procStart is the wall time of Mono 0 in unix ns: orders created
	// before it carry another process's stamps.
	procStart int64

	running atomic.Bool

	// Owned by the goroutine that polls (Run).
	traced map[domain.OrderID]struct{}
	ring   []domain.OrderID // traced ids, oldest evicted first
	next   int              // ring slot to write next
	due    []domain.Order   // copies of the orders one in-place poll traces

	traces atomic.Uint64
	spans  atomic.Uint64
	missed atomic.Uint64
}

// New builds a Tracer exporting over OTLP/HTTP to opts.Endpoint. Nothing
// is sent until Run finds a completed, sampled order; an unreachable
// collector shows as logged export failures, not as an error here. It
// fails on a missing or malformed endpoint or a SampleRatio outside
// [0, 1]. The Tracer does not install itself as OpenTelemetry's global
// provider.
func New(ctx context.Context, opts Options) (*Tracer, error) {
	endpoint, err := endpointOptions(opts.Endpoint)
	if err != nil {
		return nil, err
	}
	if opts.ExportTimeout <= 0 {
		opts.ExportTimeout = DefaultExportTimeout
	}
	exp, err := otlptracehttp.New(ctx, append(endpoint, otlptracehttp.WithTimeout(opts.ExportTimeout))...)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter for %q: %w", opts.Endpoint, err)
	}
	return newTracer(ctx, opts, exp)
}

// newTracer is New with the exporter given: the tests' and benchmarks'
// way in.
func newTracer(ctx context.Context, opts Options, exp sdktrace.SpanExporter) (*Tracer, error) {
	r := opts.SampleRatio
	if math.IsNaN(r) || r < 0 || r > 1 {
		return nil, fmt.Errorf("tracing: sample ratio %v: want 0 to 1", r)
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.ServiceName == "" {
		opts.ServiceName = DefaultServiceName
	}
	if opts.Remember <= 0 {
		opts.Remember = DefaultRemember
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	res, err := resource.New(ctx,
		resource.WithSchemaURL(semconv.SchemaURL),
		resource.WithFromEnv(),
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithProcessPID(),
		resource.WithAttributes(semconv.ServiceName(opts.ServiceName)),
	)
	if err != nil {
		if !errors.Is(err, resource.ErrPartialResource) {
			return nil, fmt.Errorf("tracing: resource: %w", err)
		}
		opts.Logger.Warn("tracing: some resource attributes are missing", "err", err)
	}
	t := &Tracer{
		opts:      opts,
		sampler:   sdktrace.TraceIDRatioBased(r),
		exp:       &reportingExporter{SpanExporter: exp, log: opts.Logger, endpoint: opts.Endpoint},
		procStart: domain.MonoTime(0).UnixNano(),
		traced:    make(map[domain.OrderID]struct{}, min(opts.Remember, 4096)),
		ring:      make([]domain.OrderID, 0, min(opts.Remember, 4096)),
	}
	t.provider = sdktrace.NewTracerProvider(
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(t.sampler)),
		sdktrace.WithIDGenerator(orderIDs{}),
		sdktrace.WithBatcher(t.exp,
			sdktrace.WithBatchTimeout(time.Second),
			sdktrace.WithMaxQueueSize(8192),
			sdktrace.WithMaxExportBatchSize(1024),
			sdktrace.WithExportTimeout(opts.ExportTimeout+time.Second),
		),
	)
	t.tracer = t.provider.Tracer("github.com/desk-trading/desk/core/tracing")
	return t, nil
}

// endpointOptions turns Options.Endpoint into the exporter's options.
func endpointOptions(s string) ([]otlptracehttp.Option, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("tracing: no OTLP endpoint")
	}
	bad := func(why string) error {
		return fmt.Errorf("tracing: OTLP endpoint %q: %s; want http://host:port[/path], https://host:port[/path] or host:port", s, why)
	}
	if !strings.Contains(s, "://") {
		host, port, err := net.SplitHostPort(s)
		if err != nil {
			return nil, bad(err.Error())
		}
		if p, err := strconv.Atoi(port); host == "" || err != nil || p <= 0 || p > 65535 {
			return nil, bad("bad host or port")
		}
		return []otlptracehttp.Option{otlptracehttp.WithEndpoint(s), otlptracehttp.WithInsecure()}, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, bad(err.Error())
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, bad("scheme " + strconv.Quote(u.Scheme))
	}
	if u.Hostname() == "" {
		return nil, bad("no host")
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	return []otlptracehttp.Option{otlptracehttp.WithEndpointURL(u.String())}, nil
}

// Run polls src every Options.Interval and traces each sampled order
// when it first shows complete: at its first fill, or when it ended
// without one. It runs on the caller's goroutine (spans are exported from
// the batch processor's) and returns nil when ctx is done. Call it once;
// cancel it before Shutdown.
func (t *Tracer) Run(ctx context.Context, src Source) error {
	if !t.running.CompareAndSwap(false, true) {
		return errors.New("tracing: Run is already running")
	}
	defer t.running.Store(false)
	tick := time.NewTicker(t.opts.Interval)
	defer tick.Stop()
	var cursor uint64
	for {
		cursor = t.poll(ctx, src, cursor)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// poll reads what changed since cursor and traces what completed,
// returning the next cursor.
func (t *Tracer) poll(ctx context.Context, src Source, cursor uint64) uint64 {
	if ip, ok := src.(inPlace); ok {
		t.due = t.due[:0]
		next, _ := ip.EachOrderSince(cursor, func(id domain.OrderID, o *domain.Order) {
			switch {
			case o == nil:
				t.gone(id)
			case t.wanted(o):
				t.due = append(t.due, *o)
			}
		})
		for i := range t.due {
			t.order(ctx, &t.due[i])
		}
		return next
	}
	u, next := src.OrdersSince(cursor, engine.MaxStreamFinished)
	for _, id := range u.Gone {
		t.gone(id)
	}
	for i := range u.Orders {
		t.order(ctx, &u.Orders[i])
	}
	return next
}

// gone takes an order the source forgot.
func (t *Tracer) gone(id domain.OrderID) {
	if _, ok := t.traced[id]; ok {
		delete(t.traced, id) // it will not be seen again
	} else if t.Sampled(id) {
		t.missed.Add(1) // forgotten by the view before it was seen complete
	}
}

// wanted reports, cheapest test first, whether o is one order would
// trace now: complete, of this process, not traced yet, and sampled.
func (t *Tracer) wanted(o *domain.Order) bool {
	if !complete(o) || (o.Created != 0 && o.Created < t.procStart) {
		return false
	}
	if _, ok := t.traced[o.ID]; ok {
		return false
	}
	return t.Sampled(o.ID)
}

// Sampled reports whether order id is traced when it completes. It
// depends on id and the sample ratio alone.
func (t *Tracer) Sampled(id domain.OrderID) bool {
	p := sdktrace.SamplingParameters{ParentContext: context.Background(), TraceID: TraceID(id)}
	return t.sampler.ShouldSample(p).Decision == sdktrace.RecordAndSample
}

// Stats returns the counts so far. Safe for concurrent use.
func (t *Tracer) Stats() Stats {
	return Stats{
		Traces:         t.traces.Load(),
		Spans:          t.spans.Load(),
		Exported:       t.exp.exported.Load(),
		ExportFailures: t.exp.failures.Load(),
		Missed:         t.missed.Load(),
	}
}

// Shutdown exports what is queued and stops the exporter, waiting at
// most until ctx is done. Cancel Run first: spans built after Shutdown
// are dropped.
func (t *Tracer) Shutdown(ctx context.Context) error {
	if err := t.provider.Shutdown(ctx); err != nil {
		return fmt.Errorf("tracing: shutdown: %w", err)
	}
	return nil
}

// complete reports whether o's trace has everything it will get: its
// first fill, or its end.
func complete(o *domain.Order) bool { return o.Stamps.Filled != 0 || o.State.Terminal() }

// stages are the spans under an order's root, in path order: each from
// the stamp at from to the stamp at to.
var stages = [...]struct {
	name     string
	from, to func(*domain.Stamps) int64
}{
	{"feed", func(s *domain.Stamps) int64 { return s.Received }, func(s *domain.Stamps) int64 { return s.Decoded }},
	{"strategy", func(s *domain.Stamps) int64 { return s.Decoded }, func(s *domain.Stamps) int64 { return s.Decided }},
	{"risk", func(s *domain.Stamps) int64 { return s.Decided }, func(s *domain.Stamps) int64 { return s.RiskPassed }},
	{"route", func(s *domain.Stamps) int64 { return s.RiskPassed }, func(s *domain.Stamps) int64 { return s.Routed }},
	{"send", func(s *domain.Stamps) int64 { return s.Routed }, func(s *domain.Stamps) int64 { return s.Sent }},
	{"venue-ack", func(s *domain.Stamps) int64 { return s.Sent }, func(s *domain.Stamps) int64 { return s.Acked }},
	{"to-first-fill", func(s *domain.Stamps) int64 { return s.Acked }, func(s *domain.Stamps) int64 { return s.Filled }},
}

// order traces o if it is complete, sampled, of this process and not
// traced yet.
func (t *Tracer) order(ctx context.Context, o *domain.Order) {
	if !complete(o) {
		return
	}
	if _, ok := t.traced[o.ID]; ok {
		return
	}
	if o.Created != 0 && o.Created < t.procStart {
		return // restored: its stamps are another process's clock
	}
	st := &o.Stamps
	all := [...]int64{st.Received, st.Decoded, st.Decided, st.RiskPassed, st.Routed, st.Sent, st.Acked, st.Filled}
	var first, last int64
	for _, v := range all {
		if v == 0 {
			continue
		}
		if first == 0 {
			first = v
		}
		last = max(last, v)
	}
	if first == 0 || !t.Sampled(o.ID) {
		return
	}
	t.remember(o.ID)
	t.emit(ctx, o, first, last)
}

// remember records id as traced, forgetting the oldest past Remember.
func (t *Tracer) remember(id domain.OrderID) {
	t.traced[id] = struct{}{}
	if len(t.ring) < t.opts.Remember {
		t.ring = append(t.ring, id)
		return
	}
	delete(t.traced, t.ring[t.next])
	t.ring[t.next] = id
	t.next = (t.next + 1) % len(t.ring)
}

// emit builds o's trace: the root from first to last and the stages.
func (t *Tracer) emit(ctx context.Context, o *domain.Order, first, last int64) {
	attrs := []attribute.KeyValue{
		attribute.String("desk.order.id", o.ID.String()),
		attribute.String("desk.strategy", t.strategyName(o.Strategy)),
		attribute.String("desk.venue", t.venueName(o.Venue)),
		attribute.String("desk.instrument", t.instrumentName(o.Instrument)),
		attribute.String("desk.side", o.Side.String()),
		attribute.String("desk.order.type", o.Type.String()),
		attribute.String("desk.order.state", o.State.String()),
	}
	if o.Reason != "" {
		attrs = append(attrs, attribute.String("desk.order.reason", o.Reason))
	}
	ctx = context.WithValue(ctx, orderKey{}, o.ID)
	ctx, root := t.tracer.Start(ctx, "order "+o.ID.String(),
		trace.WithNewRoot(),
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithTimestamp(domain.MonoTime(first)),
		trace.WithAttributes(attrs...),
	)
	n := uint64(1)
	for i := range stages {
		s := &stages[i]
		from, to := s.from(&o.Stamps), s.to(&o.Stamps)
		if from == 0 || to == 0 {
			continue
		}
		_, span := t.tracer.Start(ctx, s.name, trace.WithTimestamp(domain.MonoTime(from)))
		span.End(trace.WithTimestamp(domain.MonoTime(max(from, to))))
		n++
	}
	if o.State == domain.StateRejected {
		root.SetStatus(codes.Error, "rejected: "+o.Reason)
	}
	root.End(trace.WithTimestamp(domain.MonoTime(last)))
	t.traces.Add(1)
	t.spans.Add(n)
}

func (t *Tracer) strategyName(id domain.StrategyID) string {
	if t.opts.Names != nil {
		return t.opts.Names.Strategy(id)
	}
	return "strategy-" + strconv.FormatUint(uint64(id), 10)
}

func (t *Tracer) venueName(id domain.VenueID) string {
	if t.opts.Names != nil {
		return t.opts.Names.Venue(id)
	}
	return "venue-" + strconv.FormatUint(uint64(id), 10)
}

func (t *Tracer) instrumentName(id domain.InstrumentID) string {
	if t.opts.Names != nil {
		if in := t.opts.Names.Instrument(id); in != nil && in.Symbol != "" {
			return in.Symbol
		}
	}
	return "instrument-" + strconv.FormatUint(uint64(id), 10)
}

// TraceID returns the trace id of order id's trace: a fixed mix of the
// id, the same in every process, so that spans any process makes for the
// order belong to one trace, and so that the ratio sampler (which reads
// the trace id) decides the same for the order everywhere.
func TraceID(id domain.OrderID) trace.TraceID {
	var tid trace.TraceID
	binary.BigEndian.PutUint64(tid[:8], mix(uint64(id)^0x6465736b2d747263)) // "desk-trc"
	binary.BigEndian.PutUint64(tid[8:], mix(uint64(id)))
	if !tid.IsValid() {
		tid[15] = 1
	}
	return tid
}

// mix is splitmix64's finaliser: a bijection spreading every input bit
// over the output, so the sampler's ratio holds over any set of ids.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// orderKey keys the order id being traced in a context, for orderIDs.
type orderKey struct{}

// orderIDs is the provider's id generator: a root span for an order gets
// TraceID of the order; span ids are random.
type orderIDs struct{}

// NewIDs returns the trace id of the order in ctx (random when there is
// none) and a random span id.
func (g orderIDs) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	if id, ok := ctx.Value(orderKey{}).(domain.OrderID); ok {
		tid := TraceID(id)
		return tid, g.NewSpanID(ctx, tid)
	}
	var tid trace.TraceID
	for !tid.IsValid() {
		binary.BigEndian.PutUint64(tid[:8], rand.Uint64())
		binary.BigEndian.PutUint64(tid[8:], rand.Uint64())
	}
	return tid, g.NewSpanID(ctx, tid)
}

// NewSpanID returns a random, valid span id.
func (orderIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	var sid trace.SpanID
	for !sid.IsValid() {
		binary.BigEndian.PutUint64(sid[:], rand.Uint64())
	}
	return sid
}

// reportingExporter counts exports and logs failures once per outage
// (and the recovery), instead of OpenTelemetry's global error handler
// printing one line per failed batch.
type reportingExporter struct {
	sdktrace.SpanExporter
	log      *slog.Logger
	endpoint string
	exported atomic.Uint64
	failures atomic.Uint64
	failing  atomic.Bool
}

// ExportSpans exports, counts and logs. A failure is not returned: it is
// logged and counted here, and the batch processor would only report it
// again.
func (e *reportingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if err := e.SpanExporter.ExportSpans(ctx, spans); err != nil {
		n := e.failures.Add(1)
		if !e.failing.Swap(true) {
			e.log.Warn("tracing: OTLP export failed; spans are dropped until it recovers",
				"endpoint", e.endpoint, "spans", len(spans), "failures", n, "err", err)
		}
		return nil
	}
	e.exported.Add(uint64(len(spans)))
	if e.failing.Swap(false) {
		e.log.Info("tracing: OTLP export recovered", "endpoint", e.endpoint, "failures", e.failures.Load())
	}
	return nil
}

package tracing

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
)

// collector is an in-test OTLP/HTTP trace collector: it decodes every
// ExportTraceServiceRequest posted to /v1/traces and keeps its spans.
type collector struct {
	srv *httptest.Server

	mu       sync.Mutex
	spans    []*tracepb.Span
	services []string // service.name of each resource seen
	requests int
}

func newCollector(t *testing.T) *collector {
	t.Helper()
	c := &collector{}
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve)) // listens on 127.0.0.1
	t.Cleanup(c.srv.Close)
	return c
}

func (c *collector) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" {
		http.Error(w, "want POST /v1/traces", http.StatusNotFound)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		http.Error(w, "want protobuf, got "+ct, http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.requests++
	for _, rs := range req.GetResourceSpans() {
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				c.services = append(c.services, kv.GetValue().GetStringValue())
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			c.spans = append(c.spans, ss.GetSpans()...)
		}
	}
	c.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(out)
}

// traces groups the spans received by trace id.
func (c *collector) traces() map[trace.TraceID][]*tracepb.Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[trace.TraceID][]*tracepb.Span{}
	for _, s := range c.spans {
		out[trace.TraceID(s.GetTraceId())] = append(out[trace.TraceID(s.GetTraceId())], s)
	}
	return out
}

// script is a Source replaying scripted updates, one per poll, then
// empty ones. done is closed once every update was handed out.
type script struct {
	mu      sync.Mutex
	updates []engine.OrdersUpdate
	calls   int
	done    chan struct{}
}

func newScript(updates ...engine.OrdersUpdate) *script {
	return &script{updates: updates, done: make(chan struct{})}
}

func (s *script) OrdersSince(cursor uint64, finished int) (engine.OrdersUpdate, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if len(s.updates) == 0 {
		select {
		case <-s.done:
		default:
			close(s.done)
		}
		return engine.OrdersUpdate{}, cursor
	}
	u := s.updates[0]
	s.updates = s.updates[1:]
	return u, cursor + 1
}

// inPlaceScript is a script read as engine.Engine.EachOrderSince visits
// the view: each changed order in place, nil for a forgotten one, and on
// a reset the working orders only.
type inPlaceScript struct{ *script }

func (s inPlaceScript) EachOrderSince(cursor uint64, fn func(id domain.OrderID, o *domain.Order)) (uint64, bool) {
	u, next := s.OrdersSince(cursor, 0)
	for i := range u.Orders {
		if o := &u.Orders[i]; !u.Reset || !o.State.Terminal() {
			fn(o.ID, o)
		}
	}
	for _, id := range u.Gone {
		fn(id, nil)
	}
	return next, u.Reset
}

// names is a Names for the tests.
type names struct{}

func (names) Strategy(id domain.StrategyID) string { return "mm" }
func (names) Venue(id domain.VenueID) string       { return "sim" }
func (names) Instrument(id domain.InstrumentID) *domain.Instrument {
	return &domain.Instrument{ID: id, Symbol: "BTC-USD"}
}

// order is an order of strategy 3 at venue 1 whose stamps are stage
// times after base, 1µs and more apart; stages beyond upTo are zero.
func order(seq uint64, base int64, upTo int, state domain.OrderState) domain.Order {
	gaps := [...]int64{0, 2_000, 5_000, 1_500, 800, 3_000, 250_000, 1_200_000}
	var v [8]int64
	at := base
	for i := 0; i < upTo; i++ {
		at += gaps[i] + int64(seq)
		v[i] = at
	}
	return domain.Order{
		ID: domain.MakeOrderID(1, 3, seq), Strategy: 3, Venue: 1, Instrument: 0,
		Side: domain.Buy, Type: domain.Limit, State: state, Qty: 10,
		Created: time.Now().UnixNano(), Updated: time.Now().UnixNano(),
		Stamps: domain.Stamps{Received: v[0], Decoded: v[1], Decided: v[2], RiskPassed: v[3],
			Routed: v[4], Sent: v[5], Acked: v[6], Filled: v[7]},
	}
}

// run runs tr on src until src has handed out its script and one more
// poll, then shuts tr down, all within the test's bound.
func run(t *testing.T, tr *Tracer, src *script) { runSource(t, tr, src, src) }

// runSource is run reading the script through from.
func runSource(t *testing.T, tr *Tracer, src *script, from Source) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- tr.Run(runCtx, from) }()
	select {
	case <-src.done:
	case <-ctx.Done():
		t.Fatal("the tracer did not poll the whole script")
	}
	stop()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("Run did not return")
	}
	if err := tr.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func TestOneTracePerCompletedOrder(t *testing.T) {
	for _, form := range []string{"url", "host:port", "in-place"} {
		t.Run(form, func(t *testing.T) {
			c := newCollector(t)
			endpoint := c.srv.URL // http://127.0.0.1:port, /v1/traces added
			if form == "host:port" {
				endpoint = strings.TrimPrefix(endpoint, "http://")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			tr, err := New(ctx, Options{Endpoint: endpoint, SampleRatio: 1, Interval: 2 * time.Millisecond, Names: names{}})
			if err != nil {
				t.Fatal(err)
			}
			base := domain.Mono()
			filled := order(1, base, 8, domain.StateFilled)
			partial := order(2, base+100, 8, domain.StatePartiallyFilled)
			rejected := order(3, base+200, 3, domain.StateRejected) // by risk
			rejected.Reason = "max-order-qty"
			open := order(4, base+300, 7, domain.StateOpen) // working: no trace yet
			restored := order(5, base+400, 8, domain.StateFilled)
			restored.Created = domain.MonoTime(0).Add(-time.Hour).UnixNano() // another process's stamps

			at := func(o domain.Order, upTo int, s domain.OrderState) domain.Order {
				cp := o
				st := [...]*int64{&cp.Stamps.Received, &cp.Stamps.Decoded, &cp.Stamps.Decided, &cp.Stamps.RiskPassed,
					&cp.Stamps.Routed, &cp.Stamps.Sent, &cp.Stamps.Acked, &cp.Stamps.Filled}
				for _, p := range st[upTo:] {
					*p = 0
				}
				cp.State = s
				return cp
			}
			partialDone := partial
			partialDone.State = domain.StateFilled
			src := newScript(
				engine.OrdersUpdate{Reset: true, Orders: []domain.Order{
					at(filled, 6, domain.StatePendingNew), at(partial, 6, domain.StatePendingNew), open}},
				engine.OrdersUpdate{Orders: []domain.Order{at(partial, 7, domain.StateOpen), filled, rejected}},
				engine.OrdersUpdate{Orders: []domain.Order{partial, restored}},
				engine.OrdersUpdate{Orders: []domain.Order{partialDone, filled}}, // conflated again: traced already
				engine.OrdersUpdate{Reset: true, Orders: []domain.Order{filled, partialDone, rejected, open, restored}},
			)
			if form == "in-place" {
				runSource(t, tr, src, inPlaceScript{src})
			} else {
				run(t, tr, src)
			}

			got := c.traces()
			want := map[domain.OrderID]struct {
				o      domain.Order
				stages []string
			}{
				filled.ID:   {filled, []string{"feed", "strategy", "risk", "route", "send", "venue-ack", "to-first-fill"}},
				partial.ID:  {partial, []string{"feed", "strategy", "risk", "route", "send", "venue-ack", "to-first-fill"}},
				rejected.ID: {rejected, []string{"feed", "strategy"}},
			}
			if len(got) != len(want) {
				t.Fatalf("got %d traces, want %d (one per completed order)", len(got), len(want))
			}
			for id, w := range want {
				spans, ok := got[TraceID(id)]
				if !ok {
					t.Fatalf("no trace for order %v", id)
				}
				checkTrace(t, w.o, spans, w.stages)
			}
			if st := tr.Stats(); st.Traces != 3 || st.Spans != 8+8+3 || st.Exported != st.Spans || st.ExportFailures != 0 {
				t.Errorf("stats %+v", st)
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			for _, s := range c.services {
				if s != "desk" {
					t.Errorf("service.name %q, want desk", s)
				}
			}
		})
	}
}

// checkTrace checks one order's spans: the root over the whole path with
// the order's attributes, and the stages under it, in order, at the
// order's stamps.
func checkTrace(t *testing.T, o domain.Order, spans []*tracepb.Span, stages []string) {
	t.Helper()
	if len(spans) != 1+len(stages) {
		t.Fatalf("order %v: %d spans, want %d", o.ID, len(spans), 1+len(stages))
	}
	var root *tracepb.Span
	for _, s := range spans {
		if len(s.GetParentSpanId()) == 0 {
			if root != nil {
				t.Fatalf("order %v: two roots", o.ID)
			}
			root = s
		}
	}
	if root == nil {
		t.Fatalf("order %v: no root", o.ID)
	}
	if root.GetName() != "order "+o.ID.String() {
		t.Errorf("root named %q", root.GetName())
	}
	st := o.Stamps
	all := []int64{st.Received, st.Decoded, st.Decided, st.RiskPassed, st.Routed, st.Sent, st.Acked, st.Filled}
	all = slices.DeleteFunc(all, func(v int64) bool { return v == 0 })
	wall := func(m int64) uint64 { return uint64(domain.MonoTime(m).UnixNano()) }
	if root.GetStartTimeUnixNano() != wall(all[0]) || root.GetEndTimeUnixNano() != wall(all[len(all)-1]) {
		t.Errorf("root from %d to %d, want %d to %d", root.GetStartTimeUnixNano(), root.GetEndTimeUnixNano(), wall(all[0]), wall(all[len(all)-1]))
	}
	attrs := map[string]string{}
	for _, kv := range root.GetAttributes() {
		attrs[kv.GetKey()] = kv.GetValue().GetStringValue()
	}
	wantAttrs := map[string]string{
		"desk.order.id": o.ID.String(), "desk.strategy": "mm", "desk.venue": "sim", "desk.instrument": "BTC-USD",
		"desk.side": "buy", "desk.order.type": o.Type.String(), "desk.order.state": o.State.String(),
	}
	if o.Reason != "" {
		wantAttrs["desk.order.reason"] = o.Reason
	}
	for k, v := range wantAttrs {
		if attrs[k] != v {
			t.Errorf("order %v: attribute %s = %q, want %q", o.ID, k, attrs[k], v)
		}
	}
	if o.State == domain.StateRejected && root.GetStatus().GetCode() != tracepb.Status_STATUS_CODE_ERROR {
		t.Errorf("rejected order's root status %v, want error", root.GetStatus())
	}

	children := slices.DeleteFunc(slices.Clone(spans), func(s *tracepb.Span) bool { return s == root })
	slices.SortFunc(children, func(a, b *tracepb.Span) int {
		return int(a.GetStartTimeUnixNano()) - int(b.GetStartTimeUnixNano())
	})
	var names []string
	for i, s := range children {
		names = append(names, s.GetName())
		if !bytes.Equal(s.GetParentSpanId(), root.GetSpanId()) {
			t.Errorf("stage %s: parent %x, want the root %x", s.GetName(), s.GetParentSpanId(), root.GetSpanId())
		}
		if !bytes.Equal(s.GetTraceId(), root.GetTraceId()) {
			t.Errorf("stage %s in another trace", s.GetName())
		}
		if s.GetStartTimeUnixNano() != wall(all[i]) || s.GetEndTimeUnixNano() != wall(all[i+1]) {
			t.Errorf("stage %s from %d to %d, want %d to %d", s.GetName(),
				s.GetStartTimeUnixNano(), s.GetEndTimeUnixNano(), wall(all[i]), wall(all[i+1]))
		}
	}
	if !slices.Equal(names, stages) {
		t.Errorf("order %v: stages %v, want %v", o.ID, names, stages)
	}
}

func TestSampleRatioZeroExportsNothing(t *testing.T) {
	c := newCollector(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr, err := New(ctx, Options{Endpoint: c.srv.URL, SampleRatio: 0, Interval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	base := domain.Mono()
	var orders []domain.Order
	for i := range uint64(100) {
		orders = append(orders, order(i+1, base, 8, domain.StateFilled))
	}
	run(t, tr, newScript(engine.OrdersUpdate{Reset: true, Orders: orders}))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.requests != 0 || len(c.spans) != 0 {
		t.Errorf("sample ratio 0: %d requests, %d spans exported", c.requests, len(c.spans))
	}
	if st := tr.Stats(); st.Traces != 0 || st.Spans != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestSamplingIsByOrderID(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	mk := func(r float64) *Tracer {
		tr, err := New(ctx, Options{Endpoint: "127.0.0.1:4318", SampleRatio: r})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tr.Shutdown(ctx) })
		return tr
	}
	a, b, all, none := mk(0.25), mk(0.25), mk(1), mk(0)
	const n = 20_000
	sampled := 0
	seen := map[trace.TraceID]bool{}
	for i := range uint64(n) {
		id := domain.MakeOrderID(uint32(1+i%3), domain.StrategyID(i%7), i)
		s := a.Sampled(id)
		if s != b.Sampled(id) || s != a.Sampled(id) {
			t.Fatalf("order %v sampled differently by two tracers or two calls", id)
		}
		if !all.Sampled(id) || none.Sampled(id) {
			t.Fatalf("order %v: ratio 1 or 0 not honoured", id)
		}
		if s {
			sampled++
		}
		tid := TraceID(id)
		if !tid.IsValid() || tid != TraceID(id) || seen[tid] {
			t.Fatalf("order %v: trace id %v not valid, stable and distinct", id, tid)
		}
		seen[tid] = true
	}
	if f := float64(sampled) / n; f < 0.23 || f > 0.27 {
		t.Errorf("ratio 0.25 sampled %.3f of the orders", f)
	}
}

func TestBadOptions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, o := range []Options{
		{Endpoint: ""},
		{Endpoint: "ftp://collector:4318"},
		{Endpoint: "http://"},
		{Endpoint: "collector"},
		{Endpoint: "collector:http"},
		{Endpoint: ":4318"},
		{Endpoint: "http://[::1"},
		{Endpoint: "127.0.0.1:4318", SampleRatio: 1.5},
		{Endpoint: "127.0.0.1:4318", SampleRatio: -0.1},
	} {
		tr, err := New(ctx, o)
		if err == nil {
			tr.Shutdown(ctx)
			t.Errorf("New(%+v): no error", o)
			continue
		}
		if !strings.HasPrefix(err.Error(), "tracing: ") {
			t.Errorf("New(%+v): error %q does not say it is tracing's", o, err)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// endless is a Source with one completed order per poll, forever.
type endless struct {
	base  int64
	calls atomic.Uint64
}

func (e *endless) OrdersSince(cursor uint64, _ int) (engine.OrdersUpdate, uint64) {
	n := e.calls.Add(1)
	return engine.OrdersUpdate{Orders: []domain.Order{order(n, e.base, 8, domain.StateFilled)}}, cursor + 1
}

func TestUnreachableCollectorIsLoggedAndDoesNotBlockRun(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now: connection refused
	var logs syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tr, err := New(ctx, Options{Endpoint: "http://" + addr, SampleRatio: 1, Interval: time.Millisecond,
		ExportTimeout: 200 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	src := &endless{base: domain.Mono()}
	runCtx, stop := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- tr.Run(runCtx, src) }()

	// Exports fail (after the batch delay of a second, and the export
	// timeout) while Run goes on polling and tracing.
	for tr.Stats().ExportFailures == 0 {
		select {
		case <-ctx.Done():
			t.Fatal("no export failure counted")
		case <-time.After(10 * time.Millisecond):
		}
	}
	before := src.calls.Load()
	deadline := time.After(5 * time.Second)
	for src.calls.Load() < before+50 {
		select {
		case <-deadline:
			t.Fatalf("Run polled %d times in 5s while exports failed", src.calls.Load()-before)
		case <-time.After(time.Millisecond):
		}
	}
	stop()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return promptly after cancel")
	}
	shut, cancelShut := context.WithTimeout(ctx, 5*time.Second)
	defer cancelShut()
	tr.Shutdown(shut) // its final export fails too; bounded by ExportTimeout
	out := logs.String()
	if !strings.Contains(out, "OTLP export failed") || !strings.Contains(out, addr) {
		t.Errorf("the failure is not logged with the endpoint:\n%s", out)
	}
	if n := strings.Count(out, "OTLP export failed"); n != 1 {
		t.Errorf("failure logged %d times, want once per outage:\n%s", n, out)
	}
	if st := tr.Stats(); st.Exported != 0 || st.Traces == 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestRunOnce checks a second concurrent Run is refused.
func TestRunOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr, err := New(ctx, Options{Endpoint: "127.0.0.1:4318", SampleRatio: 0, Interval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Shutdown(ctx)
	src := newScript()
	runCtx, stop := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- tr.Run(runCtx, src) }()
	<-src.done
	if err := tr.Run(ctx, src); err == nil {
		t.Error("a second Run while one runs: no error")
	}
	stop()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// TestMissedCountsSampledOrdersForgottenUnseen checks an order the
// source forgot before it was seen complete is counted, and one traced
// and then forgotten is not.
func TestMissedCountsSampledOrdersForgottenUnseen(t *testing.T) {
	c := newCollector(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr, err := New(ctx, Options{Endpoint: c.srv.URL, SampleRatio: 1, Interval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := order(1, domain.Mono(), 8, domain.StateFilled)
	run(t, tr, newScript(
		engine.OrdersUpdate{Orders: []domain.Order{done}},
		engine.OrdersUpdate{Gone: []domain.OrderID{done.ID, domain.MakeOrderID(1, 3, 99)}},
	))
	if st := tr.Stats(); st.Traces != 1 || st.Missed != 1 {
		t.Errorf("stats %+v, want 1 traced and 1 missed", st)
	}
}

// TestMonoTime checks domain.MonoTime turns a Mono reading into the wall
// time it was taken at.
func TestMonoTime(t *testing.T) {
	before := time.Now()
	m := domain.Mono()
	after := time.Now()
	got := domain.MonoTime(m)
	if got.Before(before) || got.After(after) {
		t.Errorf("MonoTime(Mono()) = %v, not between %v and %v", got, before, after)
	}
	if d := domain.MonoTime(m + 1500).Sub(got); d != 1500 {
		t.Errorf("MonoTime differences: %v, want 1.5µs", d)
	}
}

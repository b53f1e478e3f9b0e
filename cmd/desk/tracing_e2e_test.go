package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/desk-trading/desk/core/desktest"
)

// TestServeTracesOrdersOverOTLP runs a real desk serve with --otlp
// pointed at an in-test OTLP/HTTP collector, every order sampled: the
// collector receives traces of the demo's orders, each a root span with
// its stage spans under it.
func TestServeTracesOrdersOverOTLP(t *testing.T) {
	bin, err := buildDesk()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	roots, children := map[string]string{}, map[string]int{} // trace id -> root name; -> its spans
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
			http.Error(w, "bad export", http.StatusBadRequest)
			return
		}
		mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					id := string(s.TraceId)
					if len(s.ParentSpanId) == 0 {
						roots[id] = s.Name
					} else {
						children[id]++
					}
				}
			}
		}
		mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(out)
	}))
	defer collector.Close()

	dir := desktest.ShortTempDir(t)
	p := startServe(t, bin, filepath.Join(dir, "state"), filepath.Join(dir, "desk.sock"), "--otlp", collector.URL, "--otlp-sample", "1")
	desktest.Eventually(t, within, "traces of orders with their stage spans", func() bool {
		mu.Lock()
		defer mu.Unlock()
		full := 0
		for id := range roots {
			if children[id] >= 4 { // at least feed or strategy, risk, route, send
				full++
			}
		}
		return full >= 3
	})
	if t.Failed() {
		t.Log(p.stderr.String())
	}
}

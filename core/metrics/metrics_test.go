package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
	"github.com/desk-trading/desk/core/metrics"
	"github.com/desk-trading/desk/risk"
)

// fillingVenue acknowledges and fills every order in full, from a
// goroutine of its own as a venue's reader would.
type fillingVenue struct {
	reports chan domain.ExecReport
	trade   uint64
}

func (v *fillingVenue) Submit(o *domain.Order) error {
	v.trade++
	id, qty, px, trade := o.ID, o.Qty, o.Price, v.trade
	go func() {
		now := domain.Mono()
		v.reports <- domain.ExecReport{Kind: domain.ExecAck, OrderID: id, VenueOrderID: uint64(id), Stamps: domain.Stamps{Acked: now}}
		v.reports <- domain.ExecReport{Kind: domain.ExecFill, OrderID: id, LastPx: px, LastQty: qty, TradeID: trade, Stamps: domain.Stamps{Filled: domain.Mono()}}
	}()
	return nil
}
func (v *fillingVenue) Cancel(*domain.Order) error                            { return nil }
func (v *fillingVenue) Replace(*domain.Order, domain.Price, domain.Qty) error { return nil }

type nopHost struct{}

func (nopHost) OnBook(*domain.BookUpdate)                 {}
func (nopHost) OnOrder(*domain.Order)                     {}
func (nopHost) OnFill(*domain.Fill, domain.Qty)           {}
func (nopHost) OnState(domain.TradingState)               {}
func (nopHost) OnRestore(domain.InstrumentID, domain.Qty) {}

type nopJournal struct{ seq uint64 }

func (j *nopJournal) Append(ev *domain.Event) error             { j.seq++; ev.Seq = j.seq; return nil }
func (j *nopJournal) WaitDurable(context.Context, uint64) error { return nil }

// desk is a running engine with one strategy, "mm" in book "alpha", on
// BTC-USD at venue "sim", which fills everything; its max_order_qty is 1.
func desk(t *testing.T) *engine.Engine { return deskTB(t) }

// deskTB is desk for tests and benchmarks.
func deskTB(t testing.TB) *engine.Engine {
	t.Helper()
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{Symbol: "BTC-USD", TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("0.001")})
	if err != nil {
		t.Fatal(err)
	}
	insts := []domain.Instrument{in}
	var maxQty risk.Limits
	maxQty.Set(risk.MaxOrderQty, decimal.RequireFromString("1"))
	tree, err := risk.NewTree(risk.Config{Instruments: insts, Books: []risk.NodeConfig{{Name: "alpha"}},
		Strategies: []risk.StrategyConfig{{ID: 0, Name: "mm", Book: "alpha", Instruments: []domain.InstrumentID{0}, Limits: risk.NodeLimits{Base: maxQty}}}})
	if err != nil {
		t.Fatal(err)
	}
	reports := make(chan domain.ExecReport, 64)
	eng, err := engine.New(engine.Options{Instruments: insts, Venues: []engine.VenueSlot{{ID: 0, Name: "sim", Venue: &fillingVenue{reports: reports}}},
		Strategies: []engine.StrategySlot{{ID: 0, Name: "mm", Kind: "test", Book: "alpha", Host: nopHost{}, Instruments: []domain.InstrumentID{0}}},
		Risk:       tree, Journal: &nopJournal{}, Epoch: 1, Reports: reports})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); eng.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	// Trading has started once Run answers a command: orders stamped
	// from now on are timed.
	if err := eng.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	b := &domain.BookUpdate{Instrument: 0, Venue: 0, Seq: 1, NBids: 1, NAsks: 1}
	b.Bids[0] = domain.Level{Price: 1_000_000, Qty: 1_000}
	b.Asks[0] = domain.Level{Price: 1_000_200, Qty: 1_000}
	eng.OnBook(b)
	return eng
}

// submit sends strategy mm's order of qty lots, as if a book had just
// arrived.
func submit(t *testing.T, eng *engine.Engine, qty domain.Qty) { submitTB(t, eng, qty) }

// submitTB is submit for tests and benchmarks.
func submitTB(t testing.TB, eng *engine.Engine, qty domain.Qty) {
	t.Helper()
	now := domain.Mono()
	in := domain.Intent{Kind: domain.IntentNew, ID: eng.NextOrderID(0), Strategy: 0, Instrument: 0, Side: domain.Buy,
		Type: domain.Limit, TIF: domain.GTC, Price: 1_000_100, Qty: qty, Stamps: domain.Stamps{Received: now, Decoded: now, Decided: now}}
	if err := eng.Submit(&in); err != nil {
		t.Fatal(err)
	}
}

// scrape returns the exporter's families, in the text format or the
// protobuf one (which carries native histograms).
func scrape(t *testing.T, url string, proto bool) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	if proto {
		format = expfmt.NewFormat(expfmt.TypeProtoDelim)
		req.Header.Set("Accept", string(format))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	out := map[string]*dto.MetricFamily{}
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err != nil {
			break
		}
		out[mf.GetName()] = &mf
	}
	if len(out) == 0 {
		t.Fatalf("no metric families in the %s scrape", format)
	}
	return out
}

// metric returns the family's metric with the labels, nil when none.
func metric(mf *dto.MetricFamily, labels map[string]string) *dto.Metric {
	if mf == nil {
		return nil
	}
next:
	for _, m := range mf.Metric {
		for k, v := range labels {
			found := false
			for _, l := range m.Label {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		return m
	}
	return nil
}

// The exporter serves what the engine did, with the right types and
// labels: orders, fills and denials by reason; states; the stage latency
// histograms; the order stream's per-strategy and per-venue histograms,
// native when the scraper asks for protobuf; Go's and the process's.
func TestMetricsRecordWhatTheEngineDid(t *testing.T) {
	eng := desk(t)
	x := metrics.New(eng, metrics.Options{Clients: func() int { return 3 }, Interval: 5 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go x.Run(ctx)
	srv := httptest.NewServer(x.Handler())
	defer srv.Close()

	submit(t, eng, 1_000) // 1.000 BTC: within max_order_qty
	submit(t, eng, 5_000) // denied: max-order-qty
	desktest.Eventually(t, 10*time.Second, "the fill in the status", func() bool {
		s := eng.Snapshot()
		return s.Firm.Totals.Fills == 1 && s.Strategies[0].Denials == 1
	})

	type want struct {
		name   string
		typ    dto.MetricType
		labels map[string]string
		value  float64 // of a counter or gauge
	}
	var fams map[string]*dto.MetricFamily
	desktest.Eventually(t, 10*time.Second, "the order stream observed and the status published", func() bool {
		fams = scrape(t, srv.URL, false)
		m := metric(fams["desk_strategy_tick_to_order_seconds"], map[string]string{"strategy": "mm"})
		st := metric(fams["desk_stage_latency_seconds"], map[string]string{"stage": "tick-to-order"})
		f := metric(fams["desk_fills_total"], map[string]string{"strategy": "mm"})
		return m != nil && m.GetHistogram().GetSampleCount() == 1 && st != nil && f != nil && f.GetCounter().GetValue() == 1
	})
	for _, w := range []want{
		{"desk_orders_sent_total", dto.MetricType_COUNTER, map[string]string{"strategy": "mm", "book": "alpha"}, 1},
		{"desk_fills_total", dto.MetricType_COUNTER, map[string]string{"strategy": "mm", "book": "alpha"}, 1},
		{"desk_denials_total", dto.MetricType_COUNTER, map[string]string{"strategy": "mm", "reason": risk.ReasonMaxOrderQty}, 1},
		{"desk_trading_state", dto.MetricType_GAUGE, map[string]string{"node": "firm", "state": "active"}, 1},
		{"desk_trading_state", dto.MetricType_GAUGE, map[string]string{"node": "mm", "state": "halted"}, 0},
		{"desk_strategy_position", dto.MetricType_GAUGE, map[string]string{"strategy": "mm", "instrument": "BTC-USD"}, 1},
		{"desk_clients_connected", dto.MetricType_GAUGE, nil, 3},
		{"desk_queue_depth", dto.MetricType_GAUGE, map[string]string{"queue": "books"}, 0},
		{"desk_venue_connected", dto.MetricType_GAUGE, map[string]string{"venue": "sim"}, 1},
		{"desk_journal_down", dto.MetricType_GAUGE, nil, 0},
	} {
		mf := fams[w.name]
		if mf == nil || mf.GetType() != w.typ {
			t.Fatalf("%s: family %v, want type %s", w.name, mf, w.typ)
		}
		m := metric(mf, w.labels)
		if m == nil {
			t.Fatalf("%s: no series with labels %v in %v", w.name, w.labels, mf)
		}
		v := m.GetCounter().GetValue()
		if w.typ == dto.MetricType_GAUGE {
			v = m.GetGauge().GetValue()
		}
		if v != w.value {
			t.Fatalf("%s%v = %v, want %v", w.name, w.labels, v, w.value)
		}
	}
	h := metric(fams["desk_stage_latency_seconds"], map[string]string{"stage": "tick-to-order"})
	if fams["desk_stage_latency_seconds"].GetType() != dto.MetricType_HISTOGRAM || h == nil || h.GetHistogram().GetSampleCount() != 1 ||
		len(h.GetHistogram().GetBucket()) == 0 || h.GetHistogram().GetSampleSum() <= 0 {
		t.Fatalf("desk_stage_latency_seconds{stage=tick-to-order}: %v", h)
	}
	if metric(fams["desk_venue_ack_latency_seconds"], map[string]string{"venue": "sim"}).GetHistogram().GetSampleCount() != 1 {
		t.Fatalf("desk_venue_ack_latency_seconds{venue=sim}: %v", fams["desk_venue_ack_latency_seconds"])
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if fams[name] == nil {
			t.Fatalf("%s missing", name)
		}
	}

	pb := scrape(t, srv.URL, true)
	for _, m := range []*dto.Metric{
		metric(pb["desk_strategy_tick_to_order_seconds"], map[string]string{"strategy": "mm"}),
		metric(pb["desk_stage_latency_seconds"], map[string]string{"stage": "tick-to-order"}),
	} {
		hg := m.GetHistogram()
		if hg.Schema == nil || len(hg.GetPositiveSpan()) == 0 || len(hg.GetBucket()) == 0 {
			t.Fatalf("protobuf scrape: want native (schema, spans) and classic buckets both: %v", m)
		}
		var total, run int64 // the native counts are deltas, bucket by bucket
		for _, d := range hg.GetPositiveDelta() {
			run += d
			total += run
		}
		if uint64(total)+hg.GetZeroCount() != hg.GetSampleCount() {
			t.Fatalf("native buckets hold %d samples, the count is %d: %v", total, hg.GetSampleCount(), m)
		}
	}
}

// BenchmarkOrderPathWithMetrics is orders through a running engine (risk,
// OMS, router, a venue that acks and fills each: ns/op is the time per
// order at full throughput) with the exporter off, and on: its
// order-stream reader at its default 250 ms and a scrape every second, 15
// times as often as Prometheus's default. The exporter runs on goroutines
// of its own; what it costs the order path is the CPU it takes from a
// 2-core machine and the view's lock it shares. (The engine's own part,
// the latency counts, is in engine's BenchmarkOrderPath whether or not
// anything scrapes.)
func BenchmarkOrderPathWithMetrics(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			eng := deskTB(b)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if on {
				x := metrics.New(eng, metrics.Options{})
				go x.Run(ctx)
				srv := httptest.NewServer(x.Handler())
				defer srv.Close()
				go func() {
					tick := time.NewTicker(time.Second)
					defer tick.Stop()
					for {
						select {
						case <-ctx.Done():
							return
						case <-tick.C:
							if resp, err := http.Get(srv.URL + "/metrics"); err == nil {
								io.Copy(io.Discard, resp.Body)
								resp.Body.Close()
							}
						}
					}
				}()
			}
			start := eng.Snapshot().Firm.Totals.Fills
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				submitTB(b, eng, 1_000)
			}
			for eng.Snapshot().Firm.Totals.Fills < start+int64(b.N) {
				time.Sleep(100 * time.Microsecond)
			}
		})
	}
}

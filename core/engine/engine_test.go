package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
	"github.com/shopspring/decimal"
)

// recVenue records what the engine sends. It stands in for a connection in
// these unit tests; the daemon's end-to-end test uses the real simulator.
type recVenue struct {
	mu      sync.Mutex
	sent    []domain.Order
	cancels []domain.OrderID
	full    bool // refuse like a full queue
}

func (v *recVenue) Submit(o *domain.Order) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.full {
		return errQueueFull
	}
	v.sent = append(v.sent, *o)
	return nil
}

func (v *recVenue) Cancel(o *domain.Order) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.cancels = append(v.cancels, o.ID)
	return nil
}

func (v *recVenue) Replace(*domain.Order, domain.Price, domain.Qty) error { return nil }

func (v *recVenue) count() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.sent)
}

type queueFullError struct{}

func (queueFullError) Error() string { return "queue full" }

var errQueueFull error = queueFullError{}

// nopVenue accepts everything and keeps nothing, for benchmarks.
type nopVenue struct{}

func (nopVenue) Submit(*domain.Order) error                            { return nil }
func (nopVenue) Cancel(*domain.Order) error                            { return nil }
func (nopVenue) Replace(*domain.Order, domain.Price, domain.Qty) error { return nil }

// memJournal keeps events in memory.
type memJournal struct {
	mu     sync.Mutex
	events []domain.Event
	seq    uint64
}

func (j *memJournal) Append(ev *domain.Event) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	ev.Seq = j.seq
	j.events = append(j.events, *ev)
	return nil
}

func (j *memJournal) WaitDurable(context.Context, uint64) error { return nil }

func (j *memJournal) snapshot() []domain.Event {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]domain.Event(nil), j.events...)
}

// nopJournal counts events, for benchmarks.
type nopJournal struct{ seq uint64 }

func (j *nopJournal) Append(ev *domain.Event) error { j.seq++; ev.Seq = j.seq; return nil }

func (j *nopJournal) WaitDurable(context.Context, uint64) error { return nil }

// recHost records what a strategy is told.
type recHost struct {
	mu     sync.Mutex
	orders []domain.Order
	fills  []domain.Fill
	states []domain.TradingState
}

func (h *recHost) OnBook(*domain.BookUpdate) {}
func (h *recHost) OnOrder(o *domain.Order) {
	h.mu.Lock()
	h.orders = append(h.orders, *o)
	h.mu.Unlock()
}
func (h *recHost) OnFill(f *domain.Fill, _ domain.Qty) {
	h.mu.Lock()
	h.fills = append(h.fills, *f)
	h.mu.Unlock()
}
func (h *recHost) OnRestore(domain.InstrumentID, domain.Qty) {}
func (h *recHost) OnState(s domain.TradingState) {
	h.mu.Lock()
	h.states = append(h.states, s)
	h.mu.Unlock()
}

type nopHost struct{}

func (nopHost) OnBook(*domain.BookUpdate)                 {}
func (nopHost) OnOrder(*domain.Order)                     {}
func (nopHost) OnFill(*domain.Fill, domain.Qty)           {}
func (nopHost) OnState(domain.TradingState)               {}
func (nopHost) OnRestore(domain.InstrumentID, domain.Qty) {}

type fixture struct {
	eng     *Engine
	venue   Venue
	journal Journal
	host    StrategyHost
	in      domain.Instrument
}

func newFixture(t testing.TB, venue Venue, journal Journal, host StrategyHost, limits risk.Limits) *fixture {
	t.Helper()
	return newFixtureQueue(t, venue, journal, host, limits, 0)
}

// newFixtureQueue is newFixture with inbound queues of queue events (zero:
// the default).
func newFixtureQueue(t testing.TB, venue Venue, journal Journal, host StrategyHost, limits risk.Limits, queue int) *fixture {
	t.Helper()
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{
		Symbol: "BTC-USD", TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("0.001"),
	})
	if err != nil {
		t.Fatal(err)
	}
	insts := []domain.Instrument{in}
	tree, err := risk.NewTree(risk.Config{
		Instruments: insts,
		Books:       []risk.NodeConfig{{Name: "alpha"}},
		Strategies: []risk.StrategyConfig{{ID: 0, Name: "mm", Book: "alpha", Limits: risk.NodeLimits{Base: limits},
			Instruments: []domain.InstrumentID{0}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Options{
		Instruments: insts,
		Venues:      []VenueSlot{{ID: 0, Name: "sim", Venue: venue}},
		Strategies:  []StrategySlot{{ID: 0, Name: "mm", Kind: "test", Book: "alpha", Host: host, Instruments: []domain.InstrumentID{0}}},
		Risk:        tree,
		Journal:     journal,
		Epoch:       7,
		QueueSize:   queue,
		Clock:       func() time.Time { return time.Unix(1_700_000_000, 0) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{eng: e, venue: venue, journal: journal, host: host, in: in}
}

// quote gives the instrument a 100.00 / 100.02 market so orders have a
// reference price.
func (f *fixture) quote() {
	b := domain.BookUpdate{Instrument: 0, Venue: 0, Seq: 1, NBids: 1, NAsks: 1}
	b.Bids[0] = domain.Level{Price: 10_000, Qty: 1_000}
	b.Asks[0] = domain.Level{Price: 10_002, Qty: 1_000}
	f.eng.now = f.eng.clock().UnixNano()
	f.eng.onBook(&b)
}

func (f *fixture) intent(qty domain.Qty) domain.Intent {
	return domain.Intent{
		Kind: domain.IntentNew, ID: f.eng.NextOrderID(0), Strategy: 0, Instrument: 0,
		Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC, Price: 10_000, Qty: qty,
	}
}

// liveView runs the view's goroutine, as Run does, for benchmarks that
// drive the engine's handlers directly: the engine hands the view its
// changes and goes on, and the view applies them beside it.
func (f *fixture) liveView(tb testing.TB) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	f.eng.viewLive = true
	go func() { defer close(done); f.eng.view.run(ctx) }()
	tb.Cleanup(func() { cancel(); <-done; f.eng.viewLive = false })
}

// settleView hands the view what the engine collected, as a tick does, and
// waits until a live view has applied it.
func (f *fixture) settleView() {
	for {
		v := f.eng.handView()
		if v <= f.eng.viewNext { // handed over, not left for later
			f.eng.view.waitApplied(context.Background(), v)
			return
		}
		runtime.Gosched() // the view is busy with the previous delta
	}
}

// auditList hands the view what the engine collected and lists the audit
// trail as a query would; for tests that drive the engine without Run.
func (f *fixture) auditList(node string, limit int) []AuditRecord {
	f.eng.handView()
	if limit == 0 {
		limit = -1
	}
	return f.eng.view.auditPage(node, limit)
}

func run(t *testing.T, e *Engine) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func TestNewOrderReachesVenueAndJournal(t *testing.T) {
	v, j, h := &recVenue{}, &memJournal{}, &recHost{}
	f := newFixture(t, v, j, h, risk.Limits{})
	f.quote()
	in := f.intent(5)
	f.eng.onIntent(&in)

	if v.count() != 1 {
		t.Fatalf("venue got %d orders, want 1", v.count())
	}
	sent := v.sent[0]
	if sent.ID != in.ID || sent.State != domain.StatePendingNew || sent.Stamps.RiskPassed == 0 || sent.Stamps.Routed == 0 {
		t.Fatalf("sent order %+v", sent)
	}
	evs := j.snapshot()
	if len(evs) != 1 || evs[0].Kind != domain.EventOrder || evs[0].Order.State != domain.StatePendingNew {
		t.Fatalf("journal = %+v, want one pending-new order", evs)
	}
	if len(h.orders) != 1 || h.orders[0].State != domain.StatePendingNew {
		t.Fatalf("strategy told %+v", h.orders)
	}

	// The venue acks and fills it: journal and strategy hear of both.
	f.eng.onReport(&domain.ExecReport{Kind: domain.ExecAck, OrderID: in.ID, VenueOrderID: 1})
	f.eng.onReport(&domain.ExecReport{Kind: domain.ExecFill, OrderID: in.ID, LastPx: 10_000, LastQty: 5, TradeID: 9})
	if len(h.fills) != 1 || h.orders[len(h.orders)-1].State != domain.StateFilled {
		t.Fatalf("after fill: fills %d, last state %s", len(h.fills), h.orders[len(h.orders)-1].State)
	}
	if got := f.eng.risk.Strategy(0).Position(0); got != 5 {
		t.Fatalf("risk position = %d, want 5", got)
	}
	// The same fill again is applied once only.
	f.eng.onReport(&domain.ExecReport{Kind: domain.ExecFill, OrderID: in.ID, LastPx: 10_000, LastQty: 5, TradeID: 9})
	if len(h.fills) != 1 {
		t.Fatalf("duplicate fill delivered: %d fills", len(h.fills))
	}
}

func TestDeniedOrderReachesNoVenue(t *testing.T) {
	v, j, h := &recVenue{}, &memJournal{}, &recHost{}
	f := newFixture(t, v, j, h, lims(t, "max_order_qty", "0.004"))
	f.quote()
	in := f.intent(5)
	f.eng.onIntent(&in)
	if v.count() != 0 {
		t.Fatalf("a denied order reached the venue")
	}
	evs := j.snapshot()
	if len(evs) != 1 || evs[0].Kind != domain.EventDenied || evs[0].Order.Reason != risk.ReasonMaxOrderQty {
		t.Fatalf("journal = %+v, want one denial for max-order-qty", evs)
	}
	if len(h.orders) != 1 || h.orders[0].State != domain.StateRejected || h.orders[0].Reason != risk.ReasonMaxOrderQty {
		t.Fatalf("strategy told %+v", h.orders)
	}
}

func TestVenueQueueFullRejects(t *testing.T) {
	v, h := &recVenue{full: true}, &recHost{}
	f := newFixture(t, v, &memJournal{}, h, risk.Limits{})
	f.quote()
	in := f.intent(1)
	f.eng.onIntent(&in)
	last := h.orders[len(h.orders)-1]
	if last.State != domain.StateRejected || last.Reason != reasonVenueBusy {
		t.Fatalf("order after a full venue queue: %s %q", last.State, last.Reason)
	}
}

// TestHaltJumpsTheQueue queues intents before a halt reaches the engine and
// checks that none of them is sent: the halt is applied first.
func TestHaltJumpsTheQueue(t *testing.T) {
	v, j, h := &recVenue{}, &memJournal{}, &recHost{}
	f := newFixture(t, v, j, h, risk.Limits{})
	f.quote()
	for i := 0; i < 500; i++ {
		in := f.intent(1)
		if err := f.eng.Submit(&in); err != nil {
			t.Fatal(err)
		}
	}
	halted := make(chan error, 1)
	go func() {
		_, err := f.eng.SetState(context.Background(), "mm", domain.Halted, "test", "halt under backlog")
		halted <- err
	}()
	desktest.Eventually(t, 5*time.Second, "halt queued", func() bool { return len(f.eng.ctrl) == 1 })
	run(t, f.eng)
	if err := <-halted; err != nil {
		t.Fatal(err)
	}
	if err := f.eng.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	desktest.Eventually(t, 5*time.Second, "backlog drained", func() bool { return len(f.eng.intents) == 0 })
	if err := f.eng.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := v.count(); n != 0 {
		t.Fatalf("%d orders reached the venue after the halt", n)
	}
	evs := j.snapshot()
	if evs[0].Kind != domain.EventAudit || evs[0].Audit.Action != "halt" || evs[0].Audit.Who != "test" {
		t.Fatalf("first journal event %+v, want the halt audit", evs[0])
	}
	st := f.eng.Snapshot()
	if st.Strategies[0].State != domain.Halted {
		t.Fatalf("status state %s", st.Strategies[0].State)
	}
}

func TestRestoreRebuildsState(t *testing.T) {
	v, j, h := &recVenue{}, &memJournal{}, &recHost{}
	f := newFixture(t, v, j, h, risk.Limits{})
	f.quote()
	a, b := f.intent(5), f.intent(3)
	f.eng.onIntent(&a)
	f.eng.onIntent(&b)
	f.eng.onReport(&domain.ExecReport{Kind: domain.ExecAck, OrderID: a.ID, VenueOrderID: 1})
	f.eng.onReport(&domain.ExecReport{Kind: domain.ExecFill, OrderID: a.ID, LastPx: 10_000, LastQty: 2, TradeID: 1})
	if _, err := f.eng.setState("alpha", domain.Halted, "test", "restore"); err != nil {
		t.Fatal(err)
	}
	f.eng.publish()
	before := f.eng.Snapshot()

	g := newFixture(t, &recVenue{}, &memJournal{}, &recHost{}, risk.Limits{})
	var sum RestoreSummary
	for _, ev := range j.snapshot() {
		g.eng.Restore(&ev, &sum)
	}
	g.eng.FinishRestore(&sum)
	g.quote()
	g.eng.publish()
	after := g.eng.Snapshot()

	if sum.Orders != 2 || sum.Working != 2 || sum.Fills != 1 || len(sum.Halted) != 1 || sum.Halted[0] != "alpha" {
		t.Fatalf("summary %+v", sum)
	}
	bs, as := before.Strategies[0], after.Strategies[0]
	bs.Positions[0].Mark, as.Positions[0].Mark = 0, 0
	if bs.State != as.State || bs.Totals != as.Totals || bs.Positions[0] != as.Positions[0] {
		t.Fatalf("restored strategy\n%+v\nwant\n%+v", as, bs)
	}
	// New ids do not collide with restored ones of the same epoch.
	if id := g.eng.NextOrderID(0); id <= b.ID {
		t.Fatalf("next id %s not after restored %s", id, b.ID)
	}
}

// BenchmarkOrderPath measures one order through the hot path (intent ->
// OMS -> risk -> router -> OMS pending-new -> journal queue -> venue
// submit) and its fill report back (OMS -> journal -> positions and risk ->
// strategy), with a venue and journal that only count.
func BenchmarkOrderPath(b *testing.B) {
	f := newFixture(b, nopVenue{}, &nopJournal{}, nopHost{}, lims(b, "max_order_qty", "10", "max_order_notional", "1000000", "max_position", "1000000", "price_collar_bps", "100"))
	f.liveView(b)
	f.quote()
	in := f.intent(1)
	fill := domain.ExecReport{Kind: domain.ExecFill, LastPx: 10_000, LastQty: 1}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		in.ID = f.eng.NextOrderID(0)
		in.Side = domain.Side(1 + i&1) // alternate so the position stays flat
		f.eng.onIntent(&in)
		fill.OrderID, fill.TradeID = in.ID, uint64(i+1)
		f.eng.onReport(&fill)
		if i%1000 == 999 {
			// The engine hands its changes to the view at every snapshot
			// tick; without it the hand-over's batch only grows.
			f.eng.handView()
		}
	}
}

func TestAuditListsStateChangesAndDenials(t *testing.T) {
	v, j, h := &recVenue{}, &memJournal{}, &recHost{}
	f := newFixture(t, v, j, h, lims(t, "max_order_qty", "0.004"))
	f.quote()
	if _, err := f.eng.setState("mm", domain.Halted, "uid 7 (op)", "lunch"); err != nil {
		t.Fatal(err)
	}
	in := f.intent(1)
	f.eng.onIntent(&in) // denied: halted
	if _, err := f.eng.setState("mm", domain.Active, "uid 7 (op)", "back"); err != nil {
		t.Fatal(err)
	}
	big := f.intent(5)
	f.eng.onIntent(&big) // denied: max-order-qty

	got := f.auditList("", 0)
	// A denial is rendered (core/wire) as node: its strategy, action
	// "deny", who "risk", new: the reason.
	want := []struct{ action, who, new string }{
		{"halt", "uid 7 (op)", "halted"}, {"deny", "risk", "halted"},
		{"resume", "uid 7 (op)", "active"}, {"deny", "risk", "max-order-qty"},
	}
	if len(got) != len(want) {
		t.Fatalf("audit has %d entries, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		var ok bool
		if w.action == "deny" {
			ok = g.Kind == domain.EventDenied && f.eng.Names().Strategy(g.Order.Strategy) == "mm" && g.Order.Reason == w.new
		} else {
			a := g.Audit
			ok = g.Kind == domain.EventAudit && a.Node == "mm" && a.Action == w.action && a.Who == w.who && a.New == w.new
		}
		if !ok || g.Seq == 0 {
			t.Fatalf("entry %d = %+v, want %+v", i, g, w)
		}
	}
	if last := f.auditList("mm", 1); len(last) != 1 || last[0].Kind != domain.EventDenied || last[0].Order.Reason != "max-order-qty" {
		t.Fatalf("last entry for mm: %+v", last)
	}
	if none := f.auditList("other", 0); len(none) != 0 {
		t.Fatalf("entries for another node: %+v", none)
	}
}

// lims builds risk limits from key, value pairs.
func lims(t testing.TB, kv ...string) risk.Limits {
	t.Helper()
	var l risk.Limits
	for i := 0; i < len(kv); i += 2 {
		k, err := risk.ParseKey(kv[i])
		if err != nil {
			t.Fatal(err)
		}
		l.Set(k, decimal.RequireFromString(kv[i+1]))
	}
	return l
}

// TestStopJournalsQueuedReports: reports a venue delivered before the
// engine stopped are applied and journaled on the way out.
func TestStopJournalsQueuedReports(t *testing.T) {
	v, j, h := &recVenue{}, &memJournal{}, &recHost{}
	f := newFixture(t, v, j, h, risk.Limits{})
	f.quote()
	in := f.intent(5)
	f.eng.onIntent(&in)
	f.eng.reports <- domain.ExecReport{Kind: domain.ExecAck, OrderID: in.ID, VenueOrderID: 1}
	f.eng.reports <- domain.ExecReport{Kind: domain.ExecFill, OrderID: in.ID, LastPx: 10_000, LastQty: 5, TradeID: 1}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stopped before it ever ran
	if err := f.eng.Run(ctx); err != nil {
		t.Fatal(err)
	}
	var fills int
	for _, ev := range j.snapshot() {
		if ev.Kind == domain.EventFill {
			fills++
		}
	}
	if fills != 1 || f.eng.Snapshot().Strategies[0].Totals.Fills != 1 {
		t.Fatalf("journaled %d fills, status %d, want the queued fill", fills, f.eng.Snapshot().Strategies[0].Totals.Fills)
	}
}

// TestDuplicateIDLeavesTheOrderAlone: a strategy reusing an order id gets
// an audit record, and the journal still replays the real order.
func TestDuplicateIDLeavesTheOrderAlone(t *testing.T) {
	v, j, h := &recVenue{}, &memJournal{}, &recHost{}
	f := newFixture(t, v, j, h, risk.Limits{})
	f.quote()
	in := f.intent(5)
	f.eng.onIntent(&in)
	again := in
	again.Qty = 1
	f.eng.onIntent(&again)
	if v.count() != 1 || len(h.orders) != 1 {
		t.Fatalf("venue got %d orders, strategy told %d times", v.count(), len(h.orders))
	}
	g := newFixture(t, &recVenue{}, &memJournal{}, &recHost{}, risk.Limits{})
	var sum RestoreSummary
	for _, ev := range j.snapshot() {
		g.eng.Restore(&ev, &sum)
	}
	o, ok := g.eng.oms.Get(in.ID)
	if !ok || o.State != domain.StatePendingNew || o.Qty != 5 {
		t.Fatalf("replayed order %+v", o)
	}
	if a := f.auditList("mm", 0); len(a) != 1 || a[0].Kind != domain.EventAudit || a[0].Audit.New != "duplicate-id" {
		t.Fatalf("audit %+v", a)
	}
}

// TestApplyConfigMostRecentChangeWins: an operator's live edit survives a
// restart with the same config; a config edit made after it wins.
func TestApplyConfigMostRecentChangeWins(t *testing.T) {
	j := &memJournal{}
	maxPos := func(v string) []ConfigLimit {
		k, _ := risk.ParseKey("max_position")
		return []ConfigLimit{{Node: "mm", Key: k, Value: decimal.RequireFromString(v)}}
	}
	limit := func(e *Engine) string {
		l, _ := e.risk.NodeLimits("mm")
		return l.Base.Map()["max_position"]
	}
	restart := func(cfg []ConfigLimit) *Engine {
		f := newFixture(t, &recVenue{}, &memJournal{}, &recHost{}, risk.Limits{})
		var sum RestoreSummary
		for _, ev := range j.snapshot() {
			f.eng.Restore(&ev, &sum)
		}
		f.eng.FinishRestore(&sum)
		f.eng.opts.Journal = j // go on appending to the same journal
		f.eng.ApplyConfig(cfg)
		return f.eng
	}

	e := restart(maxPos("2")) // first start: the config's value, journaled as who=config
	if limit(e) != "2" {
		t.Fatalf("first start: %s", limit(e))
	}
	e.limitsSet(&command{node: "mm", key: "max_position", value: "5", who: "uid 1 (op)"})
	if e := restart(maxPos("2")); limit(e) != "5" {
		t.Fatalf("same config after a live edit: %s, want the edit (5)", limit(e))
	}
	if e := restart(maxPos("3")); limit(e) != "3" {
		t.Fatalf("config changed after the edit: %s, want the config (3)", limit(e))
	}
	if e := restart(nil); limit(e) != "" {
		t.Fatalf("config no longer sets it: %q, want none", limit(e))
	}
	var who []string
	for _, ev := range j.snapshot() {
		if ev.Kind == domain.EventAudit && ev.Audit.Action == "limit" {
			who = append(who, ev.Audit.Who+":"+ev.Audit.New)
		}
	}
	if got := fmt.Sprint(who); got != "[config:max_position=2 uid 1 (op):max_position=5 config:max_position=3 config:max_position=0]" {
		t.Fatalf("limit audit %s", got)
	}
}

// TestLatencyPerStage: an order carrying the stamps of the book that
// triggered it is measured at every stage, and its ack too.
func TestLatencyPerStage(t *testing.T) {
	v, j, h := &recVenue{}, &memJournal{}, &recHost{}
	f := newFixture(t, v, j, h, risk.Limits{})
	f.quote()
	in := f.intent(1)
	now := domain.Mono()
	in.Stamps = domain.Stamps{Received: now - 3000, Decoded: now - 2000, Decided: now - 1000}
	f.eng.onIntent(&in)
	f.eng.onReport(&domain.ExecReport{Kind: domain.ExecAck, OrderID: in.ID, VenueOrderID: 1})
	f.eng.publish()
	got := map[string]int64{}
	for _, s := range f.eng.Snapshot().Latency {
		got[s.Stage.String()] = s.Count
		if s.P50 <= 0 || s.P99 < s.P50 || s.Max < s.P99 {
			t.Fatalf("stage %+v", s)
		}
	}
	for _, stage := range []string{"strategy", "risk", "route", "send", "venue-ack", "tick-to-order"} {
		if got[stage] != 1 {
			t.Fatalf("stage %s counted %d, want 1 (all: %v)", stage, got[stage], got)
		}
	}
}

// TestKillCancelsAnOrderMidReplace: a kill that meets an order waiting on
// a replace cancels it the moment the venue answers the replace.
func TestKillCancelsAnOrderMidReplace(t *testing.T) {
	for _, answer := range []domain.ExecKind{domain.ExecReplaced, domain.ExecReplaceReject} {
		v, j, h := &recVenue{}, &memJournal{}, &recHost{}
		f := newFixture(t, v, j, h, risk.Limits{})
		f.quote()
		in := f.intent(5)
		f.eng.onIntent(&in)
		f.eng.onReport(&domain.ExecReport{Kind: domain.ExecAck, OrderID: in.ID, VenueOrderID: 1})
		rep := domain.Intent{Kind: domain.IntentReplace, ID: in.ID, Strategy: 0, Price: 10_001, Qty: 5}
		f.eng.onIntent(&rep)
		if o, _ := f.eng.oms.Get(in.ID); o.State != domain.StatePendingReplace {
			t.Fatalf("state %s, want pending-replace", o.State)
		}
		res, err := f.eng.kill(risk.FirmNode, "test", "")
		if err != nil || res.Canceled != 1 {
			t.Fatalf("kill: %+v %v", res, err)
		}
		if len(v.cancels) != 0 {
			t.Fatalf("a cancel went out while the replace was pending")
		}
		f.eng.onReport(&domain.ExecReport{Kind: answer, OrderID: in.ID, Price: 10_001, Qty: 5})
		if len(v.cancels) != 1 || v.cancels[0] != in.ID {
			t.Fatalf("after %s: cancels %v, want the order", answer, v.cancels)
		}
		if o, _ := f.eng.oms.Get(in.ID); o.State != domain.StatePendingCancel {
			t.Fatalf("after %s: state %s, want pending-cancel", answer, o.State)
		}
	}
}

// TestVenueDownTripsTheFirm: a venue that disconnects is skipped by the
// router and trips the venue-down breaker (reduce-only by default).
func TestVenueDownTripsTheFirm(t *testing.T) {
	v, j, h := &recVenue{}, &memJournal{}, &recHost{}
	f := newFixture(t, v, j, h, risk.Limits{})
	f.quote()
	f.eng.command(&command{kind: cmdVenueState, venue: 0, flag: false})
	if f.eng.router.Connected(0) {
		t.Fatal("router still routes to a venue that is down")
	}
	st := f.eng.Snapshot()
	if st.Firm.State != domain.ReduceOnly || len(st.Firm.Breakers) != 1 || st.Firm.Breakers[0] != risk.BreakerVenueDown {
		t.Fatalf("firm after venue down: %s %v", st.Firm.State, st.Firm.Breakers)
	}
	in := f.intent(1)
	f.eng.onIntent(&in)
	if v.count() != 0 || h.orders[len(h.orders)-1].Reason != risk.ReasonReduceOnly {
		t.Fatalf("an opening order went out after venue down: %+v", h.orders[len(h.orders)-1])
	}
}

// TestJournalFailThenRecoverAtOnce reports a journal failure and its
// recovery back to back, as a writer whose first retry succeeds does: the
// engine must trip the journal breaker for the outage, whatever order the
// two reports reach it in, and end up with the journal up, so that an
// operator's reset goes through.
func TestJournalFailThenRecoverAtOnce(t *testing.T) {
	for range 50 {
		f := newFixture(t, nopVenue{}, &memJournal{}, nopHost{}, risk.Limits{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); f.eng.Run(ctx) }()
		f.eng.JournalFailed(errors.New("no space left on device"))
		f.eng.JournalRecovered()
		desktest.Eventually(t, 5*time.Second, "the journal breaker trips", func() bool {
			return slices.Contains(f.eng.Snapshot().Firm.Breakers, risk.BreakerJournal)
		})
		desktest.Eventually(t, 5*time.Second, "a reset goes through", func() bool {
			_, err := f.eng.Reset(ctx, "firm", "", "op", "journal back")
			return err == nil
		})
		cancel()
		<-done
	}
}

// A reset that clears a breaker but leaves the node halted by an
// operator's halt says why.
func TestResetLeavingAHaltSaysWhy(t *testing.T) {
	f := newFixture(t, nopVenue{}, &memJournal{}, nopHost{}, risk.Limits{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); f.eng.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if _, err := f.eng.SetState(ctx, "firm", domain.Halted, "uid 0 (root)", "lunch"); err != nil {
		t.Fatal(err)
	}
	f.eng.JournalFailed(errors.New("no space left on device"))
	f.eng.JournalRecovered()
	var r ResetResult
	desktest.Eventually(t, 5*time.Second, "a reset goes through", func() bool {
		var err error
		r, err = f.eng.Reset(ctx, "firm", "", "op", "journal back")
		return err == nil && len(r.Cleared) > 0
	})
	if r.State != domain.Halted || !strings.Contains(r.Cause, "firm halted by uid 0 (root)") || !strings.Contains(r.Cause, "(lunch)") {
		t.Fatalf("reset = %+v", r)
	}
}

package sim_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/brokers/sim/match"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
	"github.com/shopspring/decimal"
)

// The venue is what the engine trades on. Only this test imports the
// engine: brokers must not depend on it, but must keep fitting its port.
var _ engine.Venue = (*sim.Venue)(nil)

// waitFor bounds every wait in these tests; it is a failure deadline, never
// an expectation about how fast the venue is.
const waitFor = 5 * time.Second

const venueID domain.VenueID = 7

func instrument(t *testing.T, id domain.InstrumentID, symbol string) domain.Instrument {
	t.Helper()
	in, err := domain.NewInstrument(id, domain.InstrumentSpec{Symbol: symbol, Base: "X", Quote: "USD",
		TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("1")})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// recSink records market data; the venue goroutine writes, the test reads.
// Like the feed handler, it stamps each book it is handed, in place.
type recSink struct {
	mu     sync.Mutex
	books  []domain.BookUpdate
	trades []domain.Trade
}

func (s *recSink) Book(b *domain.BookUpdate) {
	s.mu.Lock()
	s.books = append(s.books, *b)
	s.mu.Unlock()
	b.Stamps.Received, b.Stamps.Decoded = domain.Mono(), domain.Mono()
}

func (s *recSink) Trade(t *domain.Trade) {
	s.mu.Lock()
	s.trades = append(s.trades, *t)
	s.mu.Unlock()
}

func (s *recSink) snapshot() ([]domain.BookUpdate, []domain.Trade) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.books), slices.Clone(s.trades)
}

type harness struct {
	v       *sim.Venue
	reports chan domain.ExecReport
	sink    *recSink
}

// start runs a venue for the test's duration. Unless opts says otherwise it
// lists one instrument (id 0), has no background flow, charges 5 bps taker
// and pays a 1 bp maker rebate. Cleanup cancels Run and waits for it.
func start(t *testing.T, opts sim.Options) *harness {
	t.Helper()
	h := &harness{reports: make(chan domain.ExecReport, 1024), sink: &recSink{}}
	if opts.Instruments == nil {
		opts.Instruments = []sim.SimInstrument{{Instrument: instrument(t, 0, "AAA-USD"), InitialPrice: 10000}}
	}
	if opts.Reports == nil {
		opts.Reports = h.reports
	}
	if opts.Fees == (sim.Fees{}) {
		opts.Fees = sim.Fees{MakerBps: decimal.NewFromInt(-1), TakerBps: decimal.NewFromInt(5)}
	}
	opts.ID = venueID
	opts.Market = h.sink
	v, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.v = v
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- v.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(waitFor):
			t.Errorf("Run did not return after cancel")
		}
	})
	desktest.Eventually(t, waitFor, "venue connected", v.Connected)
	return h
}

// next returns the next report, failing the test if none comes.
func (h *harness) next(t *testing.T) domain.ExecReport {
	t.Helper()
	select {
	case r := <-h.reports:
		return r
	case <-time.After(waitFor):
		t.Fatal("no execution report")
		return domain.ExecReport{}
	}
}

// expect reads len(kinds) reports and checks their kinds and order ids.
func (h *harness) expect(t *testing.T, want ...want) []domain.ExecReport {
	t.Helper()
	var got []domain.ExecReport
	for i, w := range want {
		r := h.next(t)
		if r.Kind != w.kind || r.OrderID != w.id {
			t.Fatalf("report %d: %v for order %v, want %v for %v (%+v)", i, r.Kind, r.OrderID, w.kind, w.id, r)
		}
		if r.Venue != venueID || r.VenueTime == 0 {
			t.Errorf("report %d: venue %d, venue time %d", i, r.Venue, r.VenueTime)
		}
		got = append(got, r)
	}
	return got
}

type want struct {
	kind domain.ExecKind
	id   domain.OrderID
}

func (h *harness) quiet(t *testing.T) {
	t.Helper()
	// Nothing more may be pending: ask the venue a question, which it
	// answers between batches, after flushing the reports of the last one.
	if _, err := h.v.OpenOrders(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-h.reports:
		t.Fatalf("unexpected report %+v", r)
	default:
	}
}

func limit(id domain.OrderID, side domain.Side, px domain.Price, qty domain.Qty) *domain.Order {
	return &domain.Order{ID: id, Instrument: 0, Venue: venueID, Side: side, Type: domain.Limit,
		TIF: domain.GTC, Price: px, Qty: qty}
}

func submit(t *testing.T, v *sim.Venue, o *domain.Order) {
	t.Helper()
	if err := v.Submit(o); err != nil {
		t.Fatalf("Submit %v: %v", o.ID, err)
	}
}

func TestCrossingLimitAcksAndFillsWithFees(t *testing.T) {
	h := start(t, sim.Options{})
	sellOrder := limit(1, domain.Sell, 10000, 2) // 2 at 100.00
	sellOrder.Stamps.Sent = 11
	submit(t, h.v, sellOrder)
	ack1 := h.expect(t, want{domain.ExecAck, 1})[0]

	buyOrder := limit(2, domain.Buy, 10100, 3) // crosses, trades at the resting 100.00
	buyOrder.Stamps.Sent = 22
	submit(t, h.v, buyOrder)
	rs := h.expect(t, want{domain.ExecAck, 2}, want{domain.ExecFill, 2}, want{domain.ExecFill, 1})
	ack2, taker, maker := rs[0], rs[1], rs[2]
	h.quiet(t)

	if ack1.VenueOrderID == 0 || ack2.VenueOrderID == 0 || ack1.VenueOrderID == ack2.VenueOrderID {
		t.Errorf("venue order ids %d, %d", ack1.VenueOrderID, ack2.VenueOrderID)
	}
	// Notional 2 x 100.00 = 200: taker 5 bps = 0.10, maker -1 bp = -0.02.
	if taker.LastPx != 10000 || taker.LastQty != 2 || taker.Liquidity != domain.Taker ||
		taker.Fee != 10_000_000 || taker.VenueOrderID != ack2.VenueOrderID || taker.Stamps.Sent != 22 {
		t.Errorf("taker fill %+v", taker)
	}
	if maker.LastPx != 10000 || maker.LastQty != 2 || maker.Liquidity != domain.Maker ||
		maker.Fee != -2_000_000 || maker.VenueOrderID != ack1.VenueOrderID || maker.Stamps.Sent != 11 {
		t.Errorf("maker fill %+v", maker)
	}
	// One trade, one id, on both fills (told apart by their order ids).
	if taker.TradeID == 0 || taker.TradeID != maker.TradeID {
		t.Errorf("trade ids: taker %d maker %d, want one nonzero id", taker.TradeID, maker.TradeID)
	}

	// The public tape shows the trade and a book with the buy remainder.
	desktest.Eventually(t, waitFor, "trade and book published", func() bool {
		books, trades := h.sink.snapshot()
		if len(trades) != 1 || len(books) == 0 {
			return false
		}
		last := books[len(books)-1]
		return last.NBids == 1 && last.Bids[0] == domain.Level{Price: 10100, Qty: 1} && last.NAsks == 0
	})
	_, trades := h.sink.snapshot()
	tr := trades[0]
	if tr.Price != 10000 || tr.Qty != 2 || tr.Aggressor != domain.Buy || tr.TradeID != taker.TradeID ||
		tr.Venue != venueID {
		t.Errorf("public trade %+v", tr)
	}
	if ids, err := h.v.OpenOrders(context.Background()); err != nil || !slices.Equal(ids, []domain.OrderID{2}) {
		t.Errorf("OpenOrders = %v, %v; want [2]", ids, err)
	}
}

func TestFractionalBpsRoundTowardZero(t *testing.T) {
	h := start(t, sim.Options{Fees: sim.Fees{MakerBps: decimal.RequireFromString("-0.25"),
		TakerBps: decimal.RequireFromString("2.5")}})
	submit(t, h.v, limit(1, domain.Sell, 333, 7)) // 7 at 3.33: notional 23.31
	submit(t, h.v, limit(2, domain.Buy, 333, 7))
	rs := h.expect(t, want{domain.ExecAck, 1}, want{domain.ExecAck, 2}, want{domain.ExecFill, 2}, want{domain.ExecFill, 1})
	// 23.31 * 2.5 / 10000 = 0.00582750; 23.31 * -0.25 / 10000 = -0.00058275.
	if rs[2].Fee != 582_750 || rs[3].Fee != -58_275 {
		t.Errorf("fees %d, %d; want 582750, -58275", rs[2].Fee, rs[3].Fee)
	}
}

func TestRejects(t *testing.T) {
	h := start(t, sim.Options{})
	submit(t, h.v, limit(1, domain.Sell, 10000, 5))
	h.expect(t, want{domain.ExecAck, 1})

	postOnly := limit(2, domain.Buy, 10000, 1)
	postOnly.PostOnly = true
	unknownInst := limit(3, domain.Buy, 9900, 1)
	unknownInst.Instrument = 9
	fok := limit(6, domain.Buy, 10000, 6)
	fok.TIF = domain.FOK
	gtd := limit(7, domain.Buy, 9900, 1)
	gtd.TIF = domain.GTD
	stop := limit(8, domain.Buy, 9900, 1)
	stop.Type = domain.Stop
	tests := []struct {
		o      *domain.Order
		reason string
	}{
		{postOnly, match.ReasonPostOnlyWouldCross},
		{unknownInst, sim.ReasonUnknownInstrument},
		{limit(4, domain.Buy, 9950, 0), match.ReasonBadQty},
		{limit(5, domain.Buy, 9950, -1), match.ReasonBadQty},
		{limit(5, domain.Buy, -100, 1), match.ReasonBadPrice},
		{fok, match.ReasonFOKNotFillable},
		{gtd, match.ReasonBadTIF},
		{stop, match.ReasonBadType},
		{limit(1, domain.Buy, 9900, 1), match.ReasonDuplicateID},
		{limit(0, domain.Buy, 9900, 1), match.ReasonBadID},
	}
	for _, tt := range tests {
		submit(t, h.v, tt.o)
		r := h.expect(t, want{domain.ExecReject, tt.o.ID})[0]
		if r.Reason != tt.reason {
			t.Errorf("order %v: reason %q, want %q", tt.o.ID, r.Reason, tt.reason)
		}
	}
	// The same post-only order one tick lower rests.
	postOnly.ID, postOnly.Price = 20, 9999
	submit(t, h.v, postOnly)
	h.expect(t, want{domain.ExecAck, 20})
	h.quiet(t)
}

func TestOffTickAndOffLotAreRejected(t *testing.T) {
	// Tick 0.05 is 5 price units, lot 0.5 is 5 quantity units.
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{Symbol: "BBB-USD",
		TickSize: decimal.RequireFromString("0.05"), LotSize: decimal.RequireFromString("0.5")})
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, sim.Options{Instruments: []sim.SimInstrument{{Instrument: in}}})
	submit(t, h.v, limit(1, domain.Buy, 1003, 10)) // 10.03
	submit(t, h.v, limit(2, domain.Buy, 1005, 3))  // 0.3
	o := limit(3, domain.Buy, 1005, 10)
	submit(t, h.v, o)
	rs := h.expect(t, want{domain.ExecReject, 1}, want{domain.ExecReject, 2}, want{domain.ExecAck, 3})
	if rs[0].Reason != match.ReasonBadPrice || rs[1].Reason != match.ReasonBadQty {
		t.Errorf("reasons %q, %q", rs[0].Reason, rs[1].Reason)
	}
	for _, r := range []struct {
		px     domain.Price
		qty    domain.Qty
		reason string
	}{{1006, 10, match.ReasonBadPrice}, {1010, 12, match.ReasonBadQty}} {
		if err := h.v.Replace(o, r.px, r.qty); err != nil {
			t.Fatal(err)
		}
		if got := h.expect(t, want{domain.ExecReplaceReject, 3})[0]; got.Reason != r.reason {
			t.Errorf("replace to %d x %d: reason %q, want %q", r.px, r.qty, got.Reason, r.reason)
		}
	}
	h.quiet(t)
}

func TestCancel(t *testing.T) {
	h := start(t, sim.Options{})
	o := limit(1, domain.Buy, 9900, 5)
	submit(t, h.v, o)
	h.expect(t, want{domain.ExecAck, 1})
	if err := h.v.Cancel(o); err != nil {
		t.Fatal(err)
	}
	r := h.expect(t, want{domain.ExecCanceled, 1})[0]
	if r.Reason != match.ReasonCanceled || r.VenueOrderID == 0 {
		t.Errorf("cancel report %+v", r)
	}
	if err := h.v.Cancel(o); err != nil {
		t.Fatal(err)
	}
	if r := h.expect(t, want{domain.ExecCancelReject, 1})[0]; r.Reason != match.ReasonUnknownOrder {
		t.Errorf("cancel reject reason %q", r.Reason)
	}
	if ids, err := h.v.OpenOrders(context.Background()); err != nil || len(ids) != 0 {
		t.Errorf("OpenOrders = %v, %v; want none", ids, err)
	}
}

func TestIOCRemainderIsCanceled(t *testing.T) {
	h := start(t, sim.Options{})
	submit(t, h.v, limit(1, domain.Sell, 10000, 2))
	o := limit(2, domain.Buy, 10000, 5)
	o.TIF = domain.IOC
	submit(t, h.v, o)
	rs := h.expect(t, want{domain.ExecAck, 1}, want{domain.ExecAck, 2}, want{domain.ExecFill, 2},
		want{domain.ExecFill, 1}, want{domain.ExecCanceled, 2})
	if rs[4].Reason != match.ReasonIOCRemainder {
		t.Errorf("reason %q", rs[4].Reason)
	}
	h.quiet(t)
}

func TestReplace(t *testing.T) {
	h := start(t, sim.Options{})
	o := limit(1, domain.Buy, 9900, 5)
	submit(t, h.v, o)
	h.expect(t, want{domain.ExecAck, 1})

	if err := h.v.Replace(o, 9900, 3); err != nil {
		t.Fatal(err)
	}
	if r := h.expect(t, want{domain.ExecReplaced, 1})[0]; r.Price != 9900 || r.Qty != 3 {
		t.Errorf("replaced %+v", r)
	}
	if err := h.v.Replace(o, 9901, 3); err != nil {
		t.Fatal(err)
	}
	if r := h.expect(t, want{domain.ExecReplaced, 1})[0]; r.Price != 9901 || r.Qty != 3 {
		t.Errorf("replaced %+v", r)
	}

	// A replace to a crossing price trades at once, as a taker.
	submit(t, h.v, limit(2, domain.Sell, 10000, 2))
	h.expect(t, want{domain.ExecAck, 2})
	if err := h.v.Replace(o, 10000, 3); err != nil {
		t.Fatal(err)
	}
	rs := h.expect(t, want{domain.ExecReplaced, 1}, want{domain.ExecFill, 1}, want{domain.ExecFill, 2})
	if rs[1].Liquidity != domain.Taker || rs[1].LastQty != 2 || rs[2].Liquidity != domain.Maker {
		t.Errorf("fills after replace %+v, %+v", rs[1], rs[2])
	}

	// Replacing to a quantity not above what filled cancels the rest.
	if err := h.v.Replace(o, 10000, 2); err != nil {
		t.Fatal(err)
	}
	if r := h.expect(t, want{domain.ExecCanceled, 1})[0]; r.Reason != match.ReasonReplacedBelowFilled {
		t.Errorf("reason %q", r.Reason)
	}
	// The order is done now, and order 2 filled completely.
	for _, id := range []domain.OrderID{1, 2, 99} {
		if err := h.v.Replace(limit(id, domain.Buy, 0, 0), 9900, 1); err != nil {
			t.Fatal(err)
		}
		if r := h.expect(t, want{domain.ExecReplaceReject, id})[0]; r.Reason != match.ReasonUnknownOrder {
			t.Errorf("order %v: reason %q", id, r.Reason)
		}
	}
	h.quiet(t)
}

func TestLatencyDelaysButKeepsOrder(t *testing.T) {
	h := start(t, sim.Options{Latency: 3 * time.Millisecond})
	for id := domain.OrderID(1); id <= 20; id++ {
		submit(t, h.v, limit(id, domain.Buy, 9000+domain.Price(id), 1))
	}
	for id := domain.OrderID(1); id <= 20; id++ {
		h.expect(t, want{domain.ExecAck, id})
	}
	h.quiet(t)
}

func TestBackgroundFlowPublishesSaneBooks(t *testing.T) {
	a, b := instrument(t, 0, "AAA-USD"), instrument(t, 1, "BBB-USD")
	h := start(t, sim.Options{
		Seed: 3,
		Instruments: []sim.SimInstrument{
			{Instrument: a, InitialPrice: 10000},
			{Instrument: b, InitialPrice: 2500},
		},
		Flow: sim.FlowOptions{OpsPerTick: 20, Interval: time.Millisecond, Volatility: 1},
	})
	desktest.Eventually(t, waitFor, "100 books and 10 trades from the background flow", func() bool {
		books, trades := h.sink.snapshot()
		return len(books) >= 100 && len(trades) >= 10
	})

	books, trades := h.sink.snapshot()
	lastSeq := map[domain.InstrumentID]uint64{}
	deep := 0
	for _, u := range books {
		// Each publication comes unstamped, though the sink stamped the
		// venue's struct the last time: its stamps are the handler's.
		if u.Stamps != (domain.Stamps{}) {
			t.Fatalf("book %d of %d came stamped %+v", u.Seq, u.Instrument, u.Stamps)
		}
		if u.Venue != venueID || u.VenueTime == 0 {
			t.Fatalf("book %+v", u)
		}
		if u.Seq != lastSeq[u.Instrument]+1 {
			t.Fatalf("instrument %d: seq %d after %d", u.Instrument, u.Seq, lastSeq[u.Instrument])
		}
		lastSeq[u.Instrument] = u.Seq
		if bid, ok := u.BestBid(); ok {
			if ask, ok := u.BestAsk(); ok && bid.Price >= ask.Price {
				t.Fatalf("crossed book %+v", u)
			}
		}
		for i := 1; i < int(u.NBids); i++ {
			if u.Bids[i].Price >= u.Bids[i-1].Price || u.Bids[i].Qty <= 0 {
				t.Fatalf("bids out of order %+v", u.Bids)
			}
		}
		for i := 1; i < int(u.NAsks); i++ {
			if u.Asks[i].Price <= u.Asks[i-1].Price || u.Asks[i].Qty <= 0 {
				t.Fatalf("asks out of order %+v", u.Asks)
			}
		}
		if u.NBids >= 3 && u.NAsks >= 3 {
			deep++
		}
	}
	if len(lastSeq) != 2 {
		t.Errorf("books for %d instruments, want 2", len(lastSeq))
	}
	if deep < len(books)/2 {
		t.Errorf("only %d of %d books have 3 levels a side", deep, len(books))
	}
	var lastTrade uint64
	for _, tr := range trades {
		if tr.Qty <= 0 || tr.Price <= 0 || tr.TradeID <= lastTrade {
			t.Fatalf("trade %+v after trade id %d", tr, lastTrade)
		}
		lastTrade = tr.TradeID
	}
	// Flow orders are never reported.
	h.quiet(t)
}

func TestClientOrderTradesWithBackgroundFlow(t *testing.T) {
	// No tick comes within the test, so the book is exactly the one New
	// seeded: one order of 1 to 10 lots on each of 5 levels a side.
	h := start(t, sim.Options{Flow: sim.FlowOptions{OpsPerTick: 5, Interval: time.Hour}})
	// A market order into the seeded book fills against flow liquidity.
	submit(t, h.v, &domain.Order{ID: 1, Side: domain.Buy, Type: domain.Market, Qty: 3})
	ack := h.expect(t, want{domain.ExecAck, 1})[0]
	var filled domain.Qty
	for filled < 3 {
		r := h.next(t)
		if r.Kind != domain.ExecFill || r.OrderID != 1 || r.Liquidity != domain.Taker || r.Fee <= 0 ||
			r.VenueOrderID != ack.VenueOrderID {
			t.Fatalf("report %+v", r)
		}
		filled += r.LastQty
	}
	if filled != 3 {
		t.Errorf("filled %d of 3", filled)
	}
}

func TestRunStopsOnCancelAndLeavesNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	v, err := sim.New(sim.Options{
		Instruments: []sim.SimInstrument{{Instrument: instrument(t, 0, "AAA-USD"), InitialPrice: 10000}},
		Reports:     make(chan domain.ExecReport, 16),
		Latency:     time.Millisecond,
		Flow:        sim.FlowOptions{OpsPerTick: 5, Interval: time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Submit(limit(1, domain.Buy, 9000, 1)); !errors.Is(err, sim.ErrNotRunning) {
		t.Errorf("Submit before Run: %v, want ErrNotRunning", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- v.Run(ctx) }()
	desktest.Eventually(t, waitFor, "venue connected", v.Connected)
	if err := v.Run(ctx); !errors.Is(err, sim.ErrRunning) {
		t.Errorf("second Run: %v, want ErrRunning", err)
	}
	submit(t, v, limit(1, domain.Buy, 9000, 1))

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v", err)
		}
	case <-time.After(waitFor):
		t.Fatal("Run did not return after cancel")
	}
	if v.Connected() {
		t.Error("Connected after Run returned")
	}
	if err := v.Cancel(limit(1, domain.Buy, 9000, 1)); !errors.Is(err, sim.ErrNotRunning) {
		t.Errorf("Cancel after Run: %v, want ErrNotRunning", err)
	}
	if _, err := v.OpenOrders(context.Background()); !errors.Is(err, sim.ErrNotRunning) {
		t.Errorf("OpenOrders after Run: %v, want ErrNotRunning", err)
	}
	desktest.Eventually(t, waitFor, "goroutines back to the count before Run", func() bool { return runtime.NumGoroutine() <= before })
}

func TestSubmitOnFullQueueReturnsErrQueueFull(t *testing.T) {
	// Nobody reads the reports, so the venue blocks delivering the first
	// ack and stops draining its inbound queue, which must then fill.
	const size = 4
	h := start(t, sim.Options{QueueSize: size, Reports: make(chan domain.ExecReport)})
	var err error
	n := 0
	// Bound: the queue, plus what one batch may have drained from it, plus
	// the request whose report blocks the venue.
	for ; n < 3*size+2; n++ {
		if err = h.v.Submit(limit(domain.OrderID(n+1), domain.Buy, 9000, 1)); err != nil {
			break
		}
	}
	if !errors.Is(err, sim.ErrQueueFull) {
		t.Fatalf("after %d submits: %v, want ErrQueueFull", n, err)
	}
	if n < size {
		t.Errorf("queue full after %d submits, want at least %d", n, size)
	}
	// The venue may drain a few more requests before it blocks on the
	// report: fill the queue again until it stays full, then a cancel and
	// a replace are refused too, at once.
	next := domain.OrderID(100)
	refill := func() {
		for k := 0; k <= size; k++ {
			next++
			if h.v.Submit(limit(next, domain.Buy, 9000, 1)) != nil {
				return
			}
		}
	}
	o := limit(1, domain.Buy, 9000, 1)
	desktest.Eventually(t, waitFor, "Cancel refused with ErrQueueFull", func() bool {
		refill()
		return errors.Is(h.v.Cancel(o), sim.ErrQueueFull)
	})
	desktest.Eventually(t, waitFor, "Replace refused with ErrQueueFull", func() bool {
		refill()
		return errors.Is(h.v.Replace(o, 9000, 2), sim.ErrQueueFull)
	})
	// A request handed over a moment after the venue read its clock is
	// not yet due, and the venue answers queries until it is: then it
	// blocks on its report, and a query waits out its context.
	desktest.Eventually(t, waitFor, "OpenOrders of the stalled venue times out", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		_, err := h.v.OpenOrders(ctx)
		return errors.Is(err, context.DeadlineExceeded)
	})
}

func TestNewRejectsBadOptions(t *testing.T) {
	in := instrument(t, 0, "AAA-USD")
	ok := func() sim.Options {
		return sim.Options{Instruments: []sim.SimInstrument{{Instrument: in, InitialPrice: 100}},
			Reports: make(chan domain.ExecReport)}
	}
	tests := []struct {
		name   string
		change func(*sim.Options)
	}{
		{"no reports", func(o *sim.Options) { o.Reports = nil }},
		{"no instruments", func(o *sim.Options) { o.Instruments = nil }},
		{"duplicate instrument", func(o *sim.Options) { o.Instruments = append(o.Instruments, o.Instruments[0]) }},
		{"zero instrument", func(o *sim.Options) { o.Instruments[0].Instrument = domain.Instrument{Symbol: "X"} }},
		{"flow without initial price", func(o *sim.Options) {
			o.Flow.OpsPerTick = 1
			o.Instruments[0].InitialPrice = 0
		}},
		{"negative queue", func(o *sim.Options) { o.QueueSize = -1 }},
		{"negative latency", func(o *sim.Options) { o.Latency = -time.Second }},
		{"taker pct 100", func(o *sim.Options) { o.Flow.TakerPct = 100 }},
		{"fee too precise", func(o *sim.Options) { o.Fees.TakerBps = decimal.RequireFromString("0.00001") }},
		{"fee above notional", func(o *sim.Options) { o.Fees.MakerBps = decimal.NewFromInt(-10001) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok()
			tt.change(&o)
			if _, err := sim.New(o); !errors.Is(err, sim.ErrInvalidOptions) {
				t.Errorf("New: %v, want ErrInvalidOptions", err)
			}
		})
	}
	if _, err := sim.New(ok()); err != nil {
		t.Errorf("valid options: %v", err)
	}
}

package sim

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/domain"
)

// mirrorWait bounds every wait in the mirror tests; it is a failure
// deadline, never an expectation about how fast the venue is.
const mirrorWait = 5 * time.Second

// mirrorSink records the public trades; the venue goroutine writes, the
// test reads.
type mirrorSink struct {
	mu     sync.Mutex
	trades []domain.Trade
}

func (*mirrorSink) Book(*domain.BookUpdate) {}

func (s *mirrorSink) Trade(t *domain.Trade) {
	s.mu.Lock()
	s.trades = append(s.trades, *t)
	s.mu.Unlock()
}

func (s *mirrorSink) snapshot() []domain.Trade {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.trades)
}

// mirrorRig is a venue without flow, listing one instrument (id 0), with
// taker 5 bps and maker -1 bp.
type mirrorRig struct {
	v       *Venue
	reports chan domain.ExecReport
	sink    *mirrorSink
	ctx     context.Context
}

// mirrorInstrument is instrument 0 with the given tick and lot sizes.
func mirrorInstrument(t testing.TB, tick, lot string) domain.Instrument {
	t.Helper()
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{Symbol: "AAA-USD", Base: "AAA", Quote: "USD",
		TickSize: decimal.RequireFromString(tick), LotSize: decimal.RequireFromString(lot)})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// newMirrorRig builds the venue without running it.
func newMirrorRig(t testing.TB, in domain.Instrument, latency time.Duration) *mirrorRig {
	t.Helper()
	r := &mirrorRig{reports: make(chan domain.ExecReport, 1024), sink: &mirrorSink{}}
	v, err := New(Options{
		Instruments: []SimInstrument{{Instrument: in}},
		Reports:     r.reports,
		Market:      r.sink,
		Latency:     latency,
		Fees:        Fees{MakerBps: decimal.NewFromInt(-1), TakerBps: decimal.NewFromInt(5)},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.v = v
	return r
}

// run runs the venue until the test ends (or a generous timeout), and
// waits for Run to return at cleanup.
func (r *mirrorRig) run(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	r.ctx = ctx
	done := make(chan error, 1)
	go func() { done <- r.v.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(mirrorWait):
			t.Errorf("Run did not return after cancel")
		}
	})
	deadline := time.Now().Add(mirrorWait)
	for !r.v.Connected() {
		if time.Now().After(deadline) {
			t.Fatal("venue not connected")
		}
		time.Sleep(time.Millisecond)
	}
}

// startMirrorRig is a running rig on an instrument with a tick of 0.01 and
// a lot of 1.
func startMirrorRig(t *testing.T) *mirrorRig {
	r := newMirrorRig(t, mirrorInstrument(t, "0.01", "1"), 0)
	r.run(t)
	return r
}

func lv(px, qty int64) domain.Level {
	return domain.Level{Price: domain.Price(px), Qty: domain.Qty(qty)}
}

// mbook is a book of instrument 0 with the given levels, best first.
func mbook(bids, asks []domain.Level) *domain.BookUpdate {
	b := &domain.BookUpdate{NBids: uint8(len(bids)), NAsks: uint8(len(asks))}
	copy(b.Bids[:], bids)
	copy(b.Asks[:], asks)
	return b
}

// depth asks the running venue for instrument 0's full book.
func (r *mirrorRig) depth(t *testing.T) Depth {
	t.Helper()
	d, err := r.v.Depth(r.ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// waitDepth polls the venue until instrument 0's book is exactly bids and
// asks. Each poll is a round trip to the venue goroutine, answered between
// two batches.
func (r *mirrorRig) waitDepth(t *testing.T, bids, asks []domain.Level) Depth {
	t.Helper()
	deadline := time.Now().Add(mirrorWait)
	for {
		d := r.depth(t)
		if slices.Equal(d.Bids, bids) && slices.Equal(d.Asks, asks) {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("book %v / %v, want %v / %v", d.Bids, d.Asks, bids, asks)
		}
	}
}

// next returns the next report, failing the test if none comes.
func (r *mirrorRig) next(t *testing.T) domain.ExecReport {
	t.Helper()
	select {
	case rep := <-r.reports:
		return rep
	case <-time.After(mirrorWait):
		t.Fatal("no execution report")
		return domain.ExecReport{}
	}
}

// quiet checks that no report is waiting. A Depth query first: it is
// answered after the batch before it delivered its reports (Latency 0).
func (r *mirrorRig) quiet(t *testing.T) {
	t.Helper()
	r.depth(t)
	select {
	case rep := <-r.reports:
		t.Fatalf("unexpected report %+v", rep)
	default:
	}
}

// bookLen is how many orders rest on instrument 0's book, and how many of
// them the mirror tracks, as the venue goroutine sees them.
func (r *mirrorRig) bookLen(t *testing.T) (book, mirrored int) {
	t.Helper()
	type lens struct{ book, mirrored int }
	l, err := ask(r.ctx, r.v, "len", func() lens {
		m := r.v.markets[0]
		return lens{m.book.Len(), len(m.mirror.orders)}
	})
	if err != nil {
		t.Fatal(err)
	}
	return l.book, l.mirrored
}

func (r *mirrorRig) submit(t *testing.T, o domain.Order) {
	t.Helper()
	if err := r.v.Submit(&o); err != nil {
		t.Fatalf("Submit %d: %v", o.ID, err)
	}
}

func (r *mirrorRig) expectAck(t *testing.T, id domain.OrderID) {
	t.Helper()
	if rep := r.next(t); rep.Kind != domain.ExecAck || rep.OrderID != id {
		t.Fatalf("got %+v, want an ack of %d", rep, id)
	}
}

// expectFill checks the next report is a fill of order id.
func (r *mirrorRig) expectFill(t *testing.T, id domain.OrderID, px, qty int64, liq domain.Liquidity, fee domain.Money) {
	t.Helper()
	rep := r.next(t)
	if rep.Kind != domain.ExecFill || rep.OrderID != id || rep.LastPx != domain.Price(px) ||
		rep.LastQty != domain.Qty(qty) || rep.Liquidity != liq || rep.Fee != fee {
		t.Fatalf("got %+v, want a %v fill of %d: %d at %d, fee %d", rep, liq, id, qty, px, fee)
	}
}

var (
	mirrorBids = []domain.Level{lv(9999, 5), lv(9998, 5)}
	mirrorAsks = []domain.Level{lv(10000, 2), lv(10001, 3), lv(10002, 5)}
)

// TestMirrorTakerWalksLevels: a marketable client buy fills at the mirrored
// asks, best first, paying the taker fee, and rests what is left; the next
// book brings the consumed liquidity back, which then trades through the
// resting client order at the client's price, as maker.
func TestMirrorTakerWalksLevels(t *testing.T) {
	r := startMirrorRig(t)
	r.v.Mirror(mbook(mirrorBids, mirrorAsks))
	r.waitDepth(t, mirrorBids, mirrorAsks)
	if n, mirrored := r.bookLen(t); n != 5 || mirrored != 5 {
		t.Fatalf("book holds %d orders, mirror tracks %d; want 5 each", n, mirrored)
	}
	r.quiet(t) // mirror orders never produce reports

	r.submit(t, domain.Order{ID: 1, Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC, Price: 10001, Qty: 6})
	r.expectAck(t, 1)
	// 2 x 100.00 = 200 at 5 bps: 0.10; 3 x 100.01 = 300.03 at 5 bps: 0.1500150.
	r.expectFill(t, 1, 10000, 2, domain.Taker, 10_000_000)
	r.expectFill(t, 1, 10001, 3, domain.Taker, 15_001_500)
	r.waitDepth(t, []domain.Level{lv(10001, 1), lv(9999, 5), lv(9998, 5)}, []domain.Level{lv(10002, 5)})
	r.quiet(t)
	if n, mirrored := r.bookLen(t); n != 4 || mirrored != 3 {
		t.Fatalf("book holds %d orders, mirror tracks %d; want 4 (3 mirror, 1 client)", n, mirrored)
	}
	trades := r.sink.snapshot()
	if len(trades) != 2 || trades[0].Aggressor != domain.Buy || trades[1].Price != 10001 {
		t.Fatalf("trades %+v", trades)
	}

	// The same book again: the real market never saw the paper fills, so
	// the ask at 100.00 is back, and trades with the client bid at 100.01,
	// at 100.01. 1 x 100.01 at -1 bp: -0.0100010.
	r.v.Mirror(mbook(mirrorBids, mirrorAsks))
	r.expectFill(t, 1, 10001, 1, domain.Maker, -1_000_100)
	r.waitDepth(t, mirrorBids, []domain.Level{lv(10000, 1), lv(10001, 3), lv(10002, 5)})
	r.quiet(t)
}

// TestMirrorRestingClientFillsAsMaker: a later book whose asks reach a
// resting client bid fills it as maker, at its own price.
func TestMirrorRestingClientFillsAsMaker(t *testing.T) {
	r := startMirrorRig(t)
	bids := []domain.Level{lv(9990, 5)}
	r.v.Mirror(mbook(bids, []domain.Level{lv(10000, 5)}))
	r.waitDepth(t, bids, []domain.Level{lv(10000, 5)})
	r.submit(t, domain.Order{ID: 7, Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC, Price: 9995, Qty: 4})
	r.expectAck(t, 7)
	r.quiet(t)

	// The market falls through the bid.
	r.v.Mirror(mbook(bids, []domain.Level{lv(9994, 3), lv(9995, 2), lv(10000, 5)}))
	// 3 x 99.95 = 299.85 at -1 bp: -0.029985; 1 x 99.95: -0.009995.
	r.expectFill(t, 7, 9995, 3, domain.Maker, -2_998_500)
	r.expectFill(t, 7, 9995, 1, domain.Maker, -999_500)
	r.waitDepth(t, bids, []domain.Level{lv(9995, 1), lv(10000, 5)})
	r.quiet(t)
	for _, tr := range r.sink.snapshot() {
		if tr.Aggressor != domain.Sell || tr.Price != 9995 {
			t.Errorf("trade %+v, want the mirror selling at 99.95", tr)
		}
	}
	if ids := mustOpen(t, r); len(ids) != 0 {
		t.Errorf("open orders %v after the fill", ids)
	}
}

func mustOpen(t *testing.T, r *mirrorRig) []domain.OrderID {
	t.Helper()
	ids, err := r.v.OpenOrders(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestMirrorRemovedLevelIsGone: a level a later book no longer shows is
// not there to trade.
func TestMirrorRemovedLevelIsGone(t *testing.T) {
	r := startMirrorRig(t)
	r.v.Mirror(mbook(mirrorBids, mirrorAsks))
	r.waitDepth(t, mirrorBids, mirrorAsks)
	asks := []domain.Level{lv(10001, 3)}
	r.v.Mirror(mbook(mirrorBids, asks))
	r.waitDepth(t, mirrorBids, asks)

	r.submit(t, domain.Order{ID: 1, Side: domain.Buy, Type: domain.Market, TIF: domain.IOC, Qty: 5})
	r.expectAck(t, 1)
	r.expectFill(t, 1, 10001, 3, domain.Taker, 15_001_500)
	if rep := r.next(t); rep.Kind != domain.ExecCanceled || rep.OrderID != 1 {
		t.Fatalf("got %+v, want the market order's remainder canceled", rep)
	}
	r.waitDepth(t, mirrorBids, nil)
	r.quiet(t)
	if n, mirrored := r.bookLen(t); n != 2 || mirrored != 2 {
		t.Fatalf("book holds %d orders, mirror tracks %d; want 2 each", n, mirrored)
	}
}

// TestMirrorNeverTradesWithItself: a book whose bids are above the previous
// asks replaces it cleanly, without a trade or a report.
func TestMirrorNeverTradesWithItself(t *testing.T) {
	r := startMirrorRig(t)
	var bids1, asks1, bids2, asks2 []domain.Level
	for i := range int64(domain.BookDepth) {
		bids1 = append(bids1, lv(9990-i, 1+i))
		asks1 = append(asks1, lv(10000+i, 2+i))
		bids2 = append(bids2, lv(10020-i, 3+i))
		asks2 = append(asks2, lv(10030+i, 4+i))
	}
	r.v.Mirror(mbook(bids1, asks1))
	r.waitDepth(t, bids1, asks1)
	r.v.Mirror(mbook(bids2, asks2))
	r.waitDepth(t, bids2, asks2)
	// And back down through the bids.
	r.v.Mirror(mbook(bids1, asks1))
	r.waitDepth(t, bids1, asks1)
	r.quiet(t)
	if trades := r.sink.snapshot(); len(trades) != 0 {
		t.Fatalf("mirror traded with itself: %+v", trades)
	}
	if n, mirrored := r.bookLen(t); n != 2*domain.BookDepth || mirrored != n {
		t.Fatalf("book holds %d orders, mirror tracks %d; want %d each", n, mirrored, 2*domain.BookDepth)
	}
}

// TestMirrorIgnoresUnknownAndUnfit: a book of an unlisted instrument is
// ignored and counted; levels off tick or lot, out of order or crossing are
// skipped.
func TestMirrorIgnoresUnknownAndUnfit(t *testing.T) {
	r := newMirrorRig(t, mirrorInstrument(t, "0.05", "2"), 0) // tick 5, lot 2
	r.run(t)
	other := mbook([]domain.Level{lv(9995, 2)}, []domain.Level{lv(10005, 2)})
	other.Instrument = 3
	r.v.Mirror(other)
	r.v.Mirror(nil)
	if n := r.v.mirrorUnknown.Load(); n != 1 {
		t.Fatalf("%d unknown books counted, want 1", n)
	}

	r.v.Mirror(mbook(
		[]domain.Level{lv(9995, 4), lv(9993, 4), lv(9990, 3), lv(9990, 2), lv(9985, 0), lv(9985, 2), lv(9990, 2)},
		[]domain.Level{lv(10000, 0), lv(10005, 2), lv(10005, 4), lv(10000, 2), lv(10015, 6)}))
	r.waitDepth(t, []domain.Level{lv(9995, 4), lv(9990, 2), lv(9985, 2)}, []domain.Level{lv(10005, 2), lv(10015, 6)})

	// A crossed book loses both crossing parts.
	r.v.Mirror(mbook([]domain.Level{lv(10010, 2), lv(10000, 2)}, []domain.Level{lv(10005, 2), lv(10015, 2)}))
	r.waitDepth(t, []domain.Level{lv(10000, 2)}, []domain.Level{lv(10015, 2)})
	r.quiet(t)
	if trades := r.sink.snapshot(); len(trades) != 0 {
		t.Fatalf("trades %+v", trades)
	}
	if n := r.v.mirrorUnknown.Load(); n != 1 {
		t.Fatalf("%d unknown books counted, want 1", n)
	}
}

// TestMirrorConflates: a burst of books from another goroutine ends with the
// last one on the book.
func TestMirrorConflates(t *testing.T) {
	r := startMirrorRig(t)
	const n = 10_000
	last := func(i int) (bids, asks []domain.Level) {
		p := int64(10000 + i%500)
		return []domain.Level{lv(p-1, 1+int64(i%7)), lv(p-3, 2)}, []domain.Level{lv(p+1, 1+int64(i%5)), lv(p+2, 3)}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var b domain.BookUpdate
		for i := range n {
			bids, asks := last(i)
			b.NBids, b.NAsks = uint8(copy(b.Bids[:], bids)), uint8(copy(b.Asks[:], asks))
			r.v.Mirror(&b)
		}
	}()
	select {
	case <-done:
	case <-time.After(mirrorWait):
		t.Fatal("Mirror blocked")
	}
	bids, asks := last(n - 1)
	r.waitDepth(t, bids, asks)
	r.quiet(t)
	if nb, mirrored := r.bookLen(t); nb != 4 || mirrored != 4 {
		t.Fatalf("book holds %d orders, mirror tracks %d; want 4 each", nb, mirrored)
	}
}

// TestMirrorIsNotDelayed: market data does not wait Options.Latency, and a
// book handed over before Run is applied when Run starts.
func TestMirrorIsNotDelayed(t *testing.T) {
	r := newMirrorRig(t, mirrorInstrument(t, "0.01", "1"), time.Hour)
	r.v.Mirror(mbook(mirrorBids, mirrorAsks))
	r.run(t)
	r.waitDepth(t, mirrorBids, mirrorAsks)
	r.v.Mirror(mbook(mirrorBids, nil))
	r.waitDepth(t, mirrorBids, nil)
}

// randomMirrorBook fills b with a random book that is not crossed, on tick
// and lot, around a mid that walks.
func randomMirrorBook(rng *rand.Rand, in *domain.Instrument, mid *int64, b *domain.BookUpdate) {
	*mid = max(100, *mid+int64(rng.IntN(41))-20)
	b.NBids, b.NAsks = uint8(rng.IntN(domain.BookDepth+1)), uint8(rng.IntN(domain.BookDepth+1))
	px := *mid - int64(rng.IntN(3))
	for i := range b.NBids {
		b.Bids[i] = domain.Level{Price: domain.Price(px) * in.TickSize, Qty: domain.Qty(1+rng.IntN(20)) * in.LotSize}
		px -= 1 + int64(rng.IntN(3))
	}
	px = *mid + 1 + int64(rng.IntN(3))
	for i := range b.NAsks {
		b.Asks[i] = domain.Level{Price: domain.Price(px) * in.TickSize, Qty: domain.Qty(1+rng.IntN(20)) * in.LotSize}
		px += 1 + int64(rng.IntN(3))
	}
}

// TestMirrorPropertyDirect drives applyMirror directly with random books:
// after each, the book is exactly the mirrored levels, every resting order
// is a tracked mirror order, and nothing traded or was reported.
func TestMirrorPropertyDirect(t *testing.T) {
	for _, sizes := range [][2]string{{"0.01", "1"}, {"0.05", "0.5"}} {
		in := mirrorInstrument(t, sizes[0], sizes[1])
		r := newMirrorRig(t, in, 0)
		v, m := r.v, r.v.markets[0]
		rng := rand.New(rand.NewPCG(1, 2))
		mid := int64(10000)
		var b domain.BookUpdate
		var d Depth
		for i := range 3000 {
			randomMirrorBook(rng, &in, &mid, &b)
			v.Mirror(&b)
			v.applyMirrors()
			n := v.fullDepth(m, &d)
			if !slices.Equal(d.Bids, b.Bids[:b.NBids]) || !slices.Equal(d.Asks, b.Asks[:b.NAsks]) {
				t.Fatalf("%v: book %d: %v / %v, mirrored %v / %v", sizes, i, d.Bids, d.Asks,
					b.Bids[:b.NBids], b.Asks[:b.NAsks])
			}
			if n != m.book.Len() || n != len(m.mirror.orders) {
				t.Fatalf("%v: book %d: summed %d, book holds %d, mirror tracks %d", sizes, i, n, m.book.Len(),
					len(m.mirror.orders))
			}
		}
		if v.outbox.len() != 0 || v.lastTrade != 0 || len(r.sink.snapshot()) != 0 {
			t.Fatalf("%v: %d reports, %d trades", sizes, v.outbox.len(), v.lastTrade)
		}
	}
}

// TestMirrorPropertyWithClients interleaves random books with random client
// orders, driven directly: every trade has a client order on one side (the
// mirror never trades with itself), the mirror tracks exactly its resting
// orders, and the book never crosses.
func TestMirrorPropertyWithClients(t *testing.T) {
	in := mirrorInstrument(t, "0.01", "1")
	r := newMirrorRig(t, in, 0)
	v, m := r.v, r.v.markets[0]
	rng := rand.New(rand.NewPCG(5, 6))
	mid := int64(10000)
	var b domain.BookUpdate
	var d Depth
	traded := map[uint64]bool{} // trade ids seen on client fills
	id := domain.OrderID(0)
	for i := range 3000 {
		if rng.IntN(3) == 0 {
			id++
			rq := request{kind: reqSubmit, id: id, side: domain.Side(1 + rng.IntN(2)), typ: domain.Limit,
				tif: domain.GTC, price: domain.Price(mid + int64(rng.IntN(21)) - 10), qty: domain.Qty(1 + rng.IntN(15))}
			if rng.IntN(4) == 0 {
				rq.typ, rq.tif, rq.price = domain.Market, domain.IOC, 0
			}
			v.setClock()
			v.handle(&rq)
		} else {
			randomMirrorBook(rng, &in, &mid, &b)
			v.Mirror(&b)
			v.applyMirrors()
		}
		for v.outbox.len() > 0 {
			if rep := v.outbox.pop().r; rep.Kind == domain.ExecFill {
				traded[rep.TradeID] = true
			}
		}
		for _, o := range m.mirror.orders {
			if res, ok := m.book.Lookup(o.id); !ok || res.Tag != 0 || res.Side != o.side || res.Price != o.price {
				t.Fatalf("step %d: mirror order %+v: book has %+v, %v", i, o, res, ok)
			}
		}
		if n := v.fullDepth(m, &d); n != m.book.Len() {
			t.Fatalf("step %d: summed %d orders, book holds %d", i, n, m.book.Len())
		}
		if len(d.Bids) > 0 && len(d.Asks) > 0 && d.Bids[0].Price >= d.Asks[0].Price {
			t.Fatalf("step %d: crossed %v / %v", i, d.Bids[0], d.Asks[0])
		}
	}
	for tr := uint64(1); tr <= v.lastTrade; tr++ {
		if !traded[tr] {
			t.Fatalf("trade %d had no client order on either side", tr)
		}
	}
	if v.lastTrade < 100 {
		t.Fatalf("only %d trades: the test does not exercise much", v.lastTrade)
	}
}

// TestMirrorPropertyRunning: random sequences of books handed to a running
// venue, a few at a time, leave it with exactly the last one.
func TestMirrorPropertyRunning(t *testing.T) {
	r := startMirrorRig(t)
	in := r.v.markets[0].inst // immutable after New
	rng := rand.New(rand.NewPCG(3, 4))
	mid := int64(10000)
	var b domain.BookUpdate
	for range 200 {
		for range 1 + rng.IntN(5) {
			randomMirrorBook(rng, &in, &mid, &b)
			r.v.Mirror(&b)
		}
		r.waitDepth(t, b.Bids[:b.NBids], b.Asks[:b.NAsks])
	}
	r.quiet(t)
	if trades := r.sink.snapshot(); len(trades) != 0 {
		t.Fatalf("%d trades without a client order", len(trades))
	}
}

// mirrorBenchBooks are two 10-level books that differ in two levels a side
// (one quantity changed, one level replaced by another price).
func mirrorBenchBooks() (a, b *domain.BookUpdate) {
	var bids, asks []domain.Level
	for i := range int64(domain.BookDepth) {
		bids = append(bids, lv(9999-i, 5+i))
		asks = append(asks, lv(10000+i, 5+i))
	}
	a = mbook(bids, asks)
	b = mbook(bids, asks)
	b.Bids[1].Qty++
	b.Bids[9].Price--
	b.Asks[2].Qty++
	b.Asks[9].Price++
	return a, b
}

// TestMirrorDoesNotAllocate: Mirror, and applying books that change a few
// levels, allocate nothing in steady state.
func TestMirrorDoesNotAllocate(t *testing.T) {
	r := newMirrorRig(t, mirrorInstrument(t, "0.01", "1"), 0)
	v := r.v
	a, b := mirrorBenchBooks()
	if allocs := testing.AllocsPerRun(100, func() { v.Mirror(a) }); allocs != 0 {
		t.Errorf("Mirror allocates %v times", allocs)
	}
	round := func() {
		v.Mirror(a)
		v.applyMirrors()
		v.Mirror(b)
		v.applyMirrors()
		v.publish()
	}
	for range 100 {
		round()
	}
	if allocs := testing.AllocsPerRun(200, round); allocs != 0 {
		t.Errorf("applying books allocates %v times", allocs)
	}
}

// BenchmarkMirror is one Mirror call and its apply, on the venue goroutine's
// side, of a 10-level book that changes two levels a side: 4 cancels and 4
// placements.
func BenchmarkMirror(b *testing.B) {
	r := newMirrorRig(b, mirrorInstrument(b, "0.01", "1"), 0)
	v := r.v
	books := [2]*domain.BookUpdate{}
	books[0], books[1] = mirrorBenchBooks()
	v.Mirror(books[1])
	v.applyMirrors()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		v.Mirror(books[i&1])
		v.applyMirrors()
		i++
	}
}

package sim

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/domain"
)

func testVenue(t *testing.T, seed int64, queue int) *Venue {
	t.Helper()
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{Symbol: "AAA-USD",
		TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("1")})
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(Options{
		Seed:        seed,
		Instruments: []SimInstrument{{Instrument: in, InitialPrice: 10000}},
		Reports:     make(chan domain.ExecReport, 1),
		QueueSize:   queue,
		Flow:        FlowOptions{OpsPerTick: 10, Volatility: 1.5},
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestFlowIsDeterministic drives the flow tick by tick, without Run and its
// timers: the same seed must give the same book after every tick, and
// another seed a different one.
func TestFlowIsDeterministic(t *testing.T) {
	a, b, c := testVenue(t, 42, 0), testVenue(t, 42, 0), testVenue(t, 43, 0)
	var ua, ub, uc domain.BookUpdate
	differs := false
	for tick := range 500 {
		for _, v := range []*Venue{a, b, c} {
			v.flowTick(v.markets[0])
		}
		a.markets[0].book.Depth(&ua)
		b.markets[0].book.Depth(&ub)
		c.markets[0].book.Depth(&uc)
		if ua != ub {
			t.Fatalf("tick %d: same seed, different books:\n%+v\n%+v", tick, ua, ub)
		}
		differs = differs || ua != uc
		if a.outbox.len() != 0 {
			t.Fatalf("tick %d: flow produced %d reports", tick, a.outbox.len())
		}
		if bid, ok := ua.BestBid(); ok {
			if ask, ok := ua.BestAsk(); ok && bid.Price >= ask.Price {
				t.Fatalf("tick %d: crossed %+v", tick, ua)
			}
		}
	}
	if !differs {
		t.Error("seeds 42 and 43 gave the same books for 500 ticks")
	}
	if n := len(a.markets[0].flow.resting); n != a.markets[0].book.Len() {
		t.Errorf("flow tracks %d orders, book holds %d", n, a.markets[0].book.Len())
	}
}

// TestRequestsDoNotAllocate checks the engine-side calls. It marks the
// venue running without Run so that no other goroutine's allocations are
// counted, and the queue is large enough never to fill.
func TestRequestsDoNotAllocate(t *testing.T) {
	v := testVenue(t, 1, 1024)
	v.session.Store(&session{done: make(chan struct{})})
	o := &domain.Order{ID: 1, Side: domain.Buy, Type: domain.Limit, Price: 9900, Qty: 1}
	allocs := testing.AllocsPerRun(100, func() {
		_ = v.Submit(o)
		_ = v.Cancel(o)
		_ = v.Replace(o, 9800, 2)
	})
	if allocs != 0 {
		t.Errorf("Submit+Cancel+Replace allocate %v times", allocs)
	}
}

// TestBatchProcessingDoesNotAllocate checks the venue goroutine's steady
// state: a client order resting and canceled, with flow ticks in between,
// allocates nothing once the queues and maps have grown.
func TestBatchProcessingDoesNotAllocate(t *testing.T) {
	v := testVenue(t, 1, 16)
	// A history the warm-up fills, so that the measured rounds reuse the
	// records of the orders it forgets, as a long run does.
	v.cfg.History = 64
	m := v.markets[0]
	id := domain.OrderID(0)
	round := func() {
		id++
		r := request{kind: reqSubmit, id: id, side: domain.Buy, typ: domain.Limit, price: 9000, qty: 1}
		v.handle(&r)
		r.kind = reqCancel
		v.handle(&r)
		v.flowTick(m)
		v.publish()
		for v.outbox.len() > 0 {
			v.outbox.pop()
		}
	}
	for range 2000 {
		round()
	}
	if allocs := testing.AllocsPerRun(500, round); allocs != 0 {
		t.Errorf("a batch allocates %v times", allocs)
	}
}

func TestFifo(t *testing.T) {
	var q fifo[int]
	next := 0
	for i := range 1000 {
		q.push(i)
		if i%3 == 0 {
			if got := q.pop(); got != next {
				t.Fatalf("pop %d, want %d", got, next)
			}
			next++
		}
	}
	for q.len() > 0 {
		if got := q.pop(); got != next {
			t.Fatalf("pop %d, want %d", got, next)
		}
		next++
	}
	if next != 1000 {
		t.Fatalf("popped %d items", next)
	}
}

package demo

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/strategy"
	"github.com/shopspring/decimal"
)

// exchange is a fake engine and venue for one strategy: it takes the
// strategy's intents synchronously, keeps its orders, fills immediate
// orders in full at their limit when fillIOC is set (otherwise expires
// them), rests the others until the test fills them, and reports every
// change back through the Host like the engine does. It also keeps its own
// position, to check limits independently of the Context.
type exchange struct {
	t    *testing.T
	host *strategy.Host
	in   domain.Instrument
	now  atomic.Int64 // fake clock, unix ns

	mu      sync.Mutex
	fillIOC bool
	intents []domain.Intent
	sentAt  []time.Duration // fake time since t0 of every intent ever sent
	orders  map[domain.OrderID]*domain.Order
	pos     domain.Qty
	maxAbs  domain.Qty // largest |pos| seen
	seq     uint64
	trades  uint64
	books   uint64 // books sent
}

var t0 = time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC)

// btc returns the test instrument: BTC-USD, tick 0.01, lot 0.001.
func btc(t testing.TB) domain.Instrument {
	t.Helper()
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{
		Symbol: "BTC-USD", Base: "BTC", Quote: "USD",
		TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("0.001"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// newExchange runs a strategy of kind with params on a Host trading one
// instrument (BTC-USD, tick 0.01, lot 0.001) and stops it when the test
// ends.
func newExchange(t *testing.T, kind string, params map[string]string, fillIOC bool) *exchange {
	t.Helper()
	in := btc(t)
	r := strategy.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	s, err := r.New(kind, params)
	if err != nil {
		t.Fatal(err)
	}
	e := &exchange{t: t, in: in, fillIOC: fillIOC, orders: make(map[domain.OrderID]*domain.Order)}
	e.now.Store(t0.UnixNano())
	var failed atomic.Value
	e.host, err = strategy.NewHost(strategy.HostOptions{
		ID: 1, Name: kind, Strategy: s, Instruments: []domain.Instrument{in},
		Submit: e.submit,
		NextID: func() domain.OrderID {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.seq++
			return domain.MakeOrderID(1, 1, e.seq)
		},
		Clock:         func() time.Time { return time.Unix(0, e.now.Load()).UTC() },
		TimerInterval: time.Millisecond,
		OnFailure:     func(_ domain.StrategyID, err error) { failed.Store(err) },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.host.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("host did not stop")
		}
		if err := failed.Load(); err != nil {
			t.Errorf("strategy failed: %v", err)
		}
	})
	return e
}

// advance moves the fake clock.
func (e *exchange) advance(d time.Duration) { e.now.Add(int64(d)) }

// book sends a one-level book (prices in ticks of 0.01) and waits until the
// strategy has handled it and everything it caused.
func (e *exchange) book(bid, ask domain.Price) {
	e.t.Helper()
	b := domain.BookUpdate{Instrument: e.in.ID, Venue: 1, NBids: 1, NAsks: 1}
	b.Bids[0] = domain.Level{Price: bid, Qty: 100_000}
	b.Asks[0] = domain.Level{Price: ask, Qty: 100_000}
	e.mu.Lock()
	e.books++
	b.Seq = e.books
	n := e.books
	e.mu.Unlock()
	e.host.OnBook(&b)
	e.settle(n)
}

// settle waits until the strategy handled n books and every event.
func (e *exchange) settle(n uint64) {
	e.t.Helper()
	desktest.Eventually(e.t, 5*time.Second, "the strategy to settle", func() bool {
		st := e.host.Stats()
		return st.BooksDelivered >= n && st.EventsDelivered == st.Events
	})
}

func (e *exchange) submit(in *domain.Intent) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.intents = append(e.intents, *in)
	e.sentAt = append(e.sentAt, time.Duration(e.now.Load()-t0.UnixNano()))
	switch in.Kind {
	case domain.IntentNew:
		o := &domain.Order{
			ID: in.ID, Strategy: in.Strategy, Instrument: in.Instrument, Side: in.Side,
			Type: in.Type, TIF: in.TIF, PostOnly: in.PostOnly, ReduceOnly: in.ReduceOnly,
			Price: in.Price, Qty: in.Qty, State: domain.StateOpen,
		}
		if in.TIF == domain.IOC || in.TIF == domain.FOK {
			if e.fillIOC {
				e.fillLocked(o, o.Qty)
				return nil
			}
			o.State = domain.StateExpired
			e.host.OnOrder(o)
			return nil
		}
		e.orders[o.ID] = o
		e.host.OnOrder(o)
	case domain.IntentCancel:
		if o := e.orders[in.ID]; o != nil {
			o.State = domain.StateCanceled
			delete(e.orders, in.ID)
			e.host.OnOrder(o)
		}
	case domain.IntentReplace:
		if o := e.orders[in.ID]; o != nil {
			o.Price, o.Qty = in.Price, in.Qty
			e.host.OnOrder(o)
		}
	}
	return nil
}

// fill fills qty of resting order id at its price.
func (e *exchange) fill(id domain.OrderID, qty domain.Qty) {
	e.t.Helper()
	e.mu.Lock()
	o := e.orders[id]
	if o == nil {
		e.mu.Unlock()
		e.t.Fatalf("fill: no resting order %s", id)
	}
	e.fillLocked(o, qty)
	e.mu.Unlock()
}

func (e *exchange) fillLocked(o *domain.Order, qty domain.Qty) {
	e.trades++
	e.pos += domain.Qty(o.Side.Sign()) * qty
	e.maxAbs = max(e.maxAbs, e.pos.Abs())
	o.Filled += qty
	o.State = domain.StatePartiallyFilled
	if o.Filled == o.Qty {
		o.State = domain.StateFilled
		delete(e.orders, o.ID)
	}
	e.host.OnFill(&domain.Fill{
		OrderID: o.ID, Strategy: o.Strategy, Instrument: o.Instrument, Side: o.Side,
		Price: o.Price, Qty: qty, TradeID: e.trades,
	}, e.pos) // the exchange keeps the position, as the engine's ledger does
	e.host.OnOrder(o)
}

// taken returns the intents sent since the last call.
func (e *exchange) taken() []domain.Intent {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.intents
	e.intents = nil
	return out
}

// resting returns the strategy's resting orders by side.
func (e *exchange) resting() (bids, asks []domain.Order) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, o := range e.orders {
		if o.Side == domain.Buy {
			bids = append(bids, *o)
		} else {
			asks = append(asks, *o)
		}
	}
	return bids, asks
}

func (e *exchange) position() (pos, maxAbs domain.Qty) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.pos, e.maxAbs
}

// halt tells the strategy it is halted and waits until it handled that.
func (e *exchange) halt() {
	e.t.Helper()
	e.host.OnState(domain.Halted)
	e.mu.Lock()
	n := e.books
	e.mu.Unlock()
	e.settle(n)
}

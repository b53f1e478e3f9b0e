package strategy_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/strategy"
	"github.com/shopspring/decimal"
)

// engineHost mirrors engine.StrategyHost, the interface the engine drives
// a Host through. It is copied rather than imported so that this package's
// tests do not depend on the engine package building.
type engineHost interface {
	OnBook(b *domain.BookUpdate)
	OnOrder(o *domain.Order)
	OnFill(f *domain.Fill, position domain.Qty)
	OnState(s domain.TradingState)
}

var _ engineHost = (*strategy.Host)(nil)

// instrument returns a test instrument with tick 0.01 and lot 0.001.
func instrument(t testing.TB, id domain.InstrumentID, symbol string) domain.Instrument {
	t.Helper()
	in, err := domain.NewInstrument(id, domain.InstrumentSpec{
		Symbol: symbol, Base: symbol[:3], Quote: "USD", Class: "crypto",
		TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("0.001"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// book returns a one-level book; bid and ask in price units.
func book(in domain.InstrumentID, venue domain.VenueID, seq uint64, bid, ask domain.Price) domain.BookUpdate {
	b := domain.BookUpdate{Instrument: in, Venue: venue, Seq: seq, NBids: 1, NAsks: 1}
	b.Bids[0] = domain.Level{Price: bid, Qty: 1000}
	b.Asks[0] = domain.Level{Price: ask, Qty: 1000}
	return b
}

// sink is a fake engine end: it records intents and hands out order ids.
type sink struct {
	mu      sync.Mutex
	intents []domain.Intent
	seq     atomic.Uint64
}

func (s *sink) Submit(in *domain.Intent) error {
	s.mu.Lock()
	s.intents = append(s.intents, *in)
	s.mu.Unlock()
	return nil
}

func (s *sink) NextID() domain.OrderID { return domain.MakeOrderID(7, 0, s.seq.Add(1)) }

func (s *sink) Intents() []domain.Intent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]domain.Intent(nil), s.intents...)
}

// failures counts OnFailure calls.
type failures struct {
	n   atomic.Int32
	mu  sync.Mutex
	err error
}

func (f *failures) OnFailure(_ domain.StrategyID, err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
	f.n.Add(1)
}

func (f *failures) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// running is a Host started by start.
type running struct {
	*strategy.Host
	done chan error // receives Run's result
}

// start builds a Host from opts, filling Submit and NextID from s when
// unset, runs it, and stops it when the test ends.
func start(t testing.TB, s *sink, opts strategy.HostOptions) *running {
	t.Helper()
	if opts.Submit == nil {
		opts.Submit = s.Submit
	}
	if opts.NextID == nil {
		opts.NextID = s.NextID
	}
	h, err := strategy.NewHost(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Host: h, done: make(chan error, 1)}
	go func() { r.done <- h.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
			t.Error("host did not stop")
		}
	})
	return r
}

// wait returns Run's result, failing after a deadline.
func (r *running) wait(t testing.TB) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err // keep it for Cleanup
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
		return nil
	}
}

// funcs is a strategy made of optional funcs, implementing every
// capability.
type funcs struct {
	start func(*strategy.Context) error
	book  func(*strategy.Context, *domain.BookUpdate)
	order func(*strategy.Context, *domain.Order)
	fill  func(*strategy.Context, *domain.Fill)
	timer func(*strategy.Context, time.Time)
	state func(*strategy.Context, domain.TradingState)
}

func (f *funcs) OnStart(c *strategy.Context) error {
	if f.start != nil {
		return f.start(c)
	}
	return nil
}

func (f *funcs) OnBook(c *strategy.Context, b *domain.BookUpdate) {
	if f.book != nil {
		f.book(c, b)
	}
}

func (f *funcs) OnOrder(c *strategy.Context, o *domain.Order) {
	if f.order != nil {
		f.order(c, o)
	}
}

func (f *funcs) OnFill(c *strategy.Context, fl *domain.Fill) {
	if f.fill != nil {
		f.fill(c, fl)
	}
}

func (f *funcs) OnTimer(c *strategy.Context, now time.Time) {
	if f.timer != nil {
		f.timer(c, now)
	}
}

func (f *funcs) OnState(c *strategy.Context, s domain.TradingState) {
	if f.state != nil {
		f.state(c, s)
	}
}

// instrumentSpec returns an instrument with the given tick and lot sizes.
func instrumentSpec(t testing.TB, symbol, tick, lot string) domain.Instrument {
	t.Helper()
	in, err := domain.NewInstrument(9, domain.InstrumentSpec{
		Symbol: symbol, Base: symbol[:3], Quote: "USD",
		TickSize: decimal.RequireFromString(tick), LotSize: decimal.RequireFromString(lot),
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

package sim

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/domain"
)

// TestFullDepthComplete drives flow and client orders tick by tick: the
// levels fullDepth sums from the known orders must count every order on the
// book, and its best domain.BookDepth levels must be the book's own.
func TestFullDepthComplete(t *testing.T) {
	v := testVenue(t, 7, 0)
	m := v.markets[0]
	var u domain.BookUpdate
	var d Depth
	id := domain.OrderID(0)
	for tick := range 2000 {
		v.flowTick(m)
		if tick%3 == 0 {
			id++
			side := domain.Side(1 + tick%2)
			px := domain.Price(9900 + (tick*37)%200)
			r := request{kind: reqSubmit, id: id, inst: 0, side: side, typ: domain.Limit, tif: domain.GTC, price: px, qty: 2}
			v.handle(&r)
		}
		if tick%7 == 0 && id > 3 {
			r := request{kind: reqCancel, id: id - 3, inst: 0}
			v.handle(&r)
		}
		for v.outbox.len() > 0 {
			v.outbox.pop()
		}
		n := v.fullDepth(m, &d)
		if n != m.book.Len() {
			t.Fatalf("tick %d: summed %d orders, the book holds %d", tick, n, m.book.Len())
		}
		if d.UpdateID != m.book.Version() {
			t.Fatalf("tick %d: update id %d, version %d", tick, d.UpdateID, m.book.Version())
		}
		m.book.Depth(&u)
		top := func(ls []domain.Level) []domain.Level { return ls[:min(len(ls), domain.BookDepth)] }
		if !slices.Equal(top(d.Bids), u.Bids[:u.NBids]) || !slices.Equal(top(d.Asks), u.Asks[:u.NAsks]) {
			t.Fatalf("tick %d: full depth's top differs from the book's:\n%+v\n%+v", tick, d, u)
		}
	}
}

// depthRec is a MarketSink and DepthSink that keeps every Depth.
type depthRec struct {
	mu     sync.Mutex
	depths []Depth
}

func (*depthRec) Book(*domain.BookUpdate) {}
func (*depthRec) Trade(*domain.Trade)     {}
func (s *depthRec) Depth(d *Depth) {
	c := *d
	c.Bids, c.Asks = slices.Clone(d.Bids), slices.Clone(d.Asks)
	s.mu.Lock()
	s.depths = append(s.depths, c)
	s.mu.Unlock()
}

// TestDepthQueryAndSink runs the venue with flow: each Depth the sink gets
// has a higher update id than the one before, and the Depth query returns
// exactly the book of the last Depth the sink got at the same update id.
func TestDepthQueryAndSink(t *testing.T) {
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{Symbol: "AAA-USD",
		TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("1")})
	if err != nil {
		t.Fatal(err)
	}
	rec := &depthRec{}
	v, err := New(Options{Instruments: []SimInstrument{{Instrument: in, InitialPrice: 10000}},
		Reports: make(chan domain.ExecReport, 1), Market: rec,
		Flow: FlowOptions{OpsPerTick: 10, Interval: time.Millisecond, Volatility: 1}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := v.Depth(ctx, 0, 0); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Depth before Run: %v, want ErrNotRunning", err)
	}
	done := make(chan error, 1)
	go func() { done <- v.Run(ctx) }()
	for !v.Connected() {
		time.Sleep(time.Millisecond)
	}
	if _, err := v.Depth(ctx, 9, 0); !errors.Is(err, ErrUnknownInstrument) {
		t.Fatalf("Depth of an unlisted instrument: %v", err)
	}
	for range 50 {
		time.Sleep(2 * time.Millisecond)
		got, err := v.Depth(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		top, err := v.Depth(ctx, 0, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(top.Bids) > 3 || len(top.Asks) > 3 {
			t.Fatalf("limit 3: %d bids, %d asks", len(top.Bids), len(top.Asks))
		}
		rec.mu.Lock()
		var last Depth
		for i, d := range rec.depths {
			if i > 0 && d.UpdateID <= rec.depths[i-1].UpdateID {
				t.Errorf("sink update ids not increasing: %d then %d", rec.depths[i-1].UpdateID, d.UpdateID)
			}
			if d.UpdateID <= got.UpdateID {
				last = d
			}
		}
		rec.mu.Unlock()
		if last.UpdateID != got.UpdateID || !slices.Equal(last.Bids, got.Bids) || !slices.Equal(last.Asks, got.Asks) {
			t.Fatalf("query at %d differs from the sink's last depth at %d", got.UpdateID, last.UpdateID)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

package sim_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/brokers/sim/match"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
)

// orders calls Orders with a deadline.
func orders(t *testing.T, v *sim.Venue) []domain.VenueOrder {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	os, err := v.Orders(ctx)
	if err != nil {
		t.Fatalf("Orders: %v", err)
	}
	return os
}

func ids(os []domain.VenueOrder) []domain.OrderID {
	var ids []domain.OrderID
	for _, o := range os {
		ids = append(ids, o.Order.ID)
	}
	return ids
}

func kinds(rs []domain.ExecReport) []domain.ExecKind {
	var ks []domain.ExecKind
	for _, r := range rs {
		ks = append(ks, r.Kind)
	}
	return ks
}

func TestOrdersHoldEveryReportTheVenueIssued(t *testing.T) {
	h := start(t, sim.Options{}) // no flow: only these orders trade
	var delivered []domain.ExecReport
	got := func(rs []domain.ExecReport) { delivered = append(delivered, rs...) }

	// 1 rests.
	submit(t, h.v, limit(1, domain.Buy, 9900, 5))
	got(h.expect(t, want{domain.ExecAck, 1}))
	// 3 takes all of 2.
	submit(t, h.v, limit(2, domain.Sell, 10000, 2))
	submit(t, h.v, limit(3, domain.Buy, 10000, 2))
	got(h.expect(t, want{domain.ExecAck, 2}, want{domain.ExecAck, 3}, want{domain.ExecFill, 3}, want{domain.ExecFill, 2}))
	// 5 takes part of 4 in two trades, then 4 is canceled.
	four := limit(4, domain.Sell, 10100, 5)
	submit(t, h.v, four)
	submit(t, h.v, limit(5, domain.Buy, 10100, 1))
	submit(t, h.v, limit(55, domain.Buy, 10100, 2))
	got(h.expect(t, want{domain.ExecAck, 4}, want{domain.ExecAck, 5}, want{domain.ExecFill, 5}, want{domain.ExecFill, 4},
		want{domain.ExecAck, 55}, want{domain.ExecFill, 55}, want{domain.ExecFill, 4}))
	if err := h.v.Cancel(four); err != nil {
		t.Fatal(err)
	}
	got(h.expect(t, want{domain.ExecCanceled, 4}))
	// 6 is rejected by the venue, 7 by the book.
	submit(t, h.v, limit(6, domain.Buy, 9900, 0))
	postOnly := limit(7, domain.Buy, 10200, 1) // would take 70
	postOnly.PostOnly = true
	submit(t, h.v, limit(70, domain.Sell, 10200, 1))
	submit(t, h.v, postOnly)
	got(h.expect(t, want{domain.ExecReject, 6}, want{domain.ExecAck, 70}, want{domain.ExecReject, 7}))
	// 8 is replaced, then a replace is refused.
	eight := limit(8, domain.Sell, 10500, 3)
	submit(t, h.v, eight)
	got(h.expect(t, want{domain.ExecAck, 8}))
	if err := h.v.Replace(eight, 10400, 4); err != nil {
		t.Fatal(err)
	}
	if err := h.v.Replace(eight, 10401, 0); err != nil {
		t.Fatal(err)
	}
	got(h.expect(t, want{domain.ExecReplaced, 8}, want{domain.ExecReplaceReject, 8}))
	// Reports about orders the venue does not hold are not recorded: a
	// cancel of an order that ended and a duplicate of a live id.
	if err := h.v.Cancel(four); err != nil {
		t.Fatal(err)
	}
	submit(t, h.v, limit(1, domain.Sell, 9000, 1))
	h.expect(t, want{domain.ExecCancelReject, 4}, want{domain.ExecReject, 1})
	h.quiet(t)

	os := orders(t, h.v)
	if want := []domain.OrderID{1, 2, 3, 4, 5, 6, 7, 8, 55, 70}; !slices.Equal(ids(os), want) {
		t.Fatalf("Orders lists %v, want %v", ids(os), want)
	}
	wantKinds := map[domain.OrderID][]domain.ExecKind{
		1:  {domain.ExecAck},
		2:  {domain.ExecAck, domain.ExecFill},
		3:  {domain.ExecAck, domain.ExecFill},
		4:  {domain.ExecAck, domain.ExecFill, domain.ExecFill, domain.ExecCanceled},
		5:  {domain.ExecAck, domain.ExecFill},
		55: {domain.ExecAck, domain.ExecFill},
		6:  {domain.ExecReject},
		7:  {domain.ExecReject},
		70: {domain.ExecAck},
		8:  {domain.ExecAck, domain.ExecReplaced, domain.ExecReplaceReject},
	}
	wantFilled := map[domain.OrderID]domain.Qty{2: 2, 3: 2, 4: 3, 5: 1, 55: 2}
	sent := map[domain.OrderID]*domain.Order{1: limit(1, domain.Buy, 9900, 5), 2: limit(2, domain.Sell, 10000, 2),
		3: limit(3, domain.Buy, 10000, 2), 4: four, 5: limit(5, domain.Buy, 10100, 1),
		55: limit(55, domain.Buy, 10100, 2), 6: limit(6, domain.Buy, 9900, 0), 7: postOnly,
		70: limit(70, domain.Sell, 10200, 1), 8: limit(8, domain.Sell, 10500, 3)}
	trades := map[uint64]int{}
	for _, vo := range os {
		o, s := vo.Order, sent[vo.Order.ID]
		if o.Instrument != s.Instrument || o.Venue != venueID || o.Side != s.Side || o.Type != s.Type ||
			o.TIF != s.TIF || o.PostOnly != s.PostOnly || o.Price != s.Price || o.Qty != s.Qty ||
			o.State != domain.StatePendingNew || o.Filled != 0 || o.Created == 0 {
			t.Errorf("order %v: %+v, sent %+v", o.ID, o, s)
		}
		if k := kinds(vo.Reports); !slices.Equal(k, wantKinds[o.ID]) {
			t.Errorf("order %v: reports %v, want %v", o.ID, k, wantKinds[o.ID])
		}
		var filled domain.Qty
		seen := map[uint64]bool{}
		for _, r := range vo.Reports {
			if r.OrderID != o.ID {
				t.Errorf("order %v holds a report about %v", o.ID, r.OrderID)
			}
			if r.Kind == domain.ExecFill {
				filled += r.LastQty
				if r.TradeID == 0 {
					t.Errorf("order %v: fill without a trade id", o.ID)
				}
				if seen[r.TradeID] {
					t.Errorf("order %v: trade id %d twice", o.ID, r.TradeID)
				}
				seen[r.TradeID] = true
				trades[r.TradeID]++
			}
		}
		if filled != wantFilled[o.ID] {
			t.Errorf("order %v: fills sum to %d, want %d", o.ID, filled, wantFilled[o.ID])
		}
	}
	// Each trade is between two client orders here, so each trade id is on
	// exactly two fills, of two orders.
	for id, n := range trades {
		if n != 2 {
			t.Errorf("trade %d on %d fills, want 2", id, n)
		}
	}
	if len(trades) != 3 {
		t.Errorf("%d trades, want 3", len(trades))
	}
	byID := map[domain.OrderID]domain.VenueOrder{}
	for _, vo := range os {
		byID[vo.Order.ID] = vo
	}
	if r := byID[6].Reports[0]; r.Reason != match.ReasonBadQty {
		t.Errorf("order 6 rejected for %q", r.Reason)
	}
	if r := byID[7].Reports[0]; r.Reason != match.ReasonPostOnlyWouldCross {
		t.Errorf("order 7 rejected for %q", r.Reason)
	}
	if r := byID[8].Reports[1]; r.Price != 10400 || r.Qty != 4 {
		t.Errorf("order 8 replaced to %d x %d", r.Price, r.Qty)
	}
	// The recorded reports are exactly the delivered ones, in order.
	var recorded []domain.ExecReport
	for _, vo := range os {
		recorded = append(recorded, vo.Reports...)
	}
	for _, id := range ids(os) {
		var a, b []domain.ExecReport
		for _, r := range delivered {
			if r.OrderID == id {
				a = append(a, r)
			}
		}
		for _, r := range recorded {
			if r.OrderID == id {
				b = append(b, r)
			}
		}
		if !slices.Equal(a, b) {
			t.Errorf("order %v: recorded %+v\ndelivered %+v", id, b, a)
		}
	}
	// The slices are the caller's: changing them changes nothing at the venue.
	os[0].Reports[0].Kind = domain.ExecExpired
	os[0].Reports = append(os[0].Reports, domain.ExecReport{})
	if again := orders(t, h.v); !slices.Equal(kinds(again[0].Reports), []domain.ExecKind{domain.ExecAck}) ||
		!slices.Equal(kinds(again[1].Reports), wantKinds[2]) {
		t.Errorf("after the caller's changes: %v, %v", kinds(again[0].Reports), kinds(again[1].Reports))
	}
}

func TestOrdersRecordReportsBeforeTheyAreDelivered(t *testing.T) {
	// The ack waits a second in the venue after the order reached the book.
	h := start(t, sim.Options{Latency: time.Second})
	submit(t, h.v, limit(1, domain.Buy, 9900, 5))
	var os []domain.VenueOrder
	desktest.Eventually(t, waitFor, "order 1 on the venue", func() bool { os = orders(t, h.v); return len(os) == 1 })
	select {
	case r := <-h.reports:
		t.Fatalf("report %+v delivered within Latency", r)
	default:
	}
	if k := kinds(os[0].Reports); !slices.Equal(k, []domain.ExecKind{domain.ExecAck}) {
		t.Errorf("reports %v, want [ack]", k)
	}
	h.expect(t, want{domain.ExecAck, 1})
}

func TestOrdersHistoryForgetsTheOldestEndedOrder(t *testing.T) {
	h := start(t, sim.Options{History: 2})
	submit(t, h.v, limit(1, domain.Buy, 9900, 5)) // live throughout
	h.expect(t, want{domain.ExecAck, 1})
	for id := domain.OrderID(2); id <= 4; id++ {
		submit(t, h.v, limit(id, domain.Buy, 9900, 0)) // rejected: ended at once
		h.expect(t, want{domain.ExecReject, id})
	}
	if got := ids(orders(t, h.v)); !slices.Equal(got, []domain.OrderID{1, 3, 4}) {
		t.Errorf("Orders lists %v, want [1 3 4]", got)
	}
	// A canceled order ends when it is canceled, not when it was submitted.
	five := limit(5, domain.Buy, 9800, 1)
	submit(t, h.v, five)
	submit(t, h.v, limit(6, domain.Buy, 9900, 0))
	h.expect(t, want{domain.ExecAck, 5}, want{domain.ExecReject, 6})
	if got := ids(orders(t, h.v)); !slices.Equal(got, []domain.OrderID{1, 4, 5, 6}) {
		t.Errorf("Orders lists %v, want [1 4 5 6]", got)
	}
	if err := h.v.Cancel(five); err != nil {
		t.Fatal(err)
	}
	h.expect(t, want{domain.ExecCanceled, 5})
	os := orders(t, h.v)
	if got := ids(os); !slices.Equal(got, []domain.OrderID{1, 5, 6}) {
		t.Errorf("Orders lists %v, want [1 5 6]", got)
	}
	if k := kinds(os[1].Reports); !slices.Equal(k, []domain.ExecKind{domain.ExecAck, domain.ExecCanceled}) {
		t.Errorf("order 5: %v", k)
	}

	// With a negative History only live orders are kept.
	h = start(t, sim.Options{History: -1})
	submit(t, h.v, limit(1, domain.Buy, 9900, 5))
	submit(t, h.v, limit(2, domain.Buy, 9900, 0))
	h.expect(t, want{domain.ExecAck, 1}, want{domain.ExecReject, 2})
	if got := ids(orders(t, h.v)); !slices.Equal(got, []domain.OrderID{1}) {
		t.Errorf("History -1: Orders lists %v, want [1]", got)
	}
}

func TestOrdersFailWhenNotRunningOrCtxEnds(t *testing.T) {
	v, err := sim.New(sim.Options{
		Instruments: []sim.SimInstrument{{Instrument: instrument(t, 0, "AAA-USD")}},
		Reports:     make(chan domain.ExecReport, 16),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Orders(context.Background()); !errors.Is(err, sim.ErrNotRunning) {
		t.Errorf("Orders before Run: %v, want ErrNotRunning", err)
	}
	stop := run(t, v)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := v.Orders(canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("Orders with a canceled ctx: %v, want context.Canceled", err)
	}
	stop()
	if _, err := v.Orders(context.Background()); !errors.Is(err, sim.ErrNotRunning) {
		t.Errorf("Orders after Run: %v, want ErrNotRunning", err)
	}

	// A venue stalled on delivering a report cannot answer: ctx ends first.
	// The stall begins once the venue takes the order, which a query may
	// overtake: ask until one meets the stalled venue.
	h := start(t, sim.Options{Reports: make(chan domain.ExecReport)})
	submit(t, h.v, limit(1, domain.Buy, 9900, 1))
	var err2 error
	desktest.Eventually(t, waitFor, "a query of the stalled venue to time out", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		_, err2 = h.v.Orders(ctx)
		return err2 != nil
	})
	if !errors.Is(err2, context.DeadlineExceeded) {
		t.Errorf("Orders of a stalled venue: %v, want DeadlineExceeded", err2)
	}
}

func TestOrdersSurviveARestart(t *testing.T) {
	reports := make(chan domain.ExecReport, 16)
	v, err := sim.New(sim.Options{
		ID:          venueID,
		Instruments: []sim.SimInstrument{{Instrument: instrument(t, 0, "AAA-USD")}},
		Reports:     reports,
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, v)
	submit(t, v, limit(1, domain.Sell, 10000, 2))
	submit(t, v, limit(2, domain.Buy, 10000, 1))
	submit(t, v, limit(3, domain.Buy, 10000, 0))
	for range 5 { // two acks, two fills, a reject
		select {
		case <-reports:
		case <-time.After(waitFor):
			t.Fatal("no execution report")
		}
	}
	before := orders(t, v)
	stop()
	stop = run(t, v)
	defer stop()
	after := orders(t, v)
	if len(before) != 3 || len(after) != len(before) {
		t.Fatalf("Orders before the restart %v, after %v", ids(before), ids(after))
	}
	for i := range before {
		if before[i].Order != after[i].Order || !slices.Equal(before[i].Reports, after[i].Reports) {
			t.Errorf("order %v: before %+v\nafter %+v", before[i].Order.ID, before[i], after[i])
		}
	}
	if k := kinds(after[0].Reports); !slices.Equal(k, []domain.ExecKind{domain.ExecAck, domain.ExecFill}) {
		t.Errorf("order 1: %v", k)
	}
}

// run runs v until the returned stop is called, which waits for Run to
// return; stop may be called more than once.
func run(t *testing.T, v *sim.Venue) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- v.Run(ctx) }()
	desktest.Eventually(t, waitFor, "venue connected", v.Connected)
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(waitFor):
			t.Fatal("Run did not return after cancel")
		}
	}
	t.Cleanup(stop)
	return stop
}

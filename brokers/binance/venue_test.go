package binance_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/desk-trading/desk/brokers/binance"
	"github.com/desk-trading/desk/brokers/binance/api"
	simbn "github.com/desk-trading/desk/brokers/sim/binance"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
)

const (
	px30000 = domain.Price(3_000_000)
	lot     = domain.Qty(1) // 0.001 BTC
)

// TestPlaceAckFillCancel: an order is acked once (the answer and the
// stream's NEW are one report), a crossing order fills it with trade ids,
// fees and liquidity on both sides, and the rest is canceled.
func TestPlaceAckFillCancel(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	a := startTrader(t, x.options(t, keyA, secretA))
	b := startTrader(t, x.options(t, keyB, secretB))

	buy := order(1, domain.Buy, px30000, 5*lot)
	a.submit(buy)
	a.waitKind(buy.ID, domain.ExecAck)

	sell := order(2, domain.Sell, px30000, 2*lot)
	sell.TIF = domain.IOC
	b.submit(sell)
	rs := a.waitFilled(buy.ID, 2*lot)
	bs := b.waitFilled(sell.ID, 2*lot)

	f := rs[slices.IndexFunc(rs, func(r domain.ExecReport) bool { return r.Kind == domain.ExecFill })]
	if f.LastPx != px30000 || f.LastQty != 2*lot || f.TradeID == 0 || f.Liquidity != domain.Maker || f.Venue != 7 {
		t.Errorf("maker fill %+v", f)
	}
	g := bs[slices.IndexFunc(bs, func(r domain.ExecReport) bool { return r.Kind == domain.ExecFill })]
	if g.Liquidity != domain.Taker || g.TradeID != f.TradeID {
		t.Errorf("taker fill %+v, maker's trade id %d", g, f.TradeID)
	}
	if err := a.v.Cancel(buy); err != nil {
		t.Fatal(err)
	}
	a.waitKind(buy.ID, domain.ExecCanceled)
	// An absence cannot be polled for: give a duplicate, if any, the time
	// to arrive.
	time.Sleep(100 * time.Millisecond)
	rs = a.of(buy.ID)
	if count(rs, domain.ExecAck) != 1 || count(rs, domain.ExecFill) != 1 || count(rs, domain.ExecCanceled) != 1 || len(rs) != 3 {
		t.Errorf("reports of the buy:\n%s", a.dump())
	}
	if rs[0].Kind != domain.ExecAck || rs[0].VenueOrderID == 0 {
		t.Errorf("first report %+v, want the ack with the venue's id", rs[0])
	}
	if n := count(b.of(sell.ID), domain.ExecAck); n != 1 {
		t.Errorf("sell acked %d times:\n%s", n, b.dump())
	}

	// Orders rebuilds the same from the venue's record.
	vos, err := a.v.Orders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(vos, func(vo domain.VenueOrder) bool { return vo.Order.ID == buy.ID })
	if i < 0 {
		t.Fatalf("Orders lacks %s: %+v", buy.ID, vos)
	}
	vo := vos[i]
	if vo.Order.Qty != 5*lot || vo.Order.Price != px30000 || vo.Order.Side != domain.Buy {
		t.Errorf("Orders' order %+v", vo.Order)
	}
	kinds := []domain.ExecKind{}
	for _, r := range vo.Reports {
		kinds = append(kinds, r.Kind)
	}
	if !slices.Equal(kinds, []domain.ExecKind{domain.ExecAck, domain.ExecFill, domain.ExecCanceled}) || vo.Reports[1].TradeID != f.TradeID {
		t.Errorf("Orders' reports %+v", vo.Reports)
	}
	q, err := a.v.QueryOrder(context.Background(), *buy)
	if err != nil || len(q.Reports) != 3 {
		t.Errorf("QueryOrder: %+v, %v", q, err)
	}
	if u := a.v.RateUse(); u.At == 0 || u.Weight1m <= 0 || u.Orders10s <= 0 || u.Status != 0 {
		t.Errorf("RateUse %+v, want the venue's counts", u)
	}
}

// TestReplace: a replace after a partial fill is one cancelReplace whose
// new order carries the leaves; ExecReplaced says the new total, and the
// new order's fills are the same desk order's.
func TestReplace(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	a := startTrader(t, x.options(t, keyA, secretA))
	b := startTrader(t, x.options(t, keyB, secretB))

	buy := order(1, domain.Buy, px30000-100, 5*lot)
	a.submit(buy)
	a.waitKind(buy.ID, domain.ExecAck)
	sell := order(2, domain.Sell, px30000-100, 2*lot)
	b.submit(sell)
	a.waitFilled(buy.ID, 2*lot)
	buy.Filled = 2 * lot

	// New price, total 6: the new order at the venue is 4.
	if err := a.v.Replace(buy, px30000-50, 6*lot); err != nil {
		t.Fatal(err)
	}
	rs := a.waitKind(buy.ID, domain.ExecReplaced)
	r := rs[slices.IndexFunc(rs, func(r domain.ExecReport) bool { return r.Kind == domain.ExecReplaced })]
	if r.Price != px30000-50 || r.Qty != 6*lot {
		t.Errorf("replaced %+v, want price %d total %d", r, px30000-50, 6*lot)
	}
	sell2 := order(2, domain.Sell, px30000-50, 4*lot)
	b.submit(sell2)
	a.waitFilled(buy.ID, 6*lot)
	time.Sleep(100 * time.Millisecond) // for a duplicate, if any
	rs = a.of(buy.ID)
	if count(rs, domain.ExecReplaced) != 1 || count(rs, domain.ExecCanceled) != 0 || count(rs, domain.ExecAck) != 1 {
		t.Errorf("reports:\n%s", a.dump())
	}
	// Replace again, then cancel: the cancel names the second new order.
	buy2 := order(1, domain.Buy, px30000-500, 3*lot)
	a.submit(buy2)
	a.waitKind(buy2.ID, domain.ExecAck)
	if err := a.v.Replace(buy2, px30000-400, 3*lot); err != nil {
		t.Fatal(err)
	}
	a.waitKind(buy2.ID, domain.ExecReplaced)
	if err := a.v.Replace(buy2, px30000-300, 2*lot); err != nil {
		t.Fatal(err)
	}
	desktest.Eventually(t, waitFor, "two replaces", func() bool { return count(a.of(buy2.ID), domain.ExecReplaced) == 2 })
	if err := a.v.Cancel(buy2); err != nil {
		t.Fatal(err)
	}
	a.waitKind(buy2.ID, domain.ExecCanceled)
	vo, err := a.v.QueryOrder(context.Background(), *buy2)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []domain.ExecKind{}
	for _, r := range vo.Reports {
		kinds = append(kinds, r.Kind)
	}
	if !slices.Equal(kinds, []domain.ExecKind{domain.ExecAck, domain.ExecReplaced, domain.ExecReplaced, domain.ExecCanceled}) {
		t.Errorf("QueryOrder after two replaces and a cancel: %+v", vo.Reports)
	}
}

// TestDuplicateReportAppliedOnce: the venue sends every executionReport
// twice; each is reported once.
func TestDuplicateReportAppliedOnce(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	a := startTrader(t, x.options(t, keyA, secretA))
	b := startTrader(t, x.options(t, keyB, secretB))
	x.fault(t, "kind=duplicate-report&count=50")
	buy := order(1, domain.Buy, px30000, 3*lot)
	a.submit(buy)
	a.waitKind(buy.ID, domain.ExecAck)
	for range 3 {
		s := order(2, domain.Sell, px30000, lot)
		b.submit(s)
		b.waitFilled(s.ID, lot)
	}
	a.waitFilled(buy.ID, 3*lot)
	time.Sleep(200 * time.Millisecond)
	rs := a.of(buy.ID)
	tids := map[uint64]int{}
	for _, r := range rs {
		if r.Kind == domain.ExecFill {
			tids[r.TradeID]++
		}
	}
	if count(rs, domain.ExecAck) != 1 || count(rs, domain.ExecFill) != 3 || len(tids) != 3 || filled(rs) != 3*lot {
		t.Errorf("reports with every executionReport sent twice:\n%s", a.dump())
	}
}

// TestStreamDropNothingLost: the user data stream ends mid-fills; the
// session comes back with a new generation, the fills made meanwhile are
// reported once (by query), and Orders holds every fill.
func TestStreamDropNothingLost(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	o := x.options(t, keyA, secretA)
	o.BackoffMin, o.BackoffMax = time.Second, time.Second
	a := startTrader(t, o)
	b := startTrader(t, x.options(t, keyB, secretB))
	_, gen0 := a.v.Session()

	buy := order(1, domain.Buy, px30000, 10*lot)
	a.submit(buy)
	a.waitKind(buy.ID, domain.ExecAck)
	s := order(2, domain.Sell, px30000, lot)
	b.submit(s)
	a.waitFilled(buy.ID, lot)

	x.fault(t, "kind=drop-user-stream")
	desktest.Eventually(t, waitFor, "the session down", func() bool { up, _ := a.v.Session(); return !up })
	for range 5 {
		s := order(2, domain.Sell, px30000, lot)
		b.submit(s)
		b.waitFilled(s.ID, lot)
	}
	if _, g := a.v.Session(); g == gen0 && filled(a.of(buy.ID)) != lot {
		t.Errorf("fills reported while the stream was down:\n%s", a.dump())
	}
	desktest.Eventually(t, waitFor, "a new session generation", func() bool {
		up, g := a.v.Session()
		return up && g > gen0
	})
	a.waitFilled(buy.ID, 6*lot)
	time.Sleep(200 * time.Millisecond) // for a duplicate, if any
	rs := a.of(buy.ID)
	tids := map[uint64]bool{}
	for _, r := range rs {
		if r.Kind == domain.ExecFill {
			tids[r.TradeID] = true
		}
	}
	if count(rs, domain.ExecFill) != 6 || len(tids) != 6 || filled(rs) != 6*lot || count(rs, domain.ExecAck) != 1 {
		t.Errorf("reports across the stream's drop:\n%s", a.dump())
	}
	vos, err := a.v.Orders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(vos, func(vo domain.VenueOrder) bool { return vo.Order.ID == buy.ID })
	if i < 0 || count(vos[i].Reports, domain.ExecFill) != 6 || filled(vos[i].Reports) != 6*lot {
		t.Errorf("Orders after the drop: %+v", vos)
	}
}

// TestRateLimitStormNo418: after a 429 the adapter refuses new orders
// itself until Retry-After, so a storm of orders meets one 429 and never
// a 418; cancels still go.
func TestRateLimitStormNo418(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	a := startTrader(t, x.options(t, keyA, secretA))
	rest := order(1, domain.Buy, px30000-1000, lot)
	a.submit(rest)
	a.waitKind(rest.ID, domain.ExecAck)

	x.fault(t, "kind=http-429&count=1")
	first := order(1, domain.Buy, px30000-1000, lot)
	a.submit(first)
	rs := a.waitKind(first.ID, domain.ExecReject)
	if rs[0].Reason != binance.ReasonRateLimited {
		t.Errorf("first reject %+v", rs[0])
	}
	if u := a.v.RateUse(); u.Status != 429 || u.RetryUntil <= time.Now().UnixNano() {
		t.Errorf("RateUse after a 429: %+v", u)
	}
	var storm []*domain.Order
	for range 50 {
		o := order(1, domain.Buy, px30000-1000, lot)
		storm = append(storm, o)
		a.submit(o)
	}
	for _, o := range storm {
		rs := a.waitKind(o.ID, domain.ExecReject)
		if rs[0].Reason != binance.ReasonRateLimited {
			t.Fatalf("storm order %s: %+v", o.ID, rs[0])
		}
	}
	// A cancel in the window waits for it to close rather than earn
	// another 429 (and with enough of them a 418); then it goes.
	until := a.v.RateUse().RetryUntil
	if err := a.v.Cancel(rest); err != nil {
		t.Fatal(err)
	}
	a.waitKind(rest.ID, domain.ExecCanceled)
	if now := time.Now().UnixNano(); now < until {
		t.Errorf("the cancel went %v before the 429 window closed", time.Duration(until-now))
	}
	if u := a.v.RateUse(); u.Status == 418 {
		t.Errorf("banned: %+v", u)
	}
}

// TestUnknownOutcomeResolvedByQuery: an order whose answer never comes,
// or comes as a 500 after the venue took it, is reported as the venue's
// query says; one the venue never took is rejected "not-at-venue" only
// after its recvWindow.
func TestUnknownOutcomeResolvedByQuery(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	o := x.options(t, keyA, secretA)
	o.RequestTimeout = 300 * time.Millisecond
	o.RecvWindow = time.Second
	a := startTrader(t, o)

	x.fault(t, "kind=drop-acks&count=1")
	dropped := order(1, domain.Buy, px30000-1000, lot)
	a.submit(dropped)
	a.waitKind(dropped.ID, domain.ExecAck)

	x.fault(t, "kind=http-5xx&placed=true&count=1")
	placed := order(1, domain.Buy, px30000-1000, lot)
	a.submit(placed)
	a.waitKind(placed.ID, domain.ExecAck)

	// An answer later than RequestTimeout: the stream's word counts, the
	// late answer adds nothing.
	x.fault(t, "kind=delay-acks&for=600ms&count=2")
	late := order(1, domain.Buy, px30000-1000, lot)
	a.submit(late)
	a.waitKind(late.ID, domain.ExecAck)
	if err := a.v.Cancel(late); err != nil {
		t.Fatal(err)
	}
	a.waitKind(late.ID, domain.ExecCanceled)

	x.fault(t, "kind=http-5xx&placed=false&count=1")
	lost := order(1, domain.Buy, px30000-1000, lot)
	sent := time.Now()
	a.submit(lost)
	rs := a.waitKind(lost.ID, domain.ExecReject)
	if rs[0].Reason != binance.ReasonNotAtVenue || time.Since(sent) < o.RecvWindow {
		t.Errorf("lost order: %+v after %v", rs, time.Since(sent))
	}
	for _, id := range []domain.OrderID{dropped.ID, placed.ID, lost.ID} {
		if rs := a.of(id); len(rs) != 1 {
			t.Errorf("order %s: %d reports:\n%s", id, len(rs), a.dump())
		}
	}
	if got := kinds(a.of(late.ID)); !slices.Equal(got, []domain.ExecKind{domain.ExecAck, domain.ExecCanceled}) {
		t.Errorf("late answers: %v:\n%s", got, a.dump())
	}
	if _, err := a.v.QueryOrder(context.Background(), *lost); !errors.Is(err, domain.ErrNotAtVenue) {
		t.Errorf("QueryOrder of a lost order: %v, want ErrNotAtVenue", err)
	}
	fresh := order(1, domain.Buy, px30000-1000, lot)
	fresh.Created = time.Now().UnixNano()
	if _, err := a.v.QueryOrder(context.Background(), *fresh); err == nil || errors.Is(err, domain.ErrNotAtVenue) {
		t.Errorf("QueryOrder of an order that may still arrive: %v, want an error that is not ErrNotAtVenue", err)
	}
}

// noWS is a dialer that never reaches the WebSocket API.
type noWS struct{}

func (noWS) DialContext(context.Context, string, http.Header) (*websocket.Conn, *http.Response, error) {
	return nil, nil, errors.New("no websocket in this test")
}

// TestRESTFallback: with the WebSocket API unreachable, orders, replaces
// and cancels go over REST and their answers are reported; the session
// is down (no user data stream), and says so.
func TestRESTFallback(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	o := x.options(t, keyA, secretA)
	o.Dialer = noWS{}
	ch := make(chan domain.ExecReport, 64)
	o.Reports = ch
	v, err := binance.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- v.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	buy := order(1, domain.Buy, px30000-1000, 2*lot)
	desktest.Eventually(t, waitFor, "Submit to take the order", func() bool { return v.Submit(buy) == nil })
	next := func() domain.ExecReport {
		select {
		case r := <-ch:
			return r
		case <-time.After(waitFor):
			t.Fatal("no report")
		}
		return domain.ExecReport{}
	}
	if r := next(); r.Kind != domain.ExecAck || r.OrderID != buy.ID || r.VenueOrderID == 0 {
		t.Fatalf("first report %+v", r)
	}
	if err := v.Replace(buy, px30000-900, 3*lot); err != nil {
		t.Fatal(err)
	}
	// A cancel asked while the replace is in flight goes after it, to
	// the replace's new order.
	if err := v.Cancel(buy); err != nil {
		t.Fatal(err)
	}
	if r := next(); r.Kind != domain.ExecReplaced || r.Price != px30000-900 || r.Qty != 3*lot {
		t.Fatalf("second report %+v", r)
	}
	if r := next(); r.Kind != domain.ExecCanceled || r.OrderID != buy.ID {
		t.Fatalf("third report %+v", r)
	}
	if up, _ := v.Session(); up {
		t.Error("session up without a user data stream")
	}
}

// TestUnknownOutcomeWhileStreamAway: with the user data stream away, an
// order and a cancel whose answers are 500s after the venue executed
// them are learnt by query alone (before the stream is back), once.
func TestUnknownOutcomeWhileStreamAway(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	o := x.options(t, keyA, secretA)
	o.BackoffMin, o.BackoffMax = 3*time.Second, 3*time.Second
	a := startTrader(t, o)
	_, gen0 := a.v.Session()
	x.fault(t, "kind=drop-user-stream")
	desktest.Eventually(t, waitFor, "the session down", func() bool { up, _ := a.v.Session(); return !up })

	x.fault(t, "kind=http-5xx&placed=true&count=1")
	buy := order(1, domain.Buy, px30000-1000, lot)
	a.submit(buy)
	a.waitKind(buy.ID, domain.ExecAck)
	x.fault(t, "kind=http-5xx&placed=true&count=1")
	if err := a.v.Cancel(buy); err != nil {
		t.Fatal(err)
	}
	a.waitKind(buy.ID, domain.ExecCanceled)
	if _, g := a.v.Session(); g != gen0 {
		t.Fatalf("the stream came back (generation %d) before the query settled it; the test proves nothing", g)
	}
	desktest.Eventually(t, waitFor, "the stream back", func() bool { up, g := a.v.Session(); return up && g > gen0 })
	time.Sleep(200 * time.Millisecond)
	if rs := a.of(buy.ID); len(rs) != 2 {
		t.Errorf("reports:\n%s", a.dump())
	}
}

// TestLocalRejects: orders that fail the symbol's filters, or that the
// venue has no form for, are rejected without a request.
func TestLocalRejects(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	a := startTrader(t, x.options(t, keyA, secretA))
	tooSmall := order(1, domain.Buy, px30000, lot)
	tooSmall.Qty = 0 // LOT_SIZE's minimum is one lot
	gtd := order(1, domain.Buy, px30000-1000, lot)
	gtd.TIF = domain.GTD
	stop := order(1, domain.Sell, 0, lot)
	stop.Type, stop.StopPrice = domain.Stop, px30000-2000 // the venue lists LIMIT, LIMIT_MAKER, MARKET only
	for _, c := range []struct {
		o      *domain.Order
		reason string
	}{{tooSmall, binance.ReasonVenueFilter}, {gtd, binance.ReasonUnsupported}, {stop, binance.ReasonUnsupported}} {
		a.submit(c.o)
		rs := a.waitKind(c.o.ID, domain.ExecReject)
		if len(rs) != 1 || rs[0].Reason != c.reason {
			t.Errorf("order %+v: %+v, want %s", c.o, rs, c.reason)
		}
	}
	vos, err := a.v.Orders(context.Background())
	if err != nil || len(vos) != 0 {
		t.Errorf("the venue saw %+v, %v", vos, err)
	}
}

// lyingClock makes the first GET /api/v3/time say the server is 3 s
// ahead.
type lyingClock struct {
	mu    sync.Mutex
	calls int
}

func (l *lyingClock) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || r.URL.Path != "/api/v3/time" {
		return resp, err
	}
	l.mu.Lock()
	l.calls++
	first := l.calls == 1
	l.mu.Unlock()
	if first {
		resp.Body.Close()
		body := fmt.Sprintf(`{"serverTime":%d}`, time.Now().Add(3*time.Second).UnixMilli())
		resp.Body = io.NopCloser(strings.NewReader(body))
		resp.ContentLength = int64(len(body))
	}
	return resp, nil
}

// TestClockOffsetRemeasuredOn1021: timestamps carry the measured offset
// (a wrong one makes the venue answer -1021), and a -1021 has the clock
// measured again, after which the session comes up.
func TestClockOffsetRemeasuredOn1021(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	lc := &lyingClock{}
	o := x.options(t, keyA, secretA)
	o.HTTPClient = &http.Client{Transport: lc, Timeout: waitFor}
	a := startTrader(t, o)
	lc.mu.Lock()
	calls := lc.calls
	lc.mu.Unlock()
	if calls < 2 {
		t.Errorf("%d clock measurements, want one more after the -1021", calls)
	}
	buy := order(1, domain.Buy, px30000-1000, lot)
	a.submit(buy)
	a.waitKind(buy.ID, domain.ExecAck)
}

// TestFillAfterCancel: the venue books a last fill while the cancel is on
// its way, and answers the cancel before the stream reports that fill:
// the fill is reported before the cancel, and a cancel of a 1-lot order
// that the last fill completes is refused as the order filled.
func TestFillAfterCancel(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	a := startTrader(t, x.options(t, keyA, secretA))
	buy := order(1, domain.Buy, px30000-1000, 4*lot)
	a.submit(buy)
	a.waitKind(buy.ID, domain.ExecAck)
	x.fault(t, "kind=fill-after-cancel&count=1")
	if err := a.v.Cancel(buy); err != nil {
		t.Fatal(err)
	}
	rs := a.waitKind(buy.ID, domain.ExecCanceled)
	if got := kinds(rs); !slices.Equal(got, []domain.ExecKind{domain.ExecAck, domain.ExecFill, domain.ExecCanceled}) || filled(rs) != 2*lot {
		t.Errorf("reports %v:\n%s", got, a.dump())
	}

	one := order(1, domain.Buy, px30000-1000, lot)
	a.submit(one)
	a.waitKind(one.ID, domain.ExecAck)
	x.fault(t, "kind=fill-after-cancel&count=1")
	if err := a.v.Cancel(one); err != nil {
		t.Fatal(err)
	}
	a.waitKind(one.ID, domain.ExecCancelReject)
	a.waitFilled(one.ID, lot)
	if count(a.of(one.ID), domain.ExecCanceled) != 0 {
		t.Errorf("reports:\n%s", a.dump())
	}
}

func kinds(rs []domain.ExecReport) []domain.ExecKind {
	out := make([]domain.ExecKind, len(rs))
	for i, r := range rs {
		out[i] = r.Kind
	}
	return out
}

// TestVenueRestart: the venue goes away and comes back on the same
// address with its record; the adapter reconnects (a new generation),
// its resting order is still the venue's, fills after the restart are
// reported, and Orders reads the whole history from the record.
func TestVenueRestart(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	a := startTrader(t, x.options(t, keyA, secretA))
	buy := order(1, domain.Buy, px30000, 3*lot)
	a.submit(buy)
	a.waitKind(buy.ID, domain.ExecAck)
	_, gen0 := a.v.Session()
	x.restart()
	desktest.Eventually(t, waitFor, "the session back", func() bool { up, g := a.v.Session(); return up && g > gen0 })
	b := startTrader(t, x.options(t, keyB, secretB))
	sell := order(2, domain.Sell, px30000, 2*lot)
	b.submit(sell)
	rs := a.waitFilled(buy.ID, 2*lot)
	if count(rs, domain.ExecAck) != 1 || count(rs, domain.ExecFill) != 1 {
		t.Errorf("reports:\n%s", a.dump())
	}
	vos, err := a.v.Orders(context.Background())
	if err != nil || len(vos) != 1 || vos[0].Order.ID != buy.ID || count(vos[0].Reports, domain.ExecFill) != 1 {
		t.Errorf("Orders after the restart: %+v, %v", vos, err)
	}
}

// placeRaw places a LIMIT GTC order as key with client id cid over
// signed REST, as another program on the account would.
func placeRaw(t *testing.T, x *exchange, key, secret, side, px, qty, cid string) {
	t.Helper()
	p := api.NewOrder{Symbol: "BTCUSD", Side: api.Side(side), Type: api.TypeLimit, TimeInForce: api.GTC, Price: px,
		Quantity: qty, NewClientOrderID: cid}.Params().Add(api.ParamTimestamp, api.Timestamp(time.Now()))
	q, err := api.SignQuery(creds(t, key, secret).Secret, p)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, "http://"+x.base+api.PathOrder+"?"+q, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(api.HeaderAPIKey, key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("place %s: %d %s", cid, resp.StatusCode, b)
	}
}

// TestExternalOrdersAndBalances: an open order under a client id that is
// not desk's is listed as external (and is no desk order); balances are
// the account's.
func TestExternalOrdersAndBalances(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	a := startTrader(t, x.options(t, keyA, secretA))
	placeRaw(t, x, keyA, secretA, "BUY", "29000.00", "0.002", "by-hand_1")
	mine := order(1, domain.Buy, px30000-1000, lot)
	a.submit(mine)
	a.waitKind(mine.ID, domain.ExecAck)
	ext, err := a.v.ExternalOrders(context.Background())
	if err != nil || len(ext) != 1 {
		t.Fatalf("ExternalOrders: %+v, %v", ext, err)
	}
	if e := ext[0]; e.ClientID != "by-hand_1" || e.Price != 2_900_000 || e.Qty != 2*lot || e.Side != domain.Buy || e.Venue != 7 || e.VenueOrderID == 0 {
		t.Errorf("external order %+v", e)
	}
	vos, err := a.v.Orders(context.Background())
	if err != nil || len(vos) != 1 || vos[0].Order.ID != mine.ID {
		t.Errorf("Orders: %+v, %v", vos, err)
	}
	bals, err := a.v.Balances(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, b := range bals {
		got[b.Asset] = b.Total().String()
	}
	if got["BTC"] != "10" || got["USD"] != "1000000" {
		t.Errorf("balances %v", got)
	}
}

// TestMarketOrder: a desk market order (IOC) is Binance's MARKET; it
// takes what rests and its remainder is canceled ("expired").
func TestMarketOrder(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	a := startTrader(t, x.options(t, keyA, secretA))
	b := startTrader(t, x.options(t, keyB, secretB))
	ask := order(2, domain.Sell, px30000+500, 2*lot)
	b.submit(ask)
	b.waitKind(ask.ID, domain.ExecAck)
	mkt := order(1, domain.Buy, 0, 3*lot)
	mkt.Type, mkt.TIF = domain.Market, domain.IOC
	a.submit(mkt)
	rs := a.waitKind(mkt.ID, domain.ExecCanceled)
	if got := kinds(rs); !slices.Equal(got, []domain.ExecKind{domain.ExecAck, domain.ExecFill, domain.ExecCanceled}) ||
		filled(rs) != 2*lot || rs[1].LastPx != px30000+500 || rs[1].Liquidity != domain.Taker || rs[2].Reason != binance.ReasonExpired {
		t.Errorf("market order:\n%s", a.dump())
	}
	vo, err := a.v.QueryOrder(context.Background(), *mkt)
	if err != nil || vo.Order.Type != domain.Market || vo.Order.TIF != domain.IOC || len(vo.Reports) != 3 {
		t.Errorf("QueryOrder: %+v, %v", vo, err)
	}
}

// TestListenKeyStream: with the legacy listenKey stream, reports flow
// the same, and when the venue closes the stream the adapter opens a new
// one beside the same WebSocket API connection and loses nothing.
func TestListenKeyStream(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	o := x.options(t, keyA, secretA)
	o.ListenKeyStream = true
	a := startTrader(t, o)
	b := startTrader(t, x.options(t, keyB, secretB))
	buy := order(1, domain.Buy, px30000, 4*lot)
	a.submit(buy)
	a.waitKind(buy.ID, domain.ExecAck)
	_, gen0 := a.v.Session()
	x.fault(t, "kind=drop-user-stream")
	for range 2 {
		s := order(2, domain.Sell, px30000, lot)
		b.submit(s)
		b.waitFilled(s.ID, lot)
	}
	desktest.Eventually(t, waitFor, "a new generation", func() bool { up, g := a.v.Session(); return up && g > gen0 })
	a.waitFilled(buy.ID, 2*lot)
	if err := a.v.Cancel(buy); err != nil {
		t.Fatal(err)
	}
	rs := a.waitKind(buy.ID, domain.ExecCanceled)
	if got := kinds(rs); !slices.Equal(got, []domain.ExecKind{domain.ExecAck, domain.ExecFill, domain.ExecFill, domain.ExecCanceled}) {
		t.Errorf("reports %v:\n%s", got, a.dump())
	}
}

// gate holds every POST /api/v3/order until released.
type gate struct{ release chan struct{} }

func (g gate) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.URL.Path == api.PathOrder {
		select {
		case <-g.release:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestSubmitNeverBlocks: with the venue's answers held, Submit queues
// until Options.QueueSize and then fails at once with ErrQueueFull;
// released, every queued order is answered.
func TestSubmitNeverBlocks(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	g := gate{release: make(chan struct{})}
	o := x.options(t, keyA, secretA)
	o.Dialer, o.HTTPClient = noWS{}, &http.Client{Transport: g, Timeout: waitFor}
	o.QueueSize, o.RESTWorkers = 4, 1
	ch := make(chan domain.ExecReport, 64)
	o.Reports = ch
	v, err := binance.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- v.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	first := order(1, domain.Buy, px30000-1000, lot)
	desktest.Eventually(t, waitFor, "Submit to take the order", func() bool { return v.Submit(first) == nil })
	accepted := []*domain.Order{first}
	var full error
	for range 20 {
		o := order(1, domain.Buy, px30000-1000, lot)
		start := time.Now()
		err := v.Submit(o)
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Errorf("Submit took %v", d)
		}
		if err != nil {
			full = err
			break
		}
		accepted = append(accepted, o)
	}
	if !errors.Is(full, binance.ErrQueueFull) {
		t.Fatalf("after %d orders: %v, want ErrQueueFull", len(accepted), full)
	}
	close(g.release)
	acked := map[domain.OrderID]bool{}
	for len(acked) < len(accepted) {
		select {
		case r := <-ch:
			if r.Kind != domain.ExecAck {
				t.Fatalf("report %+v", r)
			}
			acked[r.OrderID] = true
		case <-time.After(waitFor):
			t.Fatalf("%d of %d acked", len(acked), len(accepted))
		}
	}
}

// TestSessionStartsFromTheVenuesOrderCount: a desk that restarts within
// the venue's 10-second window learns, before its session is up, how many
// orders the account already placed in it, so its budget does not start
// from zero and earn a 429.
func TestSessionStartsFromTheVenuesOrderCount(t *testing.T) {
	// Three orders and a second session must fall in one 10 s window.
	if s := time.Now().Second() % 10; s >= 6 {
		time.Sleep(time.Duration(10-s) * time.Second)
	}
	x := startExchange(t, simbn.RateLimits{})
	a := startTrader(t, x.options(t, keyA, secretA))
	for range 3 {
		o := order(1, domain.Buy, px30000-1000, lot)
		a.submit(o)
		a.waitKind(o.ID, domain.ExecAck)
	}
	b := startTrader(t, x.options(t, keyA, secretA)) // the same account, a new process
	if u := b.v.RateUse(); u.Orders10s != 3 || u.Orders1d != 3 || u.At == 0 {
		t.Fatalf("a new session's RateUse %+v; want the account's 3 orders", u)
	}
}

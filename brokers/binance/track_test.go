package binance

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

func testVenue(t testing.TB) *Venue {
	t.Helper()
	sec, err := api.NewSecret("s3cr3tXXXXXXXXXXXXXXXX")
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(Options{ID: 3, RESTURL: "http://127.0.0.1:1", WSURL: "ws://127.0.0.1:1",
		Credentials: api.Credentials{APIKey: "keyXXXXXXXXXXXXXXX", Secret: sec},
		Symbols:     map[string]domain.Instrument{"BTCUSD": testInstrument(t)}, Reports: make(chan domain.ExecReport)})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var tid = domain.MakeOrderID(5, 1, 42)

// sent registers a resting GTC buy of 5 lots at 30000.00, as sendNew does.
func sent(v *Venue) *track {
	t := &track{id: tid, sym: v.syms["BTCUSD"], side: domain.Buy, typ: api.TypeLimit, tif: api.GTC,
		price: 3_000_000, qty: 5, sentAt: time.Now()}
	v.tracks[tid] = t
	return t
}

// er is an executionReport of the test order (replace n).
func er(x api.ExecutionType, status api.OrderStatus, n int, execID, tradeID int64, last, cum string) *event {
	r := api.ExecutionReport{EventType: api.EventExecutionReport, Symbol: "BTCUSD", ClientOrderID: clientID(tid, n),
		Side: api.SideBuy, OrderType: api.TypeLimit, TimeInForce: api.GTC, Quantity: "0.005", Price: "30000.00",
		ExecutionType: x, OrderStatus: status, OrderID: 100 + int64(n), ExecutionID: execID, TradeID: tradeID,
		LastQty: last, CumQty: cum, LastPrice: "30000.00", Commission: "0", IsMaker: true}
	if last == "" {
		r.LastQty, r.LastPrice = "0", "0"
	}
	return &event{kind: evExec, er: r}
}

func placed(body string, err error) *event {
	return &event{kind: evPlaced, id: tid, body: []byte(body), err: err}
}

func kinds(rs []domain.ExecReport) []domain.ExecKind {
	out := make([]domain.ExecKind, len(rs))
	for i, r := range rs {
		out[i] = r.Kind
	}
	return out
}

// TestApplyOnce: whatever order the answers and the stream's events come
// in, and however often, each change is one report.
func TestApplyOnce(t *testing.T) {
	const ack = `{"symbol":"BTCUSD","orderId":100,"clientOrderId":"5-1-42","status":"NEW","origQty":"0.005","executedQty":"0"}`
	const (
		A = domain.ExecAck
		F = domain.ExecFill
		C = domain.ExecCanceled
		R = domain.ExecReplaced
		J = domain.ExecReject
	)
	cancelRepl := func(n int, body string, err error) *event {
		return &event{kind: evReplaced, id: tid, n: n, body: []byte(body), err: err}
	}
	partial := &api.Error{Code: api.CodeCancelReplacePartial, HTTPStatus: 400, Msg: "Order cancel-replace partially failed.",
		Data: json.RawMessage(`{"cancelResult":"SUCCESS","newOrderResult":"FAILURE","cancelResponse":{"orderId":100,"executedQty":"0.000"},"newOrderResponse":{"code":-2010,"msg":"x"}}`)}
	for _, c := range []struct {
		name   string
		repl   int // a replace n in flight
		events []*event
		want   []domain.ExecKind
		check  func(t *testing.T, rs []domain.ExecReport, tr *track)
	}{
		{name: "answer then stream NEW", events: []*event{placed(ack, nil), er(api.ExecNew, api.StatusNew, 0, 1, -1, "", "0")},
			want: []domain.ExecKind{A}},
		{name: "stream NEW then answer", events: []*event{er(api.ExecNew, api.StatusNew, 0, 1, -1, "", "0"), placed(ack, nil)},
			want: []domain.ExecKind{A}},
		{name: "duplicated fill", events: []*event{
			er(api.ExecNew, api.StatusNew, 0, 1, -1, "", "0"),
			er(api.ExecTrade, api.StatusPartiallyFilled, 0, 2, 77, "0.002", "0.002"),
			er(api.ExecTrade, api.StatusPartiallyFilled, 0, 2, 77, "0.002", "0.002"),
			er(api.ExecTrade, api.StatusPartiallyFilled, 0, 9, 77, "0.002", "0.002"), // same trade, other exec id
			er(api.ExecNew, api.StatusNew, 0, 1, -1, "", "0"),
		}, want: []domain.ExecKind{A, F}, check: func(t *testing.T, rs []domain.ExecReport, tr *track) {
			f := rs[1]
			if f.TradeID != 77 || f.LastQty != 2 || f.LastPx != 3_000_000 || f.Liquidity != domain.Maker || f.Venue != 3 || f.OrderID != tid {
				t.Errorf("fill %+v", f)
			}
		}},
		{name: "a fill proves the ack", events: []*event{er(api.ExecTrade, api.StatusPartiallyFilled, 0, 2, 77, "0.002", "0.002"), placed(ack, nil)},
			want: []domain.ExecKind{A, F}},
		{name: "cancel answer before its fill", events: []*event{
			placed(ack, nil),
			{kind: evCanceled, id: tid, body: []byte(`{"orderId":100,"status":"CANCELED","executedQty":"0.002"}`)},
			er(api.ExecTrade, api.StatusPartiallyFilled, 0, 2, 77, "0.002", "0.002"),
			er(api.ExecCanceled, api.StatusCanceled, 0, 3, -1, "", "0.002"),
		}, want: []domain.ExecKind{A, F, C}},
		{name: "rejected answer", events: []*event{placed("", api.NewOrderRejected(api.MsgInsufficientBalance))},
			want: []domain.ExecKind{J}, check: func(t *testing.T, rs []domain.ExecReport, tr *track) {
				if rs[0].Reason != ReasonInsufficientBalance {
					t.Errorf("reason %q", rs[0].Reason)
				}
			}},
		{name: "unknown answer reports nothing", events: []*event{placed("", &api.Error{Code: api.CodeTimeout, HTTPStatus: 500})},
			want: []domain.ExecKind{}, check: func(t *testing.T, rs []domain.ExecReport, tr *track) {
				if !tr.newUnknown {
					t.Error("not marked unknown")
				}
			}},
		{name: "replace by the stream, then its answer", repl: 1, events: []*event{
			placed(ack, nil),
			er(api.ExecTrade, api.StatusPartiallyFilled, 0, 2, 77, "0.002", "0.002"),
			er(api.ExecCanceled, api.StatusCanceled, 0, 3, -1, "", "0.002"),
			func() *event {
				e := er(api.ExecNew, api.StatusNew, 1, 4, -1, "", "0")
				e.er.Quantity, e.er.Price = "0.004", "30001.00"
				return e
			}(),
			cancelRepl(1, `{"cancelResult":"SUCCESS","newOrderResult":"SUCCESS","cancelResponse":{"orderId":100,"executedQty":"0.002"},"newOrderResponse":{"orderId":101,"price":"30001.00","origQty":"0.004"}}`, nil),
			func() *event { e := er(api.ExecTrade, api.StatusFilled, 1, 5, 78, "0.004", "0.004"); return e }(),
		}, want: []domain.ExecKind{A, F, R, F}, check: func(t *testing.T, rs []domain.ExecReport, tr *track) {
			if r := rs[2]; r.Price != 3_000_100 || r.Qty != 6 {
				t.Errorf("replaced %+v, want total 6 at 30001", r)
			}
			if tr.filled != 6 || tr.gen != 1 || tr.repl != nil {
				t.Errorf("track %+v", tr)
			}
		}},
		{name: "replace by the stream, the old order's fill still on its way", repl: 1, events: []*event{
			placed(ack, nil),
			er(api.ExecCanceled, api.StatusCanceled, 0, 3, -1, "", "0.002"), // the cancel half: 2 had filled
			func() *event {
				e := er(api.ExecNew, api.StatusNew, 1, 4, -1, "", "0")
				e.er.Quantity, e.er.Price = "0.003", "30001.00"
				return e
			}(),
			er(api.ExecTrade, api.StatusPartiallyFilled, 0, 2, 77, "0.002", "0.002"), // the old order's fill, late
			func() *event { e := er(api.ExecTrade, api.StatusFilled, 1, 5, 78, "0.003", "0.003"); return e }(),
		}, want: []domain.ExecKind{A, R, F, F}, check: func(t *testing.T, rs []domain.ExecReport, tr *track) {
			// The new total counts what the cancel said had filled, not
			// only the fills reported so far: 2 + 3, so the last fill is
			// no overfill.
			if r := rs[1]; r.Qty != 5 {
				t.Errorf("replaced %+v, want total 5", r)
			}
			if tr.filled != 5 {
				t.Errorf("track filled %d, want 5", tr.filled)
			}
		}},
		{name: "replace by its answer, then the stream", repl: 1, events: []*event{
			placed(ack, nil),
			cancelRepl(1, `{"cancelResult":"SUCCESS","newOrderResult":"SUCCESS","cancelResponse":{"orderId":100,"executedQty":"0"},"newOrderResponse":{"orderId":101,"price":"30001.00","origQty":"0.004"}}`, nil),
			er(api.ExecCanceled, api.StatusCanceled, 0, 3, -1, "", "0"),
			er(api.ExecNew, api.StatusNew, 1, 4, -1, "", "0"),
		}, want: []domain.ExecKind{A, R}},
		{name: "replace: cancel done, new order failed", repl: 1, events: []*event{
			placed(ack, nil),
			er(api.ExecCanceled, api.StatusCanceled, 0, 3, -1, "", "0"),
			cancelRepl(1, "", partial),
		}, want: []domain.ExecKind{A, C}, check: func(t *testing.T, rs []domain.ExecReport, tr *track) {
			if rs[1].Reason != ReasonReplaceNewFailed || !tr.ended {
				t.Errorf("%+v", rs[1])
			}
		}},
		{name: "replace refused", repl: 1, events: []*event{
			placed(ack, nil),
			cancelRepl(1, "", &api.Error{Code: api.CodeCancelReplaceFailed, HTTPStatus: 400, Msg: "Order cancel-replace failed."}),
		}, want: []domain.ExecKind{A, domain.ExecReplaceReject}},
		{name: "IOC remainder", events: []*event{
			placed(ack, nil),
			func() *event {
				e := er(api.ExecExpired, api.StatusExpired, 0, 3, -1, "", "0")
				e.er.TimeInForce = api.IOC
				return e
			}(),
		}, want: []domain.ExecKind{A, C}},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := testVenue(t)
			tr := sent(v)
			if c.repl > 0 {
				tr.nextN = c.repl
				tr.repl = &pendingRepl{pending: pending{sentAt: time.Now()}, n: c.repl}
			}
			var all []domain.ExecReport
			for _, ev := range c.events {
				v.outBuf = v.outBuf[:0]
				v.apply(ev)
				all = append(all, v.outBuf...)
			}
			if got := kinds(all); !slices.Equal(got, c.want) {
				t.Fatalf("reports %v, want %v: %+v", got, c.want, all)
			}
			if c.check != nil {
				c.check(t, all, tr)
			}
		})
	}
}

// TestApplyChain: a query's record reports what the track lacks, once,
// and a -2013 rejects only after the request can no longer arrive.
func TestApplyChain(t *testing.T) {
	v := testVenue(t)
	tr := sent(v)
	tr.newUnknown = true
	ch := &chain{rows: []chainRow{
		{0, api.Order{OrderID: 100, Status: api.StatusCanceled, Price: "30000.00", OrigQty: "0.005", ExecutedQty: "0.002"}},
		{1, api.Order{OrderID: 101, Status: api.StatusPartiallyFilled, Price: "30001.00", OrigQty: "0.004", ExecutedQty: "0.001"}},
	}, trades: []api.Trade{
		{ID: 7, OrderID: 100, Price: "30000.00", Qty: "0.002", Commission: "0.06", CommissionAsset: "USD"},
		{ID: 9, OrderID: 101, Price: "30001.00", Qty: "0.001", IsMaker: true},
	}}
	tr.nextN = 1
	v.apply(&event{kind: evQueried, id: tid, chain: ch})
	if got := kinds(v.outBuf); !slices.Equal(got, []domain.ExecKind{domain.ExecAck, domain.ExecFill, domain.ExecReplaced, domain.ExecFill}) {
		t.Fatalf("reports %v: %+v", got, v.outBuf)
	}
	if r := v.outBuf[2]; r.Qty != 6 || r.Price != 3_000_100 {
		t.Errorf("replaced %+v", r)
	}
	if f := v.outBuf[1]; f.Fee != 6_000_000 || f.Liquidity != domain.Taker {
		t.Errorf("fill %+v", f)
	}
	v.outBuf = v.outBuf[:0]
	v.apply(&event{kind: evQueried, id: tid, chain: ch})
	if len(v.outBuf) != 0 || tr.newUnknown {
		t.Errorf("the same record again: %+v", v.outBuf)
	}

	v2 := testVenue(t)
	tr2 := sent(v2)
	tr2.newUnknown = true
	v2.apply(&event{kind: evQueried, id: tid, chain: &chain{baseMissing: true}})
	if len(v2.outBuf) != 0 {
		t.Errorf("-2013 inside the window: %+v", v2.outBuf)
	}
	tr2.sentAt = time.Now().Add(-v2.lostAfter() - time.Millisecond)
	v2.apply(&event{kind: evQueried, id: tid, chain: &chain{baseMissing: true}})
	if len(v2.outBuf) != 1 || v2.outBuf[0].Kind != domain.ExecReject || v2.outBuf[0].Reason != ReasonNotAtVenue {
		t.Errorf("-2013 after the window: %+v", v2.outBuf)
	}
}

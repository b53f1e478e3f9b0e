package sim

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/domain"
)

// The venue benchmarks drive the venue goroutine's request handling
// directly, without Run and its timers: they measure what one client
// request costs the venue (book, reports and bookkeeping), not scheduling.

// BenchmarkVenueSubmitCancel is a client order resting then canceled, with
// a flow tick in between: one op is two requests and two reports.
func BenchmarkVenueSubmitCancel(b *testing.B) {
	v := benchVenue(b, FlowOptions{OpsPerTick: 10, Volatility: 1.5})
	m := v.markets[0]
	id := domain.OrderID(0)
	b.ReportAllocs()
	for b.Loop() {
		id++
		r := request{kind: reqSubmit, id: id, side: domain.Buy, typ: domain.Limit, tif: domain.GTC, price: 9000, qty: 1}
		v.handle(&r)
		r.kind = reqCancel
		v.handle(&r)
		v.flowTick(m)
		for v.outbox.len() > 0 {
			v.outbox.pop()
		}
	}
}

// BenchmarkVenueCross is two client orders trading with each other: a sell
// rests and a buy takes all of it. One op is two requests and four reports
// (two acks, two fills), and both orders end.
func BenchmarkVenueCross(b *testing.B) {
	v := benchVenue(b, FlowOptions{})
	id := domain.OrderID(0)
	b.ReportAllocs()
	for b.Loop() {
		id++
		r := request{kind: reqSubmit, id: id, side: domain.Sell, typ: domain.Limit, tif: domain.GTC, price: 5000, qty: 3}
		v.handle(&r)
		id++
		r = request{kind: reqSubmit, id: id, side: domain.Buy, typ: domain.Limit, tif: domain.GTC, price: 5000, qty: 3}
		v.handle(&r)
		for v.outbox.len() > 0 {
			v.outbox.pop()
		}
	}
}

// benchVenue lists one instrument with a tick of 0.01, around 100.00 when
// flow is on.
func benchVenue(b *testing.B, flow FlowOptions) *Venue {
	b.Helper()
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{Symbol: "AAA-USD",
		TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("1")})
	if err != nil {
		b.Fatal(err)
	}
	v, err := New(Options{
		Seed:        1,
		Instruments: []SimInstrument{{Instrument: in, InitialPrice: 10000}},
		Reports:     make(chan domain.ExecReport, 1),
		Flow:        flow,
		Fees:        Fees{MakerBps: decimal.NewFromInt(-1), TakerBps: decimal.NewFromInt(5)},
	})
	if err != nil {
		b.Fatal(err)
	}
	return v
}

package oms

import (
	"math"
	"testing"

	"github.com/desk-trading/desk/core/domain"
)

const usd = domain.MoneyScale // one currency unit in Money

// pf is a fill for Position tests: side, price and qty in instrument units,
// fee in Money.
func pf(side domain.Side, px domain.Price, qty domain.Qty, fee domain.Money) *domain.Fill {
	return &domain.Fill{Side: side, Price: px, Qty: qty, Fee: fee}
}

func TestPositionPnL(t *testing.T) {
	ins := map[domain.InstrumentID]domain.Instrument{}
	for _, in := range instruments(t) {
		ins[in.ID] = in
	}
	type state struct {
		qty                  domain.Qty
		cost, realized, fees domain.Money
		avg                  domain.Price
	}
	tests := []struct {
		name  string
		inst  domain.InstrumentID
		fills []*domain.Fill
		want  []state // after each fill
		mark  domain.Price
		unrl  domain.Money // unrealized at mark after the last fill
	}{
		{
			// BTC: 2 bought at 100.00, 0.5 sold at 110.00 realizes 5.00.
			name: "long then partial close at profit", inst: btc,
			fills: []*domain.Fill{
				pf(domain.Buy, 10000, 20000, usd/10),
				pf(domain.Sell, 11000, 5000, usd/20),
			},
			want: []state{
				{qty: 20000, cost: 200 * usd, realized: -usd / 10, fees: usd / 10, avg: 10000},
				{qty: 15000, cost: 150 * usd, realized: 5*usd - usd/10 - usd/20, fees: usd/10 + usd/20, avg: 10000},
			},
			mark: 12000, unrl: 30 * usd, // 1.5 * (120 - 100)
		},
		{
			// 1 long at 100, sell 3 at 90: lose 10 on the one, short 2 at 90.
			name: "flip long to short through zero", inst: btc,
			fills: []*domain.Fill{
				pf(domain.Buy, 10000, 10000, 0),
				pf(domain.Sell, 9000, 30000, 0),
			},
			want: []state{
				{qty: 10000, cost: 100 * usd, avg: 10000},
				{qty: -20000, cost: -180 * usd, realized: -10 * usd, avg: 9000},
			},
			mark: 8000, unrl: 20 * usd, // short 2 from 90 marked at 80
		},
		{
			// Short 5 at 50, cover 2 at 60 (lose 20), 3 at 55 (lose 15).
			name: "short cover at a loss", inst: es,
			fills: []*domain.Fill{
				pf(domain.Sell, 5000, 5, 0),
				pf(domain.Buy, 6000, 2, 0),
				pf(domain.Buy, 5500, 3, 0),
			},
			want: []state{
				{qty: -5, cost: -250 * usd, avg: 5000},
				{qty: -3, cost: -150 * usd, realized: -20 * usd, avg: 5000},
				{qty: 0, cost: 0, realized: -35 * usd, avg: 0},
			},
			mark: 9900, unrl: 0,
		},
		{
			// Maker rebate in, taker fee out, flat at the same price.
			name: "fees and rebates", inst: es,
			fills: []*domain.Fill{
				pf(domain.Buy, 10000, 1, -2*usd/100),
				pf(domain.Sell, 10000, 1, 5*usd/100),
			},
			want: []state{
				{qty: 1, cost: 100 * usd, realized: 2 * usd / 100, fees: -2 * usd / 100, avg: 10000},
				{qty: 0, cost: 0, realized: -3 * usd / 100, fees: 3 * usd / 100},
			},
		},
		{
			// ES 0.25 ticks: 5000.25 and 5000.50 average to 5000.375,
			// truncated to the price scale.
			name: "average price truncates", inst: es,
			fills: []*domain.Fill{
				pf(domain.Buy, 500025, 1, 0),
				pf(domain.Buy, 500050, 1, 0),
				pf(domain.Sell, 500100, 2, 0),
			},
			want: []state{
				{qty: 1, cost: 5000_25 * usd / 100, avg: 500025},
				{qty: 2, cost: 10000_75 * usd / 100, avg: 500037},
				{qty: 0, realized: 125 * usd / 100},
			},
		},
		{
			// Notional divides by 1000 here: 3 at 1.234567 is 3.703701.
			name: "instrument finer than money", inst: fine,
			fills: []*domain.Fill{
				pf(domain.Buy, 1_234_567, 300_000, 0),
				pf(domain.Sell, 1_300_000, 100_000, 0),
			},
			want: []state{
				{qty: 300_000, cost: 370_370_100, avg: 1_234_567},
				{qty: 200_000, cost: 246_913_400, realized: 6_543_300, avg: 1_234_567},
			},
			mark: 1_000_000, unrl: -46_913_400,
		},
		{
			// Values below one Money unit truncate; closing everything
			// releases the whole cost, so nothing is left over.
			name: "rounding residue realized on close", inst: fine,
			fills: []*domain.Fill{
				pf(domain.Buy, 1_234_567, 3, 0),  // 3703.701 units -> 3703
				pf(domain.Sell, 1_234_567, 1, 0), // releases 1234 (of 1234.33)
				pf(domain.Sell, 1_234_567, 2, 0), // releases the rest, 2469
			},
			want: []state{
				{qty: 3, cost: 3703, avg: 1_234_333},
				{qty: 2, cost: 2469, realized: 0, avg: 1_234_500},
				{qty: 0, cost: 0, realized: 0},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ins[tt.inst]
			var p domain.Position
			for i, f := range tt.fills {
				p.Apply(f, &in)
				w := tt.want[i]
				got := state{p.Qty, p.Cost, p.Realized, p.Fees, p.AvgPrice(&in)}
				if got != w {
					t.Fatalf("after fill %d:\n got %+v\nwant %+v", i, got, w)
				}
			}
			if u := p.Unrealized(tt.mark, &in); u != tt.unrl {
				t.Fatalf("Unrealized(%d) = %d, want %d", tt.mark, u, tt.unrl)
			}
		})
	}
}

// Positions of one strategy in several instruments with different scales
// stay apart, and so do strategies.
func TestPositionsPerStrategyAndInstrument(t *testing.T) {
	m := newOMS(t, 0)
	send := func(seq uint64, s domain.StrategyID, inst domain.InstrumentID, side domain.Side, px domain.Price, qty domain.Qty) *domain.Order {
		in := limitBuy(oid(seq))
		in.Strategy, in.Instrument, in.Side, in.Price, in.Qty = s, inst, side, px, qty
		return mustSend(t, m, in)
	}
	a := send(1, 1, btc, domain.Buy, 5_000_000, 5_000)   // 0.5 BTC at 50000.00
	b := send(2, 1, es, domain.Sell, 500_000, 2)         // 2 ES at 5000.00
	c := send(3, 2, btc, domain.Sell, 5_000_100, 2_500)  // 0.25 BTC at 50001.00
	d := send(4, 1, fine, domain.Buy, 1_234_567, 300000) // 3 FIN at 1.234567
	mustApply(t, m, fillReport(a.ID, 1, 5_000_000, 5_000, 0))
	mustApply(t, m, fillReport(b.ID, 1, 500_000, 2, 0))
	mustApply(t, m, fillReport(c.ID, 1, 5_000_100, 2_500, 0))
	mustApply(t, m, fillReport(d.ID, 1, 1_234_567, 300000, 0))

	want := []struct {
		s    domain.StrategyID
		i    domain.InstrumentID
		qty  domain.Qty
		cost domain.Money
	}{
		{1, btc, 5_000, 25_000 * usd},
		{1, es, -2, -10_000 * usd},
		{2, btc, -2_500, -12_500_25 * usd / 100},
		{1, fine, 300_000, 370_370_100},
	}
	i := 0
	m.Positions(func(s domain.StrategyID, in domain.InstrumentID, p *domain.Position) bool {
		w := want[i]
		if s != w.s || in != w.i || p.Qty != w.qty || p.Cost != w.cost {
			t.Errorf("position %d: %d/%d %+v, want %+v", i, s, in, *p, w)
		}
		if m.Position(s, in) != p {
			t.Errorf("Position(%d, %d) is not the iterated one", s, in)
		}
		i++
		return true
	})
	if i != len(want) {
		t.Fatalf("%d positions, want %d", i, len(want))
	}
	if m.Position(2, es) != nil {
		t.Fatal("a position without fills")
	}
}

func TestPositionSaturates(t *testing.T) {
	whole := instrument(t, 9, "WHL-USD", "1", "1") // multiplies by 10^8
	var p domain.Position
	p.Apply(pf(domain.Buy, 1<<40, 1<<30, 0), &whole) // 2^70 * 10^8: far beyond int64
	if p.Cost != domain.MaxMoney || p.Qty != 1<<30 {
		t.Fatalf("cost %d qty %d", p.Cost, p.Qty)
	}
	if u := p.Unrealized(1<<40, &whole); u != 0 {
		t.Fatalf("Unrealized = %d", u)
	}
	if u := p.Unrealized(-(1 << 40), &whole); u != -domain.MaxMoney {
		t.Fatalf("Unrealized negative = %d", u)
	}
	p.Apply(pf(domain.Sell, 1<<40, 1<<30, domain.MaxMoney), &whole)
	if p.Qty != 0 || p.Cost != 0 || p.Realized != -domain.MaxMoney {
		t.Fatalf("after close: %+v", p)
	}
	// Fees that run away saturate rather than wrap.
	p.Apply(pf(domain.Buy, 1, 1, domain.MaxMoney), &whole)
	if p.Fees != domain.MaxMoney || p.Realized != -domain.MaxMoney {
		t.Fatalf("fees %d realized %d", p.Fees, p.Realized)
	}
	if p.AvgPrice(&whole) != 1 {
		t.Fatalf("avg %d", p.AvgPrice(&whole))
	}
	var q domain.Position
	q.Cost, q.Qty = domain.MaxMoney, 1
	fineIn := instrument(t, 8, "FIN-USD", "0.000001", "0.00001") // price = cost*1000/qty
	if q.AvgPrice(&fineIn) != math.MaxInt64 {
		t.Fatalf("saturated avg %d", q.AvgPrice(&fineIn))
	}
}

func TestPositionIgnoresInvalidFill(t *testing.T) {
	in := instrument(t, 9, "WHL-USD", "1", "1")
	var p domain.Position
	p.Apply(pf(0, 10, 1, 5), &in)
	p.Apply(pf(domain.Buy, 10, 0, 5), &in)
	p.Apply(pf(domain.Sell, 10, -1, 5), &in)
	if p != (domain.Position{}) {
		t.Fatalf("invalid fills booked: %+v", p)
	}
}

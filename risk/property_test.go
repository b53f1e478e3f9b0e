package risk

import (
	"math/rand"
	"testing"

	"github.com/desk-trading/desk/core/domain"
	"github.com/shopspring/decimal"
)

// model is an independent, decimal re-statement of the limits Check
// enforces, for the property test to judge Check's fixed-point answers.
type model struct {
	pos, buyWork, sellWork [3][2]int64 // node (0 s0, 1 book, 2 firm) x instrument
	open                   [3]int64
	mark                   [2]int64 // cents
	limits                 [3]Limits
}

func cents(v int64) decimal.Decimal { return decimal.New(v, -2) }

// breaches returns every reason the order breaks at any node, by brute
// force: collar, qty, notional, position, gross, net and open orders.
func (m *model) breaches(side domain.Side, i int, price, qty int64) map[Reason]bool {
	out := map[Reason]bool{}
	sign := int64(side.Sign())
	ref := cents(m.mark[i])
	px := cents(price)
	for n := 0; n < 3; n++ {
		l := &m.limits[n]
		if v := l.Get(PriceCollarBps); !v.IsZero() {
			if px.Sub(ref).Abs().Div(ref).Mul(decimal.NewFromInt(10_000)).GreaterThan(v) {
				out[ReasonPriceCollar] = true
			}
		}
		if v := l.Get(MaxOrderQty); !v.IsZero() && decimal.NewFromInt(qty).GreaterThan(v) {
			out[ReasonMaxOrderQty] = true
		}
		if v := l.Get(MaxOrderNotional); !v.IsZero() && px.Mul(decimal.NewFromInt(qty)).GreaterThan(v) {
			out[ReasonMaxNotional] = true
		}
		if v := l.Get(MaxPosition); !v.IsZero() {
			cur := m.pos[n][i] + m.buyWork[n][i]
			if side == domain.Sell {
				cur = m.pos[n][i] - m.sellWork[n][i]
			}
			next := cur + sign*qty
			if decimal.NewFromInt(abs(next)).GreaterThan(v) && abs(next) > abs(cur) {
				out[ReasonMaxPosition] = true
			}
		}
		gross, net := decimal.Zero, decimal.Zero
		grossAfter, netAfter := decimal.Zero, decimal.Zero
		for j := 0; j < 2; j++ {
			p := m.pos[n][j]
			val := cents(m.mark[j]).Mul(decimal.NewFromInt(p))
			gross, net = gross.Add(val.Abs()), net.Add(val)
			if j == i {
				p += sign * qty
			}
			after := cents(m.mark[j]).Mul(decimal.NewFromInt(p))
			grossAfter, netAfter = grossAfter.Add(after.Abs()), netAfter.Add(after)
		}
		if v := l.Get(MaxGrossExposure); !v.IsZero() && grossAfter.GreaterThan(v) && grossAfter.GreaterThan(gross) {
			out[ReasonMaxGross] = true
		}
		if v := l.Get(MaxNetExposure); !v.IsZero() && netAfter.Abs().GreaterThan(v) && netAfter.Abs().GreaterThan(net.Abs()) {
			out[ReasonMaxNet] = true
		}
		if v := l.Get(MaxOpenOrders); !v.IsZero() && m.open[n]+1 > v.IntPart() {
			out[ReasonMaxOpenOrders] = true
		}
	}
	return out
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// TestPassedOrdersBreakNoLimit is the property the desk exists for: over
// random limit sets at three levels, positions, working orders and marks,
// an order Check passes breaks no limit in force, and an order it denies
// breaks the limit its reason names.
func TestPassedOrdersBreakNoLimit(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	randLimits := func() Limits {
		var l Limits
		set := func(k Key, max int64) {
			if rng.Intn(4) == 0 {
				l.Set(k, decimal.NewFromInt(1+rng.Int63n(max)))
			}
		}
		set(MaxOrderQty, 30)
		set(MaxOrderNotional, 3_000)
		set(MaxPosition, 40)
		set(PriceCollarBps, 300)
		set(MaxGrossExposure, 8_000)
		set(MaxNetExposure, 6_000)
		set(MaxOpenOrders, 6)
		return l
	}
	passed, denied := 0, 0
	for c := 0; c < 5000; c++ {
		var m model
		for n := range m.limits {
			m.limits[n] = randLimits()
		}
		tr, err := NewTree(Config{
			Instruments: testInstruments(t),
			Firm:        NodeConfig{Limits: NodeLimits{Base: m.limits[2]}},
			Books:       []NodeConfig{{Name: "b", Limits: NodeLimits{Base: m.limits[1]}}},
			Strategies: []StrategyConfig{
				{ID: 0, Name: "s0", Book: "b", Limits: NodeLimits{Base: m.limits[0]}},
				{ID: 1, Name: "s1", Book: "b"},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 2; j++ {
			m.mark[j] = 9_000 + rng.Int63n(2_000)
			tr.OnMark(domain.InstrumentID(j), domain.Price(m.mark[j]), now)
		}
		// Fills and working orders for both strategies; s1 counts at the
		// book and firm only.
		for k := 0; k < 6; k++ {
			s, j := rng.Intn(2), rng.Intn(2)
			q := rng.Int63n(31) - 15
			if q != 0 {
				fill(tr, domain.StrategyID(s), domain.InstrumentID(j), domain.Qty(q), domain.Price(m.mark[j]))
				for n := s; n < 3; n++ {
					if s == 1 && n == 0 {
						continue
					}
					m.pos[n][j] += q
					// A fill comes out of the working orders of its side.
					if q > 0 {
						m.buyWork[n][j] = max(0, m.buyWork[n][j]-q)
					} else {
						m.sellWork[n][j] = max(0, m.sellWork[n][j]+q)
					}
				}
			}
			if rng.Intn(2) == 0 {
				side := domain.Side(1 + rng.Intn(2))
				w := 1 + rng.Int63n(5)
				tr.Admit(&domain.Order{Strategy: domain.StrategyID(s), Instrument: domain.InstrumentID(j), Side: side, Type: domain.Limit, Price: domain.Price(m.mark[j]), Qty: domain.Qty(w)}, 1)
				for n := s; n < 3; n++ {
					if s == 1 && n == 0 {
						continue
					}
					m.open[n]++
					if side == domain.Buy {
						m.buyWork[n][j] += w
					} else {
						m.sellWork[n][j] += w
					}
				}
			}
		}
		i := rng.Intn(2)
		side := domain.Side(1 + rng.Intn(2))
		price := m.mark[i] + rng.Int63n(201) - 100
		qty := 1 + rng.Int63n(20)
		o := &domain.Order{Strategy: 0, Instrument: domain.InstrumentID(i), Side: side, Type: domain.Limit, Price: domain.Price(price), Qty: domain.Qty(qty)}
		got := tr.Check(o, now)
		want := m.breaches(side, i, price, qty)
		switch {
		case got == Pass && len(want) > 0:
			t.Fatalf("case %d: passed an order that breaks %v: %+v", c, want, o)
		case got != Pass && !want[got]:
			t.Fatalf("case %d: denied for %q, but it breaks only %v: %+v", c, got, want, o)
		case got == Pass:
			passed++
		default:
			denied++
		}
	}
	if passed < 1000 || denied < 1000 {
		t.Fatalf("%d passed, %d denied: the cases are not varied enough", passed, denied)
	}
}

// TestMarksRevalueExactlyTheHolders: after any sequence of fills (positions
// crossing zero both ways) and marks, every node holds its instrument in
// Tree.holders exactly when its position is not zero, and every node's
// value, net and gross are what a full revaluation gives.
func TestMarksRevalueExactlyTheHolders(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for run := range 50 {
		tr := testTree(t, NodeLimits{}, NodeLimits{}, NodeLimits{})
		for i := range domain.InstrumentID(2) {
			tr.OnMark(i, 10_000, now)
		}
		for step := range 200 {
			i := domain.InstrumentID(rng.Intn(2))
			if rng.Intn(3) == 0 {
				tr.OnMark(i, domain.Price(9_000+rng.Intn(2_000)), now)
			} else {
				fill(tr, domain.StrategyID(rng.Intn(2)), i, domain.Qty(rng.Intn(7)-3), domain.Price(9_500+rng.Intn(1_000)))
			}
			tr.Walk(func(n *Node) {
				var net, gross domain.Money
				for k := range n.pos {
					held := n.holding[k] > 0 && tr.holders[k][n.holding[k]-1] == n
					if held != (n.pos[k] != 0) {
						t.Fatalf("run %d step %d: %s instrument %d: position %d, held %v", run, step, n.Name(), k, n.pos[k], held)
					}
					want := tr.instruments[k].NotionalSat(tr.marks[k], n.pos[k])
					if n.value[k] != want {
						t.Fatalf("run %d step %d: %s instrument %d: value %d, want %d", run, step, n.Name(), k, n.value[k], want)
					}
					net, gross = domain.AddMoney(net, want), domain.AddMoney(gross, want.Abs())
				}
				if n.net != net || n.gross != gross {
					t.Fatalf("run %d step %d: %s net/gross %d/%d, want %d/%d", run, step, n.Name(), n.net, n.gross, net, gross)
				}
			})
		}
	}
}

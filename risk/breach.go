package risk

import (
	"fmt"
	"strconv"

	"github.com/desk-trading/desk/core/domain"
)

// Breach is one thing a planned limit change would breach right now: a
// working order above a new per-order limit, a position, exposure, loss or
// count over a new node limit.
type Breach struct {
	Node       string
	Instrument string         // the symbol, for per-instrument keys
	Order      domain.OrderID // the working order that would breach it; 0 for none
	Value      string         // the figure against the new limit
	Message    string         // "working order 7-0-17 for 5 above max_order_qty 2"
}

// Breaches lists what p would breach at engine time now if it were in
// force, oldest working order first: working orders (working iterates
// them, the OMS's Working) above a new max_order_qty or
// max_order_notional or outside a new price_collar_bps; the node's
// positions over a new max_position; its open orders, gross and net
// exposure, daily loss, drawdown, rejects and rate denials of the last
// minute over their new limits. The rates a second and the duplicate
// window hold nothing standing, so they breach nothing. It changes
// nothing; the result is the caller's.
func (t *Tree) Breaches(p *LimitPlan, working func(func(*domain.Order) bool), now int64) []Breach {
	n, c := p.Node, &p.c
	var out []Breach
	add := func(instr string, id domain.OrderID, value, format string, args ...any) {
		out = append(out, Breach{Node: n.name, Instrument: instr, Order: id, Value: value, Message: fmt.Sprintf(format, args...)})
	}
	switch p.Key {
	case MaxOrderQty, MaxOrderNotional, PriceCollarBps:
		working(func(o *domain.Order) bool {
			if t.Covers(n, o.Strategy) && int(o.Instrument) < len(c.inst) {
				t.orderBreach(o, p.Key, &c.inst[o.Instrument], add)
			}
			return true
		})
	case MaxPosition:
		for i := range c.inst {
			in := &t.instruments[i]
			if l := c.inst[i].maxPosition; l > 0 && n.pos[i].Abs() > l {
				v := in.FormatQty(n.pos[i])
				add(in.Symbol, 0, v, "position %s in %s over max_position %s", v, in.Symbol, in.FormatQty(l))
			}
		}
	default:
		t.nodeBreach(n, p.Key, &c.whole, now, add)
	}
	return out
}

// orderBreach adds the breach of working order o of per-order key k, if
// any, under the compiled limits l of its instrument.
func (t *Tree) orderBreach(o *domain.Order, k Key, l *instLimits, add func(string, domain.OrderID, string, string, ...any)) {
	in := &t.instruments[o.Instrument]
	switch k {
	case MaxOrderQty:
		if l.maxOrderQty > 0 && o.Qty > l.maxOrderQty {
			v := in.FormatQty(o.Qty)
			add(in.Symbol, o.ID, v, "working order %s for %s above max_order_qty %s", o.ID, v, in.FormatQty(l.maxOrderQty))
		}
	case MaxOrderNotional:
		px := o.Price
		if px == 0 {
			px = t.marks[o.Instrument]
		}
		if m, ok := in.Notional(px, o.Qty); l.maxNotional > 0 && ok && m.Abs() > l.maxNotional {
			add(in.Symbol, o.ID, m.Abs().String(), "working order %s for %s above max_order_notional %s", o.ID, m.Abs(), l.maxNotional)
		}
	case PriceCollarBps:
		if ref := t.marks[o.Instrument]; l.collar > 0 && o.Price != 0 && ref > 0 && outsideCollar(o.Price, ref, l.collar) {
			v := in.FormatPrice(o.Price)
			add(in.Symbol, o.ID, v, "working order %s at %s outside price_collar_bps %s of %s", o.ID, v,
				strconv.FormatFloat(float64(l.collar)/100, 'f', -1, 64), in.FormatPrice(ref))
		}
	}
}

// nodeBreach adds the breach of whole-node key k on n, if any, under the
// compiled limits w.
func (t *Tree) nodeBreach(n *Node, k Key, w *nodeLimits, now int64, add func(string, domain.OrderID, string, string, ...any)) {
	money := func(used, limit domain.Money, what string) {
		if limit > 0 && used > limit {
			add("", 0, used.String(), "%s %s %s over %s %s", n.label(), what, used, k, limit)
		}
	}
	count := func(used, limit int64, what string) {
		if limit > 0 && used > limit {
			v := strconv.FormatInt(used, 10)
			add("", 0, v, "%s has %s %s, over %s %d", n.label(), v, what, k, limit)
		}
	}
	switch k {
	case MaxGrossExposure:
		money(n.gross, w.maxGross, "gross exposure")
	case MaxNetExposure:
		money(n.net.Abs(), w.maxNet, "net exposure")
	case MaxDailyLoss:
		money(-n.DailyPnL(), w.maxDailyLoss, "daily loss")
	case MaxDrawdown:
		money(n.Drawdown(), w.maxDrawdn, "drawdown")
	case MaxOpenOrders:
		count(n.open, w.maxOpen, "open orders")
	case MaxRejectsPerMin:
		count(n.rejects.total(now), w.maxRejects, "venue rejects in the last minute")
	case MaxDenialsPerMin:
		count(n.denials.total(now), w.maxDenials, "rate-limit denials in the last minute")
	}
}

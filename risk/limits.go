package risk

import (
	"fmt"
	"strings"

	"github.com/desk-trading/desk/core/domain"
	"github.com/shopspring/decimal"
)

// instLimits are a node's per-instrument limits compiled to one
// instrument's fixed-point scales; zero means no limit.
type instLimits struct {
	maxOrderQty domain.Qty
	maxPosition domain.Qty
	maxNotional domain.Money
	collar      int64 // hundredths of a basis point
}

// nodeLimits are a node's whole-node limits in fixed point; zero means no
// limit.
type nodeLimits struct {
	maxGross, maxNet        domain.Money
	maxOpen                 int64
	dupWindow               int64 // nanoseconds
	maxDailyLoss, maxDrawdn domain.Money
	maxRejects, maxDenials  int64
}

// setLimits validates l against the caps and the instruments, compiles it
// and installs it on n. On error n is unchanged.
func (t *Tree) setLimits(n *Node, l NodeLimits) error {
	c, err := t.compile(l)
	if err != nil {
		return err
	}
	c.install(n)
	return nil
}

// compiled are a node's limits validated and compiled, ready to install.
type compiled struct {
	limits           NodeLimits
	inst             []instLimits
	whole            nodeLimits
	orders, messages int64 // rates a second
}

// install makes c n's limits.
func (c *compiled) install(n *Node) {
	n.inst, n.whole, n.limits = c.inst, c.whole, c.limits
	n.orders.setRate(c.orders)
	n.messages.setRate(c.messages)
}

// compile validates l against the caps and the instruments and compiles
// it to fixed point; it changes nothing.
func (t *Tree) compile(l NodeLimits) (compiled, error) {
	check := func(where string, v *Limits, scoped bool) error {
		for k := Key(1); k < numKeys; k++ {
			val := v.v[k]
			if val.IsZero() {
				continue
			}
			if err := checkValue(k, val); err != nil {
				return fmt.Errorf("%s%w", where, err)
			}
			if scoped && !k.perInstrument() {
				return fmt.Errorf("%s%s applies to a whole node, not per class or instrument: %w", where, k, ErrBadScope)
			}
			if c := t.caps.v[k]; !c.IsZero() && val.GreaterThan(c) {
				return fmt.Errorf("%s%s = %s: cap is %s: %w", where, k, val, c, ErrAboveCap)
			}
		}
		return nil
	}
	if err := check("", &l.Base, false); err != nil {
		return compiled{}, err
	}
	classes := map[string]bool{}
	for i := range t.instruments {
		classes[t.instruments[i].Class] = true
	}
	for c, v := range l.Class {
		if c == "" || !classes[c] {
			return compiled{}, fmt.Errorf("class %q: no instrument has it: %w", c, ErrBadScope)
		}
		if err := check("class "+c+": ", &v, true); err != nil {
			return compiled{}, err
		}
	}
	for s, v := range l.Instrument {
		if _, ok := t.bySymbol[s]; !ok {
			return compiled{}, fmt.Errorf("instrument %q: not configured: %w", s, ErrBadScope)
		}
		if err := check("instrument "+s+": ", &v, true); err != nil {
			return compiled{}, err
		}
	}

	inst := make([]instLimits, len(t.instruments))
	for i := range t.instruments {
		in := &t.instruments[i]
		if in.Symbol == "" {
			continue
		}
		eff := l.Base
		if c, ok := l.Class[in.Class]; ok {
			overlay(&eff, &c)
		}
		if o, ok := l.Instrument[in.Symbol]; ok {
			overlay(&eff, &o)
		}
		inst[i] = instLimits{
			maxOrderQty: qtyAt(in, eff.v[MaxOrderQty]),
			maxPosition: qtyAt(in, eff.v[MaxPosition]),
			maxNotional: money(eff.v[MaxOrderNotional]),
			collar:      eff.v[PriceCollarBps].Shift(2).IntPart(),
		}
	}
	b := &l.Base
	return compiled{limits: l, inst: inst, orders: b.v[MaxOrdersPerSec].IntPart(), messages: b.v[MaxMessagesPerSec].IntPart(), whole: nodeLimits{
		maxGross: money(b.v[MaxGrossExposure]), maxNet: money(b.v[MaxNetExposure]),
		maxOpen:      b.v[MaxOpenOrders].IntPart(),
		dupWindow:    b.v[DuplicateWindowMs].IntPart() * 1_000_000,
		maxDailyLoss: money(b.v[MaxDailyLoss]), maxDrawdn: money(b.v[MaxDrawdown]),
		maxRejects: b.v[MaxRejectsPerMin].IntPart(), maxDenials: b.v[MaxDenialsPerMin].IntPart(),
	}}, nil
}

// overlay copies o's non-zero keys over base.
func overlay(base, o *Limits) {
	for k := Key(1); k < numKeys; k++ {
		if !o.v[k].IsZero() {
			base.v[k] = o.v[k]
		}
	}
}

// qtyAt converts a quantity limit to in's scale, rounding down so the
// limit never allows more than configured (and at least one unit, so a
// tiny limit still means a limit rather than none).
func qtyAt(in *domain.Instrument, d decimal.Decimal) domain.Qty {
	if d.IsZero() {
		return 0
	}
	return max(domain.Qty(d.Shift(int32(in.QtyDecimals)).IntPart()), 1)
}

// money converts a checked limit value to Money (values are bounded by
// maxValue and eight decimals, so this cannot overflow), at least one unit
// when non-zero.
func money(d decimal.Decimal) domain.Money {
	if d.IsZero() {
		return 0
	}
	return max(domain.Money(d.Shift(domain.MoneyDecimals).IntPart()), 1)
}

// SetLimit sets key k of node to v in scope: "" for the node itself,
// "class:NAME" or "instrument:SYMBOL" for an override; zero removes the
// limit. It returns the previous value. It fails, changing nothing, with
// ErrUnknownNode, ErrBadValue, ErrAboveCap or ErrBadScope.
func (t *Tree) SetLimit(node, scope string, k Key, v decimal.Decimal) (old decimal.Decimal, err error) {
	p, err := t.PlanLimit(node, scope, k, v)
	if err != nil {
		return old, err
	}
	t.Apply(p)
	return p.Old, nil
}

// LimitPlan is a limit change validated and compiled by PlanLimit, not
// yet in force: Breaches says what it would breach, Apply applies it.
type LimitPlan struct {
	Node     *Node
	Key      Key
	Old, New decimal.Decimal
	c        compiled
}

// PlanLimit validates a change of key k of node to v in scope exactly as
// SetLimit does, with the same errors, and returns it compiled without
// changing anything.
func (t *Tree) PlanLimit(node, scope string, k Key, v decimal.Decimal) (*LimitPlan, error) {
	n, ok := t.byName[node]
	if !ok {
		return nil, fmt.Errorf("risk: node %q: %w", node, ErrUnknownNode)
	}
	if err := checkValue(k, v); err != nil {
		return nil, fmt.Errorf("risk: %s: %w", node, err)
	}
	var old decimal.Decimal
	l := n.limits.clone()
	switch kind, name, _ := strings.Cut(scope, ":"); {
	case scope == "":
		old = l.Base.v[k]
		l.Base.v[k] = v
	case kind == "class" && name != "":
		if l.Class == nil {
			l.Class = map[string]Limits{}
		}
		c := l.Class[name]
		old, c.v[k] = c.v[k], v
		l.Class[name] = c
	case kind == "instrument" && name != "":
		if l.Instrument == nil {
			l.Instrument = map[string]Limits{}
		}
		c := l.Instrument[name]
		old, c.v[k] = c.v[k], v
		l.Instrument[name] = c
	default:
		return nil, fmt.Errorf("risk: scope %q: want class:NAME or instrument:SYMBOL: %w", scope, ErrBadScope)
	}
	c, err := t.compile(l)
	if err != nil {
		return nil, fmt.Errorf("risk: %s: %w", node, err)
	}
	return &LimitPlan{Node: n, Key: k, Old: old, New: v, c: c}, nil
}

// Apply puts a planned limit change in force.
func (t *Tree) Apply(p *LimitPlan) { p.c.install(p.Node) }

// NodeLimits returns a copy of node's limits.
func (t *Tree) NodeLimits(node string) (NodeLimits, error) {
	n, ok := t.byName[node]
	if !ok {
		return NodeLimits{}, fmt.Errorf("risk: node %q: %w", node, ErrUnknownNode)
	}
	return n.limits.clone(), nil
}

// Caps returns the hard caps.
func (t *Tree) Caps() Limits { return t.caps }

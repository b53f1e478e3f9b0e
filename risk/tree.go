package risk

import (
	"fmt"
	"time"

	"github.com/desk-trading/desk/core/domain"
)

// NodeKind is a node's level in the tree.
type NodeKind uint8

// Node kinds, from the root down.
const (
	KindFirm NodeKind = iota + 1
	KindBook
	KindStrategy
)

// FirmNode is the name of the root node.
const FirmNode = "firm"

// Node is the firm, a book or a strategy: a trading state, limits, and the
// net position of everything below it.
type Node struct {
	name   string
	kind   NodeKind
	parent *Node
	state  domain.TradingState
	limits Limits
	inst   []instLimits // by InstrumentID
	pos    []domain.Qty // net position by InstrumentID, summed over the subtree
}

// Name returns the node's name: "firm", a book or a strategy id.
func (n *Node) Name() string { return n.name }

// Kind returns the node's level.
func (n *Node) Kind() NodeKind { return n.kind }

// State returns the node's own trading state.
func (n *Node) State() domain.TradingState { return n.state }

// Effective returns the most restrictive state of the node and its
// ancestors: a halted book halts its strategies.
func (n *Node) Effective() domain.TradingState {
	s := n.state
	for p := n.parent; p != nil; p = p.parent {
		s = max(s, p.state) // Active < ReduceOnly < Halted
	}
	return s
}

// Limits returns the node's configured limits.
func (n *Node) Limits() Limits { return n.limits }

// Position returns the node's net position in instrument i.
func (n *Node) Position(i domain.InstrumentID) domain.Qty {
	if int(i) < len(n.pos) {
		return n.pos[i]
	}
	return 0
}

// Config describes a tree.
type Config struct {
	// Instruments are the tradable instruments, indexed by ID; entries with
	// an empty Symbol are unused IDs.
	Instruments []domain.Instrument
	Firm        Limits
	Books       []BookConfig
	Strategies  []StrategyConfig
	// MaxReferenceAge is how old a reference price may be before orders that
	// need one are refused. Zero means 5 seconds.
	MaxReferenceAge time.Duration
}

// BookConfig is one book and its limits.
type BookConfig struct {
	Name   string
	Limits Limits
}

// StrategyConfig is one strategy, the book it belongs to, and its limits.
type StrategyConfig struct {
	ID     domain.StrategyID
	Name   string
	Book   string
	Limits Limits
}

// Tree is the firm -> books -> strategies risk tree.
type Tree struct {
	instruments []domain.Instrument
	firm        *Node
	byName      map[string]*Node
	strategies  []*Node // by StrategyID; nil where unused
	order       []*Node // books and strategies in configuration order
	refMaxAge   int64
}

// NewTree builds a tree from cfg, every node active. It fails on a
// duplicate or empty name, a strategy whose book is not configured, or a
// limit that is negative or does not fit an instrument's scale.
func NewTree(cfg Config) (*Tree, error) {
	t := &Tree{
		instruments: cfg.Instruments,
		byName:      make(map[string]*Node),
		refMaxAge:   int64(cfg.MaxReferenceAge),
	}
	if t.refMaxAge == 0 {
		t.refMaxAge = int64(5 * time.Second)
	}
	var err error
	if t.firm, err = t.add(FirmNode, KindFirm, nil, cfg.Firm); err != nil {
		return nil, err
	}
	for _, b := range cfg.Books {
		if _, err := t.add(b.Name, KindBook, t.firm, b.Limits); err != nil {
			return nil, err
		}
	}
	for _, s := range cfg.Strategies {
		book, ok := t.byName[s.Book]
		if !ok || book.kind != KindBook {
			return nil, fmt.Errorf("risk: strategy %s: book %q: %w", s.Name, s.Book, ErrUnknownNode)
		}
		n, err := t.add(s.Name, KindStrategy, book, s.Limits)
		if err != nil {
			return nil, err
		}
		for int(s.ID) >= len(t.strategies) {
			t.strategies = append(t.strategies, nil)
		}
		if t.strategies[s.ID] != nil {
			return nil, fmt.Errorf("risk: strategy id %d: %w", s.ID, ErrDuplicateNode)
		}
		t.strategies[s.ID] = n
	}
	return t, nil
}

func (t *Tree) add(name string, kind NodeKind, parent *Node, l Limits) (*Node, error) {
	if name == "" {
		return nil, fmt.Errorf("risk: empty node name: %w", ErrUnknownNode)
	}
	if _, dup := t.byName[name]; dup {
		return nil, fmt.Errorf("risk: %q: %w", name, ErrDuplicateNode)
	}
	if err := l.validate(); err != nil {
		return nil, fmt.Errorf("risk: %s: %w", name, err)
	}
	n := &Node{
		name: name, kind: kind, parent: parent, state: domain.Active, limits: l,
		inst: make([]instLimits, len(t.instruments)),
		pos:  make([]domain.Qty, len(t.instruments)),
	}
	for i := range t.instruments {
		in := &t.instruments[i]
		if in.Symbol == "" {
			continue
		}
		c, err := l.compile(in)
		if err != nil {
			return nil, fmt.Errorf("risk: %s: %s: %w", name, in.Symbol, err)
		}
		n.inst[i] = c
	}
	t.byName[name] = n
	if parent != nil {
		t.order = append(t.order, n)
	}
	return n, nil
}

// Node returns the node called name.
func (t *Tree) Node(name string) (*Node, bool) {
	n, ok := t.byName[name]
	return n, ok
}

// Strategy returns the node of strategy id, or nil.
func (t *Tree) Strategy(id domain.StrategyID) *Node {
	if int(id) < len(t.strategies) {
		return t.strategies[id]
	}
	return nil
}

// Firm returns the root node.
func (t *Tree) Firm() *Node { return t.firm }

// SetState sets node name's own trading state and returns the previous one.
// It fails with ErrUnknownNode.
func (t *Tree) SetState(name string, s domain.TradingState) (old domain.TradingState, err error) {
	n, ok := t.byName[name]
	if !ok {
		return 0, fmt.Errorf("risk: node %q: %w", name, ErrUnknownNode)
	}
	old, n.state = n.state, s
	return old, nil
}

// Covers reports whether node n is strategy s or one of its ancestors, that
// is whether halting n stops s.
func (t *Tree) Covers(n *Node, s domain.StrategyID) bool {
	for m := t.Strategy(s); m != nil; m = m.parent {
		if m == n {
			return true
		}
	}
	return false
}

// OnFill adds a fill to the positions of its strategy and every ancestor.
func (t *Tree) OnFill(f *domain.Fill) {
	dq := f.Qty * domain.Qty(f.Side.Sign())
	for n := t.Strategy(f.Strategy); n != nil; n = n.parent {
		if int(f.Instrument) < len(n.pos) {
			n.pos[f.Instrument] += dq
		}
	}
}

// Walk calls fn for every node, the firm first, then books and strategies
// in configuration order, with the node's own state.
func (t *Tree) Walk(fn func(name string, s domain.TradingState)) {
	fn(t.firm.name, t.firm.state)
	for _, n := range t.order {
		fn(n.name, n.state)
	}
}

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

var kindNames = [...]string{"", "firm", "book", "strategy"}

func (k NodeKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "invalid"
}

// FirmNode is the name of the root node.
const FirmNode = "firm"

// Node is the firm, a book or a strategy: its operator-set trading state,
// its tripped breakers, its limits, and the totals of everything below it.
type Node struct {
	name   string
	kind   NodeKind
	parent *Node
	state  domain.TradingState
	trips  breakerSet
	limits NodeLimits

	inst       []instLimits // by InstrumentID
	whole      nodeLimits
	restricted []bool // by InstrumentID
	trades     []bool // strategies: the instruments it trades, for stale-data trips

	// Strategies: the position in each instrument at average cost, and
	// whether it ever had a fill (see ledger.go).
	positions []domain.Position
	traded    []bool

	// Positions and money, summed over the subtree.
	pos       []domain.Qty   // net position by InstrumentID
	holding   []int32        // by InstrumentID: 1 + the node's index in Tree.holders; 0 when flat
	buyWork   []domain.Qty   // working buy quantity by InstrumentID
	sellWork  []domain.Qty   // working sell quantity by InstrumentID
	value     []domain.Money // pos*mark at the last mark, by InstrumentID
	net       domain.Money   // sum of value
	gross     domain.Money   // sum of |value|
	cash      domain.Money   // minus what fills paid, minus fees
	open      int64          // working orders
	orders    bucket
	messages  bucket
	rejects   minuteCounter
	denials   minuteCounter
	day       int64        // UTC day number of dayBase
	dayBase   domain.Money // P&L when the day began
	peak      domain.Money // the day's P&L high-water mark
	dups      dupRing      // strategies only
	lastState domain.TradingState

	// changed is the last SetStateBy (hasChanged: there was one);
	// tripAt and tripActs are each tripped breaker's time, detail and
	// action, by Breaker (see cause.go).
	changed    Change
	hasChanged bool
	tripAt     [numBreakers]tripRecord
	tripActs   [numBreakers]domain.TradingState
}

// Name returns the node's name: "firm", a book or a strategy id.
func (n *Node) Name() string { return n.name }

// Kind returns the node's level.
func (n *Node) Kind() NodeKind { return n.kind }

// Parent returns the node's parent, nil for the firm.
func (n *Node) Parent() *Node { return n.parent }

// State returns the trading state an operator set on the node itself.
func (n *Node) State() domain.TradingState { return n.state }

// Effective returns the most restrictive of the node's own state, the
// actions of its tripped breakers, and its ancestors' effective states: a
// halted book halts its strategies.
func (n *Node) Effective() domain.TradingState {
	s := domain.Active
	for m := n; m != nil; m = m.parent {
		s = max(s, m.state, m.trips.action) // Active < ReduceOnly < Halted
	}
	return s
}

// Position returns the node's net position in instrument i.
func (n *Node) Position(i domain.InstrumentID) domain.Qty {
	if int(i) < len(n.pos) {
		return n.pos[i]
	}
	return 0
}

// OpenOrders returns the working orders under the node.
func (n *Node) OpenOrders() int { return int(n.open) }

// PnL returns the node's profit and loss: the cash its fills paid and
// received, less fees, plus the value of its positions at the marks.
func (n *Node) PnL() domain.Money { return domain.AddMoney(n.cash, n.net) }

// DailyPnL returns the P&L since the current UTC day began (as of the last
// Evaluate or fill).
func (n *Node) DailyPnL() domain.Money { return domain.AddMoney(n.PnL(), -n.dayBase) }

// Drawdown returns how far the P&L is below the day's high-water mark.
func (n *Node) Drawdown() domain.Money { return max(0, domain.AddMoney(n.peak, -n.PnL())) }

// Config describes a tree.
type Config struct {
	// Instruments are the tradable instruments, indexed by ID; entries with
	// an empty Symbol are unused IDs.
	Instruments []domain.Instrument
	Firm        NodeConfig
	Books       []NodeConfig
	Strategies  []StrategyConfig
	// Caps are hard caps: a limit set in config or live above a non-zero
	// cap is refused with ErrAboveCap.
	Caps Limits
	// Breakers say what each breaker does when it trips; a missing one
	// halts and cancels (venue-down: reduce-only, no cancels).
	Breakers map[Breaker]BreakerAction
	// MaxReferenceAge is how old a reference price may be before orders
	// that need one are refused. Zero means 5 seconds; NewTree refuses a
	// negative one.
	MaxReferenceAge time.Duration
}

// NodeConfig is a firm or book and its limits.
type NodeConfig struct {
	Name   string
	Limits NodeLimits
	// Restricted lists symbols the node may only reduce positions in.
	Restricted []string
}

// StrategyConfig is one strategy, its book, what it trades and its limits.
type StrategyConfig struct {
	ID          domain.StrategyID
	Name        string
	Book        string
	Instruments []domain.InstrumentID
	Limits      NodeLimits
	Restricted  []string
}

// Tree is the firm -> books -> strategies risk tree.
type Tree struct {
	instruments []domain.Instrument
	bySymbol    map[string]domain.InstrumentID
	caps        Limits
	breakers    [numBreakers]BreakerAction
	firm        *Node
	byName      map[string]*Node
	strategies  []*Node // by StrategyID; nil where unused
	order       []*Node // books and strategies in configuration order
	refMaxAge   int64

	opened   []posRef       // strategy positions in the order of their first fills
	drift    uint64         // working releases clamped at zero; see Drift
	marks    []domain.Price // reference price by InstrumentID
	markTime []int64        // when it was set, engine clock
	// holders are, by InstrumentID, the nodes whose position in it is not
	// zero: a mark revalues them alone, not the whole tree.
	holders [][]*Node
	trips   []Trip  // reused by the breaker methods
	rolled  []*Node // reused by Evaluate
}

// NewTree builds a tree from cfg, every node active. It fails on a
// duplicate or empty name, a strategy whose book is not configured, or a
// limit that is invalid, above its cap, or scoped to an unknown class or
// instrument.
func NewTree(cfg Config) (*Tree, error) {
	if cfg.MaxReferenceAge < 0 {
		return nil, fmt.Errorf("risk: MaxReferenceAge %s is negative", cfg.MaxReferenceAge)
	}
	n := len(cfg.Instruments)
	t := &Tree{
		instruments: cfg.Instruments,
		bySymbol:    make(map[string]domain.InstrumentID, n),
		caps:        cfg.Caps,
		byName:      make(map[string]*Node),
		refMaxAge:   int64(cfg.MaxReferenceAge),
		marks:       make([]domain.Price, n),
		markTime:    make([]int64, n),
		holders:     make([][]*Node, n),
	}
	if t.refMaxAge == 0 {
		t.refMaxAge = int64(5 * time.Second)
	}
	for _, in := range cfg.Instruments {
		if in.Symbol != "" {
			t.bySymbol[in.Symbol] = in.ID
		}
	}
	if err := t.caps.validate(); err != nil {
		return nil, fmt.Errorf("risk: caps: %w", err)
	}
	for b := Breaker(1); b < numBreakers; b++ {
		t.breakers[b] = defaultAction(b)
	}
	for b, a := range cfg.Breakers {
		if b == 0 || b >= numBreakers || (a.Action != domain.Halted && a.Action != domain.ReduceOnly) {
			return nil, fmt.Errorf("risk: breaker %s: action %s: %w", b, a.Action, ErrUnknownBreaker)
		}
		t.breakers[b] = a
	}
	var err error
	if t.firm, err = t.add(cfg.Firm, KindFirm, nil); err != nil {
		return nil, err
	}
	t.firm.name = FirmNode
	for _, b := range cfg.Books {
		if _, err := t.add(b, KindBook, t.firm); err != nil {
			return nil, err
		}
	}
	for _, s := range cfg.Strategies {
		book, ok := t.byName[s.Book]
		if !ok || book.kind != KindBook {
			return nil, fmt.Errorf("risk: strategy %s: book %q: %w", s.Name, s.Book, ErrUnknownNode)
		}
		nd, err := t.add(NodeConfig{Name: s.Name, Limits: s.Limits, Restricted: s.Restricted}, KindStrategy, book)
		if err != nil {
			return nil, err
		}
		for int(s.ID) >= len(t.strategies) {
			t.strategies = append(t.strategies, nil)
		}
		if t.strategies[s.ID] != nil {
			return nil, fmt.Errorf("risk: strategy id %d: %w", s.ID, ErrDuplicateNode)
		}
		t.strategies[s.ID] = nd
		nd.trades = make([]bool, n)
		nd.positions, nd.traded = make([]domain.Position, n), make([]bool, n)
		for _, i := range s.Instruments {
			if int(i) < n {
				nd.trades[i] = true
			}
		}
	}
	return t, nil
}

func (t *Tree) add(c NodeConfig, kind NodeKind, parent *Node) (*Node, error) {
	name := c.Name
	if kind == KindFirm {
		name = FirmNode
	}
	if name == "" {
		return nil, fmt.Errorf("risk: empty node name: %w", ErrUnknownNode)
	}
	if _, dup := t.byName[name]; dup {
		return nil, fmt.Errorf("risk: %q: %w", name, ErrDuplicateNode)
	}
	n := len(t.instruments)
	nd := &Node{
		name: name, kind: kind, parent: parent, state: domain.Active, lastState: domain.Active,
		inst: make([]instLimits, n), restricted: make([]bool, n),
		pos: make([]domain.Qty, n), buyWork: make([]domain.Qty, n), sellWork: make([]domain.Qty, n),
		holding: make([]int32, n),
		value:   make([]domain.Money, n),
	}
	if err := t.setLimits(nd, c.Limits.clone()); err != nil {
		return nil, fmt.Errorf("risk: %s: %w", name, err)
	}
	for _, sym := range c.Restricted {
		i, ok := t.bySymbol[sym]
		if !ok {
			return nil, fmt.Errorf("risk: %s: restricted instrument %q: %w", name, sym, ErrBadScope)
		}
		nd.restricted[i] = true
	}
	t.byName[name] = nd
	if parent != nil {
		t.order = append(t.order, nd)
	}
	return nd, nil
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

// Strategies calls fn for each strategy node with its id, in id order.
func (t *Tree) Strategies(fn func(id domain.StrategyID, n *Node)) {
	for id, n := range t.strategies {
		if n != nil {
			fn(domain.StrategyID(id), n)
		}
	}
}

// Firm returns the root node.
func (t *Tree) Firm() *Node { return t.firm }

// Walk calls fn for every node: the firm, then books and strategies in
// configuration order.
func (t *Tree) Walk(fn func(n *Node)) {
	fn(t.firm)
	for _, n := range t.order {
		fn(n)
	}
}

// SetState sets node name's own trading state and returns the previous
// one. It fails with ErrUnknownNode.
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

// Mark returns instrument i's reference price and when it was set.
func (t *Tree) Mark(i domain.InstrumentID) (domain.Price, int64) {
	if int(i) < len(t.marks) {
		return t.marks[i], t.markTime[i]
	}
	return 0, 0
}

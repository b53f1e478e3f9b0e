package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
	"github.com/shopspring/decimal"
)

// Limits are the hard caps and nodes' limits as Engine.Limits answers.
type Limits struct {
	Caps  risk.Limits
	Nodes []NodeLimits // the tree's walk order: firm, then each book and its strategies
}

// NodeLimits are one node's limits and overrides, and its place in the
// tree (Parent is "" for the firm).
type NodeLimits struct {
	Node   string
	Kind   risk.NodeKind
	Parent string
	Limits risk.NodeLimits
}

// Limits returns the limits of node, or of every node when node is empty,
// and the hard caps. It reads what the engine published at the last limit
// change, never the engine itself, and fails with ErrUnknownNode. Safe for
// concurrent use; the maps of the result are shared and must not be
// modified.
func (e *Engine) Limits(ctx context.Context, node string) (Limits, error) {
	all := e.limits.Load()
	if node == "" {
		return *all, nil
	}
	for _, nl := range all.Nodes {
		if nl.Node == node {
			return Limits{Caps: all.Caps, Nodes: []NodeLimits{nl}}, nil
		}
	}
	return Limits{}, fmt.Errorf("%q: %w", node, ErrUnknownNode)
}

// publishLimits republishes every node's limits for Limits. It runs on the
// engine goroutine (or before Run) after each change, which is rare.
func (e *Engine) publishLimits() {
	all := e.limitsGet()
	e.limits.Store(&all)
}

// SetLimit changes one limit on behalf of who, journals it with why, and
// applies it to every order checked afterwards. It fails, changing
// nothing, for an unknown node, key or scope, a value that is not a
// non-negative decimal fit for the key, or one above the hard cap.
//
// It answers like SetState: once the change is durable, or with
// ErrNotDurable. The answer lists what the new value breaches at once
// (risk.Tree.Breaches). A dry run (LimitEdit.DryRun) is validated and
// answered the same way, and changes and journals nothing.
func (e *Engine) SetLimit(ctx context.Context, a LimitEdit, who string) (LimitChange, error) {
	v, wait, err := e.do(ctx, &command{kind: cmdLimitsSet, node: a.Node, scope: a.Scope, key: a.Key, value: a.Value, who: who, why: a.Why, flag: a.DryRun})
	r, _ := v.(LimitChange)
	r.CommitWait = wait
	return r, err
}

// LimitEdit asks SetLimit for one limit change: Scope is "" for the node
// itself, "class:NAME" or "instrument:SYMBOL" for an override; Key a
// limit key's name and Value a decimal ("0" removes the limit). DryRun
// asks what the edit would breach without making it.
type LimitEdit struct {
	Node, Scope, Key, Value, Why string
	DryRun                       bool
}

// LimitChange is the answer to SetLimit: the limit changed (or, on a dry
// run, that would be), its old and new values, what the new value breaches
// right now, and the wait for durability (zero on a dry run).
type LimitChange struct {
	Node, Scope string
	Key         risk.Key
	Old, New    decimal.Decimal
	DryRun      bool
	Breaches    []risk.Breach
	CommitWait  time.Duration
}

// limitsGet lists every node's limits and the hard caps. Each node's
// limits are the tree's copy, never changed after.
func (e *Engine) limitsGet() Limits {
	out := Limits{Caps: e.risk.Caps()}
	e.risk.Walk(func(n *risk.Node) {
		l, _ := e.risk.NodeLimits(n.Name())
		nl := NodeLimits{Node: n.Name(), Kind: n.Kind(), Limits: l}
		if p := n.Parent(); p != nil {
			nl.Parent = p.Name()
		}
		out.Nodes = append(out.Nodes, nl)
	})
	return out
}

// limitsSet validates one limit change, lists what it breaches, and
// unless it is a dry run (c.flag) applies it and journals it as
// "[SCOPE ]KEY=VALUE" in the audit record's Old and New.
func (e *Engine) limitsSet(c *command) (LimitChange, error) {
	key, err := risk.ParseKey(c.key)
	if err != nil {
		return LimitChange{}, fmt.Errorf("%w: %w", ErrBadCommand, err)
	}
	v, err := risk.ParseValue(key, c.value)
	if err != nil {
		return LimitChange{}, fmt.Errorf("%w: %w", ErrBadCommand, err)
	}
	p, err := e.risk.PlanLimit(c.node, c.scope, key, v)
	if err != nil {
		return LimitChange{}, err
	}
	old := p.Old
	r := LimitChange{Node: c.node, Scope: c.scope, Key: key, Old: old, New: v, DryRun: c.flag,
		Breaches: e.risk.Breaches(p, e.oms.Working, e.now)}
	if c.flag {
		return r, nil
	}
	e.risk.Apply(p)
	prefix := limitPrefix(c.scope, key)
	e.audit1(c.node, actionLimit, c.who, prefix+old.String(), prefix+v.String(), c.why)
	e.alert("info", c.node, fmt.Sprintf("%s: %s%s (was %s) by %s", c.node, prefix, v, old, c.who))
	e.publishLimits()
	e.publish()
	return r, nil
}

// restoreLimit re-applies a journaled limit change, and remembers the
// ones that came from the config file for ApplyConfig.
func (e *Engine) restoreLimit(a *domain.Audit) error {
	scope, kv := "", a.New
	if s, rest, ok := strings.Cut(a.New, " "); ok {
		scope, kv = s, rest
	}
	k, v, ok := strings.Cut(kv, "=")
	if !ok {
		return fmt.Errorf("bad limit record %q", a.New)
	}
	key, err := risk.ParseKey(k)
	if err != nil {
		return err
	}
	val, err := decimal.NewFromString(v)
	if err != nil {
		return err
	}
	if a.Who == whoConfig {
		e.configSeen[configKey(a.Node, scope, key)] = ConfigLimit{Node: a.Node, Scope: scope, Key: key, Value: val}
	}
	_, err = e.risk.SetLimit(a.Node, scope, key, val)
	return err
}

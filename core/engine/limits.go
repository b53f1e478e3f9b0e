package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/risk"
	"github.com/shopspring/decimal"
)

// Limits returns the limits of node, or of every node when node is empty,
// and the hard caps. It reads what the engine published at the last limit
// change, never the engine itself, and fails with ErrUnknownNode. Safe for
// concurrent use; the maps of the result are shared and must not be
// modified.
func (e *Engine) Limits(ctx context.Context, node string) (protocol.LimitsResult, error) {
	all := e.limits.Load()
	if node == "" {
		return *all, nil
	}
	for _, nl := range all.Nodes {
		if nl.Node == node {
			return protocol.LimitsResult{Caps: all.Caps, Nodes: []protocol.NodeLimits{nl}}, nil
		}
	}
	return protocol.LimitsResult{}, fmt.Errorf("%q: %w", node, ErrUnknownNode)
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
// ErrNotDurable.
func (e *Engine) SetLimit(ctx context.Context, a protocol.LimitsSetArgs, who string) (protocol.LimitsSetResult, error) {
	v, wait, err := e.do(ctx, &command{kind: cmdLimitsSet, node: a.Node, scope: a.Scope, key: a.Key, value: a.Value, who: who, why: a.Why})
	r, _ := v.(protocol.LimitsSetResult)
	r.CommitUS = micros(wait)
	return r, err
}

// limitsGet lists every node's limits and the hard caps.
func (e *Engine) limitsGet() protocol.LimitsResult {
	caps := e.risk.Caps()
	out := protocol.LimitsResult{Caps: caps.Map()}
	add := func(n *risk.Node) {
		l, _ := e.risk.NodeLimits(n.Name())
		nl := protocol.NodeLimits{Node: n.Name(), Kind: n.Kind().String(), Limits: l.Base.Map()}
		if p := n.Parent(); p != nil {
			nl.Parent = p.Name()
		}
		for c, v := range l.Class {
			if nl.Class == nil {
				nl.Class = map[string]map[string]string{}
			}
			nl.Class[c] = v.Map()
		}
		for s, v := range l.Instrument {
			if nl.Instrument == nil {
				nl.Instrument = map[string]map[string]string{}
			}
			nl.Instrument[s] = v.Map()
		}
		out.Nodes = append(out.Nodes, nl)
	}
	e.risk.Walk(add)
	return out
}

// limitsSet validates and applies one limit change and journals it as
// "[SCOPE ]KEY=VALUE" in the audit record's Old and New.
func (e *Engine) limitsSet(c *command) (protocol.LimitsSetResult, error) {
	key, err := risk.ParseKey(c.key)
	if err != nil {
		return protocol.LimitsSetResult{}, fmt.Errorf("%w: %w", ErrBadCommand, err)
	}
	v, err := risk.ParseValue(key, c.value)
	if err != nil {
		return protocol.LimitsSetResult{}, fmt.Errorf("%w: %w", ErrBadCommand, err)
	}
	old, err := e.risk.SetLimit(c.node, c.scope, key, v)
	if err != nil {
		return protocol.LimitsSetResult{}, err
	}
	prefix := limitPrefix(c.scope, key)
	e.audit1(c.node, actionLimit, c.who, prefix+old.String(), prefix+v.String(), c.why)
	e.alert("info", c.node, fmt.Sprintf("%s: %s%s (was %s) by %s", c.node, prefix, v, old, c.who))
	e.publishLimits()
	e.publish()
	return protocol.LimitsSetResult{Node: c.node, Scope: c.scope, Key: key.String(), Old: old.String(), New: v.String()}, nil
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

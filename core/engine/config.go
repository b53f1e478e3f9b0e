package engine

import (
	"sort"

	"github.com/desk-trading/desk/risk"
	"github.com/shopspring/decimal"
)

// ConfigLimit is one limit as the config file sets it.
type ConfigLimit struct {
	Node  string
	Scope string // "", "class:NAME" or "instrument:SYMBOL"
	Key   risk.Key
	Value decimal.Decimal
}

// configKey names a limit slot: node, scope and key.
func configKey(node, scope string, k risk.Key) string { return node + "|" + scope + "|" + k.String() }

// ApplyConfig reconciles the config file's limits with the journal after
// Restore: the most recent change wins. A limit whose configured value is
// what the journal last recorded from the config keeps the value the
// journal rebuilt (an operator's later edit stands); a limit the config
// changed since, or stopped setting, takes the config's value, journaled
// with who "config". Call it after FinishRestore and before Run. It
// returns how many limits it changed.
func (e *Engine) ApplyConfig(limits []ConfigLimit) int {
	e.now = e.clock().UnixNano()
	want := make(map[string]ConfigLimit, len(limits))
	for _, l := range limits {
		want[configKey(l.Node, l.Scope, l.Key)] = l
	}
	// Limits the config set at its last recorded start but no longer sets
	// go back to none.
	for slot, l := range e.configSeen {
		if _, ok := want[slot]; !ok && !l.Value.IsZero() {
			l.Value = decimal.Zero
			want[slot] = l
		}
	}
	slots := make([]string, 0, len(want))
	for slot := range want {
		slots = append(slots, slot)
	}
	sort.Strings(slots) // journal in a stable order
	changed := 0
	for _, slot := range slots {
		l := want[slot]
		if seen, ok := e.configSeen[slot]; ok && seen.Value.Equal(l.Value) {
			continue
		}
		old, err := e.risk.SetLimit(l.Node, l.Scope, l.Key, l.Value)
		if err != nil {
			e.log.Error("config limit not applied", "node", l.Node, "scope", l.Scope, "key", l.Key, "err", err)
			continue
		}
		e.configSeen[slot] = l
		prefix := limitPrefix(l.Scope, l.Key)
		e.audit1(l.Node, actionLimit, whoConfig, prefix+old.String(), prefix+l.Value.String(), "config file")
		changed++
	}
	if changed > 0 {
		e.publishLimits()
		e.publish()
	}
	return changed
}

// whoConfig is the audit's who for limits that come from the config file.
const whoConfig = "config"

// limitPrefix renders "[SCOPE ]KEY=" as limit audit records spell it.
func limitPrefix(scope string, k risk.Key) string {
	if scope != "" {
		return scope + " " + k.String() + "="
	}
	return k.String() + "="
}

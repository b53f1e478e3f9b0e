package risk

import (
	"fmt"
	"strings"
	"time"

	"github.com/desk-trading/desk/core/domain"
)

// Change is who last set a node's own trading state, when (engine clock,
// unix ns) and why.
type Change struct {
	State    domain.TradingState
	Who, Why string
	At       int64
}

// TripRecord is one tripped breaker, when it tripped (engine clock, unix
// ns) and the detail it tripped with ("daily loss 5000 over 4000"; a trip
// restored from the journal keeps the detail journaled with it).
type TripRecord struct {
	Breaker Breaker
	At      int64
	Detail  string
}

// tripRecord is what a node remembers of a trip, by breaker.
type tripRecord struct {
	at     int64
	detail string
}

// SetStateBy sets node name's own trading state to c.State, remembers c
// as the node's last change (Changed), and returns the previous state. It
// fails with ErrUnknownNode.
func (t *Tree) SetStateBy(name string, c Change) (old domain.TradingState, err error) {
	old, err = t.SetState(name, c.State)
	if err != nil {
		return old, err
	}
	n := t.byName[name]
	n.changed, n.hasChanged = c, true
	return old, nil
}

// Changed returns the last change of the node's own state made with
// SetStateBy, and false when none was made since the tree was built.
func (n *Node) Changed() (Change, bool) { return n.changed, n.hasChanged }

// TripRecords appends the node's tripped breakers, in breaker order, to
// dst and returns it.
func (n *Node) TripRecords(dst []TripRecord) []TripRecord {
	for b := Breaker(1); b < numBreakers; b++ {
		if n.trips.has(b) {
			r := &n.tripAt[b]
			dst = append(dst, TripRecord{Breaker: b, At: r.at, Detail: r.detail})
		}
	}
	return dst
}

// Cause says why the node's effective state is more restrictive than
// asked, "" when it is not: the nearest of the node and its ancestors
// whose own state or tripped breakers impose the effective state, with
// who set it, when (UTC, to the second) and why ("firm halted by uid 0
// (root) at 07:28:01 (lunch)"), or its breakers with their trip times and
// details ("breaker daily-loss tripped on book alpha at 07:30:12: daily
// loss 5000 over 4000"). It formats, so it is for command answers, not
// for the order path.
func (n *Node) Cause(asked domain.TradingState) string {
	eff := n.Effective()
	if eff <= asked {
		return ""
	}
	for m := n; m != nil; m = m.parent {
		if m.state == eff {
			return m.stateCause()
		}
		if m.trips.action == eff {
			return m.tripCause()
		}
	}
	return "" // unreachable: some node imposes the effective state
}

// stateCause describes the node's own state and who set it.
func (n *Node) stateCause() string {
	s := n.label() + " " + n.state.String()
	if !n.hasChanged || n.changed.State != n.state {
		return s // set by config or before the journal said who
	}
	c := &n.changed
	s += " by " + c.Who + " at " + clock(c.At)
	if c.Why != "" {
		s += " (" + c.Why + ")"
	}
	return s
}

// tripCause describes the node's tripped breakers whose action is the
// node's strongest.
func (n *Node) tripCause() string {
	var parts []string
	for _, r := range n.TripRecords(nil) {
		if t := n.tripAction(r.Breaker); t != n.trips.action {
			continue
		}
		p := fmt.Sprintf("breaker %s tripped on %s at %s", r.Breaker, n.label(), clock(r.At))
		if r.Detail != "" {
			p += ": " + r.Detail
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

// tripAction is the action breaker b imposed when it tripped on n.
func (n *Node) tripAction(b Breaker) domain.TradingState { return n.tripActs[b] }

// label names the node for an operator: "firm", "book alpha", "strategy
// mm".
func (n *Node) label() string {
	if n.kind == KindFirm {
		return FirmNode
	}
	return n.kind.String() + " " + n.name
}

// clock is engine time now as UTC hours, minutes and seconds.
func clock(at int64) string { return time.Unix(0, at).UTC().Format("15:04:05") }

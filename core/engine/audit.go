package engine

import (
	"fmt"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/protocol"
)

// auditKeep is how many audit entries the engine keeps for CmdAudit; the
// journal keeps them all.
const auditKeep = 10_000

// auditRecord is an audit entry as journaled: an EventAudit, or an
// EventDenied order. Formatting waits until a client asks, so recording
// one costs a copy and no allocation.
type auditRecord struct {
	seq   uint64
	time  int64
	kind  domain.EventKind
	audit domain.Audit
	order domain.Order
}

// auditLog is a ring of the most recent audit records, oldest first.
type auditLog struct {
	recs  []auditRecord // grows to auditKeep, then wraps
	start int           // index of the oldest record once full
}

// add records ev if it is an audit record or a denial.
func (a *auditLog) add(ev *domain.Event) {
	if ev.Kind != domain.EventAudit && ev.Kind != domain.EventDenied {
		return
	}
	r := auditRecord{seq: ev.Seq, time: ev.Time, kind: ev.Kind}
	if ev.Kind == domain.EventAudit {
		r.audit = ev.Audit
	} else {
		r.order = ev.Order
	}
	if len(a.recs) < auditKeep {
		a.recs = append(a.recs, r)
		return
	}
	a.recs[a.start] = r
	a.start = (a.start + 1) % auditKeep
}

// list returns the most recent limit entries (all when limit <= 0) about
// node (every node when empty), oldest first.
func (e *Engine) auditList(node string, limit int) protocol.AuditResult {
	a := &e.audit
	out := protocol.AuditResult{Entries: []protocol.AuditEntry{}}
	for k := len(a.recs) - 1; k >= 0; k-- {
		r := &a.recs[(a.start+k)%len(a.recs)]
		entry := e.auditEntry(r)
		if node != "" && entry.Node != node {
			continue
		}
		out.Entries = append(out.Entries, entry)
		if limit > 0 && len(out.Entries) == limit {
			break
		}
	}
	for i, j := 0, len(out.Entries)-1; i < j; i, j = i+1, j-1 {
		out.Entries[i], out.Entries[j] = out.Entries[j], out.Entries[i]
	}
	return out
}

func (e *Engine) auditEntry(r *auditRecord) protocol.AuditEntry {
	entry := protocol.AuditEntry{Seq: r.seq, Time: time.Unix(0, r.time).UTC().Format(time.RFC3339Nano)}
	if r.kind == domain.EventAudit {
		a := &r.audit
		entry.Node, entry.Action, entry.Who, entry.Old, entry.New, entry.Why = a.Node, a.Action, a.Who, a.Old, a.New, a.Why
		return entry
	}
	o := &r.order
	entry.Node, entry.Action, entry.Who, entry.New = e.strategyName(o.Strategy), "deny", "risk", o.Reason
	sym := fmt.Sprintf("instrument-%d", o.Instrument)
	if int(o.Instrument) < len(e.opts.Instruments) {
		in := &e.opts.Instruments[o.Instrument]
		sym = in.Symbol
		entry.Why = fmt.Sprintf("order %s %s %s %s @ %s", o.ID, o.Side, in.FormatQty(o.Qty), sym, in.FormatPrice(o.Price))
		return entry
	}
	entry.Why = fmt.Sprintf("order %s %s %s", o.ID, o.Side, sym)
	return entry
}

package wire

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/risk"
)

// Status renders a snapshot as the status message. It allocates a new
// Status every call; nothing of it is shared with s.
func Status(s *engine.Snapshot, n *engine.Names) *protocol.Status {
	st := &protocol.Status{Time: timestamp(s.Time)}
	for k := range s.Strategies {
		x := &s.Strategies[k]
		ps := protocol.Strategy{ID: x.Name, Kind: x.Kind, Book: x.Book, State: x.State.String(),
			Breakers: breakers(x.Breakers), Positions: make([]protocol.Position, 0, len(x.Positions)), Totals: totals(&x.Totals),
			NodeDetail: nodeDetail(&x.NodeSnapshot, n), Denials: x.Denials, LastDenial: x.LastDenial,
			LastDenialAt: optTime(x.LastDenialAt), LastOrder: optTime(x.LastOrder), TickToOrderP99: x.TickToOrderP99}
		for i := range x.Positions {
			ps.Positions = append(ps.Positions, position(&x.Positions[i], n))
		}
		sort.Slice(ps.Positions, func(a, b int) bool { return ps.Positions[a].Instrument < ps.Positions[b].Instrument })
		st.Strategies = append(st.Strategies, ps)
	}
	sort.Slice(st.Strategies, func(a, b int) bool {
		x, y := st.Strategies[a], st.Strategies[b]
		return x.Book < y.Book || (x.Book == y.Book && x.ID < y.ID)
	})
	for k := range s.Books {
		b := &s.Books[k]
		book := protocol.Book{ID: b.ID, Totals: totals(&b.Totals)}
		if b.InTree {
			book.State, book.Breakers = b.State.String(), breakers(b.Breakers)
			book.NodeDetail = nodeDetail(&b.NodeSnapshot, n)
		}
		st.Books = append(st.Books, book)
	}
	sort.Slice(st.Books, func(a, b int) bool { return st.Books[a].ID < st.Books[b].ID })
	st.Firm = protocol.Firm{State: s.Firm.State.String(), Breakers: breakers(s.Firm.Breakers), Totals: totals(&s.Firm.Totals),
		NodeDetail: nodeDetail(&s.Firm, n)}
	for _, v := range s.Venues {
		pv := protocol.Venue{Name: v.Name, Connected: v.Connected, Execution: v.Execution, Feed: Feed(v.Feed, n)}
		if b := v.Budget; b != nil {
			pv.Budget = &protocol.Budget{Orders10s: b.Orders10s, Orders10sLimit: b.Limits.Orders10s,
				Orders1d: b.Orders1d, Orders1dLimit: b.Limits.Orders1d, Weight1m: b.Weight1m, Weight1mLimit: b.Limits.Weight1m}
		}
		venue(&pv, &v, n)
		st.Venues = append(st.Venues, pv)
	}
	st.Latency = Latency(s.Latency, s.LatencyWindow)
	st.Journal = protocol.Journal{State: "up", UncleanStart: s.UncleanStart, Pending: s.Journal.Pending}
	if s.Journal.Down {
		st.Journal.State = "down"
		if s.Journal.Err != nil {
			st.Journal.Error = s.Journal.Err.Error()
		}
	}
	return st
}

func position(p *engine.PositionSnapshot, n *engine.Names) protocol.Position {
	in := n.Instrument(p.Instrument)
	if in == nil { // the engine publishes none such; render what is known
		return protocol.Position{Instrument: fmt.Sprintf("instrument-%d", p.Instrument),
			RealizedPnL: p.Position.Realized.String(), UnrealizedPnL: p.Unrealized.String()}
	}
	pos := protocol.Position{
		Instrument: in.Symbol, Quantity: in.FormatQty(p.Position.Qty),
		RealizedPnL: p.Position.Realized.String(), UnrealizedPnL: p.Unrealized.String(),
	}
	if p.Position.Qty != 0 {
		pos.AvgPrice = in.FormatPrice(p.Position.AvgPrice(in))
	}
	if p.Mark > 0 {
		pos.Mark = in.FormatPrice(p.Mark)
	}
	return pos
}

func totals(t *engine.Totals) protocol.Totals {
	return protocol.Totals{
		RealizedPnL: t.Realized.String(), UnrealizedPnL: t.Unrealized.String(),
		OpenOrders: t.OpenOrders, OrdersSent: t.OrdersSent, Fills: t.Fills,
	}
}

// nodeDetail renders a node's last state change, trips and limit use.
func nodeDetail(x *engine.NodeSnapshot, n *engine.Names) protocol.NodeDetail {
	var d protocol.NodeDetail
	if c := &x.Changed; c.Who != "" {
		d.Changed = &protocol.StateChange{State: c.State.String(), Who: c.Who, Time: timestamp(time.Unix(0, c.At)), Why: c.Why}
	}
	for _, t := range x.Trips {
		d.Trips = append(d.Trips, protocol.Trip{Breaker: t.Breaker.String(), Time: timestamp(time.Unix(0, t.At)), Detail: t.Detail})
	}
	if len(x.Use) > 0 {
		d.Use = make([]protocol.LimitUse, len(x.Use))
		for k := range x.Use {
			d.Use[k] = limitUse(&x.Use[k], n)
		}
	}
	return d
}

// limitUse renders one limit's use in its key's unit.
func limitUse(u *risk.LimitUse, n *engine.Names) protocol.LimitUse {
	out := protocol.LimitUse{Key: u.Key.String(), Ratio: u.Ratio()}
	switch u.Key.Unit() {
	case risk.UnitQty:
		out.Instrument = instrumentSymbol(n, u.Instrument)
		if in := n.Instrument(u.Instrument); in != nil {
			out.Limit, out.Used = in.FormatQty(domain.Qty(u.Limit)), in.FormatQty(domain.Qty(u.Used))
			return out
		}
	case risk.UnitMoney:
		out.Limit, out.Used = domain.Money(u.Limit).String(), domain.Money(u.Used).String()
		return out
	}
	out.Limit, out.Used = strconv.FormatInt(u.Limit, 10), strconv.FormatInt(u.Used, 10)
	return out
}

// optTime is a unix-ns engine time as a timestamp, "" for 0 (never).
func optTime(ns int64) string {
	if ns == 0 {
		return ""
	}
	return timestamp(time.Unix(0, ns))
}

// breakers names tripped breakers, nil when none.
func breakers(bs []risk.Breaker) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.String())
	}
	return out
}

// Latency renders the per-stage figures, in the order given (the engine's
// hot-path order); window is the length of their recent window. Never
// nil.
func Latency(ls []engine.StageLatency, window time.Duration) []protocol.StageLatency {
	out := make([]protocol.StageLatency, 0, len(ls))
	for _, l := range ls {
		sl := protocol.StageLatency{Stage: l.Stage.String(), Count: l.Count, P50: l.P50, P99: l.P99, P999: l.P999, Max: l.Max}
		sl.Recent = latencySummary(l.Recent, window)
		sl.Minute = latencySummary(l.Minute, time.Minute)
		out = append(out, sl)
	}
	return out
}

// latencySummary renders one window of a stage; nil when it recorded
// nothing.
func latencySummary(w engine.LatencyWindow, length time.Duration) *protocol.LatencySummary {
	if w.Count == 0 {
		return nil
	}
	return &protocol.LatencySummary{WindowMS: length.Milliseconds(), Count: w.Count, P50: w.P50, P99: w.P99, P999: w.P999, Max: w.Max}
}

// Orders renders a page of orders.
func Orders(p engine.OrdersPage, n *engine.Names) protocol.Orders {
	out := protocol.Orders{Orders: make([]protocol.Order, len(p.Orders)), Next: p.Next}
	for k := range p.Orders {
		out.Orders[k] = Order(&p.Orders[k], n)
		if k < len(p.Routes) {
			out.Orders[k].Route = p.Routes[k]
		}
	}
	return out
}

// OrdersUpdate renders one update of the orders stream as Orders renders
// a page (routes included); Orders is never nil.
func OrdersUpdate(u engine.OrdersUpdate, n *engine.Names) protocol.OrdersUpdate {
	out := protocol.OrdersUpdate{Reset: u.Reset, Orders: make([]protocol.Order, len(u.Orders))}
	for k := range u.Orders {
		out.Orders[k] = Order(&u.Orders[k], n)
		if k < len(u.Routes) {
			out.Orders[k].Route = u.Routes[k]
		}
	}
	for _, id := range u.Gone {
		out.Gone = append(out.Gone, id.String())
	}
	return out
}

// Order renders one order.
func Order(o *domain.Order, n *engine.Names) protocol.Order {
	in := n.Instrument(o.Instrument)
	if in == nil {
		return protocol.Order{ClientOrderID: o.ID.String(), Strategy: n.Strategy(o.Strategy), State: o.State.String()}
	}
	w := protocol.Order{
		ClientOrderID: o.ID.String(), Strategy: n.Strategy(o.Strategy), Venue: n.Venue(o.Venue),
		Instrument: in.Symbol, Side: o.Side.String(), Type: o.Type.String(), TimeInForce: o.TIF.String(),
		Quantity: in.FormatQty(o.Qty), FilledQuantity: in.FormatQty(o.Filled), State: o.State.String(),
		Reason:  o.Reason,
		Created: timestamp(time.Unix(0, o.Created)),
		Updated: timestamp(time.Unix(0, o.Updated)),
	}
	if o.Stamps.Routed == 0 {
		w.Venue = "" // denied or refused before a venue was chosen
	}
	if o.Price != 0 {
		w.Price = in.FormatPrice(o.Price)
	}
	if o.Filled > 0 {
		if p, ok := in.PriceAt(o.FilledNotional, o.Filled); ok {
			w.AvgFillPrice = in.FormatPrice(p)
		}
	}
	return w
}

// Audit renders audit records, in the order given (the engine's: oldest
// first).
func Audit(recs []engine.AuditRecord, n *engine.Names) protocol.AuditResult {
	out := protocol.AuditResult{Entries: make([]protocol.AuditEntry, len(recs))}
	for k := range recs {
		out.Entries[k] = AuditEntry(&recs[k], n)
	}
	return out
}

// AuditEntry renders one audit record: an audit action as journaled, or a
// denial (node: the order's strategy, action "deny", who "risk", new: the
// reason, why: the order).
func AuditEntry(r *engine.AuditRecord, n *engine.Names) protocol.AuditEntry {
	entry := protocol.AuditEntry{Seq: r.Seq, Time: timestamp(time.Unix(0, r.Time))}
	if r.Kind == domain.EventAudit {
		a := &r.Audit
		entry.Node, entry.Action, entry.Who, entry.Old, entry.New, entry.Why = a.Node, a.Action, a.Who, a.Old, a.New, a.Why
		return entry
	}
	o := &r.Order
	entry.Node, entry.Action, entry.Who, entry.New = n.Strategy(o.Strategy), "deny", "risk", o.Reason
	if in := n.Instrument(o.Instrument); in != nil {
		entry.Why = fmt.Sprintf("order %s %s %s %s @ %s", o.ID, o.Side, in.FormatQty(o.Qty), in.Symbol, in.FormatPrice(o.Price))
		return entry
	}
	entry.Why = fmt.Sprintf("order %s %s instrument-%d", o.ID, o.Side, o.Instrument)
	return entry
}

// Limits renders nodes' limits and the hard caps: decimal strings by key
// name, overrides by class and by instrument symbol (absent when none),
// and every limit key in risk's order.
func Limits(l engine.Limits) protocol.LimitsResult {
	out := protocol.LimitsResult{Caps: l.Caps.Map()}
	for _, k := range risk.Keys() {
		out.Keys = append(out.Keys, k.String())
	}
	for k := range l.Nodes {
		x := &l.Nodes[k]
		nl := protocol.NodeLimits{Node: x.Node, Kind: x.Kind.String(), Parent: x.Parent, Limits: x.Limits.Base.Map()}
		for c, v := range x.Limits.Class {
			if nl.Class == nil {
				nl.Class = map[string]map[string]string{}
			}
			nl.Class[c] = v.Map()
		}
		for s, v := range x.Limits.Instrument {
			if nl.Instrument == nil {
				nl.Instrument = map[string]map[string]string{}
			}
			nl.Instrument[s] = v.Map()
		}
		out.Nodes = append(out.Nodes, nl)
	}
	return out
}

// Ack renders the answer to a state change (halt, resume, reduce-only).
func Ack(r engine.StateChange) protocol.Ack {
	return protocol.Ack{Node: r.Node, State: r.State.String(), Cause: r.Cause, CommitUS: CommitUS(r.CommitWait)}
}

// KillResult renders the answer to a kill.
func KillResult(r engine.KillResult) protocol.KillResult {
	return protocol.KillResult{Node: r.Node, State: r.State.String(), Canceled: r.Canceled, CommitUS: CommitUS(r.CommitWait)}
}

// CancelResult renders the answer to a cancel or a cancel-all; Orders is
// never nil.
func CancelResult(r engine.CancelResult) protocol.CancelResult {
	ids := make([]string, len(r.Orders))
	for i, id := range r.Orders {
		ids[i] = id.String()
	}
	return protocol.CancelResult{Node: r.Node, Canceled: len(ids), Orders: ids, CommitUS: CommitUS(r.CommitWait)}
}

// ResetResult renders the answer to a breaker reset; Cleared is never nil.
func ResetResult(r engine.ResetResult) protocol.ResetResult {
	names := make([]string, len(r.Cleared))
	for i, c := range r.Cleared {
		names[i] = c.String()
	}
	return protocol.ResetResult{Node: r.Node, Cleared: names, State: r.State.String(), Cause: r.Cause, CommitUS: CommitUS(r.CommitWait)}
}

// LimitsSetResult renders the answer to a limit change or its dry run;
// Breaches is nil when there are none.
func LimitsSetResult(r engine.LimitChange) protocol.LimitsSetResult {
	out := protocol.LimitsSetResult{Node: r.Node, Scope: r.Scope, Key: r.Key.String(), Old: r.Old.String(), New: r.New.String(),
		CommitUS: CommitUS(r.CommitWait), DryRun: r.DryRun}
	for _, b := range r.Breaches {
		pb := protocol.Breach{Node: b.Node, Instrument: b.Instrument, Value: b.Value, Message: b.Message}
		if b.Order != 0 {
			pb.ClientOrderID = b.Order.String()
		}
		out.Breaches = append(out.Breaches, pb)
	}
	return out
}

// Alert renders an engine alert.
func Alert(a engine.Alert) protocol.Alert {
	return protocol.Alert{Time: timestamp(time.Unix(0, a.Time)), Severity: a.Severity, Node: a.Node, Message: a.Message}
}

// CommitUS is a durability wait in whole microseconds, at least 1 for a
// wait that happened.
func CommitUS(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return max(1, d.Microseconds())
}

// timestamp is RFC 3339 with nanoseconds, in UTC.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Feed renders a venue's feed counts; nil stays nil.
func Feed(f *domain.FeedStats, n *engine.Names) *protocol.Feed {
	if f == nil {
		return nil
	}
	out := &protocol.Feed{
		Protocol: f.Protocol, Connected: f.Connected, Frames: f.Frames, Books: f.Books, OutOfOrder: f.OutOfOrder,
		DiffsApplied: f.DiffsApplied, DiffsDropped: f.DiffsDropped, Gaps: f.Gaps, Resyncs: f.Resyncs,
		Reconnects: f.Reconnects, Malformed: f.Malformed, Crossed: f.Crossed, Stale: f.Stale,
		LastMessage: optTime(f.LastMessage),
	}
	for _, s := range f.Symbols {
		out.Symbols = append(out.Symbols, protocol.FeedSymbol{
			Symbol: s.Symbol, Instrument: instrumentSymbol(n, s.Instrument), Synced: s.Synced,
			LastUpdateID: s.LastUpdateID, Gaps: s.Gaps, Resyncs: s.Resyncs,
		})
	}
	return out
}

// instrumentSymbol is id's symbol, or "instrument-N" for an id the table
// lacks.
func instrumentSymbol(n *engine.Names, id domain.InstrumentID) string {
	if in := n.Instrument(id); in != nil && in.Symbol != "" {
		return in.Symbol
	}
	return fmt.Sprintf("instrument-%d", id)
}

// venue fills pv's reconciliation fields from v.
func venue(pv *protocol.Venue, v *engine.VenueSnapshot, n *engine.Names) {
	pv.Reconciling = v.Reconciling
	if v.Reconciled != 0 {
		pv.Reconciled = timestamp(time.Unix(0, v.Reconciled))
	}
	if u := v.RateUse; u != nil && u.At != 0 {
		pv.RateUse = &protocol.RateUse{At: timestamp(time.Unix(0, u.At)), Weight1m: u.Weight1m, Orders10s: u.Orders10s, Orders1d: u.Orders1d, Status: u.Status}
		if u.RetryUntil != 0 {
			pv.RateUse.RetryUntil = timestamp(time.Unix(0, u.RetryUntil))
		}
	}
	for _, x := range v.External {
		in := n.Instrument(x.Instrument)
		po := protocol.ExternalOrder{ClientOrderID: x.ClientID, VenueOrderID: x.VenueOrderID, Side: x.Side.String()}
		if in != nil {
			po.Instrument, po.Price, po.Quantity, po.FilledQuantity = in.Symbol, in.FormatPrice(x.Price), in.FormatQty(x.Qty), in.FormatQty(x.Filled)
		}
		pv.External = append(pv.External, po)
	}
	for _, b := range v.Balances {
		pv.Balances = append(pv.Balances, protocol.Balance{Asset: b.Asset, Venue: b.Venue.String(),
			Opening: b.Opening.String(), Desk: b.Desk.String(), Match: b.Match})
	}
}

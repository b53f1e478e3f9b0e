package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/desk-trading/desk/core/protocol"
)

// Positions & P&L: one row per strategy and instrument ever traded.

func positionColumns() []column {
	return []column{
		{title: "STRATEGY", min: 8, max: 24, keep: 100},
		{title: "INSTR", min: 5, max: 14, keep: 95},
		{title: "QTY", min: 4, max: 16, right: true, keep: 94},
		{title: "AVG", min: 5, max: 14, right: true, keep: 60},
		{title: "MARK", min: 5, max: 14, right: true, keep: 70},
		{title: "REALIZED", min: 8, max: 16, right: true, keep: 90},
		{title: "UNREAL", min: 8, max: 16, right: true, keep: 89},
		{title: "BOOK", min: 4, max: 14, keep: 50},
	}
}

// positionKey is a position row's key: strategy, NUL, instrument.
func positionKey(strategy, instrument string) string { return strategy + "\x00" + instrument }

func positionRows(st *protocol.Status) []row {
	var rows []row
	for i := range st.Strategies {
		sp := &st.Strategies[i]
		for _, p := range sp.Positions {
			real, rs := formatMoney(p.RealizedPnL)
			unreal, us := formatMoney(p.UnrealizedPnL)
			rows = append(rows, newRow(positionKey(sp.ID, p.Instrument),
				textCell(sp.ID, cellPlain),
				textCell(p.Instrument, cellPlain),
				numCell(formatQty(p.Quantity), decimalFloat(p.Quantity), signKind(sign(p.Quantity))),
				numCell(orDash(formatQty(p.AvgPrice)), decimalFloat(p.AvgPrice), cellPlain),
				numCell(orDash(formatQty(p.Mark)), decimalFloat(p.Mark), cellPlain),
				numCell(real, decimalFloat(p.RealizedPnL), signKind(rs)),
				numCell(unreal, decimalFloat(p.UnrealizedPnL), signKind(us)),
				textCell(sp.Book, cellPlain),
			))
		}
	}
	slices.SortStableFunc(rows, func(a, b row) int { return strings.Compare(a.key, b.key) })
	return rows
}

func sign(s string) int {
	d, ok := parseDecimal(s)
	if !ok {
		return 0
	}
	return d.Sign()
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// Latency: each stage of the hot path, its percentiles since start and a
// bar and sparkline of its p99.

const latencySpark = 20

func latencyColumns() []column {
	return []column{
		{title: "STAGE", min: 8, max: 14, keep: 100},
		{title: "P50", min: 6, max: 9, right: true, keep: 90},
		{title: "P99", min: 6, max: 9, right: true, keep: 95},
		{title: "P99.9", min: 6, max: 9, right: true, keep: 85},
		{title: "MAX", min: 6, max: 9, right: true, keep: 80},
		{title: "P99 10s", min: 7, max: 9, right: true, keep: 75},
		{title: "P99 1m", min: 6, max: 9, right: true, keep: 74},
		{title: "P99 (log, 100ns..100ms)", min: 10, max: 24, keep: 70},
		{title: "P99 10s, 5m", min: latencySpark, max: latencySpark, keep: 60},
		{title: "COUNT", min: 5, max: 12, right: true, keep: 50},
	}
}

func latencyRows(d *store) []row {
	rows := make([]row, 0, len(d.status.Latency))
	for _, l := range d.status.Latency {
		rows = append(rows, newRow(l.Stage,
			textCell(l.Stage, cellPlain),
			numCell(formatNanos(l.P50), float64(l.P50), cellPlain),
			numCell(formatNanos(l.P99), float64(l.P99), cellPlain),
			numCell(formatNanos(l.P999), float64(l.P999), cellPlain),
			numCell(formatNanos(l.Max), float64(l.Max), cellPlain),
			windowP99(l.Recent),
			windowP99(l.Minute),
			textCell(bar(logRatio(l.P99), 20), cellActive),
			textCell(sparkline(d.latency[l.Stage].last(latencySpark), latencySpark), cellMuted),
			numCell(formatCount(l.Count), float64(l.Count), cellMuted),
		))
	}
	return rows
}

// windowP99 is a recent window's p99, "—" for a window with nothing in it.
func windowP99(w *protocol.LatencySummary) cell {
	if w == nil {
		return textCell("—", cellMuted)
	}
	return numCell(formatNanos(w.P99), float64(w.P99), cellPlain)
}

// logRatio places ns on a log scale from 100 ns (0) to 100 ms (1).
func logRatio(ns int64) float64 {
	if ns <= 100 {
		return 0
	}
	r := 0.0
	for v := float64(ns) / 100; v >= 10; v /= 10 {
		r++
	}
	return r / 6
}

// Venues & feeds.

func venueColumns() []column {
	return []column{
		{title: "VENUE", min: 6, max: 16, keep: 100},
		{title: "EXEC", min: 5, max: 5, keep: 99},
		{title: "STATE", min: 6, max: 30, keep: 98, whole: true},
		{title: "MSG/S", min: 5, max: 9, right: true, keep: 90},
		{title: "LAST MSG", min: 8, max: 9, right: true, keep: 89},
		{title: "GAPS", min: 4, max: 8, right: true, keep: 80},
		{title: "RESYNC", min: 6, max: 8, right: true, keep: 79},
		{title: "RECONN", min: 6, max: 8, right: true, keep: 78},
		{title: "ORDERS 10s", min: 10, max: 14, right: true, keep: 85},
		{title: "WEIGHT 1m", min: 9, max: 14, right: true, keep: 40},
		{title: "FEED", min: 4, max: 16, keep: 30},
	}
}

func venueRows(d *store, now time.Time) []row {
	rows := make([]row, 0, len(d.status.Venues))
	for i := range d.status.Venues {
		v := &d.status.Venues[i]
		state, kind := "connected", cellActive
		switch {
		case !v.Connected:
			state, kind = "DISCONNECTED", cellBad
		case v.Reconciling:
			state, kind = "reconciling", cellWarn
		}
		var trouble []string
		for _, b := range v.Balances {
			if !b.Match {
				trouble = append(trouble, "balance≠"+b.Asset)
			}
		}
		if n := len(v.External); n > 0 {
			trouble = append(trouble, fmt.Sprintf("%d external", n))
		}
		if len(trouble) > 0 {
			state += ", " + strings.Join(trouble, ", ")
			kind = cellWarn
		}
		dash := func() cell { return textCell("—", cellMuted) }
		rate, last, gaps, resyncs, reconns, feed := dash(), dash(), dash(), dash(), dash(), dash()
		if f := v.Feed; f != nil {
			r := d.msgRates[v.Name]
			rate = numCell(fmt.Sprintf("%.0f", r), r, cellPlain)
			t := parseTime(f.LastMessage)
			last = numCell(formatAge(t, now), -float64(t.UnixNano()), cellPlain)
			gaps = numCell(formatCount(int64(f.Gaps)), float64(f.Gaps), cellPlain)
			resyncs = numCell(formatCount(int64(f.Resyncs)), float64(f.Resyncs), cellPlain)
			reconns = numCell(formatCount(int64(f.Reconnects)), float64(f.Reconnects), cellPlain)
			fs := f.Protocol
			if !f.Connected {
				fs += " down"
			}
			feed = textCell(fs, map[bool]cellKind{true: cellPlain, false: cellBad}[f.Connected])
			if f.Stale > 0 {
				feed = textCell(fmt.Sprintf("%s %d stale", fs, f.Stale), cellWarn)
			}
		}
		orders, weight := dash(), dash()
		if b := v.Budget; b != nil {
			orders = budgetCell(b.Orders10s, b.Orders10sLimit)
			weight = budgetCell(b.Weight1m, b.Weight1mLimit)
		}
		rows = append(rows, newRow(v.Name,
			textCell(v.Name, cellPlain),
			textCell(execWord(v.Execution), execKind(v.Execution)),
			textCell(state, kind),
			rate, last, gaps, resyncs, reconns, orders, weight, feed,
		))
	}
	return rows
}

// budgetCell is use against a limit, "12/50", warning past 80%.
func budgetCell(used, limit int64) cell {
	if limit <= 0 {
		return numCell(formatCount(used), float64(used), cellPlain)
	}
	r := float64(used) / float64(limit)
	kind := cellPlain
	if r >= 0.8 {
		kind = cellWarn
	}
	return numCell(fmt.Sprintf("%d/%d", used, limit), r, kind)
}

// Audit & alerts.

func auditColumns() []column {
	return []column{
		{title: "TIME", min: 8, max: 12, keep: 90},
		{title: "WHO", min: 5, max: 20, keep: 70, shrink: true},
		{title: "NODE", min: 4, max: 20, keep: 95},
		{title: "WHAT", min: 4, max: 12, keep: 100},
		{title: "OLD → NEW", min: 9, max: 48, keep: 85, shrink: true},
		{title: "WHY", min: 3, max: 60, keep: 60, shrink: true},
	}
}

// auditRows formats the audit trail, newest first.
func auditRows(entries []protocol.AuditEntry) []row {
	rows := make([]row, 0, len(entries))
	for i := len(entries) - 1; i >= 0; i-- {
		e := &entries[i]
		change := e.New
		if e.Old != "" {
			change = e.Old + " → " + e.New
		}
		kind := cellPlain
		switch e.Action {
		case "kill", "halt", "breaker":
			kind = cellHalted
		case "deny":
			kind = cellWarn
		case "resume", "reset":
			kind = cellActive
		}
		rows = append(rows, newRow(fmt.Sprint(e.Seq),
			textCell(formatClock(e.Time, "15:04:05.000"), cellMuted),
			textCell(e.Who, cellPlain),
			textCell(e.Node, cellPlain),
			textCell(e.Action, kind),
			textCell(orDash(change), cellPlain),
			textCell(e.Why, cellMuted),
		))
	}
	return rows
}

func alertColumns() []column {
	return []column{
		{title: "TIME", min: 8, max: 12, keep: 90},
		{title: "SEVERITY", min: 8, max: 8, keep: 100},
		{title: "NODE", min: 4, max: 20, keep: 80},
		{title: "MESSAGE", min: 10, max: 200, keep: 95, shrink: true},
	}
}

// alertRows formats the alert history, newest first.
func alertRows(alerts []alertLine) []row {
	rows := make([]row, 0, len(alerts))
	for i := len(alerts) - 1; i >= 0; i-- {
		a := &alerts[i]
		kind := cellMuted
		switch a.severity {
		case "critical":
			kind = cellHalted
		case "warning":
			kind = cellWarn
		}
		rows = append(rows, newRow(fmt.Sprint(a.seq),
			textCell(a.time, cellMuted),
			textCell(strings.ToUpper(a.severity), kind),
			textCell(orDash(a.node), cellPlain),
			textCell(a.message, kind),
		))
	}
	return rows
}

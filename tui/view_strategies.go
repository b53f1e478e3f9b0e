package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/desk-trading/desk/core/protocol"
)

// Columns of the strategies table, in display order.
const (
	scID = iota
	scState
	scPositions
	scDenied
	scRealized
	scUnrealized
	scSpark
	scOpen
	scFills
	scSent
	scFillRatio
	scLastOrder
	scT2O
	scBook
	scKind
)

// sparkWidth is the width of a P&L sparkline.
const sparkWidth = 12

func strategyColumns() []column {
	return []column{
		scID:         {title: "STRATEGY", min: 8, max: 24, keep: 100},
		scState:      {title: "STATE", min: 6, max: 40, keep: 95, whole: true},
		scPositions:  {title: "POSITIONS", min: 9, max: 48, keep: 90, whole: true},
		scDenied:     {title: "DENIED", min: 6, max: 30, keep: 85, whole: true},
		scRealized:   {title: "REALIZED", min: 8, max: 16, right: true, keep: 80},
		scUnrealized: {title: "UNREAL", min: 8, max: 16, right: true, keep: 75},
		scSpark:      {title: "P&L 1m", min: sparkWidth, max: sparkWidth, keep: 30},
		scOpen:       {title: "OPEN", min: 4, max: 7, right: true, keep: 70},
		scFills:      {title: "FILLS", min: 5, max: 9, right: true, keep: 40},
		scSent:       {title: "SENT", min: 4, max: 9, right: true, keep: 35},
		scFillRatio:  {title: "FILL%", min: 5, max: 5, right: true, keep: 38},
		scLastOrder:  {title: "LAST", min: 5, max: 8, right: true, keep: 45},
		scT2O:        {title: "T2O p99", min: 7, max: 9, right: true, keep: 50},
		scBook:       {title: "BOOK", min: 4, max: 14, keep: 60},
		scKind:       {title: "KIND", min: 4, max: 14, keep: 10},
	}
}

// strategyRows formats every strategy, in book then id order.
func strategyRows(d *store, now time.Time) []row {
	st := d.status
	books := make(map[string]string, len(st.Books))
	for _, b := range st.Books {
		books[b.ID] = b.State
	}
	rows := make([]row, 0, len(st.Strategies))
	for i := range st.Strategies {
		sp := &st.Strategies[i]
		rows = append(rows, strategyRow(sp, books[sp.Book], st.Firm.State, d.pnl[sp.ID], now))
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		if c := strings.Compare(a.cells[scBook].text, b.cells[scBook].text); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	return rows
}

// strategyRow formats one strategy. The state shown is the most
// restrictive of the strategy's own, its book's and the firm's, naming
// where it comes from when it is not the strategy's own, or naming its
// tripped breakers, which an operator must reset.
func strategyRow(sp *protocol.Strategy, bookState, firmState string, pnl *history, now time.Time) row {
	state, stateText, stateShort := effectiveState(sp.State, bookState, firmState, sp.Breakers)
	real, rs := formatMoney(sp.RealizedPnL)
	unreal, us := formatMoney(sp.UnrealizedPnL)
	pos, posShort := formatPositions(sp.Positions)
	denied := textCell("—", cellMuted)
	if sp.Denials > 0 {
		denied = cell{text: formatCount(sp.Denials), short: formatCount(sp.Denials), kind: cellWarn, num: float64(sp.Denials), isNum: true}
		if sp.LastDenial != "" {
			denied.text += " " + sp.LastDenial
		}
	}
	ratio := textCell("—", cellMuted)
	if sp.OrdersSent > 0 {
		r := float64(sp.Fills) / float64(sp.OrdersSent)
		ratio = numCell(formatPercent(r), r, cellPlain)
	}
	last := parseTime(sp.LastOrder)
	age := numCell(formatAge(last, now), -float64(last.UnixNano()), cellPlain)
	c := []cell{
		scID:         textCell(sp.ID, cellPlain),
		scState:      {text: stateText, short: stateShort, kind: stateKind(state)},
		scPositions:  {text: pos, short: posShort},
		scDenied:     denied,
		scRealized:   numCell(real, decimalFloat(sp.RealizedPnL), signKind(rs)),
		scUnrealized: numCell(unreal, decimalFloat(sp.UnrealizedPnL), signKind(us)),
		scSpark:      textCell(sparkline(pnl.last(sparkWidth), sparkWidth), cellMuted),
		scOpen:       numCell(formatCount(int64(sp.OpenOrders)), float64(sp.OpenOrders), cellPlain),
		scFills:      numCell(formatCount(sp.Fills), float64(sp.Fills), cellPlain),
		scSent:       numCell(formatCount(sp.OrdersSent), float64(sp.OrdersSent), cellPlain),
		scFillRatio:  ratio,
		scLastOrder:  age,
		scT2O:        numCell(formatNanos(sp.TickToOrderP99), float64(sp.TickToOrderP99), cellPlain),
		scBook:       textCell(sp.Book, cellPlain),
		scKind:       textCell(sp.Kind, cellPlain),
	}
	if pnl != nil {
		c[scSpark].num, c[scSpark].isNum = decimalFloat(sp.RealizedPnL)+decimalFloat(sp.UnrealizedPnL), true
	}
	return newRow(sp.ID, c...)
}

// effectiveState is the state a strategy trades under, the most
// restrictive of its own, its book's and the firm's, with its text in
// full and short: "halted (firm)", "halted (max_daily_loss)" or, short,
// "halted (2 breakers)".
func effectiveState(own, book, firm string, breakers []string) (state, text, short string) {
	state, text = own, own
	if stateRank(book) > stateRank(state) {
		state, text = book, book+" (book)"
	}
	if stateRank(firm) > stateRank(state) {
		state, text = firm, firm+" (firm)"
	}
	short = text
	switch len(breakers) {
	case 0:
	case 1:
		text = state + " (" + breakers[0] + ")"
		short = state + " (breaker)"
	default:
		text = state + " (" + strings.Join(breakers, ", ") + ")"
		short = state + " (" + plural(len(breakers), "breaker") + ")"
	}
	return state, text, short
}

// formatPositions lists the open positions, by instrument: "BTC-USD 0.5,
// ETH-USD -2", and a short form that names the first and counts the
// rest: "BTC-USD 0.5 +1". Flat positions are left out; none open is
// "flat".
func formatPositions(ps []protocol.Position) (string, string) {
	open := make([]protocol.Position, 0, len(ps))
	for _, p := range ps {
		if q := formatQty(p.Quantity); q != "0" && q != "" {
			open = append(open, p)
		}
	}
	if len(open) == 0 {
		return "flat", ""
	}
	slices.SortFunc(open, func(a, b protocol.Position) int { return strings.Compare(a.Instrument, b.Instrument) })
	parts := make([]string, len(open))
	for i, p := range open {
		parts[i] = p.Instrument + " " + formatQty(p.Quantity)
	}
	full := strings.Join(parts, ", ")
	if len(parts) == 1 {
		return full, ""
	}
	return full, fmt.Sprintf("%s +%d", parts[0], len(parts)-1)
}

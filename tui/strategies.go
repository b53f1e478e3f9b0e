package tui

import (
	"cmp"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/desk-trading/desk/core/protocol"
)

// Columns of the strategies table, in display order.
const (
	colID = iota
	colBook
	colKind
	colState
	colPositions
	colRealized
	colUnrealized
	colOpen
	colSent
	colFills
	numCols
)

// column describes how one column of the table is sized.
type column struct {
	title string
	min   int  // narrowest width; below it the column is hidden
	max   int  // widest it grows to fit its content
	right bool // numbers align right
	keep  int  // the column with the lowest keep is hidden first
}

// strategyColumns is the table's column set.
func strategyColumns() [numCols]column {
	return [numCols]column{
		colID:         {title: "STRATEGY", min: 8, max: 24, keep: 10},
		colBook:       {title: "BOOK", min: 4, max: 14, keep: 5},
		colKind:       {title: "KIND", min: 4, max: 14, keep: 1},
		colState:      {title: "STATE", min: 12, max: 18, keep: 9},
		colPositions:  {title: "POSITIONS", min: 9, max: 64, keep: 3},
		colRealized:   {title: "REALIZED", min: 8, max: 16, right: true, keep: 8},
		colUnrealized: {title: "UNREALIZED", min: 8, max: 16, right: true, keep: 7},
		colOpen:       {title: "OPEN", min: 4, max: 7, right: true, keep: 6},
		colSent:       {title: "SENT", min: 4, max: 9, right: true, keep: 2},
		colFills:      {title: "FILLS", min: 5, max: 9, right: true, keep: 4},
	}
}

// shrinkOrder is the order in which columns give up width before any is
// hidden: free text first, identifiers last.
func shrinkOrder() []int {
	return []int{colPositions, colKind, colState, colBook, colID}
}

const (
	gutter    = "▶ " // marks the selected row; blank on the others
	columnSep = "  "
)

// strategyRow is one strategy, formatted when its Status arrives.
type strategyRow struct {
	id       string
	state    string // effective state, for its style
	realSign int
	unSign   int
	cells    [numCols]string
}

// strategies is the strategies table. Rows are sorted by book then id when
// a Status arrives; the selection follows the strategy id, not the row
// index, so that a re-sorted update leaves it on the same strategy.
type strategies struct {
	keys    keyMap
	cols    [numCols]column
	rows    []strategyRow
	natural [numCols]int // widest cell per column in the current rows
	widths  [numCols]int // as laid out for width; 0 = hidden

	selected   int    // index into rows; -1 when there are none
	selectedID string // the strategy the selection follows
	offset     int    // first visible row
	width      int    // cells available, including the gutter
	height     int    // visible rows, excluding the title row
}

func newStrategies(keys keyMap) strategies {
	s := strategies{keys: keys, cols: strategyColumns(), selected: -1, height: 1}
	s.measure()
	return s
}

// Update moves the selection on up/down keys.
func (s strategies) Update(msg tea.Msg) (strategies, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, s.keys.Up):
			s.selectIndex(s.selected - 1)
		case key.Matches(k, s.keys.Down):
			s.selectIndex(s.selected + 1)
		}
	}
	return s, nil
}

// Selected returns the id of the selected strategy, if any.
func (s strategies) Selected() (string, bool) {
	if s.selected < 0 {
		return "", false
	}
	return s.selectedID, true
}

// setStatus replaces the rows with st's strategies, sorted by book then id,
// and keeps the selection on the same strategy id when it still exists (or
// on the same row index when it is gone). st is not retained.
func (s strategies) setStatus(st *protocol.Status) strategies {
	books := make(map[string]string, len(st.Books))
	for _, b := range st.Books {
		books[b.ID] = b.State
	}
	rows := make([]strategyRow, 0, len(st.Strategies))
	for i := range st.Strategies {
		rows = append(rows, newStrategyRow(&st.Strategies[i], books[st.Strategies[i].Book], st.Firm.State))
	}
	slices.SortStableFunc(rows, func(a, b strategyRow) int {
		return cmp.Or(strings.Compare(a.cells[colBook], b.cells[colBook]), strings.Compare(a.id, b.id))
	})
	s.rows = rows
	s.measure()

	idx := slices.IndexFunc(rows, func(r strategyRow) bool { return r.id == s.selectedID })
	if idx < 0 {
		idx = max(s.selected, 0)
	}
	s.selectIndex(idx)
	return s
}

// newStrategyRow formats st. The state shown is the most restrictive of the
// strategy's own, its book's and the firm's, naming where it comes from when
// it is not the strategy's own (a strategy in a halted book does not trade),
// or naming the strategy's tripped breakers, which an operator must reset.
func newStrategyRow(st *protocol.Strategy, bookState, firmState string) strategyRow {
	r := strategyRow{id: st.ID, state: st.State}
	state := st.State
	if stateRank(bookState) > stateRank(r.state) {
		r.state, state = bookState, bookState+" (book)"
	}
	if stateRank(firmState) > stateRank(r.state) {
		r.state, state = firmState, firmState+" (firm)"
	}
	if len(st.Breakers) > 0 {
		state = r.state + " (" + strings.Join(st.Breakers, ", ") + ")"
	}
	r.cells[colID] = st.ID
	r.cells[colBook] = st.Book
	r.cells[colKind] = st.Kind
	r.cells[colState] = state
	r.cells[colPositions] = formatPositions(st.Positions)
	r.cells[colRealized], r.realSign = formatMoney(st.RealizedPnL)
	r.cells[colUnrealized], r.unSign = formatMoney(st.UnrealizedPnL)
	r.cells[colOpen] = formatCount(int64(st.OpenOrders))
	r.cells[colSent] = formatCount(st.OrdersSent)
	r.cells[colFills] = formatCount(st.Fills)
	return r
}

// formatPositions lists the open positions, by instrument: "BTC-USD 0.5,
// ETH-USD -2". Flat positions are left out; no open position shows "flat".
func formatPositions(ps []protocol.Position) string {
	open := make([]protocol.Position, 0, len(ps))
	for _, p := range ps {
		if q := formatQty(p.Quantity); q != "0" && q != "" {
			open = append(open, p)
		}
	}
	if len(open) == 0 {
		return "flat"
	}
	slices.SortFunc(open, func(a, b protocol.Position) int { return strings.Compare(a.Instrument, b.Instrument) })
	parts := make([]string, len(open))
	for i, p := range open {
		parts[i] = p.Instrument + " " + formatQty(p.Quantity)
	}
	return strings.Join(parts, ", ")
}

// setSize lays the table out in width cells and height lines, the title row
// included.
func (s strategies) setSize(width, height int) strategies {
	s.width = width
	s.height = max(height-1, 1)
	s.layout()
	s.scroll()
	return s
}

// measure records the natural width of each column for the current rows and
// lays them out again.
func (s *strategies) measure() {
	for c := range s.cols {
		w := ansi.StringWidth(s.cols[c].title)
		for i := range s.rows {
			w = max(w, ansi.StringWidth(s.rows[i].cells[c]))
		}
		s.natural[c] = min(max(w, s.cols[c].min), s.cols[c].max)
	}
	s.layout()
}

// layout fits the columns into s.width: each column at its natural width if
// they all fit; otherwise free-text columns shrink toward their minimum, and
// if that is not enough the least important columns are hidden one by one,
// the others starting again from their natural widths.
func (s *strategies) layout() {
	s.widths = s.natural
	if s.width <= 0 {
		return
	}
	avail := s.width - ansi.StringWidth(gutter)
	var hidden [numCols]bool
	for {
		over := -avail
		for c := range s.widths {
			if s.widths[c] = s.natural[c]; hidden[c] {
				s.widths[c] = 0
				continue
			}
			over += s.widths[c] + len(columnSep)
		}
		over -= len(columnSep) // none before the first column
		for _, c := range shrinkOrder() {
			if over <= 0 {
				return
			}
			if give := min(s.widths[c]-s.cols[c].min, over); s.widths[c] > 0 && give > 0 {
				s.widths[c] -= give
				over -= give
			}
		}
		if over <= 0 {
			return
		}
		drop := -1
		for c := range s.widths {
			if s.widths[c] > 0 && c != colID && (drop < 0 || s.cols[c].keep < s.cols[drop].keep) {
				drop = c
			}
		}
		if drop < 0 {
			s.widths[colID] = max(avail, 1) // only the id is left: cut it
			return
		}
		hidden[drop] = true
	}
}

// selectIndex moves the selection to row i, clamped, and scrolls it into
// view.
func (s *strategies) selectIndex(i int) {
	if len(s.rows) == 0 {
		s.selected, s.selectedID, s.offset = -1, "", 0
		return
	}
	s.selected = min(max(i, 0), len(s.rows)-1)
	s.selectedID = s.rows[s.selected].id
	s.scroll()
}

// scroll moves the window of visible rows the least needed to show the
// selection.
func (s *strategies) scroll() {
	if s.selected < s.offset {
		s.offset = s.selected
	}
	if s.selected >= s.offset+s.height {
		s.offset = s.selected - s.height + 1
	}
	s.offset = min(max(s.offset, 0), max(len(s.rows)-s.height, 0))
}

// View renders the title row and the visible rows. dim draws them without
// color because they are stale.
func (s strategies) View(st *styles, dim bool) string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", ansi.StringWidth(gutter)))
	first := true
	for c, w := range s.widths {
		if w == 0 {
			continue
		}
		if !first {
			b.WriteString(columnSep)
		}
		first = false
		b.WriteString(fit(s.cols[c].title, w, s.cols[c].right))
	}
	title := st.TableHeader.Render(b.String())
	if len(s.rows) == 0 {
		return title + "\n" + st.Label.Render("  no strategies")
	}

	lines := make([]string, 0, s.height+1)
	lines = append(lines, title)
	end := min(s.offset+s.height, len(s.rows))
	for i := s.offset; i < end; i++ {
		lines = append(lines, s.rowView(st, i, dim))
	}
	return strings.Join(lines, "\n")
}

func (s strategies) rowView(st *styles, i int, dim bool) string {
	r := &s.rows[i]
	selected := i == s.selected
	style := func(base lipgloss.Style) lipgloss.Style {
		if selected {
			return st.Selected.Inherit(base)
		}
		return base
	}
	var b strings.Builder
	if selected {
		b.WriteString(style(st.data(st.Cell, dim)).Render(gutter))
	} else {
		b.WriteString(strings.Repeat(" ", ansi.StringWidth(gutter)))
	}
	first := true
	for c, w := range s.widths {
		if w == 0 {
			continue
		}
		if !first {
			b.WriteString(style(st.data(st.Cell, dim)).Render(columnSep))
		}
		first = false
		var cs lipgloss.Style
		switch c {
		case colState:
			cs = st.state(r.state, dim)
		case colRealized:
			cs = st.pnl(r.realSign, dim)
		case colUnrealized:
			cs = st.pnl(r.unSign, dim)
		default:
			cs = st.data(st.Cell, dim)
		}
		b.WriteString(style(cs).Render(fit(r.cells[c], w, s.cols[c].right)))
	}
	return b.String()
}

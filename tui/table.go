package tui

import (
	"cmp"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// column describes how one column of a table is sized and sorted.
type column struct {
	title string
	min   int  // narrowest width; below it the column is hidden
	max   int  // widest it grows to fit its content
	right bool // numbers align right
	// keep ranks the columns: the lowest is hidden first when the table
	// does not fit; the highest is never hidden.
	keep int
	// whole marks a column a trader must read in full (a state, a
	// position): it never shrinks below its content. When it does not
	// fit, its cells' short forms are shown, and then other columns go.
	whole bool
	// shrink marks free text that may give up width (cut with "…")
	// before any column is hidden.
	shrink bool
}

// cellKind picks a cell's style.
type cellKind uint8

const (
	cellPlain cellKind = iota
	cellMuted
	cellGain
	cellLoss
	cellActive
	cellReduceOnly
	cellHalted
	cellWarn
	cellBad
	cellLive
	cellSim
	numCellKinds
)

// cell is one formatted cell: its text, a shorter form for a whole
// column that does not fit (empty: none), its style, and the value it
// sorts by (num for numbers, else text).
type cell struct {
	text  string
	short string
	kind  cellKind
	num   float64
	isNum bool
}

// textCell and numCell build cells.
func textCell(s string, kind cellKind) cell { return cell{text: s, kind: kind} }

func numCell(s string, v float64, kind cellKind) cell {
	return cell{text: s, kind: kind, num: v, isNum: true}
}

// row is one table row; the selection follows key.
type row struct {
	key    string
	cells  []cell
	search string // lowercased text of every cell, for the filter
}

// newRow builds a row and its search text.
func newRow(key string, cells ...cell) row {
	var b strings.Builder
	for i := range cells {
		b.WriteString(strings.ToLower(cells[i].text))
		b.WriteByte(' ')
	}
	return row{key: key, cells: cells, search: b.String()}
}

// table is a sortable, filterable table with a selection that follows
// the selected row's key through every update, filter and sort. It lays
// its columns out for its width, hiding the least important first, and
// shows only the rows that fit. It is a value; its methods return the
// changed copy or take a pointer where they only tidy.
type table struct {
	cols  []column
	rows  []row // as the view gave them: the natural order
	shown []int // indices into rows, filtered and sorted

	filter  string // lowercased
	sortCol int    // -1: the natural order
	desc    bool

	natural []int // widest cell per column over the shown rows
	short   []int // widest short form per whole column
	widths  []int // laid out: 0 hidden
	useShrt []bool

	selected    int // index into shown; -1 when none
	selectedKey string
	offset      int
	width       int
	height      int // rows, excluding the title
	empty       string
}

func newTable(empty string, cols ...column) table {
	t := table{cols: cols, sortCol: -1, selected: -1, height: 1, empty: empty}
	t.natural = make([]int, len(cols))
	t.short = make([]int, len(cols))
	t.widths = make([]int, len(cols))
	t.useShrt = make([]bool, len(cols))
	return t
}

// setRows replaces the rows, keeping filter, sort and the selection's key.
func (t table) setRows(rows []row) table {
	t.rows = rows
	return t.refresh()
}

// refresh filters and sorts again, measures and restores the selection.
func (t table) refresh() table {
	shown := make([]int, 0, len(t.rows))
	for i := range t.rows {
		if t.filter == "" || strings.Contains(t.rows[i].search, t.filter) {
			shown = append(shown, i)
		}
	}
	if c := t.sortCol; c >= 0 && c < len(t.cols) {
		slices.SortStableFunc(shown, func(a, b int) int {
			x, y := &t.rows[a].cells[c], &t.rows[b].cells[c]
			r := 0
			if x.isNum && y.isNum {
				r = cmp.Compare(x.num, y.num)
			} else {
				r = strings.Compare(x.text, y.text)
			}
			if t.desc {
				r = -r
			}
			return r
		})
	}
	t.shown = shown
	t.measure()
	idx := -1
	if t.selectedKey != "" {
		idx = slices.IndexFunc(t.shown, func(i int) bool { return t.rows[i].key == t.selectedKey })
	}
	if idx < 0 {
		idx = max(t.selected, 0)
	}
	t.selectIndex(idx)
	return t
}

// setFilter shows only the rows whose text contains f, ignoring case.
func (t table) setFilter(f string) table {
	t.filter = strings.ToLower(strings.TrimSpace(f))
	return t.refresh()
}

// cycleSort sorts by the next visible column, after the last back to the
// natural order.
func (t table) cycleSort() table {
	next := t.sortCol + 1
	for next < len(t.cols) && t.widths[next] == 0 {
		next++
	}
	if next >= len(t.cols) {
		next = -1
	}
	t.sortCol, t.desc = next, false
	return t.refresh()
}

// reverseSort flips the sort direction (of the natural order too).
func (t table) reverseSort() table {
	t.desc = !t.desc
	if t.sortCol < 0 {
		slices.Reverse(t.rows)
		t.desc = false
	}
	return t.refresh()
}

// sortName is the sort on show, for the status line.
func (t table) sortName() string {
	if t.sortCol < 0 {
		return "natural order"
	}
	dir := "ascending"
	if t.desc {
		dir = "descending"
	}
	return strings.ToLower(t.cols[t.sortCol].title) + " " + dir
}

// selectedRow returns the selected row.
func (t table) selectedRow() (*row, bool) {
	if t.selected < 0 || t.selected >= len(t.shown) {
		return nil, false
	}
	return &t.rows[t.shown[t.selected]], true
}

// move moves the selection by n rows; first and last go to the ends.
func (t table) move(n int) table {
	t.selectIndex(t.selected + n)
	return t
}

func (t table) first() table { t.selectIndex(0); return t }
func (t table) last() table  { t.selectIndex(len(t.shown) - 1); return t }

// setSize lays the table out in width cells and height lines, the title
// row included.
func (t table) setSize(width, height int) table {
	t.width = width
	t.height = max(height-1, 1)
	t.layout()
	t.scroll()
	return t
}

// measure records the natural width of each column over the shown rows.
func (t *table) measure() {
	for c := range t.cols {
		w := cellWidth(t.cols[c].title)
		if c == t.sortCol {
			w += 2 // " ▲"
		}
		s := w
		for _, i := range t.shown {
			ce := &t.rows[i].cells[c]
			cw := cellWidth(ce.text)
			w = max(w, cw)
			if ce.short != "" {
				s = max(s, cellWidth(ce.short))
			} else {
				s = max(s, cw)
			}
		}
		t.natural[c] = min(max(w, t.cols[c].min), t.colMax(c))
		t.short[c] = min(max(s, t.cols[c].min), t.colMax(c))
	}
	t.layout()
}

func (t *table) colMax(c int) int {
	if t.cols[c].whole {
		return max(t.cols[c].max, 200)
	}
	return t.cols[c].max
}

// abbreviateBias is how much sooner a whole column takes its short form
// than a column of the same keep is hidden: a short form still shows what
// the column says.
const abbreviateBias = 30

// layout fits the columns into t.width: every column at its natural width
// if they all fit; otherwise free text shrinks toward its minimum, and
// then, least important first, whole columns take their short forms and
// columns are hidden, until the rest fits.
func (t *table) layout() {
	copy(t.widths, t.natural)
	clear(t.useShrt)
	if t.width <= 0 {
		return
	}
	avail := t.width - gutterWidth
	hidden := make([]bool, len(t.cols))
	first := 0 // the column never hidden
	for c := range t.cols {
		if t.cols[c].keep > t.cols[first].keep {
			first = c
		}
	}
	for {
		over := -avail - len(columnSep)
		for c := range t.widths {
			if t.widths[c] = t.natural[c]; t.useShrt[c] {
				t.widths[c] = t.short[c]
			}
			if hidden[c] {
				t.widths[c] = 0
				continue
			}
			over += t.widths[c] + len(columnSep)
		}
		// Free text gives up width, the widest first, down to its minimum.
		for over > 0 {
			widest, slack := -1, 0
			for c := range t.cols {
				if d := t.widths[c] - t.cols[c].min; t.cols[c].shrink && t.widths[c] > 0 && d > slack {
					widest, slack = c, d
				}
			}
			if widest < 0 {
				break
			}
			t.widths[widest]--
			over--
		}
		if over <= 0 {
			return
		}
		// The cheapest next step: hide a column, or shorten a whole one.
		step, abbreviate, rank := -1, false, 0
		for c := range t.cols {
			if t.widths[c] == 0 || c == first {
				continue
			}
			if r := t.cols[c].keep; step < 0 || r < rank {
				step, abbreviate, rank = c, false, r
			}
			if t.cols[c].whole && !t.useShrt[c] && t.short[c] < t.natural[c] {
				if r := t.cols[c].keep - abbreviateBias; r < rank {
					step, abbreviate, rank = c, true, r
				}
			}
		}
		switch {
		case step < 0:
			t.widths[first] = max(avail, 1) // only the most important is left: cut it
			return
		case abbreviate:
			t.useShrt[step] = true
		default:
			hidden[step] = true
		}
	}
}

// selectIndex moves the selection to shown row i, clamped, and scrolls it
// into view.
func (t *table) selectIndex(i int) {
	if len(t.shown) == 0 {
		t.selected, t.offset = -1, 0
		return
	}
	t.selected = min(max(i, 0), len(t.shown)-1)
	t.selectedKey = t.rows[t.shown[t.selected]].key
	t.scroll()
}

// scroll moves the window of visible rows the least needed to show the
// selection.
func (t *table) scroll() {
	if t.selected < t.offset {
		t.offset = t.selected
	}
	if t.selected >= t.offset+t.height {
		t.offset = t.selected - t.height + 1
	}
	t.offset = min(max(t.offset, 0), max(len(t.shown)-t.height, 0))
}

// View renders the title row and the visible rows. dim draws them without
// color because they are stale; focused false draws the selection without
// its marker.
func (t table) View(st *styles, dim, focused bool) string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", gutterWidth))
	first := true
	for c, w := range t.widths {
		if w == 0 {
			continue
		}
		if !first {
			b.WriteString(columnSep)
		}
		first = false
		title := t.cols[c].title
		if c == t.sortCol {
			title += map[bool]string{false: " ▲", true: " ▼"}[t.desc]
		}
		b.WriteString(fit(title, w, t.cols[c].right))
	}
	title := st.TableHeader.Render(b.String())
	if len(t.shown) == 0 {
		msg := t.empty
		if t.filter != "" && len(t.rows) > 0 {
			msg = "nothing matches /" + t.filter
		}
		return title + "\n" + st.Label.Render("  "+msg)
	}
	lines := make([]string, 0, t.height+1)
	lines = append(lines, title)
	end := min(t.offset+t.height, len(t.shown))
	for i := t.offset; i < end; i++ {
		lines = append(lines, t.rowView(st, i, dim, focused))
	}
	return strings.Join(lines, "\n")
}

func (t table) rowView(st *styles, i int, dim, focused bool) string {
	r := &t.rows[t.shown[i]]
	sel := 0
	if i == t.selected {
		sel = 1
	}
	plain := st.paintCell(cellPlain, sel, dim)
	var b strings.Builder
	b.Grow(t.width + 16*len(t.cols))
	if sel == 1 && focused {
		plain.write(&b, gutter)
	} else {
		b.WriteString("  ")
	}
	first := true
	for c, w := range t.widths {
		if w == 0 {
			continue
		}
		if !first {
			plain.write(&b, columnSep)
		}
		first = false
		ce := &r.cells[c]
		text := ce.text
		if ce.short != "" && (t.useShrt[c] || cellWidth(text) > w) {
			text = ce.short
		}
		st.paintCell(ce.kind, sel, dim).write(&b, fit(text, w, t.cols[c].right))
	}
	return b.String()
}

const (
	gutter      = "▶ " // marks the selected row; blank on the others
	gutterWidth = 2
	columnSep   = "  "
)

// cellWidth is the width of s in cells: its length for ASCII, which is
// nearly every cell, without walking it as graphemes.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

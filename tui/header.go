package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/desk-trading/desk/core/protocol"
)

// header is the firm header: the firm's trading state and totals, the books
// and venues, when the data was made and the state of the connection. Its
// text is formatted when a Status arrives.
type header struct {
	hasData bool

	firmState  string
	realized   string
	realSign   int
	unrealized string
	unrealSign int
	openOrders string
	ordersSent string
	fills      string
	updated    string // engine clock of the last Status

	books   []protocol.Book  // sorted by id
	venues  []protocol.Venue // sorted by name
	latency string           // "feed 371ns  risk 59µs ...": p99 per stage
	journal protocol.Journal
}

// headerLines is how many lines View returns.
const headerLines = 4

// setStatus takes the firm-wide part of st. It keeps its own copies of the
// books and venues: st is not retained.
func (h header) setStatus(st *protocol.Status) header {
	h.hasData = true
	h.firmState = st.Firm.State
	h.realized, h.realSign = formatMoney(st.Firm.RealizedPnL)
	h.unrealized, h.unrealSign = formatMoney(st.Firm.UnrealizedPnL)
	h.openOrders = formatCount(int64(st.Firm.OpenOrders))
	h.ordersSent = formatCount(st.Firm.OrdersSent)
	h.fills = formatCount(st.Firm.Fills)
	h.updated = formatClock(st.Time, "15:04:05.000 MST")

	h.books = slices.Clone(st.Books)
	slices.SortStableFunc(h.books, func(a, b protocol.Book) int { return strings.Compare(a.ID, b.ID) })
	h.venues = slices.Clone(st.Venues)
	slices.SortStableFunc(h.venues, func(a, b protocol.Venue) int { return strings.Compare(a.Name, b.Name) })
	h.latency = formatLatency(st.Latency)
	h.journal = st.Journal
	return h
}

// formatLatency renders each stage's p99, in hot-path order, to three
// significant digits: "feed 371ns  risk 58.9µs  venue-ack 7.24ms".
func formatLatency(stages []protocol.StageLatency) string {
	parts := make([]string, 0, len(stages))
	for _, s := range stages {
		parts = append(parts, s.Stage+" "+roundDuration(time.Duration(s.P99)).String())
	}
	return strings.Join(parts, "  ")
}

// roundDuration keeps three significant digits of d.
func roundDuration(d time.Duration) time.Duration {
	for unit := time.Duration(1); unit < time.Hour; unit *= 10 {
		if d < 1000*unit {
			return d.Round(unit)
		}
	}
	return d
}

// View renders exactly headerLines lines, each cut to width. dim draws the
// data without color because it is stale; the connection line is never dim.
func (h header) View(st *styles, width int, conn connection, dim bool) string {
	lines := [headerLines]string{h.firmLine(st, dim), h.nodesLine(st, dim), h.latencyLine(st, dim), h.connLine(st, conn)}
	return clip(strings.Join(lines[:], "\n"), width)
}

func (h header) firmLine(st *styles, dim bool) string {
	var b strings.Builder
	b.WriteString(st.Title.Render("DESK"))
	b.WriteString(st.Label.Render("  firm "))
	if !h.hasData {
		b.WriteString(st.Label.Render("— waiting for status"))
		return b.String()
	}
	b.WriteString(h.firmBadge(st, dim))
	field := func(label, value string, style lipgloss.Style) {
		b.WriteString(st.Label.Render("  " + label + " "))
		b.WriteString(style.Render(value))
	}
	field("realized", h.realized, st.pnl(h.realSign, dim))
	field("unrealized", h.unrealized, st.pnl(h.unrealSign, dim))
	field("open", h.openOrders, st.data(st.Value, dim))
	field("sent", h.ordersSent, st.data(st.Value, dim))
	field("fills", h.fills, st.data(st.Value, dim))
	return b.String()
}

// latencyLine is the p99 latency of each hot-path stage on live traffic.
func (h header) latencyLine(st *styles, dim bool) string {
	value := h.latency
	if value == "" {
		value = "—"
	}
	return st.Label.Render("latency p99 ") + st.data(st.Value, dim).Render(value)
}

// firmBadge is the firm's trading state; halted is impossible to miss.
func (h header) firmBadge(st *styles, dim bool) string {
	switch {
	case dim:
		return st.Stale.Render(strings.ToUpper(h.firmState))
	case h.firmState == stateHalted:
		return st.FirmHalted.Render("HALTED — TRADING STOPPED")
	case h.firmState == stateReduceOnly:
		return st.FirmReduceOnly.Render("REDUCE-ONLY")
	case h.firmState == stateActive:
		return st.FirmActive.Render("ACTIVE")
	}
	return st.Value.Render(strings.ToUpper(h.firmState))
}

func (h header) nodesLine(st *styles, dim bool) string {
	var b strings.Builder
	b.WriteString(st.Label.Render("books"))
	if len(h.books) == 0 {
		b.WriteString(st.Label.Render(" —"))
	}
	for _, bk := range h.books {
		b.WriteString(" ")
		b.WriteString(st.data(st.Value, dim).Render(bk.ID))
		b.WriteString(" ")
		b.WriteString(st.state(bk.State, dim).Render(bk.State))
	}
	b.WriteString(st.Label.Render("   venues"))
	if len(h.venues) == 0 {
		b.WriteString(st.Label.Render(" —"))
	}
	for _, v := range h.venues {
		b.WriteString(" ")
		b.WriteString(venueBadge(st, &v, dim))
	}
	// Only trouble is shown: a journal that cannot write means no order
	// goes out and a crash now loses what is pending.
	if h.journal.State == "down" {
		b.WriteString(st.Label.Render("   "))
		b.WriteString(st.data(st.VenueDown, dim).Render(fmt.Sprintf("JOURNAL DOWN: %d events not on disk", h.journal.Pending)))
	}
	return b.String()
}

func (h header) connLine(st *styles, conn connection) string {
	var b strings.Builder
	switch conn.state {
	case connConnected:
		b.WriteString(st.Connected.Render("● connected"))
		if conn.daemon != "" {
			b.WriteString(st.Label.Render(" to " + conn.daemon))
		}
	case connConnecting:
		b.WriteString(st.Connecting.Render("◌ connecting…"))
	case connRetrying:
		b.WriteString(st.Disconnected.Render(" disconnected — retrying in " + conn.retryIn.String() + " "))
		b.WriteString(st.StatusError.Render(fmt.Sprintf(" attempt %d: %s", conn.failures, conn.reason)))
	}
	if h.updated != "" {
		b.WriteString(st.Label.Render("   updated " + h.updated))
	}
	return b.String()
}

// venueBadge is one venue in the header: up or down, reconciling, the
// account's rate budget (orders in the current 10 s against the limit),
// and trouble reconciliation found: a balance that disagrees with desk's
// positions, open orders that are not desk's.
func venueBadge(st *styles, v *protocol.Venue, dim bool) string {
	switch {
	case !v.Connected:
		return st.data(st.VenueDown, dim).Render("○ " + v.Name + " disconnected")
	case v.Reconciling:
		return st.data(st.Connecting, dim).Render("◐ " + v.Name + " reconciling")
	}
	var b strings.Builder
	b.WriteString(st.data(st.VenueUp, dim).Render("● " + v.Name))
	if u := v.Budget; u != nil && u.Orders10sLimit > 0 {
		b.WriteString(st.data(st.Value, dim).Render(fmt.Sprintf(" %d/%d", u.Orders10s, u.Orders10sLimit)))
	}
	var off []string
	for _, bal := range v.Balances {
		if !bal.Match {
			off = append(off, bal.Asset)
		}
	}
	if len(off) > 0 {
		b.WriteString(st.data(st.VenueDown, dim).Render(" balance≠" + strings.Join(off, ",")))
	}
	if n := len(v.External); n > 0 {
		b.WriteString(st.data(st.Connecting, dim).Render(fmt.Sprintf(" +%d external", n)))
	}
	return b.String()
}

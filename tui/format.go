package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/protocol"
)

// Trading states as the protocol spells them.
const (
	stateActive     = "active"
	stateReduceOnly = "reduce-only"
	stateHalted     = "halted"
)

// stateRank orders trading states from least to most restrictive; an unknown
// state ranks with active so that it never hides a known restriction.
func stateRank(s string) int {
	switch s {
	case stateHalted:
		return 2
	case stateReduceOnly:
		return 1
	}
	return 0
}

// formatMoney renders a decimal string as money with two decimals and
// thousands separators, and returns its sign. "" is shown as "—"; a value
// that does not parse is shown as it came, with sign 0.
func formatMoney(s string) (string, int) {
	if s == "" {
		return "—", 0
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return s, 0
	}
	d = d.Round(2)
	return groupThousands(d.StringFixed(2)), d.Sign()
}

// formatQty renders a decimal quantity without trailing zeros.
func formatQty(s string) string {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return s
	}
	return d.String()
}

// formatCount renders a counter with thousands separators.
func formatCount(n int64) string {
	return groupThousands(strconv.FormatInt(n, 10))
}

// groupThousands puts commas into the integer part of a plain decimal
// string such as "-1234567.50".
func groupThousands(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	if len(intPart) <= 3 {
		return sign + s
	}
	var b strings.Builder
	b.WriteString(sign)
	head := len(intPart) % 3
	if head > 0 {
		b.WriteString(intPart[:head])
	}
	for i := head; i < len(intPart); i += 3 {
		if b.Len() > len(sign) {
			b.WriteByte(',')
		}
		b.WriteString(intPart[i : i+3])
	}
	b.WriteString(frac)
	return b.String()
}

// formatClock renders an RFC 3339 timestamp with layout, or returns it as it
// came when it does not parse.
func formatClock(s, layout string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.Format(layout)
}

// fit truncates s (with "…") or pads it with spaces to exactly w cells,
// aligned right when right is set. s must not contain escape sequences.
func fit(s string, w int, right bool) string {
	if w <= 0 {
		return ""
	}
	s = ansi.Truncate(s, w, "…")
	pad := w - ansi.StringWidth(s)
	if pad <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", pad) + s
	}
	return s + strings.Repeat(" ", pad)
}

// clip truncates each line of a rendered block to w cells so that the
// terminal never wraps it.
func clip(block string, w int) string {
	if w <= 0 {
		return block
	}
	lines := strings.Split(block, "\n")
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	return strings.Join(lines, "\n")
}

// terminal reports whether an order in state s is finished, as the
// protocol spells the states.
func terminal(s string) bool {
	switch s {
	case "filled", "canceled", "rejected", "expired":
		return true
	}
	return false
}

// sortOrdersNewestFirst sorts orders by the RFC 3339 time at(o), newest
// first, then by client order id. RFC 3339 times in UTC sort as text.
func sortOrdersNewestFirst(orders []*protocol.Order, at func(*protocol.Order) string) {
	slices.SortFunc(orders, func(a, b *protocol.Order) int {
		return cmp.Or(strings.Compare(at(b), at(a)), strings.Compare(b.ClientOrderID, a.ClientOrderID))
	})
}

// sparkBlocks draw a sparkline, lowest to highest.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws vals (oldest first) in width cells, scaled between their
// own low and high; flat values draw a flat line. Fewer values than width
// are right-aligned.
func sparkline(vals []float64, width int) string {
	if width <= 0 {
		return ""
	}
	if len(vals) > width {
		vals = vals[len(vals)-width:]
	}
	lo, hi := 0.0, 0.0
	for i, v := range vals {
		if i == 0 || v < lo {
			lo = v
		}
		if i == 0 || v > hi {
			hi = v
		}
	}
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", width-len(vals)))
	for _, v := range vals {
		k := len(sparkBlocks) / 2
		if hi > lo {
			k = int((v - lo) / (hi - lo) * float64(len(sparkBlocks)-1))
		}
		b.WriteRune(sparkBlocks[min(max(k, 0), len(sparkBlocks)-1)])
	}
	return b.String()
}

// bar draws ratio (0..1, more is clipped and marked) as a bar of width
// cells: "███████▌  " for 0.75.
func bar(ratio float64, width int) string {
	if width <= 0 {
		return ""
	}
	over := ratio > 1
	ratio = min(max(ratio, 0), 1)
	eighths := int(ratio*float64(width*8) + 0.5)
	full, part := eighths/8, eighths%8
	var b strings.Builder
	b.WriteString(strings.Repeat("█", full))
	if part > 0 && full < width {
		b.WriteRune([]rune(" ▏▎▍▌▋▊▉")[part])
		full++
	}
	b.WriteString(strings.Repeat(" ", width-full))
	s := b.String()
	if over {
		r := []rune(s)
		r[len(r)-1] = '!'
		s = string(r)
	}
	return s
}

// formatAge renders how long before now t was: "0.4s", "12s", "3m05s",
// "2h10m"; "—" for a zero t.
func formatAge(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	d := max(now.Sub(t), 0)
	switch {
	case d < 10*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + "s"
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// parseTime parses an RFC 3339 time; zero when s does not parse.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// formatNanos renders a latency in nanoseconds to three significant
// digits: "371ns", "58.9µs", "7.24ms"; "—" for 0.
func formatNanos(ns int64) string {
	if ns <= 0 {
		return "—"
	}
	return roundDuration(time.Duration(ns)).String()
}

// formatPercent renders a ratio as a whole percentage: "73%".
func formatPercent(r float64) string {
	return strconv.Itoa(int(r*100+0.5)) + "%"
}

// parseDecimal parses a decimal string.
func parseDecimal(s string) (decimal.Decimal, bool) {
	d, err := decimal.NewFromString(s)
	return d, err == nil
}

// plural counts n things: "1 breaker", "2 breakers".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

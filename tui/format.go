package tui

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/shopspring/decimal"
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

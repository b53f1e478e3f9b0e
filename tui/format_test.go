package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/desk-trading/desk/core/protocol"
)

func TestFormatMoney(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		sign int
	}{
		{"0", "0.00", 0},
		{"-0.001", "0.00", 0},
		{"12.345", "12.35", 1},
		{"-1234.5", "-1,234.50", -1},
		{"1234567.891", "1,234,567.89", 1},
		{"-100", "-100.00", -1},
		{"", "—", 0},
		{"NaN", "NaN", 0},
	} {
		got, sign := formatMoney(tc.in)
		if got != tc.want || sign != tc.sign {
			t.Errorf("formatMoney(%q) = %q, %d; want %q, %d", tc.in, got, sign, tc.want, tc.sign)
		}
	}
}

func TestFormatQtyAndCount(t *testing.T) {
	for in, want := range map[string]string{"0.50000000": "0.5", "-2.000": "-2", "0": "0", "x": "x"} {
		if got := formatQty(in); got != want {
			t.Errorf("formatQty(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567"} {
		if got := formatCount(in); got != want {
			t.Errorf("formatCount(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestFit(t *testing.T) {
	for _, tc := range []struct {
		in    string
		w     int
		right bool
		want  string
	}{
		{"abc", 5, false, "abc  "},
		{"abc", 5, true, "  abc"},
		{"abcdef", 4, false, "abc…"},
		{"abc", 0, false, ""},
	} {
		if got := fit(tc.in, tc.w, tc.right); got != tc.want {
			t.Errorf("fit(%q, %d, %v) = %q, want %q", tc.in, tc.w, tc.right, got, tc.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	lo, hi := 250*time.Millisecond, 5*time.Second
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i, w := range want {
		if got := backoff(i+1, lo, hi); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := backoff(1000, lo, hi); got != hi {
		t.Errorf("backoff(1000) = %v, want %v", got, hi)
	}
}

// Every width, however narrow, gives rows no wider than the window.
func TestLayoutNeverOverflows(t *testing.T) {
	d := newStore()
	d.setStatus(testStatus())
	tb := newTable("none", strategyColumns()...).setRows(strategyRows(d, d.at))
	st := newStyles()
	for w := 1; w <= 200; w++ {
		tb = tb.setSize(w, 10)
		for _, l := range splitNonEmpty(clip(tb.View(st, false, true), w)) {
			if n := ansi.StringWidth(l); n > w {
				t.Fatalf("width %d: line of %d cells: %q", w, n, ansi.Strip(l))
			}
		}
		if w >= 40 {
			if view := ansi.Strip(tb.View(st, false, true)); !containsAll(view, "mm-btc", "STRATEGY") {
				t.Fatalf("width %d lost the ids:\n%s", w, view)
			}
		}
	}
}

// A journal that cannot write is in the header; a healthy one is not.
func TestHeaderShowsJournalDown(t *testing.T) {
	sess := newFakeSession()
	m, wait := connect(t, sess)
	status := testStatus()
	m, wait = push(t, m, wait, sess, statusEnv(status))
	if view := screen(m); strings.Contains(view, "JOURNAL") {
		t.Fatalf("healthy journal shown:\n%s", view)
	}
	status = testStatus()
	status.Journal = protocol.Journal{State: "down", Pending: 7, Error: "no space left on device"}
	m, _ = push(t, m, wait, sess, statusEnv(status))
	if view := screen(m); !strings.Contains(view, "JOURNAL DOWN: 7 events not on disk") {
		t.Fatalf("journal down not shown:\n%s", view)
	}
}

package tui

import (
	"bytes"
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// loaded is a model at w x h holding a desk of 500 strategies and 5,000
// working orders, as the issue sizes a busy desk.
func loaded(tb testing.TB, w, h int) model {
	m := newModel(tb.Context(), Options{Dial: func(context.Context) (Session, error) { return nil, nil }})
	m.conn.state = connConnected
	m.sess = newFakeSession()
	m, _ = updateTB(tb, m, tea.WindowSizeMsg{Width: w, Height: h})
	st := bigStatus(500)
	m.data.setStatus(st)
	m.now = m.data.at
	m.data.applyOrders(bigOrders(5000, 500))
	return m
}

func updateTB(tb testing.TB, m model, msg tea.Msg) (model, tea.Cmd) {
	next, cmd := m.Update(msg)
	return next.(model), cmd
}

// BenchmarkView is one frame of each view (View only: the rows are
// formatted when data arrives, not per frame) at 200x50 with 500
// strategies and 5,000 orders. The target is under 5 ms a frame.
func BenchmarkView(b *testing.B) {
	for t := range numTabs {
		b.Run(tabIDs[t], func(b *testing.B) {
			m := loaded(b, 200, 50)
			m, _ = m.switchTab(t)
			b.ReportAllocs()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkStatusUpdate is what one Status push of a 500-strategy desk
// costs the TUI on the strategies view: the store, the histories and the
// table's rows. The daemon sends at most ten a second.
func BenchmarkStatusUpdate(b *testing.B) {
	m := loaded(b, 200, 50)
	st := bigStatus(500)
	b.ReportAllocs()
	for b.Loop() {
		m.data.setStatus(st)
		m = m.rebuild()
	}
}

// BenchmarkOrdersUpdate is one conflated orders push of 100 changed
// orders into a blotter of 5,000, on the orders view.
func BenchmarkOrdersUpdate(b *testing.B) {
	m := loaded(b, 200, 50)
	m, _ = m.switchTab(tabOrders)
	u := bigOrders(100, 500)
	u.Reset = false
	b.ReportAllocs()
	for b.Loop() {
		m.data.applyOrders(u)
		m = m.rebuildOrders()
	}
}

// Colors degrade with the terminal: 256 and 16 colors carry no true
// color, and no color (NO_COLOR, a dumb terminal) carries none at all
// while the words that carry meaning (LIVE, FIRM HALTED, ⚠) stay.
func TestColorsDegrade(t *testing.T) {
	m, _ := rich(t, newFakeSession(), 120, 30)
	st := richStatus()
	st.Firm.State = stateHalted
	m.data.setStatus(st)
	m = m.rebuild()
	view := m.View().Content
	for _, tc := range []struct {
		profile colorprofile.Profile
		banned  []string
	}{
		{colorprofile.ANSI256, []string{"38;2;", "48;2;"}},
		{colorprofile.ANSI, []string{"38;2;", "48;2;", "38;5;", "48;5;"}},
		{colorprofile.Ascii, []string{"38;", "48;", "[3", "[9"}},
	} {
		var out bytes.Buffer
		w := &colorprofile.Writer{Forward: &out, Profile: tc.profile}
		if _, err := w.WriteString(view); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		for _, bad := range tc.banned {
			if strings.Contains(got, bad) {
				t.Errorf("%v: output has %q", tc.profile, bad)
			}
		}
		for _, word := range []string{"FIRM HALTED", "LIVE", "⚠ mm-btc max_daily_loss"} {
			if !strings.Contains(got, word) {
				t.Errorf("%v: %q lost", tc.profile, word)
			}
		}
	}
}

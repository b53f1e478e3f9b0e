package domain

import (
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
)

func TestOrderIDRoundTrip(t *testing.T) {
	tests := []struct {
		epoch uint32
		strat StrategyID
		seq   uint64
		str   string
	}{
		{0, 0, 0, "0-0-0"},
		{1, 0, 0, "1-0-0"},
		{1, 2, 1, "1-2-1"},
		{42, 7, 123456789, "42-7-123456789"},
		{MaxOrderEpoch, MaxOrderStrategy, MaxOrderSeq, "1048575-16383-1073741823"},
	}
	for _, tt := range tests {
		id := MakeOrderID(tt.epoch, tt.strat, tt.seq)
		if id.Epoch() != tt.epoch || id.Strategy() != tt.strat || id.Seq() != tt.seq {
			t.Errorf("MakeOrderID(%d, %d, %d) splits into %d, %d, %d", tt.epoch, tt.strat, tt.seq, id.Epoch(), id.Strategy(), id.Seq())
		}
		if got := id.String(); got != tt.str {
			t.Errorf("MakeOrderID(%d, %d, %d).String() = %q, want %q", tt.epoch, tt.strat, tt.seq, got, tt.str)
		}
		back, err := ParseOrderID(tt.str)
		if err != nil || back != id {
			t.Errorf("ParseOrderID(%q) = %v, %v; want %v", tt.str, back, err, id)
		}
	}
	// Ids order by epoch first, so a restarted daemon's ids sort after the
	// previous run's whatever the strategy.
	if !(MakeOrderID(1, MaxOrderStrategy, MaxOrderSeq) < MakeOrderID(2, 0, 0)) {
		t.Error("ids of a later epoch do not sort after an earlier one")
	}
	// A part beyond its width is masked rather than spilling into the next.
	if id := MakeOrderID(3, 1, MaxOrderSeq+1+5); id.Epoch() != 3 || id.Strategy() != 1 || id.Seq() != 5 {
		t.Errorf("MakeOrderID(3, 1, 2^30+5) = %d-%d-%d", id.Epoch(), id.Strategy(), id.Seq())
	}
	if id := MakeOrderID(3, MaxOrderStrategy+1+2, 9); id.Epoch() != 3 || id.Strategy() != 2 || id.Seq() != 9 {
		t.Errorf("MakeOrderID(3, 2^14+2, 9) = %d-%d-%d", id.Epoch(), id.Strategy(), id.Seq())
	}
}

func TestParseOrderIDBad(t *testing.T) {
	for _, s := range []string{
		"", "1", "1-", "-1", "-", "1-2", "a-1-1", "1-b-1", "1-1-c", "1-2-3-4", "+1-2-3", "1-+2-3", "1-2-+3",
		" 1-2-3", "1-2-3 ", "1.0-2-3", "0x1-2-3", "-1-2-3", "1048576-0-0", "0-16384-0", "0-0-1073741824",
		"1_0-2-3", "99999999999999999999-1-1", "1--2", "web_ab12-1-1",
	} {
		if id, err := ParseOrderID(s); !errors.Is(err, ErrUnknown) {
			t.Errorf("ParseOrderID(%q) = %v, %v; want ErrUnknown", s, id, err)
		}
	}
}

func FuzzParseOrderID(f *testing.F) {
	f.Add("1-2-3")
	f.Add("1048575-16383-1073741823")
	f.Add("x")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseOrderID(s)
		if err != nil {
			return
		}
		if back, err := ParseOrderID(id.String()); err != nil || back != id {
			t.Fatalf("ParseOrderID(%q) = %v, whose String %q parses to %v, %v", s, id, id.String(), back, err)
		}
	})
}

// enumCase is one enumeration: how many valid values it has, how to render
// one, and how to parse a name back (nil when the enumeration has no
// parser).
type enumCase struct {
	name   string
	n      int
	str    func(uint8) string
	parse  func(string) (uint8, error)
	spells []string // the expected names, in value order from 1
}

func parser[T ~uint8](p func(string) (T, error)) func(string) (uint8, error) {
	return func(s string) (uint8, error) { v, err := p(s); return uint8(v), err }
}

func TestEnums(t *testing.T) {
	cases := []enumCase{
		{"Side", 2, func(v uint8) string { return Side(v).String() }, parser(ParseSide),
			[]string{"buy", "sell"}},
		{"OrderType", 4, func(v uint8) string { return OrderType(v).String() }, parser(ParseOrderType),
			[]string{"market", "limit", "stop", "stop-limit"}},
		{"TimeInForce", 5, func(v uint8) string { return TimeInForce(v).String() }, parser(ParseTimeInForce),
			[]string{"gtc", "ioc", "fok", "gtd", "day"}},
		{"OrderState", 10, func(v uint8) string { return OrderState(v).String() }, parser(ParseOrderState),
			[]string{"new", "pending-new", "open", "partially-filled", "pending-cancel", "pending-replace",
				"filled", "canceled", "rejected", "expired"}},
		{"TradingState", 3, func(v uint8) string { return TradingState(v).String() }, parser(ParseTradingState),
			[]string{"active", "reduce-only", "halted"}},
		{"Liquidity", 2, func(v uint8) string { return Liquidity(v).String() }, nil,
			[]string{"maker", "taker"}},
		{"ExecKind", 8, func(v uint8) string { return ExecKind(v).String() }, nil,
			[]string{"ack", "reject", "fill", "canceled", "replaced", "expired", "cancel-reject", "replace-reject"}},
		{"EventKind", 4, func(v uint8) string { return EventKind(v).String() }, nil,
			[]string{"order", "fill", "denied", "audit"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if len(c.spells) != c.n {
				t.Fatalf("table lists %d names for %d values", len(c.spells), c.n)
			}
			for v := 1; v <= c.n; v++ {
				s := c.str(uint8(v))
				if s != c.spells[v-1] {
					t.Errorf("String(%d) = %q, want %q", v, s, c.spells[v-1])
				}
				if c.parse == nil {
					continue
				}
				back, err := c.parse(s)
				if err != nil || int(back) != v {
					t.Errorf("Parse(%q) = %d, %v; want %d", s, back, err, v)
				}
			}
			for _, v := range []uint8{0, uint8(c.n + 1), 255} {
				want := "invalid(" + strconv.Itoa(int(v)) + ")"
				if got := c.str(v); got != want {
					t.Errorf("String(%d) = %q, want %q", v, got, want)
				}
			}
			if c.parse == nil {
				return
			}
			for _, bad := range []string{"", "invalid(0)", "BUY", "Filled", " " + c.spells[0], c.spells[0] + " "} {
				if v, err := c.parse(bad); !errors.Is(err, ErrUnknown) {
					t.Errorf("Parse(%q) = %d, %v; want ErrUnknown", bad, v, err)
				}
			}
		})
	}
}

func TestSide(t *testing.T) {
	if Buy.Sign() != 1 || Sell.Sign() != -1 {
		t.Errorf("Sign: buy %d sell %d", Buy.Sign(), Sell.Sign())
	}
	if Buy.Opposite() != Sell || Sell.Opposite() != Buy {
		t.Error("Opposite is not an involution on buy and sell")
	}
}

func TestOrderStatePredicates(t *testing.T) {
	tests := []struct {
		s                 OrderState
		terminal, working bool
	}{
		{StateNew, false, false},
		{StatePendingNew, false, true},
		{StateOpen, false, true},
		{StatePartiallyFilled, false, true},
		{StatePendingCancel, false, true},
		{StatePendingReplace, false, true},
		{StateFilled, true, false},
		{StateCanceled, true, false},
		{StateRejected, true, false},
		{StateExpired, true, false},
	}
	for _, tt := range tests {
		if tt.s.Terminal() != tt.terminal || tt.s.Working() != tt.working {
			t.Errorf("%s: Terminal %v Working %v; want %v %v", tt.s, tt.s.Terminal(), tt.s.Working(), tt.terminal, tt.working)
		}
	}
}

func TestOrderLeaves(t *testing.T) {
	o := Order{Qty: 10, Filled: 4}
	if o.Leaves() != 6 {
		t.Errorf("Leaves = %d, want 6", o.Leaves())
	}
}

// An order id logs as its client order id in JSON too.
func TestOrderIDLogsAsItsString(t *testing.T) {
	var b strings.Builder
	id := MakeOrderID(7, 2, 41)
	slog.New(slog.NewJSONHandler(&b, nil)).Info("x", "order", id)
	if want := `"order":"` + id.String() + `"`; !strings.Contains(b.String(), want) {
		t.Fatalf("logged %s, want %s", b.String(), want)
	}
}

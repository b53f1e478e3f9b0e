package wire_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/core/wire"
	"github.com/desk-trading/desk/risk"
)

type nopJournal struct{ seq uint64 }

func (j *nopJournal) Append(ev *domain.Event) error             { j.seq++; ev.Seq = j.seq; return nil }
func (j *nopJournal) WaitDurable(context.Context, uint64) error { return nil }

type nopHost struct{}

func (nopHost) OnBook(*domain.BookUpdate)                 {}
func (nopHost) OnOrder(*domain.Order)                     {}
func (nopHost) OnFill(*domain.Fill, domain.Qty)           {}
func (nopHost) OnState(domain.TradingState)               {}
func (nopHost) OnRestore(domain.InstrumentID, domain.Qty) {}

// names builds an engine only for its static names: instruments BTC-USD
// (id 0, 0.01 / 0.001) and ETH-USD (id 1, 0.1 / 0.0001), strategies mm
// (0), zz (1) and aa (2), venues sim (0) and other (2).
func names(t *testing.T) *engine.Names {
	t.Helper()
	var insts []domain.Instrument
	for i, sp := range []domain.InstrumentSpec{
		{Symbol: "BTC-USD", TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("0.001")},
		{Symbol: "ETH-USD", TickSize: decimal.RequireFromString("0.1"), LotSize: decimal.RequireFromString("0.0001")},
	} {
		in, err := domain.NewInstrument(domain.InstrumentID(i), sp)
		if err != nil {
			t.Fatal(err)
		}
		insts = append(insts, in)
	}
	strats := []risk.StrategyConfig{{ID: 0, Name: "mm", Book: "b"}, {ID: 1, Name: "zz", Book: "a"}, {ID: 2, Name: "aa", Book: "b"}}
	tree, err := risk.NewTree(risk.Config{Instruments: insts, Books: []risk.NodeConfig{{Name: "a"}, {Name: "b"}}, Strategies: strats})
	if err != nil {
		t.Fatal(err)
	}
	var slots []engine.StrategySlot
	for _, s := range strats {
		slots = append(slots, engine.StrategySlot{ID: s.ID, Name: s.Name, Book: s.Book, Host: nopHost{}})
	}
	e, err := engine.New(engine.Options{Instruments: insts, Risk: tree, Journal: &nopJournal{}, Strategies: slots,
		Venues: []engine.VenueSlot{{ID: 0, Name: "sim"}, {ID: 2, Name: "other"}}})
	if err != nil {
		t.Fatal(err)
	}
	return e.Names()
}

// TestStatusDisplayOrder: strategies by book then id, positions by
// symbol, books by id, venues and latency stages as given.
func TestStatusDisplayOrder(t *testing.T) {
	n := names(t)
	s := &engine.Snapshot{
		Time: time.Unix(0, 1_700_000_000_000_000_001),
		Strategies: []engine.StrategySnapshot{
			{ID: 0, Name: "mm", Book: "b", Positions: []engine.PositionSnapshot{
				{Instrument: 1, Position: domain.Position{Qty: -12_345, Cost: -30_000_000_000}, Mark: 25_002, Unrealized: 12},
				{Instrument: 0, Position: domain.Position{Realized: 5}},
			}},
			{ID: 1, Name: "zz", Book: "a"},
			{ID: 2, Name: "aa", Book: "b", NodeSnapshot: engine.NodeSnapshot{State: domain.Halted,
				Breakers: []risk.Breaker{risk.BreakerDailyLoss, risk.BreakerJournal}}},
		},
		Books:         []engine.BookSnapshot{{ID: "b", InTree: true, NodeSnapshot: engine.NodeSnapshot{State: domain.Active}}, {ID: "a", InTree: true, NodeSnapshot: engine.NodeSnapshot{State: domain.ReduceOnly}}, {ID: "c"}},
		Venues:        []engine.VenueSnapshot{{ID: 0, Name: "sim", Connected: true}, {ID: 2, Name: "other"}},
		Latency:       []engine.StageLatency{{Stage: engine.StageInbox, Count: 1}, {Stage: engine.StageAck, Count: 2, Recent: engine.LatencyWindow{Count: 1, Max: 7}}},
		LatencyWindow: 1500*time.Millisecond + 999_999,
		Journal:       engine.JournalHealth{Down: true, Err: errors.New("disk")},
	}
	st := wire.Status(s, n)
	var order []string
	for _, x := range st.Strategies {
		order = append(order, x.Book+"/"+x.ID)
	}
	if got := join(order); got != "a/zz b/aa b/mm" {
		t.Errorf("strategies %s", got)
	}
	mm := st.Strategies[2]
	if len(mm.Positions) != 2 || mm.Positions[0].Instrument != "BTC-USD" || mm.Positions[1] != (protocol.Position{
		Instrument: "ETH-USD", Quantity: "-1.2345", AvgPrice: "243.0", Mark: "2500.2", RealizedPnL: "0", UnrealizedPnL: "0.00000012",
	}) {
		t.Errorf("positions %+v", mm.Positions)
	}
	if p := mm.Positions[0]; p.AvgPrice != "" || p.Mark != "" || p.Quantity != "0.000" {
		t.Errorf("flat position without a mark: %+v", p)
	}
	if aa := st.Strategies[1]; aa.State != "halted" || join(aa.Breakers) != "daily-loss journal-error" || aa.Positions == nil {
		t.Errorf("aa %+v", aa)
	}
	var books []string
	for _, b := range st.Books {
		books = append(books, b.ID+":"+b.State)
	}
	if got := join(books); got != "a:reduce-only b:active c:" {
		t.Errorf("books %s", got)
	}
	if len(st.Venues) != 2 || !reflect.DeepEqual(st.Venues[0], protocol.Venue{Name: "sim", Connected: true}) || st.Venues[1].Name != "other" {
		t.Errorf("venues %+v", st.Venues)
	}
	if len(st.Latency) != 2 || st.Latency[0].Stage != "inbox" || st.Latency[0].Recent != nil ||
		st.Latency[1].Stage != "venue-ack" || st.Latency[1].Recent == nil || *st.Latency[1].Recent != (protocol.LatencySummary{WindowMS: 1500, Count: 1, Max: 7}) {
		t.Errorf("latency %+v", st.Latency)
	}
	if st.Journal != (protocol.Journal{State: "down", Error: "disk"}) || st.Time != "2023-11-14T22:13:20.000000001Z" {
		t.Errorf("journal %+v time %s", st.Journal, st.Time)
	}
	// Empty lists keep their spelling: positions and latency [], the
	// others null, breakers absent.
	data, err := json.Marshal(wire.Status(&engine.Snapshot{Time: time.Unix(0, 0), Firm: engine.NodeSnapshot{State: domain.Active},
		Strategies: []engine.StrategySnapshot{{Name: "x", NodeSnapshot: engine.NodeSnapshot{State: domain.Active}}}}, n))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"time":"1970-01-01T00:00:00Z","firm":{"state":"active","realized_pnl":"0","unrealized_pnl":"0","open_orders":0,"orders_sent":0,"fills":0},` +
		`"books":null,"strategies":[{"id":"x","kind":"","book":"","state":"active","positions":[],"realized_pnl":"0","unrealized_pnl":"0","open_orders":0,"orders_sent":0,"fills":0,"denials":0}],` +
		`"venues":null,"journal":{"state":"up","pending":0},"latency":[]}`
	if string(data) != want {
		t.Errorf("empty status\n%s\nwant\n%s", data, want)
	}
}

func TestOrderOfAnUnknownInstrument(t *testing.T) {
	n := names(t)
	o := domain.Order{ID: domain.MakeOrderID(1, 7, 3), Strategy: 7, Instrument: 9, State: domain.StateRejected, Qty: 5}
	if got := wire.Order(&o, n); got != (protocol.Order{ClientOrderID: o.ID.String(), Strategy: "unknown", State: "rejected"}) {
		t.Errorf("order %+v", got)
	}
	o.Instrument, o.Venue, o.Stamps.Routed = 1, 1, 1
	if got := wire.Order(&o, n); got.Venue != "venue-1" || got.Instrument != "ETH-USD" || got.Quantity != "0.0005" {
		t.Errorf("order %+v", got)
	}
	if got := wire.Orders(engine.OrdersPage{}, n); got.Orders == nil {
		t.Errorf("an empty page renders as null orders")
	}
	if got := wire.Audit(nil, n); got.Entries == nil {
		t.Errorf("an empty audit renders as null entries")
	}
}

func TestResults(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want int64
	}{{0, 0}, {-1, 0}, {1, 1}, {999, 1}, {1500 * time.Nanosecond, 1}, {2 * time.Millisecond, 2000}} {
		if got := wire.CommitUS(c.d); got != c.want {
			t.Errorf("CommitUS(%s) = %d, want %d", c.d, got, c.want)
		}
	}
	if r := wire.ResetResult(engine.ResetResult{Node: "firm", State: domain.Active}); r.Cleared == nil || r.State != "active" {
		t.Errorf("reset %+v", r)
	}
	k, _ := risk.ParseKey("max_position")
	l := wire.LimitsSetResult(engine.LimitChange{Node: "mm", Key: k, Old: decimal.RequireFromString("1.50"), New: decimal.Zero, CommitWait: 3 * time.Microsecond})
	if !reflect.DeepEqual(l, protocol.LimitsSetResult{Node: "mm", Key: "max_position", Old: "1.5", New: "0", CommitUS: 3}) {
		t.Errorf("limits.set %+v", l)
	}
	a := wire.Alert(engine.Alert{Time: 1_700_000_000_000_000_000, Severity: "info", Message: "m"})
	if a != (protocol.Alert{Time: "2023-11-14T22:13:20Z", Severity: "info", Message: "m"}) {
		t.Errorf("alert %+v", a)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

// TestNodeDetailAndVenueFields renders what the trading desk reads of a
// node and a venue: its last state change, its trips, its limits' use in
// each key's unit, a strategy's denials and times, a venue's execution
// and its feed's last message.
func TestNodeDetailAndVenueFields(t *testing.T) {
	n := names(t)
	at := int64(1_700_000_000_000_000_000)
	x := engine.StrategySnapshot{Name: "mm", NodeSnapshot: engine.NodeSnapshot{State: domain.Halted,
		Changed: risk.Change{State: domain.Halted, Who: "uid 0 (root)", Why: "lunch", At: at},
		Trips:   []risk.TripRecord{{Breaker: risk.BreakerDailyLoss, At: at, Detail: "daily loss 5 over 4"}},
		Use: []risk.LimitUse{
			{Key: risk.MaxPosition, Instrument: 1, Limit: 20_000, Used: 15_000},
			{Key: risk.MaxDailyLoss, Limit: 4e8, Used: 5e8},
			{Key: risk.MaxOpenOrders, Limit: 10, Used: 3},
		}},
		Denials: 2, LastDenial: "max-position", LastDenialAt: at, LastOrder: at, TickToOrderP99: 1234}
	st := wire.Status(&engine.Snapshot{Time: time.Unix(0, at), Strategies: []engine.StrategySnapshot{x},
		Venues: []engine.VenueSnapshot{{Name: "sim", Execution: "paper", Feed: &domain.FeedStats{Protocol: "binance", LastMessage: at}}}}, n)
	s := st.Strategies[0]
	stamp := "2023-11-14T22:13:20Z"
	want := protocol.NodeDetail{
		Changed: &protocol.StateChange{State: "halted", Who: "uid 0 (root)", Time: stamp, Why: "lunch"},
		Trips:   []protocol.Trip{{Breaker: "daily-loss", Time: stamp, Detail: "daily loss 5 over 4"}},
		Use: []protocol.LimitUse{
			{Key: "max_position", Instrument: "ETH-USD", Limit: "2.0000", Used: "1.5000", Ratio: 0.75}, // at the instrument's scale, as positions
			{Key: "max_daily_loss", Limit: "4", Used: "5", Ratio: 1.25},
			{Key: "max_open_orders", Limit: "10", Used: "3", Ratio: 0.3},
		},
	}
	if !reflect.DeepEqual(s.NodeDetail, want) {
		t.Fatalf("node detail\n%+v\nwant\n%+v", s.NodeDetail, want)
	}
	if s.Denials != 2 || s.LastDenial != "max-position" || s.LastDenialAt != stamp || s.LastOrder != stamp || s.TickToOrderP99 != 1234 {
		t.Fatalf("strategy %+v", s)
	}
	if v := st.Venues[0]; v.Execution != "paper" || v.Feed.LastMessage != stamp {
		t.Fatalf("venue %+v feed %+v", v, v.Feed)
	}
	if none := wire.Status(&engine.Snapshot{Strategies: []engine.StrategySnapshot{{Name: "x"}}}, n).Strategies[0]; none.Changed != nil ||
		none.Trips != nil || none.Use != nil || none.LastOrder != "" || none.LastDenialAt != "" {
		t.Fatalf("a node with nothing to say says %+v", none)
	}
}

// TestLimitsNameEveryKey: limits.get lists every key, in risk's order.
func TestLimitsNameEveryKey(t *testing.T) {
	r := wire.Limits(engine.Limits{})
	if len(r.Keys) != len(risk.Keys()) || r.Keys[0] != "max_order_qty" || r.Keys[len(r.Keys)-1] != "max_denials_per_min" {
		t.Fatalf("keys %v", r.Keys)
	}
}

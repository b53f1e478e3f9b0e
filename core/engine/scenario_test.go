package engine

import (
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/risk"
)

// scenario is an engine in a varied state for the rendering tests: two
// books (and one strategy in a book the tree lacks a limit for), three
// strategies, two instruments of different scales (and an order for an unknown one), venues with a gap in
// their ids and one of them down, tripped and reset breakers, fills and
// denials, latency in both the since-start and recent figures, and a
// journal that is down. Everything is driven on the caller's goroutine, so
// the state is the same every run.
type scenario struct {
	eng    *Engine
	alerts []Alert // every alert, in order

	// results of the commands the scenario ran, in order: a StateChange,
	// a KillResult, a ResetResult, and a LimitChange.
	results []any
}

func newScenario(t testing.TB) *scenario {
	t.Helper()
	btc, err := domain.NewInstrument(0, domain.InstrumentSpec{
		Symbol: "BTC-USD", Class: "crypto", TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("0.001"),
	})
	if err != nil {
		t.Fatal(err)
	}
	eth, err := domain.NewInstrument(1, domain.InstrumentSpec{
		Symbol: "ETH-USD", Class: "crypto", TickSize: decimal.RequireFromString("0.1"), LotSize: decimal.RequireFromString("0.0001"),
	})
	if err != nil {
		t.Fatal(err)
	}
	insts := []domain.Instrument{btc, eth}
	maxQty := lims(t, "max_order_qty", "3")
	tree, err := risk.NewTree(risk.Config{
		Instruments: insts,
		Firm:        risk.NodeConfig{Name: risk.FirmNode, Limits: risk.NodeLimits{Base: lims(t, "max_daily_loss", "100000")}},
		Books: []risk.NodeConfig{{Name: "zeta"}, {Name: "alpha", Limits: risk.NodeLimits{
			Base:       lims(t, "max_position", "50"),
			Class:      map[string]risk.Limits{"crypto": lims(t, "max_order_qty", "20")},
			Instrument: map[string]risk.Limits{"ETH-USD": lims(t, "max_order_qty", "10.5")},
		}}},
		Strategies: []risk.StrategyConfig{
			{ID: 0, Name: "mm", Book: "alpha", Instruments: []domain.InstrumentID{0, 1}},
			{ID: 1, Name: "arb", Book: "zeta", Instruments: []domain.InstrumentID{1}, Limits: risk.NodeLimits{Base: maxQty}},
			{ID: 3, Name: "aa", Book: "alpha", Instruments: []domain.InstrumentID{0}},
		},
		Caps: lims(t, "max_order_qty", "100", "max_position", "1000"),
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &scenario{}
	clock := int64(1_700_000_000_123_456_789)
	e, err := New(Options{
		Instruments: insts,
		Venues:      []VenueSlot{{ID: 0, Name: "sim", Venue: &recVenue{}}, {ID: 2, Name: "other", Venue: &recVenue{}}},
		Strategies: []StrategySlot{
			{ID: 3, Name: "aa", Kind: "taker", Book: "alpha", Host: nopHost{}, Instruments: []domain.InstrumentID{0}},
			{ID: 0, Name: "mm", Kind: "maker", Book: "alpha", Host: nopHost{}, Instruments: []domain.InstrumentID{0, 1}},
			{ID: 1, Name: "arb", Kind: "arb", Book: "zeta", Host: nopHost{}, Instruments: []domain.InstrumentID{1}},
		},
		Risk:    tree,
		Journal: &memJournal{},
		Epoch:   9,
		Clock:   func() time.Time { clock += 1_001; return time.Unix(0, clock) },
		OnAlert: func(a Alert) { s.alerts = append(s.alerts, a) },
		JournalHealth: func() JournalHealth {
			return JournalHealth{Down: true, Pending: 17, Err: errors.New("write journal: no space left on device")}
		},
		UncleanStart:  true,
		LatencyWindow: 2500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.eng = e
	step := func() { e.now = e.clock().UnixNano() }
	book := func(i domain.InstrumentID, bid, ask domain.Price) {
		b := domain.BookUpdate{Instrument: i, Venue: 0, Seq: 1, NBids: 1, NAsks: 1}
		b.Bids[0] = domain.Level{Price: bid, Qty: 100_000}
		b.Asks[0] = domain.Level{Price: ask, Qty: 100_000}
		step()
		e.onBook(&b)
	}
	order := func(sid domain.StrategyID, i domain.InstrumentID, side domain.Side, typ domain.OrderType, px domain.Price, qty domain.Qty) domain.OrderID {
		in := domain.Intent{Kind: domain.IntentNew, ID: e.NextOrderID(sid), Strategy: sid, Instrument: i,
			Side: side, Type: typ, TIF: domain.GTC, Price: px, Qty: qty}
		if typ == domain.Market {
			in.Price, in.TIF = 0, domain.IOC
		}
		step()
		e.onIntent(&in)
		return in.ID
	}
	report := func(r domain.ExecReport) { step(); e.onReport(&r) }
	book(0, 10_000, 10_002)
	book(1, 25_001, 25_003)

	a := order(0, 0, domain.Buy, domain.Limit, 10_000, 5_000)
	report(domain.ExecReport{Kind: domain.ExecAck, OrderID: a, VenueOrderID: 1})
	report(domain.ExecReport{Kind: domain.ExecFill, OrderID: a, LastPx: 9_999, LastQty: 2_000, TradeID: 1, Fee: 3})
	report(domain.ExecReport{Kind: domain.ExecFill, OrderID: a, LastPx: 10_000, LastQty: 1_000, TradeID: 2})
	b := order(0, 1, domain.Sell, domain.Limit, 25_003, 12_345)
	report(domain.ExecReport{Kind: domain.ExecAck, OrderID: b, VenueOrderID: 2})
	report(domain.ExecReport{Kind: domain.ExecFill, OrderID: b, LastPx: 25_003, LastQty: 12_345, TradeID: 3})
	c := order(1, 1, domain.Buy, domain.Limit, 25_000, 20_000)
	report(domain.ExecReport{Kind: domain.ExecAck, OrderID: c, VenueOrderID: 3})
	report(domain.ExecReport{Kind: domain.ExecFill, OrderID: c, LastPx: 24_999, LastQty: 7, TradeID: 4})
	order(1, 1, domain.Buy, domain.Limit, 25_000, 40_000) // denied: max_order_qty 3
	d := order(3, 0, domain.Sell, domain.Limit, 10_005, 1)
	report(domain.ExecReport{Kind: domain.ExecAck, OrderID: d, VenueOrderID: 4})
	report(domain.ExecReport{Kind: domain.ExecCanceled, OrderID: d})
	order(3, 0, domain.Buy, domain.Market, 0, 2)
	order(3, 7, domain.Buy, domain.Limit, 10_000, 1) // unknown instrument
	book(0, 10_100, 10_104)

	step()
	r, err := e.setState("zeta", domain.Halted, "uid 1 (op)", "lunch")
	s.results = append(s.results, r)
	if err != nil {
		t.Fatal(err)
	}
	step()
	k, err := e.kill("arb", "uid 2 (boss)", "")
	s.results = append(s.results, k)
	if err != nil {
		t.Fatal(err)
	}
	step()
	e.command(&command{kind: cmdVenueState, venue: 2, flag: false})
	step()
	e.command(&command{kind: cmdVenueState, venue: 2, flag: true})
	step()
	rs, err := e.reset(risk.FirmNode, "", "uid 1 (op)", "venue back")
	s.results = append(s.results, rs)
	if err != nil {
		t.Fatal(err)
	}
	step()
	e.command(&command{kind: cmdVenueState, venue: 0, flag: false})
	step()
	ls, err := e.limitsSet(&command{node: "alpha", scope: "instrument:BTC-USD", key: "max_order_qty", value: "7.25", who: "uid 1 (op)", why: "wider"})
	s.results = append(s.results, ls)
	if err != nil {
		t.Fatal(err)
	}
	step()
	e.journalDown = true
	if _, err = e.reset(risk.FirmNode, "", "uid 1 (op)", "refused"); !errors.Is(err, ErrJournalDown) {
		t.Fatalf("reset while the journal is down: %v", err)
	}
	e.journalDown = false

	e.latency = newLatency(int64(e.opts.LatencyWindow)) // deterministic figures only
	e.latency.rotate(1)
	for v := int64(1); v <= 100; v++ {
		e.latency.record(StageInbox, 1_000, 1_000+v*137)
		e.latency.record(StageTickToOrder, 1_000, 1_000+v*v*3_001)
	}
	e.latency.rotate(1 + int64(2500*time.Millisecond))
	e.latency.record(StageInbox, 1_000, 1_000+99_999)
	e.latency.record(StageAck, 1_000, 1_000+123_456_789)
	step()
	e.publish()
	e.handView()
	return s
}

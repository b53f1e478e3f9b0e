package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/desk-trading/desk/core/protocol"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares got with testdata/golden/name.golden, or rewrites it
// with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (go test ./tui -run %s -update rewrites it):\n--- got\n%s\n--- want\n%s", name, path, t.Name(), got, want)
	}
}

// richStatus is a desk with every kind of node detail: a halted book, a
// breaker, denials, limits in use, a live and a simulated venue with
// feeds, and latency.
func richStatus() *protocol.Status {
	st := &protocol.Status{
		Time: "2026-03-01T12:00:10Z",
		Firm: protocol.Firm{State: stateActive,
			Totals:     protocol.Totals{RealizedPnL: "1234.5", UnrealizedPnL: "-12.004", OpenOrders: 6, OrdersSent: 4500, Fills: 21},
			NodeDetail: protocol.NodeDetail{Use: []protocol.LimitUse{{Key: "max_daily_loss", Limit: "50000", Used: "0", Ratio: 0}}},
		},
		Books: []protocol.Book{
			{ID: "crypto", State: stateActive, Totals: protocol.Totals{RealizedPnL: "1250", UnrealizedPnL: "10", OpenOrders: 4}},
			{ID: "arb", State: stateHalted, Totals: protocol.Totals{RealizedPnL: "-15.5", UnrealizedPnL: "-22.004", OpenOrders: 2},
				NodeDetail: protocol.NodeDetail{Changed: &protocol.StateChange{State: stateHalted, Who: "uid 0 (root)", Time: "2026-03-01T07:28:01Z", Why: "venue outage"}}},
		},
		Strategies: []protocol.Strategy{
			{ID: "mm-eth", Kind: "mm", Book: "crypto", State: stateActive,
				Positions: []protocol.Position{{Instrument: "ETH-USD", Quantity: "-2.000", AvgPrice: "3000", Mark: "2995", RealizedPnL: "-250.125", UnrealizedPnL: "10"}},
				Totals:    protocol.Totals{RealizedPnL: "-250.125", UnrealizedPnL: "10", OpenOrders: 2, OrdersSent: 1500, Fills: 7},
				Denials:   12, LastDenial: "max_position", LastDenialAt: "2026-03-01T12:00:08Z", LastOrder: "2026-03-01T12:00:09.5Z", TickToOrderP99: 41200,
				NodeDetail: protocol.NodeDetail{Use: []protocol.LimitUse{
					{Key: "max_position", Instrument: "ETH-USD", Limit: "10", Used: "7.3", Ratio: 0.73},
					{Key: "max_orders_per_sec", Limit: "50", Used: "12", Ratio: 0.24},
				}}},
			{ID: "mm-btc", Kind: "mm", Book: "crypto", State: stateReduceOnly, Breakers: []string{"max_daily_loss"},
				Positions: []protocol.Position{{Instrument: "BTC-USD", Quantity: "0.50000000", AvgPrice: "60000", Mark: "60100", RealizedPnL: "1500", UnrealizedPnL: "0"},
					{Instrument: "SOL-USD", Quantity: "12", AvgPrice: "150", Mark: "151", RealizedPnL: "0", UnrealizedPnL: "12"}},
				Totals:    protocol.Totals{RealizedPnL: "1500", UnrealizedPnL: "0", OpenOrders: 2, OrdersSent: 1500, Fills: 7},
				LastOrder: "2026-03-01T11:58:00Z",
				NodeDetail: protocol.NodeDetail{
					Trips: []protocol.Trip{{Breaker: "max_daily_loss", Time: "2026-03-01T11:59:00Z", Detail: "loss 4,100 past 4,000"}},
					Use:   []protocol.LimitUse{{Key: "max_daily_loss", Limit: "4000", Used: "4100", Ratio: 1.025}},
				}},
			{ID: "tri-1", Kind: "tri", Book: "arb", State: stateActive,
				Totals: protocol.Totals{RealizedPnL: "-15.5", UnrealizedPnL: "-22.004", OpenOrders: 2, OrdersSent: 1500, Fills: 7}},
		},
		Venues: []protocol.Venue{
			{Name: "binance", Connected: true, Execution: "live",
				Feed:   &protocol.Feed{Protocol: "binance", Connected: true, Frames: 120000, Gaps: 1, Resyncs: 1, Reconnects: 2, LastMessage: "2026-03-01T12:00:09.9Z"},
				Budget: &protocol.Budget{Orders10s: 45, Orders10sLimit: 50, Weight1m: 300, Weight1mLimit: 6000}},
			{Name: "sim-a", Connected: true, Execution: "sim"},
			{Name: "sim-b", Connected: false, Execution: "sim"},
		},
		Latency: []protocol.StageLatency{
			{Stage: "feed", Count: 100000, P50: 371, P99: 2100, P999: 9000, Max: 50000},
			{Stage: "risk", Count: 90000, P50: 800, P99: 58900, P999: 120000, Max: 800000,
				Recent: &protocol.LatencySummary{WindowMS: 10000, Count: 900, P50: 800, P99: 40000, P999: 100000, Max: 500000}},
			{Stage: "venue-ack", Count: 4500, P50: 1200000, P99: 7240000, P999: 12000000, Max: 30000000},
			{Stage: "tick-to-order", Count: 4500, P50: 9000, P99: 41200, P999: 90000, Max: 400000},
		},
	}
	return st
}

// richOrders is the first push of the orders stream for richStatus.
func richOrders() *protocol.OrdersUpdate {
	o := func(id, strat, venue, side, price, qty, filled, state, created string) protocol.Order {
		return protocol.Order{ClientOrderID: id, Strategy: strat, Venue: venue, Instrument: "ETH-USD", Side: side, Type: "limit",
			TimeInForce: "gtc", Price: price, Quantity: qty, FilledQuantity: filled, State: state,
			Created: "2026-03-01T" + created + "Z", Updated: "2026-03-01T" + created + "Z"}
	}
	return &protocol.OrdersUpdate{Reset: true, Orders: []protocol.Order{
		o("mm-eth-1", "mm-eth", "binance", "buy", "2990", "1", "0", "open", "12:00:01"),
		o("mm-eth-2", "mm-eth", "sim-a", "sell", "3010", "1", "0.5", "partially-filled", "12:00:02"),
		o("mm-btc-7", "mm-btc", "binance", "sell", "60500", "0.1", "0.1", "filled", "11:59:00"),
		o("tri-1-3", "tri-1", "sim-a", "buy", "2995", "2", "0", "open", "12:00:03"),
	}}
}

func ordersEnv(u *protocol.OrdersUpdate) protocol.Envelope {
	return protocol.Envelope{V: protocol.Version, Type: protocol.TypeOrders, Orders: u}
}

// bigStatus is a desk of n strategies in ten books, each with a position
// and limits in use.
func bigStatus(n int) *protocol.Status {
	st := richStatus()
	st.Strategies = st.Strategies[:0]
	st.Books = st.Books[:0]
	for b := range 10 {
		st.Books = append(st.Books, protocol.Book{ID: fmt.Sprintf("book-%d", b), State: stateActive})
	}
	for i := range n {
		st.Strategies = append(st.Strategies, protocol.Strategy{
			ID: fmt.Sprintf("strat-%03d", i), Kind: "mm", Book: fmt.Sprintf("book-%d", i%10), State: stateActive,
			Positions: []protocol.Position{{Instrument: "BTC-USD", Quantity: fmt.Sprint(i % 7), AvgPrice: "60000", Mark: "60100", RealizedPnL: fmt.Sprint(i * 3), UnrealizedPnL: "1.5"}},
			Totals:    protocol.Totals{RealizedPnL: fmt.Sprint(i * 3), UnrealizedPnL: "1.5", OpenOrders: 10, OrdersSent: int64(i * 100), Fills: int64(i * 9)},
			Denials:   int64(i % 3), LastDenial: "max_position", LastOrder: "2026-03-01T12:00:09Z", TickToOrderP99: int64(30000 + i),
			NodeDetail: protocol.NodeDetail{Use: []protocol.LimitUse{{Key: "max_position", Instrument: "BTC-USD", Limit: "10", Used: fmt.Sprint(i % 7), Ratio: float64(i%7) / 10}}},
		})
	}
	return st
}

// bigOrders is n working orders spread over the strategies of bigStatus.
func bigOrders(n, strategies int) *protocol.OrdersUpdate {
	u := &protocol.OrdersUpdate{Reset: true}
	for i := range n {
		u.Orders = append(u.Orders, protocol.Order{
			ClientOrderID: fmt.Sprintf("strat-%03d-%d", i%strategies, i), Strategy: fmt.Sprintf("strat-%03d", i%strategies),
			Venue: "binance", Instrument: "BTC-USD", Side: []string{"buy", "sell"}[i%2], Type: "limit", TimeInForce: "gtc",
			Price: fmt.Sprint(60000 + i%100), Quantity: "0.01", FilledQuantity: "0", State: "open",
			Created: fmt.Sprintf("2026-03-01T11:%02d:%02d.%03dZ", i/3600%60, i/60%60, i%1000), Updated: "2026-03-01T12:00:00Z",
		})
	}
	return u
}

// lines splits a screen into its lines.
func lines(s string) []string { return strings.Split(s, "\n") }

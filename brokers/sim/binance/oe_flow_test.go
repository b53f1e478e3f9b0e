package binance_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/brokers/sim"
)

// TestTradingAgainstTheFlow: with background flow and fees, orders trade
// with the flow's; whatever happened, the record adds up: each order's
// executed quantity and quote are the sums of its trades, and the
// balances moved by the trades and their commissions, with nothing left
// locked once no order is open.
func TestTradingAgainstTheFlow(t *testing.T) {
	f := oeStart(t, oeConfig{fees: sim.Fees{MakerBps: dec("-1"), TakerBps: dec("5")},
		flow: sim.FlowOptions{OpsPerTick: 20, Interval: time.Millisecond, Volatility: 2, Levels: 10, MaxLots: 200}})
	w := f.dialWSAPI()
	w.answer(w.send("userDataStream.subscribe.signature", keyA, map[string]string{}))
	for i := range 20 {
		side := api.SideBuy
		if i%2 == 1 {
			side = api.SideSell
		}
		if i%4 < 2 {
			f.place(keyA, api.NewOrder{Symbol: "BTCUSD", Side: side, Type: api.TypeMarket, Quantity: "0.050"}.Params())
			continue
		}
		// At the fair value: rests, and the flow's takers fill it.
		f.place(keyA, limit(side, "30000.00", "0.050", ""))
	}
	time.Sleep(200 * time.Millisecond) // let the flow trade with what rests
	r := f.call(http.MethodGet, api.PathOpenOrders, keyA, nil)
	open, _ := api.DecodeOrders(r.body)
	for _, o := range open {
		f.call(http.MethodDelete, api.PathOrder, keyA, api.Params{{Key: "symbol", Value: "BTCUSD"}, {Key: "orderId", Value: i64(o.OrderID)}})
	}
	all, _ := api.DecodeOrders(f.call(http.MethodGet, api.PathAllOrders, keyA, api.Params{{Key: "symbol", Value: "BTCUSD"}}).body)
	trades, _ := api.DecodeTrades(f.call(http.MethodGet, api.PathMyTrades, keyA, api.Params{{Key: "symbol", Value: "BTCUSD"}, {Key: "limit", Value: "1000"}}).body)
	if len(all) != 20 || len(trades) == 0 {
		t.Fatalf("%d orders, %d trades", len(all), len(trades))
	}
	qty, quote := map[int64]decimal.Decimal{}, map[int64]decimal.Decimal{}
	btc, usd := dec("10"), dec("1000000")
	for _, tr := range trades {
		q, qq, c := dec(tr.Qty), dec(tr.QuoteQty), dec(tr.Commission)
		qty[tr.OrderID], quote[tr.OrderID] = qty[tr.OrderID].Add(q), quote[tr.OrderID].Add(qq)
		if tr.IsBuyer {
			btc, usd = btc.Add(q), usd.Sub(qq).Sub(c)
		} else {
			btc, usd = btc.Sub(q), usd.Add(qq).Sub(c)
		}
	}
	for _, o := range all {
		if !o.Status.Final() || !dec(o.ExecutedQty).Equal(qty[o.OrderID]) || !dec(o.CummulativeQuoteQty).Equal(quote[o.OrderID]) {
			t.Errorf("order %d: %s executed %s quote %s, trades %s %s", o.OrderID, o.Status, o.ExecutedQty,
				o.CummulativeQuoteQty, qty[o.OrderID], quote[o.OrderID])
		}
	}
	bf, bl := f.balance(keyA, "BTC")
	uf, ul := f.balance(keyA, "USD")
	if !bl.IsZero() || !ul.IsZero() || !bf.Equal(btc) || !uf.Equal(usd) {
		t.Fatalf("balances BTC %s/%s want %s, USD %s/%s want %s", bf, bl, btc, uf, ul, usd)
	}
	// The stream saw every trade once (a trade of A with itself, which
	// the venue does not prevent, is two: one per side).
	type fill struct {
		id   int64
		side api.Side
	}
	seen := map[fill]bool{}
	for range trades {
		rep := w.report("a TRADE", func(r api.ExecutionReport) bool {
			return r.ExecutionType == api.ExecTrade && !seen[fill{r.TradeID, r.Side}]
		})
		seen[fill{rep.TradeID, rep.Side}] = true
	}
}

package binance_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/brokers/sim/binance"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
)

// TestRestartKeepsTheRecord: orders, trades and balances outlive a
// restart of the venue on the same state dir; the resting order goes
// back to the book for what it has left and trades there; ids continue.
func TestRestartKeepsTheRecord(t *testing.T) {
	dir := t.TempDir()
	f := oeStart(t, oeConfig{dir: dir})
	buy := f.place(keyA, limit(api.SideBuy, "30000.00", "1.000", "keep-1"))
	f.place(keyB, limit(api.SideSell, "30000.00", "0.250", "b-1"))
	// The taker's answer may leave before the maker's fill is booked, as
	// at Binance: wait for the resting order to show it.
	desktest.Eventually(t, waitFor, "the maker's fill to be booked", func() bool {
		_, locked := f.balance(keyA, "USD")
		return locked.Equal(dec("22500"))
	})
	usdBefore, lockedBefore := f.balance(keyA, "USD")
	f.stop()

	g := oeStart(t, oeConfig{dir: dir})
	r := g.call(http.MethodGet, api.PathOpenOrders, keyA, nil)
	open, _ := api.DecodeOrders(r.body)
	if len(open) != 1 || open[0].OrderID != buy.OrderID || open[0].ExecutedQty != "0.25000000" || open[0].ClientOrderID != "keep-1" {
		t.Fatalf("open after restart: %s", r.body)
	}
	if free, locked := g.balance(keyA, "USD"); !free.Equal(usdBefore) || !locked.Equal(lockedBefore) {
		t.Fatalf("USD after restart %s/%s, before %s/%s", free, locked, usdBefore, lockedBefore)
	}
	r = g.call(http.MethodGet, api.PathMyTrades, keyA, api.Params{{Key: "symbol", Value: "BTCUSD"}})
	if ts, _ := api.DecodeTrades(r.body); len(ts) != 1 || ts[0].ID != 1 {
		t.Fatalf("trades after restart: %s", r.body)
	}
	s := g.place(keyB, limit(api.SideSell, "30000.00", "0.750", "b-2"))
	if s.Status != api.StatusFilled || s.OrderID <= buy.OrderID || len(s.Fills) != 1 || s.Fills[0].TradeID != 2 {
		t.Fatalf("sell into the restored order: %+v", s)
	}
	// As above: the taker's answer may leave before the maker's fill is
	// booked.
	var o api.Order
	desktest.Eventually(t, waitFor, "the restored maker's fill to be booked", func() bool {
		r = g.call(http.MethodGet, api.PathOrder, keyA, api.Params{{Key: "symbol", Value: "BTCUSD"}, {Key: "origClientOrderId", Value: "keep-1"}})
		o, _ = api.DecodeOrder(r.body)
		return o.Status == api.StatusFilled
	})
	if o.ExecutedQty != "1.00000000" || o.CummulativeQuoteQty != "30000.00000000" {
		t.Fatalf("restored order after its fill: %s", r.body)
	}
	if free, locked := g.balance(keyA, "USD"); !locked.IsZero() || !free.Equal(dec("970000")) {
		t.Fatalf("USD at the end: %s/%s", free, locked)
	}
	if free, _ := g.balance(keyA, "BTC"); !free.Equal(dec("11")) {
		t.Fatalf("BTC at the end: %s", free)
	}
}

// TestSecondVenueOnTheSameStateFails: the record is locked by the venue
// that holds it; another fails within about a second rather than share it.
func TestSecondVenueOnTheSameStateFails(t *testing.T) {
	f := oeStart(t, oeConfig{})
	t0 := time.Now()
	_, err := binance.New(binance.Options{Instruments: oeInstruments(t), Accounts: []api.Credentials{f.creds[keyA]},
		StateDir: f.dir, Reports: make(chan domain.ExecReport)})
	if err == nil || time.Since(t0) > 3*time.Second {
		t.Fatalf("second venue: %v after %v", err, time.Since(t0))
	}
}

package binance_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gobinance "github.com/adshao/go-binance/v2"
	"github.com/adshao/go-binance/v2/common"
	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/brokers/sim/binance"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
)

// This file is issue 9's acceptance check: a maintained third-party
// Binance client, github.com/adshao/go-binance/v2, reads the simulated
// venue's exchangeInfo, depth and streams with nothing changed but its
// base URLs (Client.BaseURL and the package's BaseWsMainURL and
// BaseCombinedMainURL, its documented knobs).

// tpWait bounds each wait of this file; the whole test stays well under it
// twice over in practice.
const tpWait = 5 * time.Second

// tpRecorder keeps every full book the venue hands the server, by
// instrument and update id, so the test can compare what the library read
// with the venue's book at that same version.
type tpRecorder struct {
	*binance.Server
	mu    sync.Mutex
	books map[domain.InstrumentID]map[uint64]sim.Depth
}

func (r *tpRecorder) Depth(d *sim.Depth) {
	c := *d
	c.Bids, c.Asks = slices.Clone(d.Bids), slices.Clone(d.Asks)
	r.mu.Lock()
	if r.books[d.Instrument] == nil {
		r.books[d.Instrument] = map[uint64]sim.Depth{}
	}
	r.books[d.Instrument][d.UpdateID] = c
	r.mu.Unlock()
	r.Server.Depth(d)
}

func (r *tpRecorder) at(in domain.InstrumentID, id uint64) (sim.Depth, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.books[in][id]
	return d, ok
}

// tpInstrument is one listed instrument and its Binance name.
type tpInstrument struct {
	domain.Instrument
	name string
}

type tpFixture struct {
	base  string // host:port
	venue *sim.Venue
	rec   *tpRecorder
	ins   []tpInstrument
}

// tpStart runs a venue with two instruments of different scales and
// background flow (takers included: the default TakerPct), and the server
// on a loopback port.
func tpStart(t *testing.T) *tpFixture {
	t.Helper()
	specs := []struct {
		spec  domain.InstrumentSpec
		name  string
		price domain.Price
	}{
		{domain.InstrumentSpec{Symbol: "AAA-USD", Base: "AAA", Quote: "USD",
			TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("1")}, "AAAUSD", 10000},
		{domain.InstrumentSpec{Symbol: "BBB-USDT", Base: "BBB", Quote: "USDT",
			TickSize: decimal.RequireFromString("0.5"), LotSize: decimal.RequireFromString("0.001")}, "BBBUSDT", 20000},
	}
	var ins []domain.Instrument
	var sims []sim.SimInstrument
	var tps []tpInstrument
	for i, s := range specs {
		in, err := domain.NewInstrument(domain.InstrumentID(i), s.spec)
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, in)
		sims = append(sims, sim.SimInstrument{Instrument: in, InitialPrice: s.price})
		tps = append(tps, tpInstrument{Instrument: in, name: s.name})
	}
	srv, err := binance.New(binance.Options{Instruments: ins})
	if err != nil {
		t.Fatal(err)
	}
	rec := &tpRecorder{Server: srv, books: map[domain.InstrumentID]map[uint64]sim.Depth{}}
	v, err := sim.New(sim.Options{Instruments: sims, Reports: make(chan domain.ExecReport, 1<<16), Market: rec,
		Flow: sim.FlowOptions{OpsPerTick: 10, Interval: time.Millisecond, Volatility: 1, Levels: 10}})
	if err != nil {
		t.Fatal(err)
	}
	return &tpFixture{base: run(t, srv, v), venue: v, rec: rec, ins: tps}
}

// tpEndpoints points the library's websocket endpoints at the server for
// the test's duration.
func tpEndpoints(t *testing.T, base string) {
	ws, combined := gobinance.BaseWsMainURL, gobinance.BaseCombinedMainURL
	gobinance.BaseWsMainURL = "ws://" + base + "/ws"
	gobinance.BaseCombinedMainURL = "ws://" + base + "/stream?streams="
	t.Cleanup(func() { gobinance.BaseWsMainURL, gobinance.BaseCombinedMainURL = ws, combined })
}

// tpFixed parses a library string as a fixed-point number with dec
// decimals, failing when it does not parse or is not exact at that scale.
func tpFixed(t *testing.T, what, s string, dec uint8) int64 {
	t.Helper()
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatalf("%s %q: %v", what, s, err)
	}
	sh := d.Shift(int32(dec))
	if !sh.IsInteger() {
		t.Fatalf("%s %q has more than %d decimals", what, s, dec)
	}
	return sh.IntPart()
}

// tpLevels checks the library's levels against the venue's: same count,
// same prices and quantities, each parsing with PriceLevel.Parse too.
func tpLevels(t *testing.T, side string, in tpInstrument, got []common.PriceLevel, want []domain.Level) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s %s: %d levels, venue has %d", in.name, side, len(got), len(want))
	}
	for i, l := range got {
		if _, _, err := l.Parse(); err != nil {
			t.Fatalf("%s %s[%d] %+v: %v", in.name, side, i, l, err)
		}
		px, qty := tpFixed(t, "price", l.Price, in.PriceDecimals), tpFixed(t, "qty", l.Quantity, in.QtyDecimals)
		if domain.Price(px) != want[i].Price || domain.Qty(qty) != want[i].Qty {
			t.Fatalf("%s %s[%d] = %+v, venue has %+v", in.name, side, i, l, want[i])
		}
	}
}

// tpSorted checks bids strictly descend and asks strictly ascend, and the
// book is not crossed.
func tpSorted(t *testing.T, in tpInstrument, bids, asks []common.PriceLevel) {
	t.Helper()
	px := func(l common.PriceLevel) int64 { return tpFixed(t, "price", l.Price, in.PriceDecimals) }
	for i := 1; i < len(bids); i++ {
		if px(bids[i]) >= px(bids[i-1]) {
			t.Fatalf("%s bids not descending at %d: %+v", in.name, i, bids)
		}
	}
	for i := 1; i < len(asks); i++ {
		if px(asks[i]) <= px(asks[i-1]) {
			t.Fatalf("%s asks not ascending at %d: %+v", in.name, i, asks)
		}
	}
	if len(bids) > 0 && len(asks) > 0 && px(bids[0]) >= px(asks[0]) {
		t.Fatalf("%s crossed: bid %s ask %s", in.name, bids[0].Price, asks[0].Price)
	}
}

// tpSub collects one library subscription's events and errors. Handlers
// never block: the library calls them on its reader goroutine.
type tpSub[E any] struct {
	events chan E
	errs   chan error
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
}

func newTPSub[E any]() *tpSub[E] {
	return &tpSub[E]{events: make(chan E, 1<<14), errs: make(chan error, 16)}
}

func (s *tpSub[E]) handle(e E) {
	select {
	case s.events <- e:
	default:
	}
}

func (s *tpSub[E]) fail(err error) {
	select {
	case s.errs <- err:
	default:
	}
}

// serve takes what a library Ws*Serve call returned and stops the
// subscription at cleanup (if the test has not), waiting, bounded, for its
// reader to end.
func (s *tpSub[E]) serve(t *testing.T, what string) func(done, stop chan struct{}, err error) {
	return func(done, stop chan struct{}, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		s.done, s.stop = done, stop
		t.Cleanup(func() {
			s.once.Do(func() { close(stop) })
			select {
			case <-done:
			case <-time.After(tpWait):
				t.Errorf("%s: reader did not stop", what)
			}
		})
	}
}

// next returns the next event, failing on a library error or the deadline.
func (s *tpSub[E]) next(t *testing.T, what string) E {
	t.Helper()
	select {
	case e := <-s.events:
		return e
	case err := <-s.errs:
		t.Fatalf("%s: library error: %v", what, err)
	case <-s.done:
		t.Fatalf("%s: stream ended", what)
	case <-time.After(tpWait):
		t.Fatalf("%s: no event within %v", what, tpWait)
	}
	panic("unreachable")
}

// stopNow stops the subscription and checks the library's reader ends.
func (s *tpSub[E]) stopNow(t *testing.T, what string) {
	t.Helper()
	select {
	case err := <-s.errs:
		t.Fatalf("%s: library error: %v", what, err)
	default:
	}
	s.once.Do(func() { close(s.stop) })
	select {
	case <-s.done:
	case <-time.After(tpWait):
		t.Fatalf("%s: reader did not stop", what)
	}
}

func TestThirdPartyClientGoBinance(t *testing.T) {
	f := tpStart(t)
	tpEndpoints(t, f.base)
	client := gobinance.NewClient("", "")
	client.BaseURL = "http://" + f.base
	ctx, cancel := context.WithTimeout(context.Background(), 3*tpWait)
	defer cancel()
	aaa, bbb := f.ins[0], f.ins[1]
	names := []string{aaa.name, bbb.name}

	// Subscribe first (so that streams have events by the time REST is
	// checked), as a client that syncs a book does.
	diff := newTPSub[*gobinance.WsDepthEvent]()
	diff.serve(t, "WsDepthServe100Ms")(gobinance.WsDepthServe100Ms(aaa.name, diff.handle, diff.fail))
	diff1s := newTPSub[*gobinance.WsDepthEvent]()
	diff1s.serve(t, "WsDepthServe")(gobinance.WsDepthServe(bbb.name, diff1s.handle, diff1s.fail))
	comb := newTPSub[*gobinance.WsDepthEvent]()
	comb.serve(t, "WsCombinedDepthServe100Ms")(gobinance.WsCombinedDepthServe100Ms(names, comb.handle, comb.fail))
	bt := newTPSub[*gobinance.WsBookTickerEvent]()
	bt.serve(t, "WsBookTickerServe")(gobinance.WsBookTickerServe(aaa.name, bt.handle, bt.fail))
	cbt := newTPSub[*gobinance.WsBookTickerEvent]()
	cbt.serve(t, "WsCombinedBookTickerServe")(gobinance.WsCombinedBookTickerServe(names, cbt.handle, cbt.fail))
	tr := newTPSub[*gobinance.WsTradeEvent]()
	tr.serve(t, "WsTradeServe")(gobinance.WsTradeServe(aaa.name, tr.handle, tr.fail))
	agg := newTPSub[*gobinance.WsAggTradeEvent]()
	agg.serve(t, "WsAggTradeServe")(gobinance.WsAggTradeServe(bbb.name, agg.handle, agg.fail))
	ctr := newTPSub[*gobinance.WsCombinedTradeEvent]()
	ctr.serve(t, "WsCombinedTradeServe")(gobinance.WsCombinedTradeServe(names, ctr.handle, ctr.fail))
	cagg := newTPSub[*gobinance.WsAggTradeEvent]()
	cagg.serve(t, "WsCombinedAggTradeServe")(gobinance.WsCombinedAggTradeServe(names, cagg.handle, cagg.fail))

	t.Run("PingTime", func(t *testing.T) {
		if err := client.NewPingService().Do(ctx); err != nil {
			t.Fatal("ping:", err)
		}
		ms, err := client.NewServerTimeService().Do(ctx)
		if err != nil {
			t.Fatal("time:", err)
		}
		if d := time.Since(time.UnixMilli(ms)).Abs(); d > time.Minute {
			t.Fatalf("server time %d is %v off", ms, d)
		}
		off, err := client.NewSetServerTimeService().Do(ctx)
		if err != nil || off < -60000 || off > 60000 {
			t.Fatalf("set server time: offset %d, %v", off, err)
		}
	})

	t.Run("ExchangeInfo", func(t *testing.T) {
		check := func(what string, info *gobinance.ExchangeInfo, want []tpInstrument) {
			t.Helper()
			if info.Timezone != "UTC" || info.ServerTime == 0 || len(info.RateLimits) == 0 {
				t.Errorf("%s: header %q %d %+v", what, info.Timezone, info.ServerTime, info.RateLimits)
			}
			if len(info.Symbols) != len(want) {
				t.Fatalf("%s: %d symbols, want %d", what, len(info.Symbols), len(want))
			}
			for i, in := range want {
				s := &info.Symbols[i]
				if s.Symbol != in.name || s.Status != "TRADING" || s.BaseAsset != in.Base || s.QuoteAsset != in.Quote ||
					!slices.Contains(s.OrderTypes, "LIMIT") {
					t.Errorf("%s: symbol %d: %+v, want %s (%s/%s)", what, i, s, in.name, in.Base, in.Quote)
				}
				pf, lf := s.PriceFilter(), s.LotSizeFilter()
				if pf == nil || lf == nil {
					t.Fatalf("%s %s: PRICE_FILTER %v, LOT_SIZE %v", what, in.name, pf, lf)
				}
				if tick := tpFixed(t, "tickSize", pf.TickSize, in.PriceDecimals); domain.Price(tick) != in.TickSize {
					t.Errorf("%s %s: tickSize %s, instrument's %d at %d decimals", what, in.name, pf.TickSize, in.TickSize, in.PriceDecimals)
				}
				if step := tpFixed(t, "stepSize", lf.StepSize, in.QtyDecimals); domain.Qty(step) != in.LotSize {
					t.Errorf("%s %s: stepSize %s, instrument's %d at %d decimals", what, in.name, lf.StepSize, in.LotSize, in.QtyDecimals)
				}
				minPx := tpFixed(t, "minPrice", pf.MinPrice, in.PriceDecimals)
				maxPx := tpFixed(t, "maxPrice", pf.MaxPrice, in.PriceDecimals)
				minQ := tpFixed(t, "minQty", lf.MinQuantity, in.QtyDecimals)
				maxQ := tpFixed(t, "maxQty", lf.MaxQuantity, in.QtyDecimals)
				if minPx <= 0 || maxPx < minPx || minQ <= 0 || maxQ < minQ {
					t.Errorf("%s %s: price [%s, %s], qty [%s, %s]", what, in.name, pf.MinPrice, pf.MaxPrice, lf.MinQuantity, lf.MaxQuantity)
				}
				if nf := s.NotionalFilter(); nf == nil || nf.MinNotional == "" {
					t.Errorf("%s %s: NOTIONAL filter %+v", what, in.name, nf)
				}
			}
		}
		info, err := client.NewExchangeInfoService().Do(ctx)
		if err != nil {
			t.Fatal("exchangeInfo:", err)
		}
		check("all", info, f.ins)
		if info, err = client.NewExchangeInfoService().Symbol(bbb.name).Do(ctx); err != nil {
			t.Fatal("exchangeInfo symbol:", err)
		}
		check("symbol", info, []tpInstrument{bbb})
		if info, err = client.NewExchangeInfoService().Symbols(aaa.name, bbb.name).Do(ctx); err != nil {
			t.Fatal("exchangeInfo symbols:", err)
		}
		check("symbols", info, f.ins)
	})

	t.Run("Depth", func(t *testing.T) {
		for _, in := range f.ins {
			for _, n := range []int{5, 100, 5000} {
				d, err := client.NewDepthService().Symbol(in.name).Limit(n).Do(ctx)
				if err != nil {
					t.Fatalf("depth %s %d: %v", in.name, n, err)
				}
				if d.LastUpdateID <= 0 || len(d.Bids) == 0 || len(d.Asks) == 0 || len(d.Bids) > n || len(d.Asks) > n {
					t.Fatalf("depth %s %d: id %d, %d bids, %d asks", in.name, n, d.LastUpdateID, len(d.Bids), len(d.Asks))
				}
				tpSorted(t, in, d.Bids, d.Asks)
				want, ok := f.rec.at(in.ID, uint64(d.LastUpdateID))
				if !ok {
					t.Fatalf("depth %s: lastUpdateId %d is no book the venue published", in.name, d.LastUpdateID)
				}
				tpLevels(t, "bids", in, d.Bids, want.Bids[:min(n, len(want.Bids))])
				tpLevels(t, "asks", in, d.Asks, want.Asks[:min(n, len(want.Asks))])
			}
			// And the venue's own answer, which is never older.
			d, err := client.NewDepthService().Symbol(in.name).Do(ctx)
			if err != nil {
				t.Fatal(err)
			}
			vd, err := f.venue.Depth(ctx, in.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if vd.UpdateID < uint64(d.LastUpdateID) {
				t.Fatalf("%s: venue at %d after the library read %d", in.name, vd.UpdateID, d.LastUpdateID)
			}
		}
	})

	t.Run("BookTickers", func(t *testing.T) {
		all, err := client.NewListBookTickersService().Do(ctx)
		if err != nil {
			t.Fatal("bookTicker:", err)
		}
		one, err := client.NewListBookTickersService().Symbol(bbb.name).Do(ctx)
		if err != nil {
			t.Fatal("bookTicker symbol:", err)
		}
		if len(all) != 2 || len(one) != 1 || one[0].Symbol != bbb.name {
			t.Fatalf("bookTicker: all %d, one %+v", len(all), one)
		}
		for _, b := range append(all, one...) {
			i := slices.IndexFunc(f.ins, func(in tpInstrument) bool { return in.name == b.Symbol })
			if i < 0 {
				t.Fatalf("bookTicker symbol %q", b.Symbol)
			}
			in := f.ins[i]
			bid, ask := tpFixed(t, "bidPrice", b.BidPrice, in.PriceDecimals), tpFixed(t, "askPrice", b.AskPrice, in.PriceDecimals)
			bq, aq := tpFixed(t, "bidQty", b.BidQuantity, in.QtyDecimals), tpFixed(t, "askQty", b.AskQuantity, in.QtyDecimals)
			if bid <= 0 || ask <= bid || bq <= 0 || aq <= 0 {
				t.Fatalf("bookTicker %+v", b)
			}
		}
	})

	t.Run("InvalidSymbol", func(t *testing.T) {
		calls := map[string]func() error{
			"depth":        func() error { _, err := client.NewDepthService().Symbol("NOPE").Do(ctx); return err },
			"exchangeInfo": func() error { _, err := client.NewExchangeInfoService().Symbol("NOPE").Do(ctx); return err },
			"bookTicker":   func() error { _, err := client.NewListBookTickersService().Symbol("NOPE").Do(ctx); return err },
		}
		for what, call := range calls {
			var apiErr *common.APIError
			if err := call(); !errors.As(err, &apiErr) || apiErr.Code != -1121 || apiErr.Message != "Invalid symbol." ||
				!common.IsAPIError(err) {
				t.Errorf("%s NOPE: %v (%T), want *common.APIError -1121", what, err, err)
			}
		}
	})

	t.Run("RecentTrades", func(t *testing.T) {
		// go-binance's RecentTradesService asks /api/v1/trades.
		trades, err := client.NewRecentTradesService().Symbol(aaa.name).Limit(5).Do(ctx)
		if err != nil {
			t.Fatalf("RecentTradesService (GET /api/v1/trades): %v", err)
		}
		if len(trades) == 0 || len(trades) > 5 {
			t.Fatalf("trades: %d", len(trades))
		}
		for i, tr := range trades {
			if tpFixed(t, "price", tr.Price, aaa.PriceDecimals) <= 0 || tpFixed(t, "qty", tr.Quantity, aaa.QtyDecimals) <= 0 ||
				tr.QuoteQuantity == "" || tr.Time <= 0 || !tr.IsBestMatch || i > 0 && tr.ID <= trades[i-1].ID {
				t.Fatalf("trade %d: %+v", i, tr)
			}
		}
	})

	// The documented sync over the library's diff stream (buffered since
	// the subscription above) and its snapshot: after every event applied,
	// the client's book is the venue's at that event's u.
	t.Run("DiffDepthSync", func(t *testing.T) {
		snap, err := client.NewDepthService().Symbol(aaa.name).Limit(5000).Do(ctx)
		if err != nil {
			t.Fatal(err)
		}
		bids, asks := map[int64]int64{}, map[int64]int64{}
		apply := func(side map[int64]int64, levels []common.PriceLevel) {
			for _, l := range levels {
				px, q := tpFixed(t, "price", l.Price, aaa.PriceDecimals), tpFixed(t, "qty", l.Quantity, aaa.QtyDecimals)
				if q == 0 {
					delete(side, px)
				} else {
					side[px] = q
				}
			}
		}
		apply(bids, snap.Bids)
		apply(asks, snap.Asks)
		same := func(side map[int64]int64, want []domain.Level) bool {
			if len(side) != len(want) {
				return false
			}
			for _, l := range want {
				if side[int64(l.Price)] != int64(l.Qty) {
					return false
				}
			}
			return true
		}
		var prev int64
		for applied := 0; applied < 10; {
			e := diff.next(t, "diff depth")
			if e.Event != "depthUpdate" || e.Symbol != aaa.name || e.Time <= 0 || e.FirstUpdateID <= 0 || e.LastUpdateID < e.FirstUpdateID {
				t.Fatalf("diff event %+v", e)
			}
			if e.LastUpdateID <= snap.LastUpdateID {
				continue
			}
			if prev == 0 && e.FirstUpdateID > snap.LastUpdateID+1 || prev != 0 && e.FirstUpdateID != prev+1 {
				t.Fatalf("diff [%d, %d] after %d (snapshot %d)", e.FirstUpdateID, e.LastUpdateID, prev, snap.LastUpdateID)
			}
			prev = e.LastUpdateID
			apply(bids, e.Bids)
			apply(asks, e.Asks)
			want, ok := f.rec.at(aaa.ID, uint64(e.LastUpdateID))
			if !ok || !same(bids, want.Bids) || !same(asks, want.Asks) {
				t.Fatalf("after diff [%d, %d] the library client's book (%d bids, %d asks) is not the venue's (%v)",
					e.FirstUpdateID, e.LastUpdateID, len(bids), len(asks), ok)
			}
			applied++
		}
		diff.stopNow(t, "WsDepthServe100Ms")
	})

	t.Run("DiffDepth1s", func(t *testing.T) {
		var prev int64
		for range 2 {
			e := diff1s.next(t, "depth 1s")
			if e.Event != "depthUpdate" || e.Symbol != bbb.name || e.LastUpdateID < e.FirstUpdateID ||
				prev != 0 && e.FirstUpdateID != prev+1 {
				t.Fatalf("depth 1s event [%d, %d] after %d: %+v", e.FirstUpdateID, e.LastUpdateID, prev, e)
			}
			for _, l := range append(slices.Clone(e.Bids), e.Asks...) {
				tpFixed(t, "price", l.Price, bbb.PriceDecimals)
				tpFixed(t, "qty", l.Quantity, bbb.QtyDecimals)
			}
			prev = e.LastUpdateID
		}
		diff1s.stopNow(t, "WsDepthServe")
	})

	t.Run("CombinedDiffDepth", func(t *testing.T) {
		prev := map[string]int64{}
		count := map[string]int{}
		for count[aaa.name] < 3 || count[bbb.name] < 3 {
			e := comb.next(t, "combined depth")
			i := slices.Index(names, e.Symbol)
			if i < 0 || e.Time <= 0 || e.FirstUpdateID <= 0 || e.LastUpdateID < e.FirstUpdateID {
				t.Fatalf("combined depth event %+v", e)
			}
			if p := prev[e.Symbol]; p != 0 && e.FirstUpdateID != p+1 {
				t.Fatalf("%s: U %d after u %d", e.Symbol, e.FirstUpdateID, p)
			}
			for _, l := range append(slices.Clone(e.Bids), e.Asks...) {
				tpFixed(t, "price", l.Price, f.ins[i].PriceDecimals)
				tpFixed(t, "qty", l.Quantity, f.ins[i].QtyDecimals)
			}
			prev[e.Symbol] = e.LastUpdateID
			count[e.Symbol]++
		}
		comb.stopNow(t, "WsCombinedDepthServe100Ms")
	})

	checkTicker := func(t *testing.T, what string, s *tpSub[*gobinance.WsBookTickerEvent], want map[string]int) {
		t.Helper()
		last := map[string]int64{}
		left := func() bool {
			for _, c := range want {
				if c > 0 {
					return true
				}
			}
			return false
		}
		for left() {
			e := s.next(t, what)
			i := slices.IndexFunc(f.ins, func(in tpInstrument) bool { return in.name == e.Symbol })
			if e == nil || i < 0 || e.UpdateID <= 0 || e.UpdateID < last[e.Symbol] {
				t.Fatalf("%s event %+v after update %d", what, e, last[e.Symbol])
			}
			in := f.ins[i]
			bid, ask := tpFixed(t, "b", e.BestBidPrice, in.PriceDecimals), tpFixed(t, "a", e.BestAskPrice, in.PriceDecimals)
			bq, aq := tpFixed(t, "B", e.BestBidQty, in.QtyDecimals), tpFixed(t, "A", e.BestAskQty, in.QtyDecimals)
			if bid <= 0 || ask <= bid || bq <= 0 || aq <= 0 {
				t.Fatalf("%s event %+v", what, e)
			}
			last[e.Symbol] = e.UpdateID
			want[e.Symbol]--
		}
		s.stopNow(t, what)
	}
	t.Run("BookTickerStream", func(t *testing.T) {
		checkTicker(t, "WsBookTickerServe", bt, map[string]int{aaa.name: 3})
	})
	t.Run("CombinedBookTickerStream", func(t *testing.T) {
		checkTicker(t, "WsCombinedBookTickerServe", cbt, map[string]int{aaa.name: 2, bbb.name: 2})
	})

	t.Run("TradeStreams", func(t *testing.T) {
		var last int64
		for range 3 {
			e := tr.next(t, "trade")
			if e.Event != "trade" || e.Symbol != aaa.name || e.TradeID <= last || e.Time <= 0 || e.TradeTime <= 0 ||
				tpFixed(t, "p", e.Price, aaa.PriceDecimals) <= 0 || tpFixed(t, "q", e.Quantity, aaa.QtyDecimals) <= 0 {
				t.Fatalf("trade event %+v after id %d", e, last)
			}
			last = e.TradeID
		}
		tr.stopNow(t, "WsTradeServe")
		last = 0
		for range 3 {
			e := agg.next(t, "aggTrade")
			if e.Event != "aggTrade" || e.Symbol != bbb.name || e.AggTradeID <= last || e.Time <= 0 || e.TradeTime <= 0 ||
				e.FirstBreakdownTradeID <= 0 || e.LastBreakdownTradeID < e.FirstBreakdownTradeID ||
				tpFixed(t, "p", e.Price, bbb.PriceDecimals) <= 0 || tpFixed(t, "q", e.Quantity, bbb.QtyDecimals) <= 0 {
				t.Fatalf("aggTrade event %+v after id %d", e, last)
			}
			last = e.AggTradeID
		}
		agg.stopNow(t, "WsAggTradeServe")
		seen := map[string]int{}
		for seen[aaa.name] < 2 || seen[bbb.name] < 2 {
			e := ctr.next(t, "combined trade")
			i := slices.Index(names, e.Data.Symbol)
			if i < 0 || e.Stream != strings.ToLower(e.Data.Symbol)+"@trade" || e.Data.Event != "trade" || e.Data.TradeID <= 0 ||
				tpFixed(t, "p", e.Data.Price, f.ins[i].PriceDecimals) <= 0 {
				t.Fatalf("combined trade %+v", e)
			}
			seen[e.Data.Symbol]++
		}
		ctr.stopNow(t, "WsCombinedTradeServe")
		seen = map[string]int{}
		for seen[aaa.name] < 2 || seen[bbb.name] < 2 {
			e := cagg.next(t, "combined aggTrade")
			i := slices.Index(names, e.Symbol)
			if i < 0 || e.Event != "aggTrade" || e.AggTradeID <= 0 || tpFixed(t, "p", e.Price, f.ins[i].PriceDecimals) <= 0 {
				t.Fatalf("combined aggTrade %+v", e)
			}
			seen[e.Symbol]++
		}
		cagg.stopNow(t, "WsCombinedAggTradeServe")
	})
}

// tpUserEvents collects a go-binance user-data handler's order updates.
type tpUserEvents struct {
	ch chan *gobinance.WsUserDataEvent
}

func (u *tpUserEvents) handle(e *gobinance.WsUserDataEvent) {
	select {
	case u.ch <- e:
	default:
	}
}

// next waits for an executionReport of exec type x.
func (u *tpUserEvents) next(t *testing.T, what, x string) gobinance.WsOrderUpdate {
	t.Helper()
	deadline := time.After(tpWait)
	for {
		select {
		case e := <-u.ch:
			if e.Event == gobinance.UserDataEventTypeExecutionReport && e.OrderUpdate.ExecutionType == x {
				return e.OrderUpdate
			}
		case <-deadline:
			t.Fatalf("%s: no %s executionReport within %v", what, x, tpWait)
		}
	}
}

// TestThirdPartyOrderEntryGoBinance: go-binance, with nothing changed but
// its base URLs, places, queries, lists and cancels orders, reads its
// account and trades, and follows its orders on the user data stream, both
// the WebSocket API subscription and the legacy listen key; a wrong
// secret is refused -1022.
func TestThirdPartyOrderEntryGoBinance(t *testing.T) {
	f := oeStart(t, oeConfig{})
	tpEndpoints(t, f.base)
	wsAPIURL := gobinance.BaseWsApiMainURL
	gobinance.BaseWsApiMainURL = "ws://" + f.base + "/ws-api/v3"
	t.Cleanup(func() { gobinance.BaseWsApiMainURL = wsAPIURL })
	ctx, cancel := context.WithTimeout(context.Background(), 4*tpWait)
	defer cancel()
	c := gobinance.NewClient(keyA, "secretA")
	c.BaseURL = "http://" + f.base
	c.HTTPClient = client

	// User data over the WebSocket API and over a listen key.
	sig := &tpUserEvents{ch: make(chan *gobinance.WsUserDataEvent, 64)}
	doneS, stopS, err := gobinance.WsUserDataServeSignature(keyA, "secretA", common.KeyTypeHmac, 0, sig.handle, func(error) {})
	if err != nil {
		t.Fatal(err)
	}
	lk, err := c.NewStartUserStreamService().Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	legacy := &tpUserEvents{ch: make(chan *gobinance.WsUserDataEvent, 64)}
	doneL, stopL, err := gobinance.WsUserDataServe(lk, legacy.handle, func(error) {})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		// The library's readers end when their connections do: stop the
		// venue, which closes them.
		close(stopS)
		close(stopL)
		f.stop()
		<-doneS
		<-doneL
	}()
	desktest.Eventually(t, tpWait, "both user data streams", func() bool { return f.srv.UserStreams() == 2 })

	o, err := c.NewCreateOrderService().Symbol("BTCUSD").Side(gobinance.SideTypeBuy).Type(gobinance.OrderTypeLimit).
		TimeInForce(gobinance.TimeInForceTypeGTC).Quantity("0.500").Price("30000.00").NewClientOrderID("gb-1").Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != gobinance.OrderStatusTypeNew || o.ClientOrderID != "gb-1" || o.OrigQuantity != "0.50000000" {
		t.Fatalf("create: %+v", o)
	}
	for _, u := range []*tpUserEvents{sig, legacy} {
		if up := u.next(t, "new order", "NEW"); up.Id != o.OrderID || up.ClientOrderId != "gb-1" {
			t.Fatalf("NEW update: %+v", up)
		}
	}
	f.place(keyB, limit(api.SideSell, "30000.00", "0.100", "gb-b"))
	for _, u := range []*tpUserEvents{sig, legacy} {
		if up := u.next(t, "fill", "TRADE"); up.TradeId != 1 || up.LatestVolume != "0.10000000" || up.Status != "PARTIALLY_FILLED" {
			t.Fatalf("TRADE update: %+v", up)
		}
	}
	got, err := c.NewGetOrderService().Symbol("BTCUSD").OrigClientOrderID("gb-1").Do(ctx)
	if err != nil || got.OrderID != o.OrderID || got.ExecutedQuantity != "0.10000000" || got.Status != gobinance.OrderStatusTypePartiallyFilled {
		t.Fatalf("get: %+v %v", got, err)
	}
	open, err := c.NewListOpenOrdersService().Symbol("BTCUSD").Do(ctx)
	if err != nil || len(open) != 1 || open[0].OrderID != o.OrderID {
		t.Fatalf("open: %+v %v", open, err)
	}
	cr, err := c.NewCancelOrderService().Symbol("BTCUSD").OrderID(o.OrderID).Do(ctx)
	if err != nil || cr.Status != gobinance.OrderStatusTypeCanceled || cr.OrigClientOrderID != "gb-1" {
		t.Fatalf("cancel: %+v %v", cr, err)
	}
	sig.next(t, "cancel", "CANCELED")
	all, err := c.NewListOrdersService().Symbol("BTCUSD").Do(ctx)
	if err != nil || len(all) != 1 || all[0].Status != gobinance.OrderStatusTypeCanceled {
		t.Fatalf("all orders: %+v %v", all, err)
	}
	trades, err := c.NewListTradesService().Symbol("BTCUSD").Do(ctx)
	if err != nil || len(trades) != 1 || !trades[0].IsBuyer || trades[0].Quantity != "0.10000000" {
		t.Fatalf("trades: %+v %v", trades, err)
	}
	acct, err := c.NewGetAccountService().Do(ctx)
	if err != nil || !acct.CanTrade {
		t.Fatalf("account: %+v %v", acct, err)
	}
	for _, b := range acct.Balances {
		if b.Asset == "BTC" && b.Free != "10.10000000" || b.Asset == "USD" && (b.Free != "997000.00000000" || b.Locked != "0.00000000") {
			t.Fatalf("balance: %+v", b)
		}
	}

	wrong := gobinance.NewClient(keyA, "not-the-secret")
	wrong.BaseURL, wrong.HTTPClient = "http://"+f.base, client
	_, err = wrong.NewListOpenOrdersService().Do(ctx)
	var apiErr *common.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != api.CodeInvalidSignature {
		t.Fatalf("wrong secret: %v", err)
	}
}

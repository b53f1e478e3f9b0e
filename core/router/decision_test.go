package router

import (
	"testing"

	"github.com/desk-trading/desk/core/domain"
	"github.com/shopspring/decimal"
)

func TestDecisionText(t *testing.T) {
	r, err := New([]VenueFees{
		{ID: 1, Name: "sim-a", TakerBps: bps("1")},
		{ID: 2, Name: "sim-b", TakerBps: bps("1")},
		{ID: 3, Name: "sim-c"},
	}, 1)
	if err != nil {
		t.Fatal(err)
	}
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{Symbol: "BTC-USD", TickSize: decimal.RequireFromString("0.5"), LotSize: decimal.RequireFromString("0.1")})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SetInstruments([]domain.Instrument{in}); err != nil {
		t.Fatal(err)
	}
	// Prices in tenths (tick 0.5), quantities in tenths.
	r.OnBook(depth(1, 0, nil, []domain.Level{lv(640_010, 6)}))
	r.OnBook(depth(2, 0, nil, []domain.Level{lv(640_020, 10)}))
	r.OnBook(depth(3, 0, nil, []domain.Level{lv(630_000, 10)}))
	r.SetStale(3, 0, true)
	for _, c := range []struct {
		o    domain.Order
		want string
	}{
		{mkt(domain.Buy, 10), "split-by-size: sim-a 0.6 @ 64001 (net 64007.4001), sim-b 0.4 @ 64002 (net 64008.4002); skipped sim-c: stale"},
		{lim(domain.Buy, 640_020, 5), "best-net-price: sim-a 0.5 @ 64002 (net 64007.4001), next sim-b net 64008.4002; skipped sim-c: stale"},
		{lim(domain.Buy, 640_015, 5), "only-venue: sim-a 0.5 @ 64001.5 (net 64007.4001); skipped sim-c: stale, sim-b: outside-limit"},
		{mkt(domain.Sell, 10), "no-quote-first-venue: sim-a 1 @ mkt; skipped sim-c: stale"},
	} {
		d, err := r.Plan(&c.o, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.String(); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
	r.SetConnected(1, false)
	r.SetReconciling(2, true)
	o := mkt(domain.Buy, 1)
	d, _ := r.Plan(&o, 0)
	if got, want := d.String(), "none; skipped sim-a: down, sim-b: reconciling, sim-c: stale"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestAppendFixed(t *testing.T) {
	for _, c := range []struct {
		v    int64
		dec  int
		want string
	}{
		{6, 1, "0.6"}, {640010, 1, "64001"}, {5, 3, "0.005"}, {-125, 2, "-1.25"}, {0, 4, "0"}, {42, 0, "42"},
		{64_007_400_100, 6, "64007.4001"}, {1, 24, "0.000000000000000000000001"},
	} {
		if got := string(appendFixed(nil, c.v, c.dec)); got != c.want {
			t.Errorf("appendFixed(%d, %d) = %q, want %q", c.v, c.dec, got, c.want)
		}
	}
}

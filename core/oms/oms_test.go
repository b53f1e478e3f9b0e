package oms

import (
	"errors"
	"strings"
	"testing"

	"github.com/desk-trading/desk/core/domain"
)

func TestCreateValidation(t *testing.T) {
	const now = 1_000
	tests := []struct {
		name    string
		edit    func(in *domain.Intent)
		wantErr error // nil: valid
		detail  string
	}{
		{name: "valid limit", edit: func(in *domain.Intent) {}},
		{name: "valid sell", edit: func(in *domain.Intent) { in.Side = domain.Sell }},
		{name: "valid market ioc", edit: func(in *domain.Intent) { in.Type, in.TIF, in.Price = domain.Market, domain.IOC, 0 }},
		{name: "valid market fok", edit: func(in *domain.Intent) { in.Type, in.TIF, in.Price = domain.Market, domain.FOK, 0 }},
		{name: "valid stop", edit: func(in *domain.Intent) { in.Type, in.Price, in.StopPrice = domain.Stop, 0, 499975 }},
		{name: "valid stop-limit", edit: func(in *domain.Intent) { in.Type, in.StopPrice = domain.StopLimit, 500025 }},
		{name: "valid gtd", edit: func(in *domain.Intent) { in.TIF, in.ExpireAt = domain.GTD, now+1 }},
		{name: "valid day", edit: func(in *domain.Intent) { in.TIF = domain.Day }},
		{name: "valid post-only", edit: func(in *domain.Intent) { in.PostOnly = true }},
		{name: "valid reduce-only market", edit: func(in *domain.Intent) {
			in.Type, in.TIF, in.Price, in.ReduceOnly = domain.Market, domain.IOC, 0, true
		}},
		{name: "valid negative price", edit: func(in *domain.Intent) { in.Price = -125 }},

		{name: "not a new intent", edit: func(in *domain.Intent) { in.Kind = domain.IntentCancel }, wantErr: ErrInvalidOrder, detail: "not a new order"},
		{name: "zero id", edit: func(in *domain.Intent) { in.ID = 0 }, wantErr: ErrInvalidOrder, detail: "zero id"},
		{name: "unknown instrument", edit: func(in *domain.Intent) { in.Instrument = 99 }, wantErr: ErrInvalidOrder, detail: "unknown instrument"},
		{name: "instrument in a gap", edit: func(in *domain.Intent) { in.Instrument = gap }, wantErr: ErrInvalidOrder, detail: "unknown instrument"},
		{name: "no side", edit: func(in *domain.Intent) { in.Side = 0 }, wantErr: ErrInvalidOrder, detail: "side"},
		{name: "bad side", edit: func(in *domain.Intent) { in.Side = 3 }, wantErr: ErrInvalidOrder, detail: "side"},
		{name: "no type", edit: func(in *domain.Intent) { in.Type = 0 }, wantErr: ErrInvalidOrder, detail: "order type"},
		{name: "bad type", edit: func(in *domain.Intent) { in.Type = 5 }, wantErr: ErrInvalidOrder, detail: "order type"},
		{name: "no tif", edit: func(in *domain.Intent) { in.TIF = 0 }, wantErr: ErrInvalidOrder, detail: "time in force"},
		{name: "bad tif", edit: func(in *domain.Intent) { in.TIF = 6 }, wantErr: ErrInvalidOrder, detail: "time in force"},
		{name: "zero qty", edit: func(in *domain.Intent) { in.Qty = 0 }, wantErr: domain.ErrNotPositive},
		{name: "negative qty", edit: func(in *domain.Intent) { in.Qty = -1 }, wantErr: domain.ErrNotPositive},
		{name: "valid half lots", edit: func(in *domain.Intent) { in.Instrument, in.Price, in.Qty = half, 105, 15 }},
		{name: "off lot", edit: func(in *domain.Intent) { in.Instrument, in.Price, in.Qty = half, 105, 3 }, wantErr: domain.ErrOffLot},
		{name: "off tick of five", edit: func(in *domain.Intent) { in.Instrument, in.Price, in.Qty = half, 107, 5 }, wantErr: domain.ErrOffTick},
		{name: "off tick", edit: func(in *domain.Intent) { in.Price = 500010 }, wantErr: domain.ErrOffTick},
		{name: "stop off tick", edit: func(in *domain.Intent) { in.Type, in.StopPrice = domain.StopLimit, 500001 }, wantErr: domain.ErrOffTick},
		{name: "limit without price", edit: func(in *domain.Intent) { in.Price = 0 }, wantErr: ErrInvalidOrder, detail: "without a price"},
		{name: "stop-limit without price", edit: func(in *domain.Intent) { in.Type, in.Price, in.StopPrice = domain.StopLimit, 0, 500025 }, wantErr: ErrInvalidOrder, detail: "without a price"},
		{name: "market with price", edit: func(in *domain.Intent) { in.Type, in.TIF = domain.Market, domain.IOC }, wantErr: ErrInvalidOrder, detail: "with a limit price"},
		{name: "market gtc", edit: func(in *domain.Intent) { in.Type, in.Price = domain.Market, 0 }, wantErr: ErrInvalidOrder, detail: "must be ioc or fok"},
		{name: "market day", edit: func(in *domain.Intent) { in.Type, in.Price, in.TIF = domain.Market, 0, domain.Day }, wantErr: ErrInvalidOrder, detail: "must be ioc or fok"},
		{name: "stop without stop price", edit: func(in *domain.Intent) { in.Type, in.Price = domain.Stop, 0 }, wantErr: ErrInvalidOrder, detail: "without a stop price"},
		{name: "stop-limit without stop price", edit: func(in *domain.Intent) { in.Type = domain.StopLimit }, wantErr: ErrInvalidOrder, detail: "without a stop price"},
		{name: "stop with limit price", edit: func(in *domain.Intent) { in.Type, in.StopPrice = domain.Stop, 499975 }, wantErr: ErrInvalidOrder, detail: "with a limit price"},
		{name: "limit with stop price", edit: func(in *domain.Intent) { in.StopPrice = 499975 }, wantErr: ErrInvalidOrder, detail: "with a stop price"},
		{name: "gtd without expiry", edit: func(in *domain.Intent) { in.TIF = domain.GTD }, wantErr: ErrInvalidOrder, detail: "gtd"},
		{name: "gtd expiring now", edit: func(in *domain.Intent) { in.TIF, in.ExpireAt = domain.GTD, now }, wantErr: ErrInvalidOrder, detail: "gtd"},
		{name: "expiry without gtd", edit: func(in *domain.Intent) { in.ExpireAt = now + 1 }, wantErr: ErrInvalidOrder, detail: "expiry on a gtc"},
		{name: "post-only market", edit: func(in *domain.Intent) {
			in.Type, in.TIF, in.Price, in.PostOnly = domain.Market, domain.IOC, 0, true
		}, wantErr: ErrInvalidOrder, detail: "post-only"},
		{name: "post-only ioc", edit: func(in *domain.Intent) { in.TIF, in.PostOnly = domain.IOC, true }, wantErr: ErrInvalidOrder, detail: "post-only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newOMS(t, 0)
			in := limitBuy(oid(7))
			tt.edit(&in)
			wantErr := tt.wantErr
			o, err := m.Create(&in, now)
			if wantErr == nil {
				if err != nil {
					t.Fatalf("Create: %v", err)
				}
				if o.State != domain.StateNew || o.ID != in.ID || o.Qty != in.Qty || o.Price != in.Price ||
					o.Created != now || o.Updated != now || o.Filled != 0 {
					t.Fatalf("created order %+v", *o)
				}
				if g, ok := m.Get(in.ID); !ok || g != o {
					t.Fatal("Get does not return the created order")
				}
				return
			}
			if !errors.Is(err, wantErr) || !errors.Is(err, ErrInvalidOrder) {
				t.Fatalf("err = %v, want %v (and ErrInvalidOrder)", err, wantErr)
			}
			if !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("err %q does not say %q", err, tt.detail)
			}
			if o != nil {
				t.Fatal("an order came back with the error")
			}
			if _, ok := m.Get(in.ID); ok {
				t.Fatal("an invalid order was kept")
			}
		})
	}
}

func TestCreateCopiesIntent(t *testing.T) {
	m := newOMS(t, 0)
	in := limitBuy(oid(1))
	in.Strategy, in.PostOnly, in.ReduceOnly, in.TIF, in.ExpireAt = 9, true, true, domain.GTD, 50
	in.Stamps.Decided = 42
	o, err := m.Create(&in, 5)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Order{
		ID: in.ID, Strategy: 9, Instrument: es, Side: domain.Buy, Type: domain.Limit, TIF: domain.GTD,
		State: domain.StateNew, PostOnly: true, ReduceOnly: true, Price: 500000, Qty: 10, ExpireAt: 50,
		Created: 5, Updated: 5, Stamps: domain.Stamps{Decided: 42},
	}
	if *o != want {
		t.Fatalf("order\n got %+v\nwant %+v", *o, want)
	}
}

func TestDuplicateID(t *testing.T) {
	m := newOMS(t, 2)
	in := limitBuy(oid(1))
	o := mustSend(t, m, in)
	if _, err := m.Create(&in, 3); !errors.Is(err, ErrDuplicateID) {
		t.Fatalf("live duplicate: %v", err)
	}
	mustApply(t, m, report(domain.ExecCanceled, o.ID))
	if _, err := m.Create(&in, 3); !errors.Is(err, ErrDuplicateID) {
		t.Fatalf("kept duplicate: %v", err)
	}
}

func TestNewPanicsOnBadInstruments(t *testing.T) {
	ins := instruments(t)
	for name, opts := range map[string]Options{
		"duplicate id":  {Instruments: append(ins, ins[0])},
		"not from New":  {Instruments: []domain.Instrument{{ID: 1, Symbol: "X", TickSize: 1, LotSize: 1}}},
		"zero instance": {Instruments: []domain.Instrument{{}}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: New did not panic", name)
				}
			}()
			New(opts)
		}()
	}
}

// Terminal orders are kept up to KeepTerminal, evicted oldest first, and
// only by Create or Restore; live orders are never evicted.
func TestKeepTerminal(t *testing.T) {
	m := newOMS(t, 2)
	live := mustSend(t, m, limitBuy(oid(100)))
	var ended []*domain.Order
	for seq := uint64(1); seq <= 3; seq++ {
		o := mustSend(t, m, limitBuy(oid(seq)))
		mustApply(t, m, report(domain.ExecCanceled, o.ID))
		ended = append(ended, o)
	}
	// Three ended, bound two: nothing is evicted until the next Create.
	for _, o := range ended {
		if g, ok := m.Get(o.ID); !ok || g != o {
			t.Fatalf("%s evicted before the next Create", o.ID)
		}
	}
	next := mustSend(t, m, limitBuy(oid(4)))
	if _, ok := m.Get(oid(1)); ok {
		t.Fatal("oldest terminal order not evicted")
	}
	// The evicted order's memory is reused: a stale pointer now reads
	// another order, which is why Get's comment bounds its validity.
	if ended[0] != next || ended[0].ID != oid(4) {
		t.Fatalf("evicted slot not reused: stale pointer reads %s", ended[0].ID)
	}
	for _, id := range []domain.OrderID{oid(2), oid(3), oid(100), oid(4)} {
		if _, ok := m.Get(id); !ok {
			t.Fatalf("%s evicted", id)
		}
	}
	if live.State != domain.StatePendingNew {
		t.Fatal("live order disturbed")
	}
	// A late report for an evicted order is unknown.
	if _, _, err := m.Apply(report(domain.ExecCanceled, oid(1)), 11); !errors.Is(err, ErrUnknownOrder) {
		t.Fatalf("report for evicted order: %v", err)
	}
	var recent []domain.OrderID
	m.Recent(func(o *domain.Order) bool { recent = append(recent, o.ID); return true })
	if len(recent) != 2 || recent[0] != oid(3) || recent[1] != oid(2) {
		t.Fatalf("Recent = %v, want [1-3 1-2]", recent)
	}
}

func TestKeepNoTerminal(t *testing.T) {
	m := newOMS(t, -1)
	o := mustSend(t, m, limitBuy(oid(1)))
	o, _ = mustApply(t, m, fillReport(o.ID, 1, 500000, 10, 0))
	if o.State != domain.StateFilled || o.Filled != 10 {
		t.Fatalf("order after Apply: %s %d", o.State, o.Filled)
	}
	mustSend(t, m, limitBuy(oid(2)))
	if _, ok := m.Get(oid(1)); ok {
		t.Fatal("terminal order kept with KeepTerminal < 0")
	}
}

func TestWorking(t *testing.T) {
	m := newOMS(t, 0)
	a := mustSend(t, m, limitBuy(oid(1)))
	in := limitBuy(oid(2))
	in.Strategy = 2
	b := mustSend(t, m, in)
	c := mustSend(t, m, limitBuy(oid(3)))
	unsent := limitBuy(oid(4))
	if _, err := m.Create(&unsent, 1); err != nil {
		t.Fatal(err)
	}
	mustApply(t, m, report(domain.ExecCanceled, c.ID))

	var got []domain.OrderID
	m.Working(func(o *domain.Order) bool { got = append(got, o.ID); return true })
	if len(got) != 2 || got[0] != a.ID || got[1] != b.ID {
		t.Fatalf("Working = %v, want [%s %s]", got, a.ID, b.ID)
	}
	n := 0
	m.Working(func(o *domain.Order) bool { n++; return false })
	if n != 1 {
		t.Fatalf("Working went on after false: %d calls", n)
	}

	// A kill switch: cancel and even finish each order while iterating.
	m.Working(func(o *domain.Order) bool {
		if err := m.CancelRequested(o, 5); err != nil {
			t.Fatal(err)
		}
		if _, _, err := m.Apply(report(domain.ExecCanceled, o.ID), 6); err != nil {
			t.Fatal(err)
		}
		return true
	})
	if a.State != domain.StateCanceled || b.State != domain.StateCanceled {
		t.Fatalf("states after kill: %s %s", a.State, b.State)
	}
	m.Working(func(o *domain.Order) bool { t.Fatalf("%s still working", o.ID); return true })
}

func TestTransitionsNeedOwnOrder(t *testing.T) {
	m := newOMS(t, 0)
	in := limitBuy(oid(1))
	o, err := m.Create(&in, 1)
	if err != nil {
		t.Fatal(err)
	}
	cp := *o
	for name, err := range map[string]error{
		"Sent":             m.Sent(&cp, venue, 2),
		"Reject":           m.Reject(&cp, "x", 2),
		"CancelRequested":  m.CancelRequested(&cp, 2),
		"ReplaceRequested": m.ReplaceRequested(&cp, 500025, 10, 2),
	} {
		if !errors.Is(err, ErrUnknownOrder) {
			t.Errorf("%s with a copy: %v", name, err)
		}
	}
	if o.State != domain.StateNew {
		t.Fatalf("state %s", o.State)
	}
	other := domain.Order{ID: oid(2)}
	if err := m.Sent(&other, venue, 2); !errors.Is(err, ErrUnknownOrder) {
		t.Errorf("Sent of an unknown order: %v", err)
	}
}

func TestRestore(t *testing.T) {
	m := newOMS(t, 0)
	o := mustSend(t, m, limitBuy(oid(1)))
	snap := *o
	snap.State, snap.Filled = domain.StateCanceled, 3
	m.Restore(&snap)
	if o.State != domain.StateCanceled || o.Filled != 3 {
		t.Fatal("Restore did not update the order in place")
	}
	var recent int
	m.Recent(func(*domain.Order) bool { recent++; return true })
	if recent != 1 {
		t.Fatalf("restored terminal order not on the recent list: %d", recent)
	}
	// Last one wins, even back to a live state (reconciliation).
	snap.State = domain.StatePartiallyFilled
	m.Restore(&snap)
	var working int
	m.Working(func(*domain.Order) bool { working++; return true })
	if o.State != domain.StatePartiallyFilled || working != 1 {
		t.Fatalf("restore to live: %s, %d working", o.State, working)
	}
	// A restored order that was never created here.
	snap2 := snap
	snap2.ID = oid(2)
	m.Restore(&snap2)
	if g, ok := m.Get(oid(2)); !ok || *g != snap2 {
		t.Fatal("restored new order not held")
	}
}

package oms

import (
	"errors"
	"testing"

	"github.com/desk-trading/desk/core/domain"
)

func TestPartialThenFull(t *testing.T) {
	m := newOMS(t, 0)
	o := mustSend(t, m, limitBuy(oid(1)))
	ack := report(domain.ExecAck, o.ID)
	ack.Stamps.Acked = 111
	mustApply(t, m, ack)
	if o.State != domain.StateOpen || o.VenueOrderID != 901 || o.Stamps.Acked != 111 {
		t.Fatalf("after ack: %s, venue id %d, acked at %d", o.State, o.VenueOrderID, o.Stamps.Acked)
	}

	r1 := fillReport(o.ID, 1, 500000, 4, 2*domain.MoneyScale)
	r1.Stamps.Filled = 222
	_, f := mustApply(t, m, r1)
	if o.Stamps.Filled != 222 {
		t.Fatalf("first fill stamp %d", o.Stamps.Filled)
	}
	want := domain.Fill{OrderID: o.ID, Strategy: 1, Instrument: es, Venue: venue, Side: domain.Buy,
		Price: 500000, Qty: 4, Fee: 2 * domain.MoneyScale, TradeID: 1, Time: 10}
	if *f != want {
		t.Fatalf("fill\n got %+v\nwant %+v", *f, want)
	}
	if o.State != domain.StatePartiallyFilled || o.Filled != 4 || o.Leaves() != 6 {
		t.Fatalf("after partial: %s filled %d", o.State, o.Filled)
	}

	r2 := fillReport(o.ID, 2, 499975, 6, 3*domain.MoneyScale)
	r2.Stamps.Filled = 333
	_, f2 := mustApply(t, m, r2)
	if o.Stamps.Filled != 222 {
		t.Fatalf("Stamps.Filled moved to the second fill: %d", o.Stamps.Filled)
	}
	if f2 != f {
		t.Error("Apply returned a new *Fill; it should reuse one")
	}
	if o.State != domain.StateFilled || o.Filled != 10 {
		t.Fatalf("after full: %s filled %d", o.State, o.Filled)
	}
	// 4 @ 5000.00 + 6 @ 4999.75 = 49998.50
	if o.FilledNotional != 4_999_850*domain.MoneyScale/100 || o.Fees != 5*domain.MoneyScale {
		t.Fatalf("FilledNotional %s Fees %s", o.FilledNotional, o.Fees)
	}
	p := m.Position(1, es)
	if p == nil || p.Qty != 10 || p.Cost != o.FilledNotional || p.Fees != o.Fees || p.Realized != -o.Fees {
		t.Fatalf("position %+v", p)
	}
}

func TestFillBeforeAck(t *testing.T) {
	m := newOMS(t, 0)
	o := mustSend(t, m, limitBuy(oid(1)))
	r := fillReport(o.ID, 1, 500000, 3, 0)
	mustApply(t, m, r)
	if o.State != domain.StatePartiallyFilled || o.VenueOrderID != r.VenueOrderID {
		t.Fatalf("fill before ack: %s venue id %d", o.State, o.VenueOrderID)
	}
	mustApply(t, m, report(domain.ExecAck, o.ID)) // the late ack is harmless
	if o.State != domain.StatePartiallyFilled {
		t.Fatalf("late ack: %s", o.State)
	}
	mustApply(t, m, fillReport(o.ID, 2, 500000, 7, 0))
	// An ack after the order filled is refused: the order is finished.
	if _, _, err := m.Apply(report(domain.ExecAck, o.ID), 11); !errors.Is(err, ErrTransition) {
		t.Fatalf("ack on filled order: %v", err)
	}
}

func TestDuplicateFill(t *testing.T) {
	m := newOMS(t, 0)
	o := mustSend(t, m, limitBuy(oid(1)))
	mustApply(t, m, fillReport(o.ID, 77, 500000, 3, 100))
	before, pos := *o, *m.Position(1, es)

	for _, r := range []*domain.ExecReport{
		fillReport(o.ID, 77, 500000, 3, 100), // resent as is
		fillReport(o.ID, 77, 500025, 1, 0),   // same trade id, other numbers
	} {
		got, f, err := m.Apply(r, 11)
		if !errors.Is(err, ErrDuplicateFill) || f != nil || got != o {
			t.Fatalf("duplicate: %v, fill %v", err, f)
		}
	}
	if *o != before || *m.Position(1, es) != pos {
		t.Fatal("duplicate fill changed the order or position")
	}

	// The same trade id at another venue is another trade, but this order
	// was not sent there.
	r := fillReport(o.ID, 77, 500000, 3, 0)
	r.Venue = venue + 1
	if _, _, err := m.Apply(r, 11); !errors.Is(err, ErrUnknownOrder) {
		t.Fatalf("fill from another venue: %v", err)
	}
}

// Two of desk's orders that trade with each other share the venue's trade
// id; both fills are real.
func TestSelfTradeSharesTradeID(t *testing.T) {
	m := newOMS(t, 0)
	buy := mustSend(t, m, limitBuy(oid(1)))
	in := limitBuy(oid(2))
	in.Strategy, in.Side = 2, domain.Sell
	sell := mustSend(t, m, in)
	mustApply(t, m, fillReport(buy.ID, 5, 500000, 10, 0))
	mustApply(t, m, fillReport(sell.ID, 5, 500000, 10, 0))
	if m.Position(1, es).Qty != 10 || m.Position(2, es).Qty != -10 {
		t.Fatalf("positions %d %d", m.Position(1, es).Qty, m.Position(2, es).Qty)
	}
}

func TestOverfill(t *testing.T) {
	m := newOMS(t, 0)
	o := mustSend(t, m, limitBuy(oid(1)))
	mustApply(t, m, fillReport(o.ID, 1, 500000, 8, 0))
	before, pos := *o, *m.Position(1, es)
	got, f, err := m.Apply(fillReport(o.ID, 2, 500000, 3, 0), 11)
	if !errors.Is(err, ErrOverfill) || f != nil || got != o {
		t.Fatalf("overfill: %v", err)
	}
	if *o != before || *m.Position(1, es) != pos {
		t.Fatal("overfill changed the order or position")
	}
	// Refused, so not remembered: the right quantity under that trade id
	// is still accepted.
	mustApply(t, m, fillReport(o.ID, 2, 500000, 2, 0))
	if o.State != domain.StateFilled || m.Position(1, es).Qty != 10 {
		t.Fatalf("after the rest: %s, position %d", o.State, m.Position(1, es).Qty)
	}
}

func TestLateFillAfterCancel(t *testing.T) {
	m := newOMS(t, 0)
	o := mustSend(t, m, limitBuy(oid(1)))
	mustApply(t, m, report(domain.ExecAck, o.ID))
	mustApply(t, m, fillReport(o.ID, 1, 500000, 2, 0))
	if err := m.CancelRequested(o, 5); err != nil {
		t.Fatal(err)
	}
	mustApply(t, m, fillReport(o.ID, 2, 500000, 1, 0)) // while pending cancel
	if o.State != domain.StatePendingCancel || o.Filled != 3 {
		t.Fatalf("fill while pending cancel: %s %d", o.State, o.Filled)
	}
	c := report(domain.ExecCanceled, o.ID)
	c.Reason = "user"
	mustApply(t, m, c)
	if o.State != domain.StateCanceled || o.Reason != "user" {
		t.Fatalf("canceled: %s %q", o.State, o.Reason)
	}

	// The venue matched 4 more before the cancel took effect.
	got, f := mustApply(t, m, fillReport(o.ID, 3, 499975, 4, 0))
	if got.State != domain.StateCanceled || f == nil || f.Qty != 4 {
		t.Fatalf("late fill: state %s fill %+v", got.State, f)
	}
	if o.Filled != 7 || m.Position(1, es).Qty != 7 {
		t.Fatalf("late fill not booked: filled %d position %d", o.Filled, m.Position(1, es).Qty)
	}
	// Late, but not beyond the order.
	if _, _, err := m.Apply(fillReport(o.ID, 4, 499975, 4, 0), 12); !errors.Is(err, ErrOverfill) {
		t.Fatalf("late overfill: %v", err)
	}
	// Nor twice.
	if _, _, err := m.Apply(fillReport(o.ID, 3, 499975, 4, 0), 12); !errors.Is(err, ErrDuplicateFill) {
		t.Fatalf("late duplicate: %v", err)
	}
}

func TestFillOnRejectedOrderRefused(t *testing.T) {
	m := newOMS(t, 0)
	o := mustSend(t, m, limitBuy(oid(1)))
	mustApply(t, m, report(domain.ExecReject, o.ID))
	if _, _, err := m.Apply(fillReport(o.ID, 1, 500000, 1, 0), 11); !errors.Is(err, ErrTransition) {
		t.Fatalf("fill on rejected: %v", err)
	}
	if m.Position(1, es) != nil {
		t.Fatal("position booked")
	}
}

func TestInvalidReports(t *testing.T) {
	m := newOMS(t, 0)
	o := mustSend(t, m, limitBuy(oid(1)))
	before := *o
	bad := []*domain.ExecReport{
		report(0, o.ID),
		report(99, o.ID),
		fillReport(o.ID, 1, 500000, 0, 0),
		fillReport(o.ID, 1, 500000, -1, 0),
		fillReport(o.ID, 0, 500000, 1, 0),
	}
	for _, r := range bad {
		if _, _, err := m.Apply(r, 11); !errors.Is(err, ErrInvalidReport) {
			t.Errorf("%+v: %v", r, err)
		}
	}
	if _, _, err := m.Apply(report(domain.ExecAck, oid(99)), 11); !errors.Is(err, ErrUnknownOrder) {
		t.Errorf("unknown order: %v", err)
	}
	if *o != before {
		t.Fatal("a refused report changed the order")
	}
	// A report for an order never sent is refused by the state machine.
	in := limitBuy(oid(2))
	n, _ := m.Create(&in, 1)
	if _, _, err := m.Apply(report(domain.ExecAck, n.ID), 11); !errors.Is(err, ErrTransition) {
		t.Errorf("ack for an unsent order: %v", err)
	}
}

func TestReplace(t *testing.T) {
	m := newOMS(t, 0)
	o := mustSend(t, m, limitBuy(oid(1)))
	if err := m.ReplaceRequested(o, 500025, 12, 3); !errors.Is(err, ErrTransition) {
		t.Fatalf("replace before ack: %v", err)
	}
	mustApply(t, m, report(domain.ExecAck, o.ID))
	mustApply(t, m, fillReport(o.ID, 1, 500000, 4, 0))

	if err := m.ReplaceRequested(o, 500025, 12, 3); err != nil {
		t.Fatal(err)
	}
	if o.State != domain.StatePendingReplace || o.PendingPrice != 500025 || o.PendingQty != 12 || o.Price != 500000 || o.Qty != 10 {
		t.Fatalf("pending replace: %+v", *o)
	}
	if err := m.CancelRequested(o, 3); !errors.Is(err, ErrTransition) {
		t.Fatalf("cancel during replace: %v", err)
	}
	mustApply(t, m, fillReport(o.ID, 2, 500000, 1, 0)) // old terms still working
	if o.State != domain.StatePendingReplace || o.Filled != 5 {
		t.Fatalf("fill during replace: %s %d", o.State, o.Filled)
	}
	r := report(domain.ExecReplaced, o.ID)
	r.Price, r.Qty = 500025, 12
	mustApply(t, m, r)
	if o.State != domain.StatePartiallyFilled || o.Price != 500025 || o.Qty != 12 || o.PendingQty != 0 || o.PendingPrice != 0 {
		t.Fatalf("replaced: %+v", *o)
	}

	// Rejected replace: nothing but the pending fields changes.
	if err := m.ReplaceRequested(o, 500050, 8, 4); err != nil {
		t.Fatal(err)
	}
	rr := report(domain.ExecReplaceReject, o.ID)
	rr.Reason = "too-late"
	mustApply(t, m, rr)
	if o.State != domain.StatePartiallyFilled || o.Price != 500025 || o.Qty != 12 || o.PendingQty != 0 {
		t.Fatalf("replace rejected: %+v", *o)
	}

	// A confirmation without values confirms what was asked.
	if err := m.ReplaceRequested(o, 500050, 9, 4); err != nil {
		t.Fatal(err)
	}
	mustApply(t, m, report(domain.ExecReplaced, o.ID))
	if o.Price != 500050 || o.Qty != 9 {
		t.Fatalf("bare replaced: %d %d", o.Price, o.Qty)
	}

	// A replace down to exactly what filled meanwhile completes the order.
	if err := m.ReplaceRequested(o, 500050, 6, 5); err != nil {
		t.Fatal(err)
	}
	mustApply(t, m, fillReport(o.ID, 3, 500050, 1, 0))
	r = report(domain.ExecReplaced, o.ID)
	r.Price, r.Qty = 500050, 6
	mustApply(t, m, r)
	if o.State != domain.StateFilled || o.Qty != 6 || o.Filled != 6 {
		t.Fatalf("replace to filled: %s %d/%d", o.State, o.Filled, o.Qty)
	}
}

func TestReplacedBelowFilledRefused(t *testing.T) {
	m := newOMS(t, 0)
	o := mustSend(t, m, limitBuy(oid(1)))
	mustApply(t, m, fillReport(o.ID, 1, 500000, 4, 0))
	if err := m.ReplaceRequested(o, 500000, 6, 3); err != nil {
		t.Fatal(err)
	}
	mustApply(t, m, fillReport(o.ID, 2, 500000, 1, 0))
	before := *o
	r := report(domain.ExecReplaced, o.ID)
	r.Qty = 4
	if _, _, err := m.Apply(r, 11); !errors.Is(err, ErrInvalidReport) {
		t.Fatalf("replaced below filled: %v", err)
	}
	if *o != before {
		t.Fatal("refused replace changed the order")
	}
}

func TestReplaceValidation(t *testing.T) {
	tests := []struct {
		name    string
		typ     domain.OrderType
		price   domain.Price
		qty     domain.Qty
		wantErr error
	}{
		{"price and qty", domain.Limit, 500025, 12, nil},
		{"qty only", domain.Limit, 500000, 5, nil},
		{"price only", domain.Limit, 499975, 10, nil},
		{"nothing", domain.Limit, 500000, 10, ErrInvalidOrder},
		{"qty at filled", domain.Limit, 500000, 4, ErrInvalidOrder},
		{"qty below filled", domain.Limit, 500000, 3, ErrInvalidOrder},
		{"zero qty", domain.Limit, 500000, 0, domain.ErrNotPositive},
		{"off tick", domain.Limit, 500010, 10, domain.ErrOffTick},
		{"limit without price", domain.Limit, 0, 10, ErrInvalidOrder},
		{"stop qty", domain.Stop, 0, 8, nil},
		{"stop with price", domain.Stop, 500000, 8, ErrInvalidOrder},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newOMS(t, 0)
			in := limitBuy(oid(1))
			if tt.typ == domain.Stop {
				in.Type, in.Price, in.StopPrice = domain.Stop, 0, 499975
			}
			o := mustSend(t, m, in)
			mustApply(t, m, fillReport(o.ID, 1, 500000, 4, 0))
			before := *o
			err := m.ReplaceRequested(o, tt.price, tt.qty, 5)
			if tt.wantErr == nil {
				if err != nil || o.State != domain.StatePendingReplace {
					t.Fatalf("err %v state %s", err, o.State)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !errors.Is(err, ErrInvalidOrder) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if *o != before {
				t.Fatal("refused replace changed the order")
			}
		})
	}
}

package oms

import (
	"errors"
	"testing"

	"github.com/desk-trading/desk/core/domain"
)

// BenchmarkValidateNew is the validation Create does before it makes an
// order: the part of the create path that checks the intent.
func BenchmarkValidateNew(b *testing.B) {
	m := New(Options{Instruments: instruments(b)})
	in := limitBuy(oid(1))
	in.TIF, in.ExpireAt = domain.GTD, 1<<40
	b.ReportAllocs()
	for b.Loop() {
		if err := m.validateNew(&in, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// TestValidateNewDoesNotAllocate: validation is on Create's hot path.
func TestValidateNewDoesNotAllocate(t *testing.T) {
	m := newOMS(t, 0)
	in := limitBuy(oid(1))
	in.TIF, in.ExpireAt, in.PostOnly = domain.GTD, 1<<40, true
	var err error
	allocs := testing.AllocsPerRun(1000, func() { err = m.validateNew(&in, 1) })
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Errorf("validateNew allocates %v times", allocs)
	}
}

// TestInvalidOrderCarriesFault: Create's and ReplaceRequested's errors are
// ErrInvalidOrder and domain's, with the fault domain.ValidateOrder found.
func TestInvalidOrderCarriesFault(t *testing.T) {
	m := newOMS(t, 0)
	in := limitBuy(oid(1))
	in.Type, in.Price = domain.Market, 0 // a GTC market order
	_, err := m.Create(&in, 1)
	var oe *domain.OrderError
	if !errors.Is(err, ErrInvalidOrder) || !errors.Is(err, domain.ErrInvalidOrder) ||
		!errors.As(err, &oe) || oe.Fault != domain.FaultMarketTIF {
		t.Fatalf("Create: %v, want ErrInvalidOrder with FaultMarketTIF", err)
	}
	o := mustSend(t, m, limitBuy(oid(2)))
	mustApply(t, m, report(domain.ExecAck, o.ID))
	err = m.ReplaceRequested(o, o.Price, o.Qty, 3)
	if !errors.Is(err, ErrInvalidOrder) || !errors.As(err, &oe) || oe.Fault != domain.FaultNoChange {
		t.Fatalf("ReplaceRequested: %v, want ErrInvalidOrder with FaultNoChange", err)
	}
	if want := "oms: invalid order: replace of order " + o.ID.String() + ": replace changes nothing"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

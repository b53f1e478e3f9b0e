package oms

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/desk-trading/desk/core/domain"
)

// model is what the property test expects, computed independently of the
// OMS: per position the signed sums of the fills applied, per order the
// quantity applied.
type model struct {
	qty      map[posKey]domain.Qty
	paid     map[posKey]domain.Money // signed notional of the fills
	fees     map[posKey]domain.Money
	filled   map[domain.OrderID]domain.Qty
	keys     map[fillKey]bool // of the fills applied: each at most once
	applied  []domain.Fill
	reports  []domain.ExecReport // every fill report sent, to resend
	nextSeq  uint64
	nextTrad uint64
}

type propInst struct {
	id        domain.InstrumentID
	base      domain.Price
	tick      domain.Price
	maxLots   int64
	lot       domain.Qty
	priceSpan int64 // in ticks either side of base
}

func TestPropertyRandomLifecycles(t *testing.T) {
	seeds, steps := 12, 10000
	if testing.Short() {
		seeds, steps = 3, 3000
	}
	// outcomes counts what happened over all seeds, to check the runs
	// reached the cases that matter.
	outcomes := map[string]int{}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint("seed-", seed), func(t *testing.T) { runProperty(t, seed, steps, outcomes) })
	}
	for _, want := range []string{
		"fill", "late fill", "ack", "canceled", "replaced", "cancel-reject", "replace-reject", "expired",
		"cancel-request", "replace-request",
		ErrDuplicateFill.Error(), ErrOverfill.Error(), ErrTransition.Error(), ErrUnknownOrder.Error(), ErrInvalidReport.Error(),
	} {
		if outcomes[want] == 0 {
			t.Errorf("the runs never reached %q: %v", want, outcomes)
		}
	}
	t.Logf("outcomes %v", outcomes)
}

func runProperty(t *testing.T, seed uint64, steps int, outcomes map[string]int) {
	rng := rand.New(rand.NewPCG(seed, 0x0de5c))
	m := booked(New(Options{Instruments: instruments(t), KeepTerminal: 40}))
	insts := []propInst{
		{id: btc, base: 5_000_000, tick: 1, lot: 1, maxLots: 50_000, priceSpan: 100_000},
		{id: es, base: 500_000, tick: 25, lot: 1, maxLots: 20, priceSpan: 400},
		{id: fine, base: 1_234_567, tick: 1, lot: 1, maxLots: 1_000_000, priceSpan: 1_000_000},
		{id: half, base: 10_000, tick: 5, lot: 5, maxLots: 40, priceSpan: 1_500},
	}
	byID := map[domain.InstrumentID]propInst{}
	for _, pi := range insts {
		byID[pi.id] = pi
	}
	outcome := func(ev event, before domain.OrderState, err error) {
		switch {
		case err == nil && ev == evFill && before.Terminal():
			outcomes["late fill"]++
		case err == nil:
			outcomes[ev.String()]++
		default:
			for _, e := range []error{ErrDuplicateFill, ErrOverfill, ErrTransition, ErrUnknownOrder, ErrInvalidReport, ErrInvalidOrder} {
				if errors.Is(err, e) {
					outcomes[e.Error()]++
				}
			}
		}
	}
	md := &model{
		qty: map[posKey]domain.Qty{}, paid: map[posKey]domain.Money{}, fees: map[posKey]domain.Money{},
		filled: map[domain.OrderID]domain.Qty{}, keys: map[fillKey]bool{},
	}
	price := func(pi propInst) domain.Price {
		return pi.base + domain.Price(rng.Int64N(2*pi.priceSpan+1)-pi.priceSpan)*pi.tick
	}
	pickOrder := func() domain.OrderID {
		if md.nextSeq == 0 {
			return oid(1)
		}
		// Mostly recent orders, sometimes old (evicted) ones.
		back := uint64(rng.ExpFloat64() * 8)
		if back >= md.nextSeq {
			back = md.nextSeq - 1
		}
		return oid(md.nextSeq - back)
	}

	for step := 0; step < steps; step++ {
		switch x := rng.IntN(100); {
		case x < 18: // a new order, sent or denied
			md.nextSeq++
			pi := insts[rng.IntN(len(insts))]
			in := domain.Intent{
				Kind: domain.IntentNew, ID: oid(md.nextSeq), Strategy: domain.StrategyID(1 + rng.IntN(3)),
				Instrument: pi.id, Side: domain.Side(1 + rng.IntN(2)), Type: domain.Limit, TIF: domain.GTC,
				Price: price(pi), Qty: domain.Qty(1+rng.Int64N(pi.maxLots)) * pi.lot,
			}
			o, err := m.Create(&in, int64(step))
			if err != nil {
				t.Fatalf("step %d: Create: %v", step, err)
			}
			if rng.IntN(10) == 0 {
				err = m.Reject(o, "risk", int64(step))
			} else {
				err = m.Sent(o, venue, int64(step))
			}
			if err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		case x < 30: // an engine request on some order
			id := pickOrder()
			o, ok := m.Get(id)
			if !ok {
				continue
			}
			before := *o
			var err error
			var ev event
			if rng.IntN(2) == 0 {
				ev, err = evCancelRequest, m.CancelRequested(o, int64(step))
			} else {
				pi := byID[o.Instrument]
				ev = evReplaceRequest
				err = m.ReplaceRequested(o, price(pi), o.Filled+domain.Qty(1+rng.Int64N(pi.maxLots))*pi.lot, int64(step))
			}
			checkStep(t, step, ev, &before, o, nil, err)
			outcome(ev, before.State, err)
		default: // a venue report
			id := pickOrder()
			o, _ := m.Get(id)
			r := randomReport(rng, md, id, o, byID, price)
			// A resent fill may be for another order.
			o, held := m.Get(r.OrderID)
			var before domain.Order
			if held {
				before = *o
			}
			got, f, err := m.Apply(&r, int64(step))
			if !held {
				if !errors.Is(err, ErrUnknownOrder) {
					t.Fatalf("step %d: report for an order not held: %v", step, err)
				}
				outcome(0, 0, err)
				continue
			}
			if got != o {
				t.Fatalf("step %d: Apply returned another order", step)
			}
			checkStep(t, step, reportEvent(r.Kind), &before, o, f, err)
			outcome(reportEvent(r.Kind), before.State, err)
			if f != nil {
				k := fillKey{f.Venue, f.OrderID, f.TradeID}
				if md.keys[k] {
					t.Fatalf("step %d: fill %+v applied twice", step, *f)
				}
				md.keys[k] = true
				md.book(f, byID, m)
			}
		}
		if step%500 == 0 {
			checkPositions(t, m, md, insts, rng, price)
		}
	}
	checkPositions(t, m, md, insts, rng, price)

	// Every order still held has exactly the fills the model applied.
	for id, q := range md.filled {
		if o, ok := m.Get(id); ok && o.Filled != q {
			t.Fatalf("order %s: Filled %d, fills applied %d", id, o.Filled, q)
		}
	}

	// Replaying the applied fills into a fresh OMS rebuilds the same
	// positions, and replaying them twice changes nothing.
	fresh := booked(New(Options{Instruments: instruments(t), OrphanFills: len(md.applied) + 1}))
	for pass := 0; pass < 2; pass++ {
		for i := range md.applied {
			if err := fresh.RestoreFill(&md.applied[i]); err != nil {
				t.Fatal(err)
			}
		}
		if a, b := dumpPositions(m), dumpPositions(fresh); a != b {
			t.Fatalf("replay pass %d differs:\nlive   %s\nreplay %s", pass, a, b)
		}
	}
	t.Logf("%d orders, %d fills applied", md.nextSeq, len(md.applied))
}

// randomReport makes a report for id: mostly plausible for the order's
// state, sometimes a resent fill, an overfill, an out-of-place kind or the
// wrong venue.
func randomReport(rng *rand.Rand, md *model, id domain.OrderID, o *domain.Order, byID map[domain.InstrumentID]propInst, price func(propInst) domain.Price) domain.ExecReport {
	if len(md.reports) > 0 && rng.IntN(12) == 0 {
		r := md.reports[rng.IntN(len(md.reports))]
		return r // a resent fill
	}
	r := domain.ExecReport{Venue: venue, OrderID: id, VenueOrderID: uint64(id)}
	if rng.IntN(50) == 0 {
		r.Venue = venue + 1
	}
	kinds := []domain.ExecKind{domain.ExecAck, domain.ExecReject, domain.ExecCanceled, domain.ExecReplaced,
		domain.ExecExpired, domain.ExecCancelReject, domain.ExecReplaceReject}
	switch {
	case rng.IntN(2) == 0 || o == nil:
		r.Kind = domain.ExecFill
	case o.State == domain.StatePendingReplace && rng.IntN(2) == 0:
		r.Kind = []domain.ExecKind{domain.ExecReplaced, domain.ExecReplaceReject}[rng.IntN(2)]
	case o.State == domain.StatePendingCancel && rng.IntN(2) == 0:
		r.Kind = []domain.ExecKind{domain.ExecCanceled, domain.ExecCancelReject}[rng.IntN(2)]
	default:
		r.Kind = kinds[rng.IntN(len(kinds))]
	}
	pi := byID[btc]
	if o != nil {
		pi = byID[o.Instrument]
	}
	switch r.Kind {
	case domain.ExecFill:
		md.nextTrad++
		r.TradeID = md.nextTrad
		r.LastPx = price(pi)
		r.Fee = domain.Money(rng.Int64N(6000) - 1000)
		leaves := domain.Qty(pi.maxLots) * pi.lot
		if o != nil {
			leaves = o.Leaves()
		}
		if leaves <= 0 || rng.IntN(15) == 0 {
			r.LastQty = leaves + pi.lot // overfill
		} else {
			r.LastQty = domain.Qty(1+rng.Int64N(int64(leaves/pi.lot))) * pi.lot
		}
		if rng.IntN(60) == 0 {
			r.TradeID = 0 // malformed: refused
			break
		}
		md.reports = append(md.reports, r)
	case domain.ExecReplaced:
		if o != nil && rng.IntN(4) == 0 {
			r.Price, r.Qty = o.PendingPrice, o.Filled-pi.lot // below filled: refused
		}
	}
	return r
}

// checkStep checks one event's effect on an order against the table.
func checkStep(t *testing.T, step int, ev event, before, after *domain.Order, f *domain.Fill, err error) {
	t.Helper()
	if after.Filled < 0 || after.Filled > after.Qty {
		t.Fatalf("step %d: %s: filled %d of %d", step, after.ID, after.Filled, after.Qty)
	}
	if err != nil {
		if *after != *before {
			t.Fatalf("step %d: refused %s (%v) changed the order:\n%+v\n%+v", step, ev, err, *before, *after)
		}
		if f != nil {
			t.Fatalf("step %d: refused %s returned a fill", step, ev)
		}
		// A refusal the table allows must have another reason.
		if lookup(before.State, ev) != 0 && errors.Is(err, ErrTransition) {
			t.Fatalf("step %d: %s in %s refused as a transition, the table allows it", step, ev, before.State)
		}
		return
	}
	tg := lookup(before.State, ev)
	if tg == 0 {
		t.Fatalf("step %d: %s in %s accepted; the table refuses it", step, ev, before.State)
	}
	if before.State.Terminal() && after.State != before.State {
		t.Fatalf("step %d: terminal %s became %s", step, before.State, after.State)
	}
	if tg != tPrior && tg.resolve(before.State, 0, after.Filled, after.Qty) != after.State {
		t.Fatalf("step %d: %s in %s led to %s", step, ev, before.State, after.State)
	}
	if ev == evFill {
		if f == nil || after.Filled != before.Filled+f.Qty {
			t.Fatalf("step %d: fill %v: filled %d -> %d", step, f, before.Filled, after.Filled)
		}
	} else if after.Filled != before.Filled || f != nil {
		t.Fatalf("step %d: %s changed Filled", step, ev)
	}
}

// book records an applied fill in the model.
func (md *model) book(f *domain.Fill, byID map[domain.InstrumentID]propInst, m *bookedOMS) {
	k := posKey{f.Strategy, f.Instrument}
	dq := f.Qty
	if f.Side == domain.Sell {
		dq = -dq
	}
	in := m.instrument(f.Instrument)
	sn, ok := in.Notional(f.Price, dq)
	if !ok {
		panic("test prices overflow")
	}
	md.qty[k] += dq
	md.paid[k] += sn
	md.fees[k] += f.Fee
	md.filled[f.OrderID] += f.Qty
	md.applied = append(md.applied, *f)
}

// checkPositions checks every position against the model: its quantity is
// the signed sum of its fills, and realized + unrealized at a mark equals
// the mark value less what the fills cost and the fees. The brief allows 1
// Money unit of rounding per fill; Position.Apply splits each fill's value
// exactly, so the test demands equality.
func checkPositions(t *testing.T, m *bookedOMS, md *model, insts []propInst, rng *rand.Rand, price func(propInst) domain.Price) {
	t.Helper()
	n := 0
	m.Positions(func(s domain.StrategyID, i domain.InstrumentID, p *domain.Position) bool {
		n++
		k := posKey{s, i}
		if p.Qty != md.qty[k] {
			t.Fatalf("position %v: qty %d, fills sum to %d", k, p.Qty, md.qty[k])
		}
		if p.Qty == 0 && p.Cost != 0 {
			t.Fatalf("position %v: flat with cost %d", k, p.Cost)
		}
		in := m.instrument(i)
		var pi propInst
		for _, x := range insts {
			if x.id == i {
				pi = x
			}
		}
		mark := price(pi)
		mv, _ := in.Notional(mark, p.Qty)
		want := mv - md.paid[k] - md.fees[k]
		if got := p.Realized + p.Unrealized(mark, in); got != want {
			t.Fatalf("position %v: realized+unrealized %d, mark value - paid - fees %d", k, got, want)
		}
		return true
	})
	if n != len(md.qty) {
		t.Fatalf("%d positions, model has %d", n, len(md.qty))
	}
}

func dumpPositions(m *bookedOMS) string {
	s := ""
	m.Positions(func(st domain.StrategyID, i domain.InstrumentID, p *domain.Position) bool {
		s += fmt.Sprintf("[%d/%d %+v]", st, i, *p)
		return true
	})
	return s
}

package engine

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/domain"
)

// TestLedgerMatchesFillsAndMarks runs seeded simulations (orders, acks,
// partial and full fills, duplicated trade ids, fills after a cancel,
// rejects, replaces, a moving market) and checks the one ledger against a
// model computed independently, in decimals, from the fills the journal
// holds and the last mark: each strategy's position is the sum of its
// fills, its realized plus unrealized P&L is what the fills cost, less
// fees, plus the position at the mark, and the book's and the firm's P&L
// are their strategies' sum. No (order, trade id) is booked twice.
func TestLedgerMatchesFillsAndMarks(t *testing.T) {
	for _, seed := range []int64{1, 2, 3, 4, 5, 6, 7, 8} {
		evs, f := simulate(t, seed, 3000)
		in := &f.in
		px := func(p domain.Price) decimal.Decimal { return in.PriceDecimal(p) }
		qty := func(q domain.Qty) decimal.Decimal { return in.QtyDecimal(q) }

		type key struct {
			order domain.OrderID
			trade uint64
		}
		seen := map[key]bool{}
		pos := map[domain.StrategyID]decimal.Decimal{}
		cash := map[domain.StrategyID]decimal.Decimal{}
		late := 0
		for i := range evs {
			if evs[i].Kind != domain.EventFill {
				continue
			}
			fl := &evs[i].Fill
			k := key{fl.OrderID, fl.TradeID}
			if seen[k] {
				t.Fatalf("seed %d: fill %+v booked twice", seed, k)
			}
			seen[k] = true
			dq := qty(fl.Qty).Mul(decimal.NewFromInt(int64(fl.Side.Sign())))
			pos[fl.Strategy] = pos[fl.Strategy].Add(dq)
			cash[fl.Strategy] = cash[fl.Strategy].Sub(px(fl.Price).Mul(dq)).Sub(fl.Fee.Decimal())
			if o, ok := f.eng.oms.Get(fl.OrderID); ok && (o.State == domain.StateCanceled || o.State == domain.StateExpired) {
				late++ // filled and still canceled: a fill after the cancel
			}
		}
		if len(seen) == 0 || late == 0 {
			t.Fatalf("seed %d: %d fills, %d after a cancel: the simulation does not test the ledger", seed, len(seen), late)
		}
		mark, _ := f.eng.risk.Mark(0)
		// Money truncates each fill's value to its scale: allow one unit a
		// fill.
		slack := decimal.New(int64(len(seen)), -domain.MoneyDecimals)
		var firm decimal.Decimal
		for s, q := range pos {
			p := f.eng.risk.Position(s, 0)
			if p == nil || !qty(p.Qty).Equal(q) {
				t.Fatalf("seed %d: strategy %d ledger position %v, fills sum to %s", seed, s, p, q)
			}
			want := cash[s].Add(q.Mul(px(mark)))
			got := p.Realized.Decimal().Add(p.Unrealized(mark, in).Decimal())
			if got.Sub(want).Abs().GreaterThan(slack) {
				t.Fatalf("seed %d: strategy %d P&L %s, the fills and the mark say %s", seed, s, got, want)
			}
			node := f.eng.risk.Strategy(s).PnL().Decimal()
			if node.Sub(want).Abs().GreaterThan(slack) {
				t.Fatalf("seed %d: strategy %d node P&L %s, want %s", seed, s, node, want)
			}
			firm = firm.Add(want)
		}
		for _, n := range []string{"alpha", "firm"} {
			node, _ := f.eng.risk.Node(n)
			if got := node.PnL().Decimal(); got.Sub(firm).Abs().GreaterThan(slack) {
				t.Fatalf("seed %d: %s P&L %s, its strategies' sum %s", seed, n, got, firm)
			}
		}
	}
}

// TestNoJournalPrefixTearsAFill cuts a seeded run's journal after every
// event in turn, as a crash at that point of the group commits would, and
// restores each prefix: no order may count a fill the prefix does not
// hold, nor the ledger book one whose order is behind it. Found by review:
// a fill and the order after it were two records.
func TestNoJournalPrefixTearsAFill(t *testing.T) {
	evs, _ := simulate(t, 11, 1500)
	for cut := 1; cut <= len(evs); cut += 7 {
		g := newFixture(t, &recVenue{}, &memJournal{}, nopHost{}, lims(t))
		var sum RestoreSummary
		filled := map[domain.OrderID]domain.Qty{}
		for i := range evs[:cut] {
			g.eng.Restore(&evs[i], &sum)
			if evs[i].Kind == domain.EventFill {
				filled[evs[i].Fill.OrderID] += evs[i].Fill.Qty
			}
		}
		g.eng.FinishRestore(&sum)
		var pos domain.Qty
		for id, q := range filled {
			o, ok := g.eng.oms.Get(id)
			if ok && o.Filled != q {
				t.Fatalf("journal cut after %d events: order %s counts %d filled, the journal holds fills of %d", cut, id, o.Filled, q)
			}
		}
		for i := range evs[:cut] {
			if f := &evs[i].Fill; evs[i].Kind == domain.EventFill {
				pos += f.Qty * domain.Qty(f.Side.Sign())
			}
		}
		if p := g.eng.risk.Position(0, 0); p != nil && p.Qty != pos {
			t.Fatalf("journal cut after %d events: ledger %d, the journal's fills %d", cut, p.Qty, pos)
		}
	}
}

// Package demo holds the strategies that ship with desk, one kind per file,
// for `desk demo` and as examples to copy: a market maker
// (marketmaker.go), a momentum taker (momentum.go), a mean reversion
// trader (meanreversion.go) and a TWAP executor (twap.go). Register adds
// them to a strategy.Registry.
//
// Each stays within its max_position counting its working orders, sends at
// most a few orders per second per instrument, does nothing new when
// halted and only reduces its position when reduce-only. Prices and
// quantities are fixed-point throughout, rounded to tick and lot; floats
// appear only in signals (averages, z-scores).
//
// # Writing a strategy kind
//
// One file in this package: a type with OnBook (and any optional handler it
// needs), a factory that reads its Params, and an init function that adds
// the kind to the package's list, which Register hands to a Registry. This one joins the
// best bid with size while flat:
//
//	package demo
//
//	import (
//		"github.com/desk-trading/desk/core/domain"
//		"github.com/desk-trading/desk/core/strategy"
//		"github.com/shopspring/decimal"
//	)
//
//	type joinBid struct{ size decimal.Decimal }
//
//	func newJoinBid(p *strategy.Params) (strategy.Strategy, error) {
//		s := &joinBid{size: p.Decimal("size", decimal.NewFromInt(1))}
//		return s, p.Err()
//	}
//
//	func (s *joinBid) OnBook(ctx *strategy.Context, b *domain.BookUpdate) {
//		in, _ := ctx.InstrumentByID(b.Instrument)
//		bid, _, ok := ctx.BestBid(in.ID)
//		if !ok || ctx.State() != domain.Active || ctx.Position(in.ID) != 0 || ctx.OpenOrderCount(in.ID) > 0 {
//			return
//		}
//		if qty, err := in.QtyFromDecimal(s.size); err == nil {
//			ctx.Buy(in.ID, qty, bid.Price)
//		}
//	}
//
//	func init() { builtin.add("join-bid", newJoinBid) }
//
// Then name it in the config with its params (kind = "join-bid", size =
// "0.5"). The Host delivers books, orders and fills; Context tracks the
// position and working orders; the engine's risk checks every order.
//
// # Caveats
//
// Every method of these strategies runs on its Host's goroutine, one at a
// time; they keep per-instrument state in plain maps and never block. A
// strategy instance belongs to one Host: build one per configured strategy
// with Registry.New.
package demo

package demo

import (
	"fmt"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/strategy"
	"github.com/shopspring/decimal"
)

// This file keeps the example in doc.go compiling. It adds its kind to a
// list of its own, so the tests of the real kinds see only those.

var exampleKinds kinds

func init() { exampleKinds.add("join-bid", newJoinBid) }

type joinBid struct{ size decimal.Decimal }

func newJoinBid(p *strategy.Params) (strategy.Strategy, error) {
	s := &joinBid{size: p.Decimal("size", decimal.NewFromInt(1))}
	return s, p.Err()
}

func (s *joinBid) OnBook(ctx *strategy.Context, b *domain.BookUpdate) {
	in, _ := ctx.InstrumentByID(b.Instrument)
	bid, _, ok := ctx.BestBid(in.ID)
	if !ok || ctx.State() != domain.Active || ctx.Position(in.ID) != 0 || ctx.OpenOrderCount(in.ID) > 0 {
		return
	}
	if qty, err := in.QtyFromDecimal(s.size); err == nil {
		ctx.Buy(in.ID, qty, bid.Price)
	}
}

func Example() {
	r := strategy.NewRegistry()
	for _, k := range exampleKinds {
		if err := r.Register(k.name, k.factory); err != nil {
			panic(err)
		}
	}
	if _, err := r.New("join-bid", map[string]string{"size": "0.5"}); err != nil {
		panic(err)
	}
	// A bad parameter is refused when the instance is made, not later.
	_, err := r.New("join-bid", map[string]string{"size": "lots"})
	fmt.Println(r.Kinds(), err != nil)
	// Output: [join-bid] true
}

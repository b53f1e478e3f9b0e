package match

import (
	"fmt"
	"strings"
	"testing"

	"github.com/desk-trading/desk/core/domain"
)

const (
	buy  = domain.Buy
	sell = domain.Sell
)

// Order builders. Every order's Tag is 1000+ID so the tests also see that
// tags travel with their orders.
func lim(id uint64, s domain.Side, px, qty int64) Order {
	return Order{ID: id, Tag: 1000 + id, Side: s, Type: domain.Limit, TIF: domain.GTC,
		Price: domain.Price(px), Qty: domain.Qty(qty)}
}

func mkt(id uint64, s domain.Side, qty int64) Order {
	return Order{ID: id, Tag: 1000 + id, Side: s, Type: domain.Market, Qty: domain.Qty(qty)}
}

func ioc(o Order) Order  { o.TIF = domain.IOC; return o }
func fok(o Order) Order  { o.TIF = domain.FOK; return o }
func post(o Order) Order { o.PostOnly = true; return o }

// Event builders, mirroring what the book reports.
func accepted(o Order) Event {
	px := o.Price
	if o.Type == domain.Market {
		px = 0
	}
	return Event{Kind: Accepted, Side: o.Side, ID: o.ID, Tag: o.Tag, Price: px, Qty: o.Qty, Leaves: o.Qty}
}

func rejected(o Order, reason string) Event {
	return Event{Kind: Rejected, Side: o.Side, ID: o.ID, Tag: o.Tag, Price: o.Price, Qty: o.Qty, Reason: reason}
}

// filled is a trade of taker against maker at px for qty, with what each
// has left afterwards.
func filled(taker Order, maker uint64, px, qty, leaves, makerLeaves int64) Event {
	return Event{Kind: Filled, Side: taker.Side, ID: taker.ID, Tag: taker.Tag, Price: domain.Price(px),
		Qty: domain.Qty(qty), Leaves: domain.Qty(leaves),
		MakerID: maker, MakerTag: 1000 + maker, MakerLeaves: domain.Qty(makerLeaves)}
}

func canceled(id uint64, s domain.Side, px, qty int64, reason string) Event {
	return Event{Kind: Canceled, Side: s, ID: id, Tag: 1000 + id, Price: domain.Price(px), Qty: domain.Qty(qty), Reason: reason}
}

func replaced(id uint64, s domain.Side, px, qty, leaves int64) Event {
	return Event{Kind: Replaced, Side: s, ID: id, Tag: 1000 + id, Price: domain.Price(px), Qty: domain.Qty(qty), Leaves: domain.Qty(leaves)}
}

// step is one call on the book and, when want is not nil, the exact events
// it must return.
type step struct {
	submit  *Order
	cancel  uint64
	replace *[3]int64 // id, price, qty
	want    []Event
}

func sub(o Order, want ...Event) step { return step{submit: &o, want: want} }
func cxl(id uint64, want ...Event) step {
	return step{cancel: id, want: want}
}
func rpl(id uint64, px, qty int64, want ...Event) step {
	return step{replace: &[3]int64{int64(id), px, qty}, want: want}
}

// rest submits o and expects it to rest untouched.
func rest(o Order) step { return sub(o, accepted(o)) }

func (s step) run(b *Book) []Event {
	switch {
	case s.submit != nil:
		return b.Submit(*s.submit)
	case s.replace != nil:
		return b.Replace(uint64(s.replace[0]), domain.Price(s.replace[1]), domain.Qty(s.replace[2]))
	default:
		return b.Cancel(s.cancel)
	}
}

// levels renders one side of the book as "px:qty px:qty", best first.
func levels(ls []domain.Level, n uint8) string {
	var sb strings.Builder
	for _, l := range ls[:n] {
		fmt.Fprintf(&sb, "%d:%d ", l.Price, l.Qty)
	}
	return strings.TrimSpace(sb.String())
}

func TestBook(t *testing.T) {
	tests := []struct {
		name       string
		steps      []step
		bids, asks string // the book afterwards
	}{
		{
			name: "same price fills in arrival order",
			steps: []step{
				rest(lim(1, sell, 100, 5)),
				rest(lim(2, sell, 100, 5)),
				sub(lim(3, buy, 100, 7), accepted(lim(3, buy, 100, 7)),
					filled(lim(3, buy, 100, 7), 1, 100, 5, 2, 0),
					filled(lim(3, buy, 100, 7), 2, 100, 2, 0, 3)),
			},
			asks: "100:3",
		},
		{
			name: "better price fills first even when later",
			steps: []step{
				rest(lim(1, sell, 101, 5)),
				rest(lim(2, sell, 100, 5)),
				sub(lim(3, buy, 101, 6), accepted(lim(3, buy, 101, 6)),
					filled(lim(3, buy, 101, 6), 2, 100, 5, 1, 0),
					filled(lim(3, buy, 101, 6), 1, 101, 1, 0, 4)),
			},
			asks: "101:4",
		},
		{
			name: "buy trades at the resting ask, not its limit",
			steps: []step{
				rest(lim(1, sell, 100, 5)),
				sub(lim(2, buy, 105, 5), accepted(lim(2, buy, 105, 5)),
					filled(lim(2, buy, 105, 5), 1, 100, 5, 0, 0)),
			},
		},
		{
			name: "sell trades at the resting bid, not its limit",
			steps: []step{
				rest(lim(1, buy, 100, 5)),
				sub(lim(2, sell, 95, 2), accepted(lim(2, sell, 95, 2)),
					filled(lim(2, sell, 95, 2), 1, 100, 2, 0, 3)),
			},
			bids: "100:3",
		},
		{
			name: "partial fill rests the remainder",
			steps: []step{
				rest(lim(1, sell, 100, 3)),
				sub(lim(2, buy, 100, 5), accepted(lim(2, buy, 100, 5)),
					filled(lim(2, buy, 100, 5), 1, 100, 3, 2, 0)),
			},
			bids: "100:2",
		},
		{
			name: "limit not crossing rests on its side, sorted",
			steps: []step{
				rest(lim(1, buy, 99, 1)),
				rest(lim(2, buy, 101, 2)),
				rest(lim(3, buy, 100, 3)),
				rest(lim(4, sell, 103, 4)),
				rest(lim(5, sell, 102, 5)),
				rest(lim(6, sell, 102, 6)),
			},
			bids: "101:2 100:3 99:1",
			asks: "102:11 103:4",
		},
		{
			name: "IOC remainder is canceled",
			steps: []step{
				rest(lim(1, sell, 100, 3)),
				sub(ioc(lim(2, buy, 100, 5)), accepted(ioc(lim(2, buy, 100, 5))),
					filled(ioc(lim(2, buy, 100, 5)), 1, 100, 3, 2, 0),
					canceled(2, buy, 100, 2, ReasonIOCRemainder)),
			},
		},
		{
			name: "IOC that does not cross is canceled whole",
			steps: []step{
				rest(lim(1, sell, 101, 3)),
				sub(ioc(lim(2, buy, 100, 5)), accepted(ioc(lim(2, buy, 100, 5))),
					canceled(2, buy, 100, 5, ReasonIOCRemainder)),
			},
			asks: "101:3",
		},
		{
			name: "FOK fills completely across levels",
			steps: []step{
				rest(lim(1, sell, 100, 3)),
				rest(lim(2, sell, 101, 3)),
				sub(fok(lim(3, buy, 101, 5)), accepted(fok(lim(3, buy, 101, 5))),
					filled(fok(lim(3, buy, 101, 5)), 1, 100, 3, 2, 0),
					filled(fok(lim(3, buy, 101, 5)), 2, 101, 2, 0, 1)),
			},
			asks: "101:1",
		},
		{
			name: "FOK larger than the book is rejected and touches nothing",
			steps: []step{
				rest(lim(1, sell, 100, 3)),
				rest(lim(2, sell, 101, 3)),
				sub(fok(lim(3, buy, 101, 7)), rejected(fok(lim(3, buy, 101, 7)), ReasonFOKNotFillable)),
			},
			asks: "100:3 101:3",
		},
		{
			name: "FOK counts only liquidity within its limit",
			steps: []step{
				rest(lim(1, sell, 100, 3)),
				rest(lim(2, sell, 101, 3)),
				sub(fok(lim(3, buy, 100, 4)), rejected(fok(lim(3, buy, 100, 4)), ReasonFOKNotFillable)),
			},
			asks: "100:3 101:3",
		},
		{
			name: "FOK sell exactly fillable",
			steps: []step{
				rest(lim(1, buy, 100, 3)),
				sub(fok(lim(2, sell, 100, 3)), accepted(fok(lim(2, sell, 100, 3))),
					filled(fok(lim(2, sell, 100, 3)), 1, 100, 3, 0, 0)),
			},
		},
		{
			name: "post-only that would cross is rejected",
			steps: []step{
				rest(lim(1, sell, 100, 5)),
				sub(post(lim(2, buy, 100, 5)), rejected(post(lim(2, buy, 100, 5)), ReasonPostOnlyWouldCross)),
			},
			asks: "100:5",
		},
		{
			name: "post-only that does not cross rests",
			steps: []step{
				rest(lim(1, sell, 101, 5)),
				rest(post(lim(2, buy, 100, 5))),
			},
			bids: "100:5",
			asks: "101:5",
		},
		{
			name: "market order sweeps several levels",
			steps: []step{
				rest(lim(1, sell, 100, 2)),
				rest(lim(2, sell, 101, 2)),
				rest(lim(3, sell, 102, 2)),
				sub(mkt(4, buy, 5), accepted(mkt(4, buy, 5)),
					filled(mkt(4, buy, 5), 1, 100, 2, 3, 0),
					filled(mkt(4, buy, 5), 2, 101, 2, 1, 0),
					filled(mkt(4, buy, 5), 3, 102, 1, 0, 1)),
			},
			asks: "102:1",
		},
		{
			name: "market order larger than the book cancels the rest",
			steps: []step{
				rest(lim(1, buy, 100, 2)),
				rest(lim(2, buy, 99, 1)),
				sub(mkt(3, sell, 10), accepted(mkt(3, sell, 10)),
					filled(mkt(3, sell, 10), 1, 100, 2, 8, 0),
					filled(mkt(3, sell, 10), 2, 99, 1, 7, 0),
					canceled(3, sell, 0, 7, ReasonMarketRemainder)),
			},
		},
		{
			name: "market order into an empty side is canceled",
			steps: []step{
				rest(lim(1, buy, 100, 2)),
				sub(mkt(2, buy, 4), accepted(mkt(2, buy, 4)),
					canceled(2, buy, 0, 4, ReasonMarketRemainder)),
			},
			bids: "100:2",
		},
		{
			name: "FOK market order needs the whole quantity",
			steps: []step{
				rest(lim(1, sell, 100, 2)),
				sub(fok(mkt(2, buy, 3)), rejected(fok(mkt(2, buy, 3)), ReasonFOKNotFillable)),
			},
			asks: "100:2",
		},
		{
			name: "cancel takes the leaves off and the level with it",
			steps: []step{
				rest(lim(1, sell, 100, 5)),
				rest(lim(2, sell, 101, 5)),
				sub(lim(3, buy, 100, 2), accepted(lim(3, buy, 100, 2)),
					filled(lim(3, buy, 100, 2), 1, 100, 2, 0, 3)),
				cxl(1, canceled(1, sell, 100, 3, ReasonCanceled)),
			},
			asks: "101:5",
		},
		{
			name: "cancel from the middle of a queue keeps the others in order",
			steps: []step{
				rest(lim(1, buy, 100, 1)),
				rest(lim(2, buy, 100, 2)),
				rest(lim(3, buy, 100, 3)),
				cxl(2, canceled(2, buy, 100, 2, ReasonCanceled)),
				sub(lim(4, sell, 100, 4), accepted(lim(4, sell, 100, 4)),
					filled(lim(4, sell, 100, 4), 1, 100, 1, 3, 0),
					filled(lim(4, sell, 100, 4), 3, 100, 3, 0, 0)),
			},
		},
		{
			name: "cancel of an unknown id is rejected",
			steps: []step{
				rest(lim(1, buy, 100, 1)),
				cxl(7, Event{Kind: CancelRejected, ID: 7, Reason: ReasonUnknownOrder}),
				cxl(0, Event{Kind: CancelRejected, ID: 0, Reason: ReasonUnknownOrder}),
			},
			bids: "100:1",
		},
		{
			name: "cancel of a filled order is rejected",
			steps: []step{
				rest(lim(1, buy, 100, 1)),
				sub(lim(2, sell, 100, 1), accepted(lim(2, sell, 100, 1)),
					filled(lim(2, sell, 100, 1), 1, 100, 1, 0, 0)),
				cxl(1, Event{Kind: CancelRejected, ID: 1, Reason: ReasonUnknownOrder}),
				cxl(1, Event{Kind: CancelRejected, ID: 1, Reason: ReasonUnknownOrder}),
			},
		},
		{
			name: "replace to a lower quantity keeps priority",
			steps: []step{
				rest(lim(1, sell, 100, 5)),
				rest(lim(2, sell, 100, 5)),
				rpl(1, 100, 3, replaced(1, sell, 100, 3, 3)),
				sub(lim(3, buy, 100, 3), accepted(lim(3, buy, 100, 3)),
					filled(lim(3, buy, 100, 3), 1, 100, 3, 0, 0)),
			},
			asks: "100:5",
		},
		{
			name: "replace to a higher quantity loses priority",
			steps: []step{
				rest(lim(1, sell, 100, 5)),
				rest(lim(2, sell, 100, 5)),
				rpl(1, 100, 8, replaced(1, sell, 100, 8, 8)),
				sub(lim(3, buy, 100, 3), accepted(lim(3, buy, 100, 3)),
					filled(lim(3, buy, 100, 3), 2, 100, 3, 0, 2)),
			},
			asks: "100:10",
		},
		{
			name: "replace of the only order at a level to a higher quantity",
			steps: []step{
				rest(lim(1, buy, 100, 5)),
				rpl(1, 100, 9, replaced(1, buy, 100, 9, 9)),
			},
			bids: "100:9",
		},
		{
			name: "replace to a new price loses priority",
			steps: []step{
				rest(lim(1, sell, 101, 5)),
				rest(lim(2, sell, 100, 5)),
				rpl(1, 100, 5, replaced(1, sell, 100, 5, 5)),
				sub(lim(3, buy, 100, 6), accepted(lim(3, buy, 100, 6)),
					filled(lim(3, buy, 100, 6), 2, 100, 5, 1, 0),
					filled(lim(3, buy, 100, 6), 1, 100, 1, 0, 4)),
			},
			asks: "100:4",
		},
		{
			name: "replace counts quantity already filled",
			steps: []step{
				rest(lim(1, buy, 100, 10)),
				sub(lim(2, sell, 100, 4), accepted(lim(2, sell, 100, 4)),
					filled(lim(2, sell, 100, 4), 1, 100, 4, 0, 6)),
				rpl(1, 99, 7, replaced(1, buy, 99, 7, 3)),
			},
			bids: "99:3",
		},
		{
			name: "replace to a crossing price trades at the resting price",
			steps: []step{
				rest(lim(1, buy, 99, 5)),
				rest(lim(2, sell, 100, 3)),
				rpl(1, 101, 5, replaced(1, buy, 101, 5, 5),
					filled(lim(1, buy, 101, 5), 2, 100, 3, 2, 0)),
			},
			bids: "101:2",
		},
		{
			name: "replace of a post-only order to a crossing price is rejected",
			steps: []step{
				rest(post(lim(1, buy, 99, 5))),
				rest(lim(2, sell, 100, 3)),
				rpl(1, 100, 5, Event{Kind: ReplaceRejected, Side: buy, ID: 1, Tag: 1001, Price: 100, Qty: 5,
					Leaves: 5, Reason: ReasonPostOnlyWouldCross}),
			},
			bids: "99:5",
			asks: "100:3",
		},
		{
			name: "replace below the filled quantity cancels the rest",
			steps: []step{
				rest(lim(1, buy, 100, 10)),
				sub(lim(2, sell, 100, 4), accepted(lim(2, sell, 100, 4)),
					filled(lim(2, sell, 100, 4), 1, 100, 4, 0, 6)),
				rpl(1, 100, 3, canceled(1, buy, 100, 6, ReasonReplacedBelowFilled)),
				cxl(1, Event{Kind: CancelRejected, ID: 1, Reason: ReasonUnknownOrder}),
			},
		},
		{
			name: "replace of an unknown order or to bad values is rejected",
			steps: []step{
				rest(lim(1, buy, 100, 10)),
				rpl(9, 100, 5, Event{Kind: ReplaceRejected, ID: 9, Price: 100, Qty: 5, Reason: ReasonUnknownOrder}),
				rpl(1, 100, 0, Event{Kind: ReplaceRejected, Side: buy, ID: 1, Tag: 1001, Price: 100, Qty: 0,
					Leaves: 10, Reason: ReasonBadQty}),
				rpl(1, -1, 5, Event{Kind: ReplaceRejected, Side: buy, ID: 1, Tag: 1001, Price: -1, Qty: 5,
					Leaves: 10, Reason: ReasonBadPrice}),
			},
			bids: "100:10",
		},
		{
			name: "bad orders are rejected",
			steps: []step{
				rest(lim(1, buy, 100, 1)),
				sub(lim(0, buy, 100, 1), rejected(lim(0, buy, 100, 1), ReasonBadID)),
				sub(lim(1, buy, 99, 1), rejected(lim(1, buy, 99, 1), ReasonDuplicateID)),
				sub(lim(2, buy, 100, 0), rejected(lim(2, buy, 100, 0), ReasonBadQty)),
				sub(lim(3, buy, 0, 1), rejected(lim(3, buy, 0, 1), ReasonBadPrice)),
				sub(lim(4, 0, 100, 1), rejected(lim(4, 0, 100, 1), ReasonBadSide)),
				sub(Order{ID: 5, Tag: 1005, Side: buy, Type: domain.Stop, Qty: 1},
					Event{Kind: Rejected, Side: buy, ID: 5, Tag: 1005, Qty: 1, Reason: ReasonBadType}),
				sub(Order{ID: 6, Tag: 1006, Side: buy, Type: domain.Limit, TIF: domain.GTD, Price: 100, Qty: 1},
					Event{Kind: Rejected, Side: buy, ID: 6, Tag: 1006, Price: 100, Qty: 1, Reason: ReasonBadTIF}),
			},
			bids: "100:1",
		},
		{
			name: "self-trade is allowed",
			steps: []step{
				rest(Order{ID: 1, Tag: 7, Side: buy, Type: domain.Limit, Price: 100, Qty: 1}),
				sub(Order{ID: 2, Tag: 7, Side: sell, Type: domain.Limit, Price: 100, Qty: 1},
					Event{Kind: Accepted, Side: sell, ID: 2, Tag: 7, Price: 100, Qty: 1, Leaves: 1},
					Event{Kind: Filled, Side: sell, ID: 2, Tag: 7, Price: 100, Qty: 1, MakerID: 1, MakerTag: 7}),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBook(0)
			for i, s := range tt.steps {
				got := s.run(b)
				if s.want != nil && !equalEvents(got, s.want) {
					t.Fatalf("step %d: events\n got %s\nwant %s", i, fmtEvents(got), fmtEvents(s.want))
				}
				if err := b.check(); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			var u domain.BookUpdate
			b.Depth(&u)
			if got := levels(u.Bids[:], u.NBids); got != tt.bids {
				t.Errorf("bids %q, want %q", got, tt.bids)
			}
			if got := levels(u.Asks[:], u.NAsks); got != tt.asks {
				t.Errorf("asks %q, want %q", got, tt.asks)
			}
		})
	}
}

func equalEvents(a, b []Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func fmtEvents(es []Event) string {
	var sb strings.Builder
	for _, e := range es {
		fmt.Fprintf(&sb, "\n  %+v", e)
	}
	return sb.String()
}

func TestDepthTopTenAndLookup(t *testing.T) {
	b := NewBook(0)
	for i := range 15 {
		b.Submit(lim(uint64(1+i), buy, int64(100-i), int64(1+i)))
		b.Submit(lim(uint64(100+i), sell, int64(101+i), 1))
	}
	u := domain.BookUpdate{NBids: 99}
	u.Bids[9] = domain.Level{Price: 1, Qty: 1}
	b.Depth(&u)
	if u.NBids != domain.BookDepth || u.NAsks != domain.BookDepth {
		t.Fatalf("NBids %d NAsks %d, want %d", u.NBids, u.NAsks, domain.BookDepth)
	}
	if u.Bids[0] != (domain.Level{Price: 100, Qty: 1}) || u.Bids[9] != (domain.Level{Price: 91, Qty: 10}) {
		t.Errorf("bids %v", u.Bids)
	}
	if u.Asks[0] != (domain.Level{Price: 101, Qty: 1}) || u.Asks[9] != (domain.Level{Price: 110, Qty: 1}) {
		t.Errorf("asks %v", u.Asks)
	}
	// A thinner book must not leave stale levels behind.
	for i := range 13 {
		b.Cancel(uint64(1 + i))
	}
	b.Depth(&u)
	if u.NBids != 2 || u.Bids[2] != (domain.Level{}) {
		t.Errorf("after cancels: NBids %d, bids %v", u.NBids, u.Bids)
	}
	r, ok := b.Lookup(14)
	if !ok || r.Price != 87 || r.Leaves() != 14 || r.Tag != 1014 || r.Side != buy {
		t.Errorf("Lookup(14) = %+v, %v", r, ok)
	}
	if _, ok := b.Lookup(1); ok {
		t.Error("Lookup of a canceled order succeeded")
	}
	if b.Len() != 17 {
		t.Errorf("Len %d, want 17", b.Len())
	}
	if allocs := testing.AllocsPerRun(100, func() { b.Depth(&u) }); allocs != 0 {
		t.Errorf("Depth allocates %v times", allocs)
	}
}

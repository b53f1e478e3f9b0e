package match

import "github.com/desk-trading/desk/core/domain"

// node is a resting order. Nodes live in Book.nodes and link to each other
// by index; a freed node joins the free list through next, so a book that
// has reached its working size allocates nothing more.
type node struct {
	id         uint64
	tag        uint64
	price      domain.Price
	qty        domain.Qty // total quantity
	filled     domain.Qty
	prev, next int32
	side       domain.Side
	postOnly   bool
}

// Book is the order book of one instrument: bids and asks in price-time
// priority. Every call runs to completion and returns its outcome as events;
// nothing happens between calls, so a Book is a deterministic function of
// the calls made on it.
type Book struct {
	bids, asks ladder
	nodes      []node
	free       int32 // head of the free list of nodes
	ids        idMap
	events     []Event
	version    uint64 // see Version
}

// NewBook returns an empty book with room for sizeHint resting orders before
// it has to grow.
func NewBook(sizeHint int) *Book {
	sizeHint = max(sizeHint, 16)
	b := &Book{
		bids:   ladder{sign: 1, levels: make([]level, 0, 64)},
		asks:   ladder{sign: -1, levels: make([]level, 0, 64)},
		nodes:  make([]node, 0, sizeHint),
		free:   nilNode,
		events: make([]Event, 0, 64),
	}
	b.ids.init(sizeHint)
	return b
}

// Version returns a counter that increases whenever the book's contents
// change: an order rests, trades, is canceled or replaced. A caller that
// publishes the book compares it with the value it last published, which
// tells a real change from a call that only rejected something.
func (b *Book) Version() uint64 { return b.version }

// Len returns the number of resting orders.
func (b *Book) Len() int { return b.ids.n }

// Lookup returns resting order id, ok false when no such order rests.
func (b *Book) Lookup(id uint64) (Resting, bool) {
	ni, ok := b.ids.get(id)
	if !ok {
		return Resting{}, false
	}
	n := &b.nodes[ni]
	return Resting{ID: n.id, Tag: n.tag, Side: n.side, PostOnly: n.postOnly,
		Price: n.price, Qty: n.qty, Filled: n.filled}, true
}

// BestBid returns the best bid level, ok false when there is no bid.
func (b *Book) BestBid() (domain.Level, bool) { return top(&b.bids) }

// BestAsk returns the best ask level, ok false when there is no ask.
func (b *Book) BestAsk() (domain.Level, bool) { return top(&b.asks) }

func top(l *ladder) (domain.Level, bool) {
	if lv := l.best(); lv != nil {
		return domain.Level{Price: lv.price, Qty: lv.qty}, true
	}
	return domain.Level{}, false
}

// Depth writes the best domain.BookDepth levels of each side into u, best
// first, and sets NBids and NAsks. It leaves every other field of u alone and
// does not allocate.
func (b *Book) Depth(u *domain.BookUpdate) {
	u.NBids = uint8(b.bids.depth(u.Bids[:]))
	u.NAsks = uint8(b.asks.depth(u.Asks[:]))
}

func (b *Book) side(s domain.Side) *ladder {
	if s == domain.Buy {
		return &b.bids
	}
	return &b.asks
}

func (b *Book) emit(e Event) { b.events = append(b.events, e) }

// Submit enters a new order: it matches what crosses, then rests, cancels
// or rejects the rest as the order's type and time in force say.
//
// The returned events are in the order things happened. The slice is reused
// by the next call on the Book; copy what must outlive it.
func (b *Book) Submit(o Order) []Event {
	b.events = b.events[:0]
	if r := b.validate(&o); r != "" {
		b.emit(Event{Kind: Rejected, Side: o.Side, ID: o.ID, Tag: o.Tag, Price: o.Price, Qty: o.Qty, Reason: r})
		return b.events
	}
	market := o.Type == domain.Market
	if market {
		o.Price = 0
	}
	opp := b.side(o.Side.Opposite())
	crosses := opp.crosses(o.Price, market)
	switch {
	case o.PostOnly && crosses:
		b.emit(Event{Kind: Rejected, Side: o.Side, ID: o.ID, Tag: o.Tag, Price: o.Price, Qty: o.Qty, Reason: ReasonPostOnlyWouldCross})
		return b.events
	case o.TIF == domain.FOK && opp.available(o.Price, market, o.Qty) < o.Qty:
		// Checked before touching the book, so a killed FOK leaves no trace.
		b.emit(Event{Kind: Rejected, Side: o.Side, ID: o.ID, Tag: o.Tag, Price: o.Price, Qty: o.Qty, Reason: ReasonFOKNotFillable})
		return b.events
	}
	b.emit(Event{Kind: Accepted, Side: o.Side, ID: o.ID, Tag: o.Tag, Price: o.Price, Qty: o.Qty, Leaves: o.Qty})
	t := taker{id: o.ID, tag: o.Tag, side: o.Side, price: o.Price, market: market, qty: o.Qty}
	if crosses {
		b.match(&t, opp)
	}
	if leaves := t.qty - t.filled; leaves > 0 {
		switch {
		case market:
			b.emit(Event{Kind: Canceled, Side: o.Side, ID: o.ID, Tag: o.Tag, Qty: leaves, Reason: ReasonMarketRemainder})
		case o.TIF == domain.IOC:
			b.emit(Event{Kind: Canceled, Side: o.Side, ID: o.ID, Tag: o.Tag, Price: o.Price, Qty: leaves, Reason: ReasonIOCRemainder})
		default:
			b.rest(&t, o.PostOnly)
		}
	}
	return b.events
}

// validate returns why o must be rejected, or "" when it may enter the book.
func (b *Book) validate(o *Order) string {
	switch {
	case o.ID == 0:
		return ReasonBadID
	case o.Side != domain.Buy && o.Side != domain.Sell:
		return ReasonBadSide
	case o.Type != domain.Limit && o.Type != domain.Market:
		return ReasonBadType
	case o.TIF != 0 && o.TIF != domain.GTC && o.TIF != domain.IOC && o.TIF != domain.FOK:
		return ReasonBadTIF
	case o.Qty <= 0:
		return ReasonBadQty
	case o.Type == domain.Limit && o.Price <= 0:
		return ReasonBadPrice
	}
	if _, dup := b.ids.get(o.ID); dup {
		return ReasonDuplicateID
	}
	return ""
}

// taker is the incoming side of a match: a new order, or a resting order
// whose replace moved it to a crossing price.
type taker struct {
	id, tag     uint64
	side        domain.Side
	price       domain.Price
	market      bool
	qty, filled domain.Qty
}

// match fills t against opp, best level first and in arrival order within a
// level, until t is done or no longer crosses. Trades print at the maker's
// price.
func (b *Book) match(t *taker, opp *ladder) {
	for t.filled < t.qty {
		lv := opp.best()
		// opp.key(limit) > lv.key means the best level is beyond the limit.
		if lv == nil || !t.market && opp.key(t.price) > lv.key {
			return
		}
		for t.filled < t.qty && lv.head != nilNode {
			mi := lv.head
			m := &b.nodes[mi]
			q := min(t.qty-t.filled, m.qty-m.filled)
			m.filled += q
			t.filled += q
			lv.qty -= q
			b.version++
			b.emit(Event{Kind: Filled, Side: t.side, ID: t.id, Tag: t.tag,
				Price: lv.price, Qty: q, Leaves: t.qty - t.filled,
				MakerID: m.id, MakerTag: m.tag, MakerLeaves: m.qty - m.filled})
			if m.filled == m.qty {
				lv.head = m.next
				if lv.head == nilNode {
					lv.tail = nilNode
				} else {
					b.nodes[lv.head].prev = nilNode
				}
				b.ids.del(m.id)
				b.freeNode(mi)
			}
		}
		if lv.head == nilNode {
			opp.levels = opp.levels[:len(opp.levels)-1]
		}
	}
}

// rest puts what is left of t at the back of its price level.
func (b *Book) rest(t *taker, postOnly bool) {
	b.version++
	ni := b.allocNode()
	n := &b.nodes[ni]
	*n = node{id: t.id, tag: t.tag, price: t.price, qty: t.qty, filled: t.filled,
		prev: nilNode, next: nilNode, side: t.side, postOnly: postOnly}
	b.ids.put(t.id, ni)
	l := b.side(t.side)
	i, ok := l.find(t.price)
	var lv *level
	if ok {
		lv = &l.levels[i]
	} else {
		lv = l.insertAt(i, t.price)
	}
	b.enqueue(lv, ni)
}

// enqueue appends node ni to the back of lv's queue and adds its leaves.
func (b *Book) enqueue(lv *level, ni int32) {
	n := &b.nodes[ni]
	n.prev, n.next = lv.tail, nilNode
	if lv.tail == nilNode {
		lv.head = ni
	} else {
		b.nodes[lv.tail].next = ni
	}
	lv.tail = ni
	lv.qty += n.qty - n.filled
}

// dequeue takes node ni out of lv's queue and subtracts its leaves; it
// leaves an emptied level in place for the caller to remove or refill.
func (b *Book) dequeue(lv *level, ni int32) {
	n := &b.nodes[ni]
	if n.prev == nilNode {
		lv.head = n.next
	} else {
		b.nodes[n.prev].next = n.next
	}
	if n.next == nilNode {
		lv.tail = n.prev
	} else {
		b.nodes[n.next].prev = n.prev
	}
	lv.qty -= n.qty - n.filled
}

// remove takes node ni off the book entirely and frees it; the caller must
// have copied anything it still needs from the node.
func (b *Book) remove(ni int32) {
	b.version++
	n := &b.nodes[ni]
	l := b.side(n.side)
	i, _ := l.find(n.price) // a resting node's level always exists
	b.dequeue(&l.levels[i], ni)
	if l.levels[i].head == nilNode {
		l.removeAt(i)
	}
	b.ids.del(n.id)
	b.freeNode(ni)
}

func (b *Book) allocNode() int32 {
	if ni := b.free; ni != nilNode {
		b.free = b.nodes[ni].next
		return ni
	}
	b.nodes = append(b.nodes, node{})
	return int32(len(b.nodes) - 1)
}

func (b *Book) freeNode(ni int32) {
	b.nodes[ni] = node{next: b.free}
	b.free = ni
}

// Cancel takes resting order id off the book: one Canceled event with the
// quantity taken off, or one CancelRejected when id is not resting (never
// entered, already filled or canceled).
//
// The returned slice is reused by the next call on the Book.
func (b *Book) Cancel(id uint64) []Event {
	b.events = b.events[:0]
	ni, ok := b.ids.get(id)
	if !ok {
		b.emit(Event{Kind: CancelRejected, ID: id, Reason: ReasonUnknownOrder})
		return b.events
	}
	n := b.nodes[ni]
	b.remove(ni)
	b.emit(Event{Kind: Canceled, Side: n.side, ID: n.id, Tag: n.tag, Price: n.price,
		Qty: n.qty - n.filled, Reason: ReasonCanceled})
	return b.events
}

// Replace changes resting order id to limit price and total quantity qty
// (filled quantity included), as exchanges do:
//
//   - a lower quantity at the same price keeps the order's place in line;
//   - a higher quantity or a new price sends it to the back of its new
//     level, and a new price that crosses trades at once as a taker, unless
//     the order is post-only, which rejects the replace;
//   - a quantity at or below what has already filled cancels the rest.
//
// Events: Replaced (then Filled when the new price crosses), Canceled, or
// ReplaceRejected. The returned slice is reused by the next call on the Book.
func (b *Book) Replace(id uint64, price domain.Price, qty domain.Qty) []Event {
	b.events = b.events[:0]
	ni, ok := b.ids.get(id)
	if !ok {
		b.emit(Event{Kind: ReplaceRejected, ID: id, Price: price, Qty: qty, Reason: ReasonUnknownOrder})
		return b.events
	}
	n := b.nodes[ni] // a copy: the node may be freed below
	switch {
	case qty <= 0:
		return b.replaceRejected(&n, price, qty, ReasonBadQty)
	case price <= 0:
		return b.replaceRejected(&n, price, qty, ReasonBadPrice)
	case qty <= n.filled:
		b.remove(ni)
		b.emit(Event{Kind: Canceled, Side: n.side, ID: id, Tag: n.tag, Price: n.price,
			Qty: n.qty - n.filled, Reason: ReasonReplacedBelowFilled})
		return b.events
	}
	l := b.side(n.side)
	if price == n.price {
		b.version++
		i, _ := l.find(price)
		lv := &l.levels[i]
		if qty > n.qty {
			b.dequeue(lv, ni)
			b.nodes[ni].qty = qty
			b.enqueue(lv, ni)
		} else {
			lv.qty -= n.qty - qty
			b.nodes[ni].qty = qty
		}
		b.emit(Event{Kind: Replaced, Side: n.side, ID: id, Tag: n.tag, Price: price, Qty: qty, Leaves: qty - n.filled})
		return b.events
	}
	opp := b.side(n.side.Opposite())
	crosses := opp.crosses(price, false)
	if crosses && n.postOnly {
		return b.replaceRejected(&n, price, qty, ReasonPostOnlyWouldCross)
	}
	b.remove(ni)
	b.emit(Event{Kind: Replaced, Side: n.side, ID: id, Tag: n.tag, Price: price, Qty: qty, Leaves: qty - n.filled})
	t := taker{id: id, tag: n.tag, side: n.side, price: price, qty: qty, filled: n.filled}
	if crosses {
		b.match(&t, opp)
	}
	if t.filled < t.qty {
		b.rest(&t, n.postOnly)
	}
	return b.events
}

func (b *Book) replaceRejected(n *node, price domain.Price, qty domain.Qty, reason string) []Event {
	b.emit(Event{Kind: ReplaceRejected, Side: n.side, ID: n.id, Tag: n.tag, Price: price, Qty: qty,
		Leaves: n.qty - n.filled, Reason: reason})
	return b.events
}

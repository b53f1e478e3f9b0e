package match

import (
	"math/rand/v2"
	"testing"

	"github.com/desk-trading/desk/core/domain"
)

// refBook is a deliberately naive book: a flat list of orders, searched in
// full for the best price and the earliest arrival on every fill. It shares
// no code with Book, so agreement between the two checks the ladders,
// queues, free list and id table of the real one.
type refBook struct {
	orders []*refOrder
	seq    uint64
	events []Event
}

type refOrder struct {
	id, tag     uint64
	side        domain.Side
	postOnly    bool
	price       domain.Price
	qty, filled domain.Qty
	seq         uint64 // arrival; lower goes first at a price
}

func (r *refBook) find(id uint64) int {
	for i, o := range r.orders {
		if o.id == id {
			return i
		}
	}
	return -1
}

func (r *refBook) drop(i int) { r.orders = append(r.orders[:i], r.orders[i+1:]...) }

// best returns the index of the best resting order on side s, or -1.
func (r *refBook) best(s domain.Side) int {
	bi := -1
	for i, o := range r.orders {
		if o.side != s {
			continue
		}
		if bi < 0 {
			bi = i
			continue
		}
		b := r.orders[bi]
		better := o.price > b.price
		if s == domain.Sell {
			better = o.price < b.price
		}
		if better || o.price == b.price && o.seq < b.seq {
			bi = i
		}
	}
	return bi
}

func crossesAt(taker domain.Side, limit, resting domain.Price, market bool) bool {
	if market {
		return true
	}
	if taker == domain.Buy {
		return resting <= limit
	}
	return resting >= limit
}

func (r *refBook) available(s domain.Side, limit domain.Price, market bool) domain.Qty {
	var sum domain.Qty
	for _, o := range r.orders {
		if o.side == s.Opposite() && crossesAt(s, limit, o.price, market) {
			sum += o.qty - o.filled
		}
	}
	return sum
}

func (r *refBook) match(t *refOrder, market bool) {
	for t.filled < t.qty {
		bi := r.best(t.side.Opposite())
		if bi < 0 || !crossesAt(t.side, t.price, r.orders[bi].price, market) {
			return
		}
		m := r.orders[bi]
		q := min(t.qty-t.filled, m.qty-m.filled)
		m.filled += q
		t.filled += q
		r.events = append(r.events, Event{Kind: Filled, Side: t.side, ID: t.id, Tag: t.tag, Price: m.price,
			Qty: q, Leaves: t.qty - t.filled, MakerID: m.id, MakerTag: m.tag, MakerLeaves: m.qty - m.filled})
		if m.filled == m.qty {
			r.drop(bi)
		}
	}
}

func (r *refBook) submit(o Order) []Event {
	r.events = r.events[:0]
	reason := ""
	switch {
	case o.ID == 0:
		reason = ReasonBadID
	case o.Side != domain.Buy && o.Side != domain.Sell:
		reason = ReasonBadSide
	case o.Type != domain.Limit && o.Type != domain.Market:
		reason = ReasonBadType
	case o.TIF != 0 && o.TIF != domain.GTC && o.TIF != domain.IOC && o.TIF != domain.FOK:
		reason = ReasonBadTIF
	case o.Qty <= 0:
		reason = ReasonBadQty
	case o.Type == domain.Limit && o.Price <= 0:
		reason = ReasonBadPrice
	case r.find(o.ID) >= 0:
		reason = ReasonDuplicateID
	}
	market := o.Type == domain.Market
	if reason == "" && market {
		o.Price = 0
	}
	if reason == "" {
		bi := r.best(o.Side.Opposite())
		crosses := bi >= 0 && crossesAt(o.Side, o.Price, r.orders[bi].price, market)
		if o.PostOnly && crosses {
			reason = ReasonPostOnlyWouldCross
		} else if o.TIF == domain.FOK && r.available(o.Side, o.Price, market) < o.Qty {
			reason = ReasonFOKNotFillable
		}
	}
	if reason != "" {
		r.events = append(r.events, Event{Kind: Rejected, Side: o.Side, ID: o.ID, Tag: o.Tag, Price: o.Price, Qty: o.Qty, Reason: reason})
		return r.events
	}
	r.events = append(r.events, Event{Kind: Accepted, Side: o.Side, ID: o.ID, Tag: o.Tag, Price: o.Price, Qty: o.Qty, Leaves: o.Qty})
	r.seq++
	t := &refOrder{id: o.ID, tag: o.Tag, side: o.Side, postOnly: o.PostOnly, price: o.Price, qty: o.Qty, seq: r.seq}
	r.match(t, market)
	if left := t.qty - t.filled; left > 0 {
		switch {
		case market:
			r.events = append(r.events, Event{Kind: Canceled, Side: o.Side, ID: o.ID, Tag: o.Tag, Qty: left, Reason: ReasonMarketRemainder})
		case o.TIF == domain.IOC:
			r.events = append(r.events, Event{Kind: Canceled, Side: o.Side, ID: o.ID, Tag: o.Tag, Price: o.Price, Qty: left, Reason: ReasonIOCRemainder})
		default:
			r.orders = append(r.orders, t)
		}
	}
	return r.events
}

func (r *refBook) cancel(id uint64) []Event {
	r.events = r.events[:0]
	i := r.find(id)
	if i < 0 || id == 0 {
		r.events = append(r.events, Event{Kind: CancelRejected, ID: id, Reason: ReasonUnknownOrder})
		return r.events
	}
	o := r.orders[i]
	r.drop(i)
	r.events = append(r.events, Event{Kind: Canceled, Side: o.side, ID: o.id, Tag: o.tag, Price: o.price,
		Qty: o.qty - o.filled, Reason: ReasonCanceled})
	return r.events
}

func (r *refBook) replace(id uint64, px domain.Price, qty domain.Qty) []Event {
	r.events = r.events[:0]
	i := r.find(id)
	if i < 0 || id == 0 {
		r.events = append(r.events, Event{Kind: ReplaceRejected, ID: id, Price: px, Qty: qty, Reason: ReasonUnknownOrder})
		return r.events
	}
	o := r.orders[i]
	rej := func(reason string) []Event {
		r.events = append(r.events, Event{Kind: ReplaceRejected, Side: o.side, ID: id, Tag: o.tag, Price: px, Qty: qty,
			Leaves: o.qty - o.filled, Reason: reason})
		return r.events
	}
	switch {
	case qty <= 0:
		return rej(ReasonBadQty)
	case px <= 0:
		return rej(ReasonBadPrice)
	case qty <= o.filled:
		r.drop(i)
		r.events = append(r.events, Event{Kind: Canceled, Side: o.side, ID: id, Tag: o.tag, Price: o.price,
			Qty: o.qty - o.filled, Reason: ReasonReplacedBelowFilled})
		return r.events
	}
	if px == o.price {
		if qty > o.qty {
			r.seq++
			o.seq = r.seq
		}
		o.qty = qty
		r.events = append(r.events, Event{Kind: Replaced, Side: o.side, ID: id, Tag: o.tag, Price: px, Qty: qty, Leaves: qty - o.filled})
		return r.events
	}
	bi := r.best(o.side.Opposite())
	crosses := bi >= 0 && crossesAt(o.side, px, r.orders[bi].price, false)
	if crosses && o.postOnly {
		return rej(ReasonPostOnlyWouldCross)
	}
	r.drop(i)
	r.events = append(r.events, Event{Kind: Replaced, Side: o.side, ID: id, Tag: o.tag, Price: px, Qty: qty, Leaves: qty - o.filled})
	r.seq++
	o.price, o.qty, o.seq = px, qty, r.seq
	r.match(o, false)
	if o.filled < o.qty {
		r.orders = append(r.orders, o)
	}
	return r.events
}

// opGen draws a random but realistic stream of book calls: limits around a
// drifting mid, some crossing, some IOC, FOK and post-only, market orders,
// cancels and replaces of known ids (live or not), and a few invalid ones.
type opGen struct {
	rng    *rand.Rand
	mid    int64
	nextID uint64
	ids    []uint64 // every id submitted so far
}

type genOp struct {
	kind  byte // 's'ubmit, 'c'ancel, 'r'eplace
	order Order
	id    uint64
	price domain.Price
	qty   domain.Qty
}

func (g *opGen) next() genOp {
	r := g.rng
	if r.IntN(20) == 0 {
		g.mid += int64(r.IntN(5)) - 2
	}
	pick := func() uint64 {
		if len(g.ids) == 0 || r.IntN(20) == 0 {
			return uint64(r.IntN(3)) // 0 and unknowns
		}
		// Prefer recent ids: they are the ones most likely still resting.
		n := min(len(g.ids), 64)
		return g.ids[len(g.ids)-1-r.IntN(n)]
	}
	switch p := r.IntN(100); {
	case p < 20:
		return genOp{kind: 'c', id: pick()}
	case p < 35:
		id := pick()
		px := domain.Price(g.mid + int64(r.IntN(21)) - 10)
		return genOp{kind: 'r', id: id, price: px, qty: domain.Qty(r.IntN(25))}
	}
	g.nextID++
	o := Order{ID: g.nextID, Tag: g.nextID * 3, Side: domain.Side(1 + r.IntN(2)), Type: domain.Limit,
		Qty: domain.Qty(1 + r.IntN(20))}
	off := int64(r.IntN(14)) - 3 // mostly passive, sometimes crossing
	if o.Side == domain.Buy {
		o.Price = domain.Price(g.mid - off)
	} else {
		o.Price = domain.Price(g.mid + off)
	}
	switch p := r.IntN(100); {
	case p < 8:
		o.Type, o.Price = domain.Market, 0
	case p < 16:
		o.TIF = domain.IOC
	case p < 22:
		o.TIF = domain.FOK
	case p < 32:
		o.PostOnly = true
	case p < 34:
		o.Qty = 0
	case p < 35 && len(g.ids) > 0:
		o.ID = g.ids[len(g.ids)-1] // duplicate of a probably resting id
		g.nextID--
	}
	if r.IntN(10) == 0 {
		o.TIF = 0
	}
	if o.ID > 0 && (len(g.ids) == 0 || o.ID != g.ids[len(g.ids)-1]) {
		g.ids = append(g.ids, o.ID)
	}
	return genOp{kind: 's', order: o}
}

// TestBookProperties runs seeded random streams and, after every call,
// checks the book's invariants, that quantity is conserved, that no order
// ever fills more than its quantity, and that the naive reference book
// produced exactly the same events.
func TestBookProperties(t *testing.T) {
	const ops = 3000
	// How often each kind of event (and each reason) came up, so a
	// generator that stopped exercising a path fails the test.
	kinds := map[EventKind]int{}
	reasons := map[string]int{}
	for seed := range uint64(6) {
		g := &opGen{rng: rand.New(rand.NewPCG(seed, 42)), mid: 1000}
		b := NewBook(0)
		ref := &refBook{}
		// qty and filled per order id, from the events alone.
		type tally struct{ qty, filled domain.Qty }
		seen := map[uint64]*tally{}
		for i := range ops {
			op := g.next()
			before := b.restingQty()
			version := b.Version()
			var depthBefore, depthAfter domain.BookUpdate
			b.Depth(&depthBefore)
			var prevLeaves domain.Qty
			var got, want []Event
			switch op.kind {
			case 's':
				got, want = b.Submit(op.order), ref.submit(op.order)
			case 'c':
				got, want = b.Cancel(op.id), ref.cancel(op.id)
			case 'r':
				if r, ok := b.Lookup(op.id); ok {
					prevLeaves = r.Leaves()
				}
				got, want = b.Replace(op.id, op.price, op.qty), ref.replace(op.id, op.price, op.qty)
			}
			if !equalEvents(got, want) {
				t.Fatalf("seed %d op %d %+v: events differ from the reference\n got %s\nwant %s",
					seed, i, op, fmtEvents(got), fmtEvents(want))
			}
			if err := b.check(); err != nil {
				t.Fatalf("seed %d op %d %+v: %v", seed, i, op, err)
			}
			// Version must move whenever what a publisher shows changes,
			// and stay put when a call was only refused.
			b.Depth(&depthAfter)
			if depthAfter != depthBefore && b.Version() == version {
				t.Fatalf("seed %d op %d %+v: depth changed, version did not", seed, i, op)
			}
			if k := got[0].Kind; (k == Rejected || k == CancelRejected || k == ReplaceRejected) && b.Version() != version {
				t.Fatalf("seed %d op %d %+v: refused call changed the version", seed, i, op)
			}
			// Conservation: what entered the book minus what traded (on
			// both sides of each trade) and was canceled is what rests.
			delta := domain.Qty(0)
			for _, e := range got {
				kinds[e.Kind]++
				reasons[e.Reason]++
				switch e.Kind {
				case Accepted:
					delta += e.Qty
					seen[e.ID] = &tally{qty: e.Qty}
				case Replaced:
					delta += e.Leaves - prevLeaves
					seen[e.ID].qty = e.Qty
				case Filled:
					delta -= 2 * e.Qty
					for _, id := range []uint64{e.ID, e.MakerID} {
						tl := seen[id]
						tl.filled += e.Qty
						if tl.filled > tl.qty {
							t.Fatalf("seed %d op %d: order %d overfilled: %d of %d", seed, i, id, tl.filled, tl.qty)
						}
					}
					if e.Price <= 0 || e.Qty <= 0 {
						t.Fatalf("seed %d op %d: bad fill %+v", seed, i, e)
					}
				case Canceled:
					delta -= e.Qty
				}
			}
			if after := b.restingQty(); after != before+delta {
				t.Fatalf("seed %d op %d %+v: resting %d -> %d, events account for %+d", seed, i, op, before, after, delta)
			}
			if b.Len() != len(ref.orders) {
				t.Fatalf("seed %d op %d: %d resting, reference %d", seed, i, b.Len(), len(ref.orders))
			}
		}
	}
	for k := Accepted; k <= ReplaceRejected; k++ {
		if kinds[k] == 0 {
			t.Errorf("no %v event in the stream", k)
		}
	}
	for _, r := range []string{ReasonPostOnlyWouldCross, ReasonFOKNotFillable, ReasonIOCRemainder,
		ReasonMarketRemainder, ReasonReplacedBelowFilled, ReasonDuplicateID, ReasonBadQty, ReasonUnknownOrder} {
		if reasons[r] == 0 {
			t.Errorf("reason %q never came up", r)
		}
	}
	t.Logf("events %v", kinds)
}

// TestIDMap checks the open-addressing table against a Go map through
// growth and heavy churn, where backward-shift deletion must keep every
// probe run intact.
func TestIDMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var m idMap
	m.init(0)
	want := map[uint64]int32{}
	for i := range 200_000 {
		// A small key space makes collisions and long runs common.
		k := 1 + uint64(rng.IntN(3000))
		if rng.IntN(2) == 0 {
			m.put(k, int32(i))
			want[k] = int32(i)
		} else {
			m.del(k)
			delete(want, k)
		}
		if i%1000 == 0 || i > 199_000 {
			if m.n != len(want) {
				t.Fatalf("op %d: n %d, want %d", i, m.n, len(want))
			}
			for k, v := range want {
				if got, ok := m.get(k); !ok || got != v {
					t.Fatalf("op %d: get(%d) = %d %v, want %d", i, k, got, ok, v)
				}
			}
		}
	}
	for k := uint64(3001); k < 3100; k++ {
		if _, ok := m.get(k); ok {
			t.Fatalf("get(%d) found a key never put", k)
		}
	}
	if _, ok := m.get(0); ok {
		t.Fatal("get(0) found something")
	}
}

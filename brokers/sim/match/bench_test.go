package match

import (
	"math/rand/v2"
	"testing"

	"github.com/desk-trading/desk/core/domain"
)

// mixedStream drives a book with a seeded mix resembling a busy venue:
// limit orders around a random-walk mid (about one in six crossing), market
// and IOC orders, replaces, and cancels of resting orders. Every limit
// order's id goes into a ring of the last `window` ids; when the ring is
// full the oldest is canceled, which bounds the book at a steady size so the
// benchmark measures steady state rather than an ever-growing book.
type mixedStream struct {
	b      *Book
	rng    *rand.Rand
	mid    int64
	nextID uint64
	ring   []uint64
	head   int // index of the oldest id in ring
	n      int // ids in ring
}

const window = 2048

func newMixedStream(seed uint64) *mixedStream {
	return &mixedStream{
		b:    NewBook(window),
		rng:  rand.New(rand.NewPCG(seed, seed^0x5eed)),
		mid:  1_000_000,
		ring: make([]uint64, window),
	}
}

// step makes one call on the book; each call is one op.
func (s *mixedStream) step() []Event {
	r := s.rng.Uint64()
	if r&63 == 0 { // the mid drifts a tick every 64 ops on average
		s.mid += int64(r>>6&2) - 1
	}
	side := domain.Side(1 + r>>8&1)
	qty := domain.Qty(1 + r>>9&15)
	switch p := r >> 16 % 100; {
	case p < 8:
		s.nextID++
		return s.b.Submit(Order{ID: s.nextID, Side: side, Type: domain.Market, Qty: qty})
	case p < 12:
		s.nextID++
		return s.b.Submit(Order{ID: s.nextID, Side: side, Type: domain.Limit, TIF: domain.IOC,
			Price: s.price(side, -2), Qty: qty})
	case p < 20 && s.n > 0:
		id := s.ring[(s.head+int(r>>24%uint64(s.n)))%window]
		return s.b.Replace(id, s.price(side, int64(r>>40&15)), qty+1)
	case p < 48 && s.n > 0, s.n == window:
		id := s.ring[s.head]
		s.head = (s.head + 1) % window
		s.n--
		return s.b.Cancel(id)
	}
	s.nextID++
	s.ring[(s.head+s.n)%window] = s.nextID
	s.n++
	// Offsets -2..13 from the mid on the order's own side: most rest within
	// a dozen ticks of the touch, about one in eight crosses.
	return s.b.Submit(Order{ID: s.nextID, Side: side, Type: domain.Limit,
		Price: s.price(side, int64(r>>32&15)-2), Qty: qty})
}

// price returns a price off ticks away from the mid on side's passive side.
func (s *mixedStream) price(side domain.Side, off int64) domain.Price {
	if side == domain.Buy {
		return domain.Price(s.mid - off)
	}
	return domain.Price(s.mid + off)
}

func BenchmarkMatchMixed(b *testing.B) {
	s := newMixedStream(1)
	// Reach the working size first so growth is not charged to the loop.
	for range 500_000 {
		s.step()
	}
	fills := 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, e := range s.step() {
			if e.Kind == Filled {
				fills++
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(fills)/float64(b.N), "fills/op")
	b.ReportMetric(float64(s.b.Len()), "resting")
}

func BenchmarkDepth(b *testing.B) {
	s := newMixedStream(2)
	for range 100_000 {
		s.step()
	}
	var u domain.BookUpdate
	b.ReportAllocs()
	for range b.N {
		s.b.Depth(&u)
	}
}

// TestMixedStreamSteadyState guards the benchmark's premise: after warm-up
// the mixed stream allocates nothing and the book stays bounded and sane.
func TestMixedStreamSteadyState(t *testing.T) {
	s := newMixedStream(3)
	for range 200_000 {
		s.step()
	}
	if allocs := testing.AllocsPerRun(20_000, func() { s.step() }); allocs != 0 {
		t.Errorf("steady state allocates %v per op", allocs)
	}
	if err := s.b.check(); err != nil {
		t.Fatal(err)
	}
	if n := s.b.Len(); n == 0 || n > window {
		t.Errorf("%d resting orders, want 1..%d", n, window)
	}
}

package binance

import (
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/desk-trading/desk/core/domain"
)

// TestBookAgainstMap applies random updates to a Book and to a map and
// compares the sorted sides.
func TestBookAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	b := NewBook(4)
	ref := [2]map[domain.Price]domain.Qty{{}, {}}
	for i := 0; i < 20000; i++ {
		s := Side(r.IntN(2))
		p := domain.Price(r.IntN(200))
		q := domain.Qty(r.IntN(3)) * domain.Qty(r.IntN(100))
		b.Set(s, p, q)
		if q == 0 {
			delete(ref[s], p)
		} else {
			ref[s][p] = q
		}
	}
	for s := Bid; s <= Ask; s++ {
		var want []Level
		for p, q := range ref[s] {
			want = append(want, Level{p, q})
		}
		sort.Slice(want, func(i, j int) bool {
			if s == Bid {
				return want[i].Price > want[j].Price
			}
			return want[i].Price < want[j].Price
		})
		got := b.AppendLevels(nil, s)
		if len(got) != len(want) || b.Len(s) != len(want) {
			t.Fatalf("side %d: %d levels, want %d", s, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] || b.Level(s, i) != want[i] {
				t.Fatalf("side %d level %d: %v, want %v", s, i, got[i], want[i])
			}
		}
	}
}

func TestBookLoadUnsorted(t *testing.T) {
	var b Book
	b.Load([]Level{{10, 1}, {12, 2}, {11, 0}, {9, 3}}, []Level{{20, 1}, {19, 1}})
	if got := b.AppendLevels(nil, Bid); len(got) != 3 || got[0].Price != 12 || got[2].Price != 9 {
		t.Errorf("bids %v", got)
	}
	if best, _ := b.Best(Ask); best.Price != 19 {
		t.Errorf("best ask %v", best)
	}
}

func diff(first, final int64, bids ...Level) *DepthUpdate {
	return &DepthUpdate{First: first, Final: final, Bids: bids}
}

// TestSyncProcedure walks the documented procedure step by step.
func TestSyncProcedure(t *testing.T) {
	s := NewSync(SyncOptions{})
	if !s.NeedsSnapshot() || s.Synced() {
		t.Fatal("a new Sync must need a snapshot")
	}
	for _, d := range []*DepthUpdate{diff(95, 99, Level{1, 1}), diff(100, 100, Level{1, 2}), diff(101, 103, Level{2, 5}), diff(104, 104, Level{3, 7})} {
		if o := s.OnDiff(d); o != Buffered {
			t.Fatalf("before the snapshot: %v", o)
		}
	}
	// Snapshot at 101: 95-99 and 100-100 are dropped (u <= 101), 101-103
	// straddles 102, 104-104 follows.
	s.OnSnapshot(&Snapshot{LastUpdateID: 101, Bids: []Level{{1, 9}}})
	st := s.Stats()
	if !s.Synced() || s.LastUpdateID() != 104 || st.DiffsDropped != 2 || st.DiffsApplied != 2 || st.Resyncs != 0 {
		t.Fatalf("after snapshot: last %d stats %+v", s.LastUpdateID(), st)
	}
	if got := s.Book().AppendLevels(nil, Bid); len(got) != 3 || got[0] != (Level{3, 7}) || got[2] != (Level{1, 9}) {
		t.Fatalf("bids %v", got)
	}
	if o := s.OnDiff(diff(100, 104)); o != Dropped {
		t.Fatalf("old diff: %v", o)
	}
	if o := s.OnDiff(diff(105, 106, Level{3, 0})); o != Applied || s.Book().Len(Bid) != 2 {
		t.Fatalf("delete: %v, %d bids", o, s.Book().Len(Bid))
	}
	// A gap: 107 is missing.
	if o := s.OnDiff(diff(108, 109)); o != Resynced || !s.NeedsSnapshot() || s.Stats().Gaps != 1 || s.Book().Len(Bid) != 0 {
		t.Fatalf("gap: %v, stats %+v", o, s.Stats())
	}
	// A snapshot older than the first buffered diff (108) does not straddle:
	// another resync, the diff kept for the next one.
	s.OnSnapshot(&Snapshot{LastUpdateID: 105})
	if !s.NeedsSnapshot() || s.Stats().Resyncs != 2 || s.Buffered() != 1 {
		t.Fatalf("stale snapshot: stats %+v buffered %d", s.Stats(), s.Buffered())
	}
	s.OnSnapshot(&Snapshot{LastUpdateID: 108, Asks: []Level{{50, 1}}})
	if !s.Synced() || s.LastUpdateID() != 109 || s.Stats().Gaps != 1 {
		t.Fatalf("resynced: last %d stats %+v", s.LastUpdateID(), s.Stats())
	}
	// A snapshot with nothing buffered waits for the first diff to straddle.
	s2 := NewSync(SyncOptions{MaxBuffered: 2})
	s2.OnDiff(diff(1, 1))
	s2.OnDiff(diff(2, 2))
	s2.OnDiff(diff(3, 3)) // the buffer is full: the first two are discarded
	if s2.Buffered() != 1 || s2.Stats().DiffsDropped != 2 {
		t.Fatalf("overflow: %d buffered, %+v", s2.Buffered(), s2.Stats())
	}
	s2.OnSnapshot(&Snapshot{LastUpdateID: 10})
	if o := s2.OnDiff(diff(11, 12)); o != Applied || s2.LastUpdateID() != 12 {
		t.Fatalf("first diff after an empty buffer: %v", o)
	}
}

// TestSearchMatchesBisection checks the galloping search against a plain
// bisection on random sorted sides of every length up to 70, both sides.
func TestSearchMatchesBisection(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	for n := 0; n <= 70; n++ {
		for _, s := range []Side{Bid, Ask} {
			lv := make([]Level, n)
			k := int64(0)
			for i := range lv {
				k += 1 + rng.Int64N(3)
				p := k
				if s == Ask {
					p = -k // keys ascend: ask prices descend
				}
				lv[i] = Level{Price: domain.Price(p)}
			}
			for probe := int64(-2); probe <= k+2; probe++ {
				want := sort.Search(n, func(i int) bool { return key(s, lv[i].Price) >= probe })
				if got := search(lv, s, probe); got != want {
					t.Fatalf("side %d, %d levels, key %d: %d, want %d", s, n, probe, got, want)
				}
			}
		}
	}
}

// TestSyncResyncsASnapshotTooFarAhead: diffs older than the snapshot are
// dropped while the stream catches up, but past MaxAhead in a row the
// snapshot is taken for wrong and the book resyncs. Buffered diffs older
// than a snapshot do not count.
func TestSyncResyncsASnapshotTooFarAhead(t *testing.T) {
	s := NewSync(SyncOptions{MaxAhead: 3})
	for id := int64(1); id <= 10; id++ {
		s.OnDiff(&DepthUpdate{First: id, Final: id}) // buffered, all older than the snapshot
	}
	s.OnSnapshot(&Snapshot{LastUpdateID: 1000})
	if st := s.Stats(); st.Resyncs != 0 || st.DiffsDropped != 10 || !s.Synced() {
		t.Fatalf("buffered diffs older than the snapshot: %+v", st)
	}
	for id := int64(11); id <= 13; id++ {
		if o := s.OnDiff(&DepthUpdate{First: id, Final: id}); o != Dropped {
			t.Fatalf("diff %d: %v, want dropped", id, o)
		}
	}
	if o := s.OnDiff(&DepthUpdate{First: 14, Final: 14}); o != Resynced || !s.NeedsSnapshot() {
		t.Fatalf("the fourth diff behind the snapshot: %v", o)
	}
	// A snapshot the stream reaches within MaxAhead is kept.
	s.OnSnapshot(&Snapshot{LastUpdateID: 16})
	for id := int64(15); id <= 16; id++ {
		s.OnDiff(&DepthUpdate{First: id, Final: id})
	}
	if o := s.OnDiff(&DepthUpdate{First: 17, Final: 17}); o != Applied {
		t.Fatalf("the diff after the snapshot: %v", o)
	}
}

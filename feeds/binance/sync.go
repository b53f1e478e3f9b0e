package binance

import "math"

// Outcome is what Sync.OnDiff did with a diff.
type Outcome uint8

// The outcomes of a diff.
const (
	Buffered Outcome = iota // held until a snapshot arrives
	Applied                 // applied to the book
	Dropped                 // older than the book (u <= its update id), ignored
	Resynced                // a gap, or a snapshot the diff does not follow: the book is discarded and a snapshot needed
)

var outcomeNames = [...]string{"buffered", "applied", "dropped", "resynced"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

type syncState uint8

const (
	needSnapshot syncState = iota // buffering diffs until a snapshot
	awaitFirst                    // snapshot loaded, the first diff must straddle it
	live                          // in sequence
)

// SyncStats are one symbol's counts.
type SyncStats struct {
	DiffsApplied uint64
	DiffsDropped uint64 // diffs already in the book (u <= its update id) and buffered diffs discarded
	Gaps         uint64 // a live diff whose U was not the previous u + 1
	Resyncs      uint64 // times the book was discarded: gaps, and snapshots the diffs did not follow
	Snapshots    uint64
}

type bufDiff struct {
	first, final int64
	off, nb, na  int
}

// diffBuffer holds diffs, their levels in one flat slice.
type diffBuffer struct {
	diffs  []bufDiff
	levels []Level
}

func (b *diffBuffer) reset() { b.diffs, b.levels = b.diffs[:0], b.levels[:0] }

func (b *diffBuffer) add(d *DepthUpdate) {
	off := len(b.levels)
	b.levels = append(b.levels, d.Bids...)
	b.levels = append(b.levels, d.Asks...)
	b.diffs = append(b.diffs, bufDiff{first: d.First, final: d.Final, off: off, nb: len(d.Bids), na: len(d.Asks)})
}

// DefaultMaxBuffered is how many diffs a Sync buffers while it waits for a
// snapshot when SyncOptions.MaxBuffered is zero.
const DefaultMaxBuffered = 4096

// SyncOptions configure a Sync.
type SyncOptions struct {
	// Depth is the levels a side to preallocate (default 1000, the
	// snapshot limit desk asks for).
	Depth int
	// MaxBuffered is how many diffs to hold while waiting for a snapshot
	// (default DefaultMaxBuffered); past it the buffer is discarded
	// (counted as dropped) and buffering starts over, so a late snapshot
	// costs a resync rather than unbounded memory.
	MaxBuffered int
	// MaxAhead is how many diffs in a row, after a snapshot, may be older
	// than it before the snapshot is taken for wrong and the book resyncs
	// (default DefaultMaxAhead). A snapshot a little ahead of the stream is
	// normal (REST and the websocket are served apart) and its diffs are
	// dropped until one straddles it; one far ahead would otherwise wait
	// forever, dropping every diff.
	MaxAhead int
}

// DefaultMaxAhead is SyncOptions.MaxAhead's default: 50 diffs, five
// seconds of 100 ms batches.
const DefaultMaxAhead = 50

// Sync keeps one symbol's local order book by the venue's documented
// procedure: buffer diffs until a snapshot; on the snapshot drop the
// buffered diffs with u <= lastUpdateId; the first diff kept must have
// U <= lastUpdateId+1 <= u, else the book is discarded and a new snapshot
// needed (a resync); every later diff must have U = previous u + 1, else
// the same (a gap, and a resync). Zero quantity deletes a level.
//
// A Sync is driven by method calls from one goroutine (the connection's);
// it does no I/O and never blocks. The caller fetches a snapshot whenever
// NeedsSnapshot says so and hands it to OnSnapshot.
type Sync struct {
	state  syncState
	book   Book
	lastID int64
	buf    diffBuffer
	spare  diffBuffer
	max    int
	ahead  int // diffs dropped in a row while awaiting the first after a snapshot
	maxAh  int
	stats  SyncStats
	event  int64 // E of the last diff applied, ms; 0 when unknown
}

// NewSync returns a Sync that needs a snapshot.
func NewSync(opts SyncOptions) *Sync {
	if opts.Depth <= 0 {
		opts.Depth = 1000
	}
	if opts.MaxBuffered <= 0 {
		opts.MaxBuffered = DefaultMaxBuffered
	}
	if opts.MaxAhead <= 0 {
		opts.MaxAhead = DefaultMaxAhead
	}
	s := &Sync{max: opts.MaxBuffered, maxAh: opts.MaxAhead}
	s.book = *NewBook(opts.Depth)
	return s
}

// NeedsSnapshot reports whether the book waits for a snapshot: at the
// start and after every resync.
func (s *Sync) NeedsSnapshot() bool { return s.state == needSnapshot }

// Synced reports whether the book is valid as of LastUpdateID: a snapshot
// was loaded and no resync happened since.
func (s *Sync) Synced() bool { return s.state != needSnapshot }

// LastUpdateID returns the update id the book is at (the snapshot's
// lastUpdateId, then each applied diff's u); 0 when not synced.
func (s *Sync) LastUpdateID() int64 {
	if s.state == needSnapshot {
		return 0
	}
	return s.lastID
}

// EventTime returns the venue's event time (E, in milliseconds) of the
// last diff applied, 0 when unknown (a book just loaded from a snapshot,
// whose buffered diffs keep no event time).
func (s *Sync) EventTime() int64 { return s.event }

// Book returns the book. It is only meaningful while Synced; the caller
// must not modify it.
func (s *Sync) Book() *Book { return &s.book }

// Stats returns the symbol's counts.
func (s *Sync) Stats() SyncStats { return s.stats }

// Buffered returns how many diffs wait for a snapshot.
func (s *Sync) Buffered() int { return len(s.buf.diffs) }

// OnDiff takes one depth diff. d is not retained: a buffered diff is
// copied.
func (s *Sync) OnDiff(d *DepthUpdate) Outcome {
	switch s.state {
	case needSnapshot:
		if len(s.buf.diffs) >= s.max {
			s.stats.DiffsDropped += uint64(len(s.buf.diffs))
			s.buf.reset()
		}
		s.buf.add(d)
		return Buffered
	case awaitFirst:
		if d.Final <= s.lastID {
			if s.ahead++; s.ahead > s.maxAh {
				// The stream has not reached the snapshot in MaxAhead
				// diffs: the snapshot is wrong, not early.
				return s.resync(d)
			}
			s.stats.DiffsDropped++
			return Dropped
		}
		if d.First > s.lastID+1 {
			// The snapshot is older than the first diff it should be
			// followed by: discard it and wait for another.
			return s.resync(d)
		}
	default:
		if d.Final <= s.lastID {
			s.stats.DiffsDropped++
			return Dropped
		}
		if d.First != s.lastID+1 {
			s.stats.Gaps++
			return s.resync(d)
		}
	}
	s.book.Apply(d.Bids, d.Asks)
	s.lastID = d.Final
	s.event = d.EventTime
	s.state = live
	s.stats.DiffsApplied++
	return Applied
}

// resync discards the book and starts buffering again with d.
func (s *Sync) resync(d *DepthUpdate) Outcome {
	s.stats.Resyncs++
	s.book.Reset()
	s.lastID = 0
	s.state = needSnapshot
	s.buf.reset()
	s.buf.add(d)
	return Resynced
}

// Reset discards the book and every buffered diff and waits for a
// snapshot again, as at the start: for a new connection, whose diffs do not
// continue the old one's. It is not counted as a resync; the counts are
// kept.
func (s *Sync) Reset() {
	s.book.Reset()
	s.lastID = 0
	s.state = needSnapshot
	s.buf.reset()
	s.spare.reset()
}

// OnSnapshot loads a snapshot and runs the buffered diffs through OnDiff:
// those it already holds are dropped, the first after it must follow it
// and the rest must follow each other, else the Sync resyncs (and buffers
// the rest for the next snapshot). snap is not retained. A snapshot that
// arrives while the book is synced replaces it the same way.
func (s *Sync) OnSnapshot(snap *Snapshot) {
	s.stats.Snapshots++
	s.book.Load(snap.Bids, snap.Asks)
	s.lastID = snap.LastUpdateID
	s.event = 0
	s.state = awaitFirst
	s.buf, s.spare = s.spare, s.buf
	s.buf.reset()
	old := &s.spare
	var d DepthUpdate
	// The buffered diffs came before the snapshot was taken: those older
	// than it are expected, and do not count toward MaxAhead.
	s.ahead = math.MinInt
	for _, bd := range old.diffs {
		d.First, d.Final = bd.first, bd.final
		d.Bids = old.levels[bd.off : bd.off+bd.nb : bd.off+bd.nb]
		d.Asks = old.levels[bd.off+bd.nb : bd.off+bd.nb+bd.na : bd.off+bd.nb+bd.na]
		s.OnDiff(&d)
	}
	s.ahead = 0
	old.reset()
}

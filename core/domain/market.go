package domain

// BookDepth is how many price levels per side a BookUpdate carries.
const BookDepth = 10

// Level is one aggregated price level of an order book.
type Level struct {
	Price Price
	Qty   Qty
}

// BookUpdate is the state of one venue's book for one instrument after a
// change: the best BookDepth levels a side, best first. Level 0 is the top of
// the book. It is a value with no pointers so it travels through channels and
// mailboxes without allocating.
type BookUpdate struct {
	Instrument InstrumentID
	Venue      VenueID
	Seq        uint64 // the venue's sequence number of the last change applied
	VenueTime  int64  // unix nanoseconds, the venue's clock
	NBids      uint8  // levels used in Bids
	NAsks      uint8  // levels used in Asks
	Bids       [BookDepth]Level
	Asks       [BookDepth]Level
	Stamps     Stamps
}

// BestBid returns the top bid, ok false when the bid side is empty.
func (b *BookUpdate) BestBid() (Level, bool) { return b.Bids[0], b.NBids > 0 }

// BestAsk returns the top ask, ok false when the ask side is empty.
func (b *BookUpdate) BestAsk() (Level, bool) { return b.Asks[0], b.NAsks > 0 }

// Mid returns the midpoint of the best bid and ask, ok false when either side
// is empty.
func (b *BookUpdate) Mid() (Price, bool) {
	if b.NBids == 0 || b.NAsks == 0 {
		return 0, false
	}
	return (b.Bids[0].Price + b.Asks[0].Price) / 2, true
}

// Trade is a public trade printed by a venue.
type Trade struct {
	Instrument InstrumentID
	Venue      VenueID
	Price      Price
	Qty        Qty
	Aggressor  Side // the side that took liquidity
	TradeID    uint64
	VenueTime  int64
	Stamps     Stamps
}

// FeedStats are one venue's market-data counts as its feed handler keeps
// them, for operators: is the feed connected, is it keeping up, how often
// did it resync. The counts are totals since the daemon started.
type FeedStats struct {
	Protocol  string // "sim" for an in-process venue, else the venue protocol, e.g. "binance"
	Connected bool   // a market-data connection is open (always true in-process)
	// Frames are the messages received: websocket frames, or book
	// publications of an in-process venue.
	Frames uint64
	// Books are the books handed to the engine; OutOfOrder the ones
	// dropped for arriving behind a newer one.
	Books, OutOfOrder uint64
	// DiffsApplied, DiffsDropped, Gaps and Resyncs count the
	// snapshot-and-diff book procedure (zero in-process): diffs applied to
	// a synced book, diffs older than the book, sequence gaps seen, and
	// books discarded for a new snapshot.
	DiffsApplied, DiffsDropped, Gaps, Resyncs uint64
	Reconnects                                uint64 // connections replaced
	Malformed                                 uint64 // frames and snapshots that did not decode, skipped
	Crossed                                   uint64 // books not passed on because their best bid was at or above their best ask
	Stale                                     int    // instruments of the venue now stale
	// LastMessage is when the feed last received a message (unix ns; 0:
	// never), as its reporter observed it.
	LastMessage int64
	// Symbols are per-symbol states, for protocols that keep a book per
	// venue symbol; in configuration order.
	Symbols []FeedSymbol
}

// FeedSymbol is one venue symbol's book state within FeedStats.
type FeedSymbol struct {
	Symbol       string // as the venue spells it, e.g. "BTCUSDT"
	Instrument   InstrumentID
	Synced       bool  // the book follows the venue's diffs
	LastUpdateID int64 // the venue's update id of the book, 0 before the first snapshot
	Gaps         uint64
	Resyncs      uint64
}

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

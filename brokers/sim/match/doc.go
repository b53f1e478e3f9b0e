// Package match is a price-time priority matching engine: the order book of
// one instrument, as an exchange keeps it.
//
// # Basics
//
// A [Book] takes three calls: [Book.Submit] a new limit or market order
// (time in force GTC, IOC or FOK, optionally post-only), [Book.Cancel] a
// resting order and [Book.Replace] its price and total quantity. Each call
// runs to completion and returns what happened as a slice of [Event]s:
// Accepted or Rejected, one Filled per trade, Canceled for whatever an IOC
// or market order could not fill, Replaced, and the rejections of cancels
// and replaces. The better price fills first, and at one price the earlier
// order; trades print at the resting order's price. Self-trades are allowed:
// the book does not know owners, only the opaque Tag it hands back.
//
// [Book.Depth] copies the best domain.BookDepth levels of each side into a
// domain.BookUpdate, and [Book.Lookup], [Book.BestBid] and [Book.BestAsk]
// answer questions without changing anything.
//
// # How it is built
//
// Each side is a ladder: a slice of price levels sorted so that the best is
// last, where orders arrive and leave most often. A level is a FIFO queue of
// nodes linked by index in one slice of nodes, with a free list so a freed
// node is reused by the next order; an open-addressing table maps order ids
// to nodes. Once a book has reached its working size, no call allocates.
//
// # Caveats
//
// A Book is not safe for concurrent use: one goroutine owns it (the venue
// goroutine, in package sim). Nothing in it blocks, reads a clock or draws a
// random number, so the same calls always produce the same events.
//
// The slice of events a call returns is reused by the next call on the same
// Book: handle or copy the events before calling again.
//
// Order ids must be nonzero and unique among resting orders. The book checks
// only what it needs to stay consistent (positive quantity and limit price,
// a known type and time in force, a new id); tick and lot sizes are the
// caller's business.
package match

// Package sim is a simulated exchange: the embedded default venue of desk
// demo, and the far end of every test that needs a venue which really
// matches orders.
//
// # Basics
//
// [New] builds a [Venue] from [Options]: the instruments it lists, a fee
// schedule, a one-way latency, a seed and the shape of its background order
// flow. [Venue.Run] runs it until its context is canceled. The engine trades
// on it through [Venue.Submit], [Venue.Cancel] and [Venue.Replace], which
// make it an engine.Venue, and asks [Venue.OpenOrders] and [Venue.Orders] at
// start-up to reconcile. Execution reports about client orders arrive on
// Options.Reports; public books and trades go to Options.Market, a
// [MarketSink].
//
// [Venue.Orders] answers reconciliation from the venue's own books: every
// client order it holds, as submitted, with every report it issued about
// it, oldest first, delivered or not. The venue records each order when it
// reaches the book (rejected ones included) and each report when it issues
// it; an order that ends (filled, canceled, rejected, expired) moves to a
// history of the last Options.History ended orders (10000 by default),
// past which the oldest is forgotten. Live orders are never forgotten, and
// the record survives between runs like the books.
//
// # How the pieces fit
//
//	engine goroutine                        venue goroutine (Run)
//	Submit/Cancel/Replace --bounded chan--> delay queue (Latency)
//	                                          -> match.Book per instrument <- background flow ticks
//	                                                                      <- Mirror (feed goroutine): the
//	                                                                         latest book, conflated, undelayed
//	                                          -> reports: delay queue (Latency) -> Options.Reports
//	                                          -> trades as they print, then one conflated book
//	                                             per changed instrument per batch -> MarketSink
//
// Each book is a [match.Book], a price-time priority matching engine. A
// client order rests in it under a venue order id, tagged with its client
// order id so that fills are reported without a lookup; background flow
// orders have no tag, trade like any other order and are never reported.
// Fees are basis points of notional, taken per fill: the maker fee (negative
// for a rebate) on the resting side, the taker fee on the incoming one.
//
// Latency is simulated inside the venue goroutine: requests and reports wait
// in FIFO queues until they are due, and one timer wakes the goroutine for
// the earliest of them and for the next flow tick. No goroutine or timer is
// made per order.
//
// # Paper trading: Mirror
//
// Instead of (or besides) the background flow, a book's outside liquidity
// can follow an external market: [Venue.Mirror] hands the venue that
// market's latest book (a domain.BookUpdate from a live feed), and the
// venue keeps one resting order per level and side of it, tag zero like
// the flow's, cancelling and placing orders as the levels change. Client
// orders then trade against the real market's displayed book: a taker
// fills at the mirrored prices, walking the levels, and a resting client
// order fills as maker, at its own price, when a later book shows the
// other side at or through it. Mirror orders never trade with each other
// and never produce reports.
//
// Mirror is safe from any goroutine and never blocks: it copies the book
// into a per-instrument slot and wakes the venue goroutine, which applies
// the latest book at once (market data does not wait Options.Latency;
// client requests and reports still do) and then publishes and delivers
// reports as after any batch. Use it with Flow.OpsPerTick zero and usually
// no Options.Market; with flow on, the flow and the mirror share the book.
// It is an approximation: re-placed mirror liquidity queues behind client
// orders at its price, the real market never sees desk's paper orders (so
// liquidity a paper order took comes back with the next book), and only
// the top domain.BookDepth levels a side are mirrored.
//
// # Caveats
//
// Submit, Cancel and Replace are meant for the engine goroutine; they are
// safe from any goroutine but then the order in which concurrent callers'
// requests reach a book is unspecified. They never block and do not
// allocate: when the inbound queue (Options.QueueSize) is full they return
// [ErrQueueFull], and while Run is not running [ErrNotRunning].
//
// Run owns every book and all venue state, and does all the work in the
// goroutine that called it; it starts no goroutine of its own. It delivers
// reports with a blocking send, deliberately: a report is never dropped, so
// a reader that stops draining Options.Reports stalls the venue (its inbound
// queue then fills and Submit returns ErrQueueFull). The MarketSink is
// called from the same goroutine and must not block.
//
// The venue's clock is the wall clock; latency and flow ticks use real
// timers, so a run is reproducible in its order flow (given the seed and the
// sequence of ticks and requests) but not in its timing.
package sim

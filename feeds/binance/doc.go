// Package binance is the core of desk's Binance spot market-data feed
// handler: the decoding of the venue's websocket frames and REST depth
// snapshots into fixed point, the documented local-order-book procedure
// per symbol, and Client, the network part that drives them: one
// websocket connection for many symbols, REST snapshot fetches and
// reconnects. Everything but Client does no I/O.
//
// The pieces, bottom up:
//
//   - ParseFixed and AppendFixed convert between decimal strings and int64
//     fixed point at a symbol's Scales (ScalesOf takes them from a
//     domain.Instrument), without allocating. Zeros past the scale are
//     accepted (Binance pads to eight places), a non-zero digit is
//     ErrPrecision, overflow ErrOverflow.
//   - Frame.Parse parses one frame in place, raw ({"e":"depthUpdate",...})
//     or a combined stream's envelope ({"stream":...,"data":{...}}), with a
//     small purpose-built JSON scanner (scan.go) for these fixed shapes;
//     Frame.Depth, BookTicker and Trade then decode the fields once the
//     caller knows the symbol's scales. DecodeSnapshot decodes
//     GET /api/v3/depth. Nothing allocates per level once the reused
//     slices have grown; no reflection.
//   - Book keeps one symbol's sorted price levels (best last internally,
//     so top-of-book changes move the fewest levels; binary search).
//   - Sync is the procedure: buffer diffs, take a snapshot (NeedsSnapshot,
//     OnSnapshot), drop diffs with u <= lastUpdateId, require the first
//     kept one to have U <= lastUpdateId+1 <= u, apply the rest, resync the
//     symbol alone on a gap (U != previous u + 1).
//   - Handler routes a connection's frames to a Sync per symbol and counts
//     frames, diffs applied and dropped, gaps, resyncs, malformed and
//     ignored frames and snapshots (Stats, readable from any goroutine).
//   - Client (client.go) keeps one websocket connection carrying every
//     symbol's <sym>@depth@100ms stream (WSURL/stream?streams=a/b/...),
//     fetches GET /api/v3/depth?symbol=SYM&limit=1000 for each symbol
//     that NeedsSnapshot, and replaces the connection when it fails, is
//     silent for ReadTimeout (pings count: they are answered and extend
//     the deadline) or reaches MaxConnAge (23 h, before the venue's
//     24 h), after an exponential backoff with jitter (not after
//     MaxConnAge). Every replacement resets every symbol (Handler.Reset,
//     counted in Stats.Reconnects): a new connection's diffs do not
//     continue the old one's. A gap resyncs its symbol alone.
//   - Feed (feed.go) is what the daemon runs: a Client whose synced books
//     are published as desk's domain.BookUpdate (top ten levels a side, a
//     sequence per instrument). With ClientOptions.BookTicker the client
//     also takes <sym>@bookTicker, the venue's real-time best bid and ask,
//     and Feed merges a ticker newer than the book (by update id) into the
//     top of the book: the diffs come in 100 ms batches, the ticker at
//     once. Stats gives the counts and each symbol's state as
//     domain.FeedStats.
//   - ReadFrames, ReadSnapshots and Replay read cryptofeed-format
//     recordings (testdata/binance) and drive a Handler with them in
//     receive order, for tests and `desk replay`.
//
// A malformed frame or snapshot is an error (wrapping a sentinel of
// errors.go) that the Handler counts; it never panics and leaves the state
// as it was. The decoders are fuzzed (FuzzFrame, FuzzSnapshot,
// FuzzParseFixed; corpus in testdata/fuzz).
//
// # Goroutines
//
// Client.Run's goroutine owns the Client's Handler and alone calls it, so
// the Handler's callbacks run there. Per connection Run starts a socket
// reader, which only reads frames into reused buffers and queues them on a
// bounded channel (FrameQueue) for Run's goroutine, and SnapshotWorkers
// fetchers, which GET snapshots Run asks for (at most one per symbol at a
// time) and hand the bodies back on a channel with room for one per
// symbol, so a slow snapshot never stalls the frames and a fetcher never
// waits for Run. Run decodes both with Handler.OnFrame and OnSnapshot.
// When a connection ends Run cancels its goroutines and waits for them
// before it resets the Handler and dials again; on ctx's end it returns
// once they are gone. Client.Stats may be called from any goroutine.
//
// # Caveats
//
// A Handler and its Syncs belong to one goroutine, the connection's owner
// (Client.Run's, under a Client): no method but Stats may be called
// concurrently. Nothing here blocks or
// does I/O; the callbacks in Options (OnBook, OnBookTicker, OnTrade) run on
// that goroutine and must not block it either (hand the data on, e.g. to
// feeds.Handler, which may block on the engine's inbox: keep that off the
// reader or bound it). Frame, DepthUpdate and the Book's levels alias or
// reuse memory: copy what outlives the call. Fetching a snapshot is the
// caller's job and must not stall the reader: diffs keep arriving and are
// buffered (at most SyncOptions.MaxBuffered) until OnSnapshot; Client does
// this on its fetchers.
//
// Under a Client the callbacks must not block either: while they do no
// frame or snapshot is handled, the socket reader stops once FrameQueue is
// full, and the venue then closes the connection (its own queue fills),
// which costs every symbol a resync. The books are not valid between a
// connection's loss and each symbol's next snapshot, and
// Sync.Synced is false then; a MaxConnAge replacement closes the old
// connection before it dials the new one, so it has that gap too (no
// make-before-break). Snapshots are fetched as soon as a symbol needs one,
// without waiting for its first diff; a snapshot older than the first
// buffered diff makes the symbol resync and fetch again, with a backoff
// when that repeats. The venue's REST weights are not tracked: the
// backoff (BackoffMin to BackoffMax, reset only by a connection that
// lasted HealthyAfter) and a 429 or 418's Retry-After on a snapshot are
// the only throttles. Subscription is by the URL only (no SUBSCRIBE), so the symbols
// are fixed for the Client's life and at most MaxStreams (1024); a long
// list makes a long URL. Frames of a connection that ended and were still
// queued are dropped, as the reset discards their books anyway.
package binance

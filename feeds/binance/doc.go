// Package binance is the core of desk's Binance spot market-data feed
// handler: the decoding of the venue's websocket frames and REST depth
// snapshots into fixed point, and the documented local-order-book
// procedure per symbol. It does no I/O: the network part (one websocket
// connection for many symbols, reconnects, REST snapshot fetches) is not
// written yet and will drive it through method calls.
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
//   - ReadFrames, ReadSnapshots and Replay read cryptofeed-format
//     recordings (testdata/binance) and drive a Handler with them in
//     receive order, for tests and `desk replay`.
//
// A malformed frame or snapshot is an error (wrapping a sentinel of
// errors.go) that the Handler counts; it never panics and leaves the state
// as it was. The decoders are fuzzed (FuzzFrame, FuzzSnapshot,
// FuzzParseFixed; corpus in testdata/fuzz).
//
// # Caveats
//
// A Handler and its Syncs belong to one goroutine, the connection's reader:
// no method but Stats may be called concurrently. Nothing here blocks or
// does I/O; the callbacks in Options (OnBook, OnBookTicker, OnTrade) run on
// that goroutine and must not block it either (hand the data on, e.g. to
// feeds.Handler, which may block on the engine's inbox: keep that off the
// reader or bound it). Frame, DepthUpdate and the Book's levels alias or
// reuse memory: copy what outlives the call. Fetching a snapshot is the
// caller's job and must not stall the reader: diffs keep arriving and are
// buffered (at most SyncOptions.MaxBuffered) until OnSnapshot.
package binance

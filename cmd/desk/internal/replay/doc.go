// Package replay is `desk replay`: it replays a recorded Binance market-data
// session (cryptofeed's format, as in testdata/binance: a *.ws.* file of
// websocket frames and optionally a *.http.* file of REST depth snapshots)
// through feeds/binance's client, decoder and book sync, and prints each
// symbol's final book and the handler's counts, or with --json:
//
//	{"books": {"SYMBOL": {"last_update_id": N, "bids": [["price", "qty"], ...], "asks": [...]}},
//	 "frames": N, "diffs_applied": N, "diffs_dropped": N, "resyncs": N}
//
// with every level, prices and quantities as decimal strings without
// trailing zeros, bids high to low and asks low to high. Only synced books
// are listed; a symbol that never got a snapshot, or resynced after its
// only recorded one, is named on stderr instead.
//
// Loopback: the recording is served on 127.0.0.1 (an ephemeral port) to
// feeds/binance's real Client, so its connection code runs: GET
// /stream?streams=... is a websocket on which every recorded frame is sent
// in recorded order, as fast as the client reads, then the connection is
// kept open until the client closes it; GET /api/v3/depth?symbol=S answers
// with S's next recorded snapshot (recorded order, one per request) and,
// once none is left, HTTP 503 with a Binance error body, which the client
// retries with its backoff, so that symbol stays unsynced. The client
// fetches each symbol's first snapshot as soon as it connects, rather than
// at the snapshot's recorded time as binance.Replay does; that changes no
// count or book, as each symbol's diffs reach its Sync in the same order
// either way (buffered until the snapshot, or run through after it: the
// same drops, the same first kept diff), unless more than
// SyncOptions.MaxBuffered (4096) diffs of a symbol come before its
// snapshot. A recording with several snapshots for a symbol is served in
// order on demand (after a resync), not by time, and could differ from
// binance.Replay there. After the last recorded frame the server sends a subscription reply the handler
// ignores, as a barrier: once the client has handled it every recorded
// frame has been handled (it is not counted in "frames"). The replay is
// done when, besides, every symbol that needs a snapshot has been answered
// 503 (see waitDone); then the client is stopped, within 30 s or an
// error, and the books are read from its handler. A reconnect, which a clean replay never has, is named on stderr
// (the server sends a second connection nothing).
//
// Scales: the recorded symbols are not desk instruments, so their fixed-point
// scales are derived from the recording: a first pass decodes every frame
// and snapshot at eight decimals (Binance's wire format pads every value to
// eight places, and no spot value has more) and takes, per symbol, the most
// significant decimals seen in a price and in a quantity; the replay then
// runs at those scales, with no tick or lot check. Derived scales can only
// be too fine, never too coarse, for the data replayed, so no value is
// refused for its precision, and the output (trailing zeros removed) is the
// same at any scale that holds every value.
//
// # Caveats
//
// It reads whole files into memory; it is a tool for recordings, not a
// live path. The frames are sent as fast as the client
// reads, so the replay is not paced by the recorded times.
package replay

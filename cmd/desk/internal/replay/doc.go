// Package replay is `desk replay`: it replays a recorded Binance market-data
// session (cryptofeed's format, as in testdata/binance: a *.ws.* file of
// websocket frames and optionally a *.http.* file of REST depth snapshots)
// through the feeds/binance decoder and book sync, and prints each symbol's
// final book and the handler's counts, or with --json:
//
//	{"books": {"SYMBOL": {"last_update_id": N, "bids": [["price", "qty"], ...], "asks": [...]}},
//	 "frames": N, "diffs_applied": N, "diffs_dropped": N, "resyncs": N}
//
// with every level, prices and quantities as decimal strings without
// trailing zeros, bids high to low and asks low to high. Only synced books
// are listed; a symbol that never got a snapshot, or resynced after its
// only recorded one, is named on stderr instead.
//
// No network: feeds/binance has no websocket client yet, so the frames are
// handed straight to binance.Handler.OnFrame in receive order and each
// snapshot to OnSnapshot at its receive time when its symbol needs one
// (binance.Replay). Issue 9 asks for the recording to be served on a
// loopback websocket so the connection code runs too; that waits for the
// connection code.
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
// Everything runs on the caller's goroutine and reads whole files into
// memory; it is a tool for recordings, not a live path.
package replay

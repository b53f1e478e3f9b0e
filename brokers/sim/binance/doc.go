// Package binance serves a simulated venue (package sim) over the Binance
// spot market-data protocol, so that anything that speaks Binance, desk's
// own feed handler or a third-party client, can read it over real sockets.
//
// # Basics
//
// [New] builds a [Server] for the venue's instruments; the Server is the
// venue's sim.MarketSink and sim.DepthSink (pass it as
// sim.Options.Market). [Listen] opens a loopback listener and
// [Server.Serve] serves, on that one listener:
//
//   - REST: GET /api/v3/ping, /api/v3/time, /api/v3/exchangeInfo (with
//     symbol or symbols), /api/v3/depth (symbol, limit: default 100, at most
//     5000), /api/v3/ticker/bookTicker (one, some or all symbols),
//     /api/v3/trades (symbol, limit: default 500, at most 1000). Errors are
//     Binance's: HTTP 400 with {"code": -1121, "msg": "Invalid symbol."},
//     -1102 for a missing mandatory parameter, -1100 for a bad value; 404
//     for an unknown path.
//   - Websocket: raw streams at /ws/<stream> and /ws, combined streams at
//     /stream?streams=a/b (frames wrapped as {"stream":..,"data":..}),
//     with live SUBSCRIBE, UNSUBSCRIBE and LIST_SUBSCRIPTIONS. Streams:
//     <sym>@depth@100ms and <sym>@depth (diff depth, flushed every 100 ms
//     and every second), <sym>@bookTicker, <sym>@trade, <sym>@aggTrade,
//     with the symbol in lower case. Pings are answered with pongs, and
//     the server pings every 20 s.
//   - Faults for tests: POST /admin/fault (see fault.go): drop-connections,
//     skip-updates, stall, malformed.
//
// # Update ids
//
// An update id is the simulator's book version (sim.Depth.UpdateID,
// match.Book.Version), which grows on every change of a book. The venue
// hands the server every level of a changed book after each batch
// (sim.DepthSink); the server diffs it against the last one (changed
// levels at their new absolute quantity, removed levels at "0") and merges
// the diff into each speed's pending event, whose U is one past the last
// event's u and whose u is the newest version. /api/v3/depth's
// lastUpdateId is the version of the book the venue goroutine holds
// between two batches, which is always the last one handed to the server.
// So a client that subscribes, buffers, reads the snapshot, drops events
// with u <= lastUpdateId and applies the rest from the one with
// U <= lastUpdateId+1 <= u ends with the venue's book, every level of it.
//
// A symbol's Binance name is its desk symbol in capitals with separators
// dropped (BTC-USD is BTCUSD). An aggTrade is one trade: the simulator
// prints one trade per maker fill, and the server does not aggregate them.
//
// # Caveats
//
// The sink methods (Book, Trade, Depth) run on the venue goroutine and
// never block: they encode, take short locks and queue frames on bounded
// per-connection queues; a connection whose queue is full is closed, never
// waited for. Each connection has a reader and a writer goroutine; one
// flusher goroutine sends the diff streams. Locks: Server.mu (subscriptions)
// before a market's mu, never the reverse; the fault lock is taken alone.
// Computing a full book costs the venue goroutine time linear in the
// orders resting on it (see sim.DepthSink), once per changed book per
// batch.
package binance

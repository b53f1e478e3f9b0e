// Package binance serves a simulated venue (package sim) over the Binance
// spot protocol, so that anything that speaks Binance, desk's own feed
// handler and adapter or a third-party client, can read its market data
// and, given API keys, trade on it over real sockets, against a venue of
// record that outlives a restart.
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
//   - Faults for tests: POST /admin/fault (see fault.go and
//     orderfault.go): drop-connections, skip-updates, stall, malformed,
//     and the order-entry faults below.
//   - Order entry, when Options.Accounts is set: see below.
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
// # Order entry
//
// With Options.Accounts (API key and secret pairs, one account each,
// opening with Options.Balances), the same listener serves Binance spot
// order entry, in the vocabulary of package brokers/binance/api:
//
//   - Signed REST: POST/DELETE/GET /api/v3/order, POST
//     /api/v3/order/test, POST /api/v3/order/cancelReplace
//     (STOP_ON_FAILURE, ALLOW_FAILURE), DELETE /api/v3/openOrders (every
//     open order of a symbol; none is -2011), GET /api/v3/openOrders
//     (symbol optional), /api/v3/allOrders (symbol, orderId, startTime, endTime,
//     limit <= 1000), /api/v3/myTrades (symbol, orderId, fromId,
//     startTime, endTime, limit <= 1000), /api/v3/account,
//     /api/v3/rateLimit/order (the account's order counts in each window,
//     so that a client that restarts knows what it spent). The key is
//     X-MBX-APIKEY: missing -2014, unknown -2015 (HTTP 401); then
//     timestamp and recvWindow (-1021; recvWindow over 60000 -1102);
//     then the HMAC-SHA256 signature over the query string and the body
//     exactly as sent (-1022, missing -1102).
//   - The WebSocket API at /ws-api/v3: order.place, order.test,
//     order.cancel, order.status, order.cancelReplace, openOrders.status,
//     openOrders.cancelAll,
//     allOrders, myTrades, account.status, account.rateLimits.orders,
//     ping, time, and
//     userDataStream.subscribe.signature / userDataStream.unsubscribe.
//     Answers are {"id","status","result"|"error","rateLimits"}, out of
//     order when requests are pipelined (at most 16 run at once per
//     connection). After a subscription, the connection also receives
//     {"subscriptionId":N,"event":{...}}.
//   - Legacy (Binance retired it in 2026; kept for older clients such as
//     go-binance): POST/PUT/DELETE /api/v3/userDataStream with the API key
//     alone, and the bare events on /ws/<listenKey>. Listen keys live 60
//     minutes from their last keepalive (then their streams get
//     listenKeyExpired and close; DELETE closes them at once) and only in
//     memory: a restart of the venue forgets them.
//
// Orders: LIMIT (GTC, IOC, FOK), LIMIT_MAKER (refused -2010 "Order would
// immediately match and take." when it would cross) and MARKET by
// quantity (quoteOrderQty is refused: exchangeInfo says
// quoteOrderQtyMarketAllowed false). The filters are exactly those
// exchangeInfo publishes: PRICE_FILTER and LOT_SIZE (off step, zero or
// over the maximum: -1013 "Filter failure: ..."; more decimals than the
// asset's precision: -1111) and NOTIONAL (whose minimum, one tick times
// one lot, every valid order meets). newClientOrderId is unique among an
// account's open orders of a symbol (-2010 "Duplicate order sent."), kept
// and queryable as origClientOrderId (the latest order with it); without
// one the venue makes a random 22-character id. newOrderRespType ACK,
// RESULT or FULL (the default), FULL with the fills of the order's
// immediate matching. An IOC or MARKET remainder, and a FOK that cannot
// fill, end EXPIRED. An order id is unique across symbols; trade ids
// count per symbol, and the two sides of a trade between two accounts
// share one.
//
// Balances: a buy locks its notional plus the larger of the maker and
// taker fee in the quote asset, a sell locks its base quantity; a fill
// spends from the lock and credits the other asset; an order that ends
// unlocks what it still holds. A MARKET buy is checked against the cost
// of walking the book as the request finds it, and locks the whole free
// quote balance until it ends (within the batch it reaches the book in);
// if the book moved against it in between, it may spend more than the
// check saw. Commission is charged in the QUOTE asset on both sides (a
// buyer's is added to what it pays, a seller's taken from what it
// receives): the simulator charges fees in quote, and one asset keeps
// reconciliation simple; commissionAsset says so on every fill.
//
// # The venue of record
//
// One goroutine, the ledger, owns the accounts, their orders and trades.
// Handlers parse, authenticate and rate-limit, then hand it requests on a
// bounded queue (full: -1008, HTTP 503, nothing done); it takes the
// venue's execution reports from Options.Reports, and commits each batch
// of changes to the bbolt file StateDir/venue.db (one transaction, fsync)
// before any answer or user-data event that reports it leaves. The REST
// and WebSocket queries read what was committed. A failed commit stops
// order entry (-1001 from then on): the record can no longer be trusted.
//
// A new order is recorded when the ledger accepts it, then submitted to
// the simulator's book; it is answered once the book's immediate outcome
// is in. To know that, the ledger follows each submit with a marker: a
// cancel of an id no order has, whose cancel-reject the simulator
// reports after every report of the submit (its requests and reports are
// each one FIFO). A book refusal (post-only) deletes the order from the
// record and answers -2010.
//
// On restart, the record's open orders go back to the book for what they
// have left, under their ids, at the back of their price level (their
// time priority is lost); one that would now cross trades at once as a
// taker, a LIMIT_MAKER that would cross ends EXPIRED. No executionReport
// repeats their NEW. Their client ids, fills, balances and locks are as
// recorded. An open order whose symbol the venue no longer lists is left
// in the record as it was (open, its lock held); one that cannot be
// submitted (the venue did not start within 10 s) ends EXPIRED. Execution reports the simulator had queued but not delivered
// when the process died are lost with the simulator's state; so are
// fills of the background flow, which is not persisted.
//
// User-data events are derived from the record: executionReport (api.
// ExecutionReport: t the trade id, -1 when not a trade; I an execution
// id, increasing; z and Z cumulative; n and N commission; N null when
// none) and, after each batch that changed an account's balances,
// outboundAccountPosition with the changed assets. balanceUpdate is never
// sent (no deposits).
//
// # Rate limits
//
// Request weight per minute and new orders per 10 s and per day count per
// account (Options.RateLimits, Binance's 6000, 50 and 160000 by default),
// in fixed windows aligned on the clock, and come back in
// X-MBX-USED-WEIGHT-1M and X-MBX-ORDER-COUNT-10S / -1D (REST) and in
// rateLimits (WebSocket API). Over a limit: HTTP 429 with Retry-After
// (seconds) and -1003 (weight) or -1015 (orders); the refused request's
// weight still counts. A client address that does not back off, earning
// BanAfter (5) 429s within BanFor (2 minutes) with requests sent while an
// earlier Retry-After still ran (more than 250 ms after the window's first
// 429, so that requests already on the wire do not count), is banned for
// BanFor: HTTP 418 with
// Retry-After on every signed request. A client that waits out each
// Retry-After is never banned, however many 429s it gets. Weights are Binance's: 1 for new
// orders, cancels and cancelReplace, 4 for an order query, 6 for
// openOrders of a symbol (80 for all), 20 for allOrders, myTrades and
// account, 2 for the user-data stream.
//
// # Order-entry faults
//
// POST /admin/fault?kind=... (count defaults to 1; see orderfault.go):
// delay-acks&for=D holds order answers; drop-acks executes and answers
// nothing (REST: the connection is closed; WebSocket API: no answer,
// connection kept); duplicate-report sends executionReports twice;
// http-429 refuses; http-5xx answers 500 -1001, with the request executed
// (placed=true, the default: a 5xx is an unknown outcome, and this is the
// case a client must reconcile) or not (placed=false); drop-user-stream
// closes listen-key streams and ends WebSocket API subscriptions with
// eventStreamTerminated. fill-after-cancel models the race of a cancel
// with a fill already matched: the next cancel first books a fill of
// half of what is left (at the order's price, as maker; the background
// flow is not its counterparty and no public trade prints), then cancels
// the rest. The record shows the order partially filled then canceled;
// the cancel's answer (CANCELED, executedQty with the fill) leaves first,
// then the TRADE and the CANCELED executionReports. When what is left is
// one lot, the fill takes it all: the order ends FILLED and the cancel is
// -2011, as a cancel that lost the race.
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
//
// Order entry never blocks the venue goroutine itself: Submit and Cancel
// do not block (a full queue is -1008), and the venue's reports wait in
// the Options.Reports channel while the ledger commits; the venue blocks
// only if that channel fills, so size it for the reports of a commit's
// fsync (desk venue gives it 16384). Locks: the limiter's, the user
// hub's, the listen keys' and the fault lock are each taken alone; the
// hub's is held while queueing frames, which never blocks. Serve stops
// the ledger after the HTTP server and the websockets: requests still
// waiting are answered -1001.
package binance

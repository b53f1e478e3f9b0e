// Package binance is desk's adapter for a Binance spot account: an
// engine.Venue that sends real signed orders and reports what the venue
// says happened to them, with the optional ports a networked venue adds
// (session, order query and history, external orders, balances, rate
// use). It speaks the protocol through package api, which it shares with
// desk's simulated Binance venue.
//
// # Basics
//
// [New] checks the [Options]; [Venue.Run] connects and keeps the session
// until its context ends: it measures the server clock (GET
// /api/v3/time, offset at half the round trip, again on -1021 and every
// ten minutes), reads the mapped symbols' filters from exchangeInfo,
// then holds one WebSocket API connection (/ws-api/v3) with the user
// data stream subscribed on it (userDataStream.subscribe.signature,
// events as {"subscriptionId":N,"event":{...}}), falling back to the
// legacy listenKey stream (Options.StreamURL) when the venue refuses the
// subscription for another reason than the credentials, or from the
// start with Options.ListenKeyStream. It reconnects with jittered
// exponential backoff.
//
// Orders go over the WebSocket API (order.place, order.cancel,
// order.cancelReplace), pipelined; while it is down, over REST, with a
// bounded pool of workers. The client order id is desk's order id
// ("EPOCH-STRATEGY-SEQ"); a replace is cancelReplace in STOP_ON_FAILURE
// mode whose new order is "<id>-<n>" for the n-th replace, so that its
// fills and end map back to the same desk order. Binance's new order
// carries the leaves, so ExecReplaced says the new total: what had filled
// plus the new order's quantity. A cancel asked while a replace is in
// flight is sent once the replace settles, to the venue order it left
// live. Market orders (IOC in desk) are MARKET, stops STOP_LOSS and
// STOP_LOSS_LIMIT, post-only limits LIMIT_MAKER.
//
// # Reports
//
// Every report comes from one applier goroutine, in the order its causes
// arrived, with a blocking send on Options.Reports. The applier keeps a
// track per order and turns each thing the venue says into at most one
// report: a duplicated executionReport (same venue order and execution
// id, or same trade id) is dropped; an answer and the stream event about
// the same change (the order.place result and the stream's NEW; a cancel's
// answer and its CANCELED) give one report, whichever comes first. A
// final state the venue gave before the fills it counts have arrived is
// held until they have, so the OMS sees fills before the end.
//
// # Outcomes
//
// Every answer is classified by api.OutcomeOf. A certain refusal is an
// ExecReject (ExecCancelReject, ExecReplaceReject) with a reason
// constant (Reason...). An unknown outcome (a timeout, a lost
// connection, a 5xx, -1006, -1007, cancelReplace's -2021) is reported as
// nothing: the order stays in flight and the resolver queries it by
// client order id (GET /api/v3/order, then myTrades) until the venue's
// record settles it, then reports what the venue says. Only when the
// venue answers -2013 and the request is older than recvWindow plus the
// clock's uncertainty (it can no longer arrive) is the order rejected as
// "not-at-venue". Nothing is ever resent. Each time the stream comes
// (back) up the resolver lists the open orders (one request per symbol)
// and queries every live order they do not confirm (gone, at another
// replace, with other fills), so what happened while the stream was away
// is reported, once. When the stream ends but the WebSocket API
// connection does not (eventStreamTerminated, a listenKey stream
// closed), the adapter subscribes again beside it, so requests in flight
// keep their answers.
//
// Before a request, an order is checked against the symbol's
// PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE and MIN_NOTIONAL or NOTIONAL
// and refused locally ("venue-filter"), as are order types the symbol
// does not list and times in force Binance spot lacks (GTD, day:
// "unsupported"). After a 429 or 418, new orders and replaces are refused
// locally ("rate-limited") until Retry-After (a minute when the venue
// does not say), and so are queries (ErrRateLimited), so that a storm of
// 429s never becomes a 418 ban; cancels still go, unless the IP is
// banned (418).
//
// The user data stream's executionReport is scanned in one pass without
// reflection (decode.go, fuzzed against encoding/json); any event it
// does not read goes to api.DecodeExecutionReport.
//
// # Caveats
//
// Submit, Cancel and Replace are called from the engine goroutine and
// never block: they copy the order into a bounded queue
// (Options.QueueSize) and fail with ErrQueueFull when it is full. The
// queries (Orders, QueryOrder, ExternalOrders, Balances) block on REST
// until their context ends and may run on any goroutine; Session,
// Connected and RateUse read atomics.
//
// A reader of Options.Reports that stops stalls the report path (the
// applier waits; the WebSocket reader then waits on the applier's queue);
// orders still queue until Options.QueueSize.
//
// Goroutines (all ended when Run returns): the applier, the sender,
// Options.RESTWorkers REST workers, the resolver, the clock keeper, and
// per session the WebSocket reader and its request janitor (and the
// listenKey stream's reader and keep-alive when used). Locks: Venue.mu
// (the tracks) before the session's and the resolver's, never the
// reverse; neither is held across I/O or a channel send.
//
// Replaces race fills: the leaves sent are computed from the fills known
// at send time, and a fill between that and the venue's cancel makes the
// new total larger than asked; ExecReplaced reports the venue's truth.
// Fees are converted to quote money when charged in the quote or base
// asset; a fee in any other asset (BNB) is reported as 0 and logged.
// Market orders are not checked against the notional filters locally
// (their price is not known). Orders sent by an earlier process under
// desk's ids are adopted from the stream, but their replace count is not
// known: Cancel names its venue order id (domain.Order.VenueOrderID),
// and Replace refuses it ("unknown-order"). Fills while the stream is
// down are learnt when it comes back, not polled for meanwhile (the
// session is down, which the engine sees).
//
// Keys are held only as api.Credentials and api.Secret, which never
// print; errors and logs carry neither.
package binance

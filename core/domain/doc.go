// Package domain holds the types every part of desk speaks: instruments,
// fixed-point prices, quantities and money, orders, fills, execution reports,
// market data and journal events.
//
// It imports nothing of the project, so feeds, brokers, risk, store, the
// engine and the socket protocol may all depend on it without cycles. Keep it
// small: a type belongs here only when two or more of those packages must
// agree on it.
//
// # Numbers
//
// Money is never a float. A [Price] is an int64 count of 10^-PriceDecimals of
// the quote currency and a [Qty] an int64 count of 10^-QtyDecimals of the base
// asset, both scaled per [Instrument]. [Money] is an int64 count of 10^-8 of
// the quote currency ([MoneyScale]). Products such as notional are computed in
// 128 bits ([Instrument.Notional]) and report overflow instead of wrapping.
// decimal.Decimal appears only at the edges: config, wire and display.
//
// # Caveats
//
// The types are plain values with no locks. An [Order] is owned by whoever
// holds it; the engine goroutine owns the live ones.
package domain

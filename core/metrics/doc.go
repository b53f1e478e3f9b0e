// Package metrics exports desk to Prometheus: a registry of desk's own,
// served by `desk serve --metrics ADDR` at /metrics, that the tools an
// engineer on call already runs can scrape.
//
// Nothing here runs on the engine goroutine, and the hot path records
// nothing for it. The figures come from two places the engine already
// publishes:
//
//   - the status snapshot (engine.Snapshot), read at each scrape: orders
//     sent, fills, denials by reason, cancels, rejects by venue and reason,
//     breaker trips, trading states, feed counters, journal health, queue
//     depths, positions and P&L, rate budgets, and every stage's latency
//     since trading started (engine.LatencyCounts, cumulative counts the
//     engine keeps as an index and an increment per sample), exposed as
//     desk_stage_latency_seconds with classic buckets at each power of two
//     and native ones;
//   - the conflated order stream of the engine's view (OrdersSince), read
//     by Run on its own goroutine: each order's stamps give its strategy's
//     tick-to-order and its venue's ack latency, observed into client_golang
//     histograms with classic buckets and native (sparse) buckets, so a
//     scraper that negotiates native histograms gets them.
//
// Names follow Prometheus's conventions: a desk_ prefix, base units in
// names (seconds), _total for counters, labels of bounded cardinality (a
// strategy, book, venue, instrument, stage, reason or breaker from the
// configuration or the code, never an order id). Go's runtime and process
// collectors are registered too.
package metrics

// Package feeds turns a venue's market data into the engine's book events.
//
// A Handler serves one venue connection. It takes each book publication,
// drops any that arrive out of sequence, stamps the stage timestamps and
// hands the book to its Sink (the engine inbox). Its Run loop watches every
// instrument for staleness and reports an instrument that has gone quiet,
// and again when it recovers, so risk can stop trusting its prices.
//
// The in-process simulated venues publish top-of-book depth snapshots with a
// sequence number per instrument, so a skipped sequence number only means a
// conflated update. Venue protocols with snapshot-and-diff books get their
// own handler beside this one.
//
// # Caveats
//
// Book and Trade are called from the venue's goroutine (one at a time);
// they block only when the Sink does, which applies backpressure to the
// venue instead of dropping data. Run runs in a goroutine of its own; the
// two share only atomics.
package feeds

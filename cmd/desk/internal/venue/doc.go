// Package venue is the logic of `desk venue`: one simulated venue of the
// config (package brokers/sim, its instruments, fees, seed and background
// flow) run as its own process and served over the Binance spot protocol
// (package brokers/sim/binance) on one listener: market data always, and
// order entry with Options.Keys (`--keys FILE`), each key one account
// opening with the venue's configured balances, against a venue of record
// kept in Options.StateDir (`--state DIR`) across restarts. The venue's
// rate_limits (zero fields: Binance's defaults) and fees apply.
//
// [Run] loads the config (the embedded default when Options.Config is
// empty), picks the venue (the first of kind "sim", or the one named by
// Options.Venue), starts it and the server, logs where it listens, and
// returns when its context is done (SIGTERM in the real command), after
// both have stopped.
//
// # Caveats
//
// Run starts two goroutines of its own (the venue and the server, whose
// ledger consumes the venue's execution reports) plus the server's
// per-connection ones, and waits for all of them before it returns; the
// record's file is closed after them. A second Run on the same StateDir
// fails within a second (the file is locked). It refuses a listen address
// that is not loopback unless Options.AllowRemote is set. The mapping of config to simulator
// options repeats the daemon's (cmd/desk/internal/daemon's wiring), with
// the same defaults.
package venue

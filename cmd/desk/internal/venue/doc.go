// Package venue is the logic of `desk venue`: one simulated venue of the
// config (package brokers/sim, its instruments, fees, seed and background
// flow) run as its own process and served over the Binance spot
// market-data protocol (package brokers/sim/binance) on one listener.
//
// [Run] loads the config (the embedded default when Options.Config is
// empty), picks the venue (the first of kind "sim", or the one named by
// Options.Venue), starts it and the server, logs where it listens, and
// returns when its context is done (SIGTERM in the real command), after
// both have stopped.
//
// # Caveats
//
// Run starts three goroutines of its own (the venue, the server, the
// drain of the venue's execution reports, which nobody trades against
// yet) plus the server's per-connection ones, and waits for all of them
// before it returns. It refuses a listen address that is not loopback
// unless Options.AllowRemote is set. The mapping of config to simulator
// options repeats the daemon's (cmd/desk/internal/daemon's wiring), with
// the same defaults.
package venue

// Package wire renders the engine's published state and results as the
// socket protocol's messages; the one place domain types become wire
// types.
//
// The engine (package core/engine) publishes a domain-typed Snapshot and
// answers commands and queries with domain values; it imports nothing of
// core/protocol. The daemon's backend turns them into protocol messages
// here: decimal strings at each instrument's scale, RFC 3339 times, state
// and breaker names, and the display order (strategies by book then id,
// positions by instrument symbol, books by id). The static names the
// renderer needs (instrument symbols and scales, strategy and venue
// names) come from Engine.Names, fixed when the engine is built.
//
// Rendering runs on the caller's goroutine, never the engine's; Status is
// meant to run once per published snapshot (the backend caches it by the
// snapshot's pointer).
package wire

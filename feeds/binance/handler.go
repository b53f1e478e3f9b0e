package binance

import (
	"fmt"
	"sync/atomic"
)

// Stats are a handler's counts, over all its symbols.
type Stats struct {
	Frames       uint64 // frames handed to OnFrame
	DiffsApplied uint64
	DiffsDropped uint64
	Gaps         uint64
	Resyncs      uint64
	Malformed    uint64 // frames and snapshots that failed to decode, skipped
	Ignored      uint64 // valid frames of other kinds (kline, replies) or unconfigured symbols
	Snapshots    uint64 // snapshots loaded
	Reconnects   uint64 // times Reset discarded every book for a new connection
}

type counters struct {
	frames, applied, dropped, gaps, resyncs, malformed, ignored, snapshots, reconnects atomic.Uint64
}

// SymbolConfig is one symbol a handler keeps a book for.
type SymbolConfig struct {
	Symbol string // as the venue spells it in events, e.g. "NKNUSDT"
	Scales Scales
}

// Options configure a Handler.
type Options struct {
	Venue   string // for error messages
	Symbols []SymbolConfig
	Sync    SyncOptions
	// OnBook is called after a diff or a snapshot changed a synced book.
	OnBook func(symbol string, s *Sync)
	// OnBookTicker and OnTrade receive the other decoded events; nil
	// means they are decoded (and checked) and dropped. The values are
	// reused after the call returns.
	OnBookTicker func(symbol string, t *BookTicker)
	OnTrade      func(symbol string, t *Trade)
	// OnReset, when set, is called after Reset has discarded every book
	// (the connection is gone), on the same goroutine.
	OnReset func()
}

type symbolState struct {
	name   string
	scales Scales
	sync   *Sync
	// What SymbolStats reads from other goroutines, kept by publish.
	synced     atomic.Bool
	lastUpdate atomic.Int64
	gaps       atomic.Uint64
	resyncs    atomic.Uint64
}

// SymbolStats are one symbol's book state and counts.
type SymbolStats struct {
	Symbol       string
	Synced       bool  // Sync.Synced
	LastUpdateID int64 // Sync.LastUpdateID
	Gaps         uint64
	Resyncs      uint64
}

// Handler decodes one venue connection's frames and keeps a Sync per
// symbol. It is driven by one goroutine (the connection's); Stats may be
// read from any goroutine.
type Handler struct {
	opts   Options
	syms   map[string]*symbolState
	names  []string
	frame  Frame
	depth  DepthUpdate
	ticker BookTicker
	trade  Trade
	snap   Snapshot
	c      counters
	// received is when the frame being handled arrived (domain.Mono; 0
	// outside a frame, or for a handler fed by hand): the book published
	// from it carries it as Stamps.Received.
	received int64
}

// NewHandler returns a handler for opts.Symbols. It fails on an empty or
// duplicate symbol.
func NewHandler(opts Options) (*Handler, error) {
	h := &Handler{opts: opts, syms: make(map[string]*symbolState, len(opts.Symbols))}
	for _, sc := range opts.Symbols {
		if sc.Symbol == "" {
			return nil, fmt.Errorf("binance %s: empty symbol", opts.Venue)
		}
		if _, dup := h.syms[sc.Symbol]; dup {
			return nil, fmt.Errorf("binance %s: symbol %s twice", opts.Venue, sc.Symbol)
		}
		h.syms[sc.Symbol] = &symbolState{name: sc.Symbol, scales: sc.Scales, sync: NewSync(opts.Sync)}
		h.names = append(h.names, sc.Symbol)
	}
	h.depth.Bids, h.depth.Asks = make([]Level, 0, 64), make([]Level, 0, 64)
	return h, nil
}

// Symbols returns the configured symbols in configuration order.
func (h *Handler) Symbols() []string { return h.names }

// Sync returns symbol's Sync, or nil when it is not configured.
func (h *Handler) Sync(symbol string) *Sync {
	if st := h.syms[symbol]; st != nil {
		return st.sync
	}
	return nil
}

// NeedsSnapshot reports whether symbol waits for a REST snapshot.
func (h *Handler) NeedsSnapshot(symbol string) bool {
	st := h.syms[symbol]
	return st != nil && st.sync.NeedsSnapshot()
}

// SymbolStats returns each symbol's state, in configuration order. It may
// be called from any goroutine; each symbol's figures are as of its last
// frame or snapshot.
func (h *Handler) SymbolStats() []SymbolStats {
	out := make([]SymbolStats, len(h.names))
	for i, name := range h.names {
		st := h.syms[name]
		out[i] = SymbolStats{Symbol: name, Synced: st.synced.Load(), LastUpdateID: st.lastUpdate.Load(),
			Gaps: st.gaps.Load(), Resyncs: st.resyncs.Load()}
	}
	return out
}

// Stats returns the counts.
func (h *Handler) Stats() Stats {
	return Stats{
		Frames: h.c.frames.Load(), DiffsApplied: h.c.applied.Load(), DiffsDropped: h.c.dropped.Load(),
		Gaps: h.c.gaps.Load(), Resyncs: h.c.resyncs.Load(), Malformed: h.c.malformed.Load(),
		Ignored: h.c.ignored.Load(), Snapshots: h.c.snapshots.Load(), Reconnects: h.c.reconnects.Load(),
	}
}

// Reset discards every symbol's book and buffered diffs (Sync.Reset), so
// that each waits for a snapshot again, and counts a reconnect: the
// connection's replacement calls it before its first frame, since a new
// connection's diffs do not continue the old one's.
func (h *Handler) Reset() {
	h.c.reconnects.Add(1)
	for _, st := range h.syms {
		st.sync.Reset()
		st.publish()
	}
	if h.opts.OnReset != nil {
		h.opts.OnReset()
	}
}

// OnFrame takes one websocket frame. A frame that does not decode is
// counted as malformed and its error returned, wrapping ErrMalformed,
// ErrNumber, ErrPrecision, ErrOverflow, ErrOffTick, ErrOffLot or
// ErrZeroPrice; the handler's state is unchanged by it. b is not
// retained.
func (h *Handler) OnFrame(b []byte) error {
	h.c.frames.Add(1)
	f := &h.frame
	if err := f.Parse(b); err != nil {
		return h.malformed("frame", nil, err)
	}
	if f.Kind() == KindOther {
		h.c.ignored.Add(1)
		return nil
	}
	st := h.syms[string(f.Symbol())]
	if st == nil {
		h.c.ignored.Add(1)
		return nil
	}
	switch f.Kind() {
	case KindDepth:
		if err := f.Depth(st.scales, &h.depth); err != nil {
			return h.malformed("depthUpdate", st, err)
		}
		before := st.sync.Stats()
		o := st.sync.OnDiff(&h.depth)
		h.count(st, before)
		if o == Applied && h.opts.OnBook != nil {
			h.opts.OnBook(st.name, st.sync)
		}
	case KindBookTicker:
		if err := f.BookTicker(st.scales, &h.ticker); err != nil {
			return h.malformed("bookTicker", st, err)
		}
		if h.opts.OnBookTicker != nil {
			h.opts.OnBookTicker(st.name, &h.ticker)
		}
	case KindTrade, KindAggTrade:
		if err := f.Trade(st.scales, &h.trade); err != nil {
			return h.malformed(f.Kind().String(), st, err)
		}
		if h.opts.OnTrade != nil {
			h.opts.OnTrade(st.name, &h.trade)
		}
	}
	return nil
}

// OnSnapshot takes the body of a REST depth snapshot for symbol and loads
// it (see Sync.OnSnapshot). A body that does not decode is counted as
// malformed and leaves the symbol waiting for a snapshot.
func (h *Handler) OnSnapshot(symbol string, body []byte) error {
	st := h.syms[symbol]
	if st == nil {
		return fmt.Errorf("binance %s: snapshot for %s: %w", h.opts.Venue, symbol, ErrUnknownSymbol)
	}
	if err := DecodeSnapshot(body, st.scales, &h.snap); err != nil {
		return h.malformed("snapshot", st, err)
	}
	before := st.sync.Stats()
	st.sync.OnSnapshot(&h.snap)
	h.count(st, before)
	h.c.snapshots.Add(1)
	if st.sync.Synced() && h.opts.OnBook != nil {
		h.opts.OnBook(st.name, st.sync)
	}
	return nil
}

// count adds what st's Sync counted since before to the handler's counts
// and publishes st's state.
func (h *Handler) count(st *symbolState, before SyncStats) {
	after := st.sync.Stats()
	st.publish()
	if d := after.DiffsApplied - before.DiffsApplied; d != 0 {
		h.c.applied.Add(d)
	}
	if d := after.DiffsDropped - before.DiffsDropped; d != 0 {
		h.c.dropped.Add(d)
	}
	if d := after.Gaps - before.Gaps; d != 0 {
		h.c.gaps.Add(d)
	}
	if d := after.Resyncs - before.Resyncs; d != 0 {
		h.c.resyncs.Add(d)
	}
}

func (h *Handler) malformed(what string, st *symbolState, err error) error {
	h.c.malformed.Add(1)
	if st != nil {
		return fmt.Errorf("binance %s: %s %s: %w", h.opts.Venue, st.name, what, err)
	}
	return fmt.Errorf("binance %s: %s: %w", h.opts.Venue, what, err)
}

// publish stores the Sync's state where SymbolStats reads it. Only the
// update id changes on most diffs; the rest is stored when it changed
// (a load is cheaper than a store).
func (st *symbolState) publish() {
	ss := st.sync.Stats()
	st.lastUpdate.Store(st.sync.LastUpdateID())
	if v := st.sync.Synced(); st.synced.Load() != v {
		st.synced.Store(v)
	}
	if st.gaps.Load() != ss.Gaps {
		st.gaps.Store(ss.Gaps)
	}
	if st.resyncs.Load() != ss.Resyncs {
		st.resyncs.Store(ss.Resyncs)
	}
}

package engine

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/router"
	"github.com/desk-trading/desk/risk"
)

// Publishing the status is split in two. On the engine goroutine, capture
// copies what a Snapshot shows out of the engine's state into a
// statusFrame whose buffers are reused: no allocation once they have
// grown, no sums, no formatting. A publisher goroutine then builds the
// immutable Snapshot from the frame (allocating it, adding up the books'
// and the firm's totals, valuing positions at their marks) and stores
// it. The engine's share of a publication is the copy; a kill or a halt
// answers after the copy, not after the build.
//
// A frame the publisher has not taken when the next is captured is
// superseded: readers want the latest status, not every one. A command's
// asker waits, on its own goroutine, for the snapshot that shows its
// command (Engine.do), so "ok" is still followed by a status that shows
// it.

// statusFrame is one capture of the engine's state for a Snapshot. Its
// slices are reused from capture to capture; a node's breakers, trips and
// limit uses are spans of the frame's shared slices.
type statusFrame struct {
	seq          uint64 // the capture's number, from 1
	at           int64  // the engine clock, unix ns
	viewVersion  uint64
	strats       []stratFrame // by snapshot index
	positions    []positionFrame
	books        []nodeFrame // by plan book index
	firm         nodeFrame
	trips        []risk.TripRecord
	uses         []risk.LimitUse
	venues       []venueFrame
	latency      []StageLatency
	counts       [numStages]LatencyCounts
	rejects      []RejectCount
	tripCounts   []TripCount
	denialsBy    []ReasonCount
	queues       QueueDepths
	journal      JournalHealth
	latencyRange time.Duration
	uncleanStart bool
}

// span is a part [from, to) of one of a frame's slices.
type span struct{ from, to int32 }

// nodeFrame is what a frame holds of one risk node.
type nodeFrame struct {
	inTree  bool // books only: the tree holds the book
	state   domain.TradingState
	changed risk.Change
	trips   span // of statusFrame.trips, in breaker order
	uses    span // of statusFrame.uses
}

// stratFrame is what a frame holds of one strategy beyond its node.
type stratFrame struct {
	node                       nodeFrame
	ordersSent, fills, denials int64
	lastDenial                 string
	lastDenialAt, lastOrder    int64
	tickToOrderP99             int64
	openOrders                 int
	cancels                    int64
	positions                  span // of statusFrame.positions
	denialsBy                  span // of statusFrame.denialsBy
}

// positionFrame is one strategy's holding in one instrument, with the
// instrument's mark.
type positionFrame struct {
	instrument domain.InstrumentID
	position   domain.Position
	mark       domain.Price
}

// venueFrame is a VenueSnapshot whose optional parts are held by value.
type venueFrame struct {
	snap                      VenueSnapshot // Feed, Budget and RateUse nil
	feed                      domain.FeedStats
	budget                    router.BudgetUse
	rate                      domain.RateUse
	hasFeed, hasBudget, hasRU bool
}

// publisher hands frames from the engine goroutine to its own, and tells
// waiters when a snapshot is stored.
type publisher struct {
	mu      sync.Mutex
	pending *statusFrame   // captured, not yet taken; nil when none
	free    []*statusFrame // frames to capture into
	wake    chan struct{}  // buffered 1: a frame is pending
	stored  atomic.Uint64  // seq of the latest stored snapshot
	// storedCh is closed, and replaced, each time a snapshot is stored;
	// under mu.
	storedCh chan struct{}
	seq      uint64 // the last capture's seq; the engine goroutine's
	live     bool   // the publisher goroutine runs; the engine goroutine's
}

func newPublisher() *publisher {
	return &publisher{wake: make(chan struct{}, 1), storedCh: make(chan struct{})}
}

// frame returns a frame to capture into, numbered next.
func (p *publisher) frame() *statusFrame {
	p.mu.Lock()
	var f *statusFrame
	if n := len(p.free); n > 0 {
		f, p.free = p.free[n-1], p.free[:n-1]
	}
	p.mu.Unlock()
	if f == nil {
		f = &statusFrame{}
	}
	p.seq++
	f.seq = p.seq
	return f
}

// post makes f the pending frame, superseding one not yet taken.
func (p *publisher) post(f *statusFrame) {
	p.mu.Lock()
	old := p.pending
	p.pending = f
	if old != nil {
		p.free = append(p.free, old)
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// take returns the pending frame, nil when none.
func (p *publisher) take() *statusFrame {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.pending
	p.pending = nil
	return f
}

// done records that the snapshot of f is stored, wakes its waiters and
// keeps f for a later capture.
func (p *publisher) done(f *statusFrame) {
	p.mu.Lock()
	p.stored.Store(f.seq)
	close(p.storedCh)
	p.storedCh = make(chan struct{})
	if len(p.free) < 2 {
		p.free = append(p.free, f)
	}
	p.mu.Unlock()
}

// wait returns once the snapshot of capture seq, or a later one, is
// stored.
func (p *publisher) wait(ctx context.Context, seq uint64) error {
	for {
		p.mu.Lock()
		ch := p.storedCh
		p.mu.Unlock()
		if p.stored.Load() >= seq {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("engine: await status: %w", ctx.Err())
		}
	}
}

// run builds and stores the snapshots of the frames posted, until stop
// is closed; then it builds what is still pending and returns.
func (e *Engine) runPublisher(stop <-chan struct{}) {
	p := e.pub
	for {
		select {
		case <-p.wake:
			e.storeFrame(p.take())
		case <-stop:
			e.storeFrame(p.take())
			return
		}
	}
}

// storeFrame builds f's snapshot and makes it the one readers see.
func (e *Engine) storeFrame(f *statusFrame) {
	if f == nil {
		return
	}
	e.status.Store(e.plan.build(f, e.opts.Instruments))
	e.pub.done(f)
}

// publish captures the engine's state and has its snapshot built: by the
// publisher goroutine while Run runs, at once otherwise (before Run and
// after it, so that Snapshot is current then). It runs at most
// SnapshotInterval apart plus after operator commands.
//
// The snapshot records the view version that shows what it counts, and
// queries wait for it (see Orders). A command's publication does not hand
// the view its changes itself: the command does, right after (command),
// and the tick does before it publishes.
func (e *Engine) publish() {
	f := e.pub.frame()
	e.capture(f)
	if e.pub.live {
		e.pub.post(f)
		return
	}
	e.storeFrame(f)
}

// capture copies into f what a snapshot shows of the engine's state.
func (e *Engine) capture(f *statusFrame) {
	p := &e.plan
	f.at = e.now
	if e.now == 0 {
		f.at = e.clock().UnixNano()
	}
	f.latencyRange, f.uncleanStart = time.Duration(e.latency.window), e.opts.UncleanStart
	f.trips, f.uses, f.positions, f.denialsBy = f.trips[:0], f.uses[:0], f.positions[:0], f.denialsBy[:0]
	f.strats = resize(f.strats, len(p.strats))
	for k, st := range p.strats {
		sf := &f.strats[k]
		*sf = stratFrame{openOrders: e.oms.Live(st.ID), ordersSent: st.ordersSent, fills: st.fills, denials: st.denials,
			lastDenial: st.lastDenial, lastDenialAt: st.lastDenialAt, lastOrder: st.lastOrder, tickToOrderP99: st.tick.p99,
			cancels: st.cancels}
		from := int32(len(f.denialsBy))
		f.denialsBy = append(f.denialsBy, st.denialsBy...)
		sf.denialsBy = span{from, int32(len(f.denialsBy))}
		e.captureNode(f, &sf.node, st.node)
	}
	// Positions come in the ledger's order; each strategy's are gathered
	// into one span by a counting pass.
	clear(p.counts)
	total := 0
	e.risk.Positions(func(sid domain.StrategyID, i domain.InstrumentID, _ *domain.Position) bool {
		if k := p.at(sid); k >= 0 && int(i) < len(e.opts.Instruments) {
			p.counts[k]++
			total++
		}
		return true
	})
	f.positions = resize(f.positions, total)
	off := int32(0)
	for k := range f.strats {
		f.strats[k].positions = span{off, off}
		off += int32(p.counts[k])
	}
	e.risk.Positions(func(sid domain.StrategyID, i domain.InstrumentID, pos *domain.Position) bool {
		k := p.at(sid)
		if k < 0 || int(i) >= len(e.opts.Instruments) {
			return true
		}
		pf := positionFrame{instrument: i, position: *pos}
		pf.mark, _ = e.risk.Mark(i)
		sp := &f.strats[k].positions
		f.positions[sp.to] = pf
		sp.to++
		return true
	})
	f.books = resize(f.books, len(p.books))
	for b := range p.books {
		f.books[b] = nodeFrame{}
		if n := p.nodes[b]; n != nil {
			f.books[b].inTree = true
			e.captureNode(f, &f.books[b], n)
		}
	}
	f.firm = nodeFrame{}
	e.captureNode(f, &f.firm, e.risk.Firm())
	f.venues = f.venues[:0]
	for id, name := range e.venueNames {
		if name == "" {
			continue
		}
		vid := domain.VenueID(id)
		a := &e.accounts[id]
		vf := venueFrame{snap: VenueSnapshot{ID: vid, Name: name, Connected: e.router.Connected(vid), Execution: e.executions[id],
			Reconciling: a.reconciling, Reconciled: a.reconciled, External: a.external, Balances: a.balances}}
		if ru := e.observeRates(vid); ru != nil {
			vf.rate, vf.hasRU = *ru, true
		}
		if u := e.router.BudgetUse(vid, e.now); u.Limits != (router.Limits{}) {
			vf.budget, vf.hasBudget = u, true
		}
		if id < len(e.feeds) && e.feeds[id] != nil {
			vf.feed, vf.hasFeed = e.feeds[id].FeedStats(), true
		}
		f.venues = append(f.venues, vf)
	}
	f.latency = e.latency.appendSnapshot(f.latency[:0])
	f.counts = e.latency.counts
	f.rejects = append(f.rejects[:0], e.rejects...)
	f.tripCounts = append(f.tripCounts[:0], e.trips...)
	f.queues = QueueDepths{Books: len(e.books), Reports: len(e.reports), Intents: len(e.intents), Commands: len(e.ctrl)}
	f.journal = JournalHealth{}
	if e.opts.JournalHealth != nil {
		f.journal = e.opts.JournalHealth()
	}
	f.viewVersion = e.viewVersion()
}

// captureNode copies n's state, last change, trips and limit uses into nf
// and f.
func (e *Engine) captureNode(f *statusFrame, nf *nodeFrame, n *risk.Node) {
	nf.state = n.Effective()
	nf.changed, _ = n.Changed()
	from := int32(len(f.trips))
	f.trips = n.TripRecords(f.trips)
	nf.trips = span{from, int32(len(f.trips))}
	from = int32(len(f.uses))
	f.uses = e.risk.Use(n, e.now, f.uses)
	nf.uses = span{from, int32(len(f.uses))}
}

// resize returns s with length n, its elements zeroed, reusing its array
// when it is large enough.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// build makes the Snapshot of f, on the publisher goroutine: it reads
// only f, the plan's fixed names and instruments, which never change.
// Every slice in the snapshot is its own.
func (p *snapPlan) build(f *statusFrame, instruments []domain.Instrument) *Snapshot {
	s := &Snapshot{Time: time.Unix(0, f.at), LatencyWindow: f.latencyRange, UncleanStart: f.uncleanStart,
		Journal: f.journal, viewVersion: f.viewVersion, LatencyCounts: f.counts, Queues: f.queues,
		Rejects: append([]RejectCount(nil), f.rejects...), Trips: append([]TripCount(nil), f.tripCounts...)}
	denialsBy := append([]ReasonCount(nil), f.denialsBy...)
	trips := append([]risk.TripRecord(nil), f.trips...)
	uses := append([]risk.LimitUse(nil), f.uses...)
	node := func(nf *nodeFrame) NodeSnapshot {
		ns := NodeSnapshot{State: nf.state, Changed: nf.changed}
		if nf.trips.to > nf.trips.from {
			ns.Trips = trips[nf.trips.from:nf.trips.to:nf.trips.to]
			ns.Breakers = make([]risk.Breaker, len(ns.Trips))
			for k, t := range ns.Trips {
				ns.Breakers[k] = t.Breaker
			}
		}
		if nf.uses.to > nf.uses.from {
			ns.Use = uses[nf.uses.from:nf.uses.to:nf.uses.to]
		}
		return ns
	}
	positions := make([]PositionSnapshot, len(f.positions))
	strats := make([]StrategySnapshot, len(f.strats))
	for k := range f.strats {
		sf, st := &f.strats[k], p.strats[k]
		ss := &strats[k]
		*ss = StrategySnapshot{ID: st.ID, Name: st.Name, Kind: st.Kind, Book: st.Book, NodeSnapshot: node(&sf.node),
			Denials: sf.denials, LastDenial: sf.lastDenial, LastDenialAt: sf.lastDenialAt,
			LastOrder: sf.lastOrder, TickToOrderP99: sf.tickToOrderP99}
		ss.Totals = Totals{OrdersSent: sf.ordersSent, Fills: sf.fills, OpenOrders: sf.openOrders}
		ss.Cancels = sf.cancels
		if d := sf.denialsBy; d.to > d.from {
			ss.DenialsBy = denialsBy[d.from:d.to:d.to]
		}
		sp := sf.positions
		ss.Positions = positions[sp.from:sp.to:sp.to]
		for j := sp.from; j < sp.to; j++ {
			pf := &f.positions[j]
			ps := PositionSnapshot{Instrument: pf.instrument, Position: pf.position, Mark: pf.mark}
			if ps.Mark > 0 {
				ps.Unrealized = pf.position.Unrealized(ps.Mark, &instruments[pf.instrument])
			}
			ss.Totals.Realized = domain.AddMoney(ss.Totals.Realized, pf.position.Realized)
			ss.Totals.Unrealized = domain.AddMoney(ss.Totals.Unrealized, ps.Unrealized)
			positions[j] = ps
		}
	}
	books := make([]BookSnapshot, len(p.books))
	for b, id := range p.books {
		books[b] = BookSnapshot{ID: id, InTree: f.books[b].inTree}
		if books[b].InTree {
			books[b].NodeSnapshot = node(&f.books[b])
		}
	}
	s.Firm = node(&f.firm)
	for k := range strats {
		books[p.bookOf[k]].Totals.add(&strats[k].Totals)
		s.Firm.Totals.add(&strats[k].Totals)
	}
	s.Strategies, s.Books = strats, books
	s.Venues = make([]VenueSnapshot, len(f.venues))
	for k := range f.venues {
		vf := &f.venues[k]
		vs := vf.snap
		if vf.hasFeed {
			feed := vf.feed
			vs.Feed = &feed
		}
		if vf.hasBudget {
			u := vf.budget
			vs.Budget = &u
		}
		if vf.hasRU {
			ru := vf.rate
			vs.RateUse = &ru
		}
		s.Venues[k] = vs
	}
	s.Latency = append(make([]StageLatency, 0, len(f.latency)), f.latency...)
	return s
}

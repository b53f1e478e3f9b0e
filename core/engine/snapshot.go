package engine

import (
	"sort"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/risk"
)

// totals accumulates a node's counters in fixed point before formatting.
type totals struct {
	realized, unrealized domain.Money
	open                 int
	sent, fills          int64
}

func (t *totals) add(o totals) {
	t.realized = domain.AddMoney(t.realized, o.realized)
	t.unrealized = domain.AddMoney(t.unrealized, o.unrealized)
	t.open += o.open
	t.sent += o.sent
	t.fills += o.fills
}

func (t totals) wire() protocol.Totals {
	return protocol.Totals{
		RealizedPnL: t.realized.String(), UnrealizedPnL: t.unrealized.String(),
		OpenOrders: t.open, OrdersSent: t.sent, Fills: t.fills,
	}
}

// publish builds a fresh Status and makes it the one clients see. It runs
// at most SnapshotInterval apart plus after operator commands, so its
// allocations stay off the per-event path.
func (e *Engine) publish() {
	open := make(map[domain.StrategyID]int)
	e.oms.Working(func(o *domain.Order) bool {
		open[o.Strategy]++
		return true
	})
	st := &protocol.Status{Time: time.Unix(0, e.now).UTC().Format(time.RFC3339Nano)}
	if e.now == 0 {
		st.Time = e.clock().UTC().Format(time.RFC3339Nano)
	}
	per := make(map[domain.StrategyID]*protocol.Strategy)
	sums := make(map[domain.StrategyID]*totals)
	for _, s := range e.strats {
		if s == nil {
			continue
		}
		ps := &protocol.Strategy{ID: s.Name, Kind: s.Kind, Book: s.Book, State: s.node.Effective().String(),
			Breakers: breakerNames(s.node), Positions: []protocol.Position{}}
		per[s.ID] = ps
		sums[s.ID] = &totals{open: open[s.ID], sent: s.ordersSent, fills: s.fills}
	}
	e.risk.Positions(func(sid domain.StrategyID, i domain.InstrumentID, p *domain.Position) bool {
		ps, t := per[sid], sums[sid]
		if ps == nil || int(i) >= len(e.opts.Instruments) {
			return true
		}
		in := &e.opts.Instruments[i]
		mark, _ := e.risk.Mark(i)
		var unreal domain.Money
		if mark > 0 {
			unreal = p.Unrealized(mark, in)
		}
		t.realized = domain.AddMoney(t.realized, p.Realized)
		t.unrealized = domain.AddMoney(t.unrealized, unreal)
		pos := protocol.Position{
			Instrument: in.Symbol, Quantity: in.FormatQty(p.Qty),
			RealizedPnL: p.Realized.String(), UnrealizedPnL: unreal.String(),
		}
		if p.Qty != 0 {
			pos.AvgPrice = in.FormatPrice(p.AvgPrice(in))
		}
		if mark > 0 {
			pos.Mark = in.FormatPrice(mark)
		}
		ps.Positions = append(ps.Positions, pos)
		return true
	})

	books := make(map[string]*totals)
	var firm totals
	for _, s := range e.strats {
		if s == nil {
			continue
		}
		ps, t := per[s.ID], sums[s.ID]
		sort.Slice(ps.Positions, func(a, b int) bool { return ps.Positions[a].Instrument < ps.Positions[b].Instrument })
		ps.Totals = t.wire()
		st.Strategies = append(st.Strategies, *ps)
		if books[s.Book] == nil {
			books[s.Book] = &totals{}
		}
		books[s.Book].add(*t)
		firm.add(*t)
	}
	sort.Slice(st.Strategies, func(a, b int) bool {
		x, y := st.Strategies[a], st.Strategies[b]
		return x.Book < y.Book || (x.Book == y.Book && x.ID < y.ID)
	})
	names := make([]string, 0, len(books))
	for b := range books {
		names = append(names, b)
	}
	sort.Strings(names)
	for _, b := range names {
		book := protocol.Book{ID: b, Totals: books[b].wire()}
		if n, ok := e.risk.Node(b); ok {
			book.State, book.Breakers = n.Effective().String(), breakerNames(n)
		}
		st.Books = append(st.Books, book)
	}
	f := e.risk.Firm()
	st.Firm = protocol.Firm{State: f.Effective().String(), Breakers: breakerNames(f), Totals: firm.wire()}
	for id, name := range e.venueNames {
		if name == "" {
			continue
		}
		st.Venues = append(st.Venues, protocol.Venue{Name: name, Connected: e.router.Connected(domain.VenueID(id))})
	}
	st.Latency = e.latency.wire()
	st.Journal = protocol.Journal{State: "up", UncleanStart: e.opts.UncleanStart}
	if e.opts.JournalHealth != nil {
		h := e.opts.JournalHealth()
		st.Journal.Pending = h.Pending
		if h.Down {
			st.Journal.State = "down"
			if h.Err != nil {
				st.Journal.Error = h.Err.Error()
			}
		}
	}
	e.status.Store(st)
}

func (e *Engine) strategyName(id domain.StrategyID) string {
	if st := e.strategy(id); st != nil {
		return st.Name
	}
	if n := e.risk.Strategy(id); n != nil {
		return n.Name()
	}
	return "unknown"
}

// breakerNames lists n's tripped breakers, nil when none.
func breakerNames(n *risk.Node) []string {
	var out []string
	for _, b := range n.Trips() {
		out = append(out, b.String())
	}
	return out
}

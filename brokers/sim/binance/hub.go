package binance

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/core/domain"
)

// speed indexes a diff depth stream's update speed.
const (
	speed100ms = iota // <sym>@depth@100ms
	speed1s           // <sym>@depth
	nSpeeds
)

// tick is the flush period of the fastest diff stream; the slow one is
// flushed every slowEvery ticks.
const (
	tick      = 100 * time.Millisecond
	slowEvery = 10
)

// market is one listed instrument as the server sees it.
type market struct {
	inst  domain.Instrument
	name  string // Binance symbol, "BTCUSD"
	lower string // in stream names, "btcusd"

	// Owned by the venue goroutine (the sink's methods).
	prev, cur [2]map[domain.Price]domain.Qty // bids, asks: the last book sent, the one being read
	prevID    uint64                         // its update id
	top       [4]int64                       // bid, bid qty, ask, ask qty last sent on bookTicker
	changes   [2][]domain.Level              // scratch: levels that changed, 0 for removed

	mu     sync.Mutex
	agg    [nSpeeds]aggregate // diffs not yet flushed, per speed
	skip   [nSpeeds]uint64    // update ids still to drop, per speed (fault)
	trades []domain.Trade     // ring of recent trades
	tHead  int                // next slot of the ring
	tLen   int
}

// aggregate is the sum of the diffs of consecutive versions first..last:
// each changed level at its latest absolute quantity.
type aggregate struct {
	has         bool
	first, last uint64
	time        int64 // unix ns of the last version
	side        [2]map[domain.Price]domain.Qty
}

func newMarket(in domain.Instrument, recent int) *market {
	m := &market{inst: in, name: SymbolOf(in.Symbol), trades: make([]domain.Trade, recent)}
	m.lower = toLower(m.name)
	for i := range 2 {
		m.prev[i], m.cur[i] = map[domain.Price]domain.Qty{}, map[domain.Price]domain.Qty{}
		for s := range nSpeeds {
			if m.agg[s].side[i] == nil {
				m.agg[s].side[i] = map[domain.Price]domain.Qty{}
			}
		}
	}
	return m
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Book is part of sim.MarketSink; the server builds everything from Depth.
func (s *Server) Book(*domain.BookUpdate) {}

// Trade is part of sim.MarketSink: it records t for /api/v3/trades and
// sends it on <sym>@trade and <sym>@aggTrade. Called on the venue
// goroutine; never blocks.
func (s *Server) Trade(t *domain.Trade) {
	m := s.byInst[t.Instrument]
	if m == nil {
		return
	}
	m.mu.Lock()
	if len(m.trades) > 0 {
		m.trades[m.tHead] = *t
		m.tHead = (m.tHead + 1) % len(m.trades)
		m.tLen = min(m.tLen+1, len(m.trades))
	}
	m.mu.Unlock()
	now := time.Now().UnixMilli()
	px, qty := fixed(int64(t.Price), m.inst.PriceDecimals), fixed(int64(t.Qty), m.inst.QtyDecimals)
	maker := t.Aggressor == domain.Sell // the buyer rested
	ms := t.VenueTime / int64(time.Millisecond)
	if s.hasSubs(m.lower + "@trade") {
		b, _ := json.Marshal(tradeEvent{E: "trade", ETime: now, S: m.name, T: t.TradeID, P: px, Q: qty,
			TTime: ms, M: maker, Ignore: true})
		s.broadcast(m.lower+"@trade", b)
	}
	if s.hasSubs(m.lower + "@aggTrade") {
		b, _ := json.Marshal(aggTradeEvent{E: "aggTrade", ETime: now, S: m.name, A: t.TradeID, P: px, Q: qty,
			F: t.TradeID, L: t.TradeID, TTime: ms, M: maker, Ignore: true})
		s.broadcast(m.lower+"@aggTrade", b)
	}
}

type tradeEvent struct {
	E      string `json:"e"`
	ETime  int64  `json:"E"`
	S      string `json:"s"`
	T      uint64 `json:"t"`
	P      string `json:"p"`
	Q      string `json:"q"`
	TTime  int64  `json:"T"`
	M      bool   `json:"m"`
	Ignore bool   `json:"M"`
}

type aggTradeEvent struct {
	E      string `json:"e"`
	ETime  int64  `json:"E"`
	S      string `json:"s"`
	A      uint64 `json:"a"`
	P      string `json:"p"`
	Q      string `json:"q"`
	F      uint64 `json:"f"`
	L      uint64 `json:"l"`
	TTime  int64  `json:"T"`
	M      bool   `json:"m"`
	Ignore bool   `json:"M"`
}

// Depth is sim.DepthSink: d is the whole book after a batch. The levels
// that differ from the last book (new or changed at their new quantity,
// gone at zero) are merged into each speed's pending diff, which the
// flusher sends; a changed top of book goes out on <sym>@bookTicker at
// once. Called on the venue goroutine; never blocks.
func (s *Server) Depth(d *sim.Depth) {
	m := s.byInst[d.Instrument]
	if m == nil {
		return
	}
	for i, levels := range [2][]domain.Level{d.Bids, d.Asks} {
		cur, prev := m.cur[i], m.prev[i]
		clear(cur)
		ch := m.changes[i][:0]
		for _, l := range levels {
			cur[l.Price] = l.Qty
			if q, ok := prev[l.Price]; !ok || q != l.Qty {
				ch = append(ch, l)
			}
		}
		for p := range prev {
			if _, ok := cur[p]; !ok {
				ch = append(ch, domain.Level{Price: p})
			}
		}
		m.changes[i] = ch
		m.prev[i], m.cur[i] = cur, prev
	}
	m.mu.Lock()
	for sp := range nSpeeds {
		a := &m.agg[sp]
		if !a.has {
			a.has, a.first = true, m.prevID+1
		}
		a.last, a.time = d.UpdateID, d.Time
		for i := range 2 {
			for _, l := range m.changes[i] {
				a.side[i][l.Price] = l.Qty
			}
		}
	}
	m.mu.Unlock()
	m.prevID = d.UpdateID

	var top [4]int64
	if len(d.Bids) > 0 {
		top[0], top[1] = int64(d.Bids[0].Price), int64(d.Bids[0].Qty)
	}
	if len(d.Asks) > 0 {
		top[2], top[3] = int64(d.Asks[0].Price), int64(d.Asks[0].Qty)
	}
	if top != m.top {
		m.top = top
		if stream := m.lower + "@bookTicker"; s.hasSubs(stream) {
			b, _ := json.Marshal(bookTickerEvent{U: d.UpdateID, S: m.name,
				B: fixed(top[0], m.inst.PriceDecimals), BQ: fixed(top[1], m.inst.QtyDecimals),
				A: fixed(top[2], m.inst.PriceDecimals), AQ: fixed(top[3], m.inst.QtyDecimals)})
			s.broadcast(stream, b)
		}
	}
}

type bookTickerEvent struct {
	U  uint64 `json:"u"`
	S  string `json:"s"`
	B  string `json:"b"`
	BQ string `json:"B"`
	A  string `json:"a"`
	AQ string `json:"A"`
}

// flush sends speed sp's pending diff of every market, then starts the
// next. It holds the subscription lock across taking each pending diff and
// queueing it, so that a client subscribed before a flush gets that
// flush's diff, and one subscribed after it gets none of its update ids
// but every later diff: the diffs it sees start at most one past the book
// it could read from the depth snapshot after subscribing.
func (s *Server) flush(sp int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, m := range s.markets {
		m.mu.Lock()
		a := m.agg[sp]
		if !a.has {
			m.mu.Unlock()
			continue
		}
		var side [2][]domain.Level
		for i := range 2 {
			side[i] = make([]domain.Level, 0, len(a.side[i]))
			for p, q := range a.side[i] {
				side[i] = append(side[i], domain.Level{Price: p, Qty: q})
			}
			clear(m.agg[sp].side[i])
		}
		m.agg[sp].has = false
		skipped := false
		if n := m.skip[sp]; n > 0 {
			m.skip[sp] -= min(n, a.last-a.first+1)
			skipped = true
		}
		m.mu.Unlock()
		if skipped {
			continue
		}
		stream := m.lower + "@depth"
		if sp == speed100ms {
			stream += "@100ms"
		}
		if len(s.subs[stream]) == 0 {
			continue
		}
		slices.SortFunc(side[0], func(x, y domain.Level) int { return cmp.Compare(y.Price, x.Price) })
		slices.SortFunc(side[1], func(x, y domain.Level) int { return cmp.Compare(x.Price, y.Price) })
		s.broadcastLocked(stream, m.appendDiff(nil, &a, side))
	}
}

// appendDiff encodes a depthUpdate by hand: it is the bulk of the traffic.
func (m *market) appendDiff(b []byte, a *aggregate, side [2][]domain.Level) []byte {
	b = append(b, `{"e":"depthUpdate","E":`...)
	b = strconv.AppendInt(b, time.Now().UnixMilli(), 10)
	b = append(b, `,"s":"`...)
	b = append(b, m.name...)
	b = append(b, `","U":`...)
	b = strconv.AppendUint(b, a.first, 10)
	b = append(b, `,"u":`...)
	b = strconv.AppendUint(b, a.last, 10)
	b = append(b, `,"b":`...)
	b = m.appendLevels(b, side[0])
	b = append(b, `,"a":`...)
	b = m.appendLevels(b, side[1])
	return append(b, '}')
}

func (m *market) appendLevels(b []byte, ls []domain.Level) []byte {
	b = append(b, '[')
	for i, l := range ls {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `["`...)
		b = appendFixed(b, int64(l.Price), m.inst.PriceDecimals)
		b = append(b, `","`...)
		b = appendFixed(b, int64(l.Qty), m.inst.QtyDecimals)
		b = append(b, `"]`...)
	}
	return append(b, ']')
}

// recentTrades returns up to n of m's last trades, oldest first.
func (m *market) recentTrades(n int) []domain.Trade {
	m.mu.Lock()
	defer m.mu.Unlock()
	n = min(n, m.tLen)
	out := make([]domain.Trade, 0, n)
	for i := m.tLen - n; i < m.tLen; i++ {
		j := (m.tHead - m.tLen + i + len(m.trades)) % len(m.trades)
		out = append(out, m.trades[j])
	}
	return out
}

// runFlusher flushes the diff streams until done closes.
func (s *Server) runFlusher(done <-chan struct{}) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-done:
			return
		case <-t.C:
		}
		s.flush(speed100ms)
		if n%slowEvery == 0 {
			s.flush(speed1s)
		}
	}
}

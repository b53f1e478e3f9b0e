package metrics

import (
	"math"
	"math/bits"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/engine"
	"github.com/desk-trading/desk/risk"
)

// statusCollector makes, at each scrape, the metrics of the engine's
// latest published status: const metrics of values the engine already
// copied for it, so a scrape costs the engine nothing.
type statusCollector struct {
	eng     Engine
	clients func() int
	d       descs
}

type descs struct {
	stageLatency                                               *prometheus.Desc
	ordersSent, fills, denials, cancels, rejects, trips        *prometheus.Desc
	venueRejects                                               *prometheus.Desc
	tripped, state                                             *prometheus.Desc
	feedFrames, feedGaps, feedResyncs, feedReconnects          *prometheus.Desc
	feedMalformed, feedStale, feedConnected, feedLastMessage   *prometheus.Desc
	venueConnected, budget                                     *prometheus.Desc
	journalPending, journalDown, queue, clients                *prometheus.Desc
	position, stratRealized, stratUnrealized, openOrders       *prometheus.Desc
	bookRealized, bookUnrealized, firmRealized, firmUnrealized *prometheus.Desc
	engineTime                                                 *prometheus.Desc
}

func newStatusCollector(eng Engine, clients func() int) *statusCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("desk_"+name, help, labels, nil)
	}
	return &statusCollector{eng: eng, clients: clients, d: descs{
		stageLatency: d("stage_latency_seconds", "Latency of each hot-path stage since trading started: feed, inbox, strategy, risk, route, send, venue-ack, tick-to-order (the per-book stages count every book, the order stages every order and replace sent).", "stage"),

		ordersSent:   d("orders_sent_total", "Orders sent to venues.", "strategy", "book"),
		fills:        d("fills_total", "Fills booked.", "strategy", "book"),
		denials:      d("denials_total", "Orders and replaces refused before the venue, by reason.", "strategy", "reason"),
		cancels:      d("cancels_total", "Cancels sent for the strategy's orders, by it or an operator.", "strategy"),
		rejects:      d("rejects_total", "Orders the venue rejected, by reason.", "venue", "reason"),
		venueRejects: d("venue_rejects_total", "Orders the venue rejected, for any reason: present from the start, so that rate() sees the first.", "venue"),
		trips:        d("breaker_trips_total", "Circuit breaker trips.", "node", "breaker"),
		tripped:      d("breaker_tripped", "1 while the breaker is tripped on the node.", "node", "breaker"),
		state:        d("trading_state", "The node's effective trading state: 1 for the state it is in, 0 for the others.", "node", "state"),

		feedFrames:      d("feed_frames_total", "Market-data messages received.", "venue"),
		feedGaps:        d("feed_gaps_total", "Sequence gaps in the venue's book diffs.", "venue"),
		feedResyncs:     d("feed_resyncs_total", "Books discarded for a new snapshot.", "venue"),
		feedReconnects:  d("feed_reconnects_total", "Market-data connections replaced.", "venue"),
		feedMalformed:   d("feed_malformed_total", "Market-data messages that did not decode, skipped.", "venue"),
		feedStale:       d("feed_stale_instruments", "The venue's instruments whose market data is stale now.", "venue"),
		feedConnected:   d("feed_connected", "1 while a market-data connection is open.", "venue"),
		feedLastMessage: d("feed_last_message_age_seconds", "Time since the feed's last message.", "venue"),
		venueConnected:  d("venue_connected", "1 while the router sees the venue connected.", "venue"),
		budget:          d("venue_rate_budget_used_ratio", "The venue account's rate budget used in its current interval, of its limit.", "venue", "window"),

		journalPending: d("journal_pending_events", "Events appended to the journal and not yet durable."),
		journalDown:    d("journal_down", "1 while the journal cannot write: trading is halted."),
		queue:          d("queue_depth", "Events waiting in the engine's inbound queues.", "queue"),
		clients:        d("clients_connected", "Socket clients connected to the daemon."),

		position:        d("strategy_position", "The strategy's net position, in the instrument's base units.", "strategy", "instrument"),
		stratRealized:   d("strategy_realized_pnl", "The strategy's realized P&L since start, in the quote currency.", "strategy"),
		stratUnrealized: d("strategy_unrealized_pnl", "The strategy's unrealized P&L at the marks, in the quote currency.", "strategy"),
		openOrders:      d("strategy_open_orders", "The strategy's working orders.", "strategy"),
		bookRealized:    d("book_realized_pnl", "The book's realized P&L, in the quote currency.", "book"),
		bookUnrealized:  d("book_unrealized_pnl", "The book's unrealized P&L, in the quote currency.", "book"),
		firmRealized:    d("firm_realized_pnl", "The firm's realized P&L, in the quote currency."),
		firmUnrealized:  d("firm_unrealized_pnl", "The firm's unrealized P&L, in the quote currency."),
		engineTime:      d("status_timestamp_seconds", "The engine clock of the status these figures come from."),
	}}
}

// Describe sends every descriptor.
func (c *statusCollector) Describe(ch chan<- *prometheus.Desc) {
	prometheus.DescribeByCollect(c, ch)
}

var tradingStates = []domain.TradingState{domain.Active, domain.ReduceOnly, domain.Halted}

// Collect sends the metrics of the latest status.
func (c *statusCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.eng.Snapshot()
	if s == nil {
		return
	}
	names := c.eng.Names()
	d := &c.d
	counter := func(desc *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, v, labels...)
	}
	gauge := func(desc *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
	}
	node := func(name string, n *engine.NodeSnapshot) {
		for _, st := range tradingStates {
			gauge(d.state, boolean(n.State == st), name, st.String())
		}
		for _, b := range n.Breakers {
			gauge(d.tripped, 1, name, b.String())
		}
	}

	gauge(d.engineTime, float64(s.Time.UnixNano())/1e9)
	for _, l := range s.Latency {
		ch <- stageHistogram(d.stageLatency, &s.LatencyCounts[l.Stage], l.Stage.String())
	}

	node(risk.FirmNode, &s.Firm)
	gauge(d.firmRealized, money(s.Firm.Totals.Realized))
	gauge(d.firmUnrealized, money(s.Firm.Totals.Unrealized))
	for k := range s.Books {
		b := &s.Books[k]
		if b.InTree {
			node(b.ID, &b.NodeSnapshot)
		}
		gauge(d.bookRealized, money(b.Totals.Realized), b.ID)
		gauge(d.bookUnrealized, money(b.Totals.Unrealized), b.ID)
	}
	for k := range s.Strategies {
		st := &s.Strategies[k]
		node(st.Name, &st.NodeSnapshot)
		counter(d.ordersSent, float64(st.Totals.OrdersSent), st.Name, st.Book)
		counter(d.fills, float64(st.Totals.Fills), st.Name, st.Book)
		counter(d.cancels, float64(st.Cancels), st.Name)
		for _, r := range st.DenialsBy {
			counter(d.denials, float64(r.Count), st.Name, r.Reason)
		}
		gauge(d.openOrders, float64(st.Totals.OpenOrders), st.Name)
		gauge(d.stratRealized, money(st.Totals.Realized), st.Name)
		gauge(d.stratUnrealized, money(st.Totals.Unrealized), st.Name)
		for _, p := range st.Positions {
			if in := names.Instrument(p.Instrument); in != nil {
				gauge(d.position, quantity(in, p.Position.Qty), st.Name, in.Symbol)
			}
		}
	}
	byVenue := map[domain.VenueID]int64{}
	for _, r := range s.Rejects {
		counter(d.rejects, float64(r.Count), names.Venue(r.Venue), r.Reason)
		byVenue[r.Venue] += r.Count
	}
	for _, t := range s.Trips {
		counter(d.trips, float64(t.Count), t.Node, t.Breaker.String())
	}
	for k := range s.Venues {
		v := &s.Venues[k]
		gauge(d.venueConnected, boolean(v.Connected), v.Name)
		counter(d.venueRejects, float64(byVenue[v.ID]), v.Name)
		if f := v.Feed; f != nil {
			counter(d.feedFrames, float64(f.Frames), v.Name)
			counter(d.feedGaps, float64(f.Gaps), v.Name)
			counter(d.feedResyncs, float64(f.Resyncs), v.Name)
			counter(d.feedReconnects, float64(f.Reconnects), v.Name)
			counter(d.feedMalformed, float64(f.Malformed), v.Name)
			gauge(d.feedStale, float64(f.Stale), v.Name)
			gauge(d.feedConnected, boolean(f.Connected), v.Name)
			if f.LastMessage != 0 {
				// Against the scrape's time, not the status's: a stuck
				// engine's status is old, and so is its feed.
				gauge(d.feedLastMessage, max(0, time.Since(time.Unix(0, f.LastMessage)).Seconds()), v.Name)
			}
		}
		if u := v.Budget; u != nil {
			for _, w := range []struct {
				name        string
				used, limit int64
			}{{"orders_10s", u.Orders10s, u.Limits.Orders10s}, {"orders_1d", u.Orders1d, u.Limits.Orders1d}, {"weight_1m", u.Weight1m, u.Limits.Weight1m}} {
				if w.limit > 0 {
					gauge(d.budget, float64(w.used)/float64(w.limit), v.Name, w.name)
				}
			}
		}
	}
	gauge(d.journalPending, float64(s.Journal.Pending))
	gauge(d.journalDown, boolean(s.Journal.Down))
	for _, q := range []struct {
		name string
		n    int
	}{{"books", s.Queues.Books}, {"reports", s.Queues.Reports}, {"intents", s.Queues.Intents}, {"commands", s.Queues.Commands}} {
		gauge(d.queue, float64(q.n), q.name)
	}
	if c.clients != nil {
		gauge(d.clients, float64(c.clients()))
	}
}

// stageHistogram is a stage's counts as one histogram with classic
// buckets, at each power of two nanoseconds from 1 us (2^10 ns) to about
// 69 s, where the engine's buckets (eight per power of two) sum up
// exactly, and native buckets of schema 3 (eight per power of two
// seconds), each engine bucket counted in the native bucket of its upper
// bound: within one native bucket (9%) of the value. A scraper that reads
// the text format gets the classic buckets; one that negotiates protobuf
// gets both.
func stageHistogram(desc *prometheus.Desc, c *engine.LatencyCounts, stage string) prometheus.Metric {
	const first, last = 10, 36 // 2^10 ns .. 2^36 ns
	cum := make(map[float64]uint64, last-first+1)
	native := map[int]int64{}
	var n, zero uint64
	for b, v := range c.Buckets {
		n += v
		up := engine.LatencyBucketUpper(b)
		if v > 0 {
			if up == 0 {
				zero += v
			} else {
				native[int(math.Ceil(8*math.Log2(float64(up)/1e9)))] += int64(v)
			}
		}
		// Bucket b ends at up; one that ends just below a power of two
		// closes that bound.
		if p := up + 1; p&(p-1) == 0 {
			if k := bits.Len64(uint64(p)) - 1; k >= first && k <= last {
				cum[float64(p)/1e9] = n
			}
		}
	}
	sum := float64(c.Sum) / 1e9
	return bothHistogram{
		classic: prometheus.MustNewConstHistogram(desc, n, sum, cum, stage),
		native:  prometheus.MustNewConstNativeHistogram(desc, n, sum, native, nil, zero, 3, 0, time.Time{}, stage),
	}
}

// bothHistogram is one histogram metric with the classic buckets of one
// const histogram and the native buckets of another, as client_golang's
// own histograms carry both: client_golang builds each; this only puts
// the native fields beside the classic ones.
type bothHistogram struct{ classic, native prometheus.Metric }

func (h bothHistogram) Desc() *prometheus.Desc { return h.classic.Desc() }

func (h bothHistogram) Write(out *dto.Metric) error {
	if err := h.classic.Write(out); err != nil {
		return err
	}
	var nm dto.Metric
	if err := h.native.Write(&nm); err != nil {
		return err
	}
	c, n := out.Histogram, nm.Histogram
	c.Schema, c.ZeroThreshold, c.ZeroCount = n.Schema, n.ZeroThreshold, n.ZeroCount
	c.PositiveSpan, c.PositiveDelta = n.PositiveSpan, n.PositiveDelta
	return nil
}

func boolean(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

package tui

import (
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/core/protocol"
)

// Bounds on what the TUI keeps.
const (
	// finishedKept is how many finished orders the blotter keeps besides
	// the working ones; the daemon's orders stream starts with as many.
	finishedKept = 500
	// alertsKept is the alert history the audit view scrolls through.
	alertsKept = 1000
	// auditFetched is how many audit entries the audit view asks for.
	auditFetched = 1000
	// historyLen is how many samples a sparkline keeps: a minute of P&L
	// at one a second, five minutes of latency at one each 5 s.
	historyLen = 60
	// pnlEvery and latencyEvery space the samples.
	pnlEvery     = time.Second
	latencyEvery = 5 * time.Second
)

// store is everything the daemon told this TUI: the latest Status, the
// orders of the conflated stream, the alert history, the audit trail and
// limits last fetched, and the short histories behind the sparklines. The
// model owns it and changes it only in Update; it is shared by pointer
// between the model's copies rather than copied on every message.
type store struct {
	status *protocol.Status
	at     time.Time // status.Time parsed

	orders map[string]*protocol.Order // by client order id
	// orderRows are the orders formatted for the blotter, by client
	// order id: a push re-formats only the orders it changed.
	orderRows map[string]row

	alerts   []alertLine // oldest first, alertsKept at most
	alertSeq uint64      // numbers the alerts as they arrive
	audit    []protocol.AuditEntry
	limits   *protocol.LimitsResult
	// nodeAudit is the audit trail of one strategy, for its detail.
	nodeAudit    []protocol.AuditEntry
	nodeAuditFor string

	pnl      map[string]*history // by strategy: total P&L
	pnlAt    time.Time
	latency  map[string]*history // by stage: recent p99
	latAt    time.Time
	frames   map[string]frameCount // by venue: for messages a second
	msgRates map[string]float64
}

// frameCount is a feed's frame counter at a status time.
type frameCount struct {
	frames uint64
	at     time.Time
}

func newStore() *store {
	return &store{
		orders:    make(map[string]*protocol.Order),
		orderRows: make(map[string]row),
		pnl:       make(map[string]*history),
		latency:   make(map[string]*history),
		frames:    make(map[string]frameCount),
		msgRates:  make(map[string]float64),
	}
}

// setStatus takes a new Status and samples the histories from it.
func (s *store) setStatus(st *protocol.Status) {
	s.status = st
	at, err := time.Parse(time.RFC3339Nano, st.Time)
	if err != nil {
		at = time.Now()
	}
	s.at = at
	if at.Sub(s.pnlAt) >= pnlEvery {
		s.pnlAt = at
		for i := range st.Strategies {
			sp := &st.Strategies[i]
			h := s.pnl[sp.ID]
			if h == nil {
				h = &history{}
				s.pnl[sp.ID] = h
			}
			h.add(decimalFloat(sp.RealizedPnL) + decimalFloat(sp.UnrealizedPnL))
		}
	}
	if at.Sub(s.latAt) >= latencyEvery {
		s.latAt = at
		for _, l := range st.Latency {
			h := s.latency[l.Stage]
			if h == nil {
				h = &history{}
				s.latency[l.Stage] = h
			}
			if l.Recent != nil {
				h.add(float64(l.Recent.P99))
			} else {
				h.add(0)
			}
		}
	}
	for _, v := range st.Venues {
		if v.Feed == nil {
			continue
		}
		prev, ok := s.frames[v.Name]
		if dt := at.Sub(prev.at); ok && dt >= time.Second {
			if v.Feed.Frames >= prev.frames {
				s.msgRates[v.Name] = float64(v.Feed.Frames-prev.frames) / dt.Seconds()
			}
			s.frames[v.Name] = frameCount{v.Feed.Frames, at}
		} else if !ok {
			s.frames[v.Name] = frameCount{v.Feed.Frames, at}
		}
	}
}

// applyOrders applies one push of the orders stream, and drops the
// oldest finished orders beyond finishedKept.
func (s *store) applyOrders(u *protocol.OrdersUpdate) {
	if u.Reset {
		clear(s.orders)
		clear(s.orderRows)
	}
	for i := range u.Orders {
		o := u.Orders[i]
		s.orders[o.ClientOrderID] = &o
		delete(s.orderRows, o.ClientOrderID)
	}
	for _, id := range u.Gone {
		delete(s.orders, id)
		delete(s.orderRows, id)
	}
	s.trimFinished()
}

// trimFinished keeps the finishedKept most recently updated finished
// orders.
func (s *store) trimFinished() {
	var done []*protocol.Order
	for _, o := range s.orders {
		if terminal(o.State) {
			done = append(done, o)
		}
	}
	if len(done) <= finishedKept {
		return
	}
	sortOrdersNewestFirst(done, func(o *protocol.Order) string { return o.Updated })
	for _, o := range done[finishedKept:] {
		delete(s.orders, o.ClientOrderID)
		delete(s.orderRows, o.ClientOrderID)
	}
}

// addAlert records a, newest last.
func (s *store) addAlert(a protocol.Alert) alertLine {
	l := newAlertLine(a)
	s.alertSeq++
	l.seq = s.alertSeq
	if len(s.alerts) == alertsKept {
		s.alerts = append(s.alerts[:0], s.alerts[1:]...)
	}
	s.alerts = append(s.alerts, l)
	return l
}

// node returns the status of the named node: its state, breakers and
// detail, and false when the status has no such node.
func (s *store) node(name string) (nodeInfo, bool) {
	st := s.status
	if st == nil {
		return nodeInfo{}, false
	}
	if name == "firm" {
		return nodeInfo{name: "firm", kind: "firm", state: st.Firm.State, breakers: st.Firm.Breakers, totals: st.Firm.Totals, detail: st.Firm.NodeDetail}, true
	}
	for i := range st.Books {
		if b := &st.Books[i]; b.ID == name {
			return nodeInfo{name: b.ID, kind: "book", parent: "firm", state: b.State, breakers: b.Breakers, totals: b.Totals, detail: b.NodeDetail}, true
		}
	}
	for i := range st.Strategies {
		if sp := &st.Strategies[i]; sp.ID == name {
			return nodeInfo{name: sp.ID, kind: "strategy", parent: sp.Book, state: sp.State, breakers: sp.Breakers, totals: sp.Totals, detail: sp.NodeDetail, strategy: sp}, true
		}
	}
	return nodeInfo{}, false
}

// nodeNames lists every node, the firm first, for completion.
func (s *store) nodeNames() []string {
	names := []string{"firm"}
	if st := s.status; st != nil {
		for _, b := range st.Books {
			names = append(names, b.ID)
		}
		for _, sp := range st.Strategies {
			names = append(names, sp.ID)
		}
	}
	return names
}

// limitKeys lists the limit keys the daemon named, for completion: its
// caps, the keys set anywhere and the keys in use.
func (s *store) limitKeys() []string {
	seen := map[string]bool{}
	var keys []string
	add := func(k string) {
		if k != "" && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	if l := s.limits; l != nil {
		for _, k := range l.Keys {
			add(k)
		}
		for k := range l.Caps {
			add(k)
		}
		for _, n := range l.Nodes {
			for k := range n.Limits {
				add(k)
			}
		}
	}
	if st := s.status; st != nil {
		for _, u := range st.Firm.Use {
			add(u.Key)
		}
	}
	slices.Sort(keys)
	return keys
}

// venueExec returns how venue name executes, "" when unknown.
func (s *store) venueExec(name string) string {
	if s.status == nil {
		return ""
	}
	for _, v := range s.status.Venues {
		if v.Name == name {
			return v.Execution
		}
	}
	return ""
}

// nodeInfo is one risk node as the status shows it.
type nodeInfo struct {
	name, kind, parent string
	state              string
	breakers           []string
	totals             protocol.Totals
	detail             protocol.NodeDetail
	strategy           *protocol.Strategy // strategies only
}

// history is a ring of the last historyLen samples.
type history struct {
	vals  [historyLen]float64
	n     int // samples held
	start int
}

func (h *history) add(v float64) {
	if h.n < historyLen {
		h.vals[(h.start+h.n)%historyLen] = v
		h.n++
		return
	}
	h.vals[h.start] = v
	h.start = (h.start + 1) % historyLen
}

// last returns up to n of the latest samples, oldest first.
func (h *history) last(n int) []float64 {
	if h == nil {
		return nil
	}
	n = min(n, h.n)
	out := make([]float64, n)
	for i := range n {
		out[i] = h.vals[(h.start+h.n-n+i)%historyLen]
	}
	return out
}

// alertLine is an alert formatted when it arrives.
type alertLine struct {
	seq      uint64 // in order of arrival; the alert table's row key
	severity string
	time     string
	node     string
	text     string // the whole line
	message  string
}

func newAlertLine(a protocol.Alert) alertLine {
	msg := strings.Join(strings.Fields(ansi.Strip(a.Message)), " ") // one line, no escapes of the daemon's
	var b strings.Builder
	b.WriteString(formatClock(a.Time, "15:04:05"))
	b.WriteString(" ")
	b.WriteString(strings.ToUpper(a.Severity))
	if a.Node != "" {
		b.WriteString(" [")
		b.WriteString(a.Node)
		b.WriteString("]")
	}
	b.WriteString(" ")
	b.WriteString(msg)
	return alertLine{severity: a.Severity, time: formatClock(a.Time, "15:04:05.000"), node: a.Node, text: b.String(), message: msg}
}

// decimalFloat parses a decimal string as a float for sorting and
// sparklines; 0 when it does not parse.
func decimalFloat(s string) float64 {
	if s == "" {
		return 0
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return 0
	}
	f, _ := d.Float64()
	return f
}

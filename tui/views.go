package tui

import (
	"strings"
)

// views holds the tables of every view and what each view remembers
// between visits: selection, filter, sort, scroll, and which pane has the
// keys.
type views struct {
	strategies table
	orders     table
	positions  table
	tree       table // risk: the firm, its books and their strategies
	limits     table // risk: the selected node's limits
	latency    table
	venues     table
	audit      table
	alerts     table

	detail       string // the strategy whose detail is open; "" for none
	detailOrders table  // its orders

	limitsFocus bool // risk: the keys move in the limits pane
	showAlerts  bool // audit: the alert history instead of the audit trail
	workingOnly bool // orders: only working orders

	width, height int
}

func newViews() views {
	return views{
		strategies:   newTable("no strategies", strategyColumns()...),
		orders:       newTable("no orders", orderColumns()...),
		detailOrders: newTable("no orders", orderColumns()...),
		positions:    newTable("no positions", positionColumns()...),
		tree:         newTable("no risk tree", treeColumns()...),
		limits:       newTable("no limits on this node", limitColumns()...),
		latency:      newTable("no latency recorded yet", latencyColumns()...),
		venues:       newTable("no venues", venueColumns()...),
		audit:        newTable("no audit entries", auditColumns()...),
		alerts:       newTable("no alerts", alertColumns()...),
	}
}

// table returns the table that /, s, S and the cursor keys act on in view
// t, nil for none.
func (v *views) table(t tab) *table {
	switch t {
	case tabStrategies:
		if v.detail != "" {
			return &v.detailOrders
		}
		return &v.strategies
	case tabOrders:
		return &v.orders
	case tabPositions:
		return &v.positions
	case tabRisk:
		if v.limitsFocus {
			return &v.limits
		}
		return &v.tree
	case tabLatency:
		return &v.latency
	case tabVenues:
		return &v.venues
	case tabAudit:
		if v.showAlerts {
			return &v.alerts
		}
		return &v.audit
	}
	return nil
}

// riskTreeLines is how much of the risk view the tree takes; the limits
// of the selected node take the rest.
func riskTreeLines(h int) int { return max(h/2, 3) }

// detailOrderLines is how many lines the orders of a strategy's detail
// take at the bottom of the body.
func detailOrderLines(h int) int { return max(h/3, 4) }

// setSize lays every table out for a body of width x height; with the
// editor open, the view shares the body with it.
func (v *views) setSize(w, h int, editing bool) {
	if editing {
		h = max(h-editorLines, 3)
	}
	v.width, v.height = w, h
	for _, t := range []*table{&v.strategies, &v.orders, &v.positions, &v.latency, &v.venues} {
		*t = t.setSize(w, h)
	}
	v.audit = v.audit.setSize(w, h-1)
	v.alerts = v.alerts.setSize(w, h-1)
	tl := riskTreeLines(h)
	v.tree = v.tree.setSize(w, tl)
	v.limits = v.limits.setSize(w, h-tl-1)
	v.detailOrders = v.detailOrders.setSize(w, detailOrderLines(h))
}

// View renders the active view.
func (v *views) View(m model, w int, dim bool) string {
	st := m.styles
	switch m.tab {
	case tabStrategies:
		if v.detail != "" {
			return m.detailView(w, dim)
		}
		return v.strategies.View(st, dim, true)
	case tabOrders:
		return v.orders.View(st, dim, true)
	case tabPositions:
		return v.positions.View(st, dim, true)
	case tabRisk:
		return m.riskView(w, dim)
	case tabLatency:
		return v.latency.View(st, dim, true)
	case tabVenues:
		return v.venues.View(st, dim, true)
	case tabAudit:
		title := st.TabActive.Render(" audit trail ") + st.Tab.Render(" alerts ")
		body := v.audit.View(st, dim, true)
		if v.showAlerts {
			title = st.Tab.Render(" audit trail ") + st.TabActive.Render(" alerts ")
			body = v.alerts.View(st, false, true)
		}
		return title + st.Label.Render("  a switches") + "\n" + body
	}
	return ""
}

// rebuild formats the rows of the active view from the store.
func (m model) rebuild() model {
	d := m.data
	switch m.tab {
	case tabStrategies:
		if d.status != nil {
			m.views.strategies = m.views.strategies.setRows(strategyRows(d, m.now))
		}
		if m.views.detail != "" {
			m = m.rebuildOrders()
		}
	case tabOrders:
		m = m.rebuildOrders()
	case tabPositions:
		if d.status != nil {
			m.views.positions = m.views.positions.setRows(positionRows(d.status))
		}
	case tabRisk:
		m = m.rebuildRisk()
	case tabLatency:
		if d.status != nil {
			m.views.latency = m.views.latency.setRows(latencyRows(d))
		}
	case tabVenues:
		if d.status != nil {
			m.views.venues = m.views.venues.setRows(venueRows(d, m.now))
		}
	case tabAudit:
		m.views.audit = m.views.audit.setRows(auditRows(d.audit))
		m.views.alerts = m.views.alerts.setRows(alertRows(d.alerts))
	}
	return m
}

// rebuildOrders lays out the blotter (or the open detail's orders) again;
// only the orders changed since are formatted anew (store.orderRows).
func (m model) rebuildOrders() model {
	v := &m.views
	switch {
	case m.tab == tabOrders:
		v.orders = v.orders.setRows(orderRows(m.data, "", v.workingOnly))
	case m.tab == tabStrategies && v.detail != "":
		v.detailOrders = v.detailOrders.setRows(orderRows(m.data, v.detail, false))
	}
	return m
}

// selectedNode is the risk node the action keys act on in the active
// view: the selected strategy, an order's or a position's strategy, the
// risk tree's node. "" when the view selects none.
func (m model) selectedNode() string {
	v := &m.views
	pick := func(t *table) string {
		if r, ok := t.selectedRow(); ok {
			return r.key
		}
		return ""
	}
	switch m.tab {
	case tabStrategies:
		if v.detail != "" {
			return v.detail
		}
		return pick(&v.strategies)
	case tabOrders:
		if o := m.selectedOrder(); o != nil {
			return o.Strategy
		}
	case tabPositions:
		if k := pick(&v.positions); k != "" {
			return strings.SplitN(k, "\x00", 2)[0]
		}
	case tabRisk:
		return pick(&v.tree)
	}
	return ""
}

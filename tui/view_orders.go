package tui

import (
	"github.com/desk-trading/desk/core/protocol"
)

// Columns of the blotter.
const (
	ocTime = iota
	ocID
	ocStrategy
	ocVenue
	ocInstrument
	ocSide
	ocType
	ocPrice
	ocQty
	ocFilled
	ocAvgFill
	ocState
	ocRoute
)

func orderColumns() []column {
	return []column{
		ocTime:       {title: "TIME", min: 8, max: 8, keep: 40},
		ocID:         {title: "ORDER", min: 8, max: 28, keep: 100},
		ocStrategy:   {title: "STRATEGY", min: 6, max: 20, keep: 90},
		ocVenue:      {title: "VENUE", min: 6, max: 20, keep: 82},
		ocInstrument: {title: "INSTR", min: 5, max: 14, keep: 88},
		ocSide:       {title: "SIDE", min: 4, max: 4, keep: 87},
		ocType:       {title: "TYPE", min: 4, max: 6, keep: 20},
		ocPrice:      {title: "PRICE", min: 5, max: 14, right: true, keep: 83},
		ocQty:        {title: "QTY", min: 3, max: 12, right: true, keep: 84},
		ocFilled:     {title: "FILLED", min: 6, max: 12, right: true, keep: 60},
		ocAvgFill:    {title: "AVG FILL", min: 8, max: 14, right: true, keep: 30},
		ocState:      {title: "STATE", min: 6, max: 24, keep: 95, whole: true},
		ocRoute:      {title: "ROUTE", min: 5, max: 60, keep: 5, shrink: true},
	}
}

// orderRows formats the orders of the store, newest first: those of
// strategy only when it is set, working ones only when working.
func orderRows(d *store, strategy string, working bool) []row {
	orders := make([]*protocol.Order, 0, len(d.orders))
	for _, o := range d.orders {
		if (strategy == "" || o.Strategy == strategy) && (!working || !terminal(o.State)) {
			orders = append(orders, o)
		}
	}
	sortOrdersNewestFirst(orders, func(o *protocol.Order) string { return o.Created })
	rows := make([]row, len(orders))
	for i, o := range orders {
		r, ok := d.orderRows[o.ClientOrderID]
		if !ok {
			r = orderRow(d, o)
			d.orderRows[o.ClientOrderID] = r
		}
		rows[i] = r
	}
	return rows
}

func orderRow(d *store, o *protocol.Order) row {
	exec := d.venueExec(o.Venue)
	price := o.Price
	if price == "" {
		price = "market"
	} else {
		price = formatQty(price)
	}
	state := o.State
	if o.Reason != "" {
		state += " " + o.Reason
	}
	side := textCell(o.Side, cellGain)
	if o.Side == "sell" {
		side.kind = cellLoss
	}
	return newRow(o.ClientOrderID,
		textCell(formatClock(o.Created, "15:04:05"), cellMuted),
		textCell(o.ClientOrderID, cellPlain),
		textCell(o.Strategy, cellPlain),
		textCell(o.Venue+" "+execWord(exec), execKind(exec)),
		textCell(o.Instrument, cellPlain),
		side,
		textCell(o.Type, cellPlain),
		numCell(price, decimalFloat(o.Price), cellPlain),
		numCell(formatQty(o.Quantity), decimalFloat(o.Quantity), cellPlain),
		numCell(formatQty(o.FilledQuantity), decimalFloat(o.FilledQuantity), cellPlain),
		numCell(orDash(formatQty(o.AvgFillPrice)), decimalFloat(o.AvgFillPrice), cellPlain),
		cell{text: state, short: o.State, kind: orderStateKind(o.State)},
		textCell(o.Route, cellMuted),
	)
}

// orderStateKind colors an order's state: working plain, filled green,
// rejected red, canceled and expired muted.
func orderStateKind(s string) cellKind {
	switch s {
	case "filled":
		return cellGain
	case "rejected":
		return cellBad
	case "canceled", "expired":
		return cellMuted
	case "pending-cancel", "pending-replace", "pending-new":
		return cellWarn
	}
	return cellPlain
}

// selectedOrder is the order selected in the blotter, or in the open
// strategy detail; nil when none.
func (m model) selectedOrder() *protocol.Order {
	t := &m.views.orders
	if m.tab == tabStrategies && m.views.detail != "" {
		t = &m.views.detailOrders
	} else if m.tab != tabOrders {
		return nil
	}
	r, ok := t.selectedRow()
	if !ok {
		return nil
	}
	return m.data.orders[r.key]
}

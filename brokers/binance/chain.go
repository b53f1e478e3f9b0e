package binance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

// chain is the venue's record of one desk order: the order placed under
// its id and the new orders of its replaces ("<id>-<n>"), with their
// trades.
type chain struct {
	rows        []chainRow // by n, the base (n 0) first
	baseMissing bool       // the venue answered -2013 for the base
	trades      []api.Trade
}

type chainRow struct {
	n int
	o api.Order
}

// item is one report rebuilt from a chain, with the replace number it
// belongs to and, for a final state, the cumulative fill it counts (for
// a replace, what had filled before its new order).
type item struct {
	r   domain.ExecReport
	n   int
	cum domain.Qty
}

// reportsOf rebuilds the reports of order id from its chain, in the
// venue's order: the ack (or reject), then per venue order its fills
// (by trade id) followed by the next replace, and the final state of the
// last (canceled, expired; a filled order's fills say it).
func (s *symbol) reportsOf(venue domain.VenueID, id domain.OrderID, ch *chain) ([]item, error) {
	if ch.baseMissing || len(ch.rows) == 0 {
		return nil, nil
	}
	out := make([]item, 0, 2+len(ch.trades)+len(ch.rows))
	var cum domain.Qty
	for i, row := range ch.rows {
		o := &row.o
		if i == 0 {
			if o.Status == api.StatusRejected {
				return append(out, item{r: domain.ExecReport{Kind: domain.ExecReject, Venue: venue, OrderID: id,
					Reason: ReasonVenueRejected}}), nil
			}
			out = append(out, item{r: domain.ExecReport{Kind: domain.ExecAck, Venue: venue, OrderID: id,
				VenueOrderID: uint64(o.OrderID), VenueTime: o.Time * 1e6}})
		} else {
			p, err := s.price(o.Price)
			if err != nil {
				return nil, err
			}
			q, err := s.qty(o.OrigQty)
			if err != nil {
				return nil, err
			}
			out = append(out, item{n: row.n, cum: cum, r: domain.ExecReport{Kind: domain.ExecReplaced, Venue: venue, OrderID: id,
				VenueOrderID: uint64(o.OrderID), Price: p, Qty: cum + q, VenueTime: o.Time * 1e6}})
		}
		for j := range ch.trades {
			if tr := &ch.trades[j]; tr.OrderID == o.OrderID {
				f, err := s.tradeFill(id, venue, tr)
				if err != nil {
					return nil, err
				}
				out = append(out, item{n: row.n, r: f})
			}
		}
		e, err := s.qty(orZero(o.ExecutedQty))
		if err != nil {
			return nil, err
		}
		cum += e
	}
	last := &ch.rows[len(ch.rows)-1].o
	if last.Status.Final() && last.Status != api.StatusFilled {
		kind, reason := endOf(last.Status, last.Type, last.TimeInForce)
		if last.Status == api.StatusRejected {
			kind, reason = domain.ExecCanceled, ReasonReplaceNewFailed
		}
		out = append(out, item{n: ch.rows[len(ch.rows)-1].n, cum: cum, r: domain.ExecReport{Kind: kind, Venue: venue,
			OrderID: id, VenueOrderID: uint64(last.OrderID), Reason: reason, VenueTime: last.UpdateTime * 1e6}})
	}
	return out, nil
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// lostAfter is how long after its send a request can no longer reach the
// venue: its recvWindow, the second a timestamp may run ahead, and twice
// the measured round trip for the clock's error.
func (v *Venue) lostAfter() time.Duration {
	return v.opts.RecvWindow + api.MaxClockAhead + 2*time.Duration(v.clock.rtt.Load())
}

// applyChain applies the venue's record of t, reporting what t lacks.
// v.mu is held.
func (v *Venue) applyChain(t *track, ch *chain) {
	late := func(p *pending) bool { return p != nil && time.Since(p.sentAt) > v.lostAfter() }
	if ch.baseMissing {
		if !t.acked && !t.ended && late(&pending{sentAt: t.sentAt}) {
			v.finish(t, domain.ExecReport{Kind: domain.ExecReject, Reason: ReasonNotAtVenue})
		}
		return
	}
	items, err := t.sym.reportsOf(v.opts.ID, t.id, ch)
	if err != nil {
		v.log.Error("binance: the venue's record of an order does not fit the instrument", "order", t.id, "err", err)
		return
	}
	has := func(n int) bool {
		return slices.ContainsFunc(ch.rows, func(r chainRow) bool { return r.n == n })
	}
	for _, it := range items {
		r := it.r
		switch r.Kind {
		case domain.ExecAck:
			t.newUnknown = false
			if !t.acked && !t.ended {
				t.acked, t.venueID = true, int64(r.VenueOrderID)
				r.Stamps = t.stamps
				v.emit(t, r)
			}
		case domain.ExecReject:
			if !t.acked && !t.ended {
				v.finish(t, r)
			}
		case domain.ExecFill:
			r.Stamps = t.stamps
			v.fill(t, r)
		case domain.ExecReplaced:
			if it.n > t.gen && !t.ended {
				v.replaced(t, it.n, r.Price, r.Qty, it.cum, int64(r.VenueOrderID), t.stamps)
			}
		default: // the final state
			if t.ended {
				break
			}
			if t.repl != nil && !has(t.repl.n) && !late(&t.repl.pending) {
				break // the replace's new order may still arrive
			}
			v.end(t, r, it.cum)
		}
	}
	last := ch.rows[len(ch.rows)-1].o
	if last.Status == api.StatusFilled {
		if !t.ended && t.held == nil {
			t.ended, t.endedAt = true, time.Now()
		}
		t.cancel, t.repl, t.newUnknown = nil, nil, false
		return
	}
	if last.Status.Final() {
		return
	}
	if t.repl != nil && !has(t.repl.n) && late(&t.repl.pending) {
		t.repl = nil
		v.emit(t, domain.ExecReport{Kind: domain.ExecReplaceReject, VenueOrderID: uint64(t.venueID), Reason: ReasonNotAtVenue})
	}
	if late(t.cancel) {
		t.cancel = nil
		v.emit(t, domain.ExecReport{Kind: domain.ExecCancelReject, VenueOrderID: uint64(t.venueID), Reason: ReasonNotAtVenue})
	}
}

// getOrder is GET /api/v3/order for client id cid; found is false when
// the venue answers -2013.
func (v *Venue) getOrder(ctx context.Context, sym *symbol, cid string) (o api.Order, found bool, err error) {
	body, err := v.rest(ctx, http.MethodGet, api.PathOrder,
		api.OrderRef{Symbol: sym.name, OrigClientOrderID: cid}.Params(), true, false)
	if err != nil {
		if errors.Is(err, &api.Error{Code: api.CodeNoSuchOrder}) {
			return api.Order{}, false, nil
		}
		return api.Order{}, false, err
	}
	o, err = api.DecodeOrder(body)
	if err != nil {
		return api.Order{}, false, fmt.Errorf("order %s: %w: %w", cid, ErrMalformed, err)
	}
	return o, true, nil
}

// maxProbe bounds the replace numbers probed for an order this process
// did not send.
const maxProbe = 64

// queryChain reads order id's chain: the base, then replaces 1..maxN
// (those the venue does not hold skipped: a refused replace has none),
// or, with maxN 0, up to the first the venue does not hold; then the
// trades of each venue order that filled.
func (v *Venue) queryChain(ctx context.Context, sym *symbol, id domain.OrderID, maxN int) (*chain, error) {
	ch := &chain{}
	base, found, err := v.getOrder(ctx, sym, clientID(id, 0))
	if err != nil {
		return nil, fmt.Errorf("order %s: %w", id, err)
	}
	if !found {
		ch.baseMissing = true
		return ch, nil
	}
	ch.rows = append(ch.rows, chainRow{0, base})
	for n := 1; n <= maxProbe && (maxN == 0 || n <= maxN); n++ {
		o, found, err := v.getOrder(ctx, sym, clientID(id, n))
		if err != nil {
			return nil, fmt.Errorf("order %s replace %d: %w", id, n, err)
		}
		if !found {
			if maxN == 0 {
				break
			}
			continue
		}
		ch.rows = append(ch.rows, chainRow{n, o})
	}
	for _, r := range ch.rows {
		if r.o.ExecutedQty == "" || isZero(r.o.ExecutedQty) {
			continue
		}
		ts, err := v.trades(ctx, sym, api.Params{{Key: api.ParamOrderID, Value: strconv.FormatInt(r.o.OrderID, 10)}})
		if err != nil {
			return nil, fmt.Errorf("order %s trades: %w", id, err)
		}
		ch.trades = append(ch.trades, ts...)
	}
	slices.SortFunc(ch.trades, func(a, b api.Trade) int { return cmpInt(a.ID, b.ID) })
	return ch, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isZero(d string) bool {
	for i := 0; i < len(d); i++ {
		if d[i] != '0' && d[i] != '.' {
			return false
		}
	}
	return true
}

// trades is GET /api/v3/myTrades for sym with extra (orderId, or
// startTime), every page of 1000.
func (v *Venue) trades(ctx context.Context, sym *symbol, extra api.Params) ([]api.Trade, error) {
	var out []api.Trade
	from := int64(-1)
	for {
		p := api.Params{{Key: api.ParamSymbol, Value: sym.name}}
		if from >= 0 {
			p = p.Add("fromId", strconv.FormatInt(from, 10))
			if id, ok := extra.Get(api.ParamOrderID); ok {
				p = p.Add(api.ParamOrderID, id)
			}
		} else {
			p = append(p, extra...)
		}
		p = p.Add("limit", "1000")
		body, err := v.rest(ctx, http.MethodGet, api.PathMyTrades, p, true, false)
		if err != nil {
			return nil, err
		}
		ts, err := api.DecodeTrades(body)
		if err != nil {
			return nil, fmt.Errorf("myTrades %s: %w: %w", sym.name, ErrMalformed, err)
		}
		out = append(out, ts...)
		if len(ts) < 1000 {
			return out, nil
		}
		from = ts[len(ts)-1].ID + 1
	}
}

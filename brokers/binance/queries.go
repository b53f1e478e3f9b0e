package binance

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

// historyWindow is how far back Orders looks: Binance's allOrders and
// myTrades take at most a day between startTime and endTime.
const historyWindow = 24 * time.Hour

func (v *Venue) needReady() error {
	if !v.ready.Load() {
		return ErrNotRunning
	}
	return nil
}

// QueryOrder returns the venue's record of o, found by its client order
// id and those of its replaces, with a report for each thing the venue
// says happened to it (ack or reject, fills from myTrades with trade ids
// and fees, replaces, the final state). It fails with domain.ErrNotAtVenue
// only when the venue answers -2013 and o was sent longer ago than
// recvWindow plus the clock's uncertainty, so that it can no longer
// arrive; any other failure (a -2013 inside that window included) leaves
// o's outcome unknown. It may block on the network until ctx is done;
// the returned order is the caller's.
func (v *Venue) QueryOrder(ctx context.Context, o domain.Order) (domain.VenueOrder, error) {
	if err := v.needReady(); err != nil {
		return domain.VenueOrder{}, err
	}
	sym := v.byInst[o.Instrument]
	if sym == nil {
		return domain.VenueOrder{}, fmt.Errorf("order %s: %w", o.ID, ErrUnknownInstrument)
	}
	v.mu.Lock()
	maxN := 0
	var sentAt time.Time
	if t := v.tracks[o.ID]; t != nil {
		maxN, sentAt = t.nextN, t.sentAt
	}
	v.mu.Unlock()
	ch, err := v.queryChain(ctx, sym, o.ID, maxN)
	if err != nil {
		return domain.VenueOrder{}, err
	}
	if ch.baseMissing {
		if sentAt.IsZero() {
			sentAt = sentTime(o)
		}
		if !sentAt.IsZero() && time.Since(sentAt) > v.lostAfter() {
			return domain.VenueOrder{}, fmt.Errorf("order %s: %w", o.ID, domain.ErrNotAtVenue)
		}
		return domain.VenueOrder{}, fmt.Errorf("order %s: the venue does not hold it yet and it may still arrive: %w", o.ID, api.NoSuchOrder())
	}
	return v.venueOrder(sym, o.ID, ch)
}

// sentTime is when o went out as far as the order says: its Sent stamp
// (monotonic, this process), else its creation time.
func sentTime(o domain.Order) time.Time {
	if o.Stamps.Sent != 0 {
		return time.Now().Add(-time.Duration(domain.Mono() - o.Stamps.Sent))
	}
	if o.Created != 0 {
		return time.Unix(0, o.Created)
	}
	return time.Time{}
}

// venueOrder is the domain form of order id's chain.
func (v *Venue) venueOrder(sym *symbol, id domain.OrderID, ch *chain) (domain.VenueOrder, error) {
	items, err := sym.reportsOf(v.opts.ID, id, ch)
	if err != nil {
		return domain.VenueOrder{}, fmt.Errorf("order %s: %w", id, err)
	}
	base := &ch.rows[0].o
	typ, tif, post := orderFrom(base.Type, base.TimeInForce)
	o := domain.Order{ID: id, Strategy: id.Strategy(), Instrument: sym.inst.ID, Venue: v.opts.ID,
		Side: sideFrom(base.Side), Type: typ, TIF: tif, PostOnly: post, State: domain.StatePendingNew,
		Created: base.Time * 1e6}
	if o.Qty, err = sym.qty(orZero(base.OrigQty)); err != nil {
		return domain.VenueOrder{}, fmt.Errorf("order %s: %w", id, err)
	}
	if typ != domain.Market && typ != domain.Stop {
		if o.Price, err = sym.price(orZero(base.Price)); err != nil {
			return domain.VenueOrder{}, fmt.Errorf("order %s: %w", id, err)
		}
	}
	if typ == domain.Stop || typ == domain.StopLimit {
		if o.StopPrice, err = sym.price(orZero(base.StopPrice)); err != nil {
			return domain.VenueOrder{}, fmt.Errorf("order %s: %w", id, err)
		}
	}
	vo := domain.VenueOrder{Order: o, Reports: make([]domain.ExecReport, len(items))}
	for i, it := range items {
		vo.Reports[i] = it.r
	}
	return vo, nil
}

// Orders lists desk's orders at the venue: those open now and those of
// the last 24 hours (allOrders, myTrades), each with its reports rebuilt
// from the venue's answers, sorted by id. Orders under ids that are not
// desk's are left out (ExternalOrders lists the open ones). It may block
// on the network until ctx is done; the slice is the caller's.
func (v *Venue) Orders(ctx context.Context) ([]domain.VenueOrder, error) {
	if err := v.needReady(); err != nil {
		return nil, err
	}
	since := strconv.FormatInt(v.clock.now().Add(-historyWindow).UnixMilli(), 10)
	var out []domain.VenueOrder
	for _, sym := range v.sortedSymbols() {
		rows, err := v.allOrders(ctx, sym, since)
		if err != nil {
			return nil, err
		}
		open, err := v.openOrders(ctx, sym)
		if err != nil {
			return nil, err
		}
		byVenueID := map[int64]bool{}
		for _, r := range rows {
			byVenueID[r.OrderID] = true
		}
		for _, r := range open {
			if !byVenueID[r.OrderID] {
				rows = append(rows, r)
			}
		}
		chains := map[domain.OrderID]*chain{}
		need := false
		for _, r := range rows {
			id, n, ok := parseClientID(r.ClientOrderID)
			if !ok {
				continue
			}
			ch := chains[id]
			if ch == nil {
				ch = &chain{}
				chains[id] = ch
			}
			ch.rows = append(ch.rows, chainRow{n, r})
			need = need || !isZero(orZero(r.ExecutedQty))
		}
		if need {
			ts, err := v.trades(ctx, sym, api.Params{{Key: "startTime", Value: since}})
			if err != nil {
				return nil, fmt.Errorf("orders %s: %w", sym.name, err)
			}
			owner := map[int64]*chain{}
			for _, ch := range chains {
				for _, r := range ch.rows {
					owner[r.o.OrderID] = ch
				}
			}
			for _, t := range ts {
				if ch := owner[t.OrderID]; ch != nil {
					ch.trades = append(ch.trades, t)
				}
			}
		}
		for id, ch := range chains {
			slices.SortFunc(ch.rows, func(a, b chainRow) int { return cmp.Compare(a.n, b.n) })
			if ch.rows[0].n != 0 {
				// The base is older than the window, its replaces are not:
				// read it, and its trades, by id.
				if err := v.fetchBase(ctx, sym, id, ch); err != nil {
					return nil, err
				}
				if ch.rows[0].n != 0 {
					v.log.Warn("binance: an order's replaces are at the venue but not the order; skipped", "order", id)
					continue
				}
			}
			slices.SortFunc(ch.trades, func(a, b api.Trade) int { return cmp.Compare(a.ID, b.ID) })
			vo, err := v.venueOrder(sym, id, ch)
			if err != nil {
				return nil, err
			}
			out = append(out, vo)
		}
	}
	slices.SortFunc(out, func(a, b domain.VenueOrder) int { return cmp.Compare(a.Order.ID, b.Order.ID) })
	return out, nil
}

// fetchBase puts the base order of id, and its trades, at the head of
// ch, if the venue still has it.
func (v *Venue) fetchBase(ctx context.Context, sym *symbol, id domain.OrderID, ch *chain) error {
	base, found, err := v.getOrder(ctx, sym, clientID(id, 0))
	if err != nil || !found {
		return err
	}
	ch.rows = append([]chainRow{{0, base}}, ch.rows...)
	if isZero(orZero(base.ExecutedQty)) {
		return nil
	}
	ts, err := v.trades(ctx, sym, api.Params{{Key: api.ParamOrderID, Value: strconv.FormatInt(base.OrderID, 10)}})
	if err != nil {
		return fmt.Errorf("order %s trades: %w", id, err)
	}
	for _, t := range ts {
		if !slices.ContainsFunc(ch.trades, func(x api.Trade) bool { return x.ID == t.ID }) {
			ch.trades = append(ch.trades, t)
		}
	}
	return nil
}

func (v *Venue) sortedSymbols() []*symbol {
	out := make([]*symbol, 0, len(v.syms))
	for _, s := range v.syms {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *symbol) int { return cmp.Compare(a.name, b.name) })
	return out
}

// allOrders is GET /api/v3/allOrders for sym from since (Unix ms), every
// page of 1000.
func (v *Venue) allOrders(ctx context.Context, sym *symbol, since string) ([]api.Order, error) {
	var out []api.Order
	p := api.Params{{Key: api.ParamSymbol, Value: sym.name}, {Key: "startTime", Value: since}, {Key: "limit", Value: "1000"}}
	for {
		body, err := v.rest(ctx, http.MethodGet, api.PathAllOrders, p, true, false)
		if err != nil {
			return nil, fmt.Errorf("orders %s: %w", sym.name, err)
		}
		os, err := api.DecodeOrders(body)
		if err != nil {
			return nil, fmt.Errorf("orders %s: %w: %w", sym.name, ErrMalformed, err)
		}
		out = append(out, os...)
		if len(os) < 1000 {
			return out, nil
		}
		p = api.Params{{Key: api.ParamSymbol, Value: sym.name},
			{Key: api.ParamOrderID, Value: strconv.FormatInt(os[len(os)-1].OrderID+1, 10)}, {Key: "limit", Value: "1000"}}
	}
}

func (v *Venue) openOrders(ctx context.Context, sym *symbol) ([]api.Order, error) {
	body, err := v.rest(ctx, http.MethodGet, api.PathOpenOrders, api.Params{{Key: api.ParamSymbol, Value: sym.name}}, true, false)
	if err != nil {
		return nil, fmt.Errorf("open orders %s: %w", sym.name, err)
	}
	os, err := api.DecodeOrders(body)
	if err != nil {
		return nil, fmt.Errorf("open orders %s: %w: %w", sym.name, ErrMalformed, err)
	}
	return os, nil
}

// ExternalOrders lists the account's open orders, on the mapped symbols,
// whose client order id is not desk's. It may block on the network until
// ctx is done; the slice is the caller's.
func (v *Venue) ExternalOrders(ctx context.Context) ([]domain.ExternalOrder, error) {
	if err := v.needReady(); err != nil {
		return nil, err
	}
	var out []domain.ExternalOrder
	for _, sym := range v.sortedSymbols() {
		open, err := v.openOrders(ctx, sym)
		if err != nil {
			return nil, err
		}
		for _, r := range open {
			if _, _, ok := parseClientID(r.ClientOrderID); ok {
				continue
			}
			e := domain.ExternalOrder{Venue: v.opts.ID, Instrument: sym.inst.ID, ClientID: r.ClientOrderID,
				VenueOrderID: uint64(r.OrderID), Side: sideFrom(r.Side), Created: r.Time * 1e6}
			// An external order need not be on desk's tick or lot; what
			// does not fit is left zero rather than fail the list.
			if r.Type != api.TypeMarket {
				e.Price, _ = sym.price(orZero(r.Price))
			}
			e.Qty, _ = sym.qty(orZero(r.OrigQty))
			e.Filled, _ = sym.qty(orZero(r.ExecutedQty))
			out = append(out, e)
		}
	}
	return out, nil
}

// Balances is the account's balances (GET /api/v3/account), every asset
// the venue lists. It may block on the network until ctx is done.
func (v *Venue) Balances(ctx context.Context) ([]domain.Balance, error) {
	if err := v.needReady(); err != nil {
		return nil, err
	}
	body, err := v.rest(ctx, http.MethodGet, api.PathAccount, nil, true, false)
	if err != nil {
		return nil, fmt.Errorf("balances: %w", err)
	}
	a, err := api.DecodeAccount(body)
	if err != nil {
		return nil, fmt.Errorf("balances: %w: %w", ErrMalformed, err)
	}
	out := make([]domain.Balance, 0, len(a.Balances))
	for _, b := range a.Balances {
		free, err1 := decimal.NewFromString(orZero(b.Free))
		locked, err2 := decimal.NewFromString(orZero(b.Locked))
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("balances: asset %s: %w", b.Asset, ErrMalformed)
		}
		out = append(out, domain.Balance{Asset: b.Asset, Free: free, Locked: locked, At: a.UpdateTime * 1e6})
	}
	return out, nil
}

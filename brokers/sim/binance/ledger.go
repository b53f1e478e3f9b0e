package binance

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/core/domain"
)

// markerBit marks the ids of the ledger's marker cancels (see place): no
// order id of the record has it.
const markerBit = domain.OrderID(1) << 63

// maxBatch bounds how many requests and reports one commit gathers.
const maxBatch = 512

// opKind is what a ledger request asks.
type opKind uint8

const (
	opPlace opKind = iota + 1
	opCancel
	opCancelReplace
	opCancelAll
)

// newOrder is a new order checked against the symbol's filters, ready for
// the ledger.
type newOrder struct {
	api.NewOrder
	m          *market
	price, qty int64
	// cost is, for a MARKET buy, what the order would pay walking the book
	// as it was when the request arrived.
	cost decimal.Decimal
}

// ledgerReq is one order-entry request for the ledger goroutine. reply is
// buffered (one answer), so the ledger never waits on the handler.
type ledgerReq struct {
	op     opKind
	acct   string
	place  newOrder
	cancel api.OrderRef // opCancelAll: only Symbol
	mode   api.CancelReplaceMode
	reply  chan answer
}

// answer is the ledger's answer to a request: body (a JSON-encodable
// value) or err.
type answer struct {
	body any
	err  *api.Error
}

// pending is a request waiting for the matching engine's reports.
type pending struct {
	o         *order
	fills     []api.Fill
	transact  int64
	cancelCID string
	resp      api.RespType
	marked    bool // a marker follows the submit
	finish    func(body any, err *api.Error)
}

// ledger is the venue of record: the accounts, their orders and trades.
// One goroutine (run) owns all of it: it takes order-entry requests from
// handlers and execution reports from the venue, applies them, commits
// each batch to the store (fsync), and only then releases the answers and
// user-data events that report the batch.
type ledger struct {
	s   *Server
	st  *store
	log *slog.Logger
	in  chan *ledgerReq

	// Owned by run.
	v        *sim.Venue
	accounts map[string]*account
	open     map[int64]*order
	openCID  map[string]int64 // acct,sym,client id -> open order
	counters map[string]int64
	marker   domain.OrderID
	markers  map[domain.OrderID]int64 // marker cancel -> the order it follows
	pendNew  map[int64]*pending
	pendCanc map[int64]*pending
	restored map[int64]bool // orders sent back to the book at start, whose ack is not news
	simTrade uint64         // the last venue trade id seen, and the record's id for it,
	simSym   string         // so that both sides of a trade between accounts share an id
	lastTID  int64
	now      int64 // unix ms of the batch
	b        *batch
	replies  []outReply
	events   []userEvent
}

// outReply is an answer waiting for its batch's commit.
type outReply struct {
	to chan answer
	a  answer
}

type userEvent struct {
	acct    string
	payload []byte
	report  bool // an executionReport (duplicate-report fault)
}

// newLedger builds the ledger from the record, opening (and committing at
// once, so that queries find them) the accounts of keys the record does
// not hold yet.
func newLedger(s *Server, st *store, rec *loaded) (*ledger, error) {
	l := &ledger{s: s, st: st, log: s.log, in: make(chan *ledgerReq, s.opts.RequestQueue),
		accounts: rec.accounts, open: map[int64]*order{}, openCID: map[string]int64{}, counters: rec.counters,
		markers: map[domain.OrderID]int64{}, pendNew: map[int64]*pending{}, pendCanc: map[int64]*pending{},
		restored: map[int64]bool{}, b: newBatch()}
	for _, c := range s.opts.Accounts {
		id := accountID(c.APIKey)
		if l.accounts[id] == nil {
			a := newAccount(id, s.opts.Balances)
			a.Updated = time.Now().UnixMilli()
			l.accounts[id] = a
			l.b.accounts[id] = a
		}
	}
	for _, o := range rec.open {
		l.open[o.ID] = o
		l.openCID[string(prefix(o.Account, o.Symbol))+o.ClientID] = o.ID
	}
	if !l.b.empty() {
		if err := st.commit(l.b); err != nil {
			return nil, fmt.Errorf("binance server: open accounts: %w", err)
		}
		l.b = newBatch()
	}
	return l, nil
}

// run serves until ctx ends. It first sends the record's open orders back
// to the venue's books (see the package doc).
func (l *ledger) run(ctx context.Context, v *sim.Venue, reports <-chan domain.ExecReport) {
	l.v = v
	l.restore(ctx)
	for {
		select {
		case <-ctx.Done():
			l.failPending()
			return
		case r := <-l.in:
			l.begin()
			l.request(r)
		case rep, ok := <-reports:
			if !ok {
				reports = nil
				continue
			}
			l.begin()
			l.report(&rep)
		}
	drain:
		for range maxBatch {
			select {
			case r := <-l.in:
				l.request(r)
			case rep, ok := <-reports:
				if !ok {
					reports = nil
					break drain
				}
				l.report(&rep)
			default:
				break drain
			}
		}
		l.commit()
	}
}

func (l *ledger) begin() { l.now = time.Now().UnixMilli() }

// commit makes the batch durable, then releases its answers and events.
// A failed commit answers every request of the batch -1001 and stops
// order entry (the record can no longer be trusted); see the doc.
func (l *ledger) commit() {
	for id, a := range l.accounts {
		if ev := a.position(l.now); ev != nil {
			b, _ := json.Marshal(ev)
			l.events = append(l.events, userEvent{acct: id, payload: b})
		}
	}
	if !l.b.empty() {
		if err := l.st.commit(l.b); err != nil {
			l.log.Error("venue record: commit failed; order entry stops", "err", err)
			l.s.broken.Store(true)
			// What the batch did is lost with it: its outcomes are unknown.
			for i := range l.replies {
				l.replies[i].a = answer{err: api.NewError(api.CodeDisconnected, api.MsgInternal)}
			}
			l.events = l.events[:0]
			l.b = newBatch()
			l.failPending()
			return
		}
		l.b = newBatch()
	}
	l.sendReplies()
	for _, e := range l.events {
		l.s.users.publish(e.acct, e.payload)
		if e.report && l.s.takeFault(faultDupReport) {
			l.s.users.publish(e.acct, e.payload)
		}
	}
	clear(l.replies)
	clear(l.events)
	l.replies, l.events = l.replies[:0], l.events[:0]
}

// failPending answers every request still waiting with -1001: the venue
// stops and their outcome is unknown to the client.
func (l *ledger) failPending() {
	fail := api.NewError(api.CodeDisconnected, api.MsgInternal)
	for id, p := range l.pendNew {
		p.finish(nil, fail)
		delete(l.pendNew, id)
	}
	for id, p := range l.pendCanc {
		p.finish(nil, fail)
		delete(l.pendCanc, id)
	}
	l.sendReplies()
	l.replies = l.replies[:0]
}

// sendReplies releases the answers. Each request has one answer and its
// channel room for it, so the send cannot block; were a request ever
// answered twice, the second answer is dropped and logged rather than
// stall the ledger.
func (l *ledger) sendReplies() {
	for _, r := range l.replies {
		select {
		case r.to <- r.a:
		default:
			l.log.Error("venue record: a request answered twice; the second answer is dropped")
		}
	}
}

func (l *ledger) reply(r *ledgerReq, body any, err *api.Error) {
	l.replies = append(l.replies, outReply{to: r.reply, a: answer{body: body, err: err}})
}

func (l *ledger) next(counter string) int64 {
	l.counters[counter]++
	l.b.counters[counter] = l.counters[counter]
	return l.counters[counter]
}

func (l *ledger) dirty(o *order) {
	o.Updated = l.now
	l.b.orders[o.ID] = o
}

func (l *ledger) dirtyAcct(a *account) {
	a.Updated = l.now
	l.b.accounts[a.ID] = a
}

// emit queues the executionReport about o after x (and trade t).
func (l *ledger) emit(o *order, x api.ExecutionType, t *trade, cancelCID string) {
	l.events = append(l.events, userEvent{acct: o.Account, payload: o.report(x, t, l.next("execSeq"), l.now, cancelCID), report: true})
}

// restore sends the record's open orders back to the books, each for what
// it has left, waiting up to 10 s for the venue to run.
func (l *ledger) restore(ctx context.Context) {
	if len(l.open) == 0 {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for !l.v.Connected() && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	l.begin()
	for _, o := range l.open {
		if o.m = l.s.byName[o.Symbol]; o.m == nil {
			// Without its instrument the order can be neither traded nor
			// formatted: it stays in the record as it was, lock and all.
			l.log.Warn("venue record: open order of a symbol not listed; left as recorded", "order", o.ID, "symbol", o.Symbol)
			delete(l.open, o.ID)
			delete(l.openCID, string(prefix(o.Account, o.Symbol))+o.ClientID)
			continue
		}
		if l.submit(o) != nil {
			l.log.Warn("venue record: open order cannot go back to the book; expired", "order", o.ID, "symbol", o.Symbol)
			o.Acked = true
			l.end(o, api.StatusExpired, api.ExecExpired, "")
			continue
		}
		if o.Acked {
			l.restored[o.ID] = true
		}
	}
	l.commit()
}

// submit hands o's remaining quantity to the venue.
func (l *ledger) submit(o *order) error {
	d := domain.Order{ID: domain.OrderID(o.ID), Instrument: o.m.inst.ID, Side: domain.Buy, Type: domain.Limit,
		TIF: domain.GTC, Price: domain.Price(o.Price), Qty: domain.Qty(o.leaves())}
	if o.Side == api.SideSell {
		d.Side = domain.Sell
	}
	switch o.Type {
	case api.TypeMarket:
		d.Type, d.TIF, d.Price = domain.Market, domain.IOC, 0
	case api.TypeLimitMaker:
		d.PostOnly = true
	}
	switch o.TIF {
	case api.IOC:
		d.TIF = domain.IOC
	case api.FOK:
		d.TIF = domain.FOK
	}
	return l.v.Submit(&d)
}

// end closes o with status st, reporting x, and releases what it holds.
func (l *ledger) end(o *order, st api.OrderStatus, x api.ExecutionType, cancelCID string) {
	o.Status = st
	l.release(o)
	delete(l.open, o.ID)
	delete(l.openCID, string(prefix(o.Account, o.Symbol))+o.ClientID)
	delete(l.restored, o.ID)
	l.dirty(o)
	l.emit(o, x, nil, cancelCID)
}

// release gives back what o still holds locked.
func (l *ledger) release(o *order) {
	a := l.accounts[o.Account]
	if a == nil || o.Reserved.IsZero() {
		return
	}
	if o.Side == api.SideBuy {
		a.unlock(o.m.inst.Quote, o.Reserved)
	} else {
		a.unlock(o.m.inst.Base, o.Reserved)
	}
	o.Reserved = decimal.Zero
	l.dirtyAcct(a)
}

// newClientID is a client order id for an order sent without one, as
// Binance makes them: 22 random letters and digits.
func newClientID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [22]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

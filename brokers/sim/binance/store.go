package binance

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The record's buckets. Keys with an account and a symbol are
// acct 0x00 symbol 0x00 then the rest, so that one account's rows of one
// symbol are one range of a cursor.
var (
	bMeta      = []byte("meta")      // counters: orderSeq, execSeq, trade/<SYMBOL>
	bAccounts  = []byte("accounts")  // account id -> account JSON
	bOrders    = []byte("orders")    // order id (8 bytes BE) -> order JSON
	bByAccount = []byte("byAccount") // acct,sym,order id -> nothing: allOrders
	bOpen      = []byte("open")      // order id -> nothing, while the order is open
	bClientIDs = []byte("clientIDs") // acct,sym,client id -> order id of the latest order with it
	bTrades    = []byte("trades")    // acct,sym,trade id,side byte -> trade JSON
)

// recordFile is the bbolt file's name in the state directory.
const recordFile = "venue.db"

// store is the venue of record's bbolt file. Only the ledger goroutine
// writes; queries read committed state from any goroutine (bbolt's
// readers run concurrently with its one writer).
type store struct {
	db *bolt.DB
}

// openStore opens (creating) dir/venue.db, failing fast (1 s) when another
// process holds it.
func openStore(dir string) (*store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("binance server: state dir: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dir, recordFile), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("binance server: open record %s: %w", filepath.Join(dir, recordFile), err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bMeta, bAccounts, bOrders, bByAccount, bOpen, bClientIDs, bTrades} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("binance server: init record: %w", err)
	}
	return &store{db: db}, nil
}

func (s *store) close() error { return s.db.Close() }

func be(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }

func fromBE(b []byte) int64 {
	if len(b) < 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// prefix is the key prefix of one account's rows of one symbol.
func prefix(acct, sym string) []byte {
	b := make([]byte, 0, len(acct)+len(sym)+2)
	b = append(b, acct...)
	b = append(b, 0)
	b = append(b, sym...)
	return append(b, 0)
}

// batch is one commit's writes, gathered by the ledger goroutine.
type batch struct {
	counters map[string]int64
	accounts map[string]*account
	orders   map[int64]*order
	deleted  map[int64]*order // orders the engine rejected before anyone saw them
	trades   []*trade
}

func newBatch() *batch {
	return &batch{counters: map[string]int64{}, accounts: map[string]*account{}, orders: map[int64]*order{},
		deleted: map[int64]*order{}}
}

func (b *batch) empty() bool {
	return len(b.counters)+len(b.accounts)+len(b.orders)+len(b.deleted)+len(b.trades) == 0
}

// commit writes b in one bbolt transaction; bbolt fsyncs before it
// returns. The values are encoded here, on the ledger goroutine, from the
// live records.
func (s *store) commit(b *batch) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		meta, accts, orders := tx.Bucket(bMeta), tx.Bucket(bAccounts), tx.Bucket(bOrders)
		byAcct, open, cids, trades := tx.Bucket(bByAccount), tx.Bucket(bOpen), tx.Bucket(bClientIDs), tx.Bucket(bTrades)
		for k, v := range b.counters {
			if err := meta.Put([]byte(k), be(v)); err != nil {
				return err
			}
		}
		for id, a := range b.accounts {
			v, _ := json.Marshal(a)
			if err := accts.Put([]byte(id), v); err != nil {
				return err
			}
		}
		for id, o := range b.orders {
			v, _ := json.Marshal(o)
			if err := orders.Put(be(id), v); err != nil {
				return err
			}
			p := prefix(o.Account, o.Symbol)
			if err := byAcct.Put(append(p, be(id)...), nil); err != nil {
				return err
			}
			if err := cids.Put(append(p, o.ClientID...), be(id)); err != nil {
				return err
			}
			var err error
			if o.open() {
				err = open.Put(be(id), nil)
			} else {
				err = open.Delete(be(id))
			}
			if err != nil {
				return err
			}
		}
		for id, o := range b.deleted {
			p := prefix(o.Account, o.Symbol)
			for _, err := range []error{orders.Delete(be(id)), byAcct.Delete(append(p, be(id)...)), open.Delete(be(id))} {
				if err != nil {
					return err
				}
			}
			if v := cids.Get(append(p, o.ClientID...)); fromBE(v) == id {
				if err := cids.Delete(append(p, o.ClientID...)); err != nil {
					return err
				}
			}
		}
		for _, t := range b.trades {
			k := append(prefix(t.Account, t.Symbol), be(t.ID)...)
			if t.IsBuyer {
				k = append(k, 'B')
			} else {
				k = append(k, 'S')
			}
			v, _ := json.Marshal(t)
			if err := trades.Put(k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// loaded is the record as read at start-up.
type loaded struct {
	counters map[string]int64
	accounts map[string]*account
	open     []*order
}

func (s *store) load() (*loaded, error) {
	l := &loaded{counters: map[string]int64{}, accounts: map[string]*account{}}
	err := s.db.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bMeta).ForEach(func(k, v []byte) error {
			l.counters[string(k)] = fromBE(v)
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bAccounts).ForEach(func(k, v []byte) error {
			a := &account{}
			if err := json.Unmarshal(v, a); err != nil {
				return fmt.Errorf("account %s: %w", k, err)
			}
			l.accounts[string(k)] = a
			return nil
		})
		if err != nil {
			return err
		}
		orders := tx.Bucket(bOrders)
		return tx.Bucket(bOpen).ForEach(func(k, _ []byte) error {
			o := &order{}
			if err := json.Unmarshal(orders.Get(k), o); err != nil {
				return fmt.Errorf("order %d: %w", fromBE(k), err)
			}
			l.open = append(l.open, o)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("binance server: load record: %w", err)
	}
	return l, nil
}

// getOrder reads one committed order by id; nil when there is none.
func (s *store) getOrder(id int64) (*order, error) {
	var o *order
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bOrders).Get(be(id))
		if v == nil {
			return nil
		}
		o = &order{}
		return json.Unmarshal(v, o)
	})
	return o, err
}

// orderByClientID reads the latest committed order of acct on sym with
// client id cid; nil when there is none.
func (s *store) orderByClientID(acct, sym, cid string) (*order, error) {
	var id int64
	_ = s.db.View(func(tx *bolt.Tx) error {
		id = fromBE(tx.Bucket(bClientIDs).Get(append(prefix(acct, sym), cid...)))
		return nil
	})
	if id == 0 {
		return nil, nil
	}
	return s.getOrder(id)
}

// openOrders reads acct's committed open orders, of sym ("" for all).
func (s *store) openOrders(acct, sym string) ([]*order, error) {
	var out []*order
	err := s.db.View(func(tx *bolt.Tx) error {
		orders := tx.Bucket(bOrders)
		return tx.Bucket(bOpen).ForEach(func(k, _ []byte) error {
			o := &order{}
			if err := json.Unmarshal(orders.Get(k), o); err != nil {
				return err
			}
			if o.Account == acct && (sym == "" || o.Symbol == sym) {
				out = append(out, o)
			}
			return nil
		})
	})
	return out, err
}

// allOrders reads acct's orders of sym with id >= fromID, oldest first,
// those created within [start, end] (0: unbounded), at most limit.
func (s *store) allOrders(acct, sym string, fromID, start, end int64, limit int) ([]*order, error) {
	var out []*order
	err := s.db.View(func(tx *bolt.Tx) error {
		orders := tx.Bucket(bOrders)
		p := prefix(acct, sym)
		c := tx.Bucket(bByAccount).Cursor()
		for k, _ := c.Seek(append(p, be(fromID)...)); k != nil && bytes.HasPrefix(k, p) && len(out) < limit; k, _ = c.Next() {
			o := &order{}
			if err := json.Unmarshal(orders.Get(k[len(p):]), o); err != nil {
				return err
			}
			if (start == 0 || o.Created >= start) && (end == 0 || o.Created <= end) {
				out = append(out, o)
			}
		}
		return nil
	})
	return out, err
}

// trades reads acct's trades of sym with id >= fromID, oldest first,
// optionally of one order and within [start, end] (0: unbounded), at
// most limit.
func (s *store) trades(acct, sym string, orderID, fromID, start, end int64, limit int) ([]*trade, error) {
	var out []*trade
	err := s.db.View(func(tx *bolt.Tx) error {
		p := prefix(acct, sym)
		c := tx.Bucket(bTrades).Cursor()
		for k, v := c.Seek(append(p, be(fromID)...)); k != nil && bytes.HasPrefix(k, p) && len(out) < limit; k, v = c.Next() {
			t := &trade{}
			if err := json.Unmarshal(v, t); err != nil {
				return err
			}
			if (orderID == 0 || t.OrderID == orderID) && (start == 0 || t.Time >= start) && (end == 0 || t.Time <= end) {
				out = append(out, t)
			}
		}
		return nil
	})
	return out, err
}

// account reads one committed account; nil when there is none.
func (s *store) account(id string) (*account, error) {
	var a *account
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bAccounts).Get([]byte(id))
		if v == nil {
			return nil
		}
		a = &account{}
		return json.Unmarshal(v, a)
	})
	return a, err
}

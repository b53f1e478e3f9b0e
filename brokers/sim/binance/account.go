package binance

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/binance/api"
)

// account is one API key's spot account: free and locked balance per
// asset. The ledger goroutine owns it; queries read committed copies.
type account struct {
	ID      string                     `json:"id"`
	Free    map[string]decimal.Decimal `json:"free"`
	Locked  map[string]decimal.Decimal `json:"locked"`
	Updated int64                      `json:"updated"` // unix ms

	changed map[string]bool // assets changed in this batch, for outboundAccountPosition
}

// accountID names the account of an API key in the record: a hash, so
// that the state file does not carry the key.
func accountID(key string) string {
	h := sha256.Sum256([]byte(key))
	return "acct-" + hex.EncodeToString(h[:8])
}

func newAccount(id string, opening map[string]decimal.Decimal) *account {
	a := &account{ID: id, Free: map[string]decimal.Decimal{}, Locked: map[string]decimal.Decimal{}}
	maps.Copy(a.Free, opening)
	return a
}

func (a *account) touch(asset string) {
	if a.changed == nil {
		a.changed = map[string]bool{}
	}
	a.changed[asset] = true
}

// lock moves amt of asset from free to locked; false, changing nothing,
// when free holds less.
func (a *account) lock(asset string, amt decimal.Decimal) bool {
	if a.Free[asset].LessThan(amt) {
		return false
	}
	a.Free[asset] = a.Free[asset].Sub(amt)
	a.Locked[asset] = a.Locked[asset].Add(amt)
	a.touch(asset)
	return true
}

// unlock moves amt of asset back from locked to free.
func (a *account) unlock(asset string, amt decimal.Decimal) {
	if amt.IsZero() {
		return
	}
	a.Locked[asset] = a.Locked[asset].Sub(amt)
	a.Free[asset] = a.Free[asset].Add(amt)
	a.touch(asset)
}

// spendLocked takes amt of asset out of the account, from what is locked
// for the order (at most reserved) and the rest from free. It returns the
// order's reservation left.
func (a *account) spendLocked(asset string, amt, reserved decimal.Decimal) decimal.Decimal {
	fromLock := decimal.Min(amt, reserved)
	a.Locked[asset] = a.Locked[asset].Sub(fromLock)
	if rest := amt.Sub(fromLock); rest.IsPositive() {
		a.Free[asset] = a.Free[asset].Sub(rest)
	}
	a.touch(asset)
	return reserved.Sub(fromLock)
}

// credit adds amt (negative: a debit) to asset's free balance.
func (a *account) credit(asset string, amt decimal.Decimal) {
	a.Free[asset] = a.Free[asset].Add(amt)
	a.touch(asset)
}

// balances is the account's balances sorted by asset, every asset it ever
// held.
func (a *account) balances() []api.Balance {
	assets := map[string]bool{}
	for k := range a.Free {
		assets[k] = true
	}
	for k := range a.Locked {
		assets[k] = true
	}
	out := make([]api.Balance, 0, len(assets))
	for _, k := range slices.Sorted(maps.Keys(assets)) {
		out = append(out, api.Balance{Asset: k, Free: a.Free[k].StringFixed(8), Locked: a.Locked[k].StringFixed(8)})
	}
	return out
}

// position is the outboundAccountPosition event of the assets changed in
// this batch, and clears them; nil when none changed.
func (a *account) position(now int64) any {
	if len(a.changed) == 0 {
		return nil
	}
	type bal struct {
		A string `json:"a"`
		F string `json:"f"`
		L string `json:"l"`
	}
	bs := make([]bal, 0, len(a.changed))
	for _, k := range slices.Sorted(maps.Keys(a.changed)) {
		bs = append(bs, bal{k, a.Free[k].StringFixed(8), a.Locked[k].StringFixed(8)})
	}
	clear(a.changed)
	return struct {
		E  string `json:"e"`
		ET int64  `json:"E"`
		U  int64  `json:"u"`
		B  []bal  `json:"B"`
	}{"outboundAccountPosition", now, a.Updated, bs}
}

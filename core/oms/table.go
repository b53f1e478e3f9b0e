package oms

import "math/rand/v2"

// table is a hash table from K to int32 with open addressing, linear probing
// and backward-shift deletion. Deleting leaves no tombstones, so a table
// whose population stays under its high-water mark never allocates however
// many inserts and deletes it sees. Go's maps do leave tombstones and, under
// the steady insert-delete churn of orders and fills, now and then rebuild
// themselves (measured: a few allocations of 80 KB per 100,000 orders),
// which the hot path cannot afford.
//
// Each table hashes with its own random seed, so a venue cannot choose trade
// ids that collide. The seed only changes where keys sit, never what the
// table answers, so replay stays deterministic.
type table[K hashKey] struct {
	slots []tableSlot[K]
	n     int
	seed  uint64
}

// hashKey is a key that hashes itself.
type hashKey interface {
	comparable
	hash(seed uint64) uint64
}

type tableSlot[K hashKey] struct {
	key  K
	val  int32
	full bool
}

const tableMinSize = 64

func newTable[K hashKey]() table[K] {
	return table[K]{slots: make([]tableSlot[K], tableMinSize), seed: rand.Uint64()}
}

func (t *table[K]) mask() uint64 { return uint64(len(t.slots) - 1) }

// find returns the slot holding k, or the empty slot where k would go.
func (t *table[K]) find(k K) (uint64, bool) {
	m := t.mask()
	for i := k.hash(t.seed) & m; ; i = (i + 1) & m {
		s := &t.slots[i]
		if !s.full {
			return i, false
		}
		if s.key == k {
			return i, true
		}
	}
}

func (t *table[K]) get(k K) (int32, bool) {
	i, ok := t.find(k)
	return t.slots[i].val, ok
}

func (t *table[K]) has(k K) bool {
	_, ok := t.find(k)
	return ok
}

// put sets k to v, growing the table when it would be more than 3/4 full.
func (t *table[K]) put(k K, v int32) {
	i, ok := t.find(k)
	if ok {
		t.slots[i].val = v
		return
	}
	if 4*(t.n+1) > 3*len(t.slots) {
		t.grow()
		i, _ = t.find(k)
	}
	t.slots[i] = tableSlot[K]{key: k, val: v, full: true}
	t.n++
}

func (t *table[K]) grow() {
	old := t.slots
	t.slots = make([]tableSlot[K], 2*len(old))
	m := t.mask()
	for _, s := range old {
		if !s.full {
			continue
		}
		i := s.key.hash(t.seed) & m
		for t.slots[i].full {
			i = (i + 1) & m
		}
		t.slots[i] = s
	}
}

// del removes k if present. Entries after it in the probe run move back
// into the hole when that does not put them before their home slot, so
// every remaining key is still found by probing from its home.
func (t *table[K]) del(k K) {
	i, ok := t.find(k)
	if !ok {
		return
	}
	m := t.mask()
	for j := (i + 1) & m; t.slots[j].full; j = (j + 1) & m {
		home := t.slots[j].key.hash(t.seed) & m
		// The entry at j may fill hole i if i lies on its probe path
		// from home to j.
		if (j-home)&m >= (j-i)&m {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = tableSlot[K]{}
	t.n--
}

// mix is the finalizer of SplitMix64: every input bit affects every output
// bit, so sequential ids spread over the table.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

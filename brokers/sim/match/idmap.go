package match

// idMap maps a nonzero order id to its node index. It is an open-addressing
// table with linear probing and backward-shift deletion, used instead of a Go
// map because a book inserts and deletes an id for nearly every order: with
// no tombstones the table never rehashes in steady state, so the hot path
// never allocates, and its cost does not depend on the runtime's map
// implementation.
type idMap struct {
	keys  []uint64 // 0 marks an empty slot, which is why ids must be nonzero
	vals  []int32
	n     int
	mask  uint64
	shift uint // 64 - log2(len(keys)), for Fibonacci hashing
}

func (m *idMap) init(hint int) {
	size := 16
	for size < 2*hint {
		size <<= 1
	}
	m.keys = make([]uint64, size)
	m.vals = make([]int32, size)
	m.n = 0
	m.mask = uint64(size - 1)
	m.shift = 64
	for s := size; s > 1; s >>= 1 {
		m.shift--
	}
}

// home returns k's preferred slot. Multiplying by 2^64/phi spreads the
// sequential ids venues hand out across the table.
func (m *idMap) home(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> m.shift }

// get returns k's value; ok is false when k is absent or zero.
func (m *idMap) get(k uint64) (int32, bool) {
	if k == 0 {
		return 0, false
	}
	for i := m.home(k); ; i = (i + 1) & m.mask {
		switch m.keys[i] {
		case k:
			return m.vals[i], true
		case 0:
			return 0, false
		}
	}
}

// put inserts or overwrites k. It grows the table when it would be more than
// half full, which keeps probe sequences short.
func (m *idMap) put(k uint64, v int32) {
	if 2*(m.n+1) > len(m.keys) {
		m.grow()
	}
	for i := m.home(k); ; i = (i + 1) & m.mask {
		switch m.keys[i] {
		case k:
			m.vals[i] = v
			return
		case 0:
			m.keys[i], m.vals[i] = k, v
			m.n++
			return
		}
	}
}

// del removes k if present. Instead of leaving a tombstone it shifts later
// members of the probe run back into the hole, so lookups stay exact.
func (m *idMap) del(k uint64) {
	i := m.home(k)
	for ; m.keys[i] != k; i = (i + 1) & m.mask {
		if m.keys[i] == 0 {
			return
		}
	}
	for j := (i + 1) & m.mask; m.keys[j] != 0; j = (j + 1) & m.mask {
		// The entry at j may move to the hole at i unless its home lies
		// cyclically in (i, j], where moving it would put it before home.
		h := m.home(m.keys[j])
		if (j-h)&m.mask >= (j-i)&m.mask {
			m.keys[i], m.vals[i] = m.keys[j], m.vals[j]
			i = j
		}
	}
	m.keys[i] = 0
	m.n--
}

func (m *idMap) grow() {
	keys, vals := m.keys, m.vals
	m.init(len(keys)) // hint len doubles the size
	for i, k := range keys {
		if k != 0 {
			m.put(k, vals[i])
		}
	}
}

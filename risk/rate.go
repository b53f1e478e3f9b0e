package risk

// second is one second in the engine clock's unit, nanoseconds.
const second = int64(1_000_000_000)

// bucket is a token bucket: rate tokens a second, holding at most rate
// (at least one). Tokens are kept in nanosecond-tokens so refills are
// exact integers.
type bucket struct {
	rate   int64 // tokens a second; 0 means unlimited
	tokens int64 // in units of 1/second of a token
	last   int64 // engine time of the last refill
}

func (b *bucket) setRate(r int64) {
	b.rate = r
	b.tokens = min(b.tokens, b.capacity())
}

func (b *bucket) capacity() int64 { return max(b.rate, 1) * second }

// level returns the tokens available at now without taking any.
func (b *bucket) level(now int64) int64 {
	if b.last == 0 {
		return b.capacity()
	}
	elapsed := now - b.last
	if elapsed <= 0 {
		return b.tokens
	}
	if elapsed >= second { // a full second refills a whole bucket
		return b.capacity()
	}
	return min(b.capacity(), b.tokens+elapsed*b.rate)
}

// ok reports whether a token is available at now.
func (b *bucket) ok(now int64) bool { return b.rate == 0 || b.level(now) >= second }

// take takes a token if one is available at now.
func (b *bucket) take(now int64) {
	if b.rate == 0 {
		return
	}
	b.tokens = max(b.level(now)-second, 0)
	b.last = now
}

// minuteCounter counts events over a sliding minute in one-second slots,
// so counting never allocates.
type minuteCounter struct {
	slots [60]struct{ sec, n int64 }
	// last is the second of the latest event, valid once used: a counter
	// quiet for a minute (nearly every one) totals nothing without a walk
	// of its slots.
	last int64
	used bool
}

func (m *minuteCounter) add(now int64) {
	s := now / second
	m.last, m.used = s, true
	slot := &m.slots[s%60]
	if slot.sec != s {
		slot.sec, slot.n = s, 0
	}
	slot.n++
}

// total returns the events in the minute up to now.
func (m *minuteCounter) total(now int64) int64 {
	s := now / second
	if !m.used || m.last <= s-60 {
		return 0
	}
	var n int64
	for i := range m.slots {
		if m.slots[i].sec > s-60 && m.slots[i].sec <= s {
			n += m.slots[i].n
		}
	}
	return n
}

// dupRing remembers a strategy's recent orders for the duplicate window.
type dupRing struct {
	entries [64]dupEntry
	next    int
}

type dupEntry struct {
	at         int64
	instrument uint32
	side, typ  uint8
	price, qty int64
}

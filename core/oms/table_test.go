package oms

import (
	"math/rand/v2"
	"testing"
)

type testKey uint64

func (k testKey) hash(seed uint64) uint64 { return mix(uint64(k) ^ seed) }

// badKey hashes everything to a few homes, so probe runs are long and wrap
// around the end of the table: the hard cases of backward-shift deletion.
type badKey uint64

func (k badKey) hash(seed uint64) uint64 { return ^uint64(k % 3) } // the last three slots

func TestTableAgainstMap(t *testing.T) {
	t.Run("good hash", func(t *testing.T) { tableAgainstMap[testKey](t, 5000) })
	t.Run("colliding hash", func(t *testing.T) { tableAgainstMap[badKey](t, 60) })
}

func tableAgainstMap[K interface {
	hashKey
	~uint64
}](t *testing.T, keys int) {
	rng := rand.New(rand.NewPCG(1, 2))
	tb := newTable[K]()
	ref := map[K]int32{}
	for step := range 200_000 {
		k := K(rng.IntN(keys))
		switch rng.IntN(3) {
		case 0, 1:
			v := int32(step)
			tb.put(k, v)
			ref[k] = v
		case 2:
			tb.del(k)
			delete(ref, k)
		}
		if tb.n != len(ref) {
			t.Fatalf("step %d: %d entries, want %d", step, tb.n, len(ref))
		}
		if step%1000 == 0 {
			for q := range K(keys) {
				v, ok := tb.get(q)
				rv, rok := ref[q]
				if ok != rok || v != rv {
					t.Fatalf("step %d: get(%d) = %d, %v; want %d, %v", step, q, v, ok, rv, rok)
				}
			}
		}
	}
}

package store

import (
	"encoding/binary"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"

	"github.com/desk-trading/desk/core/domain"
)

// The bucket layout; see the package documentation.
var (
	bucketEvents = []byte("events")
	bucketMeta   = []byte("meta")
	bucketNames  = []byte("names")

	keyLayout = []byte("layout")
	keyEpoch  = []byte("epoch")
	keyClean  = []byte("clean")
)

// markClean records that this run closed with every event durable; Open
// reads it as PreviousRunClean and clears it.
func markClean(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyClean, []byte{1}) }

// layoutVersion is the version of the bucket layout, stored under
// meta/layout. Bump it when a change makes old files unreadable. Version 2
// put the strategy in order ids (domain.OrderID), so a version 1 journal's
// ids would read as other strategies'.
const layoutVersion = 2

// maxEpoch is the largest epoch an order id holds.
const maxEpoch = domain.MaxOrderEpoch

// initLayout creates the buckets of a new file and checks the layout
// version of an existing one.
func initLayout(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketEvents, bucketMeta, bucketNames} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := tx.Bucket(bucketMeta)
	v := meta.Get(keyLayout)
	if v == nil {
		return meta.Put(keyLayout, binary.BigEndian.AppendUint32(nil, layoutVersion))
	}
	if len(v) != 4 || binary.BigEndian.Uint32(v) != layoutVersion {
		return fmt.Errorf("layout %x, want %d: %w", v, layoutVersion, ErrLayout)
	}
	return nil
}

// NextEpoch durably increments the daemon epoch counter and returns its new
// value: 1 on a new journal. The daemon calls it once at each start and puts
// the epoch in its order ids (domain.MakeOrderID), so ids never repeat
// across restarts. It commits its own transaction (an fsync) and may be
// called from any goroutine. It fails after Close, on a write error, and
// when the counter has reached domain.MaxOrderEpoch.
func (j *Journal) NextEpoch() (uint32, error) {
	if j.state.Load()&stateClosed != 0 {
		return 0, fmt.Errorf("journal: next epoch: %w", ErrClosed)
	}
	var epoch uint32
	err := j.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyEpoch); v != nil {
			if len(v) != 4 {
				return fmt.Errorf("epoch %x: %w", v, ErrCorrupt)
			}
			epoch = binary.BigEndian.Uint32(v)
		}
		if epoch >= maxEpoch {
			return fmt.Errorf("epoch counter exhausted at %d", epoch)
		}
		epoch++
		return meta.Put(keyEpoch, binary.BigEndian.AppendUint32(nil, epoch))
	})
	if err != nil {
		return 0, fmt.Errorf("journal: next epoch: %w", err)
	}
	return epoch, nil
}

// Intern returns the id of name among the names of kind ("strategy",
// "venue", "instrument", ...), assigning the next one durably if name is
// new. Ids are dense per kind, starting at 0, and never change, so they may
// index slices and be stored in the journal.
//
// A known name is answered from memory. A new one commits a transaction (an
// fsync) while holding a lock, so assign names at startup or off the engine
// goroutine. Intern may be called from any goroutine. It fails with
// ErrInvalidName for an empty kind or name, with ErrClosed after Close, and
// on a write error.
func (j *Journal) Intern(kind, name string) (uint32, error) {
	if kind == "" || name == "" {
		return 0, fmt.Errorf("journal: intern %q %q: %w", kind, name, ErrInvalidName)
	}
	j.namesMu.Lock()
	defer j.namesMu.Unlock()
	ids, err := j.loadNames(kind)
	if err != nil {
		return 0, err
	}
	if id, ok := ids[name]; ok {
		return id, nil
	}
	var id uint32
	err = j.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bucketNames).CreateBucketIfNotExists([]byte(kind))
		if err != nil {
			return err
		}
		n, err := b.NextSequence() // 1, 2, ...
		if err != nil {
			return err
		}
		if n-1 > math.MaxUint32 {
			return fmt.Errorf("more than 2^32 names")
		}
		id = uint32(n - 1)
		return b.Put([]byte(name), binary.BigEndian.AppendUint32(nil, id))
	})
	if err != nil {
		return 0, fmt.Errorf("journal: intern %s %q: %w", kind, name, err)
	}
	ids[name] = id
	return id, nil
}

// Names returns every interned name of kind by id, in a map the caller owns.
// It is empty for a kind with no names. It may be called from any goroutine
// and fails after Close.
func (j *Journal) Names(kind string) (map[uint32]string, error) {
	j.namesMu.Lock()
	defer j.namesMu.Unlock()
	ids, err := j.loadNames(kind)
	if err != nil {
		return nil, err
	}
	names := make(map[uint32]string, len(ids))
	for name, id := range ids {
		names[id] = name
	}
	return names, nil
}

// loadNames returns the cached names of kind, reading them from the file on
// first use. The caller holds namesMu.
func (j *Journal) loadNames(kind string) (map[string]uint32, error) {
	if j.state.Load()&stateClosed != 0 {
		return nil, fmt.Errorf("journal: names %s: %w", kind, ErrClosed)
	}
	if ids, ok := j.names[kind]; ok {
		return ids, nil
	}
	ids := make(map[string]uint32)
	err := j.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketNames).Bucket([]byte(kind))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(v) != 4 {
				return fmt.Errorf("id of %q is %x: %w", k, v, ErrCorrupt)
			}
			ids[string(k)] = binary.BigEndian.Uint32(v)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("journal: names %s: %w", kind, err)
	}
	j.names[kind] = ids
	return ids, nil
}

package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// writer is the state of the writer goroutine, which does group commit: it
// takes one entry from the queue, drains whatever else is already queued (up
// to Options.MaxBatch events), writes the events in one bbolt transaction
// (one fsync for all of them) and then answers the barriers it collected.
// Its buffers are reused from batch to batch, so encoding allocates nothing
// once they have grown to the largest batch.
type writer struct {
	keys []byte       // 8 bytes an event: its seq, big endian, so keys sort in seq order
	vals []byte       // the batch's records, back to back
	ends []int        // ends[i] is where event i's record ends in vals
	acks []chan error // barriers to answer after the commit

	// commit is j.putBatch bound once, so a transaction does not allocate a
	// closure.
	commit func(*bolt.Tx) error
}

func (w *writer) init(j *Journal) {
	w.commit = j.putBatch
	w.ends = make([]int, 0, j.opts.MaxBatch)
}

// run is the writer goroutine. It exits after answering a stop barrier.
func (j *Journal) run() {
	defer close(j.done)
	w := &j.w
	var e entry
	for {
		e = <-j.queue
		stop := j.take(&e)
	drain:
		for !stop && len(w.ends) < j.opts.MaxBatch {
			select {
			case e = <-j.queue:
				stop = j.take(&e)
			default:
				break drain
			}
		}
		if len(w.ends) > 0 {
			if err := j.db.Update(w.commit); err != nil {
				j.fail(err)
			}
		}
		for i, ack := range w.acks {
			ack <- j.failErr // buffered, never blocks
			w.acks[i] = nil
		}
		w.keys, w.vals, w.ends, w.acks = w.keys[:0], w.vals[:0], w.ends[:0], w.acks[:0]
		if stop {
			return
		}
	}
}

// take adds e to the batch and reports whether it is a stop barrier. After a
// failure events are dropped: nothing more is written.
func (j *Journal) take(e *entry) (stop bool) {
	w := &j.w
	if e.ack != nil {
		w.acks = append(w.acks, e.ack)
		return e.stop
	}
	if j.failErr != nil {
		return false
	}
	w.keys = binary.BigEndian.AppendUint64(w.keys, e.ev.Seq)
	w.vals = appendEvent(w.vals, &e.ev)
	w.ends = append(w.ends, len(w.vals))
	return false
}

// putBatch puts the batch in the events bucket. bbolt keeps the value slices
// until the transaction ends, which is why the records live in one arena
// that is reset only after the commit.
func (j *Journal) putBatch(tx *bolt.Tx) error {
	w := &j.w
	b := tx.Bucket(bucketEvents)
	// Keys only ever grow, so pages are filled rather than split in half.
	b.FillPercent = 1
	start := 0
	for i, end := range w.ends {
		if err := b.Put(w.keys[i*8:i*8+8], w.vals[start:end]); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// fail records the first write failure, which ends all writing, and reports
// it once through Options.OnError.
func (j *Journal) fail(cause error) {
	w := &j.w
	first := binary.BigEndian.Uint64(w.keys)
	last := binary.BigEndian.Uint64(w.keys[len(w.keys)-8:])
	j.failErr = fmt.Errorf("journal: write events %d-%d to %s: %w: %w", first, last, j.path, ErrFailed, cause)
	j.state.Or(stateFailed)
	j.log.Error("journal write failed; nothing more will be written",
		"first_seq", first, "last_seq", last, "err", cause)
	if j.opts.OnError != nil {
		j.opts.OnError(j.failErr)
	}
}

package store

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// writer is the state of the writer goroutine, which does group commit: it
// takes one entry from the queue, drains whatever else is already queued (up
// to Options.MaxBatch events), writes the events in one bbolt transaction
// (one fsync for all of them) and then answers the barriers it collected.
// Its buffers are reused from batch to batch, so encoding allocates nothing
// once they have grown to the largest batch.
//
// When a commit fails the batch stays in the buffers, the journal is down,
// and the writer keeps taking events from the queue into the same batch, so
// nothing the engine appended is dropped and the engine never blocks on a
// dead disk. It retries the whole batch after Options.RetryInterval, doubling
// the wait up to 16 times that, until a commit succeeds.
type writer struct {
	keys []byte       // 8 bytes an event: its seq, big endian, so keys sort in seq order
	vals []byte       // the batch's records, back to back
	ends []int        // ends[i] is where event i's record ends in vals
	acks []chan error // barriers to answer after the commit

	// from and to delimit the events of the transaction being written:
	// a batch that grew past MaxBatch while the journal was down is
	// retried MaxBatch events a transaction, so a disk with a little room
	// back takes what it can.
	from, to int

	retry   *time.Timer   // armed while the journal is down
	backoff time.Duration // the wait before the next retry

	// commit is j.putBatch bound once, so a transaction does not allocate a
	// closure.
	commit func(*bolt.Tx) error
}

func (w *writer) init(j *Journal) {
	w.commit = j.putBatch
	w.ends = make([]int, 0, j.opts.MaxBatch)
	w.retry = time.NewTimer(time.Hour)
	w.retry.Stop()
}

// run is the writer goroutine. It exits after answering a stop barrier.
func (j *Journal) run() {
	defer close(j.done)
	w := &j.w
	var e entry
	for {
		down := j.failing()
		retryDue := false
		stop := false
		if down {
			select {
			case e = <-j.queue:
				stop = j.take(&e)
			case <-w.retry.C:
				retryDue = true
			}
		} else {
			e = <-j.queue
			stop = j.take(&e)
		}
	drain:
		// While down the batch holds everything not yet durable, so it
		// grows past MaxBatch rather than leave events in the queue, where
		// they would block the engine.
		for !stop && (down || len(w.ends) < j.opts.MaxBatch) {
			select {
			case e = <-j.queue:
				stop = j.take(&e)
			default:
				break drain
			}
		}
		// A stop barrier gets one last try even before the retry is due:
		// Close must not lose what a recovered disk would take.
		if len(w.ends) > 0 && (!down || retryDue || stop) {
			j.commitBatch()
		}
		var ackErr error
		if len(w.ends) > 0 {
			ackErr = j.downErr()
		}
		for i, ack := range w.acks {
			ack <- ackErr // buffered, never blocks
			w.acks[i] = nil
		}
		w.acks = w.acks[:0]
		if stop {
			return
		}
	}
}

// commitBatch writes the batch in one transaction. On success it advances
// the durable sequence and resets the buffers; on failure it keeps them for
// the retry and marks the journal down.
func (j *Journal) commitBatch() {
	w := &j.w
	for w.from < len(w.ends) {
		w.to = min(w.from+j.opts.MaxBatch, len(w.ends))
		start := time.Now()
		if err := j.db.Update(w.commit); err != nil {
			j.fail(err)
			return
		}
		if j.opts.OnCommit != nil {
			j.opts.OnCommit(time.Since(start), w.to-w.from)
		}
		j.markDurable(binary.BigEndian.Uint64(w.keys[w.to*8-8:]))
		w.from = w.to
	}
	last := binary.BigEndian.Uint64(w.keys[len(w.keys)-8:])
	w.keys, w.vals, w.ends, w.from, w.to = w.keys[:0], w.vals[:0], w.ends[:0], 0, 0
	if j.failing() {
		j.recover(last)
	}
}

// take adds e to the batch and reports whether it is a stop barrier.
func (j *Journal) take(e *entry) (stop bool) {
	w := &j.w
	if e.ack != nil {
		w.acks = append(w.acks, e.ack)
		return e.stop
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
	if j.opts.FailCommit != nil {
		if err := j.opts.FailCommit(); err != nil {
			return err // rolls the transaction back, as a failed write does
		}
	}
	w := &j.w
	b := tx.Bucket(bucketEvents)
	// Keys only ever grow, so pages are filled rather than split in half.
	b.FillPercent = 1
	start := 0
	if w.from > 0 {
		start = w.ends[w.from-1]
	}
	for i := w.from; i < w.to; i++ {
		end := w.ends[i]
		if err := b.Put(w.keys[i*8:i*8+8], w.vals[start:end]); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// fail records a failed commit: the journal goes down (reported once per
// outage through Options.OnError), and a retry is armed.
func (j *Journal) fail(cause error) {
	w := &j.w
	first := binary.BigEndian.Uint64(w.keys[w.from*8:])
	last := binary.BigEndian.Uint64(w.keys[w.to*8-8:])
	err := fmt.Errorf("journal: write events %d-%d to %s: %w: %w", first, last, j.path, ErrFailed, cause)
	wasDown := j.failing()
	j.setDown(err)
	if w.backoff == 0 {
		w.backoff = j.opts.RetryInterval
	} else if w.backoff < 16*j.opts.RetryInterval {
		w.backoff *= 2
	}
	w.retry.Reset(w.backoff)
	if wasDown {
		j.log.Debug("journal retry failed", "first_seq", first, "last_seq", last, "next_retry", w.backoff, "err", cause)
		return
	}
	j.log.Error("journal write failed; events are kept in memory and retried",
		"first_seq", first, "last_seq", last, "retry", w.backoff, "err", cause)
	if j.opts.OnError != nil {
		j.opts.OnError(err)
	}
}

// recover ends an outage after the commit of the batch ending at last.
func (j *Journal) recover(last uint64) {
	j.w.backoff = 0
	j.setUp()
	j.log.Warn("journal recovered: every pending event is durable", "last_seq", last)
	if j.opts.OnRecover != nil {
		j.opts.OnRecover()
	}
}

package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/desk-trading/desk/core/domain"
)

// Journal is the daemon's durable event log and its small metadata store.
// See the package documentation for which goroutine may call what.
type Journal struct {
	db   *bolt.DB
	path string
	opts Options
	log  *slog.Logger

	// queue carries events and barriers to the writer goroutine. It is
	// bounded by Options.QueueSize; a sender blocks while it is full. It is
	// never closed: Close sends a stop barrier instead, so a late Append can
	// never panic on a closed channel.
	queue chan entry
	done  chan struct{} // closed when the writer goroutine has exited

	// state holds the stateClosed and stateFailed bits. failErr is written
	// once, by the writer, before it sets stateFailed; others read it only
	// after seeing that bit.
	state   atomic.Uint32
	failErr error

	// Owned by the goroutine that calls Append.
	seq         uint64    // last sequence number assigned
	stallLogged time.Time // when a full queue was last logged

	lastSeq atomic.Uint64 // seq, for any goroutine

	w writer // owned by the writer goroutine

	closeOnce sync.Once
	closeErr  error

	// namesMu guards names and is held across the transaction that assigns
	// a new id, so one name never gets two. Lock order: namesMu, then
	// bbolt's own locks.
	namesMu sync.Mutex
	names   map[string]map[string]uint32 // kind -> name -> id, loaded per kind on first use
}

// entry is one element of the queue: an event, or a barrier when ack is set.
type entry struct {
	ev   domain.Event
	ack  chan error // a barrier: receives the outcome of every event queued before it
	stop bool       // a barrier after which the writer exits (Close)
}

// pageSize is the bbolt page size of a new file (an existing file keeps its
// own). Bigger than the usual 4 KiB because bbolt writes each page with its
// own pwrite: on the append-heavy journal 16 KiB pages cut the writer's
// syscalls by four and raise durable throughput by about half, for at most
// a few more KiB written per commit.
const pageSize = 16 << 10

const (
	stateClosed uint32 = 1 << iota
	stateFailed
)

// Open opens or creates the journal at path (mode 0600; the directory must
// exist) and starts its writer goroutine. It fails with an error wrapping
// ErrLocked when another process holds the file for longer than
// opts.Timeout, with ErrLayout when the file comes from an incompatible
// version of desk, and with bbolt's error when the file is not a bbolt
// database. The caller must Close the Journal.
func Open(path string, opts Options) (*Journal, error) {
	opts = opts.withDefaults()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, PageSize: pageSize})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("journal: open %s: %w (lock not acquired within %s)", path, ErrLocked, opts.Timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	j := &Journal{
		db:    db,
		path:  path,
		opts:  opts,
		log:   opts.Logger.With("journal", path),
		queue: make(chan entry, opts.QueueSize),
		done:  make(chan struct{}),
		names: make(map[string]map[string]uint32),
	}
	if err := db.Update(initLayout); err != nil {
		db.Close()
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketEvents).Cursor().Last()
		if k == nil {
			return nil
		}
		if len(k) != 8 {
			return fmt.Errorf("last event key %x: %w", k, ErrCorrupt)
		}
		j.seq = binary.BigEndian.Uint64(k)
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	j.lastSeq.Store(j.seq)
	j.w.init(j)
	go j.run()
	j.log.Info("journal open", "last_seq", j.seq)
	return j, nil
}

// Append assigns ev the next sequence number (setting ev.Seq) and queues a
// copy of ev for the writer; ev may be reused as soon as Append returns.
// The event is durable only after a later Flush or Close succeeds. Append
// does not allocate and does no I/O; it blocks only while the queue is full.
//
// Append must be called from one goroutine at a time (the engine's). It
// fails with ErrInvalidEvent for an unknown ev.Kind, with ErrClosed after
// Close, and, once a write has failed, with an error wrapping ErrFailed and
// the cause.
func (j *Journal) Append(ev *domain.Event) error {
	if s := j.state.Load(); s != 0 {
		return j.stateErr("append", s)
	}
	if !validKind(ev.Kind) {
		return fmt.Errorf("journal: append: kind %d: %w", ev.Kind, ErrInvalidEvent)
	}
	j.seq++
	ev.Seq = j.seq
	j.lastSeq.Store(j.seq)
	select {
	case j.queue <- entry{ev: *ev}:
		return nil
	default:
		return j.appendFull(ev)
	}
}

// appendFull waits for room in the queue: the writer is behind the engine,
// because the disk is slow or the engine is producing faster than it can
// commit.
func (j *Journal) appendFull(ev *domain.Event) error {
	start := time.Now()
	select {
	case j.queue <- entry{ev: *ev}:
	case <-j.done:
		return fmt.Errorf("journal: append: %w", ErrClosed)
	}
	if now := time.Now(); now.Sub(j.stallLogged) >= time.Second {
		j.stallLogged = now
		j.log.Warn("journal queue full: append waited for the disk",
			"seq", ev.Seq, "waited", now.Sub(start), "queue", cap(j.queue))
	}
	return nil
}

// Flush waits until every event appended before the call is durable, or ctx
// is done. It may be called from any goroutine. It fails with ErrClosed
// after Close, with an error wrapping ErrFailed once a write has failed,
// and with ctx's error.
func (j *Journal) Flush(ctx context.Context) error {
	if s := j.state.Load(); s != 0 {
		return j.stateErr("flush", s)
	}
	ack := make(chan error, 1)
	select {
	case j.queue <- entry{ack: ack}:
	case <-j.done:
		return fmt.Errorf("journal: flush: %w", ErrClosed)
	case <-ctx.Done():
		return fmt.Errorf("journal: flush: %w", ctx.Err())
	}
	select {
	case err := <-ack:
		return err
	case <-ctx.Done():
		return fmt.Errorf("journal: flush: %w", ctx.Err())
	case <-j.done:
		// The writer answers a barrier before it exits.
		select {
		case err := <-ack:
			return err
		default:
			return fmt.Errorf("journal: flush: %w", ErrClosed)
		}
	}
}

// Close writes every queued event, stops the writer and closes the file,
// releasing its lock. Call it after the last Append. It returns an error
// wrapping ErrFailed if a write has failed (events queued since then are
// lost). Close blocks until the queue is written; it may be called more than
// once and from any goroutine, and always returns the first call's result.
func (j *Journal) Close() error {
	j.closeOnce.Do(func() {
		j.state.Or(stateClosed)
		ack := make(chan error, 1)
		j.queue <- entry{ack: ack, stop: true} // the writer drains until it sees this
		flushErr := <-ack
		<-j.done
		var dbErr error
		if err := j.db.Close(); err != nil {
			dbErr = fmt.Errorf("journal: close %s: %w", j.path, err)
		}
		j.closeErr = errors.Join(flushErr, dbErr)
		if j.closeErr != nil {
			j.log.Error("journal closed with error", "last_seq", j.lastSeq.Load(), "err", j.closeErr)
		} else {
			j.log.Info("journal closed", "last_seq", j.lastSeq.Load())
		}
	})
	return j.closeErr
}

// Replay calls fn for every journaled event in sequence order and stops at
// the first error, which it returns wrapped with the event's sequence
// number. A record that cannot be decoded fails with ErrCorrupt.
//
// The *Event passed to fn is reused for the next call: copy the struct to
// keep it (its strings may be kept as they are). Call Replay before the
// first Append: it reads in one read transaction, and fn must not call
// Append, Flush or Close, which could wait for a writer that waits for the
// read to end.
func (j *Journal) Replay(fn func(ev *domain.Event) error) error {
	if j.state.Load()&stateClosed != 0 {
		return fmt.Errorf("journal: replay: %w", ErrClosed)
	}
	var ev domain.Event
	return j.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) != 8 {
				return fmt.Errorf("journal: replay: key %x: %w", k, ErrCorrupt)
			}
			seq := binary.BigEndian.Uint64(k)
			if err := decodeEvent(v, &ev); err != nil {
				return fmt.Errorf("journal: replay event %d: %w", seq, err)
			}
			if ev.Seq != seq {
				return fmt.Errorf("journal: replay event %d: record says seq %d: %w", seq, ev.Seq, ErrCorrupt)
			}
			if err := fn(&ev); err != nil {
				return fmt.Errorf("journal: replay event %d: %w", seq, err)
			}
		}
		return nil
	})
}

// LastSeq returns the sequence number of the last event appended, or, before
// the first Append, of the last event in the file (0 for an empty journal).
// It may be called from any goroutine.
func (j *Journal) LastSeq() uint64 { return j.lastSeq.Load() }

// stateErr is the error of operation op on a journal in state s (non-zero).
// It allocates only for a closed journal, never for a failed one.
func (j *Journal) stateErr(op string, s uint32) error {
	if s&stateClosed != 0 {
		return fmt.Errorf("journal: %s: %w", op, ErrClosed)
	}
	return j.failErr
}

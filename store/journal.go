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

	// state holds the stateClosed and stateDown bits. downCause is the
	// error of the last failed commit while stateDown is set; both are
	// written by the writer only.
	state     atomic.Uint32
	downCause atomic.Pointer[error]

	// durable is the sequence number of the last event known durable, and
	// durableCh is closed (and replaced) whenever it advances or the
	// journal goes down, waking WaitDurable. Both are written by the writer
	// only.
	durable   atomic.Uint64
	durableCh atomic.Pointer[chan struct{}]

	// prevClean reports whether the previous run closed the journal with
	// every event durable; set by Open.
	prevClean bool

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
	stateDown
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
	err = db.Update(func(tx *bolt.Tx) error {
		if err := initLayout(tx); err != nil {
			return err
		}
		// Until Close says otherwise, this run has not ended cleanly.
		meta := tx.Bucket(bucketMeta)
		v := meta.Get(keyClean)
		j.prevClean = v == nil || (len(v) == 1 && v[0] == 1)
		return meta.Put(keyClean, []byte{0})
	})
	if err != nil {
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
	j.durable.Store(j.seq)
	ch := make(chan struct{})
	j.durableCh.Store(&ch)
	j.w.init(j)
	go j.run()
	j.log.Info("journal open", "last_seq", j.seq, "previous_run_clean", j.prevClean)
	return j, nil
}

// Append assigns ev the next sequence number (setting ev.Seq) and queues a
// copy of ev for the writer; ev may be reused as soon as Append returns.
// The event is durable once Durable reaches ev.Seq (WaitDurable, Flush).
// Append does not allocate and does no I/O; it blocks only while the queue
// is full. While the journal is down (see Health) Append still takes
// events: the writer keeps them in memory and retries, so nothing appended
// is dropped.
//
// Append must be called from one goroutine at a time (the engine's). It
// fails with ErrInvalidEvent for an unknown ev.Kind and with ErrClosed after
// Close.
func (j *Journal) Append(ev *domain.Event) error {
	if s := j.state.Load(); s&stateClosed != 0 {
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
// after Close, with ctx's error, and, while the journal is down, at once
// with an error wrapping ErrFailed and the cause: the events stay queued
// for the writer's retries.
func (j *Journal) Flush(ctx context.Context) error {
	if s := j.state.Load(); s&stateClosed != 0 {
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
// releasing its lock. Call it after the last Append. While the journal is
// down it tries the pending events once more; if that fails too they are
// lost, Close returns an error wrapping ErrFailed that says how many, and
// the next Open reports that this run did not end cleanly
// (PreviousRunClean). Close blocks until the queue is written; it may be
// called more than once and from any goroutine, and always returns the first
// call's result.
func (j *Journal) Close() error {
	j.closeOnce.Do(func() {
		j.state.Or(stateClosed)
		ack := make(chan error, 1)
		j.queue <- entry{ack: ack, stop: true} // the writer drains until it sees this
		flushErr := <-ack
		<-j.done
		if flushErr != nil {
			flushErr = fmt.Errorf("%w (%d events lost)", flushErr, j.lastSeq.Load()-j.durable.Load())
		} else if err := j.db.Update(markClean); err != nil {
			flushErr = fmt.Errorf("journal: close %s: mark clean: %w", j.path, err)
		}
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
func (j *Journal) stateErr(op string, s uint32) error {
	if s&stateClosed != 0 {
		return fmt.Errorf("journal: %s: %w", op, ErrClosed)
	}
	return j.downErr()
}

// Durable returns the sequence number of the last event known to be
// durable: every event up to it has been committed and fsync'd. It may be
// called from any goroutine.
func (j *Journal) Durable() uint64 { return j.durable.Load() }

// WaitDurable waits until the event with sequence number seq (and so every
// event before it) is durable. It may be called from any goroutine, and
// costs the writer nothing: waiters share one notification per group
// commit. It fails at once, with an error wrapping ErrFailed and the cause,
// while the journal is down (the event is kept and retried, but a caller
// must not claim it durable), with ErrClosed once the journal is closed
// short of seq, and with ctx's error.
func (j *Journal) WaitDurable(ctx context.Context, seq uint64) error {
	for {
		// Load the channel before the sequence: the writer advances the
		// sequence before it closes the channel, so no advance is missed.
		ch := *j.durableCh.Load()
		if j.durable.Load() >= seq {
			return nil
		}
		if s := j.state.Load(); s&stateClosed != 0 {
			return j.stateErr("wait durable", s)
		} else if s&stateDown != 0 {
			if err := j.downErr(); err != nil {
				return err
			}
			// The journal came back between the two loads: look again,
			// since the batch that recovered may not hold seq.
			continue
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("journal: wait durable %d: %w", seq, ctx.Err())
		case <-j.done:
			if j.durable.Load() >= seq {
				return nil
			}
			return fmt.Errorf("journal: wait durable %d: %w", seq, ErrClosed)
		}
	}
}

// Health is the journal's state as an operator needs it.
type Health struct {
	// Down is set from a failed commit until a retry succeeds; events
	// appended meanwhile are held in memory.
	Down bool
	// Err is the last commit's error while Down, else nil.
	Err error
	// LastSeq is the last event appended, Durable the last one durable;
	// Pending, their difference, is what a crash now would lose.
	LastSeq, Durable, Pending uint64
}

// Health returns the journal's state. It may be called from any goroutine.
func (j *Journal) Health() Health {
	h := Health{LastSeq: j.lastSeq.Load(), Durable: j.durable.Load()}
	if h.LastSeq > h.Durable {
		h.Pending = h.LastSeq - h.Durable
	}
	if j.failing() {
		h.Down, h.Err = true, j.downErr()
	}
	return h
}

// PreviousRunClean reports whether the run before this Open closed the
// journal with every event durable. False means the process died (a crash,
// kill -9, power loss) or closed while the journal was down: events it had
// appended may be missing, and the venues must say what they hold before
// anything trades. A new file counts as clean.
func (j *Journal) PreviousRunClean() bool { return j.prevClean }

// failing reports whether the journal is down.
func (j *Journal) failing() bool { return j.state.Load()&stateDown != 0 }

// downErr returns the error of the failed commit while the journal is
// down, else nil.
func (j *Journal) downErr() error {
	if p := j.downCause.Load(); p != nil && j.failing() {
		return *p
	}
	return nil
}

// setDown marks the journal down with err and wakes WaitDurable, which
// then fails. Writer only.
func (j *Journal) setDown(err error) {
	j.downCause.Store(&err)
	j.state.Or(stateDown)
	j.wakeDurable()
}

// setUp ends an outage. Writer only.
func (j *Journal) setUp() {
	j.state.And(^stateDown)
	j.downCause.Store(nil)
}

// markDurable advances the durable sequence to seq and wakes WaitDurable.
// Writer only.
func (j *Journal) markDurable(seq uint64) {
	j.durable.Store(seq)
	j.wakeDurable()
}

func (j *Journal) wakeDurable() {
	ch := make(chan struct{})
	old := j.durableCh.Swap(&ch)
	close(*old)
}

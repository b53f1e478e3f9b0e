package store

import (
	"log/slog"
	"time"
)

// Defaults for the zero fields of Options.
const (
	DefaultTimeout   = time.Second
	DefaultQueueSize = 65536
	DefaultMaxBatch  = 4096
	// DefaultRetryInterval is the first wait before a failed commit is
	// retried.
	DefaultRetryInterval = 100 * time.Millisecond
)

// Options configure Open. The zero value is a working configuration.
type Options struct {
	// Timeout is how long Open waits for the exclusive lock on the file
	// before failing with ErrLocked. Zero (or negative) means DefaultTimeout
	// (1s): a running daemon holds the lock for its whole life, so waiting
	// longer rarely helps.
	Timeout time.Duration

	// QueueSize is how many appended events may wait for the writer. Append
	// blocks while the queue is full. The queue is allocated up front at
	// about 400 bytes an event. Zero means DefaultQueueSize (65536, about
	// 26 MB).
	QueueSize int

	// MaxBatch is the most events written in one transaction (one group
	// commit). Zero means DefaultMaxBatch (4096).
	MaxBatch int

	// OnError is called from the writer goroutine when a commit fails and
	// the journal goes down, once per outage, with an error wrapping
	// ErrFailed and the cause. Until a retry succeeds, Flush and
	// WaitDurable fail with that error and appended events wait in memory.
	// It must not block, nor call Flush or Close, which wait for the
	// writer. Post the error to the engine instead. Nil means no callback
	// (the failure is still logged and visible in Health).
	OnError func(error)

	// OnRecover is called from the writer goroutine when a retry commits
	// every pending event and the outage ends. The same rules as OnError
	// apply. Nil means no callback.
	OnRecover func()

	// RetryInterval is the first wait before a failed commit is retried;
	// each failure doubles it, up to 16 times this. Zero means
	// DefaultRetryInterval (100ms).
	RetryInterval time.Duration

	// OnCommit, when set, is called from the writer goroutine after each
	// group commit that made events durable, with how long the
	// transaction (its writes and fsync) took and how many events it
	// held: for monitoring. It must not block.
	OnCommit func(took time.Duration, events int)

	// FailCommit, when set, is called inside every group commit's
	// transaction before it writes; an error it returns fails the commit
	// as a disk error would (the transaction rolls back). It is a test
	// hook for disk faults; production leaves it nil.
	FailCommit func() error

	// Logger receives the journal's few log lines: open, a full queue, a
	// write failure, close. Nil means discard.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.RetryInterval <= 0 {
		o.RetryInterval = DefaultRetryInterval
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

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

	// OnError is called once, from the writer goroutine, with the first write
	// failure; afterwards Append, Flush and Close return ErrFailed. It must
	// not block, nor call Flush or Close, which wait for the writer: the
	// engine may be waiting in Append for the writer to drain the queue.
	// Post the error to the engine instead. Nil means no callback (the
	// failure is still logged and returned by Append).
	OnError func(error)

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
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Package store is the daemon's durable state: an append-only journal of
// domain events with group commit, plus the few counters and names that must
// survive a restart. It is the only package that touches bbolt.
//
// # Basics
//
// Open takes the state file's exclusive lock (a second daemon on the same
// state fails fast with ErrLocked) and starts one writer goroutine. At
// startup the daemon calls NextEpoch, Intern for its configured names, and
// Replay to rebuild its state; then the engine calls Append for every order
// change, fill, denial and audit record. Append gives the event the next
// sequence number and queues a copy; the writer takes whatever is queued, up
// to Options.MaxBatch events, and commits it in one bbolt transaction, so
// one fsync makes a whole batch durable (group commit).
//
// # What is durable when
//
// An event is durable once Durable reaches its sequence number. Append
// never waits for that: the engine appends and goes on. A caller that must
// not claim an effect before it would survive a crash (the reply to an
// operator's halt, say) waits with WaitDurable for the sequence of its
// record; waiters cost the writer nothing, one notification a group commit.
// Flush waits until everything appended before it is durable; Close flushes
// and releases the file, and records that the run ended cleanly, which the
// next Open reports through PreviousRunClean.
//
// A failed commit (a full disk, an I/O error) takes the journal down: the
// writer reports it once through Options.OnError (the engine halts
// trading), keeps the failed batch and everything appended after it in
// memory, and retries with backoff until a commit succeeds
// (Options.OnRecover). Nothing appended is dropped, and Append does not
// block on a dead disk. While down, Flush and WaitDurable fail at once with
// an error wrapping ErrFailed, and Health says how many events are pending.
// The file itself stays consistent, since bbolt commits atomically; it ends
// with the last batch that committed. If the process dies or closes while
// down, the pending events are lost and the next Open reports the run as
// unclean.
//
// # Layout
//
// The file holds three top-level buckets:
//
//	events           seq (8 bytes, big endian) -> one event (see codec.go)
//	meta             "layout" -> layout version (u32 big endian, 2)
//	                 "epoch"  -> daemon epoch counter (u32 big endian)
//	                 "clean"  -> 1 when the last run closed with every
//	                             event durable, 0 while a run is open
//	names/<kind>     name -> id (u32 big endian), one sub-bucket per kind
//	                 ("strategy", "venue", "instrument"); the sub-bucket's
//	                 sequence counts the ids assigned
//
// Sequence numbers start at 1 and continue across restarts from the last
// event in the file. Events that were queued but not yet committed when the
// process died are lost, and their numbers are given again to new events.
//
// # Caveats
//
//   - Append must be called from one goroutine at a time (the engine's). It
//     never does I/O, and blocks only while the queue (Options.QueueSize) is
//     full, that is, while a working disk is slower than the engine. While
//     the journal is down, memory holds what the disk does not, without
//     bound: trading is halted then, so only reports and cancels arrive.
//   - Call Replay before the first Append. Its callback must not call
//     Append, Flush or Close, and must copy the *Event it is given to keep
//     it: the struct is reused.
//   - Flush and Close block until the disk has the queued events; Flush is
//     bounded by its context, Close is not.
//   - NextEpoch, and Intern of a new name, commit their own transaction, an
//     fsync that also waits for a group commit in progress: not for the
//     engine goroutine's hot path.
//   - Options.OnError and OnRecover run on the writer goroutine and must not
//     block.
//   - The journal grows without bound; there is no compaction yet.
package store

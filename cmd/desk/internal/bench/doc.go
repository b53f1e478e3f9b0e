// Package bench is `desk bench`, the capacity-planning tool: it runs the
// real daemon in-process (daemon.New and Run: the journal with fsync on a
// temporary state dir, the socket server, simulated venues with their
// synthetic order flow, the feed handlers, the engine with risk, OMS and
// router, and one goroutine per strategy) under a synthetic load, and
// reports what it sustained and at what latency, beside the floor: what a
// goroutine wake and a channel hop cost on the same machine in the same
// process.
//
//	desk bench --strategies N --instruments M --rate TICKS_PER_S --duration D
//	           [--orders-per-sec R] [--json] [--find-max [--p99-bound DUR]]
//	           [--cpuprofile FILE] [--trace FILE]
//
// # The load
//
// M instruments; sim venues whose flow publishes about TICKS_PER_S book
// updates a second in all. A venue publishes at most one book per listed
// instrument per flow tick, all in one burst, so the listings are spread
// over venues of about 10 instruments each (at most 8 venues, the most
// the router takes, and 25,000 books a second each), with flow intervals spread 5% either side
// of a mean chosen so the venues make the asked rate; their ticks drift
// apart, so books arrive in bursts of about M/8 (at least 10) rather than M. No interval
// goes below 1ms: past about M thousand books a second each instrument is
// listed on more venues. Client orders add books of their own, so the
// achieved rate is measured, never assumed. N strategies of kind LoadKind, each on 4 of
// the instruments (fewer when M < 4), together sending about R orders a
// second from their book callbacks: half post-only one tick outside the
// touch (they rest, and fill when the flow's takers reach them), half IOC
// at the touch (they trade); the oldest resting order is canceled once a
// strategy rests four in an instrument. No risk limit is configured, so
// none denies the load (every check still runs; denials are counted).
//
// # What is measured, and how
//
// The engine's latency window (daemon.Options.LatencyWindow) is set to D.
// The first window, which holds the start-up, is the warm-up; the figures
// are the second window's. The bench reads the status over the socket
// every 20ms in the last 300ms before a window is due to end, and every
// 100ms before that (reading a large status costs the machine what it
// measures); the status published when a window ends is the first whose
// latency[].recent changed. Counters (the books the venues' feed
// handlers passed to the engine, venues[].feed.books; the inbox stage's
// count, the books the engine applied after conflating those of an
// instrument queued behind one another; the firm's orders_sent and fills;
// the strategies' denials) are differenced between the two statuses that
// ended the warm-up and the measured window, over the engine clock's time
// between them (duration_s). Latency is latency[].recent of the second
// window: each stage's p50, p99, p99.9 and max as the engine's
// HdrHistograms give them (two significant digits). CPU is getrusage's
// user+sys between the moments the bench read those two statuses, over
// the wall time between them, in cores; RSS is VmRSS and VmHWM from
// /proc/self/status at the end, so they include the bench's own process.
//
// The status does not show the engine's queue depths: the backlog signals
// are the books the venues did not get out (a venue blocks on the
// engine's full book queue, so the achieved rate falls below the asked
// one), the share of books the engine conflated (found superseded in its
// queue), the inbox stage's latency (time a book waited in the engine's
// queue) and the journal's pending events, the one queue depth the status
// has. A run is "saturated" when it achieved less than 90% of the asked
// tick rate, the engine conflated more than 10% of the books, the journal held more than 8192 pending events at once, or
// the firm left the active state.
//
// The status has no figure of the journal's group commits. The bench
// sends an operator command every 100ms of the window (a resume of the
// already active firm, which changes nothing but is journaled and
// answered after its group commit) and reports its replies' commit_us
// (journal.commit: the durability wait left once the engine answered,
// which understates under load, when the commit often finished before the
// server read the answer) and its round trip as the client sees it
// (journal.command_roundtrip: socket, command queue, commit, reply).
//
// The floor is measured before the daemon starts: 10,000 wakes of a
// goroutine parked receiving on a channel (from just before the send to
// the receiver running) and 100,000 ping-pongs over two unbuffered
// channels.
//
// --cpuprofile FILE writes a CPU profile of the whole run, the floor and
// the warm-up included (go tool pprof). --trace FILE writes a runtime
// trace (runtime/trace; go tool trace) of the measured window only: it
// starts when the bench reads the status that ended the warm-up and stops
// when it reads the one that ended the window, so it is off by up to
// statusEvery (20ms) at either end. Tracing adds work to every goroutine
// switch: compare with an untraced run before trusting a small difference.
// It is refused with --find-max, whose several runs one trace cannot hold.
//
// --find-max starts at --rate, doubles it while a run passes (halves it
// while one fails), then bisects to within 10%; a run passes when it is
// not saturated and its p99 tick-to-order is under --p99-bound (1ms).
//
// # The JSON contract
//
// --json prints Result as one object; its keys name each figure and its
// unit (_ns nanoseconds, _s seconds, _per_sec a second, _bytes, _pct
// percent), and they are a contract:
//
//	strategies, instruments, venues    the load's shape
//	flow_interval_ns                   the venues' mean flow interval
//	flow_ticks_per_sec                 the book rate the venues' flow is set to make
//	asked_ticks_per_sec                --rate
//	asked_orders_per_sec               --orders-per-sec
//	warmup_s, duration_s               the warm-up (wall) and the measured window (engine clock)
//	ticks, orders, fills, denials      counted in the window (ticks: books the feed handlers passed to the engine)
//	ticks_applied                      books the engine applied, fewer than ticks when it conflated queued ones
//	ticks_per_sec, orders_per_sec, fills_per_sec
//	tick_to_order                      {count, p50_ns, p99_ns, p999_ns, max_ns}: book received -> venue submit
//	stages                             {"feed"|"inbox"|"strategy"|"risk"|"route"|"send"|"venue-ack"|"tick-to-order": {count, p50_ns, p99_ns, p999_ns, max_ns}}
//	journal                            {commit: {count, p50_ns, p99_ns, p999_ns, max_ns}, command_roundtrip: {...}, pending_max}
//	queues                             {journal_pending_max, conflated_pct, tick_shortfall_pct, inbox_p99_ns}
//	cpu_cores, cpu_user_s, cpu_sys_s   the process's CPU over the window
//	rss_bytes, rss_peak_bytes          VmRSS and VmHWM at the end
//	gomaxprocs
//	floor                              {wake_p50_ns, wake_p99_ns, wake_max_ns, wakes, chan_roundtrip_ns, chan_hop_ns, roundtrips}
//	saturated, why, firm_state         whether the load was sustained, and if not why
//	missing_stages                     stages the load exercises that the status had no figures for (absent when none)
//
// With --find-max the object is MaxResult: p99_bound_ns,
// max_ticks_per_sec (0 when no rate passed), steps (each
// {asked_ticks_per_sec, ticks_per_sec, p99_ns, pass, why}) and best, the
// passing run's Result (null when none passed).
package bench

package engine

import (
	"math/bits"
	"strconv"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/desk-trading/desk/core/domain"
)

// latencyMax is the largest latency recorded; longer ones count as it.
const latencyMax = int64(60e9)

// latency holds a histogram of every stage since the engine started, and
// of the last complete window (a tumbling window of Options.LatencyWindow),
// so that what the status shows as recent is recent. HdrHistogram records
// without allocating, at two significant digits.
type latency struct {
	h      [numStages]*hdrhistogram.Histogram // since trading started
	cur    [numStages]*hdrhistogram.Histogram // the window being filled
	last   [numStages]*hdrhistogram.Histogram // the last complete window
	window int64                              // its length, ns
	start  int64                              // when cur began, engine clock ns; 0 before the first sample
	// mcur and mlast are the same for a window of a minute.
	mcur, mlast [numStages]*hdrhistogram.Histogram
	mstart      int64
	// lastSum and mlastSum summarise last and mlast, worked out once
	// when each window ends rather than at every publication.
	lastSum, mlastSum [numStages]LatencyWindow
	// counts are every stage's samples since trading started in the
	// log-linear buckets of LatencyBucketUpper, for monitoring systems
	// that take cumulative counts (Prometheus); the status copies them.
	counts [numStages]LatencyCounts
	// since is when trading started (Run), on the clock of the stamps
	// (domain.Mono): samples that began before it (books the venues
	// published while desk reconciled, queued for the engine) are not
	// the hot path's and are left out.
	since int64
}

// minuteWindow is the length of the longer recent window.
const minuteWindow = int64(60e9)

func newLatency(window int64) *latency {
	l := &latency{window: window}
	for i := range l.h {
		l.h[i] = hdrhistogram.New(1, latencyMax, 2)
		l.cur[i] = hdrhistogram.New(1, latencyMax, 2)
		l.last[i] = hdrhistogram.New(1, latencyMax, 2)
		l.mcur[i] = hdrhistogram.New(1, latencyMax, 2)
		l.mlast[i] = hdrhistogram.New(1, latencyMax, 2)
	}
	return l
}

// record adds to-from to stage s when both stamps were taken, since
// trading started.
func (l *latency) record(s Stage, from, to int64) {
	if from == 0 || to == 0 || to < from || from < l.since {
		return
	}
	v := min(to-from, latencyMax)
	c := &l.counts[s]
	c.Buckets[tickBucket(v)]++
	c.Sum += v
	_ = l.h[s].RecordValue(v) // in range by construction
	_ = l.cur[s].RecordValue(v)
	_ = l.mcur[s].RecordValue(v)
}

// rotate ends the current window when it is due at engine time now: it
// becomes the last window, and a new one starts. A window with nothing
// recorded in it still ends, so an idle stage's recent figures go empty
// rather than stay stale. It reports whether a window ended, so the
// per-strategy figures (tickLatency) end theirs with it.
func (l *latency) rotate(now int64) bool {
	if l.start == 0 {
		l.start, l.mstart = now, now
		return false
	}
	if now-l.mstart >= minuteWindow {
		l.mstart = now
		l.mcur, l.mlast = l.mlast, l.mcur
		for i, h := range l.mcur {
			h.Reset()
			l.mlastSum[i] = summary(l.mlast[i])
		}
	}
	if now-l.start < l.window {
		return false
	}
	l.start = now
	l.cur, l.last = l.last, l.cur
	for i, h := range l.cur {
		h.Reset()
		l.lastSum[i] = summary(l.last[i])
	}
	return true
}

// order records the stages of an order that was just sent.
func (l *latency) order(st *domain.Stamps) {
	l.record(StageStrategy, st.Decoded, st.Decided)
	l.record(StageRisk, st.Decided, st.RiskPassed)
	l.record(StageRoute, st.RiskPassed, st.Routed)
	l.record(StageSend, st.Routed, st.Sent)
	l.record(StageTickToOrder, st.Received, st.Sent)
}

// Stage is one boundary-to-boundary leg of the hot path, measured from the
// domain.Stamps every event carries.
type Stage uint8

// The stages, in hot-path order.
const (
	StageFeed        Stage = iota // venue data received -> decoded by the feed handler
	StageInbox                    // decoded -> taken by the engine (queueing in the inbox)
	StageStrategy                 // book decoded -> the strategy decided (includes its mailbox)
	StageRisk                     // decided -> pre-trade risk passed (includes the intent queue)
	StageRoute                    // risk passed -> venue chosen
	StageSend                     // venue chosen -> handed to the venue connection
	StageAck                      // sent -> acknowledged by the venue
	StageTickToOrder              // venue data received -> order sent, end to end
	numStages
)

var stageNames = [numStages]string{"feed", "inbox", "strategy", "risk", "route", "send", "venue-ack", "tick-to-order"}

// String is the stage's name: feed, inbox, strategy, risk, route, send,
// venue-ack, tick-to-order.
func (s Stage) String() string {
	if s < numStages {
		return stageNames[s]
	}
	return "stage-" + strconv.Itoa(int(s))
}

// StageLatency is one stage's figures in nanoseconds: since the engine
// started, and over the last complete window (Recent; its Count is zero
// when nothing was recorded in it).
type StageLatency struct {
	Stage               Stage
	Count               int64
	P50, P99, P999, Max int64
	Recent              LatencyWindow
	// Minute is the last complete minute, as Recent.
	Minute LatencyWindow
}

// LatencyWindow summarises one window of a stage, in nanoseconds.
type LatencyWindow struct {
	Count               int64
	P50, P99, P999, Max int64
}

// appendSnapshot appends a summary of every stage that has samples to
// dst, in hot-path order. The complete windows' summaries were worked out
// when they ended; the since-start figures take one walk of each
// histogram for all four quantiles. The maximum is the 100th percentile,
// the same value as the histogram's Max found without walking every
// bucket (TestLatencyMaxIsQ100).
func (l *latency) appendSnapshot(dst []StageLatency) []StageLatency {
	for i, h := range l.h {
		if h.TotalCount() == 0 {
			continue
		}
		w := summary(h)
		dst = append(dst, StageLatency{Stage: Stage(i), Count: w.Count, P50: w.P50, P99: w.P99, P999: w.P999, Max: w.Max,
			Recent: l.lastSum[i], Minute: l.mlastSum[i]})
	}
	return dst
}

// summaryQuantiles are the percentiles a LatencyWindow holds, in its
// order; ValueAtPercentilesSlice finds them in one walk.
var summaryQuantiles = []float64{50, 99, 99.9, 100}

// summary is a window's figures; zero when nothing was recorded in it.
func summary(w *hdrhistogram.Histogram) LatencyWindow {
	if w.TotalCount() == 0 {
		return LatencyWindow{}
	}
	q := w.ValueAtPercentilesSlice(summaryQuantiles)
	return LatencyWindow{Count: w.TotalCount(), P50: q[0], P99: q[1], P999: q[2], Max: q[3]}
}

// tickBuckets is the size of a tickLatency histogram: values below 16 ns
// exactly, then eight buckets per power of two up to latencyMax.
const tickBuckets = 8 * 34

// tickLatency is one strategy's tick-to-order latency in the current
// latency window, and the p99 of the last complete one. It is a
// log-linear histogram of eight buckets per power of two (a value is
// known to within 1/8 of itself, an upper bound), about 1 KiB, so 500
// strategies cost half a megabyte where an HdrHistogram each would cost
// ten times that; recording is an index and an increment.
type tickLatency struct {
	n     [tickBuckets]uint32
	count uint32
	p99   int64 // of the last complete window; 0 when it had no sample
}

// record adds to-from when both stamps were taken.
func (t *tickLatency) record(from, to int64) {
	if from == 0 || to == 0 || to < from {
		return
	}
	t.n[tickBucket(min(to-from, latencyMax))]++
	t.count++
}

// rotate ends the window: its p99 becomes the last window's, and the
// histogram starts afresh.
func (t *tickLatency) rotate() {
	t.p99 = 0
	if t.count == 0 {
		return
	}
	need := (uint64(t.count)*99 + 99) / 100 // ceil(count * 0.99)
	var seen uint64
	for b := range t.n {
		seen += uint64(t.n[b])
		if seen >= need {
			t.p99 = tickUpper(b)
			break
		}
	}
	t.n, t.count = [tickBuckets]uint32{}, 0
}

// tickBucket is v's bucket: v itself below 16, else eight per power of
// two.
func tickBucket(v int64) int {
	if v < 16 {
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - 4 // v>>shift is in [8, 16)
	return shift*8 + int(v>>shift)
}

// tickUpper is the largest value of bucket b.
// LatencyCounts are one stage's samples since trading started: how many
// fell in each bucket (bucket b holds values up to LatencyBucketUpper(b)
// ns and above the bucket before), and their sum in ns.
type LatencyCounts struct {
	Buckets [LatencyBuckets]uint64
	Sum     int64
}

// LatencyBuckets is the number of buckets of LatencyCounts: eight per
// power of two, up to past latencyMax.
const LatencyBuckets = tickBuckets

// LatencyBucketUpper is the largest value, in ns, bucket b of
// LatencyCounts holds: b itself below 16, then eight buckets per power of
// two, so bucket 8k+7 ends at 2^(k+1)-1 ns.
func LatencyBucketUpper(b int) int64 { return tickUpper(b) }

func tickUpper(b int) int64 {
	if b < 16 {
		return int64(b)
	}
	shift := b/8 - 1
	mant := int64(b%8 + 8)
	return (mant+1)<<shift - 1
}

// rotateTicks ends every strategy's tick-to-order window with the
// engine's.
func (e *Engine) rotateTicks() {
	for _, st := range e.strats {
		if st != nil {
			st.tick.rotate()
		}
	}
}

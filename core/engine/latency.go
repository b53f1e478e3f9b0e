package engine

import (
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
	h      [numStages]*hdrhistogram.Histogram // since start
	cur    [numStages]*hdrhistogram.Histogram // the window being filled
	last   [numStages]*hdrhistogram.Histogram // the last complete window
	window int64                              // its length, ns
	start  int64                              // when cur began, engine clock ns; 0 before the first sample
}

func newLatency(window int64) *latency {
	l := &latency{window: window}
	for i := range l.h {
		l.h[i] = hdrhistogram.New(1, latencyMax, 2)
		l.cur[i] = hdrhistogram.New(1, latencyMax, 2)
		l.last[i] = hdrhistogram.New(1, latencyMax, 2)
	}
	return l
}

// record adds to-from to stage s when both stamps were taken.
func (l *latency) record(s Stage, from, to int64) {
	if from == 0 || to == 0 || to < from {
		return
	}
	v := min(to-from, latencyMax)
	_ = l.h[s].RecordValue(v) // in range by construction
	_ = l.cur[s].RecordValue(v)
}

// rotate ends the current window when it is due at engine time now: it
// becomes the last window, and a new one starts. A window with nothing
// recorded in it still ends, so an idle stage's recent figures go empty
// rather than stay stale.
func (l *latency) rotate(now int64) {
	if l.start == 0 {
		l.start = now
		return
	}
	if now-l.start < l.window {
		return
	}
	l.start = now
	l.cur, l.last = l.last, l.cur
	for _, h := range l.cur {
		h.Reset()
	}
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
	Stage         Stage
	Count         int64
	P50, P99, Max int64
	Recent        LatencyWindow
}

// LatencyWindow summarises one window of a stage, in nanoseconds.
type LatencyWindow struct {
	Count               int64
	P50, P99, P999, Max int64
}

// snapshot summarises every stage that has samples, in hot-path order.
// The maximum is taken as the 100th percentile, which is the same value
// as the histogram's Max but found without walking every bucket
// (TestLatencyMaxIsQ100).
func (l *latency) snapshot() []StageLatency {
	n := 0
	for _, h := range l.h {
		if h.TotalCount() > 0 {
			n++
		}
	}
	out := make([]StageLatency, 0, n)
	for i, h := range l.h {
		if h.TotalCount() == 0 {
			continue
		}
		sl := StageLatency{
			Stage: Stage(i), Count: h.TotalCount(),
			P50: h.ValueAtQuantile(50), P99: h.ValueAtQuantile(99), Max: h.ValueAtQuantile(100),
		}
		if w := l.last[i]; w.TotalCount() > 0 {
			sl.Recent = LatencyWindow{
				Count: w.TotalCount(),
				P50:   w.ValueAtQuantile(50), P99: w.ValueAtQuantile(99), P999: w.ValueAtQuantile(99.9), Max: w.ValueAtQuantile(100),
			}
		}
		out = append(out, sl)
	}
	return out
}

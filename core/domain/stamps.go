package domain

import "time"

// Stamps are monotonic timestamps taken at each stage boundary of the hot
// path, in nanoseconds since the process started (see Mono). Zero means the
// stage was not reached. They let latency per stage be measured on live
// traffic.
type Stamps struct {
	Received   int64 // bytes or event arrived from the venue
	Decoded    int64 // decoded and normalised
	Decided    int64 // a strategy decided to act on it
	RiskPassed int64 // pre-trade risk passed
	Routed     int64 // a venue was chosen
	Sent       int64 // handed to the venue connection
	Acked      int64 // the venue acknowledged
	Filled     int64 // the first fill arrived
}

// processStart anchors Mono; it is set once when the package loads and never
// written again.
var processStart = time.Now()

// Mono returns the monotonic nanoseconds since the process started.
func Mono() int64 { return int64(time.Since(processStart)) }

// MonoTime returns the wall-clock time of the Mono reading m: the process
// start plus m nanoseconds. It turns Stamps into times for tools outside
// the hot path, such as tracing; the result carries the process start's
// monotonic reading, so differences between MonoTime values are exact.
func MonoTime(m int64) time.Time { return processStart.Add(time.Duration(m)) }

//go:build race

package daemon_test

// raceDetector is set when the tests run under -race, which slows
// instrumented code five to ten times: latency figures mean nothing then.
const raceDetector = true

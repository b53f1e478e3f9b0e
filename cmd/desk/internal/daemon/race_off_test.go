//go:build !race

package daemon_test

// raceDetector is set when the tests run under -race.
const raceDetector = false

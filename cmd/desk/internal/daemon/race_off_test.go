//go:build !race

package daemon

// raceDetector is set when the tests run under -race.
const raceDetector = false

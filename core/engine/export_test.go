package engine

import "testing"

// Scenario builds the rendering scenario (scenario_test.go) for the
// external tests of this package, which render it with core/wire: that
// package imports engine, so only a test outside package engine may use
// it.
func Scenario(t testing.TB) (e *Engine, alerts []Alert, results []any) {
	s := newScenario(t)
	return s.eng, s.alerts, s.results
}

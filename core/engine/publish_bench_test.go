package engine

import "testing"

// BenchmarkPublish measures one status publication on the engine
// goroutine, for the varied state of the rendering scenario (three
// strategies in two books, three positions, tripped breakers, latency).
func BenchmarkPublish(b *testing.B) {
	s := newScenario(b)
	b.ReportAllocs()
	for b.Loop() {
		s.eng.publish()
	}
}

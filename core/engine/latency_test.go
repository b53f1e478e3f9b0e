package engine

import "testing"

// TestLatencyRecentWindow checks that the recent figures are those of the
// last complete window only.
func TestLatencyRecentWindow(t *testing.T) {
	const w = int64(1e9)
	l := newLatency(w)
	l.rotate(1) // the first window starts
	l.record(stageInbox, 10, 1_010)
	if got := l.wire(); len(got) != 1 || got[0].Recent != nil {
		t.Fatalf("before the first window ends: %+v, want since-start only", got)
	}
	l.rotate(1 + w/2)
	if got := l.wire(); got[0].Recent != nil {
		t.Fatalf("rotated before the window was due: %+v", got[0].Recent)
	}
	l.rotate(1 + w)
	l.record(stageInbox, 10, 5_010) // in the next window
	got := l.wire()[0]
	if got.Count != 2 || got.Recent == nil || got.Recent.Count != 1 || got.Recent.Max < 990 || got.Recent.Max > 1_010 || got.Recent.WindowMS != 1000 {
		t.Fatalf("after the first window: %+v recent %+v; want 2 since start, 1 recent of 1000ns", got, got.Recent)
	}
	l.rotate(1 + 2*w)
	if r := l.wire()[0].Recent; r == nil || r.Count != 1 || r.Max < 4_990 {
		t.Fatalf("after the second window: %+v, want the 5000ns sample alone", r)
	}
	l.rotate(1 + 3*w) // an empty window
	if r := l.wire()[0].Recent; r != nil {
		t.Fatalf("after an empty window: %+v, want none", r)
	}
}

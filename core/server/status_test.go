//go:build unix

package server

import (
	"sync"
	"testing"

	"github.com/desk-trading/desk/core/protocol"
)

// TestStatusEncodedOncePerSnapshot: writers asking for the same snapshot
// at once share one encoding; a new snapshot is encoded anew.
func TestStatusEncodedOncePerSnapshot(t *testing.T) {
	s, err := New(Options{Path: "/unused", Backend: newFakeBackend()})
	if err != nil {
		t.Fatal(err)
	}
	st := benchStatus(0)
	const writers = 10
	frames := make([][]byte, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			data, err := s.statusMessage(st)
			if err != nil {
				t.Error(err)
			}
			frames[i] = data
		})
	}
	wg.Wait()
	for i := range frames {
		if len(frames[i]) == 0 || &frames[i][0] != &frames[0][0] {
			t.Fatalf("writer %d got an encoding of its own", i)
		}
	}
	next, err := s.statusMessage(&protocol.Status{Time: "t1"})
	if err != nil || &next[0] == &frames[0][0] {
		t.Fatalf("a new snapshot was not encoded anew (%v)", err)
	}
}

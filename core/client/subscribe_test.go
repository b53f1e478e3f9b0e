package client

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/protocol"
)

func status(n int) protocol.Envelope {
	return protocol.Envelope{Type: protocol.TypeStatus, Status: &protocol.Status{Time: strconv.Itoa(n)}}
}

func alert(n int) protocol.Envelope {
	return protocol.Envelope{Type: protocol.TypeAlert, Alert: &protocol.Alert{Message: strconv.Itoa(n)}}
}

// drain reads s until it closes.
func drain(t *testing.T, s *subscription) []protocol.Envelope {
	t.Helper()
	var got []protocol.Envelope
	timeout := time.After(5 * time.Second)
	for {
		select {
		case env, ok := <-s.out:
			if !ok {
				return got
			}
			got = append(got, env)
		case <-timeout:
			t.Fatal("subscription not closed")
		}
	}
}

func TestSubscriptionConflatesStatus(t *testing.T) {
	s := newSubscription()
	// Queue everything before pump runs: a reader that lags behind it all.
	for i := range 100 {
		s.push(status(i))
	}
	s.push(alert(1))
	s.push(alert(2))
	s.end()
	go s.pump()
	got := drain(t, s)
	if len(got) != 3 || got[0].Alert.Message != "1" || got[1].Alert.Message != "2" || got[2].Status.Time != "99" {
		t.Fatalf("got %+v, want alerts 1 and 2, then status 99 only", got)
	}
}

func TestSubscriptionBoundsAlerts(t *testing.T) {
	s := newSubscription()
	const extra = 10
	for i := range alertQueueLen + extra {
		s.push(alert(i))
	}
	s.end()
	go s.pump()
	got := drain(t, s)
	if len(got) != alertQueueLen+1 {
		t.Fatalf("%d messages, want %d alerts and one warning", len(got), alertQueueLen)
	}
	if msg := got[0].Alert.Message; got[0].Alert.Severity != "warning" || !strings.HasPrefix(msg, strconv.Itoa(extra)+" alerts were dropped") {
		t.Errorf("first = %+v, want a warning counting %d drops", got[0].Alert, extra)
	}
	if got[1].Alert.Message != strconv.Itoa(extra) || got[len(got)-1].Alert.Message != strconv.Itoa(alertQueueLen+extra-1) {
		t.Errorf("kept alerts %s..%s, want the newest", got[1].Alert.Message, got[len(got)-1].Alert.Message)
	}
}

func TestSubscriptionStop(t *testing.T) {
	s := newSubscription()
	s.push(status(1))
	s.stop()
	go s.pump()
	// pump may deliver the status if it wins the race with stop, never more.
	if got := drain(t, s); len(got) > 1 {
		t.Fatalf("got %d messages after stop", len(got))
	}
}

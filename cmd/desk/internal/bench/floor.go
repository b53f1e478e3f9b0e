package bench

import (
	"slices"
	"time"
)

// Floor is what the machine itself costs for the hops desk's hot path is
// made of, measured in the bench's own process: the latency from a send
// on a channel to the wake of a goroutine parked receiving on it, and a
// channel ping-pong between two goroutines.
type Floor struct {
	// WakeP50 and WakeP99 are percentiles of Wakes wakes of a parked
	// goroutine: the time from just before the send to the receiver
	// running, read on the monotonic clock.
	WakeP50 int64 `json:"wake_p50_ns"`
	WakeP99 int64 `json:"wake_p99_ns"`
	WakeMax int64 `json:"wake_max_ns"`
	Wakes   int   `json:"wakes"`
	// ChanRoundTrip is one ping-pong round trip over two unbuffered
	// channels, averaged over RoundTrips; ChanHop is half of it, one
	// hand-over from a goroutine to another running one.
	ChanRoundTrip int64 `json:"chan_roundtrip_ns"`
	ChanHop       int64 `json:"chan_hop_ns"`
	RoundTrips    int   `json:"roundtrips"`
}

// measureFloor measures the floor with wakes wakes and trips round trips.
// Between two wakes the sender spins 20µs (a time.Sleep that short
// takes a timer's granularity, up to a millisecond), so the receiver has
// parked: it blocks on the channel within a microsecond of its ack.
func measureFloor(wakes, trips int) Floor {
	f := Floor{Wakes: wakes, RoundTrips: trips}
	wake, ack := make(chan time.Time), make(chan time.Duration)
	go func() {
		for t := range wake {
			ack <- time.Since(t)
		}
	}()
	lat := make([]int64, wakes)
	for i := range lat {
		for t := time.Now(); time.Since(t) < 20*time.Microsecond; {
		}
		wake <- time.Now()
		lat[i] = int64(<-ack)
	}
	close(wake)
	slices.Sort(lat)
	f.WakeP50, f.WakeP99, f.WakeMax = quantile(lat, 0.50), quantile(lat, 0.99), lat[len(lat)-1]

	ping, pong := make(chan struct{}), make(chan struct{})
	go func() {
		for range ping {
			pong <- struct{}{}
		}
	}()
	start := time.Now()
	for range trips {
		ping <- struct{}{}
		<-pong
	}
	f.ChanRoundTrip = int64(time.Since(start)) / int64(trips)
	close(ping)
	f.ChanHop = f.ChanRoundTrip / 2
	return f
}

// quantile is the q-th quantile of sorted xs (nearest rank).
func quantile(xs []int64, q float64) int64 {
	if len(xs) == 0 {
		return 0
	}
	k := int(q*float64(len(xs))+0.5) - 1
	return xs[min(max(k, 0), len(xs)-1)]
}

package demo

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/core/strategy"
)

func TestRegister(t *testing.T) {
	r := strategy.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	want := []string{KindMarketMaker, KindMeanReversion, KindMomentum, KindTWAP}
	if got := r.Kinds(); strings.Join(got, ",") != "market-maker,mean-reversion,momentum,twap" {
		t.Errorf("Kinds = %v, want %v", got, want)
	}
	for _, k := range want {
		if _, err := r.New(k, nil); err != nil {
			t.Errorf("%s with defaults: %v", k, err)
		}
	}
	if err := Register(r); !errors.Is(err, strategy.ErrDuplicateKind) {
		t.Errorf("second Register: %v, want ErrDuplicateKind", err)
	}
}

func TestBadParams(t *testing.T) {
	r := strategy.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind   string
		params map[string]string
		key    string
	}{
		{KindMarketMaker, map[string]string{"spread_bps": "0"}, "spread_bps"},
		{KindMarketMaker, map[string]string{"spread_bps": "1.234"}, "spread_bps"},
		{KindMarketMaker, map[string]string{"size": "2", "max_position": "1"}, "max_position"},
		{KindMarketMaker, map[string]string{"requote_ticks": "0"}, "requote_ticks"},
		{KindMomentum, map[string]string{"fast": "10s", "slow": "5s"}, "slow"},
		{KindMomentum, map[string]string{"size": "-1"}, "size"},
		{KindMeanReversion, map[string]string{"entry_z": "0.5", "exit_z": "1"}, "entry_z"},
		{KindMeanReversion, map[string]string{"window": "1"}, "window"},
		{KindTWAP, map[string]string{"side": "long"}, "side"},
		{KindTWAP, map[string]string{"slices": "0"}, "slices"},
		{KindTWAP, map[string]string{"quantity": "abc"}, "quantity"},
	} {
		_, err := r.New(tc.kind, tc.params)
		if !errors.Is(err, strategy.ErrBadParam) || !strings.Contains(err.Error(), tc.kind) || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%s %v: %v, want ErrBadParam naming the kind and %s", tc.kind, tc.params, err, tc.key)
		}
	}
}

// TestStartFailsOnLot checks that a size off the instrument's lot stops the
// strategy at start with an error naming the parameter.
func TestStartFailsOnLot(t *testing.T) {
	r := strategy.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	s, err := r.New(KindMarketMaker, map[string]string{"size": "0.0001"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := strategy.NewHost(strategy.HostOptions{
		Strategy: s, Instruments: []domain.Instrument{btc(t)},
		Submit: func(*domain.Intent) error { return nil }, NextID: func() domain.OrderID { return 1 },
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "param size") {
		t.Errorf("Run = %v, want a start error about param size", err)
	}
}

// params are settings under which every kind trades quickly.
var params = map[string]map[string]string{
	KindMarketMaker:   {"spread_bps": "4", "size": "0.5", "max_position": "1", "requote_ticks": "1"},
	KindMomentum:      {"fast": "1s", "slow": "3s", "cooldown": "0s", "size": "0.5", "max_position": "1"},
	KindMeanReversion: {"window": "10", "entry_z": "1.5", "exit_z": "0.3", "cooldown": "0s", "size": "0.5", "max_position": "1"},
	KindTWAP:          {"quantity": "1", "duration": "4s", "slices": "4"},
}

// walk drives e through n books of a random walk, one every 250ms of the
// fake clock, filling a resting order now and then.
func walk(t *testing.T, e *exchange, rng *rand.Rand, n int) {
	t.Helper()
	px := domain.Price(10000)
	for range n {
		px += domain.Price(rng.IntN(11) - 5)
		e.advance(250 * time.Millisecond)
		e.book(px, px+2)
		if bids, asks := e.resting(); rng.IntN(4) == 0 && len(bids)+len(asks) > 0 {
			o := append(bids, asks...)[rng.IntN(len(bids)+len(asks))]
			e.fill(o.ID, o.Leaves())
			e.settle(0)
		}
	}
}

// TestWithinLimits runs every kind through a random market, checking that
// it trades, never holds more than max_position, and sends at most a few
// orders per second.
func TestWithinLimits(t *testing.T) {
	for _, kind := range []string{KindMarketMaker, KindMomentum, KindMeanReversion, KindTWAP} {
		t.Run(kind, func(t *testing.T) {
			e := newExchange(t, kind, params[kind], true)
			walk(t, e, rand.New(rand.NewPCG(1, 2)), 400) // 100s of fake time
			e.mu.Lock()
			defer e.mu.Unlock()
			if e.trades == 0 {
				t.Fatal("no trades")
			}
			if e.maxAbs > 1000 {
				t.Errorf("position reached %d, beyond 1", e.maxAbs)
			}
			// The throttle allows a burst of 4 and 4 a second after it.
			for i := range e.sentAt {
				j := i
				for j < len(e.sentAt) && e.sentAt[j]-e.sentAt[i] < time.Second {
					j++
				}
				if j-i > 2*maxOrdersPerSecond {
					t.Fatalf("%d orders within a second from %s", j-i, e.sentAt[i])
				}
			}
			t.Logf("%d intents, %d trades, max |position| %d", len(e.sentAt), e.trades, e.maxAbs)
		})
	}
}

// TestHaltedFromStart runs every kind halted from the start through a
// random market and checks that none sends an order.
func TestHaltedFromStart(t *testing.T) {
	for _, kind := range []string{KindMarketMaker, KindMomentum, KindMeanReversion, KindTWAP} {
		t.Run(kind, func(t *testing.T) {
			e := newExchange(t, kind, params[kind], true)
			e.halt()
			walk(t, e, rand.New(rand.NewPCG(3, 4)), 100)
			if kind == KindTWAP { // the only kind with a timer
				n := e.host.Stats().Timers
				desktest.Eventually(t, 5*time.Second, "timer ticks", func() bool { return e.host.Stats().Timers >= n+2 })
			}
			if got := e.taken(); len(got) != 0 {
				t.Errorf("halted, yet sent %d intents: %+v", len(got), got[0])
			}
		})
	}
}

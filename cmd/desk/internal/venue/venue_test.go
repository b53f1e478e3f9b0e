package venue_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/desk-trading/desk/brokers/sim/binance"
	"github.com/desk-trading/desk/cmd/desk/internal/venue"
)

const waitFor = 10 * time.Second

// TestRunServesAndStops runs the default config's first venue on a free
// loopback port: exchangeInfo lists its instruments, and Run returns nil
// soon after its context ends.
func TestRunServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- venue.Run(ctx, venue.Options{Listen: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler),
			Ready: func(a net.Addr) { ready <- a }})
	}()
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(waitFor):
		t.Fatal("not ready")
	}
	c := &http.Client{Timeout: waitFor}
	resp, err := c.Get("http://" + addr.String() + "/api/v3/exchangeInfo?symbol=BTCUSD")
	if err != nil {
		t.Fatal(err)
	}
	var info struct{ Symbols []struct{ Symbol string } }
	err = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if err != nil || len(info.Symbols) != 1 || info.Symbols[0].Symbol != "BTCUSD" {
		t.Fatalf("exchangeInfo: %v %+v", err, info)
	}
	resp, err = c.Get("http://" + addr.String() + "/api/v3/depth?symbol=BTCUSD&limit=5")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("depth: %v %v", err, resp)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(waitFor):
		t.Fatal("Run did not stop")
	}
}

func TestRunRefusesRemoteAndUnknownVenue(t *testing.T) {
	ctx := context.Background()
	if err := venue.Run(ctx, venue.Options{Listen: "0.0.0.0:0", Logger: slog.New(slog.DiscardHandler)}); !errors.Is(err, binance.ErrNotLoopback) {
		t.Errorf("non-loopback: %v", err)
	}
	if err := venue.Run(ctx, venue.Options{Listen: "127.0.0.1:0", Venue: "nope", Logger: slog.New(slog.DiscardHandler)}); !errors.Is(err, venue.ErrNoVenue) {
		t.Errorf("unknown venue: %v", err)
	}
}

package venue_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/cmd/desk/internal/venue"
)

// startVenue runs venue.Run with o until the returned stop is called.
func startVenue(t *testing.T, o venue.Options) (addr string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	o.Listen, o.Logger, o.Ready = "127.0.0.1:0", slog.New(slog.DiscardHandler), func(a net.Addr) { ready <- a }
	go func() { done <- venue.Run(ctx, o) }()
	select {
	case a := <-ready:
		addr = a.String()
	case err := <-done:
		cancel()
		t.Fatal(err)
	case <-time.After(waitFor):
		cancel()
		t.Fatal("not ready")
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(waitFor):
			t.Error("Run did not stop")
		}
	}
	t.Cleanup(stop)
	return addr, stop
}

func signedCall(t *testing.T, addr, method, path string, p api.Params) (int, []byte) {
	t.Helper()
	sec, _ := api.NewSecret("s3cret")
	q, err := api.SignQuery(sec, p.Add(api.ParamTimestamp, api.Timestamp(time.Now())))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(method, "http://"+addr+path+"?"+q, nil)
	req.Header.Set(api.HeaderAPIKey, "deskkey000000001")
	resp, err := (&http.Client{Timeout: waitFor}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestRunServesOrderEntry: with --keys and --state, the configured venue
// takes orders from the file's key, opens its account with the config's
// balances, and keeps the order across a restart.
func TestRunServesOrderEntry(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	if err := os.WriteFile(keys, []byte("# desk\ndeskkey000000001 s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o := venue.Options{Keys: keys, StateDir: filepath.Join(dir, "state")}
	addr, stop := startVenue(t, o)
	order := api.NewOrder{Symbol: "BTCUSD", Side: api.SideBuy, Type: api.TypeLimit, TimeInForce: api.GTC,
		Price: "1000", Quantity: "0.010", NewClientOrderID: "keep-me"}
	status, body := signedCall(t, addr, http.MethodPost, api.PathOrder, order.Params())
	if status != 200 || !strings.Contains(string(body), `"status":"NEW"`) {
		t.Fatalf("order: %d %s", status, body)
	}
	status, body = signedCall(t, addr, http.MethodGet, api.PathAccount, nil)
	a, err := api.DecodeAccount(body)
	if b, _ := a.Balance("USD"); status != 200 || err != nil || b.Locked != "10.00250000" {
		t.Fatalf("account: %d %s", status, body)
	}
	stop()
	addr, _ = startVenue(t, o)
	status, body = signedCall(t, addr, http.MethodGet, api.PathOpenOrders, nil)
	if status != 200 || !strings.Contains(string(body), `"clientOrderId":"keep-me"`) {
		t.Fatalf("open orders after restart: %d %s", status, body)
	}
}

func TestRunRefusesInsecureKeysAndNoState(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	if err := os.WriteFile(keys, []byte("deskkey000000001 s3cret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	if err := venue.Run(ctx, venue.Options{Listen: "127.0.0.1:0", Keys: keys, StateDir: dir, Logger: log}); !errors.Is(err, api.ErrInsecureCredentials) {
		t.Errorf("insecure keys: %v", err)
	}
	if err := venue.Run(ctx, venue.Options{Listen: "127.0.0.1:0", Keys: keys, Logger: log}); !errors.Is(err, venue.ErrNoState) {
		t.Errorf("no state: %v", err)
	}
}

package binance_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/desk-trading/desk/brokers/binance"
	"github.com/desk-trading/desk/brokers/binance/api"
	simbn "github.com/desk-trading/desk/brokers/sim/binance"
	"github.com/desk-trading/desk/core/domain"
)

// syncBuffer is a log sink safe for the venue's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWrongSecretRefused: with a secret that is not the key's, every
// signed request is refused (-1022): the session never comes up (no
// fallback to the unsigned listenKey stream), orders are rejected
// "venue-auth", queries fail, and nothing is invented.
func TestWrongSecretRefused(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	const wrong = "wrongSecretXXXXXXXXXXXXXXXXXXXXXXX"
	var logs syncBuffer
	o := x.options(t, keyA, wrong)
	o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ch := make(chan domain.ExecReport, 16)
	o.Reports = ch
	v, err := binance.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- v.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	deadline := time.Now().Add(waitFor)
	var sub error
	for time.Now().Before(deadline) {
		if err := v.Submit(order(1, domain.Buy, px30000-1000, lot)); err == nil {
			break
		} else {
			sub = err
		}
		time.Sleep(20 * time.Millisecond)
	}
	var r domain.ExecReport
	select {
	case r = <-ch:
	case <-time.After(waitFor):
		t.Fatalf("no report (last Submit error %v); logs:\n%s", sub, logs.String())
	}
	if r.Kind != domain.ExecReject || r.Reason != binance.ReasonVenueAuth {
		t.Errorf("report %+v, want a venue-auth reject", r)
	}
	if up, _ := v.Session(); up {
		t.Errorf("session up with a wrong secret")
	}
	if !strings.Contains(logs.String(), "refuses the credentials") {
		t.Errorf("no log of the refusal:\n%s", logs.String())
	}
	_, err = v.Balances(ctx)
	if !errors.Is(err, &api.Error{Code: api.CodeInvalidSignature}) {
		t.Errorf("Balances with a wrong secret: %v, want -1022", err)
	}
	if testing.Verbose() {
		t.Log(logs.String())
	}
	for _, s := range []string{logs.String(), fmt.Sprint(err)} {
		if strings.Contains(s, wrong) {
			t.Errorf("the secret leaked: %s", s)
		}
	}
}

// TestSecretNeverPrinted: the secret appears in no log line (debug
// included), no error and no formatting of Options or Venue.
func TestSecretNeverPrinted(t *testing.T) {
	x := startExchange(t, simbn.RateLimits{})
	var logs syncBuffer
	o := x.options(t, keyA, secretA)
	o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	o.RequestTimeout = 300 * time.Millisecond
	a := startTrader(t, o)
	// Exercise the paths that log and fail: a reject, a lost answer, a
	// failed query.
	bad := order(1, domain.Buy, px30000, lot)
	bad.Qty = lot / 2 // off lot: a local reject
	a.submit(bad)
	a.waitKind(bad.ID, domain.ExecReject)
	x.fault(t, "kind=drop-acks&count=1")
	lost := order(1, domain.Buy, px30000-1000, lot)
	a.submit(lost)
	a.waitKind(lost.ID, domain.ExecAck)
	_, qerr := a.v.QueryOrder(context.Background(), domain.Order{ID: domain.MakeOrderID(999, 9, 9), Instrument: 0})
	_, newErr := binance.New(binance.Options{Credentials: o.Credentials})
	texts := []string{logs.String(), fmt.Sprint(qerr), fmt.Sprint(newErr)}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		texts = append(texts, fmt.Sprintf(verb, o), fmt.Sprintf(verb, &o), fmt.Sprintf(verb, a.v),
			fmt.Sprintf(verb, o.Credentials))
	}
	hexSecret := fmt.Sprintf("%x", secretA)
	for _, s := range texts {
		if strings.Contains(s, secretA) || strings.Contains(s, hexSecret) {
			t.Fatalf("the secret leaked in %.200q", s)
		}
	}
	if !strings.Contains(logs.String(), "session up") {
		t.Errorf("no log; logs:\n%s", logs.String())
	}
}

package api

import (
	"strings"
	"sync"
	"testing"
)

func TestSignerMatchesSecret(t *testing.T) {
	sec := mustSecret(t, docSecret)
	s := NewSigner(sec)
	buf := []byte("prefix:")
	for _, payload := range []string{"", "a=1", "apiKey=k&price=30000.00&symbol=BTCUSD&timestamp=1499405658658",
		strings.Repeat("x=y&", 100)} {
		// Twice: the second signature comes from the reset hash.
		for range 2 {
			got := s.AppendSignature(buf, []byte(payload))
			if want := "prefix:" + sec.Sign([]byte(payload)); string(got) != want {
				t.Fatalf("AppendSignature(%q) = %q, want %q", payload, got, want)
			}
		}
	}
	// The payload may live in dst's spare capacity.
	b := make([]byte, 0, 200)
	b = append(b, "a=1&b=2"...)
	got := s.AppendSignature(b[:0], b)
	if want := sec.Sign([]byte("a=1&b=2")); string(got) != want {
		t.Errorf("aliased = %q, want %q", got, want)
	}
}

func TestSignerZero(t *testing.T) {
	for _, s := range []*Signer{nil, {}, NewSigner(Secret{})} {
		if got := s.AppendSignature([]byte("x"), []byte("p")); string(got) != "x" {
			t.Errorf("zero signer appended %q", got)
		}
	}
}

func TestSignerConcurrent(t *testing.T) {
	sec := mustSecret(t, docSecret)
	s := NewSigner(sec)
	want := sec.Sign([]byte("p"))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				if got := s.AppendSignature(nil, []byte("p")); string(got) != want {
					t.Errorf("got %q", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestSignerNeverPrints(t *testing.T) {
	s := NewSigner(mustSecret(t, docSecret))
	for _, v := range []any{s, *s, []*Signer{s}} {
		for how, out := range secretOutputs(t, v) {
			for _, leak := range []string{docSecret, docSecret[:16], "[36 36", "[92 92"} {
				if strings.Contains(out, leak) {
					t.Errorf("%T via %s leaks: %s", v, how, out)
				}
			}
		}
	}
}

func BenchmarkSignerAppend(b *testing.B) {
	s := NewSigner(mustSecret(b, docSecret))
	payload := []byte("apiKey=k&newClientOrderId=5-1-42&price=30000.00&quantity=0.005&recvWindow=5000&side=BUY&symbol=BTCUSD&timeInForce=GTC&timestamp=1499405658658&type=LIMIT")
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = s.AppendSignature(buf[:0], payload)
	}
}

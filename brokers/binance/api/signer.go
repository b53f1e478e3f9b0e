package api

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"log/slog"
	"sync"
)

// Signer signs payloads with one [Secret] without allocating: it keys its
// HMAC-SHA256 once and resets it for each payload, for the order-entry
// hot path. Like a Secret it never prints (String, GoString, Format,
// LogValue give [Redacted]) and its one field is a closure, so nothing
// reaches the key or the keyed hash's state. The zero Signer and the
// Signer of the zero Secret sign nothing: AppendSignature appends "".
//
// A Signer is safe for concurrent use: a mutex serialises its one hash.
type Signer struct {
	sign func(dst, payload []byte) []byte
}

// NewSigner is a Signer for secret.
func NewSigner(secret Secret) *Signer {
	if secret.IsZero() {
		return &Signer{}
	}
	var (
		mu  sync.Mutex // guards h and sum
		h   hash.Hash  = secret.mac()
		sum            = make([]byte, 0, sha256.Size)
	)
	return &Signer{sign: func(dst, payload []byte) []byte {
		mu.Lock()
		defer mu.Unlock()
		h.Reset()
		h.Write(payload)
		return hex.AppendEncode(dst, h.Sum(sum[:0]))
	}}
}

// AppendSignature appends to dst the lower-case hex HMAC-SHA256 of
// payload, as [Secret.Sign] gives it, and returns the extended slice.
// payload may alias dst's spare capacity: it is read before dst is
// written.
func (s *Signer) AppendSignature(dst, payload []byte) []byte {
	if s == nil || s.sign == nil {
		return dst
	}
	return s.sign(dst, payload)
}

// String gives [Redacted].
func (s *Signer) String() string { return Redacted }

// GoString gives [Redacted], for %#v.
func (s *Signer) GoString() string { return Redacted }

// Format writes [Redacted] for every verb and flag.
func (s *Signer) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

// LogValue makes log/slog print [Redacted].
func (s *Signer) LogValue() slog.Value { return slog.StringValue(Redacted) }

var (
	_ fmt.Stringer   = (*Signer)(nil)
	_ fmt.GoStringer = (*Signer)(nil)
	_ fmt.Formatter  = (*Signer)(nil)
	_ slog.LogValuer = (*Signer)(nil)
)

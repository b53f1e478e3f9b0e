package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"unicode"
)

// Redacted is what every textual form of a [Secret] shows.
const Redacted = "[redacted]"

// ErrBadSecret is returned by [NewSecret] for an empty secret or one with
// whitespace or control characters (a paste error, never a real key). The
// error never contains the secret.
var ErrBadSecret = errors.New("binance api: secret is empty or has whitespace or control characters")

// Secret is an API secret key. It never prints: String, GoString, Format
// (every verb and flag), MarshalJSON, MarshalText and LogValue all give
// [Redacted], and its one field is a closure, so reflection-based dumpers
// that bypass those methods see a func address, not the key. The raw key
// never leaves the type: it signs ([Secret.Sign]) and verifies
// ([Secret.Verify]) in place.
//
// The zero Secret holds no key: Sign gives "" and Verify is false. A
// Secret is safe for concurrent use.
type Secret struct {
	mac func() hash.Hash // a new HMAC-SHA256 keyed with the secret
}

// NewSecret makes a Secret of s, refusing an empty s or one with
// whitespace or control characters with [ErrBadSecret].
func NewSecret(s string) (Secret, error) {
	if s == "" {
		return Secret{}, ErrBadSecret
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return Secret{}, ErrBadSecret
		}
	}
	key := []byte(s)
	return Secret{mac: func() hash.Hash { return hmac.New(sha256.New, key) }}, nil
}

// IsZero reports whether s holds no key.
func (s Secret) IsZero() bool { return s.mac == nil }

// Sign is the lower-case hex HMAC-SHA256 of payload keyed with the secret,
// Binance's HMAC signature; "" for the zero Secret.
func (s Secret) Sign(payload []byte) string {
	if s.mac == nil {
		return ""
	}
	return hex.EncodeToString(s.sum(payload))
}

// Verify reports whether signature, hex in either case (Binance's HMAC
// signatures are case-insensitive), is the HMAC-SHA256 of payload keyed
// with the secret. It compares in constant time (hmac.Equal). It is false
// for the zero Secret and for a signature that is not hex.
func (s Secret) Verify(payload []byte, signature string) bool {
	if s.mac == nil || len(signature) != 2*sha256.Size {
		return false
	}
	got, err := hex.DecodeString(signature)
	if err != nil {
		return false
	}
	return hmac.Equal(got, s.sum(payload))
}

// sum is the HMAC-SHA256 of payload; s is not zero.
func (s Secret) sum(payload []byte) []byte {
	h := s.mac()
	h.Write(payload)
	return h.Sum(nil)
}

// String gives [Redacted].
func (s Secret) String() string { return Redacted }

// GoString gives [Redacted], for %#v.
func (s Secret) GoString() string { return Redacted }

// Format writes [Redacted] for every verb and flag (%v %+v %#v %s %q %x
// %d ...).
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

// MarshalJSON gives the JSON string "[redacted]".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText gives [Redacted].
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue makes log/slog print [Redacted].
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

var (
	_ fmt.Stringer   = Secret{}
	_ fmt.GoStringer = Secret{}
	_ fmt.Formatter  = Secret{}
	_ slog.LogValuer = Secret{}
)

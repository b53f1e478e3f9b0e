package api

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"unicode"
)

var (
	// ErrInsecureCredentials is wrapped by [LoadCredentials] for a file
	// that group or others may read or write, or that is not a regular
	// file.
	ErrInsecureCredentials = errors.New("binance api: insecure credentials file")
	// ErrBadCredentials is wrapped by [LoadCredentials] and
	// [CredentialsFromEnv] for credentials that are missing or malformed.
	// The wrapping error names the file line or the variable, never a key
	// or a secret.
	ErrBadCredentials = errors.New("binance api: bad credentials")
)

// Credentials are one Binance API key and its secret.
//
// The API key is not secret (it travels in clear in the X-MBX-APIKEY
// header), but it names the account, so this package keeps it out of
// errors and shows only a hint of it: String, GoString, Format,
// MarshalJSON and LogValue give "Credentials{APIKey: vmPU…Eh8A, Secret:
// [redacted]}" (the first and last four characters of a key of 12 or
// more, [Redacted] for a shorter one). Read the APIKey field for the
// header.
type Credentials struct {
	// APIKey is the API key, sent in the X-MBX-APIKEY header (REST) or
	// as the apiKey parameter (WebSocket API).
	APIKey string
	// Secret is the key's secret.
	Secret Secret
}

// KeyHint is the API key's first and last four characters ("vmPU…Eh8A")
// when it has 12 or more, [Redacted] otherwise: enough to tell keys apart
// in a log.
func (c Credentials) KeyHint() string {
	if len(c.APIKey) < 12 {
		return Redacted
	}
	return c.APIKey[:4] + "…" + c.APIKey[len(c.APIKey)-4:]
}

// String gives "Credentials{APIKey: <hint>, Secret: [redacted]}".
func (c Credentials) String() string {
	return "Credentials{APIKey: " + c.KeyHint() + ", Secret: " + Redacted + "}"
}

// GoString is String, for %#v.
func (c Credentials) GoString() string { return c.String() }

// Format writes String for every verb and flag.
func (c Credentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// MarshalJSON gives {"apiKey": <hint>, "secret": "[redacted]"}.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return []byte(`{"apiKey":"` + c.KeyHint() + `","secret":"` + Redacted + `"}`), nil
}

// LogValue makes log/slog print the key hint and a redacted secret.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("apiKey", c.KeyHint()), slog.String("secret", Redacted))
}

// validKey reports whether k can be an API key: non-empty, no whitespace
// or control characters.
func validKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// LoadCredentials reads a credentials file: one "APIKEY SECRET" pair a
// line (separated by spaces or tabs), blank lines and lines starting with
// # ignored. It refuses (wrapping [ErrInsecureCredentials]) a file that
// is not a regular file or whose mode lets group or others read or write
// it (mode & 0o077 != 0), naming the mode and the chmod that fixes it; it
// refuses (wrapping [ErrBadCredentials]) a file with no pair, a line that
// is not one pair, and a key that repeats. Errors name the path and the
// line number, never a key or a secret.
//
// The mode is checked on the opened file (no race between check and
// read). On systems without Unix permission bits the check is
// meaningless; desk runs on Unix.
func LoadCredentials(path string) ([]Credentials, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("binance api: credentials: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("binance api: credentials: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file (mode %v)", ErrInsecureCredentials, path, st.Mode())
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %#o (%v), readable or writable by group or others; fix with: chmod 600 %s",
			ErrInsecureCredentials, path, uint32(perm), st.Mode(), path)
	}
	return parseCredentials(path, f)
}

func parseCredentials(path string, f fs.File) ([]Credentials, error) {
	var out []Credentials
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("%w: %s line %d: want \"APIKEY SECRET\", got %d fields", ErrBadCredentials, path, n, len(fields))
		}
		if !validKey(fields[0]) {
			return nil, fmt.Errorf("%w: %s line %d: malformed API key", ErrBadCredentials, path, n)
		}
		sec, err := NewSecret(fields[1])
		if err != nil {
			return nil, fmt.Errorf("%w: %s line %d: malformed secret", ErrBadCredentials, path, n)
		}
		if m, ok := seen[fields[0]]; ok {
			return nil, fmt.Errorf("%w: %s line %d: the API key of line %d repeats", ErrBadCredentials, path, n, m)
		}
		seen[fields[0]] = n
		out = append(out, Credentials{APIKey: fields[0], Secret: sec})
	}
	if err := sc.Err(); err != nil {
		// bufio's errors (a line too long, a read error) carry no content.
		return nil, fmt.Errorf("%w: %s: %w", ErrBadCredentials, path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s holds no \"APIKEY SECRET\" line", ErrBadCredentials, path)
	}
	return out, nil
}

// CredentialsFromEnv reads the API key from the environment variable
// keyVar and the secret from secretVar. It refuses (wrapping
// [ErrBadCredentials]) a variable that is unset, empty or malformed; the
// error names the variable, never its value.
func CredentialsFromEnv(keyVar, secretVar string) (Credentials, error) {
	key, ok := os.LookupEnv(keyVar)
	if !ok || !validKey(key) {
		return Credentials{}, fmt.Errorf("%w: environment variable %s is unset, empty or malformed", ErrBadCredentials, keyVar)
	}
	s, ok := os.LookupEnv(secretVar)
	if !ok {
		return Credentials{}, fmt.Errorf("%w: environment variable %s is unset", ErrBadCredentials, secretVar)
	}
	sec, err := NewSecret(s)
	if err != nil {
		return Credentials{}, fmt.Errorf("%w: environment variable %s is empty or malformed", ErrBadCredentials, secretVar)
	}
	return Credentials{APIKey: key, Secret: sec}, nil
}

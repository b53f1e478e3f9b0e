package api

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "creds")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

const secret2 = "s3cr3tTWOs3cr3tTWOs3cr3tTWOs3cr3tTWO"

func TestLoadCredentials(t *testing.T) {
	good := "# desk keys\n\n" + docAPIKey + " " + docSecret + "\n  \t\n  key2\t" + secret2 + "  \n# end\n"
	p := writeFile(t, good, 0o600)
	cs, err := LoadCredentials(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].APIKey != docAPIKey || cs[1].APIKey != "key2" {
		t.Fatalf("got %v", cs)
	}
	if cs[0].Secret.Sign([]byte(docPayload)) != docSignature {
		t.Fatal("loaded secret signs wrong")
	}
	if cs[1].Secret.Sign(nil) != mustSecret(t, secret2).Sign(nil) {
		t.Fatal("second secret wrong")
	}
	// 0400 is fine too.
	if _, err := LoadCredentials(writeFile(t, good, 0o400)); err != nil {
		t.Fatalf("0400: %v", err)
	}
}

func TestLoadCredentialsRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		mode os.FileMode
		is   error
		want []string
	}{
		{"0644", docAPIKey + " " + docSecret + "\n", 0o644, ErrInsecureCredentials, []string{"0644", "chmod 600"}},
		{"0640", docAPIKey + " " + docSecret + "\n", 0o640, ErrInsecureCredentials, []string{"0640", "chmod 600"}},
		{"0602", docAPIKey + " " + docSecret + "\n", 0o602, ErrInsecureCredentials, []string{"0602", "chmod 600"}},
		{"0660", docAPIKey + " " + docSecret + "\n", 0o660, ErrInsecureCredentials, []string{"0660"}},
		{"empty", "", 0o600, ErrBadCredentials, []string{"no \"APIKEY SECRET\""}},
		{"comments only", "# x\n\n", 0o600, ErrBadCredentials, nil},
		{"one field", docSecret + "\n", 0o600, ErrBadCredentials, []string{"line 1", "got 1 fields"}},
		{"three fields", "k " + docSecret + " extra\n", 0o600, ErrBadCredentials, []string{"line 1", "got 3 fields"}},
		{"bad line later", docAPIKey + " " + docSecret + "\n\nonlyone" + docSecret + "\n", 0o600, ErrBadCredentials, []string{"line 3"}},
		{"repeat", docAPIKey + " " + docSecret + "\n" + docAPIKey + " " + secret2 + "\n", 0o600, ErrBadCredentials, []string{"line 2", "line 1"}},
		{"control char", docAPIKey + " " + docSecret + "\x01\n", 0o600, ErrBadCredentials, []string{"line 1", "malformed secret"}},
	} {
		p := writeFile(t, tc.body, tc.mode)
		_, err := LoadCredentials(p)
		if !errors.Is(err, tc.is) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.is)
			continue
		}
		msg := err.Error()
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q lacks %q", tc.name, msg, w)
			}
		}
		for _, leak := range []string{docSecret, secret2, docAPIKey, docSecret[:12], "onlyone"} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s: error leaks %q: %s", tc.name, leak, msg)
			}
		}
	}
	if _, err := LoadCredentials(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing file loads")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCredentials(dir); !errors.Is(err, ErrInsecureCredentials) {
		t.Errorf("directory: %v", err)
	}
}

func TestCredentialsFromEnv(t *testing.T) {
	t.Setenv("T_KEY", docAPIKey)
	t.Setenv("T_SECRET", docSecret)
	t.Setenv("T_EMPTY", "")
	t.Setenv("T_SPACE", "a b")
	c, err := CredentialsFromEnv("T_KEY", "T_SECRET")
	if err != nil || c.APIKey != docAPIKey || c.Secret.Sign([]byte(docPayload)) != docSignature {
		t.Fatalf("got %v, %v", c, err)
	}
	for _, tc := range []struct{ k, s, name string }{
		{"T_UNSET_K", "T_SECRET", "T_UNSET_K"},
		{"T_EMPTY", "T_SECRET", "T_EMPTY"},
		{"T_SPACE", "T_SECRET", "T_SPACE"},
		{"T_KEY", "T_UNSET_S", "T_UNSET_S"},
		{"T_KEY", "T_EMPTY", "T_EMPTY"},
		{"T_KEY", "T_SPACE", "T_SPACE"},
	} {
		_, err := CredentialsFromEnv(tc.k, tc.s)
		if !errors.Is(err, ErrBadCredentials) || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s/%s: %v", tc.k, tc.s, err)
		}
		if err != nil && (strings.Contains(err.Error(), docSecret) || strings.Contains(err.Error(), docAPIKey)) {
			t.Errorf("error leaks: %v", err)
		}
	}
}

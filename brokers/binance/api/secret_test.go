package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const (
	docSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	docAPIKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
)

func mustSecret(t testing.TB, s string) Secret {
	t.Helper()
	sec, err := NewSecret(s)
	if err != nil {
		t.Fatal(err)
	}
	return sec
}

func TestNewSecret(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{docSecret, true},
		{"x", true},
		{"", false},
		{" ", false},
		{"\t\n", false},
		{"abc def", false},
		{"abc\n", false},
		{" abc", false},
		{"abc\x00", false},
		{"abc\u00a0", false},
	} {
		s, err := NewSecret(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("NewSecret(%q) err = %v, want ok %v", tc.in, err, tc.ok)
		}
		if err != nil {
			if !s.IsZero() {
				t.Errorf("NewSecret(%q) failed but gave a key", tc.in)
			}
			if tc.in != "" && strings.Contains(err.Error(), strings.TrimSpace(tc.in)) && strings.TrimSpace(tc.in) != "" {
				t.Errorf("error %q contains the secret", err)
			}
		}
	}
}

func TestZeroSecret(t *testing.T) {
	var s Secret
	if !s.IsZero() || s.Sign([]byte("x")) != "" || s.Verify([]byte("x"), strings.Repeat("0", 64)) {
		t.Fatal("zero Secret signs or verifies")
	}
	if fmt.Sprint(s) != Redacted {
		t.Fatal("zero Secret prints")
	}
}

func TestSecretSignVerify(t *testing.T) {
	s := mustSecret(t, docSecret)
	payload := []byte(docPayload)
	sig := s.Sign(payload)
	if sig != docSignature {
		t.Fatalf("Sign = %s, want %s", sig, docSignature)
	}
	for _, tc := range []struct {
		name    string
		payload []byte
		sig     string
		want    bool
	}{
		{"exact", payload, sig, true},
		{"upper case hex", payload, strings.ToUpper(sig), true},
		{"tampered payload", append([]byte(docPayload[:len(docPayload)-1]), '0'), sig, false},
		{"truncated sig", payload, sig[:62], false},
		{"flipped sig", payload, "d" + sig[1:], false},
		{"not hex", payload, "zz" + sig[2:], false},
		{"empty", payload, "", false},
	} {
		if got := s.Verify(tc.payload, tc.sig); got != tc.want {
			t.Errorf("%s: Verify = %v, want %v", tc.name, got, tc.want)
		}
	}
	other := mustSecret(t, docSecret[:63]+"k")
	if other.Verify(payload, sig) {
		t.Error("a wrong secret verifies")
	}
}

// secretOutputs renders v in every way a secret could leak.
func secretOutputs(t *testing.T, v any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%10.3s", "%-v", "% x"} {
		out[verb] = fmt.Sprintf(verb, v)
	}
	out["Sprint"] = fmt.Sprint(v)
	out["Sprintln"] = fmt.Sprintln(v)
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json %T: %v", v, err)
	}
	out["json"] = string(b)
	var buf bytes.Buffer
	for name, h := range map[string]slog.Handler{
		"slog text": slog.NewTextHandler(&buf, nil),
		"slog json": slog.NewJSONHandler(&buf, nil),
	} {
		buf.Reset()
		slog.New(h).Info("m", "v", v)
		out[name] = buf.String()
	}
	out["error"] = fmt.Errorf("wrapped: %v", v).Error()
	return out
}

type holder struct {
	Name  string
	Creds Credentials
	Sec   Secret
	Ptr   *Secret
	priv  Secret
	cpriv Credentials
}

func TestSecretNeverPrints(t *testing.T) {
	sec := mustSecret(t, docSecret)
	creds := Credentials{APIKey: docAPIKey, Secret: sec}
	h := holder{Name: "h", Creds: creds, Sec: sec, Ptr: &sec, priv: sec, cpriv: creds}
	for _, v := range []any{sec, &sec, creds, &creds, h, &h, []Secret{sec}, map[string]Credentials{"a": creds}} {
		for how, s := range secretOutputs(t, v) {
			for _, leak := range []string{docSecret, docSecret[:16], fmt.Sprintf("%x", docSecret[:16])} {
				if strings.Contains(s, leak) {
					t.Errorf("%T via %s leaks the secret: %s", v, how, s)
				}
			}
			_, h1 := v.(holder)
			_, h2 := v.(*holder)
			if !h1 && !h2 && strings.Contains(s, docAPIKey) {
				// Only the unexported Credentials field of holder, which
				// fmt prints by reflection, may show the (non-secret) key.
				t.Errorf("%T via %s shows the whole API key: %s", v, how, s)
			}
		}
	}
	if got := fmt.Sprint(sec); got != Redacted {
		t.Errorf("Sprint = %q", got)
	}
	if got, _ := sec.MarshalText(); string(got) != Redacted {
		t.Errorf("MarshalText = %q", got)
	}
	if got := creds.String(); got != "Credentials{APIKey: vmPU…Eh8A, Secret: [redacted]}" {
		t.Errorf("Credentials.String = %q", got)
	}
	if got := (Credentials{APIKey: "short"}).KeyHint(); got != Redacted {
		t.Errorf("short KeyHint = %q", got)
	}
}

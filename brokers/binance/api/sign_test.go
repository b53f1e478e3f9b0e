package api

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The Binance REST docs' HMAC example.
const (
	docPayload   = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
	docSignature = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
)

func docParams() Params {
	return Params{
		{"symbol", "LTCBTC"}, {"side", "BUY"}, {"type", "LIMIT"}, {"timeInForce", "GTC"},
		{"quantity", "1"}, {"price", "0.1"}, {"recvWindow", "5000"}, {"timestamp", "1499827319559"},
	}
}

func TestSignQueryDocVector(t *testing.T) {
	sec := mustSecret(t, docSecret)
	got, err := SignQuery(sec, docParams())
	if err != nil {
		t.Fatal(err)
	}
	if want := docPayload + "&signature=" + docSignature; got != want {
		t.Fatalf("SignQuery =\n %s\nwant\n %s", got, want)
	}
	if err := VerifyQuery(sec, got, ""); err != nil {
		t.Fatalf("VerifyQuery: %v", err)
	}
}

func TestSignQueryNonASCII(t *testing.T) {
	// The docs' second example: a symbol of full-width digits is
	// percent-encoded before signing.
	p := docParams()
	p[0].Value = "１２３４５６"
	got, err := SignQuery(mustSecret(t, docSecret), p)
	if err != nil {
		t.Fatal(err)
	}
	want := "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559" +
		"&signature=e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
	if got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

func TestSignQueryOrderMatters(t *testing.T) {
	sec := mustSecret(t, docSecret)
	p := docParams()
	p[0], p[1] = p[1], p[0]
	got, _ := SignQuery(sec, p)
	if strings.HasSuffix(got, docSignature) {
		t.Fatal("reordered parameters give the same signature")
	}
	if err := VerifyQuery(sec, got, ""); err != nil {
		t.Fatalf("reordered query does not verify as sent: %v", err)
	}
}

func TestSignQueryErrors(t *testing.T) {
	if _, err := SignQuery(Secret{}, docParams()); !errors.Is(err, ErrNoSecret) {
		t.Errorf("zero secret: %v", err)
	}
	if _, err := SignQuery(mustSecret(t, docSecret), docParams().Add("signature", "x")); !errors.Is(err, ErrSignatureParam) {
		t.Errorf("signature param: %v", err)
	}
	got, err := SignQuery(mustSecret(t, docSecret), nil)
	if err != nil || !strings.HasPrefix(got, "signature=") || len(got) != len("signature=")+64 {
		t.Errorf("no params: %q %v", got, err)
	}
}

func TestSignPayloadQueryAndBody(t *testing.T) {
	// The docs' (older) third example: query and body concatenated
	// without separator.
	sec := mustSecret(t, docSecret)
	q := "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
	b := "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
	const want = "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
	if got := SignPayload(sec, q, b); got != want {
		t.Fatalf("SignPayload = %s, want %s", got, want)
	}
	if err := VerifyQuery(sec, q, b+"&signature="+want); err != nil {
		t.Fatalf("VerifyQuery body: %v", err)
	}
}

func codeOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func TestVerifyQuery(t *testing.T) {
	sec := mustSecret(t, docSecret)
	signed := docPayload + "&signature=" + docSignature
	for _, tc := range []struct {
		name        string
		query, body string
		secret      Secret
		code        int
	}{
		{"ok", signed, "", sec, 0},
		{"upper-case signature", docPayload + "&signature=" + strings.ToUpper(docSignature), "", sec, 0},
		{"signature first", "signature=" + docSignature + "&" + docPayload, "", sec, 0},
		{"signature in the middle", "symbol=LTCBTC&signature=" + docSignature + "&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559", "", sec, 0},
		{"tampered price", strings.Replace(signed, "price=0.1", "price=0.2", 1), "", sec, CodeInvalidSignature},
		{"tampered quantity", strings.Replace(signed, "quantity=1", "quantity=10", 1), "", sec, CodeInvalidSignature},
		{"appended param", signed + "&newClientOrderId=x", "", sec, CodeInvalidSignature},
		{"moved to body", "", signed, sec, 0},
		{"split differently", "symbol=LTCBTC", "&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=" + docSignature, sec, 0},
		{"wrong secret", signed, "", mustSecret(t, "wrong"), CodeInvalidSignature},
		{"zero secret", signed, "", Secret{}, CodeInvalidSignature},
		{"missing", docPayload, "", sec, CodeMandatoryParam},
		{"empty", docPayload + "&signature=", "", sec, CodeMandatoryParam},
		{"not hex", docPayload + "&signature=" + strings.Repeat("g", 64), "", sec, CodeInvalidSignature},
		{"twice", signed + "&signature=" + docSignature, "", sec, CodeTooManyParameters},
		{"query and body", signed, "signature=" + docSignature, sec, CodeTooManyParameters},
		{"nothing", "", "", sec, CodeMandatoryParam},
	} {
		err := VerifyQuery(tc.secret, tc.query, tc.body)
		if got := codeOf(err); got != tc.code || (tc.code == 0) != (err == nil) {
			t.Errorf("%s: err = %v, want code %d", tc.name, err, tc.code)
		}
	}
}

func TestWSPayloadDocVectors(t *testing.T) {
	sec := mustSecret(t, docSecret)
	for _, tc := range []struct {
		params  map[string]string
		payload string
		sig     string
	}{
		{
			map[string]string{
				"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": "GTC",
				"quantity": "0.01000000", "price": "52000.00", "recvWindow": "100",
				"timestamp": "1645423376532", "apiKey": docAPIKey,
			},
			"apiKey=" + docAPIKey + "&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
			"aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24",
		},
		{
			map[string]string{
				"symbol": "１２３４５６", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
				"quantity": "1.00000000", "price": "0.10000000", "recvWindow": "5000",
				"timestamp": "1645423376532", "apiKey": docAPIKey,
			},
			"apiKey=" + docAPIKey + "&price=0.10000000&quantity=1.00000000&recvWindow=5000&side=BUY&symbol=１２３４５６&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
			"b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd",
		},
	} {
		if got := WSPayload(tc.params); got != tc.payload {
			t.Errorf("WSPayload =\n %s\nwant\n %s", got, tc.payload)
		}
		sig := SignWSParams(sec, tc.params)
		if sig != tc.sig {
			t.Errorf("SignWSParams = %s, want %s", sig, tc.sig)
		}
		tc.params["signature"] = sig
		if WSPayload(tc.params) != tc.payload {
			t.Error("WSPayload includes signature")
		}
		if err := VerifyWSParams(sec, tc.params); err != nil {
			t.Errorf("VerifyWSParams: %v", err)
		}
		if err := VerifyWSParams(mustSecret(t, "other"), tc.params); codeOf(err) != CodeInvalidSignature {
			t.Errorf("wrong secret: %v", err)
		}
		tc.params["price"] = "1"
		if err := VerifyWSParams(sec, tc.params); codeOf(err) != CodeInvalidSignature {
			t.Errorf("tampered: %v", err)
		}
		delete(tc.params, "signature")
		if err := VerifyWSParams(sec, tc.params); codeOf(err) != CodeMandatoryParam {
			t.Errorf("missing: %v", err)
		}
	}
	if WSPayload(nil) != "" {
		t.Error("empty payload")
	}
}

func TestCheckTimestamp(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	ms := func(d time.Duration) string { return Timestamp(now.Add(d)) }
	for _, tc := range []struct {
		name, ts, rw string
		code         int
		msg          string
	}{
		{"now", ms(0), "", 0, ""},
		{"4999ms old", ms(-4999 * time.Millisecond), "", 0, ""},
		{"5000ms old", ms(-5000 * time.Millisecond), "", 0, ""},
		{"5001ms old", ms(-5001 * time.Millisecond), "", CodeInvalidTimestamp, MsgTimestampOutside},
		{"window 100 ok", ms(-100 * time.Millisecond), "100", 0, ""},
		{"window 100 late", ms(-101 * time.Millisecond), "100", CodeInvalidTimestamp, MsgTimestampOutside},
		{"window 60000", ms(-60 * time.Second), "60000", 0, ""},
		{"window over max", ms(0), "60001", CodeMandatoryParam, ""},
		{"window decimals", ms(-100 * time.Millisecond), "100.5", 0, ""},
		{"window 4 decimals", ms(0), "100.1234", CodeMandatoryParam, ""},
		{"window junk", ms(0), "abc", CodeMandatoryParam, ""},
		{"window zero", ms(0), "0", CodeMandatoryParam, ""},
		{"999ms ahead", ms(999 * time.Millisecond), "", 0, ""},
		{"1000ms ahead", ms(time.Second), "", CodeInvalidTimestamp, MsgTimestampAhead},
		{"microseconds", "1700000000000000", "", 0, ""},
		{"microseconds old", "1699999994000000", "", CodeInvalidTimestamp, MsgTimestampOutside},
		{"missing", "", "", CodeMandatoryParam, ""},
		{"junk", "12a", "", CodeMandatoryParam, ""},
		{"negative", "-5", "", CodeMandatoryParam, ""},
		{"plus", "+1700000000000", "", CodeMandatoryParam, ""},
	} {
		err := CheckTimestamp(tc.ts, tc.rw, now)
		if codeOf(err) != tc.code || (tc.code == 0) != (err == nil) {
			t.Errorf("%s: %v, want %d", tc.name, err, tc.code)
			continue
		}
		if tc.msg != "" && err.(*Error).Msg != tc.msg {
			t.Errorf("%s: msg %q, want %q", tc.name, err.(*Error).Msg, tc.msg)
		}
	}
}

func TestParams(t *testing.T) {
	p := Params{}.Add("b", "2").Add("a", "x y&z=")
	if v, ok := p.Get("a"); !ok || v != "x y&z=" {
		t.Error("Get")
	}
	if _, ok := p.Get("c"); ok {
		t.Error("Get absent")
	}
	enc := p.Encode()
	if enc != "b=2&a=x+y%26z%3D" {
		t.Errorf("Encode = %s", enc)
	}
	back, err := ParseParams(enc)
	if err != nil || len(back) != 2 || back[0] != p[0] || back[1] != p[1] {
		t.Errorf("ParseParams = %v %v", back, err)
	}
	if m := p.Map(); m["a"] != "x y&z=" || len(m) != 2 {
		t.Errorf("Map = %v", m)
	}
	for _, tc := range []struct {
		in   string
		code int
		n    int
	}{
		{"", 0, 0},
		{"a=1&&b=", 0, 2},
		{"a", 0, 1},
		{"a=%zz", CodeIllegalChars, 0},
		{"=1", CodeIllegalChars, 0},
		{"a=1&a=2", CodeTooManyParameters, 0},
	} {
		got, err := ParseParams(tc.in)
		if codeOf(err) != tc.code || (err == nil && len(got) != tc.n) {
			t.Errorf("ParseParams(%q) = %v, %v", tc.in, got, err)
		}
	}
}

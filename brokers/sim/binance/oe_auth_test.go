package binance_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/brokers/sim"
)

// TestSignedRefusals: a missing key is -2014, an unknown one -2015 (HTTP
// 401); a stale or future timestamp -1021, a recvWindow over 60000
// -1102, a wrong signature -1022, a missing one -1102; a signature over
// the body is checked exactly as sent.
func TestSignedRefusals(t *testing.T) {
	f := oeStart(t, oeConfig{})
	sign := func(key string, p api.Params) string {
		s, err := api.SignQuery(f.creds[key].Secret, p)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ts := func(d time.Duration) string { return api.Timestamp(time.Now().Add(d)) }
	base := api.Params{{Key: "symbol", Value: "BTCUSD"}}
	cases := []struct {
		name   string
		key    string
		query  string
		status int
		code   int
	}{
		{"no key", "", sign(keyA, base.Add("timestamp", ts(0))), 401, api.CodeBadAPIKeyFmt},
		{"unknown key", "nobody", sign(keyA, base.Add("timestamp", ts(0))), 401, api.CodeRejectedMBXKey},
		{"stale", keyA, sign(keyA, base.Add("timestamp", ts(-6*time.Second))), 400, api.CodeInvalidTimestamp},
		{"ahead", keyA, sign(keyA, base.Add("timestamp", ts(2*time.Second))), 400, api.CodeInvalidTimestamp},
		{"window passed", keyA, sign(keyA, base.Add("timestamp", ts(-2*time.Second)).Add("recvWindow", "1000")), 400, api.CodeInvalidTimestamp},
		{"window too big", keyA, sign(keyA, base.Add("timestamp", ts(0)).Add("recvWindow", "60001")), 400, api.CodeMandatoryParam},
		{"other key's secret", keyA, sign(keyB, base.Add("timestamp", ts(0))), 400, api.CodeInvalidSignature},
		{"tampered", keyA, strings.Replace(sign(keyA, base.Add("timestamp", ts(0))), "BTCUSD", "BTCUSDX", 1), 400, api.CodeInvalidSignature},
		{"unsigned", keyA, base.Add("timestamp", ts(0)).Encode(), 400, api.CodeMandatoryParam},
	}
	for _, c := range cases {
		r := f.raw(http.MethodGet, api.PathOpenOrders, c.key, c.query)
		if r.status != c.status || r.err().Code != c.code {
			t.Errorf("%s: %d %s, want %d %d", c.name, r.status, r.body, c.status, c.code)
		}
	}
	// Query and body split, signed over their concatenation.
	q := "symbol=BTCUSD&side=BUY&type=LIMIT"
	body := "timeInForce=GTC&quantity=0.001&price=100.00&timestamp=" + ts(0)
	sig := api.SignPayload(f.creds[keyA].Secret, q, body)
	req, _ := http.NewRequest(http.MethodPost, "http://"+f.base+api.PathOrder+"?"+q, strings.NewReader(body+"&signature="+sig))
	req.Header.Set(api.HeaderAPIKey, keyA)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-MBX-ORDER-COUNT-10S") != "1" || resp.Header.Get("X-MBX-USED-WEIGHT-1M") == "" {
		t.Fatalf("split query and body: %d %v", resp.StatusCode, resp.Header)
	}
	// Filters and parameters.
	for _, c := range []struct {
		name string
		p    api.Params
		code int
	}{
		{"too precise", limit(api.SideBuy, "100.000000001", "0.001", ""), api.CodeBadPrecision},
		{"tick", limit(api.SideBuy, "100.005", "0.001", ""), api.CodeInvalidMessage},
		{"lot", limit(api.SideBuy, "100.00", "0.0015", ""), api.CodeInvalidMessage},
		{"zero qty", limit(api.SideBuy, "100.00", "0", ""), api.CodeInvalidMessage},
		{"no price", api.Params{{Key: "symbol", Value: "BTCUSD"}, {Key: "side", Value: "BUY"}, {Key: "type", Value: "LIMIT"},
			{Key: "timeInForce", Value: "GTC"}, {Key: "quantity", Value: "1"}}, api.CodeMandatoryParam},
		{"unknown param", limit(api.SideBuy, "100.00", "0.001", "").Add("icebergQty", "1"), api.CodeUnreadParameters},
		{"bad symbol", api.Params{{Key: "symbol", Value: "ETHUSD"}, {Key: "side", Value: "BUY"}, {Key: "type", Value: "MARKET"},
			{Key: "quantity", Value: "1"}}, api.CodeInvalidSymbol},
		{"too poor", limit(api.SideBuy, "100000.00", "100", ""), api.CodeNewOrderRejected},
		{"too few BTC", limit(api.SideSell, "100000.00", "11", ""), api.CodeNewOrderRejected},
	} {
		r := f.call(http.MethodPost, api.PathOrder, keyA, c.p)
		if r.status != 400 || r.err().Code != c.code {
			t.Errorf("%s: %d %s, want %d", c.name, r.status, r.body, c.code)
		}
	}
	if got := f.account(keyA); len(got.Balances) != 2 {
		t.Fatalf("account: %+v", got)
	}
}

// TestNoAccounts: a server without Accounts answers order entry as
// Binance answers a missing or unknown key.
func TestNoAccounts(t *testing.T) {
	f := start(t, sim.FlowOptions{})
	for _, c := range []struct {
		key  string
		code int
	}{{"", api.CodeBadAPIKeyFmt}, {"somekey", api.CodeRejectedMBXKey}} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+f.base+api.PathAccount+"?timestamp=1&signature=00", nil)
		if c.key != "" {
			req.Header.Set(api.HeaderAPIKey, c.key)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e apiErr
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != 401 || e.Code != c.code {
			t.Errorf("key %q: %d %+v", c.key, resp.StatusCode, e)
		}
	}
}

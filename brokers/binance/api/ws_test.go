package api

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestWSParamsSignature(t *testing.T) {
	// The WebSocket API docs' request, numbers and all.
	req := `{"id":"4885f793-e5ad-4c3b-8f6c-55d891472b71","method":"order.place","params":{"symbol":"BTCUSDT","side":"SELL","type":"LIMIT","timeInForce":"GTC","quantity":"0.01000000","price":"52000.00","recvWindow":100,"timestamp":1645423376532,"apiKey":"` + docAPIKey + `","signature":"aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"}}`
	var r WSRequest
	if err := json.Unmarshal([]byte(req), &r); err != nil || r.Method != MethodOrderPlace {
		t.Fatal(r, err)
	}
	p, err := WSParams(r.Params)
	if err != nil {
		t.Fatal(err)
	}
	if p["recvWindow"] != "100" || p["timestamp"] != "1645423376532" {
		t.Errorf("%v", p)
	}
	if err := VerifyWSParams(mustSecret(t, docSecret), p); err != nil {
		t.Errorf("verify: %v", err)
	}
	for _, tc := range []struct {
		raw  string
		code int
	}{
		{`{"a":"x","b":1.5,"c":true,"d":false,"e":-2}`, 0},
		{``, 0},
		{`{"a":null}`, CodeInvalidParameter},
		{`{"a":{"b":1}}`, CodeInvalidParameter},
		{`{"a":[1]}`, CodeInvalidParameter},
		{`[1]`, CodeInvalidJSON},
		{`null`, CodeInvalidJSON},
		{`{"a":`, CodeInvalidJSON},
	} {
		_, err := WSParams(json.RawMessage(tc.raw))
		if codeOf(err) != tc.code || (tc.code == 0) != (err == nil) {
			t.Errorf("WSParams(%s) = %v", tc.raw, err)
		}
	}
}

func TestWSResponse(t *testing.T) {
	var ok WSResponse
	if err := json.Unmarshal([]byte(`{"id":1,"status":200,"result":{"orderId":1},"rateLimits":[{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":50,"count":12}]}`), &ok); err != nil {
		t.Fatal(err)
	}
	if ok.Err() != nil || len(ok.RateLimits) != 1 || ok.RateLimits[0].Count != 12 {
		t.Errorf("%+v", ok)
	}
	var bad WSResponse
	if err := json.Unmarshal([]byte(`{"id":"x","status":400,"error":{"code":-2010,"msg":"Account has insufficient balance for requested action."}}`), &bad); err != nil {
		t.Fatal(err)
	}
	err := bad.Err()
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeNewOrderRejected || e.HTTPStatus != 400 || OutcomeOf(err) != OutcomeRejected {
		t.Errorf("%v", err)
	}
	if bad.Error.HTTPStatus != 0 {
		t.Error("Err modified the response")
	}
	odd := WSResponse{Status: 503}
	if OutcomeOf(odd.Err()) != OutcomeUnknown {
		t.Error("503 without error")
	}
}

package api

import "testing"

func TestParamsWSPayloadMatchesMap(t *testing.T) {
	sec, err := NewSecret("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j")
	if err != nil {
		t.Fatal(err)
	}
	p := NewOrder{Symbol: "BTCUSDT", Side: SideSell, Type: TypeLimit, TimeInForce: GTC, Price: "52000.00",
		Quantity: "0.01000000", NewClientOrderID: "1-2-3-4"}.Params().
		Add(ParamAPIKey, "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A").
		Add(ParamTimestamp, "1645423376532").Add(ParamRecvWindow, "5000").Add(ParamSignature, "x")
	if got, want := p.WSPayload(), WSPayload(p.Map()); got != want {
		t.Errorf("WSPayload\n got %s\nwant %s", got, want)
	}
	if got, want := p.SignWS(sec), SignWSParams(sec, p.Map()); got != want {
		t.Errorf("SignWS %s, want %s", got, want)
	}
}

package binance

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/desk-trading/desk/brokers/binance/api"
)

// TestDecodeEventAgrees: the scanner reads what encoding/json reads, in
// the envelope and bare, and hands what it does not read to it.
func TestDecodeEventAgrees(t *testing.T) {
	var inner struct {
		Event json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal(benchReport, &inner); err != nil {
		t.Fatal(err)
	}
	want, err := api.DecodeExecutionReport(benchReport)
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range [][]byte{
		benchReport,
		inner.Event,
		[]byte(` {"subscriptionId":3,"event":` + string(inner.Event) + "}\n"),
	} {
		got, err := decodeEvent(msg)
		if err != nil || got != want {
			t.Errorf("decodeEvent(%.60s...) = %+v, %v\nwant %+v", msg, got, err, want)
		}
		var flat api.ExecutionReport
		if scanExec(inner.Event, &flat) != nil {
			t.Error("the scanner refused a flat event")
		}
	}
	for _, c := range []struct {
		msg string
		err error
	}{
		{`{"e":"executionReport","c":"a\"b","i":1}`, nil},                   // an escape: encoding/json
		{`{"e":"executionReport","N":null,"x":"NEW","extra":{"a":1}}`, nil}, // nested: encoding/json
		{`{"e":"outboundAccountPosition","E":1}`, api.ErrNotExecutionReport},
		{`{"subscriptionId":0,"event":{"e":"eventStreamTerminated","E":1}}`, api.ErrNotExecutionReport},
		{`{"e":"executionReport","i":"1"}`, errors.New("any")}, // a string for a number
		{`{"e":"executionReport"`, errors.New("any")},
	} {
		got, err := decodeEvent([]byte(c.msg))
		ref, rerr := api.DecodeExecutionReport([]byte(c.msg))
		if (err == nil) != (rerr == nil) || got != ref {
			t.Errorf("decodeEvent(%s) = %+v, %v; api says %+v, %v", c.msg, got, err, ref, rerr)
		}
		if c.err != nil && errors.Is(c.err, api.ErrNotExecutionReport) && !errors.Is(err, c.err) {
			t.Errorf("decodeEvent(%s) error %v, want %v", c.msg, err, c.err)
		}
	}
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add(benchReport)
	f.Add([]byte(`{"e":"executionReport","c":"1-2-3","i":5,"m":true,"N":null}`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		got, err := decodeEvent(msg)
		ref, rerr := api.DecodeExecutionReport(msg)
		if err == nil && rerr == nil && got != ref {
			t.Fatalf("scanner %+v\n   json %+v", got, ref)
		}
		if err == nil && rerr != nil {
			t.Fatalf("scanner took what encoding/json refuses (%v): %+v", rerr, got)
		}
	})
}

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

// TestDecodeEventTable: members at the edges of the scanner's fast path
// (numbers at int64's limits, strings before and after numbers, nulls,
// non-ASCII) decode as encoding/json decodes them.
func TestDecodeEventTable(t *testing.T) {
	for _, m := range []string{
		`{"E":9223372036854775807,"e":"executionReport","i":-9223372036854775808}`,
		`{"E":9223372036854775808,"e":"executionReport"}`,
		`{"E":-9223372036854775809,"e":"executionReport"}`,
		`{"E":-0,"e":"executionReport","i":0,"t":-1}`,
		`{"E":01,"e":"executionReport"}`,
		`{"E":1.5,"e":"executionReport"}`,
		`{"E":1e3,"e":"executionReport"}`,
		`{"E":-,"e":"executionReport"}`,
		`{"E":null,"i":12,"e":"executionReport","c":"","N":null,"s":"BTCUSD","L":"1.00","w":true,"m":null}`,
		`{"e":"executionReport","N":"USDé","s":"x"}`,
		`{"e":"executionReport","s":"a","s":"b"}`,
		`{ "e" : "executionReport" , "E" : 7 , "X" : "FILLED" }`,
		`{"e":"executionReport","eR":"x","v":3,"V":"NONE","W":1}`,
	} {
		got, err := decodeEvent([]byte(m))
		ref, rerr := api.DecodeExecutionReport([]byte(m))
		if (err == nil) != (rerr == nil) || got != ref {
			t.Errorf("decodeEvent(%s) = %+v, %v; encoding/json %+v, %v", m, got, err, ref, rerr)
		}
	}
}

func TestDecodeEventAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _, _ = decodeEvent(benchReport) }); n > 1 {
		t.Errorf("decodeEvent allocates %v times, want at most 1", n)
	}
}

package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

const dir = "../../../../testdata/binance/binance-spot-2021-10-12/"

// TestRunJSON runs the command on the spot recording and checks the keys
// and values computed by hand (see feeds/binance's recording tests: an
// independent Python script of the documented procedure).
func TestRunJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	err := Run(context.Background(), []string{"--venue", "binance", dir + "BINANCE.ws.1.0", "--snapshots", dir + "BINANCE.http.0.0", "--json"}, &out, &errOut)
	if err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	if len(raw) != 5 || raw["books"] == nil || raw["frames"] == nil || raw["diffs_applied"] == nil || raw["diffs_dropped"] == nil || raw["resyncs"] == nil {
		t.Fatalf("keys %v", keys)
	}
	var o struct {
		Books map[string]struct {
			LastUpdateID int64       `json:"last_update_id"`
			Bids         [][2]string `json:"bids"`
			Asks         [][2]string `json:"asks"`
		} `json:"books"`
		Frames, DiffsApplied, DiffsDropped, Resyncs uint64
	}
	if err := json.Unmarshal(out.Bytes(), &o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"frames":265,"diffs_applied":172,"diffs_dropped":5,"resyncs":0`) {
		t.Errorf("counts: %s", out.String()[len(out.String())-120:])
	}
	n := o.Books["NKNUSDT"]
	if len(o.Books) != 4 || n.LastUpdateID != 499870179 || len(n.Bids) != 614 || len(n.Asks) != 994 {
		t.Fatalf("NKNUSDT: last %d, %d bids %d asks; %d books", n.LastUpdateID, len(n.Bids), len(n.Asks), len(o.Books))
	}
	if n.Bids[0] != [2]string{"0.3527", "9602"} || n.Asks[0] != [2]string{"0.3531", "152"} || n.Bids[613] != [2]string{"0.00212", "117924.5"} {
		t.Errorf("NKNUSDT levels %v %v %v", n.Bids[0], n.Asks[0], n.Bids[613])
	}
	if b := o.Books["BLZETH"]; b.LastUpdateID != 281916638 || b.Bids[len(b.Bids)-1] != [2]string{"0.00000001", "1000000"} {
		t.Errorf("BLZETH %d %v", b.LastUpdateID, b.Bids[len(b.Bids)-1])
	}
	if r := o.Books["RUNEEUR"]; r.LastUpdateID != 15602513 || r.Asks[len(r.Asks)-1] != [2]string{"45", "9.3"} {
		t.Errorf("RUNEEUR %d", r.LastUpdateID)
	}
}

func TestRunWithoutSnapshotsAndText(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := Run(context.Background(), []string{"--venue", "binance", dir + "BINANCE.ws.1.0"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	// No snapshot: no book syncs, all four are named on stderr.
	if strings.Count(errOut.String(), "no synced book") != 4 || !strings.Contains(out.String(), "frames 265  diffs applied 0") {
		t.Errorf("stdout %q stderr %q", out.String(), errOut.String())
	}
	if err := Run(context.Background(), []string{"--venue", "kraken", "x"}, &out, &errOut); err == nil {
		t.Error("a venue other than binance accepted")
	}
}

func TestDeriveScales(t *testing.T) {
	for _, c := range []struct {
		v    int64
		want uint8
	}{{35210000, 4}, {67200000000, 0}, {1, 8}, {0, 0}, {117924_50000000, 1}} {
		if got := significant(c.v, 8); got != c.want {
			t.Errorf("significant(%d) = %d, want %d", c.v, got, c.want)
		}
	}
}

package replay

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/desk-trading/desk/feeds/binance"
)

// ErrUsage is returned for bad arguments.
var ErrUsage = errors.New("usage: desk replay --venue binance FILE.ws [--snapshots FILE.http] [--json]")

const wireDecimals = 8

// Book is one symbol's book in the JSON output.
type Book struct {
	LastUpdateID int64       `json:"last_update_id"`
	Bids         [][2]string `json:"bids"`
	Asks         [][2]string `json:"asks"`
}

// Output is the JSON output.
type Output struct {
	Books        map[string]Book `json:"books"`
	Frames       uint64          `json:"frames"`
	DiffsApplied uint64          `json:"diffs_applied"`
	DiffsDropped uint64          `json:"diffs_dropped"`
	Resyncs      uint64          `json:"resyncs"`
}

// Run runs `desk replay` with args (after the command name).
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("desk replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	venue := fs.String("venue", "", "the recording's protocol: binance")
	snapFile := fs.String("snapshots", "", "REST depth snapshots `file` (*.http.*)")
	asJSON := fs.Bool("json", false, "print JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, ErrUsage.Error())
		fmt.Fprintln(stderr, "Replays the frames through the feed decoder and book sync directly (no websocket yet).")
		fs.PrintDefaults()
	}
	// Flags may come before and after the file.
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if *venue != "binance" || len(files) != 1 {
		fs.Usage()
		return ErrUsage
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	out, unsynced, err := replayFiles(files[0], *snapFile)
	if err != nil {
		return err
	}
	for _, s := range unsynced {
		fmt.Fprintf(stderr, "desk replay: %s: no synced book at the end of the recording\n", s)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(out)
	}
	printText(stdout, out)
	return nil
}

func replayFiles(wsPath, snapPath string) (*Output, []string, error) {
	wf, err := os.Open(wsPath)
	if err != nil {
		return nil, nil, err
	}
	defer wf.Close()
	frames, err := binance.ReadFrames(wf)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", wsPath, err)
	}
	var snaps []binance.RecordedSnapshot
	if snapPath != "" {
		sf, err := os.Open(snapPath)
		if err != nil {
			return nil, nil, err
		}
		defer sf.Close()
		if snaps, err = binance.ReadSnapshots(sf); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", snapPath, err)
		}
	}
	return replay(frames, snaps)
}

// replay derives the scales, replays, and builds the output.
func replay(frames []binance.RecordedFrame, snaps []binance.RecordedSnapshot) (*Output, []string, error) {
	scales, order := deriveScales(frames, snaps)
	var cfg []binance.SymbolConfig
	for _, s := range order {
		cfg = append(cfg, binance.SymbolConfig{Symbol: s, Scales: scales[s]})
	}
	h, err := binance.NewHandler(binance.Options{Venue: "replay", Symbols: cfg})
	if err != nil {
		return nil, nil, err
	}
	binance.Replay(h, frames, snaps)
	st := h.Stats()
	out := &Output{Books: map[string]Book{}, Frames: st.Frames, DiffsApplied: st.DiffsApplied, DiffsDropped: st.DiffsDropped, Resyncs: st.Resyncs}
	var unsynced []string
	for _, sym := range order {
		s := h.Sync(sym)
		if !s.Synced() {
			unsynced = append(unsynced, sym)
			continue
		}
		sc := scales[sym]
		b := Book{LastUpdateID: s.LastUpdateID(), Bids: [][2]string{}, Asks: [][2]string{}}
		for _, l := range s.Book().AppendLevels(nil, binance.Bid) {
			b.Bids = append(b.Bids, [2]string{binance.FormatFixed(int64(l.Price), sc.PriceDecimals), binance.FormatFixed(int64(l.Qty), sc.QtyDecimals)})
		}
		for _, l := range s.Book().AppendLevels(nil, binance.Ask) {
			b.Asks = append(b.Asks, [2]string{binance.FormatFixed(int64(l.Price), sc.PriceDecimals), binance.FormatFixed(int64(l.Qty), sc.QtyDecimals)})
		}
		out.Books[sym] = b
	}
	return out, unsynced, nil
}

// significant returns how many of v's scale decimals are significant.
func significant(v int64, scale uint8) uint8 {
	if v == 0 {
		return 0
	}
	for v%10 == 0 && scale > 0 {
		v /= 10
		scale--
	}
	return scale
}

// deriveScales decodes everything at eight decimals and returns, per
// symbol with a depth diff or a snapshot, the most significant price and
// quantity decimals seen, and the symbols in order of first appearance.
// Frames that do not decode are skipped here; the replay counts them.
func deriveScales(frames []binance.RecordedFrame, snaps []binance.RecordedSnapshot) (map[string]binance.Scales, []string) {
	wire := binance.Scales{PriceDecimals: wireDecimals, QtyDecimals: wireDecimals}
	scales := map[string]binance.Scales{}
	var order []string
	see := func(sym string, levels ...[]binance.Level) {
		sc, ok := scales[sym]
		if !ok {
			order = append(order, sym)
		}
		for _, lv := range levels {
			for _, l := range lv {
				sc.PriceDecimals = max(sc.PriceDecimals, significant(int64(l.Price), wireDecimals))
				sc.QtyDecimals = max(sc.QtyDecimals, significant(int64(l.Qty), wireDecimals))
			}
		}
		scales[sym] = sc
	}
	var f binance.Frame
	var d binance.DepthUpdate
	for _, fr := range frames {
		if f.Parse(fr.Data) != nil || f.Kind() != binance.KindDepth || f.Depth(wire, &d) != nil {
			continue
		}
		see(string(f.Symbol()), d.Bids, d.Asks)
	}
	var s binance.Snapshot
	for _, sn := range snaps {
		if binance.DecodeSnapshot(sn.Body, wire, &s) != nil {
			see(sn.Symbol)
			continue
		}
		see(sn.Symbol, s.Bids, s.Asks)
	}
	return scales, order
}

func printText(w io.Writer, out *Output) {
	syms := make([]string, 0, len(out.Books))
	for s := range out.Books {
		syms = append(syms, s)
	}
	slices.Sort(syms)
	const top = 10
	for _, s := range syms {
		b := out.Books[s]
		fmt.Fprintf(w, "%s  last_update_id %d  %d bids  %d asks (best %d shown; --json has every level)\n", s, b.LastUpdateID, len(b.Bids), len(b.Asks), top)
		for i := 0; i < top && (i < len(b.Bids) || i < len(b.Asks)); i++ {
			var bid, ask [2]string
			if i < len(b.Bids) {
				bid = b.Bids[i]
			}
			if i < len(b.Asks) {
				ask = b.Asks[i]
			}
			fmt.Fprintf(w, "  %18s %-14s | %-14s %s\n", bid[1], bid[0], ask[0], ask[1])
		}
	}
	fmt.Fprintf(w, "frames %d  diffs applied %d  dropped %d  resyncs %d\n", out.Frames, out.DiffsApplied, out.DiffsDropped, out.Resyncs)
}

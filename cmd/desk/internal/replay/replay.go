package replay

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/gorilla/websocket"

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
		fmt.Fprintln(stderr, "Serves the recording on a loopback websocket and REST server to the feed's client and prints the final books.")
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
	res, err := replayFiles(ctx, files[0], *snapFile)
	if err != nil {
		return err
	}
	if n := res.stats.Reconnects; n > 0 || res.server.Conns > 1 {
		fmt.Fprintf(stderr, "desk replay: the client reconnected (%d reconnects, %d connections): the books and counts are not a clean replay\n", n, res.server.Conns)
	}
	for _, s := range res.unsynced {
		fmt.Fprintf(stderr, "desk replay: %s: no synced book at the end of the recording\n", s)
	}
	out := res.out
	if *asJSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(out)
	}
	printText(stdout, out)
	return nil
}

func replayFiles(ctx context.Context, wsPath, snapPath string) (*result, error) {
	wf, err := os.Open(wsPath)
	if err != nil {
		return nil, err
	}
	defer wf.Close()
	frames, err := binance.ReadFrames(wf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", wsPath, err)
	}
	var snaps []binance.RecordedSnapshot
	if snapPath != "" {
		sf, err := os.Open(snapPath)
		if err != nil {
			return nil, err
		}
		defer sf.Close()
		if snaps, err = binance.ReadSnapshots(sf); err != nil {
			return nil, fmt.Errorf("%s: %w", snapPath, err)
		}
	}
	return replay(ctx, frames, snaps)
}

// replayTimeout bounds a replay: the client must have handled every frame
// and snapshot by then.
const replayTimeout = 30 * time.Second

// Backoff of the client against the loopback server: short, as a symbol
// whose recorded snapshots are used up keeps retrying until the end.
const (
	backoffMin = 10 * time.Millisecond
	backoffMax = 100 * time.Millisecond
)

// result is a replay's output and what the tests check beyond it.
type result struct {
	out      *Output
	unsynced []string
	stats    binance.Stats // the client's at the end, endOfReplay included
	server   serverStats
}

// finalBook is a copy of a synced book.
type finalBook struct {
	lastID     int64
	bids, asks []binance.Level
}

// replay derives the scales, serves the recording on loopback to a
// binance.Client, waits for it to handle everything, and builds the output
// from the client's handler once Run has returned (Run leaves the books as
// the connection left them when its context ends).
func replay(ctx context.Context, frames []binance.RecordedFrame, snaps []binance.RecordedSnapshot) (*result, error) {
	scales, order := deriveScales(frames, snaps)
	if len(order) == 0 {
		return nil, errors.New("desk replay: the recording has no depth update and no snapshot: no symbol to replay")
	}
	var cfg []binance.SymbolConfig
	for _, s := range order {
		cfg = append(cfg, binance.SymbolConfig{Symbol: s, Scales: scales[s]})
	}
	srv, err := startServer(frames, snaps)
	if err != nil {
		return nil, err
	}
	defer srv.close()
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: binance.DefaultSnapshotWorkers}
	defer tr.CloseIdleConnections()
	client, err := binance.NewClient(binance.ClientOptions{
		RESTURL:    "http://" + srv.addr,
		WSURL:      "ws://" + srv.addr,
		Handler:    binance.Options{Venue: "replay", Symbols: cfg},
		HTTPClient: &http.Client{Transport: tr, Timeout: 10 * time.Second},
		Dialer:     &websocket.Dialer{HandshakeTimeout: 10 * time.Second},
		BackoffMin: backoffMin,
		BackoffMax: backoffMax,
	})
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	runDone := make(chan struct{})
	go func() {
		defer close(runDone)
		_ = client.Run(runCtx) // errors only when already running
	}()
	waitErr := waitDone(ctx, client, srv, len(frames), len(order))
	cancel()
	<-runDone
	tr.CloseIdleConnections()
	if err := srv.close(); err != nil {
		return nil, fmt.Errorf("replay server: %w", err)
	}
	if waitErr != nil {
		return nil, waitErr
	}

	// Run has returned: the handler and books are ours.
	st := client.Stats()
	frameCount := st.Frames
	if frameCount > uint64(len(frames)) {
		frameCount-- // endOfReplay
	}
	res := &result{stats: st, server: srv.stats()}
	final := make(map[string]*finalBook, len(order))
	h := client.Handler()
	for _, sym := range order {
		if sy := h.Sync(sym); sy.Synced() {
			final[sym] = &finalBook{lastID: sy.LastUpdateID(),
				bids: sy.Book().AppendLevels(nil, binance.Bid), asks: sy.Book().AppendLevels(nil, binance.Ask)}
		}
	}
	res.out, res.unsynced = output(order, scales, final, st, frameCount)
	return res, nil
}

// waitDone waits, polling the client's and the server's counts, until the
// replay's outcome is final, or a reconnect shows it will not be clean
// (no error either way; Run reports a reconnect), or ctx ends or
// replayTimeout passes (an error).
//
// The outcome is final once (1) the client has handled endOfReplay, so
// every recorded frame in full (the Run goroutine handles frames one at a
// time, resync and snapshot request included, and Stats' counters are
// atomics), and (2) every symbol that still needs a snapshot has been
// answered 503. (2) is checked by counting: a symbol needs a snapshot at
// the start and after each resync, and stops on each loaded snapshot
// (Client only fetches for a symbol that needs one and only OnSnapshot ends
// the need), so with no reconnect the symbols that need one number
// symbols + Resyncs - Snapshots. Those answered 503 ("parked") need one
// for good (no snapshot is left for them), so when the count equals them
// no symbol waits for a body (one served but not yet handled keeps its
// symbol needing and not parked), none will get one, and with no frame
// left no book changes any more. Snapshots is read before Resyncs (Stats
// loads them the other way round, hence two calls; a snapshot adds its
// resync before itself), so the count is never too low.
func waitDone(ctx context.Context, c *binance.Client, srv *server, frames, symbols int) error {
	deadline := time.NewTimer(replayTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			st, ss := c.Stats(), srv.stats()
			return fmt.Errorf("desk replay: not done after %v: client handled %d of %d frames, %d snapshots, %d resyncs; server wrote %d frames, served %d snapshots, answered %d requests 503 (%d symbols)",
				replayTimeout, st.Frames, frames+1, st.Snapshots, st.Resyncs, ss.Written, ss.Bodies, ss.Unavailable, ss.Parked)
		case <-tick.C:
		}
		ss := srv.stats()
		s1 := c.Stats()
		s2 := c.Stats()
		if ss.Conns > 1 || s2.Reconnects > 0 {
			return nil
		}
		needing := int64(symbols) + int64(s2.Resyncs) - int64(s1.Snapshots)
		if s1.Frames == uint64(frames)+1 && needing == int64(ss.Parked) {
			return nil
		}
	}
}

// output builds the output: books has the synced symbols' books.
func output(order []string, scales map[string]binance.Scales, books map[string]*finalBook, st binance.Stats, frames uint64) (*Output, []string) {
	out := &Output{Books: map[string]Book{}, Frames: frames, DiffsApplied: st.DiffsApplied, DiffsDropped: st.DiffsDropped, Resyncs: st.Resyncs}
	var unsynced []string
	for _, sym := range order {
		fb := books[sym]
		if fb == nil {
			unsynced = append(unsynced, sym)
			continue
		}
		sc := scales[sym]
		b := Book{LastUpdateID: fb.lastID, Bids: [][2]string{}, Asks: [][2]string{}}
		for _, l := range fb.bids {
			b.Bids = append(b.Bids, [2]string{binance.FormatFixed(int64(l.Price), sc.PriceDecimals), binance.FormatFixed(int64(l.Qty), sc.QtyDecimals)})
		}
		for _, l := range fb.asks {
			b.Asks = append(b.Asks, [2]string{binance.FormatFixed(int64(l.Price), sc.PriceDecimals), binance.FormatFixed(int64(l.Qty), sc.QtyDecimals)})
		}
		out.Books[sym] = b
	}
	return out, unsynced
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

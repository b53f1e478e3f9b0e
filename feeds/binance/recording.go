package binance

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
)

// RecordedFrame is one websocket frame of a recording.
type RecordedFrame struct {
	Line int   // 1-based line in the file
	Time int64 // receive time, unix ns
	Data []byte
}

// RecordedSnapshot is one REST reply of a recording.
type RecordedSnapshot struct {
	Line   int
	Time   int64
	URL    string
	Symbol string // the URL's symbol parameter
	Body   []byte
}

// ReadFrames reads a websocket recording (cryptofeed's format: a first line
// "<url> <-> <connect time>", then "<receive time>: <frame>" lines). Empty
// lines are skipped. A line without a readable time prefix is kept whole
// as a frame at the previous line's time, so a damaged line reaches the
// decoder (and is counted) rather than stopping the replay.
func ReadFrames(r io.Reader) ([]RecordedFrame, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), 64<<20)
	var out []RecordedFrame
	var last int64
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if n == 1 && bytes.Contains(line, []byte(" <-> ")) {
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		data := line
		if ts, rest, ok := bytes.Cut(line, []byte(": ")); ok {
			if t, err := parseTime(ts); err == nil {
				last, data = t, rest
			}
		}
		out = append(out, RecordedFrame{Line: n, Time: last, Data: bytes.Clone(data)})
	}
	return out, sc.Err()
}

// ReadSnapshots reads a REST recording: "<url> -> <receive time>: <body>"
// lines. Empty lines are skipped; any other line that does not have that
// shape is ErrRecording.
func ReadSnapshots(r io.Reader) ([]RecordedSnapshot, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), 64<<20)
	var out []RecordedSnapshot
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		u, rest, ok := bytes.Cut(line, []byte(" -> "))
		if !ok {
			return nil, fmt.Errorf("line %d: no \" -> \": %w", n, ErrRecording)
		}
		ts, body, ok := bytes.Cut(rest, []byte(": "))
		if !ok {
			return nil, fmt.Errorf("line %d: no time: %w", n, ErrRecording)
		}
		t, err := parseTime(ts)
		if err != nil {
			return nil, fmt.Errorf("line %d: time %q: %w", n, ts, ErrRecording)
		}
		pu, err := url.Parse(string(u))
		if err != nil {
			return nil, fmt.Errorf("line %d: url: %w", n, ErrRecording)
		}
		sym := pu.Query().Get("symbol")
		if sym == "" {
			return nil, fmt.Errorf("line %d: url without symbol: %w", n, ErrRecording)
		}
		out = append(out, RecordedSnapshot{Line: n, Time: t, URL: string(u), Symbol: sym, Body: bytes.Clone(body)})
	}
	return out, sc.Err()
}

// parseTime parses "1633998512.0633569" (unix seconds) to unix ns exactly.
func parseTime(b []byte) (int64, error) {
	sec, frac, _ := bytes.Cut(b, []byte("."))
	s, err := strconv.ParseInt(string(sec), 10, 64)
	if err != nil || s < 0 || s > 1<<33 {
		return 0, ErrRecording
	}
	var ns int64
	for i := 0; i < 9; i++ {
		ns *= 10
		if i < len(frac) {
			c := frac[i]
			if c < '0' || c > '9' {
				return 0, ErrRecording
			}
			ns += int64(c - '0')
		}
	}
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0, ErrRecording
		}
	}
	return s*1_000_000_000 + ns, nil
}

// ReplayResult counts what Replay did beyond the handler's Stats.
type ReplayResult struct {
	SnapshotsUsed   int // snapshots handed to the handler
	SnapshotsUnused int // snapshots of symbols that did not need one when they arrived, or not configured
	FrameErrors     int // frames the handler refused (also counted in its Malformed)
}

// Replay drives h with a recording, in receive-time order, without a
// network: each frame goes to OnFrame; each snapshot is handed to
// OnSnapshot at its receive time (before frames received later) when its
// symbol needs one then, as a client that fetched it would. A symbol that
// resyncs after its recorded snapshot was used has no second one and stays
// unsynced. Decoding errors are counted, not returned.
func Replay(h *Handler, frames []RecordedFrame, snaps []RecordedSnapshot) ReplayResult {
	var res ReplayResult
	snaps = slices.Clone(snaps)
	slices.SortStableFunc(snaps, func(a, b RecordedSnapshot) int { return cmp.Compare(a.Time, b.Time) })
	si := 0
	give := func(s RecordedSnapshot) {
		if !h.NeedsSnapshot(s.Symbol) {
			res.SnapshotsUnused++
			return
		}
		res.SnapshotsUsed++
		_ = h.OnSnapshot(s.Symbol, s.Body) // counted as malformed by h
	}
	for _, f := range frames {
		for si < len(snaps) && snaps[si].Time <= f.Time {
			give(snaps[si])
			si++
		}
		if err := h.OnFrame(f.Data); err != nil {
			res.FrameErrors++
		}
	}
	for ; si < len(snaps); si++ {
		give(snaps[si])
	}
	return res
}

package binance

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// fault injects a fault on demand (POST /admin/fault?kind=...):
//
//   - drop-connections: close every websocket connection;
//   - skip-updates&symbol=X&count=N: drop diff events of symbol X's diff
//     streams (both speeds) until at least N update ids are skipped, so
//     clients see U != previous u + 1;
//   - stall&stream=S&for=D: send nothing on stream S for duration D (the
//     frames are dropped, not delayed);
//   - malformed&stream=S: send one frame that is not JSON to every
//     subscriber of S at once.
func (s *Server) fault(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	bad := func(msg string) { writeErr(w, http.StatusBadRequest, codeIllegalChars, msg) }
	switch q.Get("kind") {
	case "drop-connections":
		n := s.dropAll("fault: drop-connections")
		s.log.Info("fault: dropped connections", "n", n)
		writeJSON(w, http.StatusOK, map[string]int{"dropped": n})
	case "skip-updates":
		m := s.byName[strings.ToUpper(q.Get("symbol"))]
		if m == nil {
			invalidSymbol(w)
			return
		}
		n, err := strconv.ParseUint(q.Get("count"), 10, 64)
		if err != nil || n == 0 {
			bad("count must be a positive integer")
			return
		}
		m.mu.Lock()
		for sp := range nSpeeds {
			m.skip[sp] += n
		}
		m.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"symbol": m.name, "skip": n})
	case "stall":
		st := q.Get("stream")
		d, err := time.ParseDuration(q.Get("for"))
		if !s.validStream(st) || err != nil || d <= 0 {
			bad("stall needs a valid stream and a positive duration in for")
			return
		}
		s.faultMu.Lock()
		s.stalled[canon(st)] = time.Now().Add(d)
		s.faultMu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"stream": canon(st), "until": time.Now().Add(d).UnixMilli()})
	case "malformed":
		st := q.Get("stream")
		if !s.validStream(st) {
			bad("malformed needs a valid stream")
			return
		}
		s.mu.RLock()
		n := len(s.subs[canon(st)])
		for c := range s.subs[canon(st)] {
			c.enqueue([]byte(`{"e":"depthUpdate","E":`))
		}
		s.mu.RUnlock()
		writeJSON(w, http.StatusOK, map[string]any{"stream": canon(st), "sent": n})
	default:
		if !s.orderFault(w, q) {
			bad("unknown fault kind; want drop-connections, skip-updates, stall, malformed, delay-acks, drop-acks, " +
				"duplicate-report, fill-after-cancel, http-429, http-5xx or drop-user-stream")
		}
	}
}

package binance

import (
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// faultKind is an order-entry fault armed for the next N occurrences.
type faultKind uint8

const (
	faultDelayAck faultKind = iota + 1
	faultDropAck
	faultDupReport
	faultFillAfterCancel
	fault429
	fault5xxPlaced
	fault5xxNotPlaced
)

// orderFault arms an order-entry fault (POST /admin/fault?kind=...); it
// reports false for a kind it does not know. Order requests are new
// orders, cancels and cancel-replaces, over REST and the WebSocket API.
//
//   - delay-acks&for=D[&count=N]: hold each of the next N (1) order
//     answers for D; the order is executed at once, only its answer waits.
//   - drop-acks[&count=N]: execute the next N (1) order requests and
//     answer nothing: a REST request's connection is closed without a
//     response; a WebSocket API request gets no answer and the
//     connection stays open.
//   - duplicate-report[&count=N]: send the next N (1) executionReports
//     twice on every user-data stream.
//   - fill-after-cancel[&count=N]: the next N (1) cancels of a resting
//     order book one more fill first (see ledger.canceled): the order ends
//     partially filled then canceled.
//   - http-429[&count=N]: answer the next N (1) order requests 429 -1003,
//     not executed (they count towards the 418 ban).
//   - http-5xx[&count=N][&placed=true|false]: answer the next N (1) order
//     requests 500 -1001; with placed=true (the default) the request is
//     executed first, as a gateway that failed after the matching engine
//     took the order; with placed=false it is not.
//   - drop-user-stream: end every user-data stream: listen-key
//     connections close, WebSocket API subscriptions end with
//     eventStreamTerminated (their connection stays).
func (s *Server) orderFault(w http.ResponseWriter, q url.Values) bool {
	bad := func(msg string) { writeErr(w, http.StatusBadRequest, codeIllegalChars, msg) }
	count := 1
	if c := q.Get("count"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n <= 0 {
			bad("count must be a positive integer")
			return true
		}
		count = n
	}
	var k faultKind
	switch q.Get("kind") {
	case "delay-acks":
		d, err := time.ParseDuration(q.Get("for"))
		if err != nil || d <= 0 {
			bad("delay-acks needs a positive duration in for")
			return true
		}
		s.faultMu.Lock()
		s.delay = d
		s.faultMu.Unlock()
		k = faultDelayAck
	case "drop-acks":
		k = faultDropAck
	case "duplicate-report":
		k = faultDupReport
	case "fill-after-cancel":
		k = faultFillAfterCancel
	case "http-429":
		k = fault429
	case "http-5xx":
		k = fault5xxPlaced
		switch q.Get("placed") {
		case "", "true":
		case "false":
			k = fault5xxNotPlaced
		default:
			bad("placed must be true or false")
			return true
		}
	case "drop-user-stream":
		writeJSON(w, http.StatusOK, map[string]int{"dropped": s.users.dropAll()})
		return true
	default:
		return false
	}
	s.faultMu.Lock()
	s.faults[k] += count
	s.faultMu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"kind": q.Get("kind"), "count": count})
	return true
}

// takeFault consumes one occurrence of k, reporting whether one was
// armed.
func (s *Server) takeFault(k faultKind) bool {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	if s.faults[k] == 0 {
		return false
	}
	s.faults[k]--
	return true
}

// take5xx consumes one http-5xx occurrence: five reports one was armed,
// placed whether the request is to be executed.
func (s *Server) take5xx() (placed, five bool) {
	if s.takeFault(fault5xxNotPlaced) {
		return false, true
	}
	if s.takeFault(fault5xxPlaced) {
		return true, true
	}
	return false, false
}

// takeDelay consumes one delay-acks occurrence: how long to hold.
func (s *Server) takeDelay() time.Duration {
	if !s.takeFault(faultDelayAck) {
		return 0
	}
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.delay
}

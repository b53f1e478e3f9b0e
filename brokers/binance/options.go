package binance

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

// Options configure a Venue. Each field says what its zero value means.
type Options struct {
	// Name is the venue as desk names it, for logs. Zero: "binance".
	Name string
	// ID is stamped on every report (domain.ExecReport.Venue) and order
	// the venue returns.
	ID domain.VenueID
	// RESTURL is the REST base, e.g. "https://api.binance.com" or
	// "http://127.0.0.1:9101". Required.
	RESTURL string
	// WSURL is the websocket base, e.g. "wss://ws-api.binance.com:443" or
	// "ws://127.0.0.1:9101": the WebSocket API is WSURL+"/ws-api/v3".
	// Required.
	WSURL string
	// StreamURL is the base of the legacy listenKey user data stream,
	// StreamURL+"/ws/<listenKey>" (Binance: "wss://stream.binance.com:9443"),
	// used only when the venue refuses userDataStream.subscribe.signature.
	// Zero: WSURL, as desk's simulated venue serves both on one listener.
	StreamURL string
	// Credentials sign every request. Required.
	Credentials api.Credentials
	// Symbols maps each venue symbol ("BTCUSD") to the desk instrument it
	// trades. Required, at least one; two symbols for one instrument fail.
	Symbols map[string]domain.Instrument
	// Reports receives every execution report. The send blocks, as the
	// simulator's does: a report is never dropped, so a reader that stops
	// stalls the venue's report path (not Submit). Required.
	Reports chan<- domain.ExecReport
	// RecvWindow is sent as recvWindow on every signed request. Zero: 5s
	// (api.DefaultRecvWindow); at most api.MaxRecvWindow.
	RecvWindow time.Duration
	// Logger receives the venue's log lines, with ids as fields and never a
	// key or secret. Zero (nil): none.
	Logger *slog.Logger
	// HTTPClient sends the REST requests. Zero: a client with a 10s
	// timeout.
	HTTPClient *http.Client

	// QueueSize bounds the queue between Submit, Cancel and Replace and the
	// sender goroutine; when it is full they fail with ErrQueueFull. Zero:
	// 4096.
	QueueSize int
	// RequestTimeout is how long a WebSocket API request waits for its
	// answer before its outcome is unknown (and resolved by query). Zero:
	// 10s.
	RequestTimeout time.Duration
	// ResolveInterval is how often an order whose outcome is unknown is
	// queried, doubled on each failure up to 16 times it. Zero: 250ms.
	ResolveInterval time.Duration
	// BackoffMin and BackoffMax bound the wait before a reconnect: it
	// doubles from BackoffMin on each consecutive failure up to
	// BackoffMax, less a random part of up to half. Zero: 100ms and 30s.
	BackoffMin, BackoffMax time.Duration
	// RESTWorkers is how many REST order-entry requests may be in flight
	// at once while the WebSocket API is down. Zero: 4.
	RESTWorkers int
	// ListenKeyStream uses the legacy listenKey user data stream (POST
	// /api/v3/userDataStream, StreamURL+"/ws/<key>") from the start, for
	// a venue without userDataStream.subscribe.signature. Zero: subscribe
	// on the WebSocket API, and fall back to the listenKey stream only if
	// the venue refuses for another reason than the credentials.
	ListenKeyStream bool
	// Dialer dials the websockets. Zero: a dialer with a 10s handshake
	// timeout.
	Dialer Dialer
}

// defaults fills the zero fields and checks the rest.
func (o Options) defaults() (Options, error) {
	if o.Name == "" {
		o.Name = "binance"
	}
	if o.RecvWindow == 0 {
		o.RecvWindow = api.DefaultRecvWindow
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.QueueSize == 0 {
		o.QueueSize = 4096
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 10 * time.Second
	}
	if o.ResolveInterval == 0 {
		o.ResolveInterval = 250 * time.Millisecond
	}
	if o.BackoffMin == 0 {
		o.BackoffMin = 100 * time.Millisecond
	}
	if o.BackoffMax == 0 {
		o.BackoffMax = 30 * time.Second
	}
	o.BackoffMax = max(o.BackoffMax, o.BackoffMin)
	if o.RESTWorkers == 0 {
		o.RESTWorkers = 4
	}
	if o.Dialer == nil {
		o.Dialer = defaultDialer()
	}
	o.RESTURL = strings.TrimRight(o.RESTURL, "/")
	o.WSURL = strings.TrimRight(o.WSURL, "/")
	if o.StreamURL == "" {
		o.StreamURL = o.WSURL
	}
	o.StreamURL = strings.TrimRight(o.StreamURL, "/")
	bad := func(f string, a ...any) (Options, error) {
		return Options{}, fmt.Errorf("%w: %s", ErrInvalidOptions, fmt.Sprintf(f, a...))
	}
	switch {
	case o.RESTURL == "" || o.WSURL == "":
		return bad("RESTURL and WSURL are required")
	case o.Credentials.APIKey == "" || o.Credentials.Secret.IsZero():
		return bad("Credentials need an API key and a secret")
	case len(o.Symbols) == 0:
		return bad("no Symbols")
	case o.Reports == nil:
		return bad("Reports is nil")
	case o.RecvWindow < time.Millisecond || o.RecvWindow > api.MaxRecvWindow:
		return bad("RecvWindow %v outside [1ms, %v]", o.RecvWindow, api.MaxRecvWindow)
	case o.QueueSize < 0 || o.RequestTimeout < 0 || o.ResolveInterval < 0 || o.RESTWorkers < 0 || o.BackoffMin < 0:
		return bad("negative QueueSize, RequestTimeout, ResolveInterval, RESTWorkers or BackoffMin")
	}
	return o, nil
}

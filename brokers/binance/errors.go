package binance

import "errors"

var (
	// ErrInvalidOptions is returned by New when Options are incomplete or
	// contradictory; the wrapping error names the field.
	ErrInvalidOptions = errors.New("binance venue: invalid options")
	// ErrNotRunning is returned by Submit, Cancel and Replace while Run is
	// not running, and by the queries before Run has read the venue's
	// symbols.
	ErrNotRunning = errors.New("binance venue: not running")
	// ErrRunning is returned by Run when it is already running.
	ErrRunning = errors.New("binance venue: Run is already running")
	// ErrNotConnected is returned by Submit and Replace while no
	// order-entry path (WebSocket API or REST) is up.
	ErrNotConnected = errors.New("binance venue: order entry is down")
	// ErrQueueFull is returned by Submit, Cancel and Replace when the
	// outbound queue (Options.QueueSize) is full.
	ErrQueueFull = errors.New("binance venue: outbound queue full")
	// ErrUnknownInstrument is returned for an order on an instrument that
	// Options.Symbols does not map.
	ErrUnknownInstrument = errors.New("binance venue: instrument not mapped to a venue symbol")
	// ErrConnLost is the outcome of a WebSocket API request whose
	// connection closed before the answer came: the outcome is unknown.
	ErrConnLost = errors.New("binance venue: connection lost before the answer")
	// ErrTimeout is the outcome of a request not answered within
	// Options.RequestTimeout: the outcome is unknown.
	ErrTimeout = errors.New("binance venue: no answer in time")
	// ErrRateLimited is returned for a request refused locally, not
	// sent, because the venue's last 429 or 418 asked to wait (see
	// RateUse): every request but a cancel during a 429 window, every
	// request during a 418 ban.
	ErrRateLimited = errors.New("binance venue: refused locally until the venue's Retry-After")
	// ErrMalformed is returned when a venue answer does not decode as the
	// shape its request expects.
	ErrMalformed = errors.New("binance venue: malformed answer")
)

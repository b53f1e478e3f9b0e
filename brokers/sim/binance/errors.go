package binance

import "errors"

var (
	// ErrInvalidOptions is returned by New when an Options field is out of
	// range; the wrapping error names it.
	ErrInvalidOptions = errors.New("binance server: invalid options")
	// ErrNotLoopback is returned by Listen for an address that is not a
	// loopback address when remote listening was not allowed.
	ErrNotLoopback = errors.New("binance server: refusing a non-loopback listen address")
	// ErrRunning is returned by Serve when the Server is already serving.
	ErrRunning = errors.New("binance server: already serving")
)

package binance

import "errors"

var (
	// ErrMalformed is returned when a frame or snapshot is not the JSON shape
	// its kind requires: truncated, garbage, a missing or mistyped field.
	ErrMalformed = errors.New("malformed message")
	// ErrNumber is returned when a decimal or integer field is not plain
	// digits (with at most one '.' in a decimal).
	ErrNumber = errors.New("malformed number")
	// ErrPrecision is returned when a decimal has a non-zero digit beyond the
	// instrument's scale.
	ErrPrecision = errors.New("more decimal places than the scale allows")
	// ErrOverflow is returned when a number does not fit in an int64 at its
	// scale.
	ErrOverflow = errors.New("number out of range")
	// ErrOffTick is returned when a price is not a multiple of the tick size.
	ErrOffTick = errors.New("price is not a multiple of the tick size")
	// ErrOffLot is returned when a quantity is not a multiple of the lot size.
	ErrOffLot = errors.New("quantity is not a multiple of the lot size")
	// ErrZeroPrice is returned for a level with a quantity at price zero:
	// no venue quotes one, and a zero bid would read as a market.
	ErrZeroPrice = errors.New("book level at price zero")
	// ErrUnknownSymbol is returned for a symbol the handler was not
	// configured with.
	ErrUnknownSymbol = errors.New("unknown symbol")
	// ErrVenue is returned when a REST reply is the venue's error object
	// ({"code":-1121,"msg":"Invalid symbol."}).
	ErrVenue = errors.New("venue error")
	// ErrRecording is returned when a recording line cannot be read.
	ErrRecording = errors.New("bad recording line")
)

package venue

import "errors"

var (
	// ErrNoVenue is returned by Run when the config has no simulated venue,
	// or none with the name Options.Venue.
	ErrNoVenue = errors.New("desk venue: no such simulated venue in the config")
	// ErrNoState is returned by Run for Options.Keys without
	// Options.StateDir: a venue of record needs somewhere to keep it.
	ErrNoState = errors.New("desk venue: --keys needs --state DIR")
)

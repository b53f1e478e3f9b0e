package venue

import "errors"

var (
	// ErrNoVenue is returned by Run when the config has no simulated venue,
	// or none with the name Options.Venue.
	ErrNoVenue = errors.New("desk venue: no such simulated venue in the config")
)

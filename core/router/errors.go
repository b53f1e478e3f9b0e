package router

import "errors"

// ErrNoVenue is returned by Route and Plan when no venue that lists the
// instrument can take the order: every one is down, reconciling or stale,
// or none lists it.
var ErrNoVenue = errors.New("no venue available")

// ErrNoBudget is returned by Route and Plan when no venue can take the
// order and at least one was skipped only because it has spent its rate
// budget for now: the order may go once an interval rolls over.
var ErrNoBudget = errors.New("every venue's rate budget is spent")

// ErrTooManyVenues is returned by New when given more than MaxVenues
// venues.
var ErrTooManyVenues = errors.New("too many venues")

// ErrUnknownInstrument is returned by SetInstruments when given more
// instruments than the router was built for.
var ErrUnknownInstrument = errors.New("instrument beyond the router's table")

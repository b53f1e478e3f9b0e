package tui

import "errors"

// ErrNoDialer is returned by [Run] when Options.Dial is nil.
var ErrNoDialer = errors.New("tui: Options.Dial is nil")

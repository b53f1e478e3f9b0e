// Package desktest holds the helpers desk's tests share: polling a
// condition until it holds or a deadline passes, and temporary directories
// short enough for unix sockets.
//
// It is imported by tests only (files ending in _test.go, and test harness
// packages such as cmd/desk/internal/daemontest); production code must not
// import it. It depends on the standard library alone, so a test of any
// package in the module can import it without an import cycle.
package desktest

//go:build !linux

package server

import (
	"fmt"
	"net"
	"os"
	"runtime"
)

// peerCred fails: SO_PEERCRED is Linux only, and a peer whose uid cannot be
// checked is refused (fail closed).
func peerCred(*net.UnixConn) (uid uint32, pid int32, err error) {
	return 0, 0, fmt.Errorf("peer credentials are not supported on %s", runtime.GOOS)
}

// fileOwner does not know the owner on this system; the mode check remains.
func fileOwner(os.FileInfo) (uint32, bool) { return 0, false }

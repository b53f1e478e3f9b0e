//go:build !linux

package netvenues

import "syscall"

// sysProcAttr is the default elsewhere: a parent killed with SIGKILL
// leaves its venue processes running.
func sysProcAttr() *syscall.SysProcAttr { return nil }

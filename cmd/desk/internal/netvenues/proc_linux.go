package netvenues

import "syscall"

// sysProcAttr makes a venue process die with its parent, so a parent
// killed with SIGKILL leaves no venue behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

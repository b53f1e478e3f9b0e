package server

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// staleDialTimeout bounds the probe of an existing socket file.
const staleDialTimeout = time.Second

// listen prepares the socket's directory, removes a stale socket file and
// listens on path with mode 0600. The returned listener removes the file
// when closed.
func listen(path string, uid uint32) (*net.UnixListener, error) {
	if err := secureDir(filepath.Dir(path), uid); err != nil {
		return nil, err
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	// The directory is 0700 already, so the moment between bind and chmod
	// exposes nothing; the chmod is the second fence.
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("chmod socket %s: %w", path, err)
	}
	return ln, nil
}

// secureDir creates dir with mode 0700 if it is missing, and refuses an
// existing dir that others may enter or that another user owns.
func secureDir(dir string, uid uint32) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create socket directory: %w", err)
		}
		// MkdirAll is subject to the umask; make the mode exact.
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("chmod socket directory: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("socket directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("socket directory %s is not a directory", dir)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%w: %s has mode %04o, want 0700 (chmod 700 %s)", ErrInsecureDir, dir, perm, dir)
	}
	if owner, ok := fileOwner(fi); ok && owner != uid {
		return fmt.Errorf("%w: %s is owned by uid %d, not uid %d", ErrInsecureDir, dir, owner, uid)
	}
	return nil
}

// removeStale removes a socket file at path that nothing answers on. It
// fails with ErrInUse when something answers and with ErrNotSocket when path
// is some other kind of file.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("socket %s: %w", path, err)
	}
	if fi.Mode()&fs.ModeSocket == 0 {
		return fmt.Errorf("%w: %s (%s); remove it or choose another socket path", ErrNotSocket, path, fi.Mode().Type())
	}
	c, err := net.DialTimeout("unix", path, staleDialTimeout)
	if err == nil {
		c.Close()
		return fmt.Errorf("%w on %s", ErrInUse, path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("probe existing socket %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale socket %s: %w", path, err)
	}
	return nil
}

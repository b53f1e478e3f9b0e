package daemon

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/desk-trading/desk/cmd/desk/internal/config"
)

// Paths are where the daemon keeps its state and listens.
type Paths struct {
	StateDir string // the bbolt journal and the daemon's log live here
	Socket   string // the control socket
}

// DefaultStateDir returns $XDG_STATE_HOME/desk, or ~/.local/state/desk.
func DefaultStateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "desk"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("state dir: %w", err)
	}
	return filepath.Join(home, ".local", "state", "desk"), nil
}

// DefaultSocket returns $XDG_RUNTIME_DIR/desk/desk.sock, or, where no
// runtime dir is set (an SSH session without a login manager, a container),
// desk-UID/desk.sock under the system's temporary directory. Either way the
// socket's directory is the user's alone (mode 0700, checked on listen).
func DefaultSocket() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "desk", "desk.sock")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("desk-%d", os.Getuid()), "desk.sock")
}

// DefaultConfig returns $XDG_CONFIG_HOME/desk/desk.toml (or
// ~/.config/desk/desk.toml) when that file exists, else "".
func DefaultConfig() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	p := filepath.Join(dir, "desk", "desk.toml")
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// LoadConfig loads the config at path; with path "", the one DefaultConfig
// finds, else the embedded default. It logs which one it uses.
func LoadConfig(path string, log *slog.Logger) (*config.Config, error) {
	if path == "" {
		path = DefaultConfig()
	}
	if path == "" {
		log.Info("using the embedded default config")
		return config.Default()
	}
	log.Info("using config", "file", path)
	return config.Load(path)
}

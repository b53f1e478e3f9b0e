package strategy

import (
	"errors"
	"fmt"
	"sort"
	"sync"
)

// Factory builds one strategy instance from its parameters. It reads every
// parameter it knows through p's getters and returns p.Err (or its own
// error) when they are unacceptable; it must not start goroutines or do
// I/O: the Host starts the strategy later, in OnStart.
type Factory func(p *Params) (Strategy, error)

// Registry maps strategy kinds ("market-maker", "twap") to their factories.
// There is no global registry: the daemon builds one, registers the kinds it
// ships (see package demo's Register) and passes it to whatever reads the
// config. A Registry is safe for concurrent use.
type Registry struct {
	mu        sync.RWMutex
	factories map[string]Factory // guarded by mu
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry {
	return &Registry{factories: make(map[string]Factory)}
}

// Register adds kind, built by f. It fails with ErrDuplicateKind when kind
// is already registered and with ErrBadKind when kind is empty or f nil.
func (r *Registry) Register(kind string, f Factory) error {
	if kind == "" || f == nil {
		return fmt.Errorf("register strategy kind %q: %w", kind, ErrBadKind)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.factories[kind]; ok {
		return fmt.Errorf("register strategy kind %q: %w", kind, ErrDuplicateKind)
	}
	r.factories[kind] = f
	return nil
}

// New builds a strategy of kind from the config's parameter values. It
// fails with ErrUnknownKind when kind is not registered, and otherwise with
// the factory's error or, when the factory left one unchecked, Params.Err
// (ErrBadParam, ErrUnknownParam); every error names kind.
func (r *Registry) New(kind string, values map[string]string) (Strategy, error) {
	r.mu.RLock()
	f, ok := r.factories[kind]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("strategy kind %q (known: %v): %w", kind, r.Kinds(), ErrUnknownKind)
	}
	p := NewParams(values)
	s, err := f(p)
	if err == nil {
		err = p.Err()
	}
	if err == nil && s == nil {
		err = errors.New("factory returned no strategy")
	}
	if err != nil {
		return nil, fmt.Errorf("strategy kind %q: %w", kind, err)
	}
	return s, nil
}

// Kinds returns the registered kinds, sorted. The slice is the caller's.
func (r *Registry) Kinds() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	kinds := make([]string, 0, len(r.factories))
	for k := range r.factories {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}

package demo

import "github.com/desk-trading/desk/core/strategy"

// The kinds Register adds, as a config names them.
const (
	KindMarketMaker   = "market-maker"
	KindMomentum      = "momentum"
	KindMeanReversion = "mean-reversion"
	KindTWAP          = "twap"
)

// kind is a strategy kind a file of this package contributes.
type kind struct {
	name    string
	factory strategy.Factory
}

// kinds is the list the files of this package add their kinds to.
type kinds []kind

func (k *kinds) add(name string, f strategy.Factory) { *k = append(*k, kind{name, f}) }

// builtin holds every kind this package defines. Each kind's file adds
// itself from an init function, so a new kind is one new file; builtin is
// written only while the package initialises and only read afterwards.
var builtin kinds

// Register adds the demo strategy kinds to r. It fails, wrapping
// strategy.ErrDuplicateKind, when r already has one of them.
func Register(r *strategy.Registry) error {
	for _, k := range builtin {
		if err := r.Register(k.name, k.factory); err != nil {
			return err
		}
	}
	return nil
}

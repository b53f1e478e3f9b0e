package binance_test

import (
	"github.com/desk-trading/desk/brokers/binance"
	"github.com/desk-trading/desk/core/engine"
)

// The adapter is the engine's Venue and every optional port a networked
// venue has. The check lives in a test: adapters never import the engine,
// they satisfy its ports (docs/ARCHITECTURE.md).
var (
	_ engine.Venue               = (*binance.Venue)(nil)
	_ engine.SessionReporter     = (*binance.Venue)(nil)
	_ engine.OrderHistory        = (*binance.Venue)(nil)
	_ engine.OrderQuerier        = (*binance.Venue)(nil)
	_ engine.ExternalOrderLister = (*binance.Venue)(nil)
	_ engine.BalanceReporter     = (*binance.Venue)(nil)
	_ engine.RateReporter        = (*binance.Venue)(nil)
)

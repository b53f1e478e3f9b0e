package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/store"
)

// The daemon's use of the journal: start, rebuild, append, shut down.
func Example() {
	dir, err := os.MkdirTemp("", "desk-state")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "desk.db")

	for start := 1; start <= 2; start++ {
		j, err := store.Open(path, store.Options{OnError: func(err error) {
			// Post to the engine, which halts trading; never block here.
		}})
		if err != nil {
			panic(err)
		}
		epoch, _ := j.NextEpoch()
		strategy, _ := j.Intern("strategy", "momentum-btc")
		replayed := 0
		if err := j.Replay(func(ev *domain.Event) error {
			replayed++ // the engine rebuilds its orders and positions here
			return nil
		}); err != nil {
			panic(err)
		}

		ev := domain.Event{Kind: domain.EventOrder, Order: domain.Order{
			ID: domain.MakeOrderID(epoch, domain.StrategyID(strategy), 1), Strategy: domain.StrategyID(strategy),
			Side: domain.Buy, Type: domain.Limit, TIF: domain.GTC, State: domain.StateNew,
			Price: 6_512_300, Qty: 3000,
		}}
		if err := j.Append(&ev); err != nil {
			panic(err)
		}
		if err := j.Flush(context.Background()); err != nil {
			panic(err)
		}
		fmt.Printf("start %d: epoch %d, strategy id %d, replayed %d, appended seq %d (order %s)\n",
			start, epoch, strategy, replayed, ev.Seq, ev.Order.ID)
		if err := j.Close(); err != nil {
			panic(err)
		}
	}
	// Output:
	// start 1: epoch 1, strategy id 0, replayed 0, appended seq 1 (order 1-0-1)
	// start 2: epoch 2, strategy id 0, replayed 1, appended seq 2 (order 2-0-1)
}

package bench

import (
	"context"
	"fmt"
	"time"
)

// Step is one rate --find-max tried.
type Step struct {
	AskedTicksPerSec float64 `json:"asked_ticks_per_sec"`
	TicksPerSec      float64 `json:"ticks_per_sec"`
	P99              int64   `json:"p99_ns"` // tick-to-order
	Pass             bool    `json:"pass"`
	Why              string  `json:"why,omitempty"` // why it failed
}

// MaxResult is --find-max's answer: the highest asked tick rate that
// passed, every step tried, and the passing run's full figures.
type MaxResult struct {
	P99BoundNS     int64   `json:"p99_bound_ns"`
	MaxTicksPerSec float64 `json:"max_ticks_per_sec"` // 0 when no rate passed
	Steps          []Step  `json:"steps"`
	Best           *Result `json:"best"` // nil when no rate passed
}

// Search bounds: the lowest rate tried, the highest, and when bisection
// stops (the passing and failing rates within 10%).
const (
	minSearchRate = 100
	maxSearchRate = 10_000_000
	searchPrec    = 1.1
)

// FindMax runs the bench at o.Rate, then doubles the rate while a run
// passes (halves it while one fails), then bisects between the highest
// pass and the lowest fail until they are within 10%. A run passes when
// its p99 tick-to-order is under bound and it is not Saturated (the
// venues got out at least 90% of the asked books, the journal never held
// more than half its queue, the firm stayed active). No rate above
// ceiling is tried (zero: 10,000,000). Each run is a new daemon on a new
// state dir. progress, when set, hears each step.
func FindMax(ctx context.Context, o Options, bound time.Duration, ceiling float64, progress func(Step)) (*MaxResult, error) {
	if bound <= 0 {
		return nil, fmt.Errorf("bench: --p99-bound must be above zero")
	}
	if ceiling <= 0 {
		ceiling = maxSearchRate
	}
	if o.Rate > ceiling {
		return nil, fmt.Errorf("bench: --rate %.0f is above the search's ceiling %.0f", o.Rate, ceiling)
	}
	out := &MaxResult{P99BoundNS: int64(bound)}
	try := func(rate float64) (bool, error) {
		o.Rate = rate
		res, err := Run(ctx, o)
		if err != nil {
			return false, fmt.Errorf("bench: at %.0f ticks/s: %w", rate, err)
		}
		s := Step{AskedTicksPerSec: rate, TicksPerSec: res.TicksPerSec, P99: res.TickToOrder.P99, Why: res.Why}
		switch {
		case res.Saturated:
		case res.TickToOrder.Count == 0:
			s.Why = "no order was timed"
		case res.TickToOrder.P99 > int64(bound):
			s.Why = fmt.Sprintf("p99 tick-to-order %s over %s", time.Duration(res.TickToOrder.P99), bound)
		default:
			s.Pass = true
		}
		out.Steps = append(out.Steps, s)
		if progress != nil {
			progress(s)
		}
		if s.Pass && rate > out.MaxTicksPerSec {
			out.MaxTicksPerSec, out.Best = rate, res
		}
		return s.Pass, nil
	}
	lo, hi := 0.0, 0.0 // highest pass, lowest fail
	rate := o.Rate
	for {
		ok, err := try(rate)
		if err != nil {
			return nil, err
		}
		if ok {
			lo = rate
			if hi > 0 || rate*2 > ceiling {
				break
			}
			rate *= 2
		} else {
			hi = rate
			if lo > 0 || rate/2 < minSearchRate {
				break
			}
			rate /= 2
		}
	}
	for lo > 0 && hi > 0 && hi/lo > searchPrec {
		mid := (lo + hi) / 2
		ok, err := try(mid)
		if err != nil {
			return nil, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return out, nil
}

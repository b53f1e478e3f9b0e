package client

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/desk-trading/desk/core/protocol"
)

// alertQueueLen bounds the alerts a lagging subscriber may have pending; past
// it the oldest is dropped and a warning alert says how many.
const alertQueueLen = 256

// Subscribe asks the daemon for Status and Alert messages and returns a
// channel that delivers them: a Status at once, then changed Statuses at
// most ten a second, and every Alert; after SubscribeOrders, Orders
// updates too. The channel is closed when the
// connection ends; after a loss it first delivers what had arrived. A reader
// that lags gets only the latest Status, the pending Orders updates folded
// into one, and alerts up to a bound of 256,
// after which the oldest are dropped and a warning alert counts them. One
// subscription per connection: a second Subscribe fails with ErrSubscribed.
func (c *Conn) Subscribe(ctx context.Context) (<-chan protocol.Envelope, error) {
	sub := newSubscription()
	c.mu.Lock()
	switch {
	case c.err != nil:
		err := c.err
		c.mu.Unlock()
		return nil, fmt.Errorf("%s: %w", protocol.CmdSubscribe, err)
	case c.sub != nil:
		c.mu.Unlock()
		return nil, ErrSubscribed
	}
	// Installed before the request: the first Status follows the response
	// at once.
	c.sub = sub
	c.mu.Unlock()
	go sub.pump()
	if err := c.Call(ctx, protocol.CmdSubscribe, nil, nil); err != nil {
		c.mu.Lock()
		if c.sub == sub {
			c.sub = nil
		}
		c.mu.Unlock()
		sub.stop()
		return nil, err
	}
	return sub.out, nil
}

// subscription conflates pushes for one reader. The connection's reader
// goroutine calls push, which never blocks; pump, a goroutine of its own,
// hands them to out.
type subscription struct {
	out     chan protocol.Envelope // unbuffered; closed by pump
	wake    chan struct{}          // cap 1: something to deliver, or ended
	stopped chan struct{}          // closed by stop: pump quits at once
	once    sync.Once

	mu      sync.Mutex // guards the fields below
	status  *protocol.Envelope
	orders  *protocol.Envelope  // the pending orders updates, folded into one
	alerts  []protocol.Envelope // oldest first, at most alertQueueLen
	dropped int
	ended   bool // no more pushes: deliver what is queued, then close out
}

func newSubscription() *subscription {
	return &subscription{
		out:     make(chan protocol.Envelope),
		wake:    make(chan struct{}, 1),
		stopped: make(chan struct{}),
	}
}

// push queues env: a Status replaces any undelivered one; an Orders
// update is folded into the undelivered one (foldOrders), so none is lost;
// an Alert is appended, dropping the oldest when the queue is full.
func (s *subscription) push(env protocol.Envelope) {
	s.mu.Lock()
	switch {
	case env.Type == protocol.TypeStatus:
		s.status = &env
	case env.Type == protocol.TypeOrders && env.Orders != nil:
		if s.orders == nil {
			s.orders = &env
		} else {
			foldOrders(s.orders.Orders, env.Orders)
		}
	case env.Type == protocol.TypeAlert:
		if len(s.alerts) >= alertQueueLen {
			n := copy(s.alerts, s.alerts[1:])
			s.alerts = s.alerts[:n]
			s.dropped++
		}
		s.alerts = append(s.alerts, env)
	}
	s.mu.Unlock()
	s.signal()
}

// end makes pump close out once it delivered what is queued.
func (s *subscription) end() {
	s.mu.Lock()
	s.ended = true
	s.mu.Unlock()
	s.signal()
}

// stop makes pump close out at once.
func (s *subscription) stop() { s.once.Do(func() { close(s.stopped) }) }

func (s *subscription) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// next takes the next message to deliver: alerts first, oldest first, then
// the pending orders update, then the latest Status.
func (s *subscription) next() (env protocol.Envelope, ok, ended bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.dropped > 0:
		env = protocol.Envelope{V: protocol.Version, Type: protocol.TypeAlert, Alert: &protocol.Alert{
			Time:     time.Now().UTC().Format(time.RFC3339Nano),
			Severity: "warning",
			Message:  fmt.Sprintf("%d alerts were dropped because the client fell behind", s.dropped),
		}}
		s.dropped = 0
		return env, true, s.ended
	case len(s.alerts) > 0:
		env = s.alerts[0]
		s.alerts[0] = protocol.Envelope{}
		s.alerts = s.alerts[1:]
		return env, true, s.ended
	case s.orders != nil:
		env = *s.orders
		s.orders = nil
		return env, true, s.ended
	case s.status != nil:
		env = *s.status
		s.status = nil
		return env, true, s.ended
	}
	return env, false, s.ended
}

// pump delivers queued messages to out until the subscription ends or
// stops, then closes out.
func (s *subscription) pump() {
	defer close(s.out)
	for {
		env, ok, ended := s.next()
		if !ok {
			if ended {
				return
			}
			select {
			case <-s.wake:
			case <-s.stopped:
				return
			}
			continue
		}
		select {
		case s.out <- env:
		case <-s.stopped:
			return
		}
	}
}

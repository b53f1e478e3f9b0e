package binance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

// WebSocket API methods and events of the user data stream.
const (
	methodSubscribeSignature = "userDataStream.subscribe.signature"
	eventStreamTerminated    = "eventStreamTerminated"
	eventListenKeyExpired    = "listenKeyExpired"
	pathUserDataStream       = "/api/v3/userDataStream"
	listenKeyKeepAlive       = 30 * time.Minute
)

// healthyAfter is how long a session or stream must have lasted for its
// end to restart the backoff from BackoffMin.
const healthyAfter = 10 * time.Second

// errStreamEnded ends a session whose user data stream the venue ended.
var errStreamEnded = errors.New("binance venue: the venue ended the user data stream")

// session runs one WebSocket API connection with the user data stream
// until either fails or ctx ends. The stream is subscribed on the
// connection (userDataStream.subscribe.signature); if the venue refuses
// the subscription, the legacy listenKey stream is opened beside it.
// Once the stream is up, the resolver compares the open orders with the
// live tracks and queries those that differ, so what happened while it
// was away is reported.
func (v *Venue) session(ctx context.Context) error {
	conn, resp, err := v.opts.Dialer.DialContext(ctx, v.opts.WSURL+api.PathWSAPI, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return fmt.Errorf("dial WebSocket API: %w", err)
	}
	ws := newWSAPI(v, conn)
	ended := make(chan error, 2)
	var wg sync.WaitGroup
	wg.Go(func() {
		ws.read(func(msg []byte, received int64) {
			if err := v.onEvent(ctx, msg, received); err != nil {
				select {
				case ended <- err:
				default:
				}
			}
		})
	})
	wg.Go(ws.janitor)
	v.ws.Store(ws)
	v.sess.set(&v.sess.wsAPI, true, v)
	stop := context.AfterFunc(ctx, func() { ws.close(ctx.Err()) })
	defer func() {
		stop()
		v.ws.Store(nil)
		v.sess.set(&v.sess.strm, false, v)
		v.sess.set(&v.sess.wsAPI, false, v)
		ws.close(errors.New("session over"))
		wg.Wait()
	}()

	lctx, lcancel := context.WithCancel(ctx)
	defer lcancel()
	fails := 0
	for {
		if err := v.subscribe(lctx, ws, &wg, ended); err != nil {
			return err
		}
		v.syncOrderCounts(lctx)
		v.sess.set(&v.sess.strm, true, v)
		v.res.resync()
		upAt := time.Now()
		select {
		case <-ctx.Done():
			return nil
		case <-ws.done:
			return fmt.Errorf("WebSocket API: %w", ws.err)
		case err := <-ended:
			v.sess.set(&v.sess.strm, false, v)
			if time.Since(upAt) > healthyAfter {
				fails = 0
			}
			// The stream ended but not the WebSocket API connection:
			// subscribe again beside it, so that requests in flight keep
			// their answers.
			d := v.backoff(fails)
			fails++
			v.log.Warn("binance: the user data stream ended; subscribing again", "err", err, "in", d)
			select {
			case <-ctx.Done():
				return nil
			case <-ws.done:
				return fmt.Errorf("WebSocket API: %w", ws.err)
			case <-time.After(d):
			}
		}
	}
}

// subscribe starts the user data stream: on ws by
// userDataStream.subscribe.signature or, if the venue refuses it, the
// legacy listenKey stream in a goroutine of wg that sends why it ended
// on ended. It returns once the stream is up, or why it is not.
func (v *Venue) subscribe(ctx context.Context, ws *wsAPI, wg *sync.WaitGroup, ended chan error) error {
	if !v.opts.ListenKeyStream {
		if err := v.subscribeWS(ws); err == nil || !errors.Is(err, errUseListenKey) {
			return err
		}
	}
	up := make(chan error, 1)
	wg.Go(func() {
		err := v.legacyStream(ctx, up)
		select {
		case ended <- err:
		default:
		}
	})
	select {
	case err := <-up:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-ws.done:
		return fmt.Errorf("WebSocket API: %w", ws.err)
	}
}

// errUseListenKey is subscribeWS's refusal that sends subscribe to the
// listenKey stream.
var errUseListenKey = errors.New("the venue refused userDataStream.subscribe.signature")

// subscribeWS subscribes the user data stream on ws. A refusal that is
// not about the credentials, the clock or the rate is errUseListenKey.
func (v *Venue) subscribeWS(ws *wsAPI) error {
	_, err := ws.call(ws.done, methodSubscribeSignature, nil, true)
	if err == nil {
		return nil
	}
	if outcomeOf(err) != api.OutcomeRejected {
		return fmt.Errorf("subscribe user data stream: %w", err)
	}
	switch reasonOf(err) {
	case ReasonVenueAuth:
		// The listenKey stream needs no signature and would come up, hiding
		// that every signed request (every order) is refused.
		v.log.Error("binance: the venue refuses the credentials", "credentials", v.opts.Credentials, "err", err)
		return fmt.Errorf("subscribe user data stream: %w", err)
	case ReasonVenueTimestamp, ReasonRateLimited:
		return fmt.Errorf("subscribe user data stream: %w", err)
	}
	v.log.Warn("binance: the venue refused userDataStream.subscribe.signature; using the listenKey stream", "err", err)
	return fmt.Errorf("%w: %w", errUseListenKey, err)
}

// onEvent handles one user data stream event: an executionReport goes
// to the applier; the end of the stream ends the session.
func (v *Venue) onEvent(ctx context.Context, msg []byte, received int64) error {
	er, err := decodeEvent(msg)
	if err == nil {
		v.post(ctx, &event{kind: evExec, er: er, received: received})
		return nil
	}
	if !errors.Is(err, api.ErrNotExecutionReport) {
		v.log.Debug("binance: a user data stream event that does not decode", "err", err)
		return nil
	}
	var e struct {
		E     string `json:"e"`
		Event *struct {
			E string `json:"e"`
		} `json:"event"`
	}
	_ = json.Unmarshal(msg, &e)
	if e.Event != nil {
		e.E = e.Event.E
	}
	if e.E == eventStreamTerminated || e.E == eventListenKeyExpired {
		return errStreamEnded
	}
	return nil // account and balance updates: Balances reads them on demand
}

// legacyStream runs the listenKey user data stream: POST
// /api/v3/userDataStream for a key, /ws/<key> for the events, a PUT
// keep-alive every 30 minutes. It sends nil on up once connected (or the
// error that prevented it) and returns why it ended.
func (v *Venue) legacyStream(ctx context.Context, up chan<- error) error {
	body, err := v.rest(ctx, http.MethodPost, pathUserDataStream, nil, false, true)
	if err != nil {
		err = fmt.Errorf("listenKey: %w", err)
		up <- err
		return err
	}
	var lk struct {
		ListenKey string `json:"listenKey"`
	}
	if json.Unmarshal(body, &lk) != nil || lk.ListenKey == "" || strings.ContainsAny(lk.ListenKey, "/?#") {
		err := fmt.Errorf("listenKey: %w", ErrMalformed)
		up <- err
		return err
	}
	conn, resp, err := v.opts.Dialer.DialContext(ctx, v.opts.StreamURL+"/ws/"+lk.ListenKey, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		err = fmt.Errorf("dial listenKey stream: %w", err)
		up <- err
		return err
	}
	defer conn.Close()
	up <- nil
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	var wg sync.WaitGroup
	kctx, kcancel := context.WithCancel(ctx)
	defer func() { kcancel(); wg.Wait() }()
	wg.Go(func() {
		t := time.NewTicker(listenKeyKeepAlive)
		defer t.Stop()
		for {
			select {
			case <-kctx.Done():
				return
			case <-t.C:
				if _, err := v.rest(kctx, http.MethodPut, pathUserDataStream,
					api.Params{{Key: "listenKey", Value: lk.ListenKey}}, false, true); err != nil && kctx.Err() == nil {
					v.log.Warn("binance: listenKey keep-alive failed", "err", err)
				}
			}
		}
	})
	var wmu sync.Mutex
	conn.SetPingHandler(func(data string) error {
		_ = conn.SetReadDeadline(time.Now().Add(v.readTimeout()))
		wmu.Lock()
		defer wmu.Unlock()
		return conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	for {
		_ = conn.SetReadDeadline(time.Now().Add(v.readTimeout()))
		_, msg, err := conn.ReadMessage()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("listenKey stream: %w", err)
		}
		if err := v.onEvent(ctx, msg, domain.Mono()); err != nil {
			return err
		}
	}
}

package binance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/desk-trading/desk/brokers/binance/api"
)

// maxBody bounds a REST answer read into memory.
const maxBody = 32 << 20

// Dialer dials a websocket; *websocket.Dialer is one.
type Dialer interface {
	DialContext(ctx context.Context, url string, h http.Header) (*websocket.Conn, *http.Response, error)
}

func defaultDialer() Dialer {
	return &websocket.Dialer{HandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment}
}

// clock is the venue's estimate of the server's clock: the offset from
// the local clock, measured by GET /api/v3/time at half the round trip.
type clock struct {
	offset atomic.Int64 // ns to add to the local clock
	rtt    atomic.Int64 // ns, the last measurement's round trip
	synced atomic.Bool
}

func (c *clock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// rest sends one REST request and returns the body of a 2xx answer; any
// other answer is an *api.Error (api.DecodeError), wrapped with the
// method and path; a transport failure is wrapped as it is (its outcome
// is unknown: api.OutcomeOf). signed adds recvWindow, timestamp and the
// signature; key adds only the API key header (userDataStream). Every
// answer's rate-limit headers are recorded, and a -1021 has the clock
// measured again.
func (v *Venue) rest(ctx context.Context, method, path string, params api.Params, signed, key bool) ([]byte, error) {
	// During a 429 window only cancels go; during a 418 ban nothing: each
	// refused request would count towards (a longer) ban.
	now := time.Now()
	if v.rates.refusesCancels(now) || v.rates.refusesOrders(now) && !(method == http.MethodDelete && path == api.PathOrder) {
		return nil, fmt.Errorf("%s %s: %w", method, path, ErrRateLimited)
	}
	q := params.Encode()
	if signed {
		p := make(api.Params, 0, len(params)+2)
		p = append(p, params...)
		p = p.Add(api.ParamRecvWindow, strconv.FormatInt(v.opts.RecvWindow.Milliseconds(), 10))
		p = p.Add(api.ParamTimestamp, api.Timestamp(v.clock.now()))
		var err error
		if q, err = api.SignQuery(v.opts.Credentials.Secret, p); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	u := v.opts.RESTURL + path
	if q != "" {
		u += "?" + q
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if signed || key {
		req.Header.Set(api.HeaderAPIKey, v.opts.Credentials.APIKey)
	}
	resp, err := v.opts.HTTPClient.Do(req)
	if err != nil {
		// url.Error names the URL, whose query holds the signature but no
		// key: keep only the cause.
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) && ue.Unwrap() != nil {
			err = ue.Unwrap()
		}
		if ctx.Err() == nil {
			v.restDown() // the caller's giving up says nothing of the venue
		}
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	v.rates.noteHTTP(resp.Header, resp.StatusCode, time.Now())
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	v.restUp()
	if err := api.DecodeError(resp.StatusCode, body); err != nil {
		v.noteError(err)
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return body, nil
}

// noteError reacts to a venue error: -1021 measures the clock again.
func (v *Venue) noteError(err error) {
	if e, ok := asAPIError(err); ok && e.Code == api.CodeInvalidTimestamp {
		select {
		case v.resyncClock <- struct{}{}:
		default:
		}
	}
}

// outcomeOf is api.OutcomeOf for the venue's answers; a request refused
// locally (ErrRateLimited) was certainly not executed.
func outcomeOf(err error) api.Outcome {
	if errors.Is(err, ErrRateLimited) {
		return api.OutcomeRejected
	}
	return api.OutcomeOf(err)
}

func asAPIError(err error) (*api.Error, bool) {
	var e *api.Error
	ok := errors.As(err, &e)
	return e, ok
}

// syncClock measures the server clock's offset: GET /api/v3/time, taking
// the server's time to be that of the middle of the round trip.
func (v *Venue) syncClock(ctx context.Context) error {
	t0 := time.Now()
	body, err := v.rest(ctx, http.MethodGet, "/api/v3/time", nil, false, false)
	if err != nil {
		return err
	}
	t1 := time.Now()
	var st struct {
		ServerTime int64 `json:"serverTime"`
	}
	if err := json.Unmarshal(body, &st); err != nil || st.ServerTime == 0 {
		return fmt.Errorf("GET /api/v3/time: %w", ErrMalformed)
	}
	rtt := t1.Sub(t0)
	mid := t0.Add(rtt / 2)
	v.clock.offset.Store(int64(time.UnixMilli(st.ServerTime).Sub(mid)))
	v.clock.rtt.Store(int64(rtt))
	v.clock.synced.Store(true)
	return nil
}

// loadSymbols reads exchangeInfo for the mapped symbols into v.syms.
func (v *Venue) loadSymbols(ctx context.Context) error {
	names := make([]string, 0, len(v.syms))
	for n := range v.syms {
		names = append(names, strconv.Quote(n))
	}
	body, err := v.rest(ctx, http.MethodGet, "/api/v3/exchangeInfo",
		api.Params{{Key: "symbols", Value: "[" + strings.Join(names, ",") + "]"}}, false, false)
	if err != nil {
		return err
	}
	skipped, err := applyExchangeInfo(body, v.syms)
	for _, s := range skipped {
		v.log.Warn("binance: a filter bound has more decimals than the instrument; not checked locally", "bound", s)
	}
	return err
}

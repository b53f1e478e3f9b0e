package binance_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/brokers/sim"
	"github.com/desk-trading/desk/brokers/sim/binance"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
)

// The order-entry tests run a venue without background flow, so that
// every trade is between the test's own accounts: key A and key B.

const (
	keyA = "keyAAAAAAAAAAAAAAAAAAAAA"
	keyB = "keyBBBBBBBBBBBBBBBBBBBBB"
)

func secret(t *testing.T, s string) api.Secret {
	t.Helper()
	sec, err := api.NewSecret(s)
	if err != nil {
		t.Fatal(err)
	}
	return sec
}

// oeVenue is a running venue with order entry.
type oeVenue struct {
	t     *testing.T
	base  string
	dir   string
	srv   *binance.Server
	stop  func()
	creds map[string]api.Credentials
}

type oeConfig struct {
	dir    string
	limits binance.RateLimits
	fees   sim.Fees
	flow   sim.FlowOptions
}

// oeStart runs a venue listing BTC-USD (tick 0.01, lot 0.001) with
// accounts A and B, each opening with 10 BTC and 1,000,000 USD, its
// record in c.dir (t.TempDir() when empty).
func oeStart(t *testing.T, c oeConfig) *oeVenue {
	t.Helper()
	if c.dir == "" {
		c.dir = t.TempDir()
	}
	in := oeInstruments(t)[0]
	creds := map[string]api.Credentials{
		keyA: {APIKey: keyA, Secret: secret(t, "secretA")},
		keyB: {APIKey: keyB, Secret: secret(t, "secretB")},
	}
	reports := make(chan domain.ExecReport, 4096)
	srv, err := binance.New(binance.Options{Instruments: []domain.Instrument{in},
		Accounts: []api.Credentials{creds[keyA], creds[keyB]}, StateDir: c.dir, Reports: reports,
		Balances: map[string]decimal.Decimal{"BTC": decimal.NewFromInt(10), "USD": decimal.NewFromInt(1_000_000)},
		Fees:     c.fees, RateLimits: c.limits})
	if err != nil {
		t.Fatal(err)
	}
	v, err := sim.New(sim.Options{Instruments: []sim.SimInstrument{{Instrument: in, InitialPrice: 3_000_000}},
		Reports: reports, Market: srv, Fees: c.fees, Flow: c.flow})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := binance.Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = v.Run(ctx) })
	served := make(chan error, 1)
	wg.Go(func() { served <- srv.Serve(ctx, ln, v) })
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			if err := <-served; err != nil {
				t.Errorf("Serve: %v", err)
			}
			if err := srv.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	desktest.Eventually(t, waitFor, "the venue to start", v.Connected)
	return &oeVenue{t: t, base: ln.Addr().String(), dir: c.dir, srv: srv, stop: stop, creds: creds}
}

// oeInstruments is the venue's one instrument, BTC-USD (BTCUSD).
func oeInstruments(t *testing.T) []domain.Instrument {
	t.Helper()
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{Symbol: "BTC-USD", Base: "BTC", Quote: "USD",
		TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("0.001")})
	if err != nil {
		t.Fatal(err)
	}
	return []domain.Instrument{in}
}

// oeResp is one REST answer.
type oeResp struct {
	status int
	header http.Header
	body   []byte
}

func (r oeResp) err() apiErr {
	var e apiErr
	_ = json.Unmarshal(r.body, &e)
	return e
}

func (r oeResp) into(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// call sends a signed request as key: params in the query for GET and
// DELETE, in a form body for POST, timestamp added.
func (f *oeVenue) call(method, path, key string, params api.Params) oeResp {
	f.t.Helper()
	params = params.Add(api.ParamTimestamp, api.Timestamp(time.Now()))
	signed, err := api.SignQuery(f.creds[key].Secret, params)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.raw(method, path, key, signed)
}

// raw sends a request with its parameter string as given.
func (f *oeVenue) raw(method, path, key, query string) oeResp {
	f.t.Helper()
	u := "http://" + f.base + path
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(query)
	} else if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if key != "" {
		req.Header.Set(api.HeaderAPIKey, key)
	}
	resp, err := client.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return oeResp{status: resp.StatusCode, header: resp.Header, body: b}
}

// limit is a LIMIT GTC order's parameters.
func limit(side api.Side, px, qty, cid string) api.Params {
	o := api.NewOrder{Symbol: "BTCUSD", Side: side, Type: api.TypeLimit, TimeInForce: api.GTC, Price: px,
		Quantity: qty, NewClientOrderID: cid}
	return o.Params()
}

// place places and decodes an order that must succeed.
func (f *oeVenue) place(key string, p api.Params) api.Order {
	f.t.Helper()
	r := f.call(http.MethodPost, api.PathOrder, key, p)
	if r.status != http.StatusOK {
		f.t.Fatalf("place %v: %d %s", p, r.status, r.body)
	}
	var o api.Order
	r.into(f.t, &o)
	return o
}

func (f *oeVenue) account(key string) api.Account {
	f.t.Helper()
	r := f.call(http.MethodGet, api.PathAccount, key, nil)
	if r.status != http.StatusOK {
		f.t.Fatalf("account: %d %s", r.status, r.body)
	}
	var a api.Account
	r.into(f.t, &a)
	return a
}

func (f *oeVenue) balance(key, asset string) (free, locked decimal.Decimal) {
	f.t.Helper()
	a := f.account(key)
	b, ok := a.Balance(asset)
	if !ok {
		return decimal.Zero, decimal.Zero
	}
	return decimal.RequireFromString(b.Free), decimal.RequireFromString(b.Locked)
}

func (f *oeVenue) fault(q string) {
	f.t.Helper()
	post(f.t, "http://"+f.base+"/admin/fault?"+q)
}

// wsAPI is a WebSocket API client connection.
type wsAPI struct {
	t  *testing.T
	f  *oeVenue
	c  *websocket.Conn
	id int
	// frames are every frame read, answers and events alike; kept holds
	// those read but not yet taken by next.
	frames chan []byte
	kept   [][]byte
}

func (f *oeVenue) dialWSAPI() *wsAPI {
	f.t.Helper()
	c, _, err := websocket.DefaultDialer.Dial("ws://"+f.base+api.PathWSAPI, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	w := &wsAPI{t: f.t, f: f, c: c, frames: make(chan []byte, 1024)}
	go func() {
		defer close(w.frames)
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			w.frames <- b
		}
	}()
	f.t.Cleanup(func() { c.Close() })
	return w
}

// send sends a signed request as key and returns its id.
func (w *wsAPI) send(method, key string, params map[string]string) int {
	w.t.Helper()
	w.id++
	if key != "" {
		params[api.ParamAPIKey] = key
		params[api.ParamTimestamp] = api.Timestamp(time.Now())
		params[api.ParamSignature] = api.SignWSParams(w.f.creds[key].Secret, params)
	}
	b, _ := json.Marshal(map[string]any{"id": w.id, "method": method, "params": params})
	if err := w.c.WriteMessage(websocket.TextMessage, b); err != nil {
		w.t.Fatal(err)
	}
	return w.id
}

// next takes the first frame satisfying ok, within waitFor; the frames
// it passes over stay for later calls.
func (w *wsAPI) next(what string, ok func(b []byte) bool) []byte {
	w.t.Helper()
	for i, b := range w.kept {
		if ok(b) {
			w.kept = append(w.kept[:i], w.kept[i+1:]...)
			return b
		}
	}
	deadline := time.After(waitFor)
	for {
		select {
		case b, open := <-w.frames:
			if !open {
				w.t.Fatalf("%s: connection closed", what)
			}
			if ok(b) {
				return b
			}
			w.kept = append(w.kept, b)
		case <-deadline:
			w.t.Fatalf("%s: not within %v; frames seen: %s", what, waitFor, w.kept)
		}
	}
}

// answer waits for the answer to request id.
func (w *wsAPI) answer(id int) api.WSResponse {
	w.t.Helper()
	b := w.next("answer "+strconv.Itoa(id), func(b []byte) bool {
		var r struct{ ID json.RawMessage }
		return json.Unmarshal(b, &r) == nil && string(r.ID) == strconv.Itoa(id)
	})
	var r api.WSResponse
	if err := json.Unmarshal(b, &r); err != nil {
		w.t.Fatal(err)
	}
	return r
}

// report waits for an executionReport satisfying ok.
func (w *wsAPI) report(what string, ok func(api.ExecutionReport) bool) api.ExecutionReport {
	w.t.Helper()
	var got api.ExecutionReport
	w.next(what, func(b []byte) bool {
		r, err := api.DecodeExecutionReport(b)
		if err != nil || !ok(r) {
			return false
		}
		got = r
		return true
	})
	return got
}

func wsLimit(side api.Side, px, qty, cid string) map[string]string {
	return map[string]string{"symbol": "BTCUSD", "side": string(side), "type": "LIMIT", "timeInForce": "GTC",
		"price": px, "quantity": qty, "newClientOrderId": cid}
}

func timeNow() time.Time { return time.Now() }

// desktestEventuallySubscribed waits until a probe order's report reaches
// a stream: the test's streams subscribe asynchronously. It places and
// cancels nothing; it polls the account's event delivery by placing a
// zero-impact request: none is needed for WS API subscriptions (their
// answer comes after the subscription), so this only waits a moment for
// a listen-key stream's upgrade to register.
func desktestEventuallySubscribed(t *testing.T, f *oeVenue, key string) {
	t.Helper()
	desktest.Eventually(t, waitFor, "the stream to register", func() bool {
		return f.srv.UserStreams() > 0
	})
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

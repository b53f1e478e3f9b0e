package binance_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/desk-trading/desk/brokers/binance"
	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/brokers/sim"
	simbn "github.com/desk-trading/desk/brokers/sim/binance"
	"github.com/desk-trading/desk/core/desktest"
	"github.com/desk-trading/desk/core/domain"
)

// waitFor bounds every wait: a failure deadline, not an expectation.
const waitFor = 15 * time.Second

const (
	keyA    = "keyAAAAAAAAAAAAAAAAAAAAA"
	keyB    = "keyBBBBBBBBBBBBBBBBBBBBB"
	secretA = "secretAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	secretB = "secretBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
)

func creds(t testing.TB, key, secret string) api.Credentials {
	t.Helper()
	s, err := api.NewSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	return api.Credentials{APIKey: key, Secret: s}
}

// exchange is a running simulated Binance venue with order entry: one
// symbol BTCUSD (BTC-USD, tick 0.01, lot 0.001), accounts A and B with
// 10 BTC and 1,000,000 USD each, its record in a temp dir.
type exchange struct {
	t      testing.TB
	base   string // host:port
	in     domain.Instrument
	dir    string
	limits simbn.RateLimits
	stop   func()
}

func startExchange(t testing.TB, limits simbn.RateLimits) *exchange {
	t.Helper()
	in, err := domain.NewInstrument(0, domain.InstrumentSpec{Symbol: "BTC-USD", Base: "BTC", Quote: "USD",
		TickSize: decimal.RequireFromString("0.01"), LotSize: decimal.RequireFromString("0.001")})
	if err != nil {
		t.Fatal(err)
	}
	x := &exchange{t: t, in: in, dir: t.TempDir(), limits: limits, base: "127.0.0.1:0"}
	x.serve()
	t.Cleanup(func() { x.stop() })
	return x
}

// serve runs the venue on x.base (a fresh port the first time) and
// x.dir until x.stop.
func (x *exchange) serve() {
	t := x.t
	t.Helper()
	reports := make(chan domain.ExecReport, 1<<14)
	fees := sim.Fees{}
	srv, err := simbn.New(simbn.Options{Instruments: []domain.Instrument{x.in},
		Accounts: []api.Credentials{creds(t, keyA, secretA), creds(t, keyB, secretB)}, StateDir: x.dir, Reports: reports,
		Balances: map[string]decimal.Decimal{"BTC": decimal.NewFromInt(10), "USD": decimal.NewFromInt(1_000_000)},
		Fees:     fees, RateLimits: x.limits})
	if err != nil {
		t.Fatal(err)
	}
	v, err := sim.New(sim.Options{Instruments: []sim.SimInstrument{{Instrument: x.in, InitialPrice: 3_000_000}},
		Reports: reports, Market: srv, Fees: fees})
	if err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	deadline := time.Now().Add(waitFor)
	for {
		if ln, err = simbn.Listen(x.base, false); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // the old listener's port is being released
	}
	if err != nil {
		t.Fatal(err)
	}
	x.base = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = v.Run(ctx) })
	served := make(chan error, 1)
	wg.Go(func() { served <- srv.Serve(ctx, ln, v) })
	var once sync.Once
	x.stop = func() {
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
	desktest.Eventually(t, waitFor, "the venue to start", v.Connected)
}

// restart stops the venue and starts it again on the same address and
// record.
func (x *exchange) restart() {
	x.stop()
	x.serve()
}

// fault arms one of the venue's faults (POST /admin/fault?query).
func (x *exchange) fault(t testing.TB, query string) {
	t.Helper()
	resp, err := http.Post("http://"+x.base+"/admin/fault?"+query, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("fault %s: %d %s", query, resp.StatusCode, b)
	}
}

// trader is one adapter on the exchange and the reports it gave.
type trader struct {
	t  testing.TB
	v  *binance.Venue
	ch chan domain.ExecReport

	mu      sync.Mutex
	reports []domain.ExecReport
	stop    func()
}

// logger is silent unless DESK_LOG=debug; then it writes to stderr.
func logger() *slog.Logger {
	if os.Getenv("DESK_LOG") == "debug" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func (x *exchange) options(t testing.TB, key, secret string) binance.Options {
	return binance.Options{Name: "bn-" + key[3:4], ID: 7, RESTURL: "http://" + x.base, WSURL: "ws://" + x.base,
		Credentials: creds(t, key, secret), Symbols: map[string]domain.Instrument{"BTCUSD": x.in},
		Logger: logger(), ResolveInterval: 50 * time.Millisecond, BackoffMin: 50 * time.Millisecond,
		BackoffMax: 500 * time.Millisecond}
}

// startTrader runs an adapter with o (Reports set here) until the test
// ends, and waits for its session.
func startTrader(t testing.TB, o binance.Options) *trader {
	t.Helper()
	ch := make(chan domain.ExecReport, 1<<14)
	o.Reports = ch
	v, err := binance.New(o)
	if err != nil {
		t.Fatal(err)
	}
	tr := &trader{t: t, v: v, ch: ch}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := v.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case r := <-ch:
				tr.mu.Lock()
				tr.reports = append(tr.reports, r)
				tr.mu.Unlock()
			}
		}
	})
	var once sync.Once
	tr.stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(tr.stop)
	desktest.Eventually(t, waitFor, "the session to come up", v.Connected)
	return tr
}

// of is the reports about order id so far.
func (tr *trader) of(id domain.OrderID) []domain.ExecReport {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var out []domain.ExecReport
	for _, r := range tr.reports {
		if r.OrderID == id {
			out = append(out, r)
		}
	}
	return out
}

func count(rs []domain.ExecReport, k domain.ExecKind) int {
	n := 0
	for _, r := range rs {
		if r.Kind == k {
			n++
		}
	}
	return n
}

func filled(rs []domain.ExecReport) domain.Qty {
	var q domain.Qty
	for _, r := range rs {
		if r.Kind == domain.ExecFill {
			q += r.LastQty
		}
	}
	return q
}

// waitKind waits until order id has a report of kind k and returns the
// reports.
func (tr *trader) waitKind(id domain.OrderID, k domain.ExecKind) []domain.ExecReport {
	tr.t.Helper()
	desktest.Eventually(tr.t, waitFor, "order "+id.String()+" "+k.String(), func() bool { return count(tr.of(id), k) > 0 })
	return tr.of(id)
}

func (tr *trader) waitFilled(id domain.OrderID, q domain.Qty) []domain.ExecReport {
	tr.t.Helper()
	desktest.Eventually(tr.t, waitFor, "order "+id.String()+" filled "+itoa(uint64(q)), func() bool { return filled(tr.of(id)) >= q })
	return tr.of(id)
}

var seq uint64
var seqMu sync.Mutex

// order is a GTC limit order of strategy s with a fresh id.
func order(s domain.StrategyID, side domain.Side, px domain.Price, q domain.Qty) *domain.Order {
	seqMu.Lock()
	seq++
	n := seq
	seqMu.Unlock()
	return &domain.Order{ID: domain.MakeOrderID(uint32(time.Now().Unix()%1000), s, n), Strategy: s, Instrument: 0, Venue: 7,
		Side: side, Type: domain.Limit, TIF: domain.GTC, Price: px, Qty: q, State: domain.StatePendingNew,
		Created: time.Now().UnixNano()}
}

func (tr *trader) submit(o *domain.Order) {
	tr.t.Helper()
	if err := tr.v.Submit(o); err != nil {
		tr.t.Fatalf("Submit %s: %v", o.ID, err)
	}
}

// dump is every report, for a failure message.
func (tr *trader) dump() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var b bytes.Buffer
	for _, r := range tr.reports {
		b.WriteString(r.OrderID.String() + " " + r.Kind.String() + " " + r.Reason + " px=" + itoa(uint64(r.LastPx)) +
			" q=" + itoa(uint64(r.LastQty)) + " tid=" + itoa(r.TradeID) + " P=" + itoa(uint64(r.Price)) + " Q=" + itoa(uint64(r.Qty)) + "\n")
	}
	return b.String()
}

func itoa(u uint64) string { return decimal.NewFromUint64(u).String() }

package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/domain"
	"github.com/desk-trading/desk/store"
)

// The engine's Journal port (core/engine), restated so this package's tests
// do not depend on the engine's build.
var _ interface{ Append(*domain.Event) error } = (*store.Journal)(nil)

// open opens the journal at path and closes it when the test ends.
func open(t testing.TB, path string, opts store.Options) *store.Journal {
	t.Helper()
	j, err := store.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func flush(t testing.TB, j *store.Journal) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := j.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// testEvent returns the i-th event of a realistic mix: mostly order updates,
// some fills, denials and audit records.
func testEvent(i int) domain.Event {
	now := int64(1_760_000_000_000_000_000) + int64(i)*1000
	id := domain.MakeOrderID(3, 0, uint64(i/4+1))
	ev := domain.Event{Time: now}
	switch i % 10 {
	case 7:
		ev.Kind = domain.EventFill
		ev.Fill = domain.Fill{OrderID: id, Strategy: 2, Instrument: 5, Venue: 1, Side: domain.Sell,
			Price: 6_512_345, Qty: 1500, Fee: -120, Liquidity: domain.Maker, TradeID: uint64(9000 + i), Time: now}
	case 8:
		ev.Kind = domain.EventDenied
		ev.Order = orderAt(id, i, now)
		ev.Order.State = domain.StateRejected
		ev.Order.Reason = "max-order-qty"
	case 9:
		ev.Kind = domain.EventAudit
		ev.Audit = domain.Audit{Node: "momentum-btc", Action: "limit", Who: "uid 1000 (alice)",
			Old: "max-order-qty 10", New: "max-order-qty 5", Why: "volatile open"}
	default:
		ev.Kind = domain.EventOrder
		ev.Order = orderAt(id, i, now)
	}
	return ev
}

func orderAt(id domain.OrderID, i int, now int64) domain.Order {
	states := [...]domain.OrderState{domain.StateNew, domain.StatePendingNew, domain.StateOpen, domain.StatePartiallyFilled}
	return domain.Order{
		ID: id, Strategy: 2, Instrument: 5, Venue: 1, Side: domain.Buy, Type: domain.Limit,
		TIF: domain.GTC, State: states[i%len(states)], PostOnly: i%3 == 0,
		Price: 6_512_300, Qty: 3000, Filled: domain.Qty(i % 2 * 1500), FilledNotional: 97_684_500_000,
		VenueOrderID: uint64(i) * 31, Created: now - 5000, Updated: now,
		Stamps: domain.Stamps{Received: now - 900, Decoded: now - 800, Decided: now - 600, RiskPassed: now - 500,
			Routed: now - 400, Sent: now - 300},
	}
}

// appendN appends events first..first+n-1 and returns the copies it
// appended, with their sequence numbers.
func appendN(t testing.TB, j *store.Journal, first, n int) []domain.Event {
	t.Helper()
	evs := make([]domain.Event, 0, n)
	for i := first; i < first+n; i++ {
		ev := testEvent(i)
		if err := j.Append(&ev); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

func replayAll(t testing.TB, j *store.Journal) []domain.Event {
	t.Helper()
	var evs []domain.Event
	if err := j.Replay(func(ev *domain.Event) error {
		evs = append(evs, *ev)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return evs
}

func sameEvents(t testing.TB, got, want []domain.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestJournalRecovery(t *testing.T) {
	path := filepath.Join(t.TempDir(), "desk.db")
	j := open(t, path, store.Options{MaxBatch: 64}) // several batches
	want := appendN(t, j, 0, 5000)
	for i, ev := range want {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("event %d got seq %d, want %d", i, ev.Seq, i+1)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	j = open(t, path, store.Options{})
	if got := j.LastSeq(); got != 5000 {
		t.Fatalf("LastSeq after reopen = %d, want 5000", got)
	}
	sameEvents(t, replayAll(t, j), want)
}

func TestJournalSeqContinuesAfterReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "desk.db")
	j := open(t, path, store.Options{})
	if got := j.LastSeq(); got != 0 {
		t.Fatalf("LastSeq of a new journal = %d, want 0", got)
	}
	want := appendN(t, j, 0, 10)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	j = open(t, path, store.Options{})
	if got := j.LastSeq(); got != 10 {
		t.Fatalf("LastSeq after reopen = %d, want 10", got)
	}
	want = append(want, appendN(t, j, 10, 5)...)
	if got := want[10].Seq; got != 11 {
		t.Fatalf("first seq after reopen = %d, want 11", got)
	}
	if got := j.LastSeq(); got != 15 {
		t.Fatalf("LastSeq = %d, want 15", got)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	sameEvents(t, replayAll(t, open(t, path, store.Options{})), want)
}

func TestJournalSecondOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "desk.db")
	first := open(t, path, store.Options{})

	_, err := store.Open(path, store.Options{Timeout: 50 * time.Millisecond})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second open: err %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "another desk daemon holds the state") || !strings.Contains(err.Error(), path) {
		t.Errorf("second open: message %q should name the path and say another daemon holds it", err)
	}

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	open(t, path, store.Options{Timeout: 50 * time.Millisecond})
}

// TestJournalFlushIsOnDisk copies the file after Flush, while the journal is
// still open, and reads the copy as a fresh process would after a crash.
func TestJournalFlushIsOnDisk(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "desk.db")
	j := open(t, path, store.Options{})
	want := appendN(t, j, 0, 3000)
	flush(t, j)

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	crashed := filepath.Join(dir, "crashed.db")
	if err := os.WriteFile(crashed, data, 0o600); err != nil {
		t.Fatal(err)
	}
	fresh := open(t, crashed, store.Options{})
	if got := fresh.LastSeq(); got != 3000 {
		t.Fatalf("LastSeq of the copy = %d, want 3000", got)
	}
	sameEvents(t, replayAll(t, fresh), want)
}

func TestJournalFlushEmpty(t *testing.T) {
	j := open(t, filepath.Join(t.TempDir(), "desk.db"), store.Options{})
	flush(t, j)
	flush(t, j)
}

// TestJournalFlushWhileAppending runs the engine's Append loop against
// concurrent Flush calls, as a client asking for durability would.
func TestJournalFlushWhileAppending(t *testing.T) {
	path := filepath.Join(t.TempDir(), "desk.db")
	j := open(t, path, store.Options{QueueSize: 256, MaxBatch: 32})

	var wg sync.WaitGroup
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop); wg.Wait() })
	flushed := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		var err error
		for err == nil {
			select {
			case <-stop:
				flushed <- nil
				return
			default:
			}
			err = j.Flush(context.Background())
		}
		flushed <- err
	}()

	want := appendN(t, j, 0, 5000)
	flush(t, j)
	select {
	case err := <-flushed:
		t.Fatalf("concurrent flush: %v", err)
	default:
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	sameEvents(t, replayAll(t, open(t, path, store.Options{})), want)
}

// TestJournalTinyQueue makes nearly every Append wait for the writer.
func TestJournalTinyQueue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "desk.db")
	j := open(t, path, store.Options{QueueSize: 1, MaxBatch: 1})
	want := appendN(t, j, 0, 300)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	sameEvents(t, replayAll(t, open(t, path, store.Options{})), want)
}

func TestJournalClosed(t *testing.T) {
	j := open(t, filepath.Join(t.TempDir(), "desk.db"), store.Options{})
	appendN(t, j, 0, 10)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	ev := testEvent(0)
	if err := j.Append(&ev); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
	if err := j.Flush(context.Background()); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Flush after Close: %v, want ErrClosed", err)
	}
	if err := j.Replay(func(*domain.Event) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Replay after Close: %v, want ErrClosed", err)
	}
	if _, err := j.NextEpoch(); !errors.Is(err, store.ErrClosed) {
		t.Errorf("NextEpoch after Close: %v, want ErrClosed", err)
	}
	if _, err := j.Intern("venue", "sim"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Intern after Close: %v, want ErrClosed", err)
	}
}

func TestJournalAppendInvalidKind(t *testing.T) {
	j := open(t, filepath.Join(t.TempDir(), "desk.db"), store.Options{})
	for _, k := range []domain.EventKind{0, domain.EventAudit + 1} {
		ev := domain.Event{Kind: k}
		if err := j.Append(&ev); !errors.Is(err, store.ErrInvalidEvent) {
			t.Errorf("Append kind %d: %v, want ErrInvalidEvent", k, err)
		}
	}
	ev := testEvent(0)
	if err := j.Append(&ev); err != nil || ev.Seq != 1 {
		t.Fatalf("Append after invalid ones: seq %d, err %v; want seq 1", ev.Seq, err)
	}
}

func TestJournalReplayStopsOnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "desk.db")
	j := open(t, path, store.Options{})
	appendN(t, j, 0, 10)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j = open(t, path, store.Options{})
	errStop := errors.New("stop here")
	calls := 0
	err := j.Replay(func(ev *domain.Event) error {
		calls++
		if ev.Seq == 4 {
			return errStop
		}
		return nil
	})
	if !errors.Is(err, errStop) || calls != 4 {
		t.Fatalf("Replay: %d calls, err %v; want 4 calls and errStop", calls, err)
	}
}

func TestJournalNextEpoch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "desk.db")
	j := open(t, path, store.Options{})
	for want := uint32(1); want <= 2; want++ {
		got, err := j.NextEpoch()
		if err != nil || got != want {
			t.Fatalf("NextEpoch = %d, %v; want %d", got, err, want)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j = open(t, path, store.Options{})
	if got, err := j.NextEpoch(); err != nil || got != 3 {
		t.Fatalf("NextEpoch after reopen = %d, %v; want 3", got, err)
	}
}

func TestJournalIntern(t *testing.T) {
	path := filepath.Join(t.TempDir(), "desk.db")
	j := open(t, path, store.Options{})
	intern := func(j *store.Journal, kind, name string, want uint32) {
		t.Helper()
		got, err := j.Intern(kind, name)
		if err != nil || got != want {
			t.Fatalf("Intern(%q, %q) = %d, %v; want %d", kind, name, got, err, want)
		}
	}
	intern(j, "strategy", "momentum-btc", 0)
	intern(j, "strategy", "mean-revert-eth", 1)
	intern(j, "venue", "sim", 0) // ids are per kind
	intern(j, "strategy", "momentum-btc", 0)
	intern(j, "instrument", "BTC-USD", 0)
	if _, err := j.Intern("strategy", ""); !errors.Is(err, store.ErrInvalidName) {
		t.Errorf("Intern of an empty name: %v, want ErrInvalidName", err)
	}
	if _, err := j.Intern("", "x"); !errors.Is(err, store.ErrInvalidName) {
		t.Errorf("Intern of an empty kind: %v, want ErrInvalidName", err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	j = open(t, path, store.Options{})
	names, err := j.Names("strategy")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[uint32]string{0: "momentum-btc", 1: "mean-revert-eth"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("Names(strategy) after reopen = %v, want %v", names, want)
	}
	intern(j, "strategy", "mean-revert-eth", 1)
	intern(j, "strategy", "pairs", 2)
	intern(j, "venue", "sim", 0)
	intern(j, "venue", "binance", 1)
	if names, err := j.Names("nothing"); err != nil || len(names) != 0 {
		t.Fatalf("Names of an unknown kind = %v, %v; want empty", names, err)
	}
}

func TestJournalOpenNotBbolt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "desk.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	if j, err := store.Open(path, store.Options{}); err == nil {
		j.Close()
		t.Fatal("Open of a text file succeeded")
	}
}

// OnCommit hears of every group commit: together they hold every event
// made durable, each taking some time.
func TestJournalOnCommitCountsTheCommittedEvents(t *testing.T) {
	var mu sync.Mutex
	var events, commits int
	var took time.Duration
	j := open(t, filepath.Join(t.TempDir(), "j.db"), store.Options{OnCommit: func(d time.Duration, n int) {
		mu.Lock()
		defer mu.Unlock()
		events, commits, took = events+n, commits+1, took+d
	}})
	for i := range 100 {
		ev := testEvent(i)
		if err := j.Append(&ev); err != nil {
			t.Fatal(err)
		}
	}
	flush(t, j)
	mu.Lock()
	defer mu.Unlock()
	if events != 100 || commits == 0 || took <= 0 {
		t.Fatalf("OnCommit heard %d events in %d commits taking %s, want 100 events", events, commits, took)
	}
}

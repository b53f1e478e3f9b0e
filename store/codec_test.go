package store

import (
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"testing"
	"testing/quick"

	"github.com/desk-trading/desk/core/domain"
)

var kinds = []domain.EventKind{domain.EventOrder, domain.EventFill, domain.EventDenied, domain.EventAudit}

// fillAll sets every leaf field of v to a distinct non-zero value, so a field
// added to a domain type but forgotten by the codec fails the round trip.
func fillAll(t testing.TB, v reflect.Value, n *int64) {
	t.Helper()
	*n++
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fillAll(t, v.Field(i), n)
		}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Int:
		v.SetInt(-*n * 1_000_003)
	case reflect.Uint8:
		v.SetUint(uint64(*n%250 + 1))
	case reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uint:
		v.SetUint(uint64(*n) * 7919)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.String:
		v.SetString(fmt.Sprintf("field %d, ünïcode ✓", *n))
	default:
		t.Fatalf("fillAll: add a case for %s", v.Type())
	}
}

// onlyKind zeroes the parts of ev its Kind does not name: the codec stores
// only the named one.
func onlyKind(ev *domain.Event) {
	if ev.Kind != domain.EventOrder && ev.Kind != domain.EventDenied {
		ev.Order = domain.Order{}
	}
	if ev.Kind != domain.EventFill {
		ev.Fill = domain.Fill{}
	}
	if ev.Kind != domain.EventAudit {
		ev.Audit = domain.Audit{}
	}
}

func roundTrip(t *testing.T, ev *domain.Event) {
	t.Helper()
	buf := appendEvent([]byte("prefix"), ev)
	var got domain.Event
	if err := decodeEvent(buf[len("prefix"):], &got); err != nil {
		t.Fatalf("decode %+v: %v", ev, err)
	}
	if !reflect.DeepEqual(&got, ev) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, *ev)
	}
}

func TestCodecRoundTripEveryField(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.String(), func(t *testing.T) {
			var ev domain.Event
			var n int64
			fillAll(t, reflect.ValueOf(&ev).Elem(), &n)
			ev.Kind = k
			onlyKind(&ev)
			roundTrip(t, &ev)
		})
	}
}

func TestCodecRoundTripRandom(t *testing.T) {
	typ := reflect.TypeFor[domain.Event]()
	f := func(seed int64) bool {
		r := rand.New(rand.NewSource(seed))
		v, ok := quick.Value(typ, r)
		if !ok {
			t.Fatal("quick.Value: cannot generate domain.Event")
		}
		ev := v.Interface().(domain.Event)
		ev.Kind = kinds[r.Intn(len(kinds))]
		onlyKind(&ev)
		roundTrip(t, &ev)
		return true
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 3000}); err != nil {
		t.Fatal(err)
	}
}

func TestCodecZeroEvents(t *testing.T) {
	for _, k := range kinds {
		roundTrip(t, &domain.Event{Kind: k})
	}
}

func validRecords(t testing.TB) [][]byte {
	t.Helper()
	var recs [][]byte
	for _, k := range kinds {
		var ev domain.Event
		var n int64
		fillAll(t, reflect.ValueOf(&ev).Elem(), &n)
		ev.Kind = k
		onlyKind(&ev)
		recs = append(recs, appendEvent(nil, &ev))
	}
	return recs
}

// TestDecodeVersion1Fill reads a fill written before fills carried their
// order: the fill comes back whole and the order is left zero.
func TestDecodeVersion1Fill(t *testing.T) {
	f := domain.Fill{OrderID: 7, Strategy: 2, Instrument: 5, Venue: 1, Side: domain.Sell,
		Liquidity: domain.Maker, Price: 6_512_300, Qty: 1500, Fee: -3, TradeID: 99, Time: 12}
	rec := []byte{1, byte(domain.EventFill)}
	rec = le.AppendUint64(rec, 41)
	rec = le.AppendUint64(rec, 1234)
	rec = appendFill(rec, &f)
	var ev domain.Event
	if err := decodeEvent(rec, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Kind != domain.EventFill || ev.Seq != 41 || ev.Time != 1234 || ev.Fill != f || ev.Order != (domain.Order{}) {
		t.Fatalf("version 1 fill decoded as %+v", ev)
	}
}

func TestDecodeRejectsDamage(t *testing.T) {
	var ev domain.Event
	for _, rec := range validRecords(t) {
		for n := range len(rec) {
			if err := decodeEvent(rec[:n], &ev); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("kind %d truncated to %d of %d bytes: err %v, want ErrCorrupt", rec[1], n, len(rec), err)
			}
		}
		damaged := map[string][]byte{
			"trailing byte": append(append([]byte(nil), rec...), 0),
			"version 0":     append([]byte{0}, rec[1:]...),
			"version 3":     append([]byte{3}, rec[1:]...),
			"kind 0":        append([]byte{1, 0}, rec[2:]...),
			"kind 5":        append([]byte{1, 5}, rec[2:]...),
		}
		for name, b := range damaged {
			if err := decodeEvent(b, &ev); !errors.Is(err, ErrCorrupt) {
				t.Errorf("kind %d, %s: err %v, want ErrCorrupt", rec[1], name, err)
			}
		}
	}
	// An order's flags byte sits after the header, id and three 32-bit ids
	// and its side, type, tif and state.
	rec := appendEvent(nil, &domain.Event{Kind: domain.EventOrder})
	rec[headerSize+8+3*4+4] = 0x80
	if err := decodeEvent(rec, &ev); !errors.Is(err, ErrCorrupt) {
		t.Errorf("unknown order flag: err %v, want ErrCorrupt", err)
	}
	// A string length far beyond the record must not allocate or panic.
	rec = appendEvent(nil, &domain.Event{Kind: domain.EventAudit})
	rec = append(rec[:headerSize], 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)
	if err := decodeEvent(rec, &ev); !errors.Is(err, ErrCorrupt) {
		t.Errorf("huge string length: err %v, want ErrCorrupt", err)
	}
}

func TestAppendEventDoesNotAllocate(t *testing.T) {
	ev := domain.Event{Kind: domain.EventOrder, Order: domain.Order{Reason: "max-order-qty"}}
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		buf = appendEvent(buf[:0], &ev)
	})
	if allocs != 0 {
		t.Fatalf("appendEvent: %v allocations, want 0", allocs)
	}
}

func FuzzDecodeEvent(f *testing.F) {
	for _, rec := range validRecords(f) {
		f.Add(rec)
	}
	for _, k := range kinds {
		f.Add(appendEvent(nil, &domain.Event{Kind: k, Seq: 1}))
	}
	f.Add([]byte{})
	f.Add([]byte{codecVersion})
	f.Add([]byte{codecVersion, byte(domain.EventAudit), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		var ev domain.Event
		if err := decodeEvent(b, &ev); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decode error does not wrap ErrCorrupt: %v", err)
			}
			return
		}
		var again domain.Event
		if err := decodeEvent(appendEvent(nil, &ev), &again); err != nil {
			t.Fatalf("re-encoded %+v does not decode: %v", ev, err)
		}
		if !reflect.DeepEqual(ev, again) {
			t.Fatalf("re-encode changed the event:\n got %+v\nwant %+v", again, ev)
		}
	})
}

func BenchmarkEncodeEvent(b *testing.B) {
	ev := domain.Event{Kind: domain.EventOrder, Order: domain.Order{Reason: "max-order-qty"}}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendEvent(buf[:0], &ev)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkDecodeEvent(b *testing.B) {
	rec := appendEvent(nil, &domain.Event{Kind: domain.EventOrder, Order: domain.Order{Reason: "max-order-qty"}})
	var ev domain.Event
	b.ReportAllocs()
	b.SetBytes(int64(len(rec)))
	for b.Loop() {
		if err := decodeEvent(rec, &ev); err != nil {
			b.Fatal(err)
		}
	}
}

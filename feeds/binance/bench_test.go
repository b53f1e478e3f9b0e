package binance

import (
	"fmt"
	"strings"
	"testing"
)

// diffFrames returns two 10-level diff frames for NKNUSDT around a
// 1000-level book: the first sets five bid and five ask levels (two bids
// and three asks new, the rest updated in place), the second deletes them
// again (and deletes one level the book lacks), so alternating them keeps
// the book's size steady while inserting and deleting.
func diffFrames() (snap []byte, frames [2]string) {
	var sb strings.Builder
	sb.WriteString(`{"lastUpdateId":1000,"bids":[`)
	for i := 0; i < 1000; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `["%.8f","%d.00000000"]`, 0.3520-float64(2*i)*0.0001, 100+i)
	}
	sb.WriteString(`],"asks":[`)
	for i := 0; i < 1000; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `["%.8f","%d.00000000"]`, 0.3530+float64(2*i)*0.0001, 100+i)
	}
	sb.WriteString(`]}`)
	set := `"b":[["0.35200000","7.00000000"],["0.35190000","8.00000000"],["0.35170000","9.00000000"],["0.35160000","10.50000000"],["0.35100000","11.00000000"]],` +
		`"a":[["0.35300000","7.00000000"],["0.35310000","8.00000000"],["0.35330000","9.00000000"],["0.35360000","10.50000000"],["0.35410000","11.00000000"]]`
	del := `"b":[["0.35200000","100.00000000"],["0.35190000","0.00000000"],["0.35170000","0.00000000"],["0.35160000","102.00000000"],["0.35090000","0.00000000"]],` +
		`"a":[["0.35300000","100.00000000"],["0.35310000","0.00000000"],["0.35330000","0.00000000"],["0.35360000","0.00000000"],["0.35410000","0.00000000"]]`
	frames[0] = `{"stream":"nknusdt@depth@100ms","data":{"e":"depthUpdate","E":1633998512068,"s":"NKNUSDT","U":%d,"u":%d,` + set + `}}`
	frames[1] = `{"stream":"nknusdt@depth@100ms","data":{"e":"depthUpdate","E":1633998512068,"s":"NKNUSDT","U":%d,"u":%d,` + del + `}}`
	return []byte(sb.String()), frames
}

// steadyHandler returns a synced handler and next, which returns the
// next diff frame in sequence. The two frames are reused buffers whose ids
// (fixed width) are rewritten in place, as a connection's read buffer is
// reused; the rewrite is counted in the benchmark.
func steadyHandler(tb testing.TB) (*Handler, func() []byte) {
	snap, tmpl := diffFrames()
	h := handlerFor(tb, "NKNUSDT")
	h.syms["NKNUSDT"].scales = Scales{PriceDecimals: 4, QtyDecimals: 1}
	if err := h.OnSnapshot("NKNUSDT", snap); err != nil {
		tb.Fatal(err)
	}
	const base = 1_000_000_000 // ten digits; the snapshot's id is 1000
	var bufs [2][]byte
	var offs [2][2]int
	for k := range bufs {
		bufs[k] = []byte(fmt.Sprintf(tmpl[k], base, base))
		u := strings.Index(string(bufs[k]), `"U":`) + 4
		v := strings.Index(string(bufs[k]), `"u":`) + 4
		offs[k] = [2]int{u, v}
	}
	id := int64(1000)
	next := func() []byte {
		id++
		k := id % 2
		b := bufs[k]
		for _, o := range offs[k] {
			v := base + id
			for j := o + 9; j >= o; j-- {
				b[j] = byte('0' + v%10)
				v /= 10
			}
		}
		return b
	}
	// The snapshot's id 1000 must be followed by 1001: write the frames'
	// ids as base+id and the snapshot's as base+1000.
	s := h.syms["NKNUSDT"].sync
	var sn Snapshot
	if err := DecodeSnapshot(snap, h.syms["NKNUSDT"].scales, &sn); err != nil {
		tb.Fatal(err)
	}
	sn.LastUpdateID = base + 1000
	s.OnSnapshot(&sn)
	return h, next
}

// TestDecodeApplyAllocs: decoding and applying a 10-level diff allocates
// nothing in steady state.
func TestDecodeApplyAllocs(t *testing.T) {
	h, next := steadyHandler(t)
	if err := h.OnFrame(next()); err != nil { // warm up
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(2000, func() {
		if err := h.OnFrame(next()); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Fatalf("decode and apply allocates %v times a diff", n)
	}
	s := h.Sync("NKNUSDT")
	if s.Stats().DiffsApplied != 2002 || s.Stats().Resyncs != 0 || s.Book().Len(Bid) != 1000 && s.Book().Len(Bid) != 1002 {
		t.Fatalf("book %d bids, stats %+v", s.Book().Len(Bid), s.Stats())
	}
	if best, _ := s.Book().Best(Bid); best.Price != 3520 {
		t.Fatalf("best bid %v", best)
	}
}

// BenchmarkDecodeApplyDiff10 decodes one in-sequence 10-level depth diff
// and applies it to a synced 1000-level book, the steady state of a live
// symbol. It fails unless every diff was applied: a diff out of sequence
// would only be buffered, which is cheaper and not what is measured.
func BenchmarkDecodeApplyDiff10(b *testing.B) {
	h, next := steadyHandler(b)
	first := next()
	b.SetBytes(int64(len(first)))
	b.ReportAllocs()
	b.ResetTimer()
	if err := h.OnFrame(first); err != nil {
		b.Fatal(err)
	}
	for i := 1; i < b.N; i++ {
		if err := h.OnFrame(next()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if st := h.Sync("NKNUSDT").Stats(); st.DiffsApplied != uint64(b.N) || st.Resyncs != 0 {
		b.Fatalf("%d frames, %+v: not every diff was applied", b.N, st)
	}
}

func BenchmarkParseFrameOnly(b *testing.B) {
	_, next := steadyHandler(b)
	frame := next()
	var f Frame
	var d DepthUpdate
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := f.Parse(frame); err != nil {
			b.Fatal(err)
		}
		if err := f.Depth(Scales{PriceDecimals: 4, QtyDecimals: 1}, &d); err != nil {
			b.Fatal(err)
		}
	}
}

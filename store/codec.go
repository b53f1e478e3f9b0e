package store

import (
	"encoding/binary"
	"fmt"

	"github.com/desk-trading/desk/core/domain"
)

// The binary record of one domain.Event, as stored in the events bucket.
//
// Format version 2, every integer little endian and fixed width, every string
// a uvarint length followed by its bytes:
//
//	version u8 (2) | kind u8 | seq u64 | time i64 | body
//
// The body holds only the part of the Event its Kind names:
//
//	order, denied: id u64 | strategy u32 | instrument u32 | venue u32 |
//	               side u8 | type u8 | tif u8 | state u8 | flags u8 (1 post-only, 2 reduce-only) |
//	               price | stop price | qty | filled | filled notional | fees |
//	               pending price | pending qty | expire at | venue order id (10 x 64 bits) |
//	               created i64 | updated i64 | stamps (8 x i64) | reason string
//	fill:          order id u64 | strategy u32 | instrument u32 | venue u32 |
//	               side u8 | liquidity u8 | price i64 | qty i64 | fee i64 |
//	               trade id u64 | time i64 | the order after the fill, as above
//	audit:         node | action | who | old | new | why (6 strings)
//
// Version 1 fills had no order: decodeEvent still reads them (with a zero
// Order). A record must be consumed exactly: trailing bytes are
// corruption. A new field means a new format version; decodeEvent keeps
// reading the old ones.
const codecVersion = 2

const (
	headerSize = 1 + 1 + 8 + 8

	flagPostOnly   = 1 << 0
	flagReduceOnly = 1 << 1
	flagsKnown     = flagPostOnly | flagReduceOnly
)

var le = binary.LittleEndian

// validKind reports whether the codec can encode events of kind k.
func validKind(k domain.EventKind) bool {
	return k >= domain.EventOrder && k <= domain.EventAudit
}

// appendEvent appends the record of ev to dst and returns the extended
// slice. It allocates only when dst lacks capacity. ev.Kind must satisfy
// validKind; for any other kind only the header is written, which
// decodeEvent rejects.
func appendEvent(dst []byte, ev *domain.Event) []byte {
	dst = append(dst, codecVersion, byte(ev.Kind))
	dst = le.AppendUint64(dst, ev.Seq)
	dst = le.AppendUint64(dst, uint64(ev.Time))
	switch ev.Kind {
	case domain.EventOrder, domain.EventDenied:
		dst = appendOrder(dst, &ev.Order)
	case domain.EventFill:
		dst = appendFill(dst, &ev.Fill)
		dst = appendOrder(dst, &ev.Order)
	case domain.EventAudit:
		a := &ev.Audit
		dst = appendString(dst, a.Node)
		dst = appendString(dst, a.Action)
		dst = appendString(dst, a.Who)
		dst = appendString(dst, a.Old)
		dst = appendString(dst, a.New)
		dst = appendString(dst, a.Why)
	}
	return dst
}

func appendOrder(dst []byte, o *domain.Order) []byte {
	dst = le.AppendUint64(dst, uint64(o.ID))
	dst = le.AppendUint32(dst, uint32(o.Strategy))
	dst = le.AppendUint32(dst, uint32(o.Instrument))
	dst = le.AppendUint32(dst, uint32(o.Venue))
	var flags byte
	if o.PostOnly {
		flags |= flagPostOnly
	}
	if o.ReduceOnly {
		flags |= flagReduceOnly
	}
	dst = append(dst, byte(o.Side), byte(o.Type), byte(o.TIF), byte(o.State), flags)
	dst = le.AppendUint64(dst, uint64(o.Price))
	dst = le.AppendUint64(dst, uint64(o.StopPrice))
	dst = le.AppendUint64(dst, uint64(o.Qty))
	dst = le.AppendUint64(dst, uint64(o.Filled))
	dst = le.AppendUint64(dst, uint64(o.FilledNotional))
	dst = le.AppendUint64(dst, uint64(o.Fees))
	dst = le.AppendUint64(dst, uint64(o.PendingPrice))
	dst = le.AppendUint64(dst, uint64(o.PendingQty))
	dst = le.AppendUint64(dst, uint64(o.ExpireAt))
	dst = le.AppendUint64(dst, o.VenueOrderID)
	dst = le.AppendUint64(dst, uint64(o.Created))
	dst = le.AppendUint64(dst, uint64(o.Updated))
	dst = appendStamps(dst, &o.Stamps)
	return appendString(dst, o.Reason)
}

func appendFill(dst []byte, f *domain.Fill) []byte {
	dst = le.AppendUint64(dst, uint64(f.OrderID))
	dst = le.AppendUint32(dst, uint32(f.Strategy))
	dst = le.AppendUint32(dst, uint32(f.Instrument))
	dst = le.AppendUint32(dst, uint32(f.Venue))
	dst = append(dst, byte(f.Side), byte(f.Liquidity))
	dst = le.AppendUint64(dst, uint64(f.Price))
	dst = le.AppendUint64(dst, uint64(f.Qty))
	dst = le.AppendUint64(dst, uint64(f.Fee))
	dst = le.AppendUint64(dst, f.TradeID)
	return le.AppendUint64(dst, uint64(f.Time))
}

func appendStamps(dst []byte, s *domain.Stamps) []byte {
	for _, v := range [...]int64{s.Received, s.Decoded, s.Decided, s.RiskPassed,
		s.Routed, s.Sent, s.Acked, s.Filled} {
		dst = le.AppendUint64(dst, uint64(v))
	}
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// decodeEvent decodes the record src into ev, overwriting all of ev. It
// returns an error wrapping ErrCorrupt when src is truncated, has trailing
// bytes, or carries an unknown version, kind or flag; ev is then undefined.
// The strings in ev are copies: they do not refer to src.
func decodeEvent(src []byte, ev *domain.Event) error {
	*ev = domain.Event{}
	if len(src) < headerSize {
		return fmt.Errorf("decode event: %d bytes, want at least %d: %w", len(src), headerSize, ErrCorrupt)
	}
	version := src[0]
	if version != 1 && version != codecVersion {
		return fmt.Errorf("decode event: format version %d: %w", src[0], ErrCorrupt)
	}
	d := decoder{b: src}
	d.off = 1
	ev.Kind = domain.EventKind(d.u8())
	ev.Seq = d.u64()
	ev.Time = d.i64()
	switch ev.Kind {
	case domain.EventOrder, domain.EventDenied:
		if err := d.order(&ev.Order); err != nil {
			return fmt.Errorf("decode event %d: %w", ev.Seq, err)
		}
	case domain.EventFill:
		d.fill(&ev.Fill)
		if version >= 2 {
			if err := d.order(&ev.Order); err != nil {
				return fmt.Errorf("decode event %d: %w", ev.Seq, err)
			}
		}
	case domain.EventAudit:
		a := &ev.Audit
		a.Node = d.str()
		a.Action = d.str()
		a.Who = d.str()
		a.Old = d.str()
		a.New = d.str()
		a.Why = d.str()
	default:
		return fmt.Errorf("decode event %d: kind %d: %w", ev.Seq, ev.Kind, ErrCorrupt)
	}
	switch {
	case d.short:
		return fmt.Errorf("decode event %d: truncated %s record of %d bytes: %w", ev.Seq, ev.Kind, len(src), ErrCorrupt)
	case d.off != len(src):
		return fmt.Errorf("decode event %d: %d trailing bytes: %w", ev.Seq, len(src)-d.off, ErrCorrupt)
	}
	return nil
}

// decoder reads fixed-width fields from b. A read past the end sets short and
// returns zero, so a caller checks once at the end instead of after each
// field.
type decoder struct {
	b     []byte
	off   int
	short bool
}

func (d *decoder) take(n int) []byte {
	if n > len(d.b)-d.off {
		d.short = true
		d.off = len(d.b)
		return nil
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p
}

func (d *decoder) u8() uint8 {
	if p := d.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if p := d.take(4); p != nil {
		return le.Uint32(p)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if p := d.take(8); p != nil {
		return le.Uint64(p)
	}
	return 0
}

func (d *decoder) i64() int64 { return int64(d.u64()) }

func (d *decoder) str() string {
	n, w := binary.Uvarint(d.b[d.off:])
	if w <= 0 || n > uint64(len(d.b)-d.off-w) {
		d.short = true
		d.off = len(d.b)
		return ""
	}
	d.off += w
	return string(d.take(int(n)))
}

func (d *decoder) order(o *domain.Order) error {
	o.ID = domain.OrderID(d.u64())
	o.Strategy = domain.StrategyID(d.u32())
	o.Instrument = domain.InstrumentID(d.u32())
	o.Venue = domain.VenueID(d.u32())
	o.Side = domain.Side(d.u8())
	o.Type = domain.OrderType(d.u8())
	o.TIF = domain.TimeInForce(d.u8())
	o.State = domain.OrderState(d.u8())
	flags := d.u8()
	if flags&^flagsKnown != 0 {
		return fmt.Errorf("order flags %#x: %w", flags, ErrCorrupt)
	}
	o.PostOnly = flags&flagPostOnly != 0
	o.ReduceOnly = flags&flagReduceOnly != 0
	o.Price = domain.Price(d.i64())
	o.StopPrice = domain.Price(d.i64())
	o.Qty = domain.Qty(d.i64())
	o.Filled = domain.Qty(d.i64())
	o.FilledNotional = domain.Money(d.i64())
	o.Fees = domain.Money(d.i64())
	o.PendingPrice = domain.Price(d.i64())
	o.PendingQty = domain.Qty(d.i64())
	o.ExpireAt = d.i64()
	o.VenueOrderID = d.u64()
	o.Created = d.i64()
	o.Updated = d.i64()
	d.stamps(&o.Stamps)
	o.Reason = d.str()
	return nil
}

func (d *decoder) fill(f *domain.Fill) {
	f.OrderID = domain.OrderID(d.u64())
	f.Strategy = domain.StrategyID(d.u32())
	f.Instrument = domain.InstrumentID(d.u32())
	f.Venue = domain.VenueID(d.u32())
	f.Side = domain.Side(d.u8())
	f.Liquidity = domain.Liquidity(d.u8())
	f.Price = domain.Price(d.i64())
	f.Qty = domain.Qty(d.i64())
	f.Fee = domain.Money(d.i64())
	f.TradeID = d.u64()
	f.Time = d.i64()
}

func (d *decoder) stamps(s *domain.Stamps) {
	s.Received = d.i64()
	s.Decoded = d.i64()
	s.Decided = d.i64()
	s.RiskPassed = d.i64()
	s.Routed = d.i64()
	s.Sent = d.i64()
	s.Acked = d.i64()
	s.Filled = d.i64()
}

package binance

import (
	"encoding/binary"

	"github.com/desk-trading/desk/core/domain"
)

// Kind is what a frame carries.
type Kind uint8

// The kinds of frame.
const (
	KindOther      Kind = iota // a valid frame of a kind the feed does not use (kline, a subscription reply)
	KindDepth                  // depthUpdate: a diff of the book
	KindBookTicker             // bookTicker: best bid and ask
	KindTrade                  // trade
	KindAggTrade               // aggTrade
)

var kindNames = [...]string{"other", "depthUpdate", "bookTicker", "trade", "aggTrade"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Level is one price level: the absolute quantity at a price. Zero
// quantity in a diff deletes the level.
type Level struct {
	Price domain.Price
	Qty   domain.Qty
}

// DepthUpdate is a decoded depthUpdate event. Bids and Asks are reused by
// each decode into the same value.
type DepthUpdate struct {
	EventTime int64 // E, ms
	First     int64 // U, first update id in the event
	Final     int64 // u, final update id in the event
	Bids      []Level
	Asks      []Level
}

// BookTicker is a decoded bookTicker event.
type BookTicker struct {
	UpdateID int64 // u
	BidPrice domain.Price
	BidQty   domain.Qty
	AskPrice domain.Price
	AskQty   domain.Qty
}

// Trade is a decoded trade or aggTrade event. For a trade ID is t and
// FirstID and LastID are t; for an aggTrade ID is a, FirstID f, LastID l.
type Trade struct {
	EventTime  int64 // E, ms
	TradeTime  int64 // T, ms
	ID         int64
	FirstID    int64
	LastID     int64
	Price      domain.Price
	Qty        domain.Qty
	BuyerMaker bool // m
}

// Snapshot is a decoded REST depth snapshot (GET /api/v3/depth). Bids are
// high to low and asks low to high, as the venue sends them.
type Snapshot struct {
	LastUpdateID int64
	Bids         []Level
	Asks         []Level
}

// Frame is one websocket frame parsed in place: Parse records where each
// field is in the frame's bytes, and the typed decoders (Depth,
// BookTicker, Trade) convert the fields once the caller knows the symbol's
// scales. A Frame is reused from frame to frame; it holds sub-slices of the
// last parsed bytes, which must not change until the frame is decoded.
type Frame struct {
	kind   Kind
	stream []byte
	symbol []byte
	mask   uint64
	fields [52][]byte
	// levels are the price and quantity strings of the b and a members
	// when Parse found them shaped as a level array ([["p","q"],...]);
	// bit s of lvOK says levels[s] holds the last such member's. Depth
	// decodes them without scanning the array again.
	levels [2][]levelSpan
	lvOK   uint8
}

// levelSpan is one level's price and quantity strings, unquoted.
type levelSpan struct{ p, q []byte }

func fieldIndex(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	}
	return -1
}

func (f *Frame) field(c byte) ([]byte, bool) {
	i := fieldIndex(c)
	if f.mask&(1<<uint(i)) == 0 {
		return nil, false
	}
	return f.fields[i], true
}

// Kind returns the kind of the last parsed frame.
func (f *Frame) Kind() Kind { return f.kind }

// Stream returns the combined stream's name ("nknusdt@depth@100ms"), or
// nil for a raw stream's frame. It aliases the frame's bytes.
func (f *Frame) Stream() []byte { return f.stream }

// Symbol returns the event's symbol ("NKNUSDT"), or nil when the kind has
// none. It aliases the frame's bytes.
func (f *Frame) Symbol() []byte { return f.symbol }

// Parse parses b, a raw stream's event ({"e":"depthUpdate",...}) or a
// combined stream's envelope ({"stream":"...","data":{...}}), and
// classifies it. It fails with ErrMalformed when b is not a JSON object of
// that shape or a field its kind needs is missing or mistyped.
func (f *Frame) Parse(b []byte) error {
	f.kind, f.stream, f.symbol, f.mask, f.lvOK = KindOther, nil, nil, 0, 0
	i := skipWS(b, 0)
	end, err := f.walk(b, i, true)
	if err != nil {
		return err
	}
	if skipWS(b, end) != len(b) {
		return ErrMalformed
	}
	return f.classify()
}

// walk records the single-letter members of the object at b[i] and
// returns the index after it. At the top level a "stream" member is the
// envelope's stream name and a "data" object is walked in place (one pass
// over the frame), after which no event member may sit beside it.
func (f *Frame) walk(b []byte, i int, top bool) (int, error) {
	if i >= len(b) || b[i] != '{' {
		return i, ErrMalformed
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	envelope := false
	for {
		key, j, err := scanString(b, i)
		if err != nil {
			return j, err
		}
		j = skipWS(b, j)
		if j >= len(b) || b[j] != ':' {
			return j, ErrMalformed
		}
		j = skipWS(b, j+1)
		var end int
		switch {
		case len(key) == 1:
			side := -1
			switch key[0] {
			case 'b':
				side = 0
			case 'a':
				side = 1
			}
			ok := false
			if side >= 0 {
				f.lvOK &^= 1 << uint(side)
				f.levels[side], end, ok = scanLevels(f.levels[side][:0], b, j)
				if ok {
					f.lvOK |= 1 << uint(side)
				}
			}
			if !ok {
				if end, err = skipValue(b, j, 1); err != nil {
					return end, err
				}
			}
			if k := fieldIndex(key[0]); k >= 0 {
				if envelope && top {
					return j, ErrMalformed
				}
				f.fields[k], f.mask = b[j:end], f.mask|1<<uint(k)
			}
		case top && string(key) == "data":
			if f.mask != 0 {
				return j, ErrMalformed // an envelope carries nothing but stream and data
			}
			envelope = true
			if end, err = f.walk(b, j, false); err != nil {
				return end, err
			}
		case top && string(key) == "stream":
			if f.stream, end, err = scanString(b, j); err != nil {
				return end, err
			}
		default:
			if end, err = skipValue(b, j, 1); err != nil {
				return end, err
			}
		}
		i = skipWS(b, end)
		if i >= len(b) {
			return i, ErrMalformed
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case '}':
			return i + 1, nil
		default:
			return i, ErrMalformed
		}
	}
}

func (f *Frame) classify() error {
	e, hasE := f.field('e')
	if !hasE {
		// bookTicker has no event type: u, s, b, B, a, A.
		if f.has("usbBaA") {
			f.kind = KindBookTicker
			return f.readSymbol()
		}
		return nil
	}
	ev, err := stringValue(e)
	if err != nil {
		return err
	}
	switch string(ev) {
	case "depthUpdate":
		if !f.has("sUuba") {
			return ErrMalformed
		}
		f.kind = KindDepth
	case "trade":
		if !f.has("stpqTm") {
			return ErrMalformed
		}
		f.kind = KindTrade
	case "aggTrade":
		if !f.has("sapqflTm") {
			return ErrMalformed
		}
		f.kind = KindAggTrade
	default:
		return nil
	}
	return f.readSymbol()
}

func (f *Frame) has(keys string) bool {
	for i := 0; i < len(keys); i++ {
		if f.mask&(1<<uint(fieldIndex(keys[i]))) == 0 {
			return false
		}
	}
	return true
}

func (f *Frame) readSymbol() error {
	s, _ := f.field('s')
	sym, err := stringValue(s)
	if err != nil {
		return err
	}
	if len(sym) == 0 {
		return ErrMalformed
	}
	f.symbol = sym
	return nil
}

func (f *Frame) intField(c byte) (int64, error) {
	v, ok := f.field(c)
	if !ok {
		return 0, ErrMalformed
	}
	return parseInt(v)
}

// Depth decodes a KindDepth frame into d at sc, reusing d's level slices.
func (f *Frame) Depth(sc Scales, d *DepthUpdate) error {
	if f.kind != KindDepth {
		return ErrMalformed
	}
	var err error
	d.EventTime = 0
	if _, ok := f.field('E'); ok {
		if d.EventTime, err = f.intField('E'); err != nil {
			return err
		}
	}
	if d.First, err = f.intField('U'); err != nil {
		return err
	}
	if d.Final, err = f.intField('u'); err != nil {
		return err
	}
	if d.First > d.Final || d.First < 0 {
		return ErrMalformed
	}
	if d.Bids, err = f.sideLevels(0, 'b', d.Bids[:0], sc); err != nil {
		return err
	}
	d.Asks, err = f.sideLevels(1, 'a', d.Asks[:0], sc)
	return err
}

// sideLevels appends the levels of member c, from the strings Parse
// recorded when it had the shape of a level array, else by decoding its
// span (which then fails as appendLevels does).
func (f *Frame) sideLevels(side int, c byte, dst []Level, sc Scales) ([]Level, error) {
	if f.lvOK&(1<<uint(side)) == 0 {
		v, _ := f.field(c)
		return appendLevels(dst, v, sc)
	}
	for _, l := range f.levels[side] {
		p, err := parseFixedFast(l.p, sc.PriceDecimals)
		if err != nil {
			return dst, err
		}
		q, err := parseFixedFast(l.q, sc.QtyDecimals)
		if err != nil {
			return dst, err
		}
		if err := sc.check(p, q); err != nil {
			return dst, err
		}
		dst = append(dst, Level{Price: domain.Price(p), Qty: domain.Qty(q)})
	}
	return dst, nil
}

// scanLevels records the price and quantity strings of the level array
// starting at b[i] (white space allowed between tokens, as appendLevels
// allows it) and returns the index after it. ok is false when the value
// is not exactly of that shape; the caller then skips it as any value,
// and Depth decodes (and rejects) it with appendLevels.
func scanLevels(dst []levelSpan, b []byte, i int) (_ []levelSpan, end int, ok bool) {
	if i >= len(b) || b[i] != '[' {
		return dst, i, false
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return dst, i + 1, true
	}
	for {
		if i >= len(b) || b[i] != '[' {
			return dst, i, false
		}
		ps, j, err := scanNumber(b, skipWS(b, i+1))
		if err != nil {
			return dst, j, false
		}
		j = skipWS(b, j)
		if j >= len(b) || b[j] != ',' {
			return dst, j, false
		}
		qs, j, err := scanNumber(b, skipWS(b, j+1))
		if err != nil {
			return dst, j, false
		}
		j = skipWS(b, j)
		if j >= len(b) || b[j] != ']' {
			return dst, j, false
		}
		dst = append(dst, levelSpan{ps, qs})
		i = skipWS(b, j+1)
		if i >= len(b) {
			return dst, i, false
		}
		if b[i] == ']' {
			return dst, i + 1, true
		}
		if b[i] != ',' {
			return dst, i, false
		}
		i = skipWS(b, i+1)
	}
}

// BookTicker decodes a KindBookTicker frame into t at sc.
func (f *Frame) BookTicker(sc Scales, t *BookTicker) error {
	if f.kind != KindBookTicker {
		return ErrMalformed
	}
	var err error
	if t.UpdateID, err = f.intField('u'); err != nil {
		return err
	}
	var p, q int64
	if p, q, err = f.priceQty('b', 'B', sc); err != nil {
		return err
	}
	t.BidPrice, t.BidQty = domain.Price(p), domain.Qty(q)
	if p, q, err = f.priceQty('a', 'A', sc); err != nil {
		return err
	}
	t.AskPrice, t.AskQty = domain.Price(p), domain.Qty(q)
	return nil
}

// Trade decodes a KindTrade or KindAggTrade frame into t at sc.
func (f *Frame) Trade(sc Scales, t *Trade) error {
	var err error
	switch f.kind {
	case KindTrade:
		if t.ID, err = f.intField('t'); err != nil {
			return err
		}
		t.FirstID, t.LastID = t.ID, t.ID
	case KindAggTrade:
		if t.ID, err = f.intField('a'); err != nil {
			return err
		}
		if t.FirstID, err = f.intField('f'); err != nil {
			return err
		}
		if t.LastID, err = f.intField('l'); err != nil {
			return err
		}
	default:
		return ErrMalformed
	}
	t.EventTime = 0
	if _, ok := f.field('E'); ok {
		if t.EventTime, err = f.intField('E'); err != nil {
			return err
		}
	}
	if t.TradeTime, err = f.intField('T'); err != nil {
		return err
	}
	m, _ := f.field('m')
	if t.BuyerMaker, err = boolValue(m); err != nil {
		return err
	}
	p, q, err := f.priceQty('p', 'q', sc)
	t.Price, t.Qty = domain.Price(p), domain.Qty(q)
	return err
}

func (f *Frame) priceQty(pc, qc byte, sc Scales) (p, q int64, err error) {
	pv, _ := f.field(pc)
	if p, err = fixedValue(pv, sc.PriceDecimals); err != nil {
		return 0, 0, err
	}
	qv, _ := f.field(qc)
	if q, err = fixedValue(qv, sc.QtyDecimals); err != nil {
		return 0, 0, err
	}
	return p, q, sc.check(p, q)
}

func (sc Scales) check(p, q int64) error {
	if p == 0 && q != 0 {
		return ErrZeroPrice // zero and zero is an empty side (bookTicker) or a no-op delete
	}
	if sc.Tick > 1 && p%int64(sc.Tick) != 0 {
		return ErrOffTick
	}
	if sc.Lot > 1 && q%int64(sc.Lot) != 0 {
		return ErrOffLot
	}
	return nil
}

// appendLevels appends the levels of v, a [["price","qty"],...] span.
func appendLevels(dst []Level, v []byte, sc Scales) ([]Level, error) {
	i := skipWS(v, 0)
	if i >= len(v) || v[i] != '[' {
		return dst, ErrMalformed
	}
	i = skipWS(v, i+1)
	if i < len(v) && v[i] == ']' {
		return dst, trailing(v, i+1)
	}
	for {
		if i >= len(v) || v[i] != '[' {
			return dst, ErrMalformed
		}
		ps, j, err := scanString(v, skipWS(v, i+1))
		if err != nil {
			return dst, err
		}
		j = skipWS(v, j)
		if j >= len(v) || v[j] != ',' {
			return dst, ErrMalformed
		}
		qs, j, err := scanString(v, skipWS(v, j+1))
		if err != nil {
			return dst, err
		}
		j = skipWS(v, j)
		if j >= len(v) || v[j] != ']' {
			return dst, ErrMalformed
		}
		p, err := ParseFixed(ps, sc.PriceDecimals)
		if err != nil {
			return dst, err
		}
		q, err := ParseFixed(qs, sc.QtyDecimals)
		if err != nil {
			return dst, err
		}
		if err := sc.check(p, q); err != nil {
			return dst, err
		}
		dst = append(dst, Level{Price: domain.Price(p), Qty: domain.Qty(q)})
		i = skipWS(v, j+1)
		if i >= len(v) {
			return dst, ErrMalformed
		}
		if v[i] == ']' {
			return dst, trailing(v, i+1)
		}
		if v[i] != ',' {
			return dst, ErrMalformed
		}
		i = skipWS(v, i+1)
	}
}

func trailing(v []byte, i int) error {
	if skipWS(v, i) != len(v) {
		return ErrMalformed
	}
	return nil
}

// DecodeSnapshot decodes a REST depth snapshot into s at sc, reusing s's
// level slices. The venue's error object ({"code":...,"msg":...}) is
// ErrVenue.
func DecodeSnapshot(b []byte, sc Scales, s *Snapshot) error {
	it, err := startObject(b)
	if err != nil {
		return err
	}
	var id, bids, asks, code []byte
	for {
		key, val, ok, err := it.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch string(key) {
		case "lastUpdateId":
			id = val
		case "bids":
			bids = val
		case "asks":
			asks = val
		case "code":
			code = val
		}
	}
	if code != nil && id == nil {
		return ErrVenue
	}
	if id == nil || bids == nil || asks == nil {
		return ErrMalformed
	}
	if s.LastUpdateID, err = parseInt(id); err != nil {
		return err
	}
	if s.LastUpdateID < 0 {
		return ErrMalformed
	}
	if s.Bids, err = appendLevels(s.Bids[:0], bids, sc); err != nil {
		return err
	}
	s.Asks, err = appendLevels(s.Asks[:0], asks, sc)
	return err
}

var pow10 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// parseFixedFast is ParseFixed for the values Binance sends: at most 18
// characters whose scaled value has at most 18 digits, so nothing can
// overflow and no digit needs the overflow check. Anything else (an
// error, a longer value) is left to ParseFixed, so the result is always
// ParseFixed's.
func parseFixedFast(s []byte, scale uint8) (int64, error) {
	if len(s) == 0 || len(s) > 18 || scale > domain.MaxDecimals || int(scale) >= len(pow10) {
		return ParseFixed(s, scale)
	}
	if v, ok := parsePadded(s, scale); ok {
		return v, nil
	}
	var v uint64
	i := 0
	for ; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			break
		}
		v = v*10 + uint64(c)
	}
	n, frac := i, 0
	if i == 0 {
		return ParseFixed(s, scale)
	}
	if i < len(s) {
		if s[i] != '.' || i+1 == len(s) {
			return ParseFixed(s, scale)
		}
		for i++; i < len(s); i++ {
			c := s[i] - '0'
			if c > 9 {
				return ParseFixed(s, scale)
			}
			if frac == int(scale) {
				if c != 0 {
					return ParseFixed(s, scale)
				}
				continue
			}
			v = v*10 + uint64(c)
			n++
			frac++
		}
	}
	if n+int(scale)-frac > 18 {
		return ParseFixed(s, scale)
	}
	return int64(v * pow10[int(scale)-frac]), nil
}

// parsePadded parses the shape Binance sends every price and quantity in,
// 1 to 9 integer digits, a point and exactly eight decimals ("0.35270000",
// "9602.00000000"), reading the eight decimals as one word. ok is false for
// any other shape, and for a value ParseFixed would refuse (a non-zero
// decimal past scale, a result past 18 digits): the caller then takes the
// general path, so the result is always ParseFixed's.
func parsePadded(s []byte, scale uint8) (int64, bool) {
	n := len(s)
	ip := n - 9 // integer digits
	if ip < 1 || ip > 9 || s[ip] != '.' || ip+int(scale) > 18 {
		return 0, false
	}
	frac, ok := eightDigits(s[ip+1:])
	if !ok {
		return 0, false
	}
	var v uint64
	for _, c := range s[:ip] {
		d := c - '0'
		if d > 9 {
			return 0, false
		}
		v = v*10 + uint64(d)
	}
	if scale >= 8 {
		return int64(v*pow10[scale] + frac*pow10[scale-8]), true
	}
	q, r := dropDecimals(frac, 8-scale)
	if r != 0 {
		return 0, false // a non-zero digit past the scale: ErrPrecision
	}
	return int64(v*pow10[scale] + q), true
}

// eightDigits reads b[:8] as eight ASCII decimal digits, most significant
// first, into their value; ok is false when any byte is not a digit. The
// bytes are taken as one little-endian word and combined in three steps,
// pairs, then quads, then the two halves, each a multiply and a shift.
func eightDigits(b []byte) (uint64, bool) {
	x := binary.LittleEndian.Uint64(b)
	// A byte is a digit when it is at least '0' (subtracting 0x30 does not
	// set its top bit) and at most '9' (adding 0x46 does not either).
	if ((x-0x3030303030303030)|(x+0x4646464646464646))&0x8080808080808080 != 0 {
		return 0, false
	}
	x -= 0x3030303030303030
	// Each byte pair (low byte the more significant digit) becomes
	// 10*hi + lo in its low byte.
	x = (x*10 + x>>8) & 0x00FF00FF00FF00FF
	// Each 16-bit pair of those becomes 100*hi + lo in its low half.
	x = (x*100 + x>>16) & 0x0000FFFF0000FFFF
	// The two 32-bit halves: 10000*hi + lo.
	return (x*10000 + x>>32) & 0xFFFFFFFF, true
}

// dropDecimals divides v by 10^k, 0 <= k <= 8, returning quotient and
// remainder; the divisors are constants, so no division instruction runs.
func dropDecimals(v uint64, k uint8) (q, r uint64) {
	switch k {
	case 0:
		return v, 0
	case 1:
		return v / 10, v % 10
	case 2:
		return v / 100, v % 100
	case 3:
		return v / 1e3, v % 1e3
	case 4:
		return v / 1e4, v % 1e4
	case 5:
		return v / 1e5, v % 1e5
	case 6:
		return v / 1e6, v % 1e6
	case 7:
		return v / 1e7, v % 1e7
	default:
		return v / 1e8, v % 1e8
	}
}

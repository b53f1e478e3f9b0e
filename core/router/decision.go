package router

import (
	"strconv"

	"github.com/desk-trading/desk/core/domain"
)

// Net is a price net of a venue's fee for the order, in millionths of a
// Price unit: price*(1+fee) for a buy, price*(1-fee) for a sell, with the
// fee in millionths of notional. Lower is better for a buy, higher for a
// sell.
type Net int64

// Reason says why Plan chose what it chose.
type Reason uint8

// Reasons. The zero Reason is "none": Plan found no venue.
const (
	ReasonNone         Reason = iota
	ReasonBestNetPrice        // the order takes: the best touch net of the taker fee
	ReasonOnlyVenue           // one venue could take the order
	ReasonNoQuote             // the order takes but no eligible venue quotes the side: the first eligible, in listing order
	ReasonSplit               // the order takes more than the best venue displays within its limit: split across venues
	ReasonPostOnly            // post-only: the best maker fee
	ReasonRests               // a limit that crosses no eligible venue: it rests, at the best maker fee
	ReasonStop                // a stop triggers into a taker: the best taker fee
	ReasonFillOrKill          // a fill-or-kill more than the best venue shows: the best that shows it all, never a split
)

var reasonNames = [...]string{"none", "best-net-price", "only-venue", "no-quote-first-venue",
	"split-by-size", "post-only-maker-fee", "rests-maker-fee", "stop-taker-fee", "fok-full-size"}

// String returns the reason as a kebab-case constant such as "split-by-size".
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "invalid"
}

// Tie says which key decided between the first venue and the runner-up
// when they compared equal on net price (or, resting, on fee).
type Tie uint8

// Ties. TieNone: the net price (or fee) decided.
const (
	TieNone    Tie = iota
	TieSize        // more displayed quantity within the limit
	TieLatency     // lower measured ack latency; a measured venue beats an unmeasured one
	TieListing     // everything equal: the venue listed first
)

var tieNames = [...]string{"none", "size", "latency", "listing"}

// String returns the tie-break as a constant such as "latency".
func (t Tie) String() string {
	if int(t) < len(tieNames) {
		return tieNames[t]
	}
	return "invalid"
}

// SkipReason is why a venue that lists the instrument was not chosen
// before ranking.
type SkipReason uint8

// Skip reasons, in the order Plan checks them: a venue is skipped for the
// first that applies.
const (
	SkipNone         SkipReason = iota
	SkipDown                    // not connected
	SkipReconciling             // reconciling with the journal
	SkipStale                   // its market data for the instrument is stale
	SkipBudget                  // its rate budget does not afford a new order now
	SkipNoQuote                 // the order takes and the venue shows nothing on the side it would take
	SkipOutsideLimit            // the order takes and the venue's touch is beyond the limit
	SkipWouldCross              // post-only, and the venue's touch would take it (it would be rejected); only while another venue would not
)

var skipNames = [...]string{"none", "down", "reconciling", "stale", "rate-budget", "no-quote", "outside-limit", "would-cross"}

// String returns the skip reason as a constant such as "stale".
func (s SkipReason) String() string {
	if int(s) < len(skipNames) {
		return skipNames[s]
	}
	return "invalid"
}

// Leg is one venue's part of an order.
type Leg struct {
	Venue domain.VenueID
	Qty   domain.Qty
	// Price is the limit to send the leg with, 0 for market. A split leg's
	// limit is the worst displayed level planned at its venue, so it does
	// not sweep deeper than planned; the leg that carries a remainder
	// carries the order's own price, and a single leg the order's price.
	Price domain.Price
	// Touch is the price compared: the venue's best displayed price on the
	// side the order takes, or, for an order that rests or a stop, the
	// order's own price (its stop price for a stop without a limit).
	Touch domain.Price
	// Net is Touch net of the fee that applies: taker for an order that
	// takes or a stop, maker for one that rests. Zero when Touch is.
	Net Net
}

// Skip is a venue Plan passed over, and why.
type Skip struct {
	Venue  domain.VenueID
	Reason SkipReason
}

// Decision is where Plan sends an order and why. It is a value with no
// pointers but one to the router's immutable venue names, so it is
// returned, copied and kept without allocating, and may be formatted on
// any goroutine.
type Decision struct {
	Reason Reason
	Tie    Tie // what decided between Legs[0] and RunnerUp, when Reason ranked venues
	Side   domain.Side
	// Legs are the venues the order goes to, best first, Legs[:NLegs].
	// Their quantities sum to the order's and, when the order's quantity
	// is a multiple of the lot, each is one too.
	Legs  [MaxVenues]Leg
	NLegs uint8
	// RunnerUp is the best eligible venue not chosen first, and its net
	// price (or net at the order's price, resting); HasRunnerUp false when
	// there was none.
	RunnerUp    domain.VenueID
	RunnerUpNet Net
	HasRunnerUp bool
	// Skipped are the venues listing the instrument that were passed over,
	// Skipped[:NSkipped]: first those skipped for their state, then those
	// skipped for their quote, each in listing order.
	Skipped  [MaxVenues]Skip
	NSkipped uint8

	priceDec, qtyDec uint8
	tab              *venueTable
}

// First returns the first leg's venue, ok false when there is none (Plan
// failed).
func (d *Decision) First() (domain.VenueID, bool) {
	if d.NLegs == 0 {
		return 0, false
	}
	return d.Legs[0].Venue, true
}

func (d *Decision) skip(id domain.VenueID, why SkipReason) {
	if int(d.NSkipped) < len(d.Skipped) {
		d.Skipped[d.NSkipped] = Skip{Venue: id, Reason: why}
		d.NSkipped++
	}
}

func (d *Decision) leg(l Leg) {
	if int(d.NLegs) < len(d.Legs) {
		d.Legs[d.NLegs] = l
		d.NLegs++
	}
}

// String returns d as one line, e.g.
//
//	split-by-size: sim-a 0.6 @ 64001 (net 64002.3), sim-b 0.4 @ 64002 (net 64003.1); skipped sim-c: stale
//
// It allocates; call it off the hot path.
func (d Decision) String() string {
	var buf [256]byte
	b, _ := d.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the text of String to b; it never fails. It
// allocates only when b lacks room.
func (d Decision) AppendText(b []byte) ([]byte, error) {
	b = append(b, d.Reason.String()...)
	if d.Tie != TieNone {
		b = append(b, " (tie: "...)
		b = append(b, d.Tie.String()...)
		b = append(b, ')')
	}
	if d.NLegs > 0 {
		b = append(b, ':')
	}
	for k := 0; k < int(d.NLegs); k++ {
		l := &d.Legs[k]
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, ' ')
		b = append(b, d.tab.name(l.Venue)...)
		b = append(b, ' ')
		b = appendFixed(b, int64(l.Qty), int(d.qtyDec))
		b = append(b, " @ "...)
		if l.Price == 0 {
			b = append(b, "mkt"...)
		} else {
			b = appendFixed(b, int64(l.Price), int(d.priceDec))
		}
		if l.Net != 0 {
			b = append(b, " (net "...)
			b = appendFixed(b, int64(l.Net), int(d.priceDec)+6)
			b = append(b, ')')
		}
	}
	if d.HasRunnerUp && d.NLegs == 1 {
		b = append(b, ", next "...)
		b = append(b, d.tab.name(d.RunnerUp)...)
		if d.RunnerUpNet != 0 {
			b = append(b, " net "...)
			b = appendFixed(b, int64(d.RunnerUpNet), int(d.priceDec)+6)
		}
	}
	for k := 0; k < int(d.NSkipped); k++ {
		s := &d.Skipped[k]
		if k == 0 {
			b = append(b, "; skipped "...)
		} else {
			b = append(b, ", "...)
		}
		b = append(b, d.tab.name(s.Venue)...)
		b = append(b, ": "...)
		b = append(b, s.Reason.String()...)
	}
	return b, nil
}

// appendFixed appends v/10^dec in decimal, trailing zeros of the fraction
// trimmed: 6 with dec 1 is "0.6", 640010 with dec 1 is "64001".
func appendFixed(b []byte, v int64, dec int) []byte {
	var tmp [24]byte
	u := uint64(v)
	if v < 0 {
		b = append(b, '-')
		u = -u
	}
	ds := strconv.AppendUint(tmp[:0], u, 10)
	frac := ds
	if len(ds) > dec {
		b = append(b, ds[:len(ds)-dec]...)
		frac = ds[len(ds)-dec:]
	} else {
		b = append(b, '0')
	}
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if len(frac) == 0 {
		return b
	}
	b = append(b, '.')
	for k := len(ds); k < dec; k++ {
		b = append(b, '0') // leading zeros of a fraction below 10^-len(ds)
	}
	return append(b, frac...)
}

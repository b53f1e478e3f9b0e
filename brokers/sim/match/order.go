package match

import "github.com/desk-trading/desk/core/domain"

// Order is a new order handed to [Book.Submit]. It is a plain value: the book
// copies what it keeps.
type Order struct {
	// ID names the order in every later call and event. It must be nonzero
	// and unique among the book's resting orders; the venue uses its venue
	// order id.
	ID uint64
	// Tag is opaque to the book and handed back in every event about the
	// order, so the caller can route a fill without a lookup of its own (the
	// venue stores the client order id here, zero for background flow).
	Tag  uint64
	Side domain.Side
	// Type is domain.Limit or domain.Market. A market order never rests:
	// what it cannot fill is canceled.
	Type domain.OrderType
	// TIF is domain.GTC (or zero, which means GTC), domain.IOC or
	// domain.FOK.
	TIF domain.TimeInForce
	// PostOnly rejects the order instead of letting it take liquidity.
	PostOnly bool
	// Price is the limit price, > 0; ignored for market orders.
	Price domain.Price
	// Qty is the total quantity, > 0.
	Qty domain.Qty
}

// EventKind says what an [Event] reports.
type EventKind uint8

// Event kinds. After a Submit the book emits either one Rejected, or
// Accepted followed by zero or more Filled and at most one Canceled (the
// remainder of an IOC or market order).
const (
	// Accepted: the order passed the book's checks. Price and Qty are the
	// order's; fills and resting follow.
	Accepted EventKind = iota + 1
	// Rejected: the order was refused and left no trace; Reason says why.
	Rejected
	// Filled: one trade between the incoming order ID (the taker, on Side)
	// and the resting order MakerID, at the maker's Price for Qty.
	Filled
	// Canceled: Qty was taken off the order and it is gone; Reason says why.
	Canceled
	// Replaced: the order now has price Price and total quantity Qty. Fills
	// may follow when the new price crosses.
	Replaced
	// CancelRejected: Cancel named no resting order.
	CancelRejected
	// ReplaceRejected: the replace was refused; the order is unchanged.
	ReplaceRejected
)

var kindNames = [...]string{"", "accepted", "rejected", "filled", "canceled", "replaced", "cancel-rejected", "replace-rejected"}

// String returns the kind's name as logs and test failures show it.
func (k EventKind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return "invalid"
}

// Reasons carried by Rejected, Canceled, CancelRejected and ReplaceRejected
// events. They are constants so reporting one never allocates; the venue
// puts them into domain.ExecReport.Reason unchanged.
const (
	ReasonBadID              = "bad-order-id"           // ID is zero
	ReasonDuplicateID        = "duplicate-order-id"     // ID is already resting
	ReasonBadSide            = "bad-side"               // neither buy nor sell
	ReasonBadQty             = "bad-qty"                // quantity not positive
	ReasonBadPrice           = "bad-price"              // limit price not positive
	ReasonBadType            = "unsupported-order-type" // not limit or market
	ReasonBadTIF             = "unsupported-tif"        // not GTC, IOC or FOK
	ReasonPostOnlyWouldCross = "post-only-would-cross"
	ReasonFOKNotFillable     = "fok-not-fillable"
	ReasonUnknownOrder       = "unknown-order" // cancel or replace of an order not resting
	ReasonCanceled           = "canceled"      // explicit cancel
	ReasonIOCRemainder       = "ioc-remainder" // what an IOC order could not fill
	ReasonMarketRemainder    = "market-remainder"
	// ReasonReplacedBelowFilled: a replace asked for a total quantity not
	// above what has already filled, so the rest was canceled.
	ReasonReplacedBelowFilled = "replaced-below-filled"
)

// Event is one outcome of a Book call. The zero fields of a kind are
// meaningless for it.
type Event struct {
	Kind EventKind
	// Side is the side of order ID; for Filled it is the taker's side, the
	// aggressor.
	Side domain.Side
	// ID and Tag name the order the event is about; for Filled, the taker.
	ID  uint64
	Tag uint64
	// Price: the limit price (Accepted, Canceled), the trade price, which is
	// always the maker's (Filled), or the new price (Replaced).
	Price domain.Price
	// Qty: the order quantity (Accepted), the trade quantity (Filled), the
	// quantity taken off (Canceled) or the new total quantity (Replaced).
	Qty domain.Qty
	// Leaves is what is still working of order ID after the event.
	Leaves domain.Qty
	// MakerID, MakerTag and MakerLeaves describe the resting order of a
	// Filled event.
	MakerID     uint64
	MakerTag    uint64
	MakerLeaves domain.Qty
	// Reason is one of the Reason constants for Rejected, Canceled,
	// CancelRejected and ReplaceRejected.
	Reason string
}

// Resting is a snapshot of a resting order, from [Book.Lookup].
type Resting struct {
	ID       uint64
	Tag      uint64
	Side     domain.Side
	PostOnly bool
	Price    domain.Price
	Qty      domain.Qty // total quantity
	Filled   domain.Qty
}

// Leaves returns the quantity still working.
func (r Resting) Leaves() domain.Qty { return r.Qty - r.Filled }

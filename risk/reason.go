package risk

// Reason says why Check refused an order. The empty Reason means the order
// passed. Reasons are stable strings: they are journaled, shown to clients
// and matched by scripts.
type Reason = string

// Denial reasons, in the order Check evaluates them.
const (
	Pass               Reason = ""
	ReasonHalted       Reason = "halted"
	ReasonReduceOnly   Reason = "reduce-only"
	ReasonNoReference  Reason = "no-reference-price"
	ReasonStaleRef     Reason = "stale-reference-price"
	ReasonPriceCollar  Reason = "price-collar"
	ReasonMaxOrderQty  Reason = "max-order-qty"
	ReasonMaxNotional  Reason = "max-order-notional"
	ReasonMaxPosition  Reason = "max-position"
	ReasonUnknownStrat Reason = "unknown-strategy"
)

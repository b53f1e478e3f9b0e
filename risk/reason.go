package risk

// Reason says why Check refused an order. The empty Reason means the order
// passed. Reasons are stable strings: they are journaled, shown to clients
// and matched by scripts. A tripped breaker shows as the state it imposes
// (ReasonHalted or ReasonReduceOnly).
type Reason = string

// Denial reasons, in the order Check evaluates them.
const (
	Pass                Reason = ""
	ReasonUnknownStrat  Reason = "unknown-strategy"
	ReasonHalted        Reason = "halted"
	ReasonReduceOnly    Reason = "reduce-only"
	ReasonRestricted    Reason = "restricted-instrument"
	ReasonNoReference   Reason = "no-reference-price"
	ReasonStaleRef      Reason = "stale-reference-price"
	ReasonPriceCollar   Reason = "price-collar"
	ReasonMaxOrderQty   Reason = "max-order-qty"
	ReasonMaxNotional   Reason = "max-order-notional"
	ReasonMaxPosition   Reason = "max-position"
	ReasonMaxGross      Reason = "max-gross-exposure"
	ReasonMaxNet        Reason = "max-net-exposure"
	ReasonMaxOpenOrders Reason = "max-open-orders"
	ReasonOrderRate     Reason = "max-orders-per-sec"
	ReasonMessageRate   Reason = "max-messages-per-sec"
	ReasonDuplicate     Reason = "duplicate-order"
)

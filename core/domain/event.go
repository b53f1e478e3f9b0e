package domain

// EventKind says what a journal Event records.
type EventKind uint8

// Event kinds. Append-only: never renumber, the journal stores them.
const (
	// EventOrder records an order after it was created or changed; Order is
	// its full state, so replay keeps the last one per id.
	EventOrder EventKind = iota + 1
	// EventFill records a fill applied to an order and a position, with
	// the order as it is after the fill (Order), so that the two are one
	// record: a crash can lose both, never one of them.
	EventFill
	// EventDenied records an order refused by pre-trade risk; Order holds it
	// in state rejected with Reason set.
	EventDenied
	// EventAudit records an operator or automatic action on the risk tree:
	// halt, resume, kill, limit change, breaker trip or reset.
	EventAudit
)

var eventNames = [...]string{"", "order", "fill", "denied", "audit"}

func (k EventKind) String() string { return name(eventNames[:], k) }

// Event is one journal record. Only the field named by Kind is meaningful.
// It is a value so it is handed to the journal writer without allocating.
type Event struct {
	Seq   uint64 // assigned by the journal on append, increasing from 1
	Time  int64  // unix nanoseconds, engine clock
	Kind  EventKind
	Order Order // EventOrder, EventDenied, EventFill (after the fill)
	Fill  Fill  // EventFill
	Audit Audit // EventAudit
}

// Audit is one action on the risk tree, with who did it and why.
type Audit struct {
	Node   string // "firm", a book or a strategy name
	Action string // "halt", "resume", "reduce-only", "kill", "limit", "breaker", "reset"
	Who    string // "uid 1000 (alice)", "config", "breaker"
	Old    string // previous value, as displayed
	New    string // new value, as displayed
	Why    string
}

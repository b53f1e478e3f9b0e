package protocol

import "encoding/json"

// Version is the protocol version this package speaks.
const Version = 1

// Message types, the Type of an Envelope.
const (
	TypeHello    = "hello"    // server -> client, first message
	TypeRequest  = "request"  // client -> server
	TypeResponse = "response" // server -> client, answers a request
	TypeStatus   = "status"   // server -> client, after Subscribe
	TypeAlert    = "alert"    // server -> client, after Subscribe
	TypeOrders   = "orders"   // server -> client, after CmdOrdersSubscribe
)

// Commands, the Cmd of a request.
const (
	CmdStatus    = "status"     // -> Status
	CmdSubscribe = "subscribe"  // -> nothing; starts Status and Alert messages
	CmdOrders    = "orders"     // OrdersArgs (optional) -> Orders, one page
	CmdHalt      = "halt"       // NodeArgs -> Ack
	CmdResume    = "resume"     // NodeArgs -> Ack
	CmdKill      = "kill"       // NodeArgs -> KillResult: halt and cancel every working order
	CmdReset     = "reset"      // ResetArgs -> ResetResult: clear tripped breakers
	CmdLimitsGet = "limits.get" // NodeArgs (Node may be empty: every node) -> LimitsResult
	CmdLimitsSet = "limits.set" // LimitsSetArgs -> LimitsSetResult
	CmdAudit     = "audit"      // AuditArgs -> AuditResult

	CmdReduceOnly = "reduce-only" // NodeArgs -> Ack
	CmdCancel     = "cancel"      // CancelArgs -> CancelResult: cancel one working order
	CmdCancelAll  = "cancel-all"  // NodeArgs -> CancelResult: cancel every working order under the node; its state is untouched
	// CmdOrdersSubscribe starts Orders pushes on a subscribed connection
	// (after CmdSubscribe): OrdersSubscribeArgs -> nothing.
	CmdOrdersSubscribe = "orders.subscribe"
)

// Envelope is every message on the socket. Exactly one payload field is set,
// the one Type names; Error may be set instead of a response payload.
type Envelope struct {
	V    int    `json:"v"`
	Type string `json:"type"`
	ID   uint64 `json:"id,omitempty"` // request id; echoed by the response

	// Request.
	Cmd  string          `json:"cmd,omitempty"`
	Args json.RawMessage `json:"args,omitempty"`

	// Response and server pushes.
	Hello  *Hello          `json:"hello,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
	Status *Status         `json:"status,omitempty"`
	Alert  *Alert          `json:"alert,omitempty"`
	Orders *OrdersUpdate   `json:"orders,omitempty"`
}

// Hello is the server's greeting.
type Hello struct {
	Version int    `json:"version"`
	Daemon  string `json:"daemon"` // the daemon's version, e.g. "0.1.0"
	PID     int    `json:"pid"`
	User    string `json:"user"` // the peer as the server identified it
	// ReadOnly is set when the client connected read-only (a wall
	// screen): the daemon refuses every command that changes state.
	ReadOnly bool `json:"read_only,omitempty"`
}

// Error is a refused request.
type Error struct {
	Code    string `json:"code"` // one of the Code constants
	Message string `json:"message"`
}

// Error codes.
const (
	CodeBadRequest = "bad-request" // malformed message or arguments
	CodeUnknownCmd = "unknown-command"
	CodeNotFound   = "not-found" // no such node, order or instrument
	CodeRefused    = "refused"   // valid but not allowed now
	CodeInternal   = "internal"
	CodeTimeout    = "timeout" // the engine did not answer in time
	CodeVersion    = "version" // unsupported protocol version
	// CodeNotDurable: the command took effect, but its journal record is
	// not durable (the journal is down); a restart now would undo it.
	CodeNotDurable = "not-durable"
	// CodeBusy: the client sends faster than its share; slow down.
	CodeBusy = "busy"
)

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// NodeArgs names a risk node: "firm", a book or a strategy id.
type NodeArgs struct {
	Node string `json:"node"`
	Why  string `json:"why,omitempty"`
}

// KillResult is the result of CmdKill.
type KillResult struct {
	Node     string `json:"node"`
	State    string `json:"state"`    // the node's trading state after the kill
	Canceled int    `json:"canceled"` // working orders a cancel was sent for
	CommitUS int64  `json:"commit_us"`
}

// ResetArgs name the node whose breakers to reset; an empty Breaker resets
// all of them.
type ResetArgs struct {
	Node    string `json:"node"`
	Breaker string `json:"breaker,omitempty"`
	Why     string `json:"why,omitempty"`
}

// ResetResult is the result of CmdReset.
type ResetResult struct {
	Node     string   `json:"node"`
	Cleared  []string `json:"cleared"`
	State    string   `json:"state"` // the node's trading state after the reset
	CommitUS int64    `json:"commit_us"`
	// Cause says why State is not active after the reset (the node or an
	// ancestor halted, another breaker): as Ack's. Empty when active.
	Cause string `json:"cause,omitempty"`
}

// LimitsResult is the result of CmdLimitsGet.
type LimitsResult struct {
	Nodes []NodeLimits      `json:"nodes"`
	Caps  map[string]string `json:"caps"` // hard caps from config; absent key: no cap
	// Keys are every limit key the daemon knows, in its order, for
	// clients that offer them (completion, an editor).
	Keys []string `json:"keys,omitempty"`
}

// NodeLimits are one node's limits: key -> decimal string, only the keys
// set at this node (an absent key means no limit here). Class and
// Instrument hold overrides by asset class and by instrument symbol.
type NodeLimits struct {
	Node       string                       `json:"node"`
	Kind       string                       `json:"kind"` // "firm", "book", "strategy"
	Parent     string                       `json:"parent,omitempty"`
	Limits     map[string]string            `json:"limits"`
	Class      map[string]map[string]string `json:"class,omitempty"`
	Instrument map[string]map[string]string `json:"instrument,omitempty"`
}

// LimitsSetArgs change one limit. Scope is "" for the node itself,
// "class:NAME" or "instrument:SYMBOL" for an override.
type LimitsSetArgs struct {
	Node  string `json:"node"`
	Scope string `json:"scope,omitempty"`
	Key   string `json:"key"`
	Value string `json:"value"` // a decimal; "0" removes the limit
	Why   string `json:"why,omitempty"`
	// DryRun validates the edit exactly as a real one and lists what the
	// new value would breach right now, without changing or journaling
	// anything.
	DryRun bool `json:"dry_run,omitempty"`
}

// LimitsSetResult is the result of CmdLimitsSet.
type LimitsSetResult struct {
	Node     string `json:"node"`
	Scope    string `json:"scope,omitempty"`
	Key      string `json:"key"`
	Old      string `json:"old"`
	New      string `json:"new"`
	CommitUS int64  `json:"commit_us"`
	DryRun   bool   `json:"dry_run,omitempty"`
	// Breaches are what the new value would breach at once: working
	// orders above a new max_order_qty, positions over a new
	// max_position, a node already past a new max_daily_loss. Set on a
	// dry run; a real edit lists them too.
	Breaches []Breach `json:"breaches,omitempty"`
}

// Breach is one thing a limit edit would breach right now.
type Breach struct {
	Node          string `json:"node"`                      // the node that would breach it
	Instrument    string `json:"instrument,omitempty"`      // for per-instrument keys
	ClientOrderID string `json:"client_order_id,omitempty"` // a working order that would breach it
	Value         string `json:"value"`                     // the figure against the new limit
	Message       string `json:"message"`                   // "working order mm-btc-17 for 5 above max_order_qty 2"
}

// CancelArgs name one order to cancel by its client order id.
type CancelArgs struct {
	ClientOrderID string `json:"client_order_id"`
	Why           string `json:"why,omitempty"`
}

// CancelResult is the result of CmdCancel and CmdCancelAll. The cancels
// are sent; each order's end arrives with the venue's answer.
type CancelResult struct {
	Node     string   `json:"node,omitempty"` // CmdCancelAll's node
	Canceled int      `json:"canceled"`       // orders a cancel was sent for
	Orders   []string `json:"orders"`         // their client order ids
	CommitUS int64    `json:"commit_us"`
}

// OrdersSubscribeArgs configure the Orders stream. Finished is how many of
// the most recently finished orders the first push holds besides every
// working one: 0 means 500; the most is 5000.
type OrdersSubscribeArgs struct {
	Finished int `json:"finished,omitempty"`
}

// OrdersUpdate is one push of the Orders stream, conflated: at most one
// per status interval, each changed order once at its latest state. The
// first push has Reset set and holds the whole set (every working order
// and the most recent finished ones); a client that fell too far behind
// gets a Reset again. A client keeps the finished orders it wants and
// drops the rest itself.
type OrdersUpdate struct {
	Reset  bool     `json:"reset,omitempty"` // Orders is the whole set: replace what you hold
	Orders []Order  `json:"orders"`          // new or changed since the last push, oldest first
	Gone   []string `json:"gone,omitempty"`  // client order ids the daemon no longer holds
}

// OrdersArgs page through the orders, oldest first. Zero Limit means 1000
// (the most is 5000); After is the Next of the previous page, empty for the
// first.
type OrdersArgs struct {
	After string `json:"after,omitempty"`
	Limit int    `json:"limit,omitempty"`
}

// AuditArgs select audit entries: the most recent Limit of them, all the
// daemon keeps (the last 10,000; the journal has every one) when zero or
// negative.
type AuditArgs struct {
	Node  string `json:"node,omitempty"`
	Limit int    `json:"limit,omitempty"`
}

// AuditResult is the result of CmdAudit, oldest first.
type AuditResult struct {
	Entries []AuditEntry `json:"entries"`
}

// AuditEntry is one journaled action on the risk tree: a state change,
// kill, limit change, breaker trip or reset, or an order denial.
type AuditEntry struct {
	Seq    uint64 `json:"seq"`
	Time   string `json:"time"` // RFC 3339 with nanoseconds
	Node   string `json:"node"`
	Action string `json:"action"` // halt, resume, reduce-only, kill, limit, breaker, reset, deny
	Who    string `json:"who"`    // "uid 1000 (alice)", "config", "breaker", "runtime"
	Old    string `json:"old,omitempty"`
	New    string `json:"new,omitempty"`
	Why    string `json:"why,omitempty"`
}

// Ack is the result of a command that changes state.
type Ack struct {
	Node     string `json:"node"`
	State    string `json:"state"` // the node's trading state after the command
	CommitUS int64  `json:"commit_us"`
	// Cause says why State is more restrictive than the command asked
	// (a resume under a halted firm, a tripped breaker): "firm halted by
	// uid 0 (root) at 07:28:01 (why)". Empty when State is what was
	// asked.
	Cause string `json:"cause,omitempty"`
}

// Every state-changing command (halt, resume, kill, reset, limits.set) is
// answered only once its journal record is durable: CommitUS is how long
// the reply waited for that group commit, in microseconds. A command the
// engine applied whose record the journal could not make durable (the
// journal is down) is answered with CodeNotDurable instead: it is in force
// now, but a restart before the journal recovers would undo it.

// Alert is something an operator must see at once.
type Alert struct {
	Time     string `json:"time"`     // RFC 3339 with nanoseconds
	Severity string `json:"severity"` // "info", "warning", "critical"
	Node     string `json:"node,omitempty"`
	Message  string `json:"message"`
}

// Status is the live state of the desk, as desk ctl status --json prints it.
type Status struct {
	Time       string     `json:"time"` // RFC 3339 with nanoseconds, engine clock
	Firm       Firm       `json:"firm"`
	Books      []Book     `json:"books"`
	Strategies []Strategy `json:"strategies"`
	Venues     []Venue    `json:"venues"`
	Journal    Journal    `json:"journal"`
	// Latency is measured on live traffic at every stage boundary of the
	// hot path, since trading started (after the start-up reconciliation:
	// books queued while desk reconciled are not counted).
	Latency []StageLatency `json:"latency"`
}

// StageLatency summarises one stage of the hot path, in nanoseconds.
type StageLatency struct {
	Stage string `json:"stage"` // feed, inbox, strategy, risk, route, send, venue-ack, tick-to-order
	Count int64  `json:"count"`
	P50   int64  `json:"p50_ns"`
	P99   int64  `json:"p99_ns"`
	P999  int64  `json:"p999_ns"`
	Max   int64  `json:"max_ns"`
	// Recent is the last complete window (10 s by default), absent when
	// nothing was recorded in it; Minute the last complete minute.
	Recent *LatencySummary `json:"recent,omitempty"`
	Minute *LatencySummary `json:"minute,omitempty"`
}

// LatencySummary summarises one window of a stage, in nanoseconds.
type LatencySummary struct {
	WindowMS int64 `json:"window_ms"`
	Count    int64 `json:"count"`
	P50      int64 `json:"p50_ns"`
	P99      int64 `json:"p99_ns"`
	P999     int64 `json:"p999_ns"`
	Max      int64 `json:"max_ns"`
}

// Totals are counters and P&L summed over a node's strategies.
type Totals struct {
	RealizedPnL   string `json:"realized_pnl"`
	UnrealizedPnL string `json:"unrealized_pnl"`
	OpenOrders    int    `json:"open_orders"`
	OrdersSent    int64  `json:"orders_sent"`
	Fills         int64  `json:"fills"`
}

// Firm is the root of the risk tree.
type Firm struct {
	State    string   `json:"state"`
	Breakers []string `json:"breakers,omitempty"` // tripped, awaiting an operator's reset
	Totals
	NodeDetail
}

// NodeDetail is what every risk node shows besides its state: why it is
// in that state, its tripped breakers in full, and the use of each limit
// set on it or inherited.
type NodeDetail struct {
	// Changed is the last change of the node's own state by an operator
	// or a breaker; absent when it never changed since start.
	Changed *StateChange `json:"changed,omitempty"`
	// Trips are the tripped breakers, with when and why (Breakers names
	// them).
	Trips []Trip `json:"trips,omitempty"`
	// Use is each effective limit of the node and how much of it is used
	// now, in key order.
	Use []LimitUse `json:"use,omitempty"`
}

// StateChange is who set a node's state, when and why.
type StateChange struct {
	State string `json:"state"`
	Who   string `json:"who"`
	Time  string `json:"time"` // RFC 3339 with nanoseconds
	Why   string `json:"why,omitempty"`
}

// Trip is one tripped breaker.
type Trip struct {
	Breaker string `json:"breaker"`
	Time    string `json:"time"` // RFC 3339 with nanoseconds
	Detail  string `json:"detail,omitempty"`
}

// LimitUse is one limit and its use: for max_position the instrument
// nearest its limit, for max_orders_per_sec the current rate, for
// max_daily_loss the loss since the day began.
type LimitUse struct {
	Key        string  `json:"key"`
	Instrument string  `json:"instrument,omitempty"`
	Limit      string  `json:"limit"`
	Used       string  `json:"used"`
	Ratio      float64 `json:"ratio"` // Used/Limit, 0.73 for 73%
}

// Book is a sub-portfolio of strategies.
type Book struct {
	ID       string   `json:"id"`
	State    string   `json:"state"`
	Breakers []string `json:"breakers,omitempty"`
	Totals
	NodeDetail
}

// Strategy is one running strategy instance.
type Strategy struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	Book      string     `json:"book"`
	State     string     `json:"state"` // its effective trading state
	Breakers  []string   `json:"breakers,omitempty"`
	Positions []Position `json:"positions"`
	Totals
	NodeDetail
	// Denials counts the strategy's orders risk denied since start;
	// LastDenial is the reason of the latest, LastDenialAt its time.
	Denials      int64  `json:"denials"`
	LastDenial   string `json:"last_denial,omitempty"`
	LastDenialAt string `json:"last_denial_at,omitempty"`
	// LastOrder is when the strategy last sent an order (RFC 3339); empty
	// before the first.
	LastOrder string `json:"last_order,omitempty"`
	// TickToOrderP99 is the p99 of the strategy's tick-to-order latency
	// in the last complete latency window, in nanoseconds; 0 when it sent
	// nothing then.
	TickToOrderP99 int64 `json:"tick_to_order_p99_ns,omitempty"`
}

// Position is a strategy's holding in one instrument.
type Position struct {
	Instrument    string `json:"instrument"`
	Quantity      string `json:"quantity"`  // signed: negative is short
	AvgPrice      string `json:"avg_price"` // "" when flat
	Mark          string `json:"mark"`      // reference price used for unrealized P&L
	RealizedPnL   string `json:"realized_pnl"`
	UnrealizedPnL string `json:"unrealized_pnl"`
}

// Journal is the health of the daemon's journal.
type Journal struct {
	State   string `json:"state"`           // "up", or "down" after a failed write until a retry succeeds
	Pending uint64 `json:"pending"`         // events appended but not yet durable: what a crash now would lose
	Error   string `json:"error,omitempty"` // the failed write, while down
	// UncleanStart is set when the previous run ended without making every
	// event durable (a crash, kill -9, a journal down at exit): the venues
	// were asked what they hold before anything traded.
	UncleanStart bool `json:"unclean_start,omitempty"`
}

// Venue is one execution venue.
type Venue struct {
	Name      string `json:"name"`
	Connected bool   `json:"connected"`
	// Execution is how the venue's orders are executed: "live" (sent to
	// the venue with desk's keys), "paper" (matched in process against the
	// venue's live book) or "sim" (a simulated venue).
	Execution string `json:"execution,omitempty"`
	Feed      *Feed  `json:"feed,omitempty"`
	// Budget is the venue account's rate budget: what the engine spent
	// of each limit in its current interval, for every strategy on the
	// venue; absent when the venue has no limits.
	Budget *Budget `json:"budget,omitempty"`
	// Reconciling is set from the moment the venue's session came (back)
	// up until desk has reconciled with it: no new order goes to it.
	Reconciling bool `json:"reconciling,omitempty"`
	// Reconciled is when desk last reconciled with the venue (RFC 3339);
	// empty before the first time.
	Reconciled string `json:"reconciled,omitempty"`
	// RateUse is the rate-limit use the venue itself last reported
	// (Binance's X-MBX headers); absent for a venue that reports none.
	RateUse *RateUse `json:"rate_use,omitempty"`
	// External are the open orders on desk's account under ids that are
	// not desk's: shown, never canceled by desk.
	External []ExternalOrder `json:"external,omitempty"`
	// Balances compare each traded asset's balance at the venue with
	// desk's record, as of the last reconciliation.
	Balances []Balance `json:"balances,omitempty"`
}

// RateUse is a venue account's rate-limit use as the venue reported it.
type RateUse struct {
	At         string `json:"at"` // RFC 3339
	Weight1m   int64  `json:"weight_1m"`
	Orders10s  int64  `json:"orders_10s"`
	Orders1d   int64  `json:"orders_1d"`
	RetryUntil string `json:"retry_until,omitempty"` // the venue refuses requests until then (429, 418)
	Status     int    `json:"status,omitempty"`      // 429 or 418 while refused
}

// ExternalOrder is an open order at a venue that desk did not place.
type ExternalOrder struct {
	ClientOrderID  string `json:"client_order_id"`
	VenueOrderID   uint64 `json:"venue_order_id"`
	Instrument     string `json:"instrument"`
	Side           string `json:"side"`
	Price          string `json:"price"`
	Quantity       string `json:"quantity"`
	FilledQuantity string `json:"filled_quantity"`
}

// Balance is one asset's balance at a venue against desk's record: Venue
// less Opening must be Desk, desk's net position from its fills there.
type Balance struct {
	Asset   string `json:"asset"`
	Venue   string `json:"venue"`
	Opening string `json:"opening"`
	Desk    string `json:"desk"`
	Match   bool   `json:"match"`
}

// Budget is a venue account's rate-limit use and limits (a limit of 0 is
// none).
type Budget struct {
	Orders10s      int64 `json:"orders_10s"`
	Orders10sLimit int64 `json:"orders_10s_limit"`
	Orders1d       int64 `json:"orders_1d"`
	Orders1dLimit  int64 `json:"orders_1d_limit"`
	Weight1m       int64 `json:"weight_1m"`
	Weight1mLimit  int64 `json:"weight_1m_limit"`
}

// Feed is a venue's market-data feed: its counts since the daemon
// started (see domain.FeedStats) and, for protocols with a book per venue
// symbol, each symbol's state.
type Feed struct {
	Protocol     string `json:"protocol"`
	Connected    bool   `json:"connected"`
	Frames       uint64 `json:"frames"`
	Books        uint64 `json:"books"`
	OutOfOrder   uint64 `json:"out_of_order"`
	DiffsApplied uint64 `json:"diffs_applied"`
	DiffsDropped uint64 `json:"diffs_dropped"`
	Gaps         uint64 `json:"gaps"`
	Resyncs      uint64 `json:"resyncs"`
	Reconnects   uint64 `json:"reconnects"`
	Malformed    uint64 `json:"malformed"`
	Crossed      uint64 `json:"crossed"` // books withheld for a bid at or above the ask
	Stale        int    `json:"stale"`   // instruments now stale
	// LastMessage is when the feed last received a frame (RFC 3339 with
	// nanoseconds, engine clock); empty before the first.
	LastMessage string       `json:"last_message,omitempty"`
	Symbols     []FeedSymbol `json:"symbols,omitempty"`
}

// FeedSymbol is one venue symbol's book within a Feed.
type FeedSymbol struct {
	Symbol       string `json:"symbol"`     // the venue's
	Instrument   string `json:"instrument"` // desk's
	Synced       bool   `json:"synced"`
	LastUpdateID int64  `json:"last_update_id"`
	Gaps         uint64 `json:"gaps"`
	Resyncs      uint64 `json:"resyncs"`
}

// Orders is the result of CmdOrders: one page of orders, oldest first.
type Orders struct {
	Orders []Order `json:"orders"`
	// Next is the After of the next page; empty on the last.
	Next string `json:"next,omitempty"`
}

// Order is one order as clients see it.
type Order struct {
	ClientOrderID  string `json:"client_order_id"`
	Strategy       string `json:"strategy"`
	Venue          string `json:"venue"`
	Instrument     string `json:"instrument"`
	Side           string `json:"side"`
	Type           string `json:"type"`
	TimeInForce    string `json:"time_in_force"`
	Price          string `json:"price"` // "" for market orders
	Quantity       string `json:"quantity"`
	FilledQuantity string `json:"filled_quantity"`
	AvgFillPrice   string `json:"avg_fill_price"` // "" before the first fill
	State          string `json:"state"`
	Reason         string `json:"reason,omitempty"`
	// Route is why the router sent the order where it went (the venues
	// compared, the legs of a split, the venues skipped and why); empty
	// for an order not routed in this run of the daemon.
	Route   string `json:"route,omitempty"`
	Created string `json:"created"` // RFC 3339 with nanoseconds
	Updated string `json:"updated"`
}

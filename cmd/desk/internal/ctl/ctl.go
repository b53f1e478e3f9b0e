// Package ctl is desk ctl: the daemon's control surface for scripts and
// operators, over the same socket protocol as the TUI.
//
// Every command prints a human table by default and one JSON object with
// --json. The JSON shapes are core/protocol's Status, Orders and Ack, a
// contract scripts rely on. A refused command exits non-zero with the
// reason on stderr.
package ctl

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/desk-trading/desk/core/client"
	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/risk"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitRefused = 1 // the daemon refused the command, or could not be reached
	ExitUsage   = 2 // the command line is wrong
)

const usage = `usage: desk ctl [--socket PATH] [--json] [--timeout D] COMMAND

commands:
  status                 firm, books, strategies and venues
  orders                 live and recent orders
  halt NODE [--why T]    halt the firm, a book or a strategy (cancels still go out)
  resume NODE [--why T]  make a node active again
  reduce-only NODE [--why T]
                         let a node only reduce its positions
  kill NODE | --firm     halt a node and cancel every working order under it
  cancel ORDER_ID [--why T]
                         cancel one working order
  cancel-all NODE [--why T]
                         cancel every working order under a node; its state is untouched
  reset NODE [BREAKER]   clear a node's tripped breakers (all, or one)
  limits get [NODE]      limits of one node, or of every node, and the hard caps
  limits set NODE [--scope class:C|instrument:SYM] KEY=VALUE... [--why T] [--dry-run]
                         change limits live; "0" removes one; journaled and audited;
                         each lists what its new value breaches now; --dry-run changes nothing
  audit [NODE] [--limit N]
                         limit changes, state changes, kills, breaker trips and resets, denials
`

// Options are what the command needs from its caller.
type Options struct {
	Socket string // the daemon's socket
	Stdout io.Writer
	Stderr io.Writer
}

// Run runs one ctl command line (the words after "ctl") and returns the
// process exit code.
func Run(ctx context.Context, args []string, opts Options) int {
	fs := flag.NewFlagSet("desk ctl", flag.ContinueOnError)
	fs.SetOutput(opts.Stderr)
	fs.Usage = func() { fmt.Fprint(opts.Stderr, usage) }
	socket := fs.String("socket", opts.Socket, "daemon socket `path`")
	asJSON := fs.Bool("json", false, "print JSON")
	timeout := fs.Duration("timeout", 10*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return ExitUsage
	}
	cmd, rest := fs.Arg(0), fs.Args()[1:]

	// Flags may also follow the command: desk ctl halt mm-btc --why test.
	sub := flag.NewFlagSet("desk ctl "+cmd, flag.ContinueOnError)
	sub.SetOutput(opts.Stderr)
	sub.Usage = fs.Usage
	why := sub.String("why", "", "reason, journaled with the change")
	sub.BoolVar(asJSON, "json", *asJSON, "print JSON")
	firm := sub.Bool("firm", false, "kill: the whole firm")
	scope := sub.String("scope", "", "limits set: class:NAME or instrument:SYMBOL")
	limit := sub.Int("limit", 0, "audit: most recent N entries")
	dryRun := sub.Bool("dry-run", false, "limits set: list what the change would breach, change nothing")
	var pos []string
	for len(rest) > 0 {
		if err := sub.Parse(rest); err != nil {
			return ExitUsage
		}
		if sub.NArg() == 0 {
			break
		}
		pos, rest = append(pos, sub.Arg(0)), sub.Args()[1:]
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	// The command line is checked in full before the daemon is dialed, so
	// a usage error is one (exit 2) whether or not a daemon is running.
	call := func(wire string, args, out any) func(*client.Conn) error {
		return func(c *client.Conn) error { return c.Call(ctx, wire, args, out) }
	}
	var result any
	var run func(*client.Conn) error
	switch cmd {
	case "status":
		if len(pos) != 0 {
			fs.Usage()
			return ExitUsage
		}
		var st protocol.Status
		run, result = call(protocol.CmdStatus, nil, &st), &st
	case "orders":
		if len(pos) != 0 {
			fs.Usage()
			return ExitUsage
		}
		// Paged from the daemon, printed whole: the JSON shape stays
		// {"orders": [...]}.
		var o protocol.Orders
		run = func(c *client.Conn) (err error) {
			o.Orders, err = c.Orders(ctx)
			return err
		}
		result = &o
	case "halt", "resume", "reduce-only":
		if len(pos) != 1 {
			fmt.Fprintf(opts.Stderr, "desk ctl %s: want one NODE (firm, a book or a strategy id)\n", cmd)
			return ExitUsage
		}
		wire := map[string]string{"halt": protocol.CmdHalt, "resume": protocol.CmdResume, "reduce-only": protocol.CmdReduceOnly}[cmd]
		var ack protocol.Ack
		run, result = call(wire, protocol.NodeArgs{Node: pos[0], Why: *why}, &ack), &ack
	case "kill":
		if *firm {
			pos = append(pos, "firm")
		}
		if len(pos) != 1 {
			fmt.Fprintf(opts.Stderr, "desk ctl kill: want one NODE, or --firm\n")
			return ExitUsage
		}
		var k protocol.KillResult
		run, result = call(protocol.CmdKill, protocol.NodeArgs{Node: pos[0], Why: *why}, &k), &k
	case "cancel":
		if len(pos) != 1 {
			fmt.Fprintf(opts.Stderr, "desk ctl cancel: want one ORDER_ID (a client order id, as orders lists it)\n")
			return ExitUsage
		}
		var r protocol.CancelResult
		run, result = call(protocol.CmdCancel, protocol.CancelArgs{ClientOrderID: pos[0], Why: *why}, &r), &r
	case "cancel-all":
		if len(pos) != 1 {
			fmt.Fprintf(opts.Stderr, "desk ctl cancel-all: want one NODE (firm, a book or a strategy id)\n")
			return ExitUsage
		}
		var r protocol.CancelResult
		run, result = call(protocol.CmdCancelAll, protocol.NodeArgs{Node: pos[0], Why: *why}, &r), &r
	case "reset":
		if len(pos) < 1 || len(pos) > 2 {
			fmt.Fprintf(opts.Stderr, "desk ctl reset: want NODE [BREAKER]\n")
			return ExitUsage
		}
		a := protocol.ResetArgs{Node: pos[0], Why: *why}
		if len(pos) == 2 {
			a.Breaker = pos[1]
		}
		var r protocol.ResetResult
		run, result = call(protocol.CmdReset, a, &r), &r
	case "audit":
		if len(pos) > 1 {
			fmt.Fprintf(opts.Stderr, "desk ctl audit: want at most one NODE\n")
			return ExitUsage
		}
		a := protocol.AuditArgs{Limit: *limit}
		if len(pos) == 1 {
			a.Node = pos[0]
		}
		var r protocol.AuditResult
		run, result = call(protocol.CmdAudit, a, &r), &r
	case "limits":
		var code int
		result, run, code = limits(ctx, pos, limitFlags{scope: *scope, why: *why, dryRun: *dryRun}, opts)
		if code != ExitOK {
			return code
		}
	default:
		fmt.Fprintf(opts.Stderr, "desk ctl: unknown command %q\n", cmd)
		fs.Usage()
		return ExitUsage
	}
	conn, err := client.Dial(ctx, *socket)
	if err != nil {
		fmt.Fprintf(opts.Stderr, "desk ctl: %v\n", err)
		return ExitRefused
	}
	defer conn.Close()
	if err := run(conn); err != nil {
		var perr *protocol.Error
		if errors.As(err, &perr) {
			fmt.Fprintf(opts.Stderr, "desk ctl %s: refused: %s\n", cmd, perr.Message)
		} else {
			fmt.Fprintf(opts.Stderr, "desk ctl %s: %v\n", cmd, err)
		}
		return ExitRefused
	}
	if *asJSON {
		enc := json.NewEncoder(opts.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(result); err != nil {
			fmt.Fprintf(opts.Stderr, "desk ctl: %v\n", err)
			return ExitRefused
		}
		return ExitOK
	}
	printHuman(opts.Stdout, result)
	return ExitOK
}

func printHuman(w io.Writer, result any) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	switch r := result.(type) {
	case *protocol.Status:
		fmt.Fprintf(tw, "firm\t%s\trealized %s\tunrealized %s\topen %d\tsent %d\tfills %d\t%s\n",
			r.Firm.State, r.Firm.RealizedPnL, r.Firm.UnrealizedPnL, r.Firm.OpenOrders, r.Firm.OrdersSent, r.Firm.Fills,
			breakerList(r.Firm.Breakers))
		for _, v := range r.Venues {
			state := "connected"
			if !v.Connected {
				state = "DISCONNECTED"
			}
			fmt.Fprintf(tw, "venue\t%s\t%s\n", v.Name, state)
		}
		switch {
		case r.Journal.State == "down":
			fmt.Fprintf(tw, "journal\tDOWN\t%d events not on disk\t%s\n", r.Journal.Pending, r.Journal.Error)
		case r.Journal.UncleanStart:
			fmt.Fprintf(tw, "journal\tup\tthe previous run did not end cleanly; the venues were reconciled\n")
		}
		if len(r.Latency) > 0 {
			fmt.Fprintln(tw, "\nSTAGE\tCOUNT\tP50\tP99\tMAX")
			for _, l := range r.Latency {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", l.Stage, l.Count,
					time.Duration(l.P50), time.Duration(l.P99), time.Duration(l.Max))
			}
		}
		fmt.Fprintln(tw, "\nBOOK\tSTATE\tREALIZED\tUNREALIZED\tOPEN\tSENT\tFILLS\tBREAKERS")
		for _, b := range r.Books {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", b.ID, b.State, b.RealizedPnL, b.UnrealizedPnL,
				b.OpenOrders, b.OrdersSent, b.Fills, breakerList(b.Breakers))
		}
		fmt.Fprintln(tw, "\nSTRATEGY\tBOOK\tKIND\tSTATE\tPOSITIONS\tREALIZED\tUNREALIZED\tOPEN\tSENT\tFILLS\tBREAKERS")
		for _, s := range r.Strategies {
			var pos []string
			for _, p := range s.Positions {
				pos = append(pos, p.Instrument+" "+p.Quantity)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", s.ID, s.Book, s.Kind, s.State,
				strings.Join(pos, ", "), s.RealizedPnL, s.UnrealizedPnL, s.OpenOrders, s.OrdersSent, s.Fills, breakerList(s.Breakers))
		}
		printTrips(tw, r)
	case *protocol.Orders:
		fmt.Fprintln(tw, "ID\tSTRATEGY\tVENUE\tINSTRUMENT\tSIDE\tTYPE\tPRICE\tQTY\tFILLED\tSTATE\tREASON")
		for _, o := range r.Orders {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ClientOrderID, o.Strategy, o.Venue,
				o.Instrument, o.Side, o.Type, o.Price, o.Quantity, o.FilledQuantity, o.State, o.Reason)
		}
	case *protocol.Ack:
		fmt.Fprintf(tw, "%s is %s\n", r.Node, r.State)
		if r.Cause != "" {
			fmt.Fprintf(tw, "still %s: %s\n", r.State, r.Cause)
		}
	case *protocol.CancelResult:
		if r.Canceled == 0 {
			fmt.Fprintf(tw, "%s: no cancel sent: nothing working, or its cancel is on its way already\n", r.Node)
			break
		}
		fmt.Fprintf(tw, "%s: cancels sent for %d working orders: %s\n", r.Node, r.Canceled, strings.Join(r.Orders, " "))
	case *protocol.KillResult:
		fmt.Fprintf(tw, "%s is %s; cancels sent for %d working orders\n", r.Node, r.State, r.Canceled)
	case *protocol.ResetResult:
		fmt.Fprintf(tw, "%s: cleared %s; now %s\n", r.Node, strings.Join(r.Cleared, ", "), r.State)
		if r.Cause != "" {
			fmt.Fprintf(tw, "still %s: %s\n", r.State, r.Cause)
		}
	case *protocol.AuditResult:
		fmt.Fprintln(tw, "SEQ\tTIME\tNODE\tACTION\tWHO\tOLD\tNEW\tWHY")
		for _, e := range r.Entries {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.Time, e.Node, e.Action, e.Who, e.Old, e.New, e.Why)
		}
	case *protocol.LimitsResult:
		fmt.Fprintln(tw, "NODE\tKIND\tSCOPE\tKEY\tVALUE")
		for _, n := range r.Nodes {
			printLimits(tw, n.Node, n.Kind, "", n.Limits)
			for _, c := range sortedKeys(n.Class) {
				printLimits(tw, n.Node, n.Kind, "class:"+c, n.Class[c])
			}
			for _, i := range sortedKeys(n.Instrument) {
				printLimits(tw, n.Node, n.Kind, "instrument:"+i, n.Instrument[i])
			}
		}
		if len(r.Caps) > 0 {
			printLimits(tw, "(caps)", "", "", r.Caps)
		}
	case *[]protocol.LimitsSetResult:
		for _, c := range *r {
			at := c.Node
			if c.Scope != "" {
				at += " " + c.Scope
			}
			dry, breached := "", "now breached"
			if c.DryRun {
				dry, breached = "dry run: ", "would breach"
			}
			fmt.Fprintf(tw, "%s%s %s: %s -> %s\n", dry, at, c.Key, orNone(c.Old), orNone(c.New))
			for _, b := range c.Breaches {
				fmt.Fprintf(tw, "  %s: %s\n", breached, b.Message)
			}
			if c.DryRun && len(c.Breaches) == 0 {
				fmt.Fprintln(tw, "  would breach nothing")
			}
		}
	}
}

// breakerList is a node's tripped breakers for a table cell, "-" when
// none.
func breakerList(bs []string) string {
	if len(bs) == 0 {
		return "-"
	}
	return strings.Join(bs, ",")
}

// printTrips lists every tripped breaker of the firm, the books and the
// strategies with when and why it tripped; nothing when none is.
func printTrips(w io.Writer, r *protocol.Status) {
	type trip struct {
		node string
		protocol.Trip
	}
	var all []trip
	add := func(node string, ts []protocol.Trip) {
		for _, t := range ts {
			all = append(all, trip{node, t})
		}
	}
	add("firm", r.Firm.Trips)
	for _, b := range r.Books {
		add(b.ID, b.Trips)
	}
	for _, s := range r.Strategies {
		add(s.ID, s.Trips)
	}
	if len(all) == 0 {
		return
	}
	fmt.Fprintln(w, "\nTRIPPED\tNODE\tAT\tDETAIL")
	for _, t := range all {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.Breaker, t.node, t.Time, t.Detail)
	}
}

func printLimits(w io.Writer, node, kind, scope string, l map[string]string) {
	for _, k := range sortedKeys(l) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", node, kind, scope, k, l[k])
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func orNone(v string) string {
	if v == "" || v == "0" {
		return "none"
	}
	return v
}

// limitFlags are the flags of limits set.
type limitFlags struct {
	scope, why string
	dryRun     bool
}

// limits checks "limits get [NODE]" and "limits set NODE KEY=VALUE..." and
// returns the result and how to fetch it. Each KEY=VALUE is its own
// journaled change; they are applied in order and the first refusal stops
// the rest. With --dry-run each is a dry run against the limits as they
// are, so the dry runs of several keys do not add up.
func limits(ctx context.Context, pos []string, f limitFlags, opts Options) (any, func(*client.Conn) error, int) {
	if len(pos) == 0 {
		fmt.Fprintln(opts.Stderr, "desk ctl limits: want get [NODE] or set NODE KEY=VALUE...")
		return nil, nil, ExitUsage
	}
	switch pos[0] {
	case "get":
		if len(pos) > 2 {
			fmt.Fprintln(opts.Stderr, "desk ctl limits get: want at most one NODE")
			return nil, nil, ExitUsage
		}
		a := protocol.NodeArgs{}
		if len(pos) == 2 {
			a.Node = pos[1]
		}
		var r protocol.LimitsResult
		return &r, func(c *client.Conn) error { return c.Call(ctx, protocol.CmdLimitsGet, a, &r) }, ExitOK
	case "set":
		if len(pos) < 3 {
			fmt.Fprintln(opts.Stderr, "desk ctl limits set: want NODE KEY=VALUE...")
			return nil, nil, ExitUsage
		}
		var args []protocol.LimitsSetArgs
		for _, kv := range pos[2:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" || v == "" {
				fmt.Fprintf(opts.Stderr, "desk ctl limits set: %q: want KEY=VALUE\n", kv)
				return nil, nil, ExitUsage
			}
			// Every key and value is checked here before the first is
			// sent, and by the daemon's dry runs below.
			key, err := risk.ParseKey(k)
			if err == nil {
				_, err = risk.ParseValue(key, v)
			}
			if err != nil {
				fmt.Fprintf(opts.Stderr, "desk ctl limits set: refused: %s: %v; nothing was changed\n", kv, err)
				return nil, nil, ExitRefused
			}
			args = append(args, protocol.LimitsSetArgs{Node: pos[1], Scope: f.scope, Key: k, Value: v, Why: f.why, DryRun: f.dryRun})
		}
		done := []protocol.LimitsSetResult{}
		return &done, func(c *client.Conn) error {
			// The daemon checks every key (caps, scope) in a dry run before
			// the first is applied, so a refusal of the third leaves the
			// first two as they were. Each is checked against the limits
			// as they are, not as the keys before it would leave them.
			for _, a := range args {
				check := a
				check.DryRun = true
				var r protocol.LimitsSetResult
				if err := c.Call(ctx, protocol.CmdLimitsSet, check, &r); err != nil {
					fmt.Fprintf(opts.Stderr, "desk ctl limits set: %s=%s refused; nothing was changed\n", a.Key, a.Value)
					return err
				}
				if f.dryRun {
					done = append(done, r)
				}
			}
			if f.dryRun {
				return nil
			}
			for _, a := range args {
				var r protocol.LimitsSetResult
				if err := c.Call(ctx, protocol.CmdLimitsSet, a, &r); err != nil {
					if len(done) > 0 {
						var applied []string
						for _, d := range done {
							applied = append(applied, d.Key+"="+d.New)
						}
						fmt.Fprintf(opts.Stderr, "desk ctl limits set: %s=%s refused; already applied before it: %s\n",
							a.Key, a.Value, strings.Join(applied, " "))
					}
					return err
				}
				done = append(done, r)
			}
			return nil
		}, ExitOK
	default:
		fmt.Fprintf(opts.Stderr, "desk ctl limits: unknown subcommand %q (get, set)\n", pos[0])
		return nil, nil, ExitUsage
	}
}

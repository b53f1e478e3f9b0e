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
	"strings"
	"text/tabwriter"
	"time"

	"github.com/desk-trading/desk/core/client"
	"github.com/desk-trading/desk/core/protocol"
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
	conn, err := client.Dial(ctx, *socket)
	if err != nil {
		fmt.Fprintf(opts.Stderr, "desk ctl: %v\n", err)
		return ExitRefused
	}
	defer conn.Close()

	var result any
	switch cmd {
	case "status":
		if len(pos) != 0 {
			fs.Usage()
			return ExitUsage
		}
		var st protocol.Status
		err, result = conn.Call(ctx, protocol.CmdStatus, nil, &st), &st
	case "orders":
		if len(pos) != 0 {
			fs.Usage()
			return ExitUsage
		}
		var o protocol.Orders
		err, result = conn.Call(ctx, protocol.CmdOrders, nil, &o), &o
	case "halt", "resume":
		if len(pos) != 1 {
			fmt.Fprintf(opts.Stderr, "desk ctl %s: want one NODE (firm, a book or a strategy id)\n", cmd)
			return ExitUsage
		}
		wire := protocol.CmdHalt
		if cmd == "resume" {
			wire = protocol.CmdResume
		}
		var ack protocol.Ack
		err, result = conn.Call(ctx, wire, protocol.NodeArgs{Node: pos[0], Why: *why}, &ack), &ack
	default:
		fmt.Fprintf(opts.Stderr, "desk ctl: unknown command %q\n", cmd)
		fs.Usage()
		return ExitUsage
	}
	if err != nil {
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
		fmt.Fprintf(tw, "firm\t%s\trealized %s\tunrealized %s\topen %d\tsent %d\tfills %d\n",
			r.Firm.State, r.Firm.RealizedPnL, r.Firm.UnrealizedPnL, r.Firm.OpenOrders, r.Firm.OrdersSent, r.Firm.Fills)
		for _, v := range r.Venues {
			state := "connected"
			if !v.Connected {
				state = "DISCONNECTED"
			}
			fmt.Fprintf(tw, "venue\t%s\t%s\n", v.Name, state)
		}
		fmt.Fprintln(tw, "\nSTRATEGY\tBOOK\tKIND\tSTATE\tPOSITIONS\tREALIZED\tUNREALIZED\tOPEN\tSENT\tFILLS")
		for _, s := range r.Strategies {
			var pos []string
			for _, p := range s.Positions {
				pos = append(pos, p.Instrument+" "+p.Quantity)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\n", s.ID, s.Book, s.Kind, s.State,
				strings.Join(pos, ", "), s.RealizedPnL, s.UnrealizedPnL, s.OpenOrders, s.OrdersSent, s.Fills)
		}
	case *protocol.Orders:
		fmt.Fprintln(tw, "ID\tSTRATEGY\tVENUE\tINSTRUMENT\tSIDE\tTYPE\tPRICE\tQTY\tFILLED\tSTATE\tREASON")
		for _, o := range r.Orders {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ClientOrderID, o.Strategy, o.Venue,
				o.Instrument, o.Side, o.Type, o.Price, o.Quantity, o.FilledQuantity, o.State, o.Reason)
		}
	case *protocol.Ack:
		fmt.Fprintf(tw, "%s is %s\n", r.Node, r.State)
	}
}

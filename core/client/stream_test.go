package client

import (
	"maps"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/desk-trading/desk/core/protocol"
	"github.com/desk-trading/desk/core/server"
)

func TestReadOnlyParamIsTheServers(t *testing.T) {
	if readOnlyParam != server.ReadOnlyParam {
		t.Fatalf("client asks with %q, the server reads %q", readOnlyParam, server.ReadOnlyParam)
	}
}

// randomUpdate returns an update over ids o0..o7: sometimes a Reset, some
// orders, some gone ids (possibly ids it also lists), so that every case
// of the fold is met. With dups an id may be listed twice in either.
func randomUpdate(r *rand.Rand, step int, dups bool) protocol.OrdersUpdate {
	u := protocol.OrdersUpdate{Reset: r.IntN(8) == 0}
	listed, gone := map[string]bool{}, map[string]bool{}
	for range r.IntN(5) {
		id := "o" + strconv.Itoa(r.IntN(8))
		if listed[id] && !dups {
			continue
		}
		listed[id] = true
		u.Orders = append(u.Orders, protocol.Order{ClientOrderID: id, State: strconv.Itoa(step) + "/" + strconv.Itoa(r.IntN(100))})
	}
	for range r.IntN(3) {
		id := "o" + strconv.Itoa(r.IntN(8))
		if gone[id] && !dups {
			continue
		}
		gone[id] = true
		u.Gone = append(u.Gone, id)
	}
	return u
}

// clone copies u's slices, so that folding, which reuses its first
// argument's, leaves the original to apply one by one.
func clone(u protocol.OrdersUpdate) protocol.OrdersUpdate {
	u.Orders = append([]protocol.Order(nil), u.Orders...)
	u.Gone = append([]string(nil), u.Gone...)
	return u
}

// TestFoldOrdersIsApplyingEach: for random held sets and runs of updates,
// folding the run into one update and applying it ends where applying
// each in turn does; when no update lists an id twice, nor does the folded
// one.
func TestFoldOrdersIsApplyingEach(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 42))
	for trial := range 5000 {
		start := ApplyOrders(nil, &protocol.OrdersUpdate{Reset: true})
		dups := trial%2 == 1
		first := randomUpdate(r, 0, dups)
		first.Reset = false
		for _, o := range first.Orders {
			start[o.ClientOrderID] = protocol.Order{ClientOrderID: o.ClientOrderID, State: "before"}
		}
		run := []protocol.OrdersUpdate{first}
		for i := range 1 + r.IntN(6) {
			run = append(run, randomUpdate(r, i+1, dups))
		}

		each := maps.Clone(start)
		for i := range run {
			each = ApplyOrders(each, &run[i])
		}
		folded := clone(run[0])
		for i := range run[1:] {
			u := clone(run[i+1])
			foldOrders(&folded, &u)
		}
		got := ApplyOrders(maps.Clone(start), &folded)
		if !maps.Equal(got, each) {
			t.Fatalf("trial %d: run %+v\nfolded %+v\napplied folded %v\napplied each   %v", trial, run, folded, got, each)
		}
		if dups {
			continue
		}
		seen := map[string]bool{}
		for _, o := range folded.Orders {
			if seen[o.ClientOrderID] {
				t.Fatalf("trial %d: folded %+v lists %s twice", trial, folded, o.ClientOrderID)
			}
			seen[o.ClientOrderID] = true
		}
		seen = map[string]bool{}
		for _, id := range folded.Gone {
			if seen[id] {
				t.Fatalf("trial %d: folded %+v lists %s gone twice", trial, folded, id)
			}
			seen[id] = true
		}
	}
}

func TestFoldOrdersCases(t *testing.T) {
	o := func(id, state string) protocol.Order { return protocol.Order{ClientOrderID: id, State: state} }
	for _, c := range []struct {
		name     string
		p, u     protocol.OrdersUpdate
		want     []protocol.Order
		wantGone []string
		reset    bool
	}{
		{"later replaces earlier, which moves last",
			protocol.OrdersUpdate{Orders: []protocol.Order{o("a", "new"), o("b", "new")}},
			protocol.OrdersUpdate{Orders: []protocol.Order{o("a", "filled")}},
			[]protocol.Order{o("b", "new"), o("a", "filled")}, nil, false},
		{"a reset replaces everything pending",
			protocol.OrdersUpdate{Orders: []protocol.Order{o("a", "new")}, Gone: []string{"x"}},
			protocol.OrdersUpdate{Reset: true, Orders: []protocol.Order{o("b", "new")}},
			[]protocol.Order{o("b", "new")}, nil, true},
		{"gone removes a pending order and accumulates",
			protocol.OrdersUpdate{Orders: []protocol.Order{o("a", "new"), o("b", "new")}, Gone: []string{"x"}},
			protocol.OrdersUpdate{Gone: []string{"a"}},
			[]protocol.Order{o("b", "new")}, []string{"x", "a"}, false},
		{"re-added after gone stays",
			protocol.OrdersUpdate{Gone: []string{"a"}},
			protocol.OrdersUpdate{Orders: []protocol.Order{o("a", "new")}},
			[]protocol.Order{o("a", "new")}, nil, false},
		{"a pending reset stays a reset",
			protocol.OrdersUpdate{Reset: true, Orders: []protocol.Order{o("a", "new")}},
			protocol.OrdersUpdate{Orders: []protocol.Order{o("b", "new")}},
			[]protocol.Order{o("a", "new"), o("b", "new")}, nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			foldOrders(&c.p, &c.u)
			if c.p.Reset != c.reset || !equalOrders(c.p.Orders, c.want) || !equalStrings(c.p.Gone, c.wantGone) {
				t.Fatalf("folded %+v, want reset %v orders %v gone %v", c.p, c.reset, c.want, c.wantGone)
			}
		})
	}
}

func equalOrders(a, b []protocol.Order) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSubscriptionFoldsOrders: a reader that lags gets the pending orders
// updates as one, and the latest Status, after the alerts.
func TestSubscriptionFoldsOrders(t *testing.T) {
	s := newSubscription()
	orders := func(u protocol.OrdersUpdate) protocol.Envelope {
		return protocol.Envelope{Type: protocol.TypeOrders, Orders: &u}
	}
	s.push(orders(protocol.OrdersUpdate{Reset: true, Orders: []protocol.Order{{ClientOrderID: "a", State: "new"}}}))
	s.push(status(1))
	s.push(orders(protocol.OrdersUpdate{Orders: []protocol.Order{{ClientOrderID: "b", State: "new"}}}))
	s.push(alert(1))
	s.push(orders(protocol.OrdersUpdate{Orders: []protocol.Order{{ClientOrderID: "a", State: "filled"}}, Gone: []string{"b"}}))
	s.push(status(2))
	s.end()
	go s.pump()
	got := drain(t, s)
	if len(got) != 3 || got[0].Type != protocol.TypeAlert || got[1].Type != protocol.TypeOrders || got[2].Status == nil || got[2].Status.Time != "2" {
		t.Fatalf("delivered %+v, want the alert, one orders update, the latest status", got)
	}
	u := got[1].Orders
	if !u.Reset || len(u.Orders) != 1 || u.Orders[0].State != "filled" || len(u.Gone) != 1 || u.Gone[0] != "b" {
		t.Fatalf("orders update %+v, want a reset holding a filled, b gone", u)
	}
}

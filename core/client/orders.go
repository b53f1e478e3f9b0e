package client

import (
	"context"

	"github.com/desk-trading/desk/core/protocol"
)

// Orders fetches every order the daemon lists, live and recently finished,
// oldest first, one page at a time, so that no
// single reply is large. The list is as of each page's answer: an order
// that changes while later pages are fetched shows the state of the page
// it is on. It fails as Call does.
func (c *Conn) Orders(ctx context.Context) ([]protocol.Order, error) {
	var all []protocol.Order
	args := protocol.OrdersArgs{Limit: ordersPage}
	for {
		var page protocol.Orders
		if err := c.Call(ctx, protocol.CmdOrders, args, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Orders...)
		if page.Next == "" {
			if all == nil {
				all = []protocol.Order{}
			}
			return all, nil
		}
		args.After = page.Next
	}
}

// ordersPage is the page size Orders asks for: the daemon's default, well
// under its bound.
const ordersPage = 1000

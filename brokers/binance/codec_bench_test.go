package binance

import (
	"testing"

	"github.com/desk-trading/desk/brokers/binance/api"
	"github.com/desk-trading/desk/core/domain"
)

// BenchmarkSignEncodeOrder signs and encodes one order.place request.
func BenchmarkSignEncodeOrder(b *testing.B) {
	v := testVenue(b)
	sym := v.syms["BTCUSD"]
	r := request{kind: reqNew, id: tid, side: domain.Buy, typ: domain.Limit, tif: domain.GTC, price: 3_000_000, qty: 5}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		o, _ := v.newOrder(sym, r, r.qty, clientID(r.id, 0))
		buf = v.encodeWS(buf[:0], uint64(i), api.MethodOrderPlace, o.Params(), true)
	}
	b.SetBytes(int64(len(buf)))
}

var benchReport = []byte(`{"subscriptionId":0,"event":{"e":"executionReport","E":1499405658658,"s":"BTCUSD","c":"5-1-42","S":"BUY","o":"LIMIT","f":"GTC","q":"0.00500000","p":"30000.00000000","P":"0.00000000","F":"0.00000000","g":-1,"C":"","x":"TRADE","X":"PARTIALLY_FILLED","r":"NONE","i":4293153,"l":"0.00200000","z":"0.00200000","L":"30000.00000000","n":"0.06000000","N":"USD","T":1499405658657,"t":77,"I":8641984,"w":false,"m":true,"M":true,"O":1499405658657,"Z":"60.00000000","Y":"60.00000000","Q":"0.00000000","W":1499405658657,"V":"NONE"}}`)

// BenchmarkDecodeExecutionReport decodes one executionReport as the
// WebSocket API delivers it and maps it to a domain.ExecReport.
func BenchmarkDecodeExecutionReport(b *testing.B) {
	v := testVenue(b)
	sym := v.syms["BTCUSD"]
	b.ReportAllocs()
	b.SetBytes(int64(len(benchReport)))
	for b.Loop() {
		er, err := decodeEvent(benchReport)
		if err != nil {
			b.Fatal(err)
		}
		id, _, _ := parseClientID(er.ClientOrderID)
		r, _, err := sym.fillOf(id, v.opts.ID, &er)
		if err != nil || r.LastQty != 2 || r.Fee != 6_000_000 {
			b.Fatal(r, err)
		}
	}
}

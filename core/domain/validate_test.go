package domain

import (
	"errors"
	"strings"
	"testing"
)

// validLimit is a GTC limit buy of 10 units at 100 on instrument 1, which
// mustInstrument(t, "0.05", "0.5") makes with a tick and a lot of 5 units.
func validLimit() Intent {
	return Intent{Kind: IntentNew, ID: 1, Instrument: 1, Side: Buy, Type: Limit, TIF: GTC, Price: 100, Qty: 10}
}

// TestValidateOrder has one row per rule of ValidateOrder: each rule as
// kept and as broken.
func TestValidateOrder(t *testing.T) {
	const now = 1_000
	in := mustInstrument(t, "0.05", "0.5")
	other := in
	other.ID = 2
	tests := []struct {
		name   string
		edit   func(o *Intent)
		inst   *Instrument // nil: &in
		noInst bool        // validate against no instrument
		fault  OrderFault  // zero: valid
		is     error       // a domain error the error must also wrap
		detail string
	}{
		{name: "valid limit", edit: func(o *Intent) {}},
		{name: "kind, id, strategy and reduce-only are not judged", edit: func(o *Intent) {
			o.Kind, o.ID, o.Strategy, o.ReduceOnly = 0, 0, 99, true
		}},

		{name: "instrument missing", noInst: true, fault: FaultInstrument, detail: "unknown instrument 1"},
		{name: "instrument not the order's", inst: &other, fault: FaultInstrument, detail: "instrument 1"},
		{name: "instrument without a tick", inst: &Instrument{ID: 1, LotSize: 5}, fault: FaultInstrument, detail: "unknown instrument"},

		{name: "side sell", edit: func(o *Intent) { o.Side = Sell }},
		{name: "side zero", edit: func(o *Intent) { o.Side = 0 }, fault: FaultSide, detail: "side"},
		{name: "side out of range", edit: func(o *Intent) { o.Side = 3 }, fault: FaultSide, detail: "side"},

		{name: "type zero", edit: func(o *Intent) { o.Type = 0 }, fault: FaultType, detail: "order type"},
		{name: "type out of range", edit: func(o *Intent) { o.Type = StopLimit + 1 }, fault: FaultType, detail: "order type"},

		{name: "tif day", edit: func(o *Intent) { o.TIF = Day }},
		{name: "tif zero", edit: func(o *Intent) { o.TIF = 0 }, fault: FaultTIF, detail: "time in force"},
		{name: "tif out of range", edit: func(o *Intent) { o.TIF = Day + 1 }, fault: FaultTIF, detail: "time in force"},

		{name: "qty one lot", edit: func(o *Intent) { o.Qty = 5 }},
		{name: "qty zero", edit: func(o *Intent) { o.Qty = 0 }, fault: FaultQty, is: ErrNotPositive, detail: "quantity"},
		{name: "qty negative", edit: func(o *Intent) { o.Qty = -5 }, fault: FaultQty, is: ErrNotPositive, detail: "quantity"},
		{name: "qty off lot", edit: func(o *Intent) { o.Qty = 7 }, fault: FaultLot, is: ErrOffLot, detail: "quantity"},

		{name: "limit without price", edit: func(o *Intent) { o.Price = 0 }, fault: FaultPriceMissing, detail: "without a price"},
		{name: "stop-limit without price", edit: func(o *Intent) { o.Type, o.Price, o.StopPrice = StopLimit, 0, 95 }, fault: FaultPriceMissing, detail: "without a price"},
		{name: "market with price", edit: func(o *Intent) { o.Type, o.TIF = Market, IOC }, fault: FaultPriceExtra, detail: "with a limit price"},
		{name: "stop with price", edit: func(o *Intent) { o.Type, o.StopPrice = Stop, 95 }, fault: FaultPriceExtra, detail: "with a limit price"},

		{name: "stop", edit: func(o *Intent) { o.Type, o.Price, o.StopPrice = Stop, 0, 95 }},
		{name: "stop-limit", edit: func(o *Intent) { o.Type, o.StopPrice = StopLimit, 95 }},
		{name: "stop without stop price", edit: func(o *Intent) { o.Type, o.Price = Stop, 0 }, fault: FaultStopMissing, detail: "without a stop price"},
		{name: "stop-limit without stop price", edit: func(o *Intent) { o.Type = StopLimit }, fault: FaultStopMissing, detail: "without a stop price"},
		{name: "limit with stop price", edit: func(o *Intent) { o.StopPrice = 95 }, fault: FaultStopExtra, detail: "with a stop price"},

		{name: "negative price on tick", edit: func(o *Intent) { o.Price = -105 }},
		{name: "price off tick", edit: func(o *Intent) { o.Price = 101 }, fault: FaultTick, is: ErrOffTick, detail: "price 1.01"},
		{name: "negative price off tick", edit: func(o *Intent) { o.Price = -101 }, fault: FaultTick, is: ErrOffTick, detail: "price -1.01"},
		{name: "stop price off tick", edit: func(o *Intent) { o.Type, o.StopPrice = StopLimit, 96 }, fault: FaultTick, is: ErrOffTick, detail: "stop price 0.96"},

		{name: "market ioc", edit: func(o *Intent) { o.Type, o.TIF, o.Price = Market, IOC, 0 }},
		{name: "market fok", edit: func(o *Intent) { o.Type, o.TIF, o.Price = Market, FOK, 0 }},
		{name: "market gtc", edit: func(o *Intent) { o.Type, o.Price = Market, 0 }, fault: FaultMarketTIF, detail: "must be ioc or fok, not gtc"},
		{name: "market day", edit: func(o *Intent) { o.Type, o.TIF, o.Price = Market, Day, 0 }, fault: FaultMarketTIF, detail: "not day"},
		{name: "stop gtc", edit: func(o *Intent) { o.Type, o.Price, o.StopPrice = Stop, 0, 95 }},

		{name: "post-only limit", edit: func(o *Intent) { o.PostOnly = true }},
		{name: "post-only limit day", edit: func(o *Intent) { o.PostOnly, o.TIF = true, Day }},
		{name: "post-only ioc", edit: func(o *Intent) { o.PostOnly, o.TIF = true, IOC }, fault: FaultPostOnly, detail: "post-only"},
		{name: "post-only fok", edit: func(o *Intent) { o.PostOnly, o.TIF = true, FOK }, fault: FaultPostOnly, detail: "post-only"},
		{name: "post-only market", edit: func(o *Intent) { o.PostOnly, o.Type, o.TIF, o.Price = true, Market, IOC, 0 }, fault: FaultPostOnly, detail: "post-only"},
		{name: "post-only stop-limit", edit: func(o *Intent) { o.PostOnly, o.Type, o.StopPrice = true, StopLimit, 95 }, fault: FaultPostOnly, detail: "post-only"},

		{name: "gtd in the future", edit: func(o *Intent) { o.TIF, o.ExpireAt = GTD, now+1 }},
		{name: "gtd without expiry", edit: func(o *Intent) { o.TIF = GTD }, fault: FaultExpiry, detail: "gtd"},
		{name: "gtd expiring now", edit: func(o *Intent) { o.TIF, o.ExpireAt = GTD, now }, fault: FaultExpiry, detail: "gtd"},
		{name: "expiry on gtc", edit: func(o *Intent) { o.ExpireAt = now + 1 }, fault: FaultExpiry, detail: "expiry on a gtc order"},
		{name: "expiry on ioc", edit: func(o *Intent) { o.TIF, o.ExpireAt = IOC, now+1 }, fault: FaultExpiry, detail: "expiry on a ioc order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := validLimit()
			if tt.edit != nil {
				tt.edit(&o)
			}
			inst := &in
			if tt.inst != nil {
				inst = tt.inst
			}
			if tt.noInst {
				inst = nil
			}
			err := ValidateOrder(&o, inst, now)
			checkOrderErr(t, err, tt.fault, tt.is, tt.detail)
		})
	}
}

func checkOrderErr(t *testing.T, err error, fault OrderFault, is error, detail string) {
	t.Helper()
	if fault == 0 {
		if err != nil {
			t.Fatalf("valid order refused: %v", err)
		}
		return
	}
	var oe *OrderError
	if !errors.As(err, &oe) || !errors.Is(err, ErrInvalidOrder) {
		t.Fatalf("err = %v (%T), want an *OrderError wrapping ErrInvalidOrder", err, err)
	}
	if oe.Fault != fault {
		t.Errorf("fault %s, want %s (%v)", oe.Fault, fault, err)
	}
	if is != nil && !errors.Is(err, is) {
		t.Errorf("err %v does not wrap %v", err, is)
	}
	if !strings.Contains(err.Error(), detail) {
		t.Errorf("err %q does not say %q", err, detail)
	}
}

// TestValidateReplace has one row per rule of ValidateReplace.
func TestValidateReplace(t *testing.T) {
	in := mustInstrument(t, "0.05", "0.5")
	limit := Order{ID: 1, Instrument: 1, Side: Buy, Type: Limit, TIF: GTC, State: StatePartiallyFilled,
		Price: 100, Qty: 20, Filled: 10}
	stop := limit
	stop.Type, stop.Price, stop.StopPrice = Stop, 0, 95
	other := in
	other.ID = 2
	tests := []struct {
		name   string
		o      *Order
		inst   *Instrument
		price  Price
		qty    Qty
		fault  OrderFault
		is     error
		detail string
	}{
		{"price and qty", &limit, &in, 105, 25, 0, nil, ""},
		{"price only", &limit, &in, 95, 20, 0, nil, ""},
		{"qty only", &limit, &in, 100, 15, 0, nil, ""},
		{"negative price", &limit, &in, -100, 20, 0, nil, ""},
		{"stop qty", &stop, &in, 0, 25, 0, nil, ""},

		{"no instrument", &limit, nil, 105, 25, FaultInstrument, nil, "unknown instrument"},
		{"other instrument", &limit, &other, 105, 25, FaultInstrument, nil, "instrument 1"},
		{"zero qty", &limit, &in, 105, 0, FaultQty, ErrNotPositive, "quantity"},
		{"off lot", &limit, &in, 105, 22, FaultLot, ErrOffLot, "quantity"},
		{"qty at filled", &limit, &in, 105, 10, FaultFilled, nil, "not above the filled"},
		{"qty below filled", &limit, &in, 105, 5, FaultFilled, nil, "not above the filled"},
		{"limit without price", &limit, &in, 0, 25, FaultPriceMissing, nil, "without a price"},
		{"stop with price", &stop, &in, 100, 25, FaultPriceExtra, nil, "with a limit price"},
		{"off tick", &limit, &in, 101, 25, FaultTick, ErrOffTick, "price 1.01"},
		{"changes nothing", &limit, &in, 100, 20, FaultNoChange, nil, "changes nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := *tt.o
			err := ValidateReplace(tt.o, tt.price, tt.qty, tt.inst)
			checkOrderErr(t, err, tt.fault, tt.is, tt.detail)
			if *tt.o != before {
				t.Error("ValidateReplace changed the order")
			}
		})
	}
}

func TestDefaultTIF(t *testing.T) {
	want := map[OrderType]TimeInForce{Market: IOC, Limit: GTC, Stop: GTC, StopLimit: GTC, 0: GTC}
	for typ, tif := range want {
		if got := DefaultTIF(typ); got != tif {
			t.Errorf("DefaultTIF(%s) = %s, want %s", typ, got, tif)
		}
	}
	// The default always makes a valid order of a valid one given no TIF.
	in := mustInstrument(t, "0.05", "0.5")
	for _, o := range []Intent{
		{Instrument: 1, Side: Buy, Type: Market, Qty: 5},
		{Instrument: 1, Side: Buy, Type: Limit, Price: 100, Qty: 5},
		{Instrument: 1, Side: Buy, Type: Stop, StopPrice: 100, Qty: 5},
		{Instrument: 1, Side: Buy, Type: StopLimit, Price: 100, StopPrice: 95, Qty: 5},
	} {
		o.TIF = DefaultTIF(o.Type)
		if err := ValidateOrder(&o, &in, 0); err != nil {
			t.Errorf("%s with the default tif: %v", o.Type, err)
		}
	}
}

func TestOrderFaultString(t *testing.T) {
	seen := map[string]bool{}
	for f := FaultInstrument; f <= FaultNoChange; f++ {
		s := f.String()
		if s == "" || strings.HasPrefix(s, "invalid") || seen[s] {
			t.Errorf("fault %d spelled %q", f, s)
		}
		seen[s] = true
	}
	if s := (FaultNoChange + 1).String(); !strings.HasPrefix(s, "invalid") {
		t.Errorf("fault past the last spelled %q", s)
	}
}

// TestValidateDoesNotAllocate: the OMS validates on its create path, which
// must not allocate.
func TestValidateDoesNotAllocate(t *testing.T) {
	in := mustInstrument(t, "0.05", "0.5")
	o := validLimit()
	o.TIF, o.ExpireAt, o.PostOnly = GTD, 2_000, true
	r := Order{Instrument: 1, Type: Limit, Price: 100, Qty: 20, Filled: 5}
	var err error
	allocs := testing.AllocsPerRun(1000, func() {
		err = ValidateOrder(&o, &in, 1_000)
		if err == nil {
			err = ValidateReplace(&r, 105, 20, &in)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Errorf("validating a valid order allocates %v times", allocs)
	}
}

func BenchmarkValidateOrder(b *testing.B) {
	in := mustInstrument(b, "0.05", "0.5")
	o := validLimit()
	o.TIF, o.ExpireAt = GTD, 2_000
	b.ReportAllocs()
	for b.Loop() {
		if err := ValidateOrder(&o, &in, 1_000); err != nil {
			b.Fatal(err)
		}
	}
}

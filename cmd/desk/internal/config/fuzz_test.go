package config

import (
	"testing"

	"github.com/desk-trading/desk/core/domain"
)

// FuzzParse feeds arbitrary documents to Parse: it must never panic, and a
// document it accepts must build every instrument it names at its price.
func FuzzParse(f *testing.F) {
	f.Add(defaultTOML)
	f.Add([]byte(minimal))
	f.Add([]byte(minimal + "[[strategies]]\nid = \"s\"\nkind = \"k\"\nbook = \"b\"\ninstruments = [\"X\"]\n[strategies.params]\nx = 1e400\n"))
	f.Add([]byte("[[instruments]]\nsymbol = \"X\"\ntick_size = 1e-30\nlot_size = 1\nprice = 1\n"))
	f.Add([]byte("[daemon]\nstale_after = \"-5s\"\n"))
	f.Add([]byte(minimal + "[daemon]\nstale_after = \"1ns\"\nsnapshot_interval = \"-1s\"\n"))
	f.Add([]byte(minimal + "[risk]\nmax_reference_age = \"-5s\"\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		c, err := Parse(doc)
		if err != nil {
			return
		}
		for i, ic := range c.Instruments {
			in, err := domain.NewInstrument(domain.InstrumentID(i), domain.InstrumentSpec{
				Symbol: ic.Symbol, TickSize: ic.TickSize.Decimal, LotSize: ic.LotSize.Decimal,
			})
			if err != nil {
				t.Fatalf("accepted instrument %s does not build: %v", ic.Symbol, err)
			}
			if _, err := in.PriceFromDecimal(ic.Price.Decimal); err != nil {
				t.Fatalf("accepted instrument %s: %v", ic.Symbol, err)
			}
		}
	})
}

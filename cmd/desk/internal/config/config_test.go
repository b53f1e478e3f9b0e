package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDefaultIsValid(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Instruments) < 6 || len(c.Venues) < 2 || len(c.Strategies) < 4 {
		t.Fatalf("default has %d instruments, %d venues, %d strategies", len(c.Instruments), len(c.Venues), len(c.Strategies))
	}
	kinds := map[string]bool{}
	books := map[string]bool{}
	for _, s := range c.Strategies {
		kinds[s.Kind], books[s.Book] = true, true
	}
	if len(kinds) < 4 || len(books) < 2 {
		t.Fatalf("default has kinds %v in books %v; want 4 kinds over 2 books", kinds, books)
	}
}

func TestDecimalsAcceptStringsAndNumbers(t *testing.T) {
	c, err := Parse([]byte(minimal + `
[[strategies]]
id = "s"
kind = "k"
book = "b"
instruments = ["X"]
[strategies.params]
size = 0.1
n = 3
on = true
name = "x"
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Instruments[0].TickSize.String(); got != "0.01" {
		t.Errorf("tick_size = %s, want 0.01", got)
	}
	p := c.Strategies[0].Params
	if p["size"] != "0.1" || p["n"] != "3" || p["on"] != "true" || p["name"] != "x" {
		t.Errorf("params = %v", p)
	}
}

const minimal = `
[[instruments]]
symbol = "X"
tick_size = 0.01
lot_size = "1"
price = "10"
[[venues]]
name = "v"
kind = "sim"
[[risk.books]]
name = "b"
`

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"unknown key", minimal + "\n[daemon]\nbogus = 1\n", `unknown key "daemon.bogus"`},
		{"bad decimal", strings.Replace(minimal, `price = "10"`, `price = "ten"`, 1), "decimal ten"},
		{"non-positive tick", strings.Replace(minimal, "tick_size = 0.01", "tick_size = 0", 1), `instruments[0] (X).tick_size = "0": must be positive`},
		{"unknown venue kind", strings.Replace(minimal, `kind = "sim"`, `kind = "nyse"`, 1), `kind "nyse"`},
		{"strategy in unknown book", minimal + "[[strategies]]\nid = \"s\"\nkind = \"k\"\nbook = \"zz\"\ninstruments = [\"X\"]\n", `book "zz" is not in risk.books`},
		{"strategy on unknown instrument", minimal + "[[strategies]]\nid = \"s\"\nkind = \"k\"\nbook = \"b\"\ninstruments = [\"Y\"]\n", "instrument Y is not configured"},
		{"duplicate symbol", minimal + "[[instruments]]\nsymbol = \"X\"\ntick_size = 1\nlot_size = 1\nprice = 1\n", "listed twice"},
		{"bad duration", minimal + "[daemon]\nstale_after = \"soon\"\n", "duration"},
		{"unknown tui key", minimal + "\n[tui]\nread_only = true\ncolour = \"red\"\n", `unknown key "tui.colour"`},
		{"tui read_only not a bool", minimal + "\n[tui]\nread_only = \"yes\"\n", "read_only"},
		{"negative alert bound", minimal + "[alerts]\nrejects_per_min = -1\n", "alerts.rejects_per_min = -1"},
		{"alert latency not a duration", minimal + "[alerts]\ntick_to_order_p99 = \"fast\"\n", "duration"},
		{"alert latency too long", minimal + "[alerts]\ntick_to_order_p99 = \"2m\"\n", "alerts.tick_to_order_p99"},
		{"unknown alerts key", minimal + "[alerts]\nlatency = 1\n", `unknown key "alerts.latency"`},
		{"not toml", "[[", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			if err == nil {
				t.Fatal("parsed; want an error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	_, err := Parse([]byte(strings.Replace(minimal, `kind = "sim"`, `kind = "x"`, 1)))
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("error %v is not ErrInvalid", err)
	}
}

// The alert thresholds parse, and zero is off.
func TestAlertThresholds(t *testing.T) {
	c, err := Parse([]byte(minimal + "[alerts]\ntick_to_order_p99 = \"5ms\"\nrejects_per_min = 10\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a := c.Alerts; a.TickToOrderP99.D != 5*time.Millisecond || a.RejectsPerMin != 10 || a.FeedGapsPerMin != 0 {
		t.Fatalf("alerts %+v", a)
	}
}

// binanceVenue replaces minimal's venue with a networked one.
func binanceVenue(fields string) string {
	return strings.Replace(minimal, `kind = "sim"`, `kind = "binance"`+"\n"+fields, 1)
}

const binanceOK = `rest_url = "http://127.0.0.1:9101"
ws_url = "ws://127.0.0.1:9101"
[venues.symbols]
XUSD = "X"
`

func TestBinanceVenue(t *testing.T) {
	c, err := Parse([]byte(binanceVenue(binanceOK)))
	if err != nil {
		t.Fatal(err)
	}
	v := &c.Venues[0]
	if v.Kind != KindBinance || v.RESTURL != "http://127.0.0.1:9101" || v.Symbols["XUSD"] != "X" {
		t.Fatalf("venue %+v", *v)
	}
	if got := c.ListedSymbols(v); len(got) != 1 || got[0] != "X" {
		t.Errorf("listed %v", got)
	}
	for _, tc := range []struct{ name, fields, want string }{
		{"http ws_url", strings.Replace(binanceOK, "ws://", "http://", 1), "ws_url"},
		{"ws rest_url", strings.Replace(binanceOK, "http://", "ws://", 1), "rest_url"},
		{"no host", strings.Replace(binanceOK, "http://127.0.0.1:9101", "http://", 1), "rest_url"},
		{"query", strings.Replace(binanceOK, `:9101"`, `:9101?x=1"`, 1), "rest_url"},
		{"no symbols", "rest_url = \"http://h\"\nws_url = \"ws://h\"\n", "symbols: 0 mapped"},
		{"unknown instrument", strings.Replace(binanceOK, `XUSD = "X"`, `YUSD = "Y"`, 1), "instrument Y is not configured"},
		{"instrument twice", binanceOK + "XUSDT = \"X\"\n", "instrument X mapped twice (XUSD and XUSDT)"},
		{"lower-case symbol", strings.Replace(binanceOK, "XUSD", "xusd", 1), "in capitals"},
		{"unknown execution", "execution = \"margin\"\n" + binanceOK, `execution "margin"`},
		{"keys on paper", "keys = \"/k\"\n" + binanceOK, "keys: only a venue with execution"},
		{"lower-case asset", binanceOK + "[venues.balances]\nbtc = \"1\"\n", `asset "btc"`},
		{"negative balance", binanceOK + "[venues.balances]\nBTC = \"-1\"\n", `balances.BTC = "-1"`},
		{"sim fields", "seed = 3\n" + binanceOK, "are for kind \"sim\""},
		{"negative rate limit", binanceOK + "[venues.rate_limits]\norders_10s = -1\n", "rate_limits.orders_10s = -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(binanceVenue(tc.fields)))
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrInvalid mentioning %q", err, tc.want)
			}
		})
	}
	if _, err := Parse([]byte(strings.Replace(minimal, `kind = "sim"`, `kind = "sim"`+"\nws_url = \"ws://h\"", 1))); err == nil || !strings.Contains(err.Error(), "are for kind \"binance\"") {
		t.Errorf("a sim venue with ws_url: %v", err)
	}
}

func TestTUIReadOnly(t *testing.T) {
	c, err := Parse([]byte(minimal + "\n[tui]\nread_only = true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.TUI.ReadOnly {
		t.Fatal("tui.read_only = true parsed as false")
	}
	if c, err = Parse([]byte(minimal)); err != nil || c.TUI.ReadOnly {
		t.Fatalf("no [tui]: read_only %v, err %v; want false", c != nil && c.TUI.ReadOnly, err)
	}
	d, err := Default()
	if err != nil || d.TUI.ReadOnly {
		t.Fatalf("the default attaches read-only (%v)", err)
	}
}

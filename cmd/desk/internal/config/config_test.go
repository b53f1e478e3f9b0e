package config

import (
	"errors"
	"strings"
	"testing"
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

package deploy

// Small readers for the files under deploy/: PromQL expressions (the metric
// names and labels they use), the YAML subset the Prometheus files are
// written in, and systemd unit files. The module has no YAML or PromQL
// library, and these tests should not add one; promtool, when installed,
// checks the same files with Prometheus's own parsers.

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// selector is a metric name used in a PromQL expression, with the labels
// its matchers name.
type selector struct {
	metric   string
	matchers []matcher
}

// matcher is one label matcher of a selector: label, op ("=", "!=", "=~",
// "!~") and value.
type matcher struct {
	label, op, value string
}

// promqlRefs are the metric selectors and the grouping labels (by,
// without, on, ignoring, group_left, group_right) of an expression.
type promqlRefs struct {
	selectors []selector
	grouping  []string
}

// aggregations may be followed by a by/without clause before their
// parenthesised argument, so an identifier of this set not directly
// followed by "(" is still not a metric name.
var aggregations = map[string]bool{
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true,
	"stdvar": true, "count": true, "count_values": true, "bottomk": true, "topk": true,
	"quantile": true, "limitk": true, "limit_ratio": true,
}

// keywords are PromQL words that are neither metric nor function names.
var keywords = map[string]bool{
	"and": true, "or": true, "unless": true, "bool": true, "offset": true,
	"inf": true, "nan": true, "atan2": true,
}

// groupingWords are followed by a parenthesised list of label names.
var groupingWords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
}

// grafanaVars replaces Grafana's interval variables, which PromQL does not
// know, by durations; other variables appear only inside label values.
var grafanaVars = strings.NewReplacer(
	"$__rate_interval", "1m",
	"${__rate_interval}", "1m",
	"$__interval", "1m",
	"${__interval}", "1m",
	"$__range", "1h",
	"${__range}", "1h",
)

// promqlExpr returns expr as PromQL, with Grafana's interval variables
// replaced.
func promqlExpr(expr string) string { return grafanaVars.Replace(expr) }

type token struct {
	kind string // "ident", "string", "number", "punct", "range"
	text string
}

// tokenize splits a PromQL expression into tokens; a range or subquery
// ("[5m]", "[1h:1m]") is one token.
func tokenize(expr string) ([]token, error) {
	var toks []token
	rs := []rune(expr)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '#': // comment to the end of the line
			for i < len(rs) && rs[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for j < len(rs) && rs[j] != c {
				if rs[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("unterminated string in %q", expr)
			}
			raw := string(rs[i : j+1])
			if c == '\'' {
				raw = `"` + strings.ReplaceAll(strings.ReplaceAll(raw[1:len(raw)-1], `"`, `\"`), `\'`, `'`) + `"`
			}
			s, err := strconv.Unquote(raw)
			if err != nil {
				return nil, fmt.Errorf("string %s: %v", raw, err)
			}
			toks = append(toks, token{"string", s})
			i = j + 1
		case c == '[':
			j := i
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("unterminated range in %q", expr)
			}
			toks = append(toks, token{"range", string(rs[i+1 : j])})
			i = j + 1
		case c == '_' || c == ':' || unicode.IsLetter(c):
			j := i
			for j < len(rs) && (rs[j] == '_' || rs[j] == ':' || unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			toks = append(toks, token{"ident", string(rs[i:j])})
			i = j
		case unicode.IsDigit(c) || (c == '.' && i+1 < len(rs) && unicode.IsDigit(rs[i+1])):
			// Numbers, hex, exponents and durations ("5m", "1e-3").
			j := i
			for j < len(rs) && (unicode.IsDigit(rs[j]) || unicode.IsLetter(rs[j]) || rs[j] == '.' ||
				((rs[j] == '-' || rs[j] == '+') && (rs[j-1] == 'e' || rs[j-1] == 'E'))) {
				j++
			}
			toks = append(toks, token{"number", string(rs[i:j])})
			i = j
		default:
			// Two-character operators first.
			if i+1 < len(rs) {
				two := string(rs[i : i+2])
				switch two {
				case "==", "!=", "<=", ">=", "=~", "!~":
					toks = append(toks, token{"punct", two})
					i += 2
					continue
				}
			}
			if strings.ContainsRune("(){},+-*/%^<>=@", c) {
				toks = append(toks, token{"punct", string(c)})
				i++
				continue
			}
			if c == '$' {
				return nil, fmt.Errorf("grafana variable outside a label value in %q", expr)
			}
			return nil, fmt.Errorf("unexpected %q in %q", c, expr)
		}
	}
	return toks, nil
}

// parsePromQL returns the metric selectors and grouping labels of expr.
// It reads names, not meaning: promtool checks the syntax.
func parsePromQL(expr string) (promqlRefs, error) {
	var refs promqlRefs
	toks, err := tokenize(promqlExpr(expr))
	if err != nil {
		return refs, err
	}
	isPunct := func(i int, p string) bool { return i < len(toks) && toks[i].kind == "punct" && toks[i].text == p }
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.kind == "punct" && t.text == "{":
			return refs, fmt.Errorf("selector without a metric name in %q", expr)
		case t.kind != "ident":
			continue
		case groupingWords[t.text]:
			if !isPunct(i+1, "(") {
				if t.text == "group_left" || t.text == "group_right" {
					continue // no include list
				}
				return refs, fmt.Errorf("%s without a label list in %q", t.text, expr)
			}
			j := i + 2
			for ; j < len(toks) && !isPunct(j, ")"); j++ {
				if toks[j].kind == "ident" {
					refs.grouping = append(refs.grouping, toks[j].text)
				}
			}
			i = j
		case isPunct(i+1, "(") || aggregations[t.text] || keywords[t.text]:
			continue // a function, an aggregation or a keyword
		default:
			sel := selector{metric: t.text}
			if isPunct(i+1, "{") {
				j := i + 2
				for ; j < len(toks) && !isPunct(j, "}"); j++ {
					if isPunct(j, ",") {
						continue
					}
					if j+2 >= len(toks) || toks[j].kind != "ident" || toks[j+1].kind != "punct" || toks[j+2].kind != "string" {
						return refs, fmt.Errorf("bad matcher after %s in %q", t.text, expr)
					}
					sel.matchers = append(sel.matchers, matcher{toks[j].text, toks[j+1].text, toks[j+2].text})
					j += 2
				}
				if j >= len(toks) {
					return refs, fmt.Errorf("unterminated selector %s in %q", t.text, expr)
				}
				i = j
			}
			refs.selectors = append(refs.selectors, sel)
		}
	}
	return refs, nil
}

// yamlLine is one significant line of a YAML document.
type yamlLine struct {
	n      int // line number, from 1
	indent int
	text   string // without the indentation
}

// parseYAML reads the YAML subset the files under deploy/prometheus are
// written in: block mappings and sequences, plain and quoted scalars,
// block scalars (| and >, with - or +) and flow sequences of scalars. It
// fails on anything else (anchors, flow mappings, multi-document streams)
// rather than misread it. Mappings are map[string]any, sequences []any and
// scalars string.
func parseYAML(src string) (any, error) {
	var lines []yamlLine
	for i, l := range strings.Split(src, "\n") {
		if strings.ContainsRune(l, '\t') && strings.TrimLeft(l, " ") != strings.TrimLeft(l, " \t") {
			return nil, fmt.Errorf("line %d: tab in indentation", i+1)
		}
		text := strings.TrimLeft(l, " ")
		lines = append(lines, yamlLine{n: i + 1, indent: len(l) - len(text), text: strings.TrimRight(text, " ")})
	}
	p := &yamlParser{lines: lines}
	p.skip()
	if p.i >= len(p.lines) {
		return nil, nil
	}
	v, err := p.node(p.lines[p.i].indent)
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.i < len(p.lines) {
		return nil, fmt.Errorf("line %d: unexpected %q", p.lines[p.i].n, p.lines[p.i].text)
	}
	return v, nil
}

type yamlParser struct {
	lines []yamlLine
	i     int
}

// skip moves past blank and comment lines.
func (p *yamlParser) skip() {
	for p.i < len(p.lines) && (p.lines[p.i].text == "" || strings.HasPrefix(p.lines[p.i].text, "#")) {
		p.i++
	}
}

// node parses the mapping or sequence whose lines start at indent.
func (p *yamlParser) node(indent int) (any, error) {
	p.skip()
	l := p.lines[p.i]
	if l.text == "-" || strings.HasPrefix(l.text, "- ") {
		return p.sequence(indent)
	}
	return p.mapping(indent)
}

func (p *yamlParser) sequence(indent int) ([]any, error) {
	var seq []any
	for p.skip(); p.i < len(p.lines); p.skip() {
		l := p.lines[p.i]
		if l.indent < indent {
			break
		}
		if l.indent > indent || !(l.text == "-" || strings.HasPrefix(l.text, "- ")) {
			return nil, fmt.Errorf("line %d: expected a sequence item at indent %d", l.n, indent)
		}
		rest := strings.TrimLeft(strings.TrimPrefix(l.text, "-"), " ")
		if rest == "" {
			p.i++
			p.skip()
			if p.i >= len(p.lines) || p.lines[p.i].indent <= indent {
				seq = append(seq, "")
				continue
			}
			v, err := p.node(p.lines[p.i].indent)
			if err != nil {
				return nil, err
			}
			seq = append(seq, v)
			continue
		}
		inner := l.indent + len(l.text) - len(rest)
		if _, _, ok := splitKey(rest); ok {
			// "- key: value": a mapping whose first key is on this line.
			p.lines[p.i] = yamlLine{n: l.n, indent: inner, text: rest}
			v, err := p.mapping(inner)
			if err != nil {
				return nil, err
			}
			seq = append(seq, v)
			continue
		}
		v, err := scalar(rest, l.n)
		if err != nil {
			return nil, err
		}
		seq = append(seq, v)
		p.i++
	}
	return seq, nil
}

func (p *yamlParser) mapping(indent int) (map[string]any, error) {
	m := map[string]any{}
	for p.skip(); p.i < len(p.lines); p.skip() {
		l := p.lines[p.i]
		if l.indent < indent {
			break
		}
		if l.indent > indent {
			return nil, fmt.Errorf("line %d: unexpected indentation", l.n)
		}
		key, rest, ok := splitKey(l.text)
		if !ok {
			return nil, fmt.Errorf("line %d: expected key: value, got %q", l.n, l.text)
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("line %d: duplicate key %q", l.n, key)
		}
		p.i++
		switch {
		case rest == "":
			p.skip()
			if p.i >= len(p.lines) || p.lines[p.i].indent < indent ||
				(p.lines[p.i].indent == indent && !strings.HasPrefix(p.lines[p.i].text, "- ")) {
				m[key] = ""
				continue
			}
			v, err := p.node(p.lines[p.i].indent)
			if err != nil {
				return nil, err
			}
			m[key] = v
		case rest[0] == '|' || rest[0] == '>':
			v, err := p.blockScalar(rest, indent, l.n)
			if err != nil {
				return nil, err
			}
			m[key] = v
		default:
			v, err := scalar(rest, l.n)
			if err != nil {
				return nil, err
			}
			m[key] = v
		}
	}
	return m, nil
}

// blockScalar reads the lines of a | or > scalar indented past indent.
func (p *yamlParser) blockScalar(header string, indent, n int) (string, error) {
	style, chomp := header[0], ""
	if len(header) > 1 {
		chomp = header[1:]
	}
	if chomp != "" && chomp != "-" && chomp != "+" {
		return "", fmt.Errorf("line %d: unsupported block scalar header %q", n, header)
	}
	var body []string
	inner := -1
	for ; p.i < len(p.lines); p.i++ {
		l := p.lines[p.i]
		if l.text == "" {
			body = append(body, "")
			continue
		}
		if l.indent <= indent {
			break
		}
		if inner < 0 {
			inner = l.indent
		}
		if l.indent < inner {
			return "", fmt.Errorf("line %d: block scalar line less indented than its first", l.n)
		}
		body = append(body, strings.Repeat(" ", l.indent-inner)+l.text)
	}
	for len(body) > 0 && body[len(body)-1] == "" {
		body = body[:len(body)-1]
	}
	var s string
	if style == '|' {
		s = strings.Join(body, "\n")
	} else {
		// Folded: lines of one paragraph join with spaces.
		var b strings.Builder
		for i, line := range body {
			switch {
			case i == 0:
			case line == "" || body[i-1] == "":
				b.WriteString("\n")
			default:
				b.WriteString(" ")
			}
			b.WriteString(line)
		}
		s = b.String()
	}
	if chomp != "-" && s != "" {
		s += "\n"
	}
	return s, nil
}

// splitKey splits "key: rest" (or "key:"); a quoted or flow scalar is not
// a key.
func splitKey(text string) (key, rest string, ok bool) {
	if text == "" || strings.ContainsRune(`"'[{&*!|>%@`, rune(text[0])) {
		return "", "", false
	}
	i := strings.Index(text, ": ")
	if i < 0 {
		if !strings.HasSuffix(text, ":") {
			return "", "", false
		}
		i = len(text) - 1
	}
	key = text[:i]
	if strings.ContainsAny(key, "#") {
		return "", "", false
	}
	return key, strings.TrimSpace(text[i+1:]), true
}

// scalar reads a plain, quoted or flow-sequence scalar, without a trailing
// comment.
func scalar(s string, n int) (any, error) {
	switch s[0] {
	case '"':
		end := closingQuote(s)
		if end < 0 {
			return nil, fmt.Errorf("line %d: unterminated string", n)
		}
		if err := trailingComment(s[end+1:], n); err != nil {
			return nil, err
		}
		v, err := strconv.Unquote(s[:end+1])
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		return v, nil
	case '\'':
		end := -1
		for i := 1; i < len(s); i++ {
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					i++
					continue
				}
				end = i
				break
			}
		}
		if end < 0 {
			return nil, fmt.Errorf("line %d: unterminated string", n)
		}
		if err := trailingComment(s[end+1:], n); err != nil {
			return nil, err
		}
		return strings.ReplaceAll(s[1:end], "''", "'"), nil
	case '[':
		end := strings.LastIndexByte(s, ']')
		if end < 0 {
			return nil, fmt.Errorf("line %d: unterminated flow sequence", n)
		}
		if err := trailingComment(s[end+1:], n); err != nil {
			return nil, err
		}
		var seq []any
		inner := strings.TrimSpace(s[1:end])
		if inner == "" {
			return seq, nil
		}
		for _, item := range strings.Split(inner, ",") {
			item = strings.TrimSpace(item)
			if item == "" || strings.ContainsAny(item[:1], "[{") {
				return nil, fmt.Errorf("line %d: unsupported flow sequence %q", n, s)
			}
			v, err := scalar(item, n)
			if err != nil {
				return nil, err
			}
			seq = append(seq, v)
		}
		return seq, nil
	case '{', '&', '*', '!', '%', '@', '`':
		return nil, fmt.Errorf("line %d: unsupported YAML %q", n, s)
	}
	if i := strings.Index(s, " #"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s, nil
}

// closingQuote returns the index of the quote closing the double-quoted
// string at the start of s, or -1.
func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

func trailingComment(rest string, n int) error {
	rest = strings.TrimSpace(rest)
	if rest != "" && !strings.HasPrefix(rest, "#") {
		return fmt.Errorf("line %d: unexpected %q after a scalar", n, rest)
	}
	return nil
}

// unitFile is a systemd unit: section to key to values, in file order (a
// key may repeat).
type unitFile map[string]map[string][]string

// parseUnit reads a systemd unit file, joining continued lines.
func parseUnit(src string) (unitFile, error) {
	u := unitFile{}
	section := ""
	var cont strings.Builder
	for i, raw := range strings.Split(src, "\n") {
		line := strings.TrimSpace(raw)
		if cont.Len() == 0 && (line == "" || line[0] == '#' || line[0] == ';') {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cont.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cont.WriteString(line)
		line = cont.String()
		cont.Reset()
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			if u[section] == nil {
				u[section] = map[string][]string{}
			}
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || section == "" {
			return nil, fmt.Errorf("line %d: expected key=value in a section, got %q", i+1, line)
		}
		key = strings.TrimSpace(key)
		u[section][key] = append(u[section][key], strings.TrimSpace(value))
	}
	if cont.Len() > 0 {
		return nil, fmt.Errorf("continuation at the end of the file")
	}
	return u, nil
}

// last is the value of the last assignment of key in section ("" if none):
// for most settings the one systemd uses.
func (u unitFile) last(section, key string) string {
	v := u[section][key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

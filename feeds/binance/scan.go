package binance

import "bytes"

// A small JSON scanner for the fixed shapes Binance sends. It works on the
// frame's bytes in place: strings come back as sub-slices (without their
// quotes, escapes left as they are) and values as spans, so scanning
// allocates nothing. It checks JSON syntax as far as it walks; values it
// skips are checked for balance and token shape, not fully validated.

const maxDepth = 32

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipWS returns the index of the first byte at or after i that is not
// white space. The venue sends none, so the first comparison (every white
// space byte is at most ' ') usually decides.
func skipWS(b []byte, i int) int {
	for i < len(b) && b[i] <= ' ' && isWS(b[i]) {
		i++
	}
	return i
}

// scanNumber reads the string starting at b[i] == '"' that holds a
// decimal number and returns its content and the index after the closing
// quote, finding the quote with bytes.IndexByte. A backslash in it is not
// taken as an escape: no number has one, so the content (or what follows
// it) fails to parse as a number or a level, which scanString's reading
// would make fail too.
func scanNumber(b []byte, i int) (s []byte, next int, err error) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, ErrMalformed
	}
	j := bytes.IndexByte(b[i+1:], '"')
	if j < 0 {
		return nil, len(b), ErrMalformed
	}
	return b[i+1 : i+1+j], i + 2 + j, nil
}

// scanString reads the string starting at b[i] == '"' and returns its raw
// content and the index after the closing quote. A backslash escapes the
// byte after it (so a quote is escaped when an odd number of backslashes
// precede it); it does not check the content (control characters, escape
// sequences): the fields desk reads are checked by their own parsers. The
// strings in a frame are short, so a byte loop beats bytes.IndexByte.
func scanString(b []byte, i int) (s []byte, next int, err error) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, ErrMalformed
	}
	start := i + 1
	for j := start; j < len(b); j++ {
		switch b[j] {
		case '"':
			return b[start:j], j + 1, nil
		case '\\':
			j++
		}
	}
	return nil, len(b), ErrMalformed
}

// skipValue returns the index after the JSON value starting at b[i].
func skipValue(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, ErrMalformed
	}
	switch c := b[i]; {
	case c == '"':
		_, next, err := scanString(b, i)
		return next, err
	case c == '{' || c == '[':
		if depth >= maxDepth {
			return i, ErrMalformed
		}
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == closing {
			return i + 1, nil
		}
		for {
			var err error
			if c == '{' {
				if _, i, err = scanString(b, i); err != nil {
					return i, err
				}
				i = skipWS(b, i)
				if i >= len(b) || b[i] != ':' {
					return i, ErrMalformed
				}
				i = skipWS(b, i+1)
			}
			if i, err = skipValue(b, i, depth+1); err != nil {
				return i, err
			}
			i = skipWS(b, i)
			if i >= len(b) {
				return i, ErrMalformed
			}
			if b[i] == closing {
				return i + 1, nil
			}
			if b[i] != ',' {
				return i, ErrMalformed
			}
			i = skipWS(b, i+1)
		}
	case c == '-' || (c >= '0' && c <= '9'):
		j := i + 1
		for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] == '.' || b[j] == 'e' || b[j] == 'E' || b[j] == '+' || b[j] == '-') {
			j++
		}
		return j, nil
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
				return i + len(lit), nil
			}
		}
		return i, ErrMalformed
	}
}

// objectIter walks the members of one JSON object.
type objectIter struct {
	b    []byte
	i    int
	done bool
}

// startObject begins walking the object that is the whole of b (leading and
// trailing white space allowed).
func startObject(b []byte) (objectIter, error) {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return objectIter{}, ErrMalformed
	}
	it := objectIter{b: b, i: skipWS(b, i+1)}
	if it.i < len(b) && b[it.i] == '}' {
		it.done = true
		if skipWS(b, it.i+1) != len(b) {
			return objectIter{}, ErrMalformed
		}
	}
	return it, nil
}

// next returns the next member's key and value span; ok is false at the end.
func (it *objectIter) next() (key, val []byte, ok bool, err error) {
	if it.done {
		return nil, nil, false, nil
	}
	b := it.b
	key, i, err := scanString(b, it.i)
	if err != nil {
		return nil, nil, false, err
	}
	i = skipWS(b, i)
	if i >= len(b) || b[i] != ':' {
		return nil, nil, false, ErrMalformed
	}
	i = skipWS(b, i+1)
	end, err := skipValue(b, i, 1)
	if err != nil {
		return nil, nil, false, err
	}
	val = b[i:end]
	i = skipWS(b, end)
	if i >= len(b) {
		return nil, nil, false, ErrMalformed
	}
	switch b[i] {
	case ',':
		it.i = skipWS(b, i+1)
	case '}':
		it.done = true
		if skipWS(b, i+1) != len(b) {
			return nil, nil, false, ErrMalformed
		}
	default:
		return nil, nil, false, ErrMalformed
	}
	return key, val, true, nil
}

// parseInt parses a JSON integer span (optional '-', digits).
func parseInt(s []byte) (int64, error) {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, ErrNumber
	}
	var v uint64
	// Eighteen digits or fewer cannot overflow: skip the check.
	check := len(s) > 18
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, ErrNumber
		}
		d := uint64(c - '0')
		if check && v > (1<<63-1-d)/10 {
			return 0, ErrOverflow
		}
		v = v*10 + d
	}
	if neg {
		return -int64(v), nil
	}
	return int64(v), nil
}

// stringValue returns the content of a string value span.
func stringValue(v []byte) ([]byte, error) {
	s, next, err := scanString(v, 0)
	if err != nil || next != len(v) {
		return nil, ErrMalformed
	}
	return s, nil
}

// fixedValue parses a quoted decimal value span at scale.
func fixedValue(v []byte, scale uint8) (int64, error) {
	s, err := stringValue(v)
	if err != nil {
		return 0, err
	}
	return ParseFixed(s, scale)
}

func boolValue(v []byte) (bool, error) {
	switch string(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, ErrMalformed
}

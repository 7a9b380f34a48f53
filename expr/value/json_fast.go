package value

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// parseFast decodes a well-formed JSON document in one pass. It reports
// ok = false for anything it does not accept, and the caller then decodes
// with encoding/json's token API (several times slower), whose errors and
// corner cases are the reference. Unlike encoding/json, it reads the
// literals NaN, Infinity and -Infinity, as Python's json module does.
//
// Strings in the result share data's memory.
func parseFast(data string) (any, bool) {
	p := parsers.Get().(*jsonParser)
	defer p.release()
	p.data, p.pos = data, 0
	p.skipSpace()
	if v, ok := p.value(0); ok {
		p.skipSpace()
		if p.pos == len(p.data) {
			return v, true
		}
	}
	return nil, false
}

// parsers keeps parsers with their stacks for reuse.
var parsers = sync.Pool{New: func() any {
	return &jsonParser{keys: make([]string, 0, 32), vals: make([]any, 0, 32)}
}}

// release returns p to parsers. Its stacks hold no reference to what it
// read: every object and list clears its entries when it ends, and a
// parse that failed leaves its entries on the stacks, cleared here.
func (p *jsonParser) release() {
	clear(p.keys)
	clear(p.vals)
	p.keys, p.vals, p.data = p.keys[:0], p.vals[:0], ""
	if cap(p.keys)+cap(p.vals) <= 4096 {
		parsers.Put(p)
	}
}

// maxJSONDepth is encoding/json's nesting limit.
const maxJSONDepth = 10000

type jsonParser struct {
	data string
	pos  int
	// keys and vals are a stack of the entries of the objects being
	// read, and vals of the items of lists too: each object or list is
	// allocated once, at its size, when it ends.
	keys []string
	vals []any
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, bool) {
	if p.pos >= len(p.data) {
		return nil, false
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		if depth >= maxJSONDepth {
			return nil, false
		}
		p.pos++
		p.skipSpace()
		if p.pos < len(p.data) && p.data[p.pos] == '}' {
			p.pos++
			return NewMap(0), true
		}
		kmark, vmark := len(p.keys), len(p.vals)
		for {
			if p.pos >= len(p.data) || p.data[p.pos] != '"' {
				return nil, false
			}
			k, ok := p.str()
			if !ok {
				return nil, false
			}
			p.skipSpace()
			if p.pos >= len(p.data) || p.data[p.pos] != ':' {
				return nil, false
			}
			p.pos++
			p.skipSpace()
			v, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			p.keys = append(p.keys, k)
			p.vals = append(p.vals, v)
			p.skipSpace()
			if p.pos >= len(p.data) {
				return nil, false
			}
			switch p.data[p.pos] {
			case ',':
				p.pos++
				p.skipSpace()
			case '}':
				p.pos++
				m := NewMap(len(p.keys) - kmark)
				for i, k := range p.keys[kmark:] {
					m.Set(k, p.vals[vmark+i])
				}
				clear(p.keys[kmark:])
				clear(p.vals[vmark:])
				p.keys, p.vals = p.keys[:kmark], p.vals[:vmark]
				return m, true
			default:
				return nil, false
			}
		}
	case c == '[':
		if depth >= maxJSONDepth {
			return nil, false
		}
		p.pos++
		p.skipSpace()
		if p.pos < len(p.data) && p.data[p.pos] == ']' {
			p.pos++
			return []any{}, true
		}
		mark := len(p.vals)
		for {
			v, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			p.vals = append(p.vals, v)
			p.skipSpace()
			if p.pos >= len(p.data) {
				return nil, false
			}
			switch p.data[p.pos] {
			case ',':
				p.pos++
				p.skipSpace()
			case ']':
				p.pos++
				list := slices.Clone(p.vals[mark:])
				clear(p.vals[mark:])
				p.vals = p.vals[:mark]
				return list, true
			default:
				return nil, false
			}
		}
	case c == '"':
		return p.str()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	case c == 'N':
		return math.NaN(), p.literal("NaN")
	case c == 'I':
		return math.Inf(1), p.literal("Infinity")
	}
	return nil, false
}

func (p *jsonParser) literal(word string) bool {
	if len(p.data)-p.pos >= len(word) && p.data[p.pos:p.pos+len(word)] == word {
		p.pos += len(word)
		return true
	}
	return false
}

// str reads a string; escapes and invalid UTF-8 are decoded by
// encoding/json, as value.ParseJSON decodes them.
func (p *jsonParser) str() (string, bool) {
	start := p.pos
	simple := true
	for i := start + 1; i < len(p.data); i++ {
		switch c := p.data[i]; {
		case c == '"':
			p.pos = i + 1
			raw := p.data[start+1 : i]
			if simple && utf8.ValidString(raw) {
				return raw, true
			}
			var s string
			if err := json.Unmarshal([]byte(p.data[start:i+1]), &s); err != nil {
				return "", false
			}
			return s, true
		case c == '\\':
			simple = false
			i++
		case c < 0x20:
			return "", false
		}
	}
	return "", false
}

// number reads a number with JSON's grammar and converts it as
// value.ParseJSON does: an int when it has no fraction or exponent and
// fits, else a float64 (±Inf or 0 when out of range). It reads
// -Infinity too.
func (p *jsonParser) number() (any, bool) {
	d, i := p.data, p.pos
	isInt := true
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	case i > p.pos && i < len(d) && d[i] == 'I':
		p.pos = i
		return math.Inf(-1), p.literal("Infinity")
	default:
		return nil, false
	}
	if i < len(d) && d[i] == '.' {
		isInt = false
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return nil, false
		}
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		isInt = false
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return nil, false
		}
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	}
	s := d[p.pos:i]
	p.pos = i
	if isInt {
		if n, err := strconv.Atoi(s); err == nil {
			return n, true
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return nil, false
		}
	}
	return f, true
}

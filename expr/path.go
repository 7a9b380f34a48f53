package expr

import (
	"strconv"
	"strings"

	"github.com/actuatehq/actuate/expr/value"
)

// segKind is the kind of one JSONPath segment.
type segKind int

const (
	segKey       segKind = iota // .name, .'name', ['name']
	segIndex                    // [n], negative counts from the end
	segWildcard                 // .*: the values of a map
	segRecursive                // ..name or ..*
	segFilter                   // [?(@.f == v)] or [?f == v]
	segSlice                    // [*], [a:b] or [a:b:c]
)

type segment struct {
	kind   segKind
	key    string // segKey, segRecursive ("" matches everything)
	index  int    // segIndex
	filter *filter
	// slice bounds; has* false means the bound was left out
	lo, hi, step        int
	hasLo, hasHi, step1 bool
	// all marks [*], the slice with no bounds.
	all bool
}

// path is a compiled JSONPath below a context.
type path struct {
	text string
	segs []segment
	// simple paths hold only keys and indexes: at most one match.
	simple bool
	// list paths always give a list: the text has [*] or a filter
	// written [?( or [?@.
	list bool
}

// filter is [?cond & cond ...].
type filter struct {
	conds []filterCond
}

// filterCond compares a field of the current item with a literal, or tests
// that the field exists when op is "".
type filterCond struct {
	field []string
	op    string
	value node // a literal
}

// parsePath reads path segments from src[i:limit] and returns the path and
// where it ends. Segments are written without spaces. The caller adds the
// path's text to the message of an error.
func parsePath(src string, i, limit int) (*path, int, *Error) {
	p := &path{simple: true}
	start := i
	at := func(k int) byte {
		if k < limit {
			return src[k]
		}
		return 0
	}
	for i < limit {
		c := src[i]
		switch {
		case c == '.' && at(i+1) == '.':
			j := i + 2
			if at(j) == '*' {
				p.segs = append(p.segs, segment{kind: segRecursive})
				i = j + 1
			} else {
				k := j
				for k < limit && isIdentByte(src[k]) {
					k++
				}
				if k == j {
					return nil, 0, errorAt(i, j, "'..' must be followed by a name or *")
				}
				p.segs = append(p.segs, segment{kind: segRecursive, key: src[j:k]})
				i = k
			}
			p.simple = false
		case c == '.' && at(i+1) == '*':
			p.segs = append(p.segs, segment{kind: segWildcard})
			p.simple = false
			i += 2
		case c == '.' && (at(i+1) == '\'' || at(i+1) == '"'):
			q := at(i + 1)
			j := strings.IndexByte(src[i+2:limit], q)
			if j < 0 {
				return nil, 0, errorAt(i+1, limit, "unterminated quoted key: add the closing %c", q)
			}
			p.segs = append(p.segs, segment{kind: segKey, key: src[i+2 : i+2+j]})
			i = i + 3 + j
		case c == '.' && at(i+1) == '[':
			i++ // .['key'] is the same as ['key']
		case c == '.' && isIdentByte(at(i+1)):
			j := i + 1
			for j < limit && isIdentByte(src[j]) {
				j++
			}
			p.segs = append(p.segs, segment{kind: segKey, key: src[i+1 : j]})
			i = j
		case c == '.':
			return nil, 0, errorAt(i, i+1, "'.' must be followed by a name, a quoted key, * or [")
		case c == '[':
			seg, end, err := parseBracket(src, i, limit)
			if err != nil {
				return nil, 0, err
			}
			if seg.kind != segKey && seg.kind != segIndex {
				p.simple = false
			}
			if seg.all || seg.kind == segFilter && (at(i+2) == '(' || at(i+2) == '@') {
				p.list = true
			}
			p.segs = append(p.segs, seg)
			i = end
		default:
			p.text = src[start:i]
			return p, i, nil
		}
	}
	p.text = src[start:i]
	return p, i, nil
}

// parseBracket reads one [...] segment starting at src[i] == '['.
func parseBracket(src string, i, limit int) (segment, int, *Error) {
	close := strings.IndexByte(src[i:limit], ']')
	// A quoted key may hold ']'; find the end after the quotes.
	j := i + 1
	for j < limit && src[j] == ' ' {
		j++
	}
	if j < limit && (src[j] == '\'' || src[j] == '"') {
		q := src[j]
		k := strings.IndexByte(src[j+1:limit], q)
		if k < 0 {
			return segment{}, 0, errorAt(j, limit, "unterminated quoted key: add the closing %c", q)
		}
		key := src[j+1 : j+1+k]
		e := j + 2 + k
		for e < limit && src[e] == ' ' {
			e++
		}
		if e >= limit || src[e] != ']' {
			return segment{}, 0, errorAt(i, e, "expected ']' after the quoted key")
		}
		return segment{kind: segKey, key: key}, e + 1, nil
	}
	if j < limit && src[j] == '?' {
		return parseFilter(src, i, j+1, limit)
	}
	if close < 0 {
		return segment{}, 0, errorAt(i, limit, "'[' is never closed with ']'")
	}
	inner := strings.TrimSpace(src[i+1 : i+close])
	end := i + close + 1
	switch {
	case inner == "*":
		return segment{kind: segSlice, all: true}, end, nil
	case strings.Contains(inner, ":"):
		return parseSlice(inner, i, end)
	}
	n, err := strconv.Atoi(inner)
	if err != nil {
		return segment{}, 0, errorAt(i, end, "[%s] must hold a number, a quoted key, *, a slice a:b or a filter ?(...); to index with an expression, put the path in parentheses: (inputs.x)[inputs.i]", inner)
	}
	return segment{kind: segIndex, index: n}, end, nil
}

func parseSlice(inner string, pos, end int) (segment, int, *Error) {
	parts := strings.Split(inner, ":")
	if len(parts) > 3 {
		return segment{}, 0, errorAt(pos, end, "a slice is [start:stop] or [start:stop:step]")
	}
	seg := segment{kind: segSlice}
	for k, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n, err := strconv.Atoi(part)
		if err != nil {
			return segment{}, 0, errorAt(pos, end, "slice bound %q is not a number", part)
		}
		switch k {
		case 0:
			seg.lo, seg.hasLo = n, true
		case 1:
			seg.hi, seg.hasHi = n, true
		case 2:
			if n == 0 {
				return segment{}, 0, errorAt(pos, end, "slice step cannot be zero")
			}
			seg.step, seg.step1 = n, true
		}
	}
	return seg, end, nil
}

// parseFilter reads [?(@.f == v & ...)] or [?f == v], from just after '?'.
func parseFilter(src string, open, i, limit int) (segment, int, *Error) {
	paren := i < limit && src[i] == '('
	if paren {
		i++
	}
	f := &filter{}
	for {
		for i < limit && src[i] == ' ' {
			i++
		}
		if i < limit && src[i] == '@' {
			i++
		}
		if i < limit && src[i] == '.' {
			i++
		}
		var field []string
		for {
			j := i
			for j < limit && isIdentByte(src[j]) {
				j++
			}
			if j == i {
				return segment{}, 0, errorAt(i, i+1, "a filter compares a field, e.g. [?(@.status == 'open')]")
			}
			field = append(field, src[i:j])
			i = j
			if i < limit && src[i] == '.' {
				i++
				continue
			}
			break
		}
		for i < limit && src[i] == ' ' {
			i++
		}
		cond := filterCond{field: field}
		for _, op := range []string{"==", "!=", ">=", "<=", ">", "<", "="} {
			if strings.HasPrefix(src[i:limit], op) {
				cond.op = op
				if op == "=" {
					cond.op = "=="
				}
				i += len(op)
				break
			}
		}
		if cond.op != "" {
			for i < limit && src[i] == ' ' {
				i++
			}
			lit, end, err := parseFilterLiteral(src, i, limit)
			if err != nil {
				return segment{}, 0, err
			}
			cond.value = lit
			i = end
			for i < limit && src[i] == ' ' {
				i++
			}
		}
		f.conds = append(f.conds, cond)
		if i < limit && src[i] == '&' {
			i++
			if i < limit && src[i] == '&' {
				i++
			}
			continue
		}
		break
	}
	if paren {
		if i >= limit || src[i] != ')' {
			return segment{}, 0, errorAt(open, i, "filter is missing its closing ')'")
		}
		i++
	}
	if i >= limit || src[i] != ']' {
		return segment{}, 0, errorAt(open, i, "filter is missing its closing ']'")
	}
	return segment{kind: segFilter, filter: f}, i + 1, nil
}

// parseFilterLiteral reads a string, number, True/False/None (or
// JSONPath's true/false/null) inside a filter.
func parseFilterLiteral(src string, i, limit int) (node, int, *Error) {
	if i < limit && (src[i] == '\'' || src[i] == '"') {
		q := src[i]
		k := strings.IndexByte(src[i+1:limit], q)
		if k < 0 {
			return nil, 0, errorAt(i, limit, "unterminated string: add the closing %c", q)
		}
		return &literalNode{pos: i, end: i + k + 2, value: src[i+1 : i+1+k]}, i + k + 2, nil
	}
	j := i
	if j < limit && src[j] == '-' {
		j++
	}
	for j < limit && (isIdentByte(src[j]) || src[j] == '.') {
		j++
	}
	word := src[i:j]
	switch word {
	case "True", "true":
		return &literalNode{pos: i, end: j, value: true}, j, nil
	case "False", "false":
		return &literalNode{pos: i, end: j, value: false}, j, nil
	case "None", "null":
		return &literalNode{pos: i, end: j, value: nil}, j, nil
	}
	if n, err := strconv.Atoi(word); err == nil {
		return &literalNode{pos: i, end: j, value: n}, j, nil
	}
	if f, err := strconv.ParseFloat(word, 64); err == nil && word != "" {
		return &literalNode{pos: i, end: j, value: f}, j, nil
	}
	return nil, 0, errorAt(i, max(j, i+1), "a filter compares with a quoted string, a number, True, False or None")
}

// eval applies the path to root with Tracecat's rules: one match gives the
// value, no match None, several matches (or a path written with [*] or a
// parenthesised filter) a list.
func (p *path) eval(root any) any {
	if p.simple {
		v := root
		for i := range p.segs {
			var ok bool
			if v, ok = step(v, &p.segs[i]); !ok {
				return nil
			}
		}
		return v
	}
	matches := []any{root}
	for i := range p.segs {
		matches = p.segs[i].apply(matches)
		if len(matches) == 0 {
			break
		}
	}
	switch {
	case p.list:
		return matches
	case len(matches) == 0:
		return nil
	case len(matches) == 1:
		return matches[0]
	}
	return matches
}

// step applies a key or index segment to one value.
func step(v any, s *segment) (any, bool) {
	switch s.kind {
	case segKey:
		if m, ok := v.(*value.Map); ok && m != nil {
			return m.Get(s.key)
		}
	case segIndex:
		switch x := v.(type) {
		case []any:
			i := s.index
			if i < 0 {
				i += len(x)
			}
			if i >= 0 && i < len(x) {
				return x[i], true
			}
		case string:
			r := []rune(x)
			i := s.index
			if i < 0 {
				i += len(r)
			}
			if i >= 0 && i < len(r) {
				return string(r[i]), true
			}
		}
	}
	return nil, false
}

// apply maps the segment over the current matches.
func (s *segment) apply(in []any) []any {
	var out []any
	for _, v := range in {
		switch s.kind {
		case segKey, segIndex:
			if r, ok := step(v, s); ok {
				out = append(out, r)
			}
		case segWildcard:
			out = appendChildren(out, v)
		case segRecursive:
			out = descend(out, v, s.key)
		case segSlice:
			// As in jsonpath-ng, a slice (and so [*]) reads any value
			// but None and a list as a list of that one value.
			switch x := v.(type) {
			case nil:
			case []any:
				out = append(out, s.slice(x)...)
			default:
				out = append(out, s.slice([]any{x})...)
			}
		case segFilter:
			switch x := v.(type) {
			case []any:
				for _, it := range x {
					if s.filter.match(it) {
						out = append(out, it)
					}
				}
			case *value.Map:
				if x == nil {
					continue
				}
				x.Range(func(_ string, it any) bool {
					if s.filter.match(it) {
						out = append(out, it)
					}
					return true
				})
			}
		}
	}
	return out
}

// appendChildren appends the values of a map: .* matches nothing in a list
// or a scalar (use [*] for the items of a list).
func appendChildren(out []any, v any) []any {
	if x, ok := v.(*value.Map); ok && x != nil {
		x.Range(func(_ string, it any) bool {
			out = append(out, it)
			return true
		})
	}
	return out
}

// descend collects, in document order, the values under key (or, when key
// is "", the values of every map) in v and everything below it, as
// jsonpath-ng's ..name and ..* do.
func descend(out []any, v any, key string) []any {
	switch x := v.(type) {
	case *value.Map:
		if x == nil {
			return out
		}
		// The matches in x come first, then those below each value.
		if key == "" {
			out = append(out, x.Values()...)
		} else if r, ok := x.Get(key); ok {
			out = append(out, r)
		}
		x.Range(func(_ string, it any) bool {
			out = descend(out, it, key)
			return true
		})
	case []any:
		for _, it := range x {
			out = descend(out, it, key)
		}
	}
	return out
}

// slice returns list[lo:hi:step] with Python's rules for bounds.
func (s *segment) slice(list []any) []any {
	n := len(list)
	stepN := 1
	if s.step1 {
		stepN = s.step
	}
	norm := func(i, def int, has bool) int {
		if !has {
			return def
		}
		if i < 0 {
			i += n
		}
		if stepN > 0 {
			return min(max(i, 0), n)
		}
		return min(max(i, -1), n-1)
	}
	var out []any
	if stepN > 0 {
		for i := norm(s.lo, 0, s.hasLo); i < norm(s.hi, n, s.hasHi); i += stepN {
			out = append(out, list[i])
		}
	} else {
		for i := norm(s.lo, n-1, s.hasLo); i > norm(s.hi, -1, s.hasHi); i += stepN {
			out = append(out, list[i])
		}
	}
	return out
}

// match reports whether item passes every condition of the filter.
func (f *filter) match(item any) bool {
	for _, c := range f.conds {
		v, ok := item, true
		for _, k := range c.field {
			m, isMap := v.(*value.Map)
			if !isMap || m == nil {
				ok = false
				break
			}
			if v, ok = m.Get(k); !ok {
				break
			}
		}
		if !ok {
			return false
		}
		if c.op == "" {
			continue
		}
		want := c.value.(*literalNode).value
		if _, isInt := want.(int); isInt {
			// jsonpath-ng compares a string field with an integer as
			// int(field), and skips the item when that fails.
			if str, isStr := v.(string); isStr {
				n, err := strconv.Atoi(strings.TrimSpace(str))
				if err != nil {
					return false
				}
				v = n
			}
		}
		var pass bool
		switch c.op {
		case "==":
			pass = value.Equal(v, want)
		case "!=":
			pass = !value.Equal(v, want)
		default:
			cmp, err := value.Compare(v, want)
			if err != nil {
				return false
			}
			pass = c.op == "<" && cmp < 0 || c.op == "<=" && cmp <= 0 || c.op == ">" && cmp > 0 || c.op == ">=" && cmp >= 0
		}
		if !pass {
			return false
		}
	}
	return true
}

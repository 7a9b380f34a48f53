package expr

import (
	"fmt"
	"strings"
)

// JSONPath evaluates a $-rooted JSONPath (as jsonpath-ng's extended dialect
// writes them: $.a.b, $["k"], $[0], $[*], $..x, $[?(@.f == v)], slices)
// against root, with the same rules as context paths: one match → the
// value, none → None, several (or a path written with [*] or a filter) → a
// list. A path without $ is taken as relative to root ("data.items[*]").
//
// As in jsonpath-ng, a dotted name may hold dashes ($.content-type). Unions
// ($[0,1]), arithmetic and functions of jsonpath-ng are not supported and
// give an error.
func JSONPath(path string, root any) (any, error) {
	p, err := compileJSONPath(path)
	if err != nil {
		return nil, err
	}
	return p.eval(root), nil
}

// JSONPathQuery is a JSONPath compiled by [CompileJSONPath]. It is
// immutable and safe for concurrent use.
type JSONPathQuery struct {
	p *path
}

// CompileJSONPath parses a JSONPath as [JSONPath] reads it, with the same
// errors, for a caller that evaluates the same path many times.
func CompileJSONPath(path string) (*JSONPathQuery, error) {
	p, err := compileJSONPath(path)
	if err != nil {
		return nil, err
	}
	return &JSONPathQuery{p: p}, nil
}

// Eval evaluates the path against root, as [JSONPath] does.
func (q *JSONPathQuery) Eval(root any) any { return q.p.eval(root) }

// compileJSONPath parses a JSONPath written for [JSONPath].
func compileJSONPath(text string) (*path, error) {
	src := strings.TrimSpace(text)
	bad := func(format string, args ...any) error {
		return fmt.Errorf("Invalid jsonpath '%s': %s", text, fmt.Sprintf(format, args...))
	}
	if src == "" {
		return nil, bad("the path is empty; write $ for the whole value or $.name for a key")
	}
	rest := src
	if rest[0] == '$' {
		rest = rest[1:]
	} else if rest[0] != '.' && rest[0] != '[' {
		// A relative path starts with a name: data.items[*].
		rest = "." + rest
	}
	rest = quoteDashedNames(rest)
	p, end, perr := parsePath(rest, 0, len(rest))
	if perr != nil {
		return nil, bad("%s", perr.Msg)
	}
	if end < len(rest) {
		return nil, bad("cannot read %q; a path is made of .name, ['key'], [n], [*], [a:b], ..name and [?(@.field == value)] segments", rest[end:])
	}
	return p, nil
}

// quoteDashedNames rewrites the dotted names that hold a dash (.content-type,
// which jsonpath-ng reads as one name) as quoted keys (['content-type']),
// outside quotes and brackets.
func quoteDashedNames(s string) string {
	if !strings.Contains(s, "-") {
		return s
	}
	var b strings.Builder
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '.' && depth == 0 && (i == 0 || s[i-1] != '.') && i+1 < len(s) && isIdentStart(s[i+1]):
			j := i + 1
			for j < len(s) && (isIdentByte(s[j]) || s[j] == '-') {
				j++
			}
			if name := s[i+1 : j]; strings.Contains(name, "-") && !strings.Contains(name, "'") {
				b.WriteString("['")
				b.WriteString(name)
				b.WriteString("']")
				i = j - 1
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

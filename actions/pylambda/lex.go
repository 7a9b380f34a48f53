package pylambda

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF tokKind = iota
	tName
	tKeyword
	tInt
	tFloat
	tString
	tOp
)

type token struct {
	kind tokKind
	text string // name, keyword, operator or number text
	str  string // the decoded value of a string token
	ival int
	fval float64
	pos  int // byte offset in the source
}

// keywords are Python's reserved words; those the subset does not use are
// reported as not allowed.
var keywords = map[string]bool{
	"False": true, "None": true, "True": true, "and": true, "as": true, "assert": true,
	"async": true, "await": true, "break": true, "class": true, "continue": true,
	"def": true, "del": true, "elif": true, "else": true, "except": true, "finally": true,
	"for": true, "from": true, "global": true, "if": true, "import": true, "in": true,
	"is": true, "lambda": true, "nonlocal": true, "not": true, "or": true, "pass": true,
	"raise": true, "return": true, "try": true, "while": true, "with": true, "yield": true,
}

// ops are the operators and delimiters, longest first.
var ops = []string{
	"**=", "//=", ">>=", "<<=", "...",
	"**", "//", "<<", ">>", "<=", ">=", "==", "!=", "->", ":=",
	"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=",
	"+", "-", "*", "/", "%", "&", "|", "^", "~", "<", ">",
	"(", ")", "[", "]", "{", "}", ",", ":", ".", "=", ";", "@",
}

// lex splits src into tokens.
func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for {
		// Blanks, newlines, comments and line continuations.
		for i < len(src) {
			c := src[i]
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
				i++
				continue
			case c == '#':
				for i < len(src) && src[i] != '\n' {
					i++
				}
				continue
			case c == '\\' && i+1 < len(src) && (src[i+1] == '\n' || src[i+1] == '\r'):
				i += 2
				continue
			}
			break
		}
		if i >= len(src) {
			toks = append(toks, token{kind: tEOF, pos: i})
			return toks, nil
		}
		start := i
		c := src[i]
		r, size := utf8.DecodeRuneInString(src[i:])
		switch {
		case c == '\'' || c == '"' || isStringPrefix(src[i:]):
			t, end, err := lexString(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = end
		case isDigit(c) || c == '.' && i+1 < len(src) && isDigit(src[i+1]):
			t, end, err := lexNumber(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = end
		case c == '_' || unicode.IsLetter(r):
			j := i + size
			for j < len(src) {
				r2, s2 := utf8.DecodeRuneInString(src[j:])
				if r2 != '_' && !unicode.IsLetter(r2) && !unicode.IsDigit(r2) {
					break
				}
				j += s2
			}
			word := src[i:j]
			kind := tName
			if keywords[word] {
				kind = tKeyword
			}
			toks = append(toks, token{kind: kind, text: word, pos: start})
			i = j
		default:
			found := false
			for _, op := range ops {
				if strings.HasPrefix(src[i:], op) {
					toks = append(toks, token{kind: tOp, text: op, pos: start})
					i += len(op)
					found = true
					break
				}
			}
			if !found {
				return nil, syntaxErr(src, start, "unexpected character %q", r)
			}
		}
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isStringPrefix reports whether s starts with a string prefix (r, b, f,
// u, ...) followed by a quote.
func isStringPrefix(s string) bool {
	j := 0
	for j < len(s) && j < 3 && strings.IndexByte("rRbBfFuU", s[j]) >= 0 {
		j++
	}
	return j > 0 && j < len(s) && (s[j] == '\'' || s[j] == '"')
}

// lexString reads a string literal with its prefix.
func lexString(src string, i int) (token, int, error) {
	start := i
	raw := false
	for src[i] != '\'' && src[i] != '"' {
		switch src[i] {
		case 'r', 'R':
			raw = true
		case 'b', 'B':
			return token{}, 0, syntaxErr(src, start, "bytes literals are not allowed in lambdas")
		case 'f', 'F':
			return token{}, 0, syntaxErr(src, start, "f-strings are not allowed in lambdas; build the text with + and str()")
		case 'u', 'U':
		}
		i++
	}
	q := src[i : i+1]
	if strings.HasPrefix(src[i:], q+q+q) {
		q = q + q + q
	}
	i += len(q)
	var b strings.Builder
	for {
		if i >= len(src) {
			return token{}, 0, syntaxErr(src, start, "unterminated string literal")
		}
		if strings.HasPrefix(src[i:], q) {
			i += len(q)
			break
		}
		c := src[i]
		if c == '\n' && len(q) == 1 {
			return token{}, 0, syntaxErr(src, start, "unterminated string literal")
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(src) {
			return token{}, 0, syntaxErr(src, start, "unterminated string literal")
		}
		e := src[i+1]
		if raw {
			// A raw string keeps the backslash; it still escapes a quote.
			b.WriteByte('\\')
			b.WriteByte(e)
			i += 2
			continue
		}
		i += 2
		switch e {
		case '\n':
		case '\\':
			b.WriteByte('\\')
		case '\'':
			b.WriteByte('\'')
		case '"':
			b.WriteByte('"')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			n := int(e - '0')
			for k := 0; k < 2 && i < len(src) && src[i] >= '0' && src[i] <= '7'; k++ {
				n = n*8 + int(src[i]-'0')
				i++
			}
			b.WriteRune(rune(n))
		case 'N':
			return token{}, 0, syntaxErr(src, i-2, `\N{...} escapes are not allowed in lambdas`)
		default:
			// Python keeps unknown escapes as they are.
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	if !utf8.ValidString(b.String()) {
		return token{}, 0, syntaxErr(src, start, "string literal is not valid UTF-8")
	}
	return token{kind: tString, str: b.String(), text: src[start:i], pos: start}, i, nil
}

// lexNumber reads an int or float literal.
func lexNumber(src string, i int) (token, int, error) {
	start := i
	digits := func(ok func(byte) bool) {
		for i < len(src) && (ok(src[i]) || src[i] == '_' && i+1 < len(src) && ok(src[i+1]) && i > start) {
			i++
		}
	}
	isBase := func(base int) func(byte) bool {
		return func(c byte) bool {
			switch base {
			case 16:
				return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
			case 8:
				return c >= '0' && c <= '7'
			case 2:
				return c == '0' || c == '1'
			}
			return isDigit(c)
		}
	}
	tooBig := func() error {
		return syntaxErr(src, start, "integer %s does not fit in 64 bits (lambdas use 64-bit integers)", src[start:i])
	}
	if src[i] == '0' && i+1 < len(src) && strings.IndexByte("xXoObB", src[i+1]) >= 0 {
		base := map[byte]int{'x': 16, 'X': 16, 'o': 8, 'O': 8, 'b': 2, 'B': 2}[src[i+1]]
		i += 2
		d := i
		for i < len(src) && (isBase(base)(src[i]) || src[i] == '_' && i+1 < len(src) && isBase(base)(src[i+1])) {
			i++
		}
		if i == d {
			return token{}, 0, syntaxErr(src, start, "invalid number literal %q", src[start:i])
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(src[d:i], "_", ""), base, 64)
		if err != nil {
			return token{}, 0, tooBig()
		}
		if err := numberEnd(src, start, i); err != nil {
			return token{}, 0, err
		}
		return token{kind: tInt, text: src[start:i], ival: int(n), pos: start}, i, nil
	}
	digits(isDigit)
	isFloat := false
	if i < len(src) && src[i] == '.' {
		isFloat = true
		i++
		if i < len(src) && isDigit(src[i]) {
			s := i
			for i < len(src) && (isDigit(src[i]) || src[i] == '_' && i+1 < len(src) && isDigit(src[i+1]) && i > s) {
				i++
			}
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j < len(src) && isDigit(src[j]) {
			isFloat = true
			i = j
			for i < len(src) && (isDigit(src[i]) || src[i] == '_' && i+1 < len(src) && isDigit(src[i+1])) {
				i++
			}
		}
	}
	if i < len(src) && (src[i] == 'j' || src[i] == 'J') {
		return token{}, 0, syntaxErr(src, start, "complex numbers are not allowed in lambdas")
	}
	if err := numberEnd(src, start, i); err != nil {
		return token{}, 0, err
	}
	text := strings.ReplaceAll(src[start:i], "_", "")
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && f == 0 {
			return token{}, 0, syntaxErr(src, start, "invalid number literal %q", src[start:i])
		}
		return token{kind: tFloat, text: src[start:i], fval: f, pos: start}, i, nil
	}
	if len(text) > 1 && text[0] == '0' && strings.Trim(text, "0") != "" {
		return token{}, 0, syntaxErr(src, start, "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers")
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return token{}, 0, tooBig()
	}
	return token{kind: tInt, text: src[start:i], ival: int(n), pos: start}, i, nil
}

// numberEnd rejects a number followed directly by a name character (1abc).
func numberEnd(src string, start, i int) error {
	if i < len(src) {
		r, _ := utf8.DecodeRuneInString(src[i:])
		if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			return syntaxErr(src, start, "invalid number literal %q", src[start:i+utf8.RuneLen(r)])
		}
	}
	return nil
}

// syntaxErr builds a compile error at byte offset pos of src.
func syntaxErr(src string, pos int, format string, args ...any) error {
	if pos > len(src) {
		pos = len(src)
	}
	col := utf8.RuneCountInString(src[:pos]) + 1
	return fmt.Errorf("syntax error at column %d: %s", col, fmt.Sprintf(format, args...))
}

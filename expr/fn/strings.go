package fn

import (
	"fmt"
	"html"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"

	"github.com/actuatehq/actuate/expr/value"
)

// String functions: concat, format, join, lowercase, uppercase, capitalize,
// titleize, prefix, suffix, replace, slice, split, strip, startswith,
// endswith, slugify, url_encode, url_decode.

func init() {
	register(&Func{Name: "concat", MinArgs: 0, MaxArgs: Variadic, Doc: "Join strings end to end; every argument must be a string.", Call: strConcat})
	register(&Func{Name: "format", MinArgs: 1, MaxArgs: Variadic, Doc: "Python str.format with positional fields: {} {0} {0:>5} {{ }}.", Call: strFormat})
	register(&Func{Name: "join", MinArgs: 2, MaxArgs: 2, Doc: "Join a list of strings with a separator (\\n \\t \\r \\\\ in the separator are un-escaped).", Call: strJoin})
	register(&Func{Name: "lowercase", MinArgs: 1, MaxArgs: 1, Doc: "Convert a string to lowercase.", Call: strLower,
		Call1: func(a any) (any, error) { return strLower(a) }})
	register(&Func{Name: "uppercase", MinArgs: 1, MaxArgs: 1, Doc: "Convert a string to uppercase.", Call: strUpper,
		Call1: func(a any) (any, error) { return strUpper(a) }})
	register(&Func{Name: "capitalize", MinArgs: 1, MaxArgs: 1, Doc: "First character uppercase, the rest lowercase.", Call: strCapitalize})
	register(&Func{Name: "titleize", MinArgs: 1, MaxArgs: 1, Doc: "Python str.title(): each word capitalized.", Call: strTitle})
	register(&Func{Name: "prefix", MinArgs: 2, MaxArgs: 2, Doc: "Add a prefix to a string, or to each item of a list.", Call: strPrefix})
	register(&Func{Name: "suffix", MinArgs: 2, MaxArgs: 2, Doc: "Add a suffix to a string, or to each item of a list.", Call: strSuffix})
	register(&Func{Name: "replace", MinArgs: 3, MaxArgs: 3, Doc: "Replace all occurrences of old with new.", Call: strReplace})
	register(&Func{Name: "slice", MinArgs: 3, MaxArgs: 3, Doc: "Substring (or sub-list) of a given length from a start index: x[start:start+length].", Call: strSlice})
	register(&Func{Name: "split", MinArgs: 2, MaxArgs: 2, Doc: "Split a string by a separator (null: runs of whitespace).", Call: strSplit})
	register(&Func{Name: "strip", MinArgs: 2, MaxArgs: 2, Doc: "Strip the given characters from both ends (null: whitespace).", Call: strStrip})
	register(&Func{Name: "startswith", MinArgs: 2, MaxArgs: 2, Doc: "Whether a string starts with a prefix (or any prefix of a list).", Call: strStartsWith})
	register(&Func{Name: "endswith", MinArgs: 2, MaxArgs: 2, Doc: "Whether a string ends with a suffix (or any suffix of a list).", Call: strEndsWith})
	register(&Func{Name: "slugify", MinArgs: 1, MaxArgs: 1, Doc: "Lowercase ASCII slug with '-' separators.", Call: strSlugify})
	register(&Func{Name: "url_encode", MinArgs: 1, MaxArgs: 2, Doc: "Percent-encode str(x) like urllib.parse.quote(x, safe=\"\").", Call: strURLEncode,
		Call1: func(a any) (any, error) { return strURLEncode(a) }})
	register(&Func{Name: "url_decode", MinArgs: 1, MaxArgs: 1, Doc: "Decode percent-escapes like urllib.parse.unquote.", Call: strURLDecode})
}

// ---- argument helpers shared by the families in this package ----

// shortRepr is Python's repr of v, cut to a length that fits an error line.
func shortRepr(v any) string {
	s := value.Repr(v)
	const max = 60
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// argErr reports a wrong argument: "concat: argument 2 must be a string,
// got None (NoneType)". i is 0-based.
func argErr(fn string, i int, want string, v any) error {
	return fmt.Errorf("%s: argument %d must be %s, got %s (%s)", fn, i+1, want, shortRepr(v), value.TypeName(v))
}

// itemErr reports a wrong item of a list argument.
func itemErr(fn string, i, j int, want string, v any) error {
	return fmt.Errorf("%s: item [%d] of argument %d must be %s, got %s (%s)", fn, j, i+1, want, shortRepr(v), value.TypeName(v))
}

func argStr(fn string, args []any, i int) (string, error) {
	if s, ok := args[i].(string); ok {
		return s, nil
	}
	return "", argErr(fn, i, "a string", args[i])
}

// argInt accepts a Python int (bools count, as in Python).
func argInt(fn string, args []any, i int) (int, error) {
	if n, ok := value.Int(args[i]); ok {
		return n, nil
	}
	return 0, argErr(fn, i, "an integer", args[i])
}

func argList(fn string, args []any, i int) ([]any, error) {
	if l, ok := args[i].([]any); ok {
		return l, nil
	}
	return nil, argErr(fn, i, "a list", args[i])
}

func argMap(fn string, args []any, i int) (*value.Map, error) {
	if m, ok := args[i].(*value.Map); ok {
		return m, nil
	}
	return nil, argErr(fn, i, "a dict", args[i])
}

// argIter returns the items Python would iterate over: a list's items, a
// string's characters, a dict's keys.
func argIter(fn string, args []any, i int) ([]any, error) {
	switch x := args[i].(type) {
	case []any:
		return x, nil
	case string:
		out := make([]any, 0, len(x))
		for _, r := range x {
			out = append(out, string(r))
		}
		return out, nil
	case *value.Map:
		keys := x.Keys()
		out := make([]any, len(keys))
		for j, k := range keys {
			out[j] = k
		}
		return out, nil
	}
	return nil, argErr(fn, i, "a list", args[i])
}

// pyIsSpace is Python's str.isspace for one character.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// ---- functions ----

func strConcat(args ...any) (any, error) {
	n := 0
	for i, a := range args {
		s, ok := a.(string)
		if !ok {
			return nil, argErr("concat", i, "a string", a)
		}
		n += len(s)
	}
	var b strings.Builder
	b.Grow(n)
	for _, a := range args {
		b.WriteString(a.(string))
	}
	return b.String(), nil
}

func strJoin(args ...any) (any, error) {
	sep, err := argStr("join", args, 1)
	if err != nil {
		return nil, err
	}
	sep = unescapeSep(sep)
	var items []any
	switch x := args[0].(type) {
	case []any:
		items = x
	case string, *value.Map:
		if items, err = argIter("join", args, 0); err != nil {
			return nil, err
		}
	default:
		return nil, argErr("join", 0, "a list of strings", args[0])
	}
	n := len(sep) * len(items)
	for j, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, itemErr("join", 0, j, "a string", it)
		}
		n += len(s)
	}
	var b strings.Builder
	b.Grow(n)
	for j, it := range items {
		if j > 0 {
			b.WriteString(sep)
		}
		b.WriteString(it.(string))
	}
	return b.String(), nil
}

// unescapeSep turns the two-character sequences \n \t \r \\ into the
// characters they name; template string literals keep backslashes verbatim.
func unescapeSep(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case 'n':
				b.WriteByte('\n')
				i++
				continue
			case 't':
				b.WriteByte('\t')
				i++
				continue
			case 'r':
				b.WriteByte('\r')
				i++
				continue
			case '\\':
				b.WriteByte('\\')
				i++
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func strLower(args ...any) (any, error) {
	s, err := argStr("lowercase", args, 0)
	if err != nil {
		return nil, err
	}
	return Lower(s), nil
}

func strUpper(args ...any) (any, error) {
	s, err := argStr("uppercase", args, 0)
	if err != nil {
		return nil, err
	}
	return Upper(s), nil
}

// Lower and Upper are Python's str.lower and str.upper: full Unicode
// case mappings ('ß' -> "SS", 'ﬁ' -> "FI", 'İ' -> "i̇") and the final
// sigma rule, which strings.ToLower and ToUpper, mapping rune by rune, do
// not apply. A Caser is not safe for concurrent use, so each call makes
// its own.
func Lower(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	return cases.Lower(language.Und).String(s)
}

// Upper is Python's str.upper: see [Lower].
func Upper(s string) string {
	if isASCII(s) {
		return strings.ToUpper(s)
	}
	return cases.Upper(language.Und).String(s)
}

// pyTitleRune is the full titlecase mapping of r ('ß' -> "Ss", 'ﬁ' -> "Fi").
func pyTitleRune(r rune) string {
	if r < utf8.RuneSelf {
		return string(unicode.ToTitle(r))
	}
	return cases.Title(language.Und).String(string(r))
}

func strCapitalize(args ...any) (any, error) {
	s, err := argStr("capitalize", args, 0)
	if err != nil {
		return nil, err
	}
	if s == "" {
		return s, nil
	}
	r, size := utf8.DecodeRuneInString(s)
	// The rest is lowered in the context of the whole string, for the
	// final sigma rule ("ΑΣ" -> "Ας").
	return pyTitleRune(r) + Lower(s)[len(Lower(s[:size])):], nil
}

func strTitle(args ...any) (any, error) {
	s, err := argStr("titleize", args, 0)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.Grow(len(s))
	prevCased := false
	for _, r := range s {
		switch {
		case !prevCased:
			b.WriteString(pyTitleRune(r))
		case r < utf8.RuneSelf:
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteString(Lower(string(r)))
		}
		prevCased = unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r)
	}
	return b.String(), nil
}

// affix implements prefix and suffix: Python f"{p}{x}" on a string or on
// each item of a list (dicts and strings count as single values).
func affix(args []any, before bool) any {
	p := value.Str(args[1])
	one := func(v any) string {
		if before {
			return p + value.Str(v)
		}
		return value.Str(v) + p
	}
	if l, ok := args[0].([]any); ok {
		out := make([]any, len(l))
		for i, v := range l {
			out[i] = one(v)
		}
		return out
	}
	return one(args[0])
}

func strPrefix(args ...any) (any, error) { return affix(args, true), nil }
func strSuffix(args ...any) (any, error) { return affix(args, false), nil }

func strReplace(args ...any) (any, error) {
	s, err := argStr("replace", args, 0)
	if err != nil {
		return nil, err
	}
	old, err := argStr("replace", args, 1)
	if err != nil {
		return nil, err
	}
	repl, err := argStr("replace", args, 2)
	if err != nil {
		return nil, err
	}
	return strings.ReplaceAll(s, old, repl), nil
}

// pySliceBounds clamps Python slice bounds x[start:stop] for a sequence of
// length n.
func pySliceBounds(start, stop, n int) (int, int) {
	clamp := func(i int) int {
		if i < 0 {
			i += n
			if i < 0 {
				i = 0
			}
		} else if i > n {
			i = n
		}
		return i
	}
	start, stop = clamp(start), clamp(stop)
	if stop < start {
		stop = start
	}
	return start, stop
}

func strSlice(args ...any) (any, error) {
	start, err := argInt("slice", args, 1)
	if err != nil {
		return nil, err
	}
	length, err := argInt("slice", args, 2)
	if err != nil {
		return nil, err
	}
	switch x := args[0].(type) {
	case string:
		if isASCII(x) {
			i, j := pySliceBounds(start, start+length, len(x))
			return x[i:j], nil
		}
		rs := []rune(x)
		i, j := pySliceBounds(start, start+length, len(rs))
		return string(rs[i:j]), nil
	case []any:
		i, j := pySliceBounds(start, start+length, len(x))
		return append([]any(nil), x[i:j]...), nil
	}
	return nil, argErr("slice", 0, "a string or a list", args[0])
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func strSplit(args ...any) (any, error) {
	s, err := argStr("split", args, 0)
	if err != nil {
		return nil, err
	}
	var parts []string
	switch sep := args[1].(type) {
	case nil:
		parts = strings.FieldsFunc(s, pyIsSpace)
	case string:
		if sep == "" {
			return nil, fmt.Errorf("split: empty separator")
		}
		parts = strings.Split(s, sep)
	default:
		return nil, argErr("split", 1, "a string or None", args[1])
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func strStrip(args ...any) (any, error) {
	s, err := argStr("strip", args, 0)
	if err != nil {
		return nil, err
	}
	switch chars := args[1].(type) {
	case nil:
		return strings.TrimFunc(s, pyIsSpace), nil
	case string:
		return strings.Trim(s, chars), nil
	}
	return nil, argErr("strip", 1, "a string or None", args[1])
}

// affixTest implements startswith and endswith; like Python, the second
// argument may also be a list (Python: a tuple) of candidates.
func affixTest(fn string, args []any, test func(s, p string) bool) (any, error) {
	s, err := argStr(fn, args, 0)
	if err != nil {
		return nil, err
	}
	switch p := args[1].(type) {
	case string:
		return test(s, p), nil
	case []any:
		for j, it := range p {
			ps, ok := it.(string)
			if !ok {
				return nil, itemErr(fn, 1, j, "a string", it)
			}
			if test(s, ps) {
				return true, nil
			}
		}
		return false, nil
	}
	return nil, argErr(fn, 1, "a string or a list of strings", args[1])
}

func strStartsWith(args ...any) (any, error) {
	return affixTest("startswith", args, strings.HasPrefix)
}

func strEndsWith(args ...any) (any, error) {
	return affixTest("endswith", args, strings.HasSuffix)
}

// ---- slugify ----

var slugEntity = regexp.MustCompile(`&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);`)

// slugTranslit covers letters that Unicode normalisation does not reduce
// to ASCII but python-slugify's unidecode step transliterates.
var slugTranslit = strings.NewReplacer(
	"ß", "ss", "æ", "ae", "Æ", "AE", "œ", "oe", "Œ", "OE", "ø", "o", "Ø", "O",
	"đ", "d", "Đ", "D", "ð", "d", "Ð", "D", "ł", "l", "Ł", "L", "þ", "th", "Þ", "TH",
	"ı", "i", "ĸ", "q", "ŋ", "ng", "Ŋ", "NG", "ſ", "s",
)

// strSlugify follows python-slugify's defaults: quotes become separators,
// HTML entities are decoded, accents are removed (NFKD), characters other
// than ASCII letters and digits become "-", commas between digits are
// dropped ("1,000" -> "1000"), dashes are collapsed and trimmed. Non-Latin
// scripts, which unidecode would transliterate, are dropped.
func strSlugify(args ...any) (any, error) {
	s, err := argStr("slugify", args, 0)
	if err != nil {
		return nil, err
	}
	if !isASCII(s) {
		s = slugTranslit.Replace(s)
	}
	if strings.IndexByte(s, '&') >= 0 {
		s = slugEntity.ReplaceAllStringFunc(s, html.UnescapeString)
	}
	if !isASCII(s) {
		s = norm.NFKD.String(s)
		s = slugTranslit.Replace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	dash := false // a separator is pending
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
			fallthrough
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteByte(c)
		case c == ',' && i > 0 && i+1 < len(s) && isDigitByte(s[i-1]) && isDigitByte(s[i+1]):
			// python-slugify removes commas inside numbers.
		case c >= utf8.RuneSelf:
			// Non-ASCII left after normalisation is dropped, not replaced.
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size - 1
		default:
			dash = true
		}
	}
	return b.String(), nil
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

// ---- url_encode / url_decode ----

func strURLEncode(args ...any) (any, error) {
	s := value.Str(args[0])
	safe := ""
	if len(args) > 1 {
		var err error
		if safe, err = argStr("url_encode", args, 1); err != nil {
			return nil, err
		}
	}
	return pyQuote(s, safe), nil
}

// pyQuote is urllib.parse.quote(s, safe): UTF-8 bytes other than
// A-Za-z0-9_.-~ and the ASCII characters of safe become %XX.
func pyQuote(s, safe string) string {
	keep := func(c byte) bool {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			return true
		case c == '_' || c == '.' || c == '-' || c == '~':
			return true
		case c < utf8.RuneSelf && strings.IndexByte(safe, c) >= 0:
			return true
		}
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !keep(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keep(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}

func strURLDecode(args ...any) (any, error) {
	s, err := argStr("url_decode", args, 0)
	if err != nil {
		return nil, err
	}
	return pyUnquote(s), nil
}

// pyUnquote is urllib.parse.unquote: valid %XX escapes become bytes, the
// result is read as UTF-8 with errors="replace", and malformed escapes and
// '+' are left alone.
func pyUnquote(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if h, ok := unhex(s[i+1]); ok {
				if l, ok := unhex(s[i+2]); ok {
					b = append(b, h<<4|l)
					i += 2
					continue
				}
			}
		}
		b = append(b, s[i])
	}
	if utf8.Valid(b) {
		return string(b)
	}
	var out strings.Builder
	out.Grow(len(b) + 8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			size = invalidUTF8Len(b)
		}
		out.WriteRune(r) // RuneError is U+FFFD
		b = b[size:]
	}
	return out.String()
}

// invalidUTF8Len returns how many bytes at the start of b, which do not
// begin a valid UTF-8 sequence, Python's decoder replaces with one U+FFFD:
// a lead byte with the continuation bytes that fit it, else one byte.
func invalidUTF8Len(b []byte) int {
	need, lo, hi := 0, byte(0x80), byte(0xbf)
	switch c := b[0]; {
	case c >= 0xc2 && c <= 0xdf:
		need = 1
	case c == 0xe0:
		need, lo = 2, 0xa0
	case c == 0xed:
		need, hi = 2, 0x9f
	case c >= 0xe1 && c <= 0xef:
		need = 2
	case c == 0xf0:
		need, lo = 3, 0x90
	case c == 0xf4:
		need, hi = 3, 0x8f
	case c >= 0xf1 && c <= 0xf3:
		need = 3
	}
	n := 1
	for n <= need && n < len(b) && b[n] >= lo && b[n] <= hi {
		n++
		lo, hi = 0x80, 0xbf
	}
	return n
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// ---- format: Python str.format with positional arguments ----

func strFormat(args ...any) (any, error) {
	tpl, err := argStr("format", args, 0)
	if err != nil {
		return nil, err
	}
	f := pyFormatter{args: args[1:]}
	out, err := f.format(tpl, 2)
	if err != nil {
		return nil, fmt.Errorf("format: %w", err)
	}
	return out, nil
}

type pyFormatter struct {
	args []any
	next int  // next automatic field number
	mode byte // 0 until the first field, then 'a' (automatic) or 'm' (manual)
}

func (f *pyFormatter) format(s string, depth int) (string, error) {
	if depth < 0 {
		return "", fmt.Errorf("Max string recursion exceeded")
	}
	if strings.IndexByte(s, '{') < 0 && strings.IndexByte(s, '}') < 0 {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '{':
			if i+1 < len(s) && s[i+1] == '{' {
				b.WriteByte('{')
				i += 2
				continue
			}
			j, level := i+1, 1
			for ; j < len(s); j++ {
				if s[j] == '{' {
					level++
				} else if s[j] == '}' {
					if level--; level == 0 {
						break
					}
				}
			}
			if j >= len(s) {
				if i+1 == len(s) {
					return "", fmt.Errorf("Single '{' encountered in format string")
				}
				return "", fmt.Errorf("expected '}' before end of string")
			}
			out, err := f.field(s[i+1:j], depth)
			if err != nil {
				return "", err
			}
			b.WriteString(out)
			i = j + 1
		case '}':
			if i+1 < len(s) && s[i+1] == '}' {
				b.WriteByte('}')
				i += 2
				continue
			}
			return "", fmt.Errorf("Single '}' encountered in format string")
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

// field formats one replacement field: name[!conv][:spec].
func (f *pyFormatter) field(field string, depth int) (string, error) {
	end, brackets := len(field), 0
	for k := 0; k < len(field); k++ {
		switch field[k] {
		case '[':
			brackets++
		case ']':
			brackets--
		case ':', '!':
			if brackets == 0 {
				end = k
			}
		}
		if end != len(field) {
			break
		}
	}
	name, rest := field[:end], field[end:]
	var conv byte
	if strings.HasPrefix(rest, "!") {
		if len(rest) < 2 {
			return "", fmt.Errorf("end of string while looking for conversion specifier")
		}
		conv = rest[1]
		rest = rest[2:]
		if rest != "" && rest[0] != ':' {
			return "", fmt.Errorf("expected ':' after conversion specifier")
		}
	}
	spec := strings.TrimPrefix(rest, ":")

	v, err := f.lookup(name)
	if err != nil {
		return "", err
	}
	switch conv {
	case 0:
	case 's':
		v = value.Str(v)
	case 'r':
		v = value.Repr(v)
	case 'a':
		v = pyASCII(value.Repr(v))
	default:
		return "", fmt.Errorf("Unknown conversion specifier %c", conv)
	}
	if strings.IndexByte(spec, '{') >= 0 {
		if spec, err = f.format(spec, depth-1); err != nil {
			return "", err
		}
	}
	return formatSpec(v, spec)
}

func (f *pyFormatter) lookup(name string) (any, error) {
	argName, path := name, ""
	if k := strings.IndexAny(name, ".["); k >= 0 {
		argName, path = name[:k], name[k:]
	}
	var idx int
	switch {
	case argName == "":
		if f.mode == 'm' {
			return nil, fmt.Errorf("cannot switch from manual field specification to automatic field numbering")
		}
		f.mode = 'a'
		idx = f.next
		f.next++
	case allDigits(argName):
		if f.mode == 'a' {
			return nil, fmt.Errorf("cannot switch from automatic field numbering to manual field specification")
		}
		f.mode = 'm'
		n, ok := atoiSmall(argName)
		if !ok {
			return nil, fmt.Errorf("Too many decimal digits in format string")
		}
		idx = n
	default:
		return nil, fmt.Errorf("no value for the field {%s}: FN.format takes positional arguments only, use {} or {0}", name)
	}
	if idx >= len(f.args) {
		return nil, fmt.Errorf("Replacement index %d out of range for positional args tuple", idx)
	}
	v := f.args[idx]
	for path != "" {
		if path[0] == '.' {
			return nil, fmt.Errorf("attribute access in {%s} is not supported", name)
		}
		// path[0] == '['
		k := strings.IndexByte(path, ']')
		if k < 0 {
			return nil, fmt.Errorf("Missing ']' in format string")
		}
		key := path[1:k]
		if key == "" {
			return nil, fmt.Errorf("Empty attribute in format string")
		}
		path = path[k+1:]
		if path != "" && path[0] != '.' && path[0] != '[' {
			return nil, fmt.Errorf("Only '.' or '[' may follow ']' in format field specifier")
		}
		switch x := v.(type) {
		case []any:
			n, ok := atoiSmall(key)
			if !allDigits(key) || !ok {
				return nil, fmt.Errorf("list indices must be integers or slices, not str")
			}
			if n >= len(x) {
				return nil, fmt.Errorf("list index out of range")
			}
			v = x[n]
		case *value.Map:
			if allDigits(key) {
				return nil, fmt.Errorf("KeyError: %s", key)
			}
			e, ok := x.Get(key)
			if !ok {
				return nil, fmt.Errorf("KeyError: %s", value.Repr(key))
			}
			v = e
		case string:
			n, ok := atoiSmall(key)
			if !allDigits(key) || !ok {
				return nil, fmt.Errorf("string indices must be integers, not 'str'")
			}
			rs := []rune(x)
			if n >= len(rs) {
				return nil, fmt.Errorf("string index out of range")
			}
			v = string(rs[n])
		default:
			return nil, fmt.Errorf("'%s' object is not subscriptable", value.TypeName(v))
		}
	}
	return v, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigitByte(s[i]) {
			return false
		}
	}
	return true
}

// atoiSmall parses a run of ASCII digits that fits in an int32.
func atoiSmall(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
		if n > 1<<31-1 {
			return 0, false
		}
	}
	return n, true
}

// pyASCII is Python's ascii(): repr text with non-ASCII escaped.
func pyASCII(s string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	return b.String()
}

// fmtSpec is a parsed Python format specification mini-language string.
type fmtSpec struct {
	fill     rune
	align    byte // 0, '<', '>', '^', '='
	sign     byte // 0, '+', '-', ' '
	z        bool
	alt      bool
	width    int
	grouping byte // 0, ',', '_'
	prec     int  // -1 when absent
	typ      byte // 0 when absent
}

func parseSpec(spec string, typeName string) (fmtSpec, error) {
	p := fmtSpec{fill: ' ', prec: -1}
	isAlign := func(c byte) bool { return c == '<' || c == '>' || c == '^' || c == '=' }
	i := 0
	if r, size := utf8.DecodeRuneInString(spec); size > 0 && size < len(spec) && isAlign(spec[size]) {
		p.fill, p.align, i = r, spec[size], size+1
	} else if len(spec) > 0 && isAlign(spec[0]) {
		p.align, i = spec[0], 1
	}
	if i < len(spec) && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' ') {
		p.sign = spec[i]
		i++
	}
	if i < len(spec) && spec[i] == 'z' {
		p.z = true
		i++
	}
	if i < len(spec) && spec[i] == '#' {
		p.alt = true
		i++
	}
	if i < len(spec) && spec[i] == '0' {
		if p.align == 0 {
			p.fill, p.align = '0', '='
		}
		i++
	}
	start := i
	for i < len(spec) && isDigitByte(spec[i]) {
		i++
	}
	if i > start {
		n, ok := atoiSmall(spec[start:i])
		if !ok {
			return p, fmt.Errorf("Too many decimal digits in format string")
		}
		p.width = n
	}
	if i < len(spec) && (spec[i] == ',' || spec[i] == '_') {
		p.grouping = spec[i]
		i++
	}
	if i < len(spec) && spec[i] == '.' {
		i++
		start = i
		for i < len(spec) && isDigitByte(spec[i]) {
			i++
		}
		if i == start {
			return p, fmt.Errorf("Format specifier missing precision")
		}
		n, ok := atoiSmall(spec[start:i])
		if !ok {
			return p, fmt.Errorf("Too many decimal digits in format string")
		}
		p.prec = n
	}
	if len(spec)-i > 1 {
		return p, fmt.Errorf("Invalid format specifier '%s' for object of type '%s'", spec, typeName)
	}
	if i < len(spec) {
		p.typ = spec[i]
	}
	return p, nil
}

// formatSpec is Python's format(v, spec).
func formatSpec(v any, spec string) (string, error) {
	switch x := v.(type) {
	case string:
		if spec == "" {
			return x, nil
		}
		return formatStrSpec(x, spec)
	case bool:
		if spec == "" {
			return value.Str(x), nil
		}
		n, _ := value.Int(x)
		return formatIntSpec(int64(n), spec, "bool")
	case int:
		if spec == "" {
			return value.Str(x), nil
		}
		return formatIntSpec(int64(x), spec, "int")
	case int64:
		return formatIntSpec(x, spec, "int")
	case float64:
		if spec == "" {
			return value.FormatFloat(x), nil
		}
		return formatFloatSpec(x, spec)
	case value.DateTime, value.Date, value.TimeOfDay:
		if spec == "" {
			return value.Str(x), nil
		}
		// datetime.__format__ is strftime; the time family implements it.
		if fd, ok := Lookup("format_datetime"); ok {
			out, err := fd.Call(x, spec)
			if err != nil {
				return "", err
			}
			if s, ok := out.(string); ok {
				return s, nil
			}
		}
		return "", fmt.Errorf("format specs are not supported for %s values", value.TypeName(x))
	}
	if spec == "" {
		return value.Str(v), nil
	}
	return "", fmt.Errorf("unsupported format string passed to %s.__format__", value.TypeName(v))
}

func formatStrSpec(s, spec string) (string, error) {
	p, err := parseSpec(spec, "str")
	if err != nil {
		return "", err
	}
	switch {
	case p.typ != 0 && p.typ != 's':
		return "", fmt.Errorf("Unknown format code '%c' for object of type 'str'", p.typ)
	case p.sign != 0:
		return "", fmt.Errorf("Sign not allowed in string format specifier")
	case p.alt:
		return "", fmt.Errorf("Alternate form (#) not allowed in string format specifier")
	case p.align == '=':
		return "", fmt.Errorf("'=' alignment not allowed in string format specifier")
	case p.grouping != 0:
		return "", fmt.Errorf("Cannot specify '%c' with 's'.", p.grouping)
	}
	if p.prec >= 0 && utf8.RuneCountInString(s) > p.prec {
		s = string([]rune(s)[:p.prec])
	}
	return pad("", s, p, '<'), nil
}

func formatIntSpec(n int64, spec, typeName string) (string, error) {
	p, err := parseSpec(spec, typeName)
	if err != nil {
		return "", err
	}
	switch p.typ {
	case 'e', 'E', 'f', 'F', 'g', 'G', '%':
		return formatFloatSpec(float64(n), spec)
	case 0, 'd', 'n', 'b', 'o', 'x', 'X', 'c':
	default:
		return "", fmt.Errorf("Unknown format code '%c' for object of type '%s'", p.typ, typeName)
	}
	if p.prec >= 0 {
		return "", fmt.Errorf("Precision not allowed in integer format specifier")
	}
	if p.typ == 'c' {
		if p.sign != 0 {
			return "", fmt.Errorf("Sign not allowed with integer format specifier 'c'")
		}
		if n < 0 || n > unicode.MaxRune {
			return "", fmt.Errorf("%%c arg not in range(0x110000)")
		}
		return pad("", string(rune(n)), p, '<'), nil
	}
	neg := n < 0
	u := uint64(n)
	if neg {
		u = -u
	}
	base, prefix := 10, ""
	switch p.typ {
	case 'b':
		base, prefix = 2, "0b"
	case 'o':
		base, prefix = 8, "0o"
	case 'x':
		base, prefix = 16, "0x"
	case 'X':
		base, prefix = 16, "0X"
	}
	if p.grouping == ',' && base != 10 {
		return "", fmt.Errorf("Cannot specify ',' with '%c'.", p.typ)
	}
	digits := uintText(u, base)
	if p.typ == 'X' {
		digits = strings.ToUpper(digits)
	}
	if p.grouping != 0 {
		every := 3
		if base != 10 {
			every = 4
		}
		digits = group(digits, len(digits), p.grouping, every)
	}
	head := signText(neg, p.sign)
	if p.alt {
		head += prefix
	}
	return pad(head, digits, p, '>'), nil
}

func uintText(u uint64, base int) string {
	const digits = "0123456789abcdef"
	if u == 0 {
		return "0"
	}
	var buf [64]byte
	i := len(buf)
	for u > 0 {
		i--
		buf[i] = digits[u%uint64(base)]
		u /= uint64(base)
	}
	return string(buf[i:])
}

func signText(neg bool, sign byte) string {
	switch {
	case neg:
		return "-"
	case sign == '+':
		return "+"
	case sign == ' ':
		return " "
	}
	return ""
}

// group inserts sep every n characters from the right of s[:intEnd], the
// integer part of a number's text.
func group(s string, intEnd int, sep byte, n int) string {
	intPart := s[:intEnd]
	if len(intPart) <= n {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(intPart)/n)
	first := len(intPart) % n
	b.WriteString(intPart[:first])
	for i := first; i < len(intPart); i += n {
		if i > 0 {
			b.WriteByte(sep)
		}
		b.WriteString(intPart[i : i+n])
	}
	b.WriteString(s[intEnd:])
	return b.String()
}

func formatFloatSpec(f float64, spec string) (string, error) {
	p, err := parseSpec(spec, "float")
	if err != nil {
		return "", err
	}
	switch p.typ {
	case 0, 'e', 'E', 'f', 'F', 'g', 'G', 'n', '%':
	default:
		return "", fmt.Errorf("Unknown format code '%c' for object of type 'float'", p.typ)
	}
	if p.grouping == ',' && p.typ == 'n' {
		return "", fmt.Errorf("Cannot specify ',' with 'n'.")
	}
	neg := math.Signbit(f) && !math.IsNaN(f)
	a := math.Abs(f)
	upper := p.typ == 'E' || p.typ == 'F' || p.typ == 'G'
	var body string
	switch {
	case math.IsNaN(f):
		body = "nan"
	case math.IsInf(f, 0):
		body = "inf"
	default:
		prec := p.prec
		switch p.typ {
		case 'e', 'E':
			if prec < 0 {
				prec = 6
			}
			body = strconv.FormatFloat(a, 'e', prec, 64)
		case 'f', 'F':
			if prec < 0 {
				prec = 6
			}
			body = strconv.FormatFloat(a, 'f', prec, 64)
		case '%':
			if prec < 0 {
				prec = 6
			}
			body = strconv.FormatFloat(a*100, 'f', prec, 64) + "%"
		case 'g', 'G', 'n':
			if prec < 0 {
				prec = 6
			}
			if prec == 0 {
				prec = 1
			}
			body = strconv.FormatFloat(a, 'g', prec, 64)
		default:
			if prec < 0 {
				body = value.FormatFloat(a)
			} else {
				if prec == 0 {
					prec = 1
				}
				body = strconv.FormatFloat(a, 'g', prec, 64)
				if !strings.ContainsAny(body, ".e") {
					body += ".0"
				}
			}
		}
		if p.alt && !strings.Contains(body, ".") {
			if k := strings.IndexAny(body, "e%"); k >= 0 {
				body = body[:k] + "." + body[k:]
			} else {
				body += "."
			}
		}
		if neg && p.z && isZeroText(body) {
			neg = false
		}
	}
	if upper {
		body = strings.ToUpper(body)
	}
	if p.grouping != 0 {
		end := 0
		for end < len(body) && isDigitByte(body[end]) {
			end++
		}
		body = group(body, end, p.grouping, 3)
	}
	return pad(signText(neg, p.sign), body, p, '>'), nil
}

func isZeroText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '1' && c <= '9' {
			return false
		} else if c == 'e' {
			break
		}
	}
	return true
}

// pad applies width, fill and alignment to a formatted value whose sign
// (and base prefix) is head.
func pad(head, body string, p fmtSpec, defAlign byte) string {
	n := utf8.RuneCountInString(head) + utf8.RuneCountInString(body)
	if p.width <= n {
		return head + body
	}
	fill := strings.Repeat(string(p.fill), p.width-n)
	align := p.align
	if align == 0 {
		align = defAlign
	}
	switch align {
	case '<':
		return head + body + fill
	case '^':
		left := (p.width - n) / 2
		l := strings.Repeat(string(p.fill), left)
		r := strings.Repeat(string(p.fill), p.width-n-left)
		return l + head + body + r
	case '=':
		return head + fill + body
	}
	return fill + head + body
}

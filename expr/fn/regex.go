package fn

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Regex functions: regex_extract, regex_match, regex_not_match.
//
// Patterns are written for Python's re module and run on Go's RE2 engine.
// translatePattern rewrites the Python-only syntax that has an RE2
// equivalent (\Z, \uXXXX, octal escapes, {,n}, (?x) verbose patterns,
// Unicode \d \w \s) and rejects, with an error that says so, what RE2 cannot
// do: lookaround, backreferences, atomic groups, possessive quantifiers and
// conditionals. Python's "$" also matching before a final newline is
// emulated by also trying the text without that newline. One difference
// remains: \b and \B are ASCII-only word boundaries in RE2.

func init() {
	register(&Func{Name: "regex_extract", MinArgs: 2, MaxArgs: 2, Doc: "First capture group that matched (else the whole match, else null) of the first match of a pattern in a text.", Call: rxExtract})
	register(&Func{Name: "regex_match", MinArgs: 2, MaxArgs: 2, Doc: "Whether a pattern matches at the start of a text (Python re.match).", Call: rxMatch})
	register(&Func{Name: "regex_not_match", MinArgs: 2, MaxArgs: 2, Doc: "Whether a pattern does not match at the start of a text.", Call: rxNotMatch})
}

func rxArgs(fn string, args []any, anchored bool) (*pyRegexp, string, error) {
	pattern, err := argStr(fn, args, 0)
	if err != nil {
		return nil, "", err
	}
	text, err := argStr(fn, args, 1)
	if err != nil {
		return nil, "", err
	}
	re, err := compilePy(fn, pattern, anchored)
	return re, text, err
}

func rxExtract(args ...any) (any, error) {
	re, text, err := rxArgs("regex_extract", args, false)
	if err != nil {
		return nil, err
	}
	loc := re.find(text)
	if loc == nil {
		return nil, nil
	}
	for g := 2; g+1 < len(loc); g += 2 {
		if loc[g] >= 0 {
			return text[loc[g]:loc[g+1]], nil
		}
	}
	return text[loc[0]:loc[1]], nil
}

func rxMatch(args ...any) (any, error) {
	re, text, err := rxArgs("regex_match", args, true)
	if err != nil {
		return nil, err
	}
	return re.match(text), nil
}

func rxNotMatch(args ...any) (any, error) {
	re, text, err := rxArgs("regex_not_match", args, true)
	if err != nil {
		return nil, err
	}
	return !re.match(text), nil
}

// pyRegexp is a translated Python pattern.
type pyRegexp struct {
	re *regexp.Regexp
	// dollar is set when the pattern has a "$" outside multiline mode:
	// Python's "$" also matches just before a newline that ends the text.
	dollar bool
}

func (r *pyRegexp) find(text string) []int {
	loc := r.re.FindStringSubmatchIndex(text)
	if r.dollar && strings.HasSuffix(text, "\n") {
		alt := r.re.FindStringSubmatchIndex(text[:len(text)-1])
		if alt != nil && (loc == nil || alt[0] < loc[0]) {
			loc = alt
		}
	}
	return loc
}

func (r *pyRegexp) match(text string) bool {
	if r.re.MatchString(text) {
		return true
	}
	return r.dollar && strings.HasSuffix(text, "\n") && r.re.MatchString(text[:len(text)-1])
}

type rxKey struct {
	pattern  string
	anchored bool
}

// rxCache keeps compiled patterns; templates use a handful of fixed
// patterns, so the cache is simply emptied when it grows past rxCacheMax.
var rxCache = struct {
	sync.RWMutex
	m map[rxKey]*pyRegexp
}{m: map[rxKey]*pyRegexp{}}

const rxCacheMax = 512

func compilePy(fn, pattern string, anchored bool) (*pyRegexp, error) {
	key := rxKey{pattern, anchored}
	rxCache.RLock()
	r, ok := rxCache.m[key]
	rxCache.RUnlock()
	if ok {
		return r, nil
	}
	tr, err := translatePattern(pattern)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	src := tr.expr
	if anchored {
		src = `\A(?:` + src + `)`
	}
	re, err := regexp.Compile(src)
	if err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s: invalid regular expression %q: %s", fn, pattern, se.Code)
		}
		return nil, fmt.Errorf("%s: invalid regular expression %q: %v", fn, pattern, err)
	}
	r = &pyRegexp{re: re, dollar: tr.dollar && !tr.multiline}
	rxCache.Lock()
	if len(rxCache.m) >= rxCacheMax {
		rxCache.m = map[rxKey]*pyRegexp{}
	}
	rxCache.m[key] = r
	rxCache.Unlock()
	return r, nil
}

type translated struct {
	expr      string
	dollar    bool
	multiline bool
}

// unsupported reports Python syntax that RE2 lacks.
func unsupported(what, token string) error {
	return fmt.Errorf("pattern uses %s %q, which Go's RE2 engine does not support (Python re does); rewrite the pattern without it", what, token)
}

// Unicode-aware forms of Python's character class escapes (str patterns).
const (
	pyWordSet  = `\p{L}\p{N}_`
	pySpaceSet = `\s\v\x{1c}-\x{1f}\x{85}\p{Z}`
)

// translatePattern rewrites a Python re pattern into RE2 syntax.
func translatePattern(p string) (translated, error) {
	var (
		b       strings.Builder
		t       translated
		inClass bool
		verbose bool
		ascii   bool
	)
	b.Grow(len(p) + 8)
	for i := 0; i < len(p); {
		c := p[i]
		if inClass {
			switch c {
			case ']':
				inClass = false
				b.WriteByte(']')
				i++
			case '[':
				b.WriteString(`\[`)
				i++
			case '\\':
				n, err := translateEscape(&b, p, i, true, ascii)
				if err != nil {
					return t, err
				}
				i += n
			default:
				b.WriteByte(c)
				i++
			}
			continue
		}
		if verbose {
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
				i++
				continue
			}
			if c == '#' {
				for i < len(p) && p[i] != '\n' {
					i++
				}
				continue
			}
		}
		switch c {
		case '\\':
			n, err := translateEscape(&b, p, i, false, ascii)
			if err != nil {
				return t, err
			}
			i += n
		case '[':
			inClass = true
			b.WriteByte('[')
			i++
			if i < len(p) && p[i] == '^' {
				b.WriteByte('^')
				i++
			}
			if i < len(p) && p[i] == ']' {
				b.WriteString(`\]`)
				i++
			}
		case '(':
			n, err := translateGroup(&b, p, i, &verbose, &ascii, &t)
			if err != nil {
				return t, err
			}
			i += n
		case '$':
			t.dollar = true
			b.WriteByte('$')
			i++
		case '{':
			// Python reads {,n} as {0,n}; a brace that starts no valid
			// repeat is a literal in both engines.
			j := i + 1
			for j < len(p) && (isDigitByte(p[j]) || p[j] == ',') {
				j++
			}
			body := p[i+1 : j]
			if j < len(p) && p[j] == '}' && body != "" && body != "," && strings.Count(body, ",") <= 1 {
				if body[0] == ',' {
					body = "0" + body
				}
				b.WriteString("{" + body + "}")
				q := p[i : j+1]
				i = j + 1
				if err := checkPossessive(p, i, q); err != nil {
					return t, err
				}
				continue
			}
			b.WriteString(`\{`)
			i++
		case '*', '+', '?':
			b.WriteByte(c)
			i++
			if err := checkPossessive(p, i, string(c)); err != nil {
				return t, err
			}
		default:
			b.WriteByte(c)
			i++
		}
	}
	if inClass {
		return t, fmt.Errorf("unterminated character set in pattern %q", p)
	}
	t.expr = b.String()
	return t, nil
}

func checkPossessive(p string, i int, q string) error {
	if i < len(p) && p[i] == '+' {
		return unsupported("possessive quantifier", q+"+")
	}
	return nil
}

// translateGroup handles "(" at p[i] and returns how many bytes it used.
func translateGroup(b *strings.Builder, p string, i int, verbose, ascii *bool, t *translated) (int, error) {
	rest := p[i:]
	switch {
	case !strings.HasPrefix(rest, "(?"):
		b.WriteByte('(')
		return 1, nil
	case strings.HasPrefix(rest, "(?#"):
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return 0, fmt.Errorf("missing ), unterminated comment in pattern %q", p)
		}
		return end + 1, nil
	case strings.HasPrefix(rest, "(?="):
		return 0, unsupported("lookahead", "(?=")
	case strings.HasPrefix(rest, "(?!"):
		return 0, unsupported("negative lookahead", "(?!")
	case strings.HasPrefix(rest, "(?<="):
		return 0, unsupported("lookbehind", "(?<=")
	case strings.HasPrefix(rest, "(?<!"):
		return 0, unsupported("negative lookbehind", "(?<!")
	case strings.HasPrefix(rest, "(?P="):
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			end = len(rest) - 1
		}
		return 0, unsupported("named backreference", rest[:end+1])
	case strings.HasPrefix(rest, "(?>"):
		return 0, unsupported("atomic group", "(?>")
	case strings.HasPrefix(rest, "(?("):
		return 0, unsupported("conditional group", "(?(")
	case strings.HasPrefix(rest, "(?P<"), strings.HasPrefix(rest, "(?:"):
		b.WriteString(rest[:3])
		return 3, nil
	case strings.HasPrefix(rest, "(?<"):
		b.WriteString("(?P<")
		return 3, nil
	}
	// Inline flags: (?flags) or (?flags-flags:...)
	j := 2
	for j < len(rest) && strings.IndexByte("aiLmsux-", rest[j]) >= 0 {
		j++
	}
	if j == len(rest) || (rest[j] != ')' && rest[j] != ':') || j == 2 {
		if j < len(rest) {
			return 0, fmt.Errorf("unknown extension ?%c in pattern %q", rest[2], p)
		}
		return 0, fmt.Errorf("missing -, : or ) in pattern %q", p)
	}
	flags, scoped := rest[2:j], rest[j] == ':'
	var keep strings.Builder
	for k := 0; k < len(flags); k++ {
		switch f := flags[k]; f {
		case 'i', 'm', 's', '-':
			if f == 'm' && !scoped && !strings.Contains(flags[:k], "-") {
				t.multiline = true
			}
			keep.WriteByte(f)
		case 'u':
		case 'a':
			*ascii = true
		case 'x':
			if scoped {
				return 0, fmt.Errorf("the scoped verbose flag (?x:...) is not supported; put (?x) at the start of the pattern")
			}
			*verbose = true
		case 'L':
			return 0, fmt.Errorf("bad inline flag: cannot use 'L' flag with a str pattern")
		}
	}
	k := strings.TrimSuffix(keep.String(), "-")
	switch {
	case scoped && k == "":
		b.WriteString("(?:")
	case scoped:
		b.WriteString("(?" + k + ":")
	case k != "":
		b.WriteString("(?" + k + ")")
	}
	return j + 1, nil
}

// translateEscape handles the backslash at p[i] and returns how many bytes
// it used.
func translateEscape(b *strings.Builder, p string, i int, inClass, ascii bool) (int, error) {
	if i+1 >= len(p) {
		return 0, fmt.Errorf("bad escape (end of pattern) in %q", p)
	}
	c := p[i+1]
	isOct := func(k int) bool { return k < len(p) && p[k] >= '0' && p[k] <= '7' }
	writeCode := func(r int64) { b.WriteString(`\x{` + strconv.FormatInt(r, 16) + `}`) }
	switch {
	case c == '0':
		j := i + 2
		for j < i+4 && isOct(j) {
			j++
		}
		v, _ := strconv.ParseInt(p[i+1:j], 8, 32)
		writeCode(v)
		return j - i, nil
	case c >= '1' && c <= '9':
		if isOct(i+1) && isOct(i+2) && isOct(i+3) || inClass {
			j := i + 1
			for j < i+4 && isOct(j) {
				j++
			}
			if j == i+1 {
				return 0, fmt.Errorf("bad escape \\%c in pattern %q", c, p)
			}
			v, _ := strconv.ParseInt(p[i+1:j], 8, 32)
			if v > 0o377 {
				return 0, fmt.Errorf("octal escape value \\%s outside of range 0-0o377", p[i+1:j])
			}
			writeCode(v)
			return j - i, nil
		}
		j := i + 2
		if j < len(p) && isDigitByte(p[j]) {
			j++
		}
		return 0, unsupported("backreference", p[i:j])
	case c == 'd' || c == 'D':
		if ascii {
			b.WriteString(p[i : i+2])
		} else if c == 'd' {
			b.WriteString(`\p{Nd}`)
		} else {
			b.WriteString(`\P{Nd}`)
		}
	case c == 'w' || c == 'W' || c == 's' || c == 'S':
		writeClassEscape(b, c, inClass, ascii)
	case c == 'b':
		if inClass {
			b.WriteString(`\x{8}`)
		} else {
			b.WriteString(`\b`)
		}
	case c == 'B' || c == 'A' || c == 'Z' || c == 'z':
		if inClass {
			return 0, fmt.Errorf("bad escape \\%c in pattern %q", c, p)
		}
		if c == 'Z' {
			b.WriteString(`\z`)
		} else {
			b.WriteString(p[i : i+2])
		}
	case c == 'a' || c == 'f' || c == 'n' || c == 'r' || c == 't' || c == 'v':
		b.WriteString(p[i : i+2])
	case c == 'x' || c == 'u' || c == 'U':
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
		hex := p[i+2 : min(i+2+n, len(p))]
		v, err := strconv.ParseUint(hex, 16, 32)
		if len(hex) < n || err != nil || strings.ContainsAny(hex, "+-") {
			return 0, fmt.Errorf("incomplete escape \\%c%s in pattern %q", c, hex, p)
		}
		if v > utf8.MaxRune {
			return 0, fmt.Errorf("bad escape \\%c%s in pattern %q", c, hex, p)
		}
		writeCode(int64(v))
		return 2 + n, nil
	case c == 'N':
		return 0, fmt.Errorf("named Unicode escapes (\\N{...}) are not supported; write the character itself or \\uXXXX")
	case c >= utf8.RuneSelf:
		_, size := utf8.DecodeRuneInString(p[i+1:])
		b.WriteString(p[i+1 : i+1+size])
		return 1 + size, nil
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		return 0, fmt.Errorf("bad escape \\%c in pattern %q", c, p)
	default:
		b.WriteString(p[i : i+2])
	}
	return 2, nil
}

func writeClassEscape(b *strings.Builder, c byte, inClass, ascii bool) {
	if ascii {
		switch c {
		case 's':
			if inClass {
				b.WriteString(`\s\v`)
			} else {
				b.WriteString(`[\s\v]`)
			}
		case 'S':
			if inClass {
				b.WriteString(`\S`)
			} else {
				b.WriteString(`[^\s\v]`)
			}
		default:
			b.WriteByte('\\')
			b.WriteByte(c)
		}
		return
	}
	set := pyWordSet
	if c == 's' || c == 'S' {
		set = pySpaceSet
	}
	switch {
	case c == 'w' || c == 's':
		if inClass {
			b.WriteString(set)
		} else {
			b.WriteString("[" + set + "]")
		}
	case inClass:
		// A negated class cannot be nested in a set in RE2: fall back to
		// the ASCII meaning.
		b.WriteByte('\\')
		b.WriteByte(c)
	default:
		b.WriteString("[^" + set + "]")
	}
}

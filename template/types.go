package template

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is the shape of a [Type].
type Kind int

const (
	// KindAny accepts every value unchanged (`any` or `Any`).
	KindAny Kind = iota
	// KindStr accepts strings (`str`).
	KindStr
	// KindInt accepts integers (`int`).
	KindInt
	// KindFloat accepts numbers (`float`).
	KindFloat
	// KindBool accepts booleans (`bool`).
	KindBool
	// KindDatetime accepts ISO 8601 datetimes and unix timestamps (`datetime`).
	KindDatetime
	// KindDuration accepts ISO 8601 durations and numbers of seconds (`duration`).
	KindDuration
	// KindNone accepts only null (`None`).
	KindNone
	// KindList accepts lists whose items match Elem (`list[T]`).
	KindList
	// KindDict accepts mappings whose keys match Key and values match Val
	// (`dict[K, V]`, or bare `dict` for dict[str, Any]).
	KindDict
	// KindEnum accepts one of the strings in Enum (`enum["a", "b"]`).
	KindEnum
	// KindUnion accepts a value that matches one of Members (`A | B`).
	KindUnion
)

var kindNames = [...]string{
	KindAny:      "Any",
	KindStr:      "str",
	KindInt:      "int",
	KindFloat:    "float",
	KindBool:     "bool",
	KindDatetime: "datetime",
	KindDuration: "duration",
	KindNone:     "None",
	KindList:     "list",
	KindDict:     "dict",
	KindEnum:     "enum",
	KindUnion:    "union",
}

// String returns the keyword of the kind as written in a type: "str",
// "list", "Any"; KindUnion is "union".
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Type is a parsed `expects` type, such as `list[dict[str, Any]] | None`.
// Types are immutable once parsed and safe to share between goroutines.
type Type struct {
	Kind     Kind
	Elem     *Type    // KindList: the item type
	Key, Val *Type    // KindDict: key and value types (bare `dict` = dict[str, Any])
	Members  []*Type  // KindUnion: at least two members, flattened, in written order
	Enum     []string // KindEnum: the accepted values, in written order
}

// TypeSyntaxError is the error [ParseType] returns for a malformed type.
type TypeSyntaxError struct {
	Offset int    // 0-based byte offset in the type text of the offending character
	Msg    string // lowercase message without a trailing period
}

// Error returns the message.
func (e *TypeSyntaxError) Error() string { return e.Msg }

// Limits of the type language.
const (
	maxEnumValues = 20  // Tracecat's limit
	maxTypeNest   = 100 // guards the recursive parser against absurd input
)

const knownTypes = "str, int, float, bool, datetime, duration, any, None, list[...], dict[...], enum[...]"

var primitiveKinds = map[string]Kind{
	"int":      KindInt,
	"str":      KindStr,
	"bool":     KindBool,
	"float":    KindFloat,
	"datetime": KindDatetime,
	"duration": KindDuration,
	"any":      KindAny,
	"Any":      KindAny,
	"None":     KindNone,
}

// ParseType parses a type string such as "list[dict[str, Any]] | None".
//
// The grammar is Tracecat's: the primitives int, str, bool, float, datetime,
// duration, any, Any and None; list[T]; dict or dict[K, V]; enum["a", 'b']
// with 1 to 20 distinct (ignoring case), non-empty values; and unions A | B
// of any of these, also inside list and dict. Whitespace is free. References
// ($name) are not supported. On error it returns a *[TypeSyntaxError].
func ParseType(s string) (*Type, error) {
	p := &typeParser{src: s}
	p.skipSpace()
	if p.eof() {
		return nil, p.errAt(p.pos, "empty type")
	}
	t, err := p.parseUnion("", 0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.eof() {
		return nil, p.errAt(p.pos, "unexpected %s after type", p.quoteCur())
	}
	return t, nil
}

type typeParser struct {
	src string
	pos int
}

func (p *typeParser) eof() bool { return p.pos >= len(p.src) }

func (p *typeParser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			p.pos++
		default:
			return
		}
	}
}

func (p *typeParser) errAt(off int, format string, args ...any) *TypeSyntaxError {
	return &TypeSyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// quoteCur quotes the character at the current position for a message.
func (p *typeParser) quoteCur() string {
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	if r == utf8.RuneError {
		return fmt.Sprintf(`byte 0x%02x`, p.src[p.pos])
	}
	return strconv.Quote(string(r))
}

// after describes what came before an expected type, for messages:
// nothing at the start, otherwise ` after "list["` and the like.
func after(ctx string) string {
	if ctx == "" {
		return ""
	}
	return " after " + ctx
}

// parseUnion parses `term ("|" term)*`. ctx names what precedes the first
// term (`"list["`), for messages.
func (p *typeParser) parseUnion(ctx string, depth int) (*Type, error) {
	if depth > maxTypeNest {
		return nil, p.errAt(p.pos, "type is nested too deeply")
	}
	first, err := p.parseTerm(ctx, depth)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.eof() || p.src[p.pos] != '|' {
		return first, nil
	}
	members := []*Type{first}
	for !p.eof() && p.src[p.pos] == '|' {
		p.pos++
		t, err := p.parseTerm(`"|"`, depth)
		if err != nil {
			return nil, err
		}
		members = append(members, t)
		p.skipSpace()
	}
	return &Type{Kind: KindUnion, Members: members}, nil
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// parseTerm parses one non-union type.
func (p *typeParser) parseTerm(ctx string, depth int) (*Type, error) {
	p.skipSpace()
	if p.eof() {
		return nil, p.errAt(p.pos, "expected a type%s, got end of text", after(ctx))
	}
	start := p.pos
	c := p.src[p.pos]
	if c == '$' {
		return nil, p.errAt(start, "type references ($name) are not supported")
	}
	if !isIdentByte(c) {
		return nil, p.errAt(start, "expected a type%s, got %s", after(ctx), p.quoteCur())
	}
	for !p.eof() && isIdentByte(p.src[p.pos]) {
		p.pos++
	}
	word := p.src[start:p.pos]
	if k, ok := primitiveKinds[word]; ok {
		return &Type{Kind: k}, nil
	}
	switch word {
	case "list":
		return p.parseList(start, depth)
	case "dict":
		return p.parseDict(depth)
	case "enum":
		return p.parseEnum(start)
	}
	return nil, p.errAt(start, "unknown type %q; expected one of %s", word, knownTypes)
}

// open consumes optional space and a "[" and reports whether it did.
func (p *typeParser) open() bool {
	save := p.pos
	p.skipSpace()
	if !p.eof() && p.src[p.pos] == '[' {
		p.pos++
		return true
	}
	p.pos = save
	return false
}

// expect consumes optional space and the byte c, or fails with msg at the
// offending character.
func (p *typeParser) expect(c byte, msg string) error {
	p.skipSpace()
	if p.eof() || p.src[p.pos] != c {
		return p.errAt(p.pos, "%s", msg)
	}
	p.pos++
	return nil
}

func (p *typeParser) parseList(start, depth int) (*Type, error) {
	if !p.open() {
		return nil, p.errAt(start, "list needs an item type, e.g. list[str]")
	}
	elem, err := p.parseUnion(`"list["`, depth+1)
	if err != nil {
		return nil, err
	}
	if err := p.expect(']', `expected "]" to close "list["`); err != nil {
		return nil, err
	}
	return &Type{Kind: KindList, Elem: elem}, nil
}

func (p *typeParser) parseDict(depth int) (*Type, error) {
	if !p.open() {
		return &Type{Kind: KindDict, Key: &Type{Kind: KindStr}, Val: &Type{Kind: KindAny}}, nil
	}
	key, err := p.parseUnion(`"dict["`, depth+1)
	if err != nil {
		return nil, err
	}
	if err := p.expect(',', `expected "," between the key and value types of "dict["`); err != nil {
		return nil, err
	}
	val, err := p.parseUnion(`"," in "dict["`, depth+1)
	if err != nil {
		return nil, err
	}
	if err := p.expect(']', `expected "]" to close "dict["`); err != nil {
		return nil, err
	}
	return &Type{Kind: KindDict, Key: key, Val: val}, nil
}

func (p *typeParser) parseEnum(start int) (*Type, error) {
	if !p.open() {
		return nil, p.errAt(start, `enum needs its values, e.g. enum["a", "b"]`)
	}
	var vals []string
	seen := map[string]string{} // lowercased -> first spelling
	for {
		p.skipSpace()
		if p.eof() || (p.src[p.pos] != '"' && p.src[p.pos] != '\'') {
			got := "end of text"
			if !p.eof() {
				got = p.quoteCur()
			}
			return nil, p.errAt(p.pos, `expected a quoted string in "enum[", got %s`, got)
		}
		qpos := p.pos
		v, err := p.parseString()
		if err != nil {
			return nil, err
		}
		switch {
		case v == "":
			return nil, p.errAt(qpos, "enum values must not be empty")
		case len(vals) == maxEnumValues:
			return nil, p.errAt(qpos, "too many enum values: at most %d are allowed", maxEnumValues)
		}
		low := strings.ToLower(v)
		if prev, dup := seen[low]; dup {
			if prev == v {
				return nil, p.errAt(qpos, "duplicate enum value %q", v)
			}
			return nil, p.errAt(qpos, "duplicate enum value %q: same as %q when case is ignored", v, prev)
		}
		seen[low] = v
		vals = append(vals, v)
		p.skipSpace()
		if p.eof() {
			return nil, p.errAt(p.pos, `expected "]" to close "enum["`)
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return &Type{Kind: KindEnum, Enum: vals}, nil
		default:
			return nil, p.errAt(p.pos, `expected "," or "]" after an enum value, got %s`, p.quoteCur())
		}
	}
}

// parseString reads a '...' or "..." literal at p.pos. A backslash makes the
// next character literal.
func (p *typeParser) parseString() (string, error) {
	open := p.pos
	q := p.src[p.pos]
	p.pos++
	var b strings.Builder
	for !p.eof() {
		c := p.src[p.pos]
		switch {
		case c == q:
			p.pos++
			return b.String(), nil
		case c == '\\' && p.pos+1 < len(p.src):
			b.WriteByte(p.src[p.pos+1])
			p.pos += 2
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errAt(open, "unterminated string in \"enum[\": missing closing %c", q)
}

// String returns the canonical text of t: members joined by " | ", one
// space after commas, `Any` for any, double-quoted enum values:
// `list[int | str] | None`, `dict[str, Any]`, `enum["a", "b"]`.
// ParseType of the result gives back an equal type.
func (t *Type) String() string {
	var b strings.Builder
	t.write(&b)
	return b.String()
}

func (t *Type) write(b *strings.Builder) {
	if t == nil {
		b.WriteString("<nil>")
		return
	}
	switch t.Kind {
	case KindList:
		b.WriteString("list[")
		t.Elem.write(b)
		b.WriteByte(']')
	case KindDict:
		b.WriteString("dict[")
		t.Key.write(b)
		b.WriteString(", ")
		t.Val.write(b)
		b.WriteByte(']')
	case KindEnum:
		b.WriteString("enum[")
		for i, v := range t.Enum {
			if i > 0 {
				b.WriteString(", ")
			}
			writeEnumValue(b, v)
		}
		b.WriteByte(']')
	case KindUnion:
		for i, m := range t.Members {
			if i > 0 {
				b.WriteString(" | ")
			}
			m.write(b)
		}
	default:
		b.WriteString(t.Kind.String())
	}
}

// writeEnumValue writes v in double quotes, escaping what parseString would
// otherwise misread.
func writeEnumValue(b *strings.Builder, v string) {
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('"')
}

// Optional reports whether t accepts None: it is None or Any, or a union
// with such a member. It says nothing about whether an input is required,
// which only a default decides.
func (t *Type) Optional() bool {
	if t == nil {
		return false
	}
	switch t.Kind {
	case KindNone, KindAny:
		return true
	case KindUnion:
		for _, m := range t.Members {
			if m.Optional() {
				return true
			}
		}
	}
	return false
}

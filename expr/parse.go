package expr

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/actuatehq/actuate/expr/fn"
)

// Error is a problem with an expression: a syntax error or an unknown name
// found when compiling, or a failure while evaluating. Offset and End are
// byte offsets into the text given to [Compile] or [CompileExpr] (the whole
// template string, delimiters included), so a caller can point at the
// offending character.
type Error struct {
	Offset, End int
	Msg         string
}

// Error returns the message without position; callers add the place.
func (e *Error) Error() string { return e.Msg }

func errorAt(pos, end int, format string, args ...any) *Error {
	if end < pos {
		end = pos
	}
	return &Error{Offset: pos, End: end, Msg: fmt.Sprintf(format, args...)}
}

// Token kinds of the expression lexer.
type tokKind int

const (
	tokEOF tokKind = iota
	tokName
	tokInt
	tokFloat
	tokString
	tokOp
)

type token struct {
	kind     tokKind
	text     string // operator or name text; string contents for tokString
	pos, end int
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of expression"
	case tokString:
		return "string " + strconv.Quote(t.text)
	case tokInt, tokFloat:
		return "number " + t.text
	case tokName:
		return "'" + t.text + "'"
	}
	return "'" + t.text + "'"
}

// Contexts an expression can read, and those Tracecat has outside
// templates.
var (
	pathContexts     = map[string]bool{"inputs": true, "steps": true, "ENV": true}
	rejectedContexts = map[string]bool{"TRIGGER": true, "ACTIONS": true, "var": true}
	castTypes        = map[string]bool{"int": true, "float": true, "str": true, "bool": true}
	// keywords are words of the grammar, and words people try from other
	// languages, that cannot start a value.
	keywords = map[string]bool{
		"not": true, "in": true, "is": true, "if": true, "else": true, "for": true,
		"or": true, "and": true, "true": true, "false": true, "null": true, "nil": true,
	}
)

// parser is a recursive-descent parser for Tracecat's expression grammar.
// It reads src[pos:limit] and reports offsets into the whole of src.
type parser struct {
	src   string
	pos   int
	limit int
	tok   token // the current token, already lexed
	depth int
	err   *Error // the first lexing error, kept when a matcher cannot return it
}

const maxNesting = 200

// parse parses the expression in src[start:end].
func parse(src string, start, end int) (node, *Error) {
	p := &parser{src: src, pos: start, limit: end}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tokEOF {
		return nil, errorAt(start, end, "empty expression")
	}
	if p.isName("for") {
		return nil, errorAt(p.tok.pos, p.tok.end, "for_each expressions are not supported in Template Actions")
	}
	n, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if p.isOp("->") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind == tokEOF {
			return nil, errorAt(p.tok.pos, p.tok.end, "missing type after ->; use int, float, str or bool")
		}
		if p.tok.kind != tokName || !castTypes[p.tok.text] {
			return nil, errorAt(p.tok.pos, p.tok.end, "Invalid type %s after ->; use int, float, str or bool", p.tok.describe())
		}
		pos, _ := n.span()
		n = &castNode{pos: pos, end: p.tok.end, typ: p.tok.text, operand: n}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.isOp("->") {
			return nil, errorAt(p.tok.pos, p.tok.end, "only one trailing cast (-> type) is allowed")
		}
	}
	if p.tok.kind != tokEOF {
		return nil, p.unexpected("")
	}
	return n, nil
}

// unexpected reports the current token, with a hint for the mistakes people
// make when they come from Python, JavaScript or expr-lang.
func (p *parser) unexpected(expected string) *Error {
	t := p.tok
	msg := "unexpected " + t.describe()
	if expected != "" {
		msg += "; expected " + expected
	}
	switch {
	case t.kind == tokName && t.text == "or":
		msg += "; there is no 'or' operator: use ||"
	case t.kind == tokName && t.text == "and":
		msg += "; there is no 'and' operator: use &&"
	case t.kind == tokName && (t.text == "true" || t.text == "false"):
		msg += "; booleans are written True and False"
	case t.kind == tokName && (t.text == "null" || t.text == "nil"):
		msg += "; the null value is written None"
	case t.kind == tokOp && t.text == "?":
		msg += "; the conditional is written: value if condition else other"
	case t.kind == tokOp && t.text == "!":
		msg += "; negation is written: not value"
	case t.kind == tokOp && t.text == "=":
		msg += "; comparison is written =="
	}
	return errorAt(t.pos, t.end, "%s", msg)
}

func (p *parser) isOp(op string) bool  { return p.tok.kind == tokOp && p.tok.text == op }
func (p *parser) isName(n string) bool { return p.tok.kind == tokName && p.tok.text == n }
func (p *parser) peekByte(i int) byte {
	if i < p.limit {
		return p.src[i]
	}
	return 0
}

// advance lexes the next token from p.pos.
func (p *parser) advance() *Error {
	if err := p.lex(); err != nil {
		if p.err == nil {
			p.err = err
		}
		return err
	}
	return nil
}

func (p *parser) lex() *Error {
	for p.pos < p.limit && isSpace(p.src[p.pos]) {
		p.pos++
	}
	start := p.pos
	if start >= p.limit {
		p.tok = token{kind: tokEOF, pos: p.limit, end: p.limit}
		return nil
	}
	c := p.src[start]
	switch {
	case isIdentStart(c):
		i := start + 1
		for i < p.limit && isIdentByte(p.src[i]) {
			i++
		}
		p.tok = token{kind: tokName, text: p.src[start:i], pos: start, end: i}
		p.pos = i
		return nil
	case isDigit(c):
		i := start + 1
		for i < p.limit && isDigit(p.src[i]) {
			i++
		}
		kind := tokInt
		if i+1 < p.limit && p.src[i] == '.' && isDigit(p.src[i+1]) {
			i += 2
			for i < p.limit && isDigit(p.src[i]) {
				i++
			}
			kind = tokFloat
		}
		p.tok = token{kind: kind, text: p.src[start:i], pos: start, end: i}
		p.pos = i
		return nil
	case c == '\'' || c == '"':
		// As Tracecat's lexer (/'(?:[^'\\]|\\.)*'/), a backslash keeps
		// the character after it, a quote included, inside the string;
		// the text is taken verbatim, backslashes and all.
		j := start + 1
		for j < p.limit && p.src[j] != c {
			if p.src[j] == '\\' {
				j++
			}
			j++
		}
		if j >= p.limit {
			return errorAt(start, p.limit, "unterminated string: add the closing %c", c)
		}
		p.tok = token{kind: tokString, text: p.src[start+1 : j], pos: start, end: j + 1}
		p.pos = j + 1
		return nil
	}
	for _, op := range []string{"||", "&&", "==", "!=", ">=", "<=", "->", ">", "<", "+", "-", "*", "/", "%", "(", ")", "[", "]", "{", "}", ",", ":", ".", "!", "?", "=", "@", "&"} {
		if strings.HasPrefix(p.src[start:p.limit], op) {
			p.tok = token{kind: tokOp, text: op, pos: start, end: start + len(op)}
			p.pos = start + len(op)
			return nil
		}
	}
	r := []rune(p.src[start:p.limit])[0]
	return errorAt(start, start+len(string(r)), "unexpected character %q", r)
}

func isSpace(c byte) bool      { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentByte(c byte) bool  { return isIdentStart(c) || isDigit(c) }

func (p *parser) enter() *Error {
	p.depth++
	if p.depth > maxNesting {
		return errorAt(p.tok.pos, p.tok.end, "expression nested more than %d levels deep", maxNesting)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// expr := or_expr [ "if" or_expr "else" expr ]
func (p *parser) parseExpr() (node, *Error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	then, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if !p.isName("if") {
		return then, nil
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	cond, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if !p.isName("else") {
		return nil, p.unexpected("'else' (the conditional is: value if condition else other)")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	otherwise, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	pos, _ := then.span()
	_, end := otherwise.span()
	return &ternaryNode{pos: pos, end: end, then: then, cond: cond, otherwise: otherwise}, nil
}

// binaryLoop parses left-associative operators of one precedence level.
func (p *parser) binaryLoop(next func() (node, *Error), match func() (string, int, bool)) (node, *Error) {
	left, err := next()
	if err != nil {
		return nil, err
	}
	for {
		op, opPos, ok := match()
		if p.err != nil {
			return nil, p.err
		}
		if !ok {
			return left, nil
		}
		right, err := next()
		if err != nil {
			return nil, err
		}
		pos, _ := left.span()
		_, end := right.span()
		left = &binaryNode{pos: pos, end: end, op: op, opPos: opPos, left: left, right: right}
	}
}

// matchOps consumes one of ops.
func (p *parser) matchOps(ops ...string) func() (string, int, bool) {
	return func() (string, int, bool) {
		if p.tok.kind != tokOp {
			return "", 0, false
		}
		for _, op := range ops {
			if p.tok.text == op {
				pos := p.tok.pos
				if err := p.advance(); err != nil {
					return "", 0, false
				}
				return op, pos, true
			}
		}
		return "", 0, false
	}
}

func (p *parser) parseOr() (node, *Error) {
	return p.binaryLoop(p.parseAnd, p.matchOps("||"))
}

func (p *parser) parseAnd() (node, *Error) {
	return p.binaryLoop(p.parseNot, p.matchOps("&&"))
}

// not_expr := "not" cmp_expr | cmp_expr
func (p *parser) parseNot() (node, *Error) {
	if !p.isName("not") {
		return p.parseCmp()
	}
	pos := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.isName("not") {
		return nil, errorAt(p.tok.pos, p.tok.end, "'not not' is not allowed; use bool(value) or remove both")
	}
	operand, err := p.parseCmp()
	if err != nil {
		return nil, err
	}
	_, end := operand.span()
	return &unaryNode{pos: pos, end: end, op: "not", operand: operand}, nil
}

func (p *parser) parseCmp() (node, *Error) {
	return p.binaryLoop(p.parseIn, p.matchOps("==", "!=", ">=", "<=", ">", "<"))
}

// in_expr := in_expr ("in" | "not" "in") is_expr | is_expr
func (p *parser) parseIn() (node, *Error) {
	return p.binaryLoop(p.parseIs, func() (string, int, bool) {
		pos := p.tok.pos
		switch {
		case p.isName("in"):
			if p.advance() != nil {
				return "", 0, false
			}
			return "in", pos, true
		case p.isName("not"):
			save, saveTok := p.pos, p.tok
			if p.advance() != nil || !p.isName("in") {
				p.pos, p.tok = save, saveTok
				return "", 0, false
			}
			if p.advance() != nil {
				return "", 0, false
			}
			return "not in", pos, true
		}
		return "", 0, false
	})
}

// is_expr := is_expr ("is" | "is" "not") add_expr | add_expr
func (p *parser) parseIs() (node, *Error) {
	return p.binaryLoop(p.parseAdd, func() (string, int, bool) {
		if !p.isName("is") {
			return "", 0, false
		}
		pos := p.tok.pos
		if p.advance() != nil {
			return "", 0, false
		}
		if p.isName("not") {
			if p.advance() != nil {
				return "", 0, false
			}
			return "is not", pos, true
		}
		return "is", pos, true
	})
}

func (p *parser) parseAdd() (node, *Error) {
	return p.binaryLoop(p.parseMul, p.matchOps("+", "-"))
}

func (p *parser) parseMul() (node, *Error) {
	return p.binaryLoop(p.parseUnary, p.matchOps("*", "/", "%"))
}

// unary := ("-"|"+") unary | primary
func (p *parser) parseUnary() (node, *Error) {
	if p.isOp("-") || p.isOp("+") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		op, pos := p.tok.text, p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		operand, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		_, end := operand.span()
		return &unaryNode{pos: pos, end: end, op: op, operand: operand}, nil
	}
	return p.parsePrimary()
}

// primary := base ( "[" expr "]" )*
func (p *parser) parsePrimary() (node, *Error) {
	n, err := p.parseBase()
	if err != nil {
		return nil, err
	}
	for p.isOp("[") {
		bracket := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		index, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if !p.isOp("]") {
			return nil, p.unexpected("']'")
		}
		pos, _ := n.span()
		n = &indexNode{pos: pos, end: p.tok.end, value: n, index: index, bracketPos: bracket}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func (p *parser) parseBase() (node, *Error) {
	t := p.tok
	switch t.kind {
	case tokEOF:
		return nil, p.unexpected("a value")
	case tokString:
		return p.literal(t.text)
	case tokInt:
		v, err := strconv.Atoi(t.text)
		if err != nil {
			return nil, errorAt(t.pos, t.end, "integer %s is too large", t.text)
		}
		return p.literal(v)
	case tokFloat:
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, errorAt(t.pos, t.end, "invalid number %s", t.text)
		}
		return p.literal(v)
	case tokOp:
		switch t.text {
		case "(":
			if err := p.advance(); err != nil {
				return nil, err
			}
			n, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			if !p.isOp(")") {
				return nil, p.unexpected("')' to close the '(' at offset " + strconv.Itoa(t.pos))
			}
			return n, p.advance()
		case "[":
			return p.parseList()
		case "{":
			return p.parseDict()
		}
		return nil, p.unexpected("a value")
	}
	// A name.
	switch name := t.text; {
	case name == "True" || name == "False":
		return p.literal(name == "True")
	case name == "None":
		return p.literal(nil)
	case castTypes[name] && p.peekAfterSpace() == '(':
		return p.parseCast()
	case name == "FN":
		return p.parseCall()
	case pathContexts[name]:
		return p.parseContextPath()
	case name == "SECRETS" || name == "VARS":
		return p.parseDotted()
	case rejectedContexts[name]:
		return nil, errorAt(t.pos, t.end, "%s expressions are not supported in Template Actions", name)
	case keywords[name]:
		return nil, p.unexpected("a value")
	}
	return nil, errorAt(t.pos, t.end, "unknown name '%s'; an expression reads inputs, steps, SECRETS, VARS or ENV, calls FN.<function>(...), or is a literal", t.text)
}

// peekAfterSpace returns the next non-space byte after the current token.
func (p *parser) peekAfterSpace() byte { return p.peekByte(p.skipSpace(p.pos)) }

// skipSpace returns the offset of the first non-space byte at or after i.
func (p *parser) skipSpace(i int) int {
	for i < p.limit && isSpace(p.src[i]) {
		i++
	}
	return i
}

func (p *parser) literal(v any) (node, *Error) {
	n := &literalNode{pos: p.tok.pos, end: p.tok.end, value: v}
	return n, p.advance()
}

func (p *parser) parseList() (node, *Error) {
	pos := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	n := &listNode{pos: pos}
	for !p.isOp("]") {
		if len(n.items) > 0 {
			if !p.isOp(",") {
				return nil, p.unexpected("',' or ']'")
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		item, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		n.items = append(n.items, item)
	}
	n.end = p.tok.end
	return n, p.advance()
}

func (p *parser) parseDict() (node, *Error) {
	pos := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	n := &dictNode{pos: pos}
	seen := map[string]bool{}
	for !p.isOp("}") {
		if len(n.keys) > 0 {
			if !p.isOp(",") {
				return nil, p.unexpected("',' or '}'")
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if p.tok.kind != tokString {
			return nil, p.unexpected("a quoted key (dict keys are string literals)")
		}
		key := p.tok
		if seen[key.text] {
			return nil, errorAt(key.pos, key.end, "duplicate key %q in dict literal", key.text)
		}
		seen[key.text] = true
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.isOp(":") {
			return nil, p.unexpected("':'")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		v, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		n.keys = append(n.keys, key.text)
		n.values = append(n.values, v)
	}
	n.end = p.tok.end
	return n, p.advance()
}

func (p *parser) parseCast() (node, *Error) {
	pos, typ := p.tok.pos, p.tok.text
	if err := p.advance(); err != nil { // the name
		return nil, err
	}
	if err := p.advance(); err != nil { // "("
		return nil, err
	}
	operand, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if !p.isOp(")") {
		return nil, p.unexpected("')'")
	}
	n := &castNode{pos: pos, end: p.tok.end, typ: typ, operand: operand}
	return n, p.advance()
}

// parseCall parses FN.name(args) and FN.name.map(args).
func (p *parser) parseCall() (node, *Error) {
	pos := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	if !p.isOp(".") {
		return nil, errorAt(pos, p.tok.pos, "FN must be followed by a function: FN.name(...)")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tokName {
		return nil, p.unexpected("a function name after FN.")
	}
	nameTok := p.tok
	if err := p.advance(); err != nil {
		return nil, err
	}
	n := &callNode{pos: pos, name: nameTok.text}
	if p.isOp(".") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.isName("map") {
			return nil, errorAt(nameTok.pos, p.tok.end, "Unknown function name '%s.%s'; the only suffix is .map", nameTok.text, p.tok.text)
		}
		n.mapped = true
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	f, ok := fn.Lookup(nameTok.text)
	if !ok {
		return nil, errorAt(nameTok.pos, nameTok.end, "Unknown function name '%s'%s", nameTok.text, suggestFunction(nameTok.text))
	}
	if !p.isOp("(") {
		return nil, errorAt(pos, p.tok.pos, "FN.%s must be called: FN.%s(...)", f.Name, f.Name)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	for !p.isOp(")") {
		if len(n.args) > 0 {
			if !p.isOp(",") {
				return nil, p.unexpected("',' or ')'")
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if i := p.skipSpace(p.pos); p.tok.kind == tokName && p.peekByte(i) == '=' && p.peekByte(i+1) != '=' {
			return nil, errorAt(p.tok.pos, p.tok.end, "keyword arguments are not supported; pass %s by position", p.tok.text)
		}
		a, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		n.args = append(n.args, a)
	}
	n.end = p.tok.end
	if err := f.CheckArity(len(n.args)); err != nil {
		return nil, errorAt(pos, n.end, "%s", err.Error())
	}
	return n, p.advance()
}

// suggestFunction returns "; did you mean 'x'?" for a near miss.
func suggestFunction(name string) string {
	names := make([]string, 0, 160)
	for _, f := range fn.All() {
		names = append(names, f.Name)
	}
	if best := Nearest(name, names); best != "" {
		return fmt.Sprintf("; did you mean '%s'?", best)
	}
	return ""
}

// Nearest returns the candidate closest to got by edit distance when it is
// close enough to be a likely typo (at most two edits), else "". Messages
// use it for "did you mean ...?" hints.
func Nearest(got string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := editDistance(got, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// parseDotted parses SECRETS.name.KEY and VARS.name[.key]: dotted
// identifiers only.
func (p *parser) parseDotted() (node, *Error) {
	ctx := p.tok
	var segs []string
	i := ctx.end
	for i < p.limit && p.src[i] == '.' {
		j := i + 1
		for j < p.limit && isIdentByte(p.src[j]) {
			j++
		}
		if j == i+1 {
			break
		}
		segs = append(segs, p.src[i+1:j])
		i = j
	}
	end := i
	bad := i < p.limit && (p.src[i] == '.' || p.src[i] == '[')
	if ctx.text == "SECRETS" && (len(segs) != 2 || bad) {
		return nil, errorAt(ctx.pos, max(end, ctx.end), "SECRETS is read as SECRETS.<secret name>.<KEY>, e.g. SECRETS.okta.OKTA_API_TOKEN")
	}
	if ctx.text == "VARS" && (len(segs) == 0 || bad) {
		return nil, errorAt(ctx.pos, max(end, ctx.end), "VARS is read as VARS.<variable> or VARS.<variable>.<key>, e.g. VARS.okta.base_url")
	}
	if ctx.text == "VARS" && len(segs) > 2 {
		return nil, errorAt(ctx.pos, end, "VARS expressions currently support at most one key segment: VARS.<variable>.<key>")
	}
	pth := &path{text: p.src[ctx.end:end]}
	for _, s := range segs {
		pth.segs = append(pth.segs, segment{kind: segKey, key: s})
	}
	pth.simple = true
	p.pos = end
	n := &contextNode{pos: ctx.pos, end: end, context: ctx.text, path: pth, text: p.src[ctx.pos:end]}
	return n, p.advance()
}

// parseContextPath parses inputs, steps and ENV followed by a JSONPath.
func (p *parser) parseContextPath() (node, *Error) {
	ctx := p.tok
	pth, end, err := parsePath(p.src, ctx.end, p.limit)
	if err != nil {
		err.Msg = fmt.Sprintf("Invalid jsonpath '%s': %s", p.src[ctx.pos:max(err.End, ctx.end)], err.Msg)
		return nil, err
	}
	if len(pth.segs) == 0 && ctx.text != "ENV" {
		return nil, errorAt(ctx.pos, ctx.end, "%s must be followed by a path, e.g. %s.name", ctx.text, ctx.text)
	}
	p.pos = end
	n := &contextNode{pos: ctx.pos, end: end, context: ctx.text, path: pth, text: p.src[ctx.pos:end]}
	return n, p.advance()
}

package pylambda

import (
	"fmt"
	"slices"
	"strings"
)

// subsetNote ends the messages of constructs Python has but lambdas do not.
const subsetNote = "lambdas accept only a subset of Python expressions"

// maxNesting bounds how deeply expressions nest, which bounds the
// recursion of parsing and evaluation.
const maxNesting = 200

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
}

func (p *parser) tok() token  { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) peek(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) isOp(op string) bool { t := p.tok(); return t.kind == tOp && t.text == op }
func (p *parser) isKw(kw string) bool { t := p.tok(); return t.kind == tKeyword && t.text == kw }

func (p *parser) errAt(t token, format string, args ...any) error {
	return syntaxErr(p.src, t.pos, format, args...)
}

func (p *parser) expectOp(op string) error {
	if !p.isOp(op) {
		return p.unexpected(fmt.Sprintf("expected '%s'", op))
	}
	p.i++
	return nil
}

// unexpected reports the current token, with a hint for Python constructs
// the subset leaves out.
func (p *parser) unexpected(want string) error {
	t := p.tok()
	suffix := ""
	if want != "" {
		suffix = "; " + want
	}
	switch t.kind {
	case tEOF:
		return p.errAt(t, "unexpected end of the lambda%s", suffix)
	case tKeyword:
		switch t.text {
		case "and", "or", "not", "in", "is", "if", "else", "for", "lambda", "True", "False", "None":
			return p.errAt(t, "unexpected '%s'%s", t.text, suffix)
		}
		return p.errAt(t, "'%s' is not allowed in lambdas (%s)", t.text, subsetNote)
	case tOp:
		switch t.text {
		case ":=":
			return p.errAt(t, "assignment expressions (:=) are not allowed in lambdas (%s)", subsetNote)
		case "=", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^=", ">>=", "<<=", "@=":
			return p.errAt(t, "assignments ('%s') are not allowed in lambdas; compare with ==", t.text)
		case ";":
			return p.errAt(t, "a lambda is a single expression; ';' is not allowed")
		case "@":
			return p.errAt(t, "the @ operator is not allowed in lambdas (%s)", subsetNote)
		case "...":
			return p.errAt(t, "Ellipsis (...) is not allowed in lambdas (%s)", subsetNote)
		case "->":
			return p.errAt(t, "annotations ('->') are not allowed in lambdas")
		}
		return p.errAt(t, "unexpected '%s'%s", t.text, suffix)
	case tString:
		return p.errAt(t, "unexpected string %s%s", t.text, suffix)
	case tInt, tFloat:
		return p.errAt(t, "unexpected number %s%s", t.text, suffix)
	}
	return p.errAt(t, "unexpected '%s'%s", t.text, suffix)
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxNesting {
		return p.errAt(p.tok(), "the lambda nests more than %d levels deep", maxNesting)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// parseTop parses the whole source: one lambda.
func (p *parser) parseTop() (*lambdaNode, error) {
	if !p.isKw("lambda") {
		if p.tok().kind == tEOF {
			return nil, fmt.Errorf("the lambda is empty; write it as lambda x: <expression>")
		}
		return nil, p.errAt(p.tok(), "a python_lambda must be a single lambda, e.g. lambda x: x['id']; it starts with %s", describe(p.tok()))
	}
	p.i++
	lam, err := p.parseLambda()
	if err != nil {
		return nil, err
	}
	switch {
	case p.isOp(","):
		return nil, p.errAt(p.tok(), "a python_lambda must be a single lambda, not a tuple; to return a tuple, put it in parentheses: lambda x: (a, b)")
	case p.tok().kind != tEOF:
		return nil, p.unexpected("the lambda should end here")
	}
	return lam, nil
}

func describe(t token) string {
	switch t.kind {
	case tString:
		return "a string"
	case tInt, tFloat:
		return "a number"
	}
	return "'" + t.text + "'"
}

// parseLambda parses the parameters and body after the lambda keyword.
func (p *parser) parseLambda() (*lambdaNode, error) {
	lam := &lambdaNode{}
	seen := map[string]bool{}
	for !p.isOp(":") {
		t := p.tok()
		switch {
		case t.kind == tOp && (t.text == "*" || t.text == "**" || t.text == "/"):
			return nil, p.errAt(t, "lambda parameters must be plain names: %s is not allowed", map[string]string{"*": "*args", "**": "**kwargs", "/": "'/'"}[t.text])
		case t.kind != tName:
			return nil, p.unexpected("expected a parameter name or ':'")
		}
		if seen[t.text] {
			return nil, p.errAt(t, "duplicate argument '%s' in lambda definition", t.text)
		}
		seen[t.text] = true
		lam.params = append(lam.params, t.text)
		p.i++
		if p.isOp("=") {
			return nil, p.errAt(p.tok(), "lambda parameters must be plain names: default values are not allowed")
		}
		if p.isOp(",") {
			p.i++
			continue
		}
		if !p.isOp(":") {
			return nil, p.unexpected("expected ',' or ':' after a parameter")
		}
	}
	p.i++
	body, err := p.parseTest()
	if err != nil {
		return nil, err
	}
	lam.body = body
	return lam, nil
}

// parseTest: lambda | or_test ['if' or_test 'else' test]
func (p *parser) parseTest() (node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if p.isKw("lambda") {
		p.i++
		return p.parseLambda()
	}
	x, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if !p.isKw("if") {
		return x, nil
	}
	p.i++
	cond, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if !p.isKw("else") {
		return nil, p.unexpected("a conditional expression is written a if condition else b")
	}
	p.i++
	no, err := p.parseTest()
	if err != nil {
		return nil, err
	}
	return &condNode{cond: cond, yes: x, no: no}, nil
}

func (p *parser) parseOr() (node, error)  { return p.parseBool("or") }
func (p *parser) parseAnd() (node, error) { return p.parseBool("and") }

func (p *parser) parseBool(kw string) (node, error) {
	sub := p.parseAnd
	if kw == "and" {
		sub = p.parseNot
	}
	x, err := sub()
	if err != nil || !p.isKw(kw) {
		return x, err
	}
	n := &boolNode{and: kw == "and", items: []node{x}}
	for p.isKw(kw) {
		p.i++
		y, err := sub()
		if err != nil {
			return nil, err
		}
		n.items = append(n.items, y)
	}
	return n, nil
}

func (p *parser) parseNot() (node, error) {
	if p.isKw("not") {
		p.i++
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &notNode{x}, nil
	}
	return p.parseComparison()
}

// compOp returns the comparison operator at the current token, and how
// many tokens it takes.
func (p *parser) compOp() (string, int) {
	t := p.tok()
	switch {
	case t.kind == tOp:
		switch t.text {
		case "<", ">", "==", ">=", "<=", "!=":
			return t.text, 1
		}
	case t.kind == tKeyword && t.text == "in":
		return "in", 1
	case t.kind == tKeyword && t.text == "not":
		if n := p.peek(1); n.kind == tKeyword && n.text == "in" {
			return "not in", 2
		}
	case t.kind == tKeyword && t.text == "is":
		if n := p.peek(1); n.kind == tKeyword && n.text == "not" {
			return "is not", 2
		}
		return "is", 1
	}
	return "", 0
}

func (p *parser) parseComparison() (node, error) {
	x, err := p.parseBinary(0)
	if err != nil {
		return nil, err
	}
	op, n := p.compOp()
	if n == 0 {
		return x, nil
	}
	c := &compareNode{items: []node{x}}
	for n > 0 {
		p.i += n
		y, err := p.parseBinary(0)
		if err != nil {
			return nil, err
		}
		c.ops = append(c.ops, op)
		c.items = append(c.items, y)
		op, n = p.compOp()
	}
	return c, nil
}

// binLevels are the binary operators by precedence, lowest first.
var binLevels = [][]string{
	{"|"}, {"^"}, {"&"}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "//", "%"},
}

func (p *parser) parseBinary(level int) (node, error) {
	if level == len(binLevels) {
		return p.parseFactor()
	}
	x, err := p.parseBinary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		t := p.tok()
		if t.kind != tOp || !slices.Contains(binLevels[level], t.text) {
			return x, nil
		}
		p.i++
		y, err := p.parseBinary(level + 1)
		if err != nil {
			return nil, err
		}
		x = &binNode{op: t.text, l: x, r: y}
	}
}

// parseFactor: ('+'|'-'|'~') factor | power
func (p *parser) parseFactor() (node, error) {
	t := p.tok()
	if t.kind == tOp && (t.text == "-" || t.text == "+" || t.text == "~") {
		p.i++
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.parseFactor()
		if err != nil {
			return nil, err
		}
		// Fold negative number literals so that -9223372036854775808
		// and -1 are constants.
		if c, ok := x.(*constNode); ok && t.text == "-" {
			switch v := c.v.(type) {
			case int:
				return &constNode{-v}, nil
			case float64:
				return &constNode{-v}, nil
			}
		}
		return &unaryNode{op: t.text, x: x}, nil
	}
	return p.parsePower()
}

// parsePower: primary ['**' factor]
func (p *parser) parsePower() (node, error) {
	x, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	if p.isOp("**") {
		p.i++
		y, err := p.parseFactor()
		if err != nil {
			return nil, err
		}
		return &binNode{op: "**", l: x, r: y}, nil
	}
	return x, nil
}

// parsePrimary: a call of a function, or an atom followed by attributes
// (method calls), subscripts and slices.
func (p *parser) parsePrimary() (node, error) {
	var x node
	if t := p.tok(); t.kind == tName && p.peek(1).kind == tOp && p.peek(1).text == "(" {
		p.i += 2
		c := &callNode{name: t.text, pos: t.pos}
		args, kwn, kwv, err := p.parseArgs()
		if err != nil {
			return nil, err
		}
		c.args, c.kwnames, c.kwargs = args, kwn, kwv
		x = c
	} else {
		var err error
		if x, err = p.parseAtom(); err != nil {
			return nil, err
		}
	}
	for {
		t := p.tok()
		if t.kind != tOp {
			return x, nil
		}
		switch t.text {
		case ".":
			p.i++
			name := p.tok()
			if name.kind != tName {
				return nil, p.unexpected("expected a method name after '.'")
			}
			p.i++
			if !p.isOp("(") {
				if recv, ok := x.(*nameNode); ok && unboundTypes[recv.name] {
					if _, ok := methodKwargs[name.text]; ok {
						x = &methodRefNode{typ: recv, name: name.text}
						continue
					}
				}
				return nil, p.errAt(name, "attribute access .%s is not allowed in lambdas: attributes can only be called as methods, e.g. x.get('%s')", name.text, name.text)
			}
			if _, ok := methodKwargs[name.text]; !ok {
				return nil, p.errAt(name, "method .%s() is not allowed in lambdas; allowed methods: %s", name.text, methodList)
			}
			p.i++
			m := &methodNode{recv: x, name: name.text}
			if recv, ok := x.(*nameNode); ok && unboundTypes[recv.name] {
				m.ref = &methodRefNode{typ: recv, name: name.text}
			}
			args, kwn, kwv, err := p.parseArgs()
			if err != nil {
				return nil, err
			}
			for k, kw := range kwn {
				if !slices.Contains(methodKwargs[name.text], kw) {
					if len(methodKwargs[name.text]) == 0 {
						return nil, p.errAt(name, ".%s() takes no keyword arguments", name.text)
					}
					return nil, p.errAt(name, ".%s() got an unexpected keyword argument '%s'", name.text, kwn[k])
				}
			}
			m.args, m.kwnames, m.kwargs = args, kwn, kwv
			x = m
		case "(":
			return nil, p.errAt(t, "only the allowed functions (%s) and methods can be called in lambdas", builtinList)
		case "[":
			p.i++
			s, err := p.parseSubscript(x)
			if err != nil {
				return nil, err
			}
			x = s
		default:
			return x, nil
		}
	}
}

// parseSubscript parses what follows '[': an index or a slice.
func (p *parser) parseSubscript(x node) (node, error) {
	var bounds [3]node
	isSlice := false
	k := 0
	for {
		if p.isOp(":") {
			isSlice = true
			k++
			if k > 2 {
				return nil, p.unexpected("a slice is [start:stop:step]")
			}
			p.i++
			continue
		}
		if p.isOp("]") {
			break
		}
		if bounds[k] != nil {
			if p.isOp(",") {
				return nil, p.errAt(p.tok(), "subscripts with several indexes (x[a, b]) are not allowed in lambdas")
			}
			return nil, p.unexpected("expected ']'")
		}
		b, err := p.parseTest()
		if err != nil {
			return nil, err
		}
		bounds[k] = b
	}
	p.i++
	if !isSlice {
		if bounds[0] == nil {
			return nil, p.errAt(p.toks[p.i-1], "empty subscript []")
		}
		return &indexNode{x: x, index: bounds[0]}, nil
	}
	return &sliceNode{x: x, lo: bounds[0], hi: bounds[1], step: bounds[2]}, nil
}

// parseArgs parses call arguments after '(' up to and including ')'.
func (p *parser) parseArgs() (args []node, kwnames []string, kwargs []node, err error) {
	for !p.isOp(")") {
		t := p.tok()
		switch {
		case t.kind == tOp && (t.text == "*" || t.text == "**"):
			return nil, nil, nil, p.errAt(t, "argument unpacking (%s) is not allowed in lambdas", t.text)
		case t.kind == tName && p.peek(1).kind == tOp && p.peek(1).text == "=":
			p.i += 2
			if slices.Contains(kwnames, t.text) {
				return nil, nil, nil, p.errAt(t, "keyword argument repeated: %s", t.text)
			}
			v, err := p.parseTest()
			if err != nil {
				return nil, nil, nil, err
			}
			kwnames = append(kwnames, t.text)
			kwargs = append(kwargs, v)
		default:
			if len(kwnames) > 0 {
				return nil, nil, nil, p.errAt(t, "positional argument follows keyword argument")
			}
			v, err := p.parseTest()
			if err != nil {
				return nil, nil, nil, err
			}
			if p.isKw("for") {
				// f(x for x in y): a generator expression, the only argument.
				g, err := p.parseComp('g', v, nil)
				if err != nil {
					return nil, nil, nil, err
				}
				if len(args) > 0 || !p.isOp(")") {
					return nil, nil, nil, p.errAt(t, "generator expression must be parenthesized")
				}
				v = g
			}
			args = append(args, v)
		}
		if p.isOp(",") {
			p.i++
			continue
		}
		if !p.isOp(")") {
			return nil, nil, nil, p.unexpected("expected ',' or ')' in the arguments")
		}
	}
	p.i++
	return args, kwnames, kwargs, nil
}

// parseComp parses the for/if clauses of a comprehension whose element
// has been read.
func (p *parser) parseComp(kind byte, elt, key node) (*compNode, error) {
	c := &compNode{kind: kind, elt: elt, key: key}
	for p.isKw("for") {
		p.i++
		tg, err := p.parseTargets()
		if err != nil {
			return nil, err
		}
		if !p.isKw("in") {
			return nil, p.unexpected("expected 'in' after the variables of 'for'")
		}
		p.i++
		iter, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		cl := &clause{target: tg, iter: iter}
		for p.isKw("if") {
			p.i++
			cond, err := p.parseOr()
			if err != nil {
				return nil, err
			}
			cl.ifs = append(cl.ifs, cond)
		}
		c.clauses = append(c.clauses, cl)
	}
	return c, nil
}

// parseTargets parses the variables of a for clause: x, or k, v, or
// i, (k, v).
func (p *parser) parseTargets() (*target, error) {
	first, err := p.parseTarget()
	if err != nil {
		return nil, err
	}
	if !p.isOp(",") {
		return first, nil
	}
	tg := &target{items: []*target{first}, pos: first.pos}
	for p.isOp(",") {
		p.i++
		if p.isKw("in") {
			break
		}
		t, err := p.parseTarget()
		if err != nil {
			return nil, err
		}
		tg.items = append(tg.items, t)
	}
	return tg, nil
}

func (p *parser) parseTarget() (*target, error) {
	t := p.tok()
	switch {
	case t.kind == tName:
		p.i++
		return &target{name: t.text, pos: t.pos}, nil
	case t.kind == tOp && (t.text == "(" || t.text == "["):
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		closing := map[string]string{"(": ")", "[": "]"}[t.text]
		p.i++
		tg := &target{pos: t.pos, items: []*target{}}
		for !p.isOp(closing) {
			sub, err := p.parseTarget()
			if err != nil {
				return nil, err
			}
			tg.items = append(tg.items, sub)
			if p.isOp(",") {
				p.i++
				continue
			}
			if !p.isOp(closing) {
				return nil, p.unexpected("expected ',' or '" + closing + "'")
			}
		}
		p.i++
		return tg, nil
	case t.kind == tOp && t.text == "*":
		return nil, p.errAt(t, "starred assignment targets are not allowed in lambdas")
	}
	return nil, p.unexpected("expected a variable name after 'for'")
}

// parseAtom parses a literal, a name, or a parenthesised, list, set or dict
// display or comprehension.
func (p *parser) parseAtom() (node, error) {
	t := p.tok()
	switch t.kind {
	case tName:
		p.i++
		return &nameNode{name: t.text, pos: t.pos}, nil
	case tInt:
		p.i++
		return &constNode{t.ival}, nil
	case tFloat:
		p.i++
		return &constNode{t.fval}, nil
	case tString:
		var b strings.Builder
		for p.tok().kind == tString {
			b.WriteString(p.next().str)
		}
		return &constNode{b.String()}, nil
	case tKeyword:
		switch t.text {
		case "True":
			p.i++
			return &constNode{true}, nil
		case "False":
			p.i++
			return &constNode{false}, nil
		case "None":
			p.i++
			return &constNode{nil}, nil
		}
		return nil, p.unexpected("")
	case tOp:
		switch t.text {
		case "(", "[", "{":
			if err := p.enter(); err != nil {
				return nil, err
			}
			defer p.leave()
			p.i++
			return p.parseDisplay(t.text)
		case "*":
			return nil, p.errAt(t, "starred expressions (*x) are not allowed in lambdas")
		case "**":
			return nil, p.errAt(t, "dict unpacking (**x) is not allowed in lambdas")
		}
	}
	return nil, p.unexpected("expected a value")
}

// parseDisplay parses what follows (, [ or {.
func (p *parser) parseDisplay(open string) (node, error) {
	closing := map[string]string{"(": ")", "[": "]", "{": "}"}[open]
	if p.isOp(closing) {
		p.i++
		if open == "{" {
			return &dictNode{}, nil
		}
		return &listNode{}, nil
	}
	if open == "{" && p.isOp("**") {
		return nil, p.errAt(p.tok(), "dict unpacking (**x) is not allowed in lambdas")
	}
	if p.isOp("*") {
		return nil, p.errAt(p.tok(), "starred expressions (*x) are not allowed in lambdas")
	}
	first, err := p.parseTest()
	if err != nil {
		return nil, err
	}
	if open == "{" && p.isOp(":") {
		p.i++
		v, err := p.parseTest()
		if err != nil {
			return nil, err
		}
		if p.isKw("for") {
			c, err := p.parseComp('d', v, first)
			if err != nil {
				return nil, err
			}
			return c, p.expectOp("}")
		}
		d := &dictNode{keys: []node{first}, vals: []node{v}}
		for p.isOp(",") {
			p.i++
			if p.isOp("}") {
				break
			}
			if p.isOp("**") {
				return nil, p.errAt(p.tok(), "dict unpacking (**x) is not allowed in lambdas")
			}
			k, err := p.parseTest()
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(":"); err != nil {
				return nil, err
			}
			v, err := p.parseTest()
			if err != nil {
				return nil, err
			}
			d.keys, d.vals = append(d.keys, k), append(d.vals, v)
		}
		return d, p.expectOp("}")
	}
	if p.isKw("for") {
		kind := map[string]byte{"(": 'g', "[": 'l', "{": 's'}[open]
		c, err := p.parseComp(kind, first, nil)
		if err != nil {
			return nil, err
		}
		return c, p.expectOp(closing)
	}
	elts := []node{first}
	tuple := false
	for p.isOp(",") {
		tuple = true
		p.i++
		if p.isOp(closing) {
			break
		}
		if p.isOp("*") {
			return nil, p.errAt(p.tok(), "starred expressions (*x) are not allowed in lambdas")
		}
		e, err := p.parseTest()
		if err != nil {
			return nil, err
		}
		elts = append(elts, e)
	}
	if err := p.expectOp(closing); err != nil {
		return nil, err
	}
	switch {
	case open == "{":
		return &setNode{elts}, nil
	case open == "(" && !tuple:
		return first, nil
	}
	return &listNode{elts}, nil
}

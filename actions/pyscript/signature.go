package pyscript

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// funcDef is a function a script's module code defines, by def, async
// def or lambda, as far as its signature can be read without Python.
type funcDef struct {
	// Name is the def's name, or the name a lambda is assigned to.
	Name string
	// Offset is the byte offset of "def" (or "async") in the script, or
	// of the assignment of a lambda.
	Offset int
	Params []param
	// VarKeyword is set when the function takes **kwargs.
	VarKeyword bool
}

// param is one named parameter.
type param struct {
	Name       string
	HasDefault bool
	// Positional is set for parameters before a "/" and for *args.
	Positional bool
}

// accepts reports whether f takes a keyword argument called name.
func (f *funcDef) accepts(name string) bool {
	if f.VarKeyword {
		return true
	}
	for _, p := range f.Params {
		if p.Name == name && !p.Positional {
			return true
		}
	}
	return false
}

// signature is f's parameters as written in a message: main(a, b=…).
func (f *funcDef) signature() string {
	var parts []string
	for _, p := range f.Params {
		s := p.Name
		if p.HasDefault {
			s += "=…"
		}
		parts = append(parts, s)
	}
	if f.VarKeyword {
		parts = append(parts, "**kwargs")
	}
	return f.Name + "(" + strings.Join(parts, ", ") + ")"
}

// binding is a name the script's module code binds, as far as that can
// be read without running it.
type binding struct {
	Name string
	// Offset is the byte offset of the statement that binds it (of "def"
	// or "async" for a function definition).
	Offset int
	Kind   bindingKind
	// Def is the function's signature, when the name is bound to a
	// function whose parameters can be read: a def, async def or lambda
	// without decorators, or another name for one.
	Def *funcDef
}

// bindingKind says what a name is bound to, as runner.py's
// function_to_call sees it.
type bindingKind int

const (
	// isFunction is a Python function made by the script (def, async
	// def, lambda, or a def decorated by the script's own functions):
	// runner.py counts it among the public functions.
	isFunction bindingKind = iota
	// isCallable is anything else that may be called: a class, an
	// import, a def decorated from a library, the value of an expression.
	// It is called only under the name main.
	isCallable
	// isValue is a literal (a number, string, list, dict, None…), which
	// cannot be called.
	isValue
)

// pythonKeywords are the words that cannot be assigned to.
var pythonKeywords = map[string]bool{
	"False": true, "None": true, "True": true, "and": true, "as": true, "assert": true, "async": true,
	"await": true, "break": true, "class": true, "continue": true, "def": true, "del": true, "elif": true,
	"else": true, "except": true, "finally": true, "for": true, "from": true, "global": true, "if": true,
	"import": true, "in": true, "is": true, "lambda": true, "nonlocal": true, "not": true, "or": true,
	"pass": true, "raise": true, "return": true, "try": true, "while": true, "with": true, "yield": true,
}

// moduleBindings reads the names a script's module code binds, in the
// order of the module's namespace (a name keeps the place where it was
// first bound; a later binding replaces what it holds; del removes it),
// with what each ends up bound to. It reads the statements of the module
// level, those inside if, try, for, with and while blocks included, and
// skips the bodies of functions and classes. It sees def, async def,
// class, import, del and assignments of names (plain, chained, annotated,
// after ";"); names bound otherwise (for targets, with ... as, :=,
// globals()) are not seen. It never fails: text it cannot read is passed
// over.
func moduleBindings(src string) []binding {
	var out []binding
	find := func(name string) int {
		for i := range out {
			if out[i].Name == name {
				return i
			}
		}
		return -1
	}
	lookup := func(name string) (binding, bool) {
		if i := find(name); i >= 0 {
			return out[i], true
		}
		return binding{}, false
	}
	bind := func(b binding) {
		if i := find(b.Name); i >= 0 {
			out[i] = b
			return
		}
		out = append(out, b)
	}
	s := scanner{src: src}
	body := -1              // the indentation of the def or class whose body is skipped
	var decorators []string // the leading names of the decorators of the next def
	for s.pos < len(src) {
		// s.pos starts a physical line that starts a logical line.
		i, col := s.pos, 0
	indent:
		for ; i < len(src); i++ {
			switch src[i] {
			case ' ':
				col++
			case '\t':
				col = col/8*8 + 8
			case '\f':
				col = 0
			default:
				break indent
			}
		}
		if i < len(src) && (src[i] == '#' || src[i] == '\r' || src[i] == '\n') {
			s.pos = lineAfter(src, i)
			continue
		}
		if i >= len(src) {
			break
		}
		if body >= 0 && col > body {
			s.pos = lineAfter(src, s.endOf(i, false))
			continue
		}
		body = -1
		for {
			end := s.endOf(i, true)
			stmt := strings.TrimRight(src[i:end], " \t\r\f")
			word := leadingName(stmt)
			switch {
			case strings.HasPrefix(stmt, "@"):
				decorators = append(decorators, leadingName(strings.TrimLeft(stmt[1:], " \t")))
				end = s.endOf(i, false)
			case word == "def" || word == "async" || word == "class":
				if d, ok := s.readHeader(i, word); ok {
					b := binding{Name: d.Name, Offset: i, Kind: isFunction, Def: &d}
					if word == "class" {
						b = binding{Name: d.Name, Offset: i, Kind: isCallable}
					} else if len(decorators) > 0 {
						b.Def = nil
						for _, dec := range decorators {
							if d, ok := lookup(dec); !ok || d.Kind != isFunction {
								b.Kind = isCallable // what a library's decorator returns is not the script's function
							}
						}
					}
					bind(b)
				}
				body = col
				end = s.endOf(i, false) // a one-line body is not module code
			case word == "import" || word == "from":
				for _, name := range importedNames(stmt) {
					bind(binding{Name: name, Offset: i, Kind: isCallable})
				}
			case word == "del":
				for _, t := range strings.Split(stmt[len("del"):], ",") {
					if j := find(strings.TrimSpace(t)); j >= 0 {
						out = append(out[:j], out[j+1:]...)
					}
				}
			case word != "" && !pythonKeywords[word]:
				assignment(stmt, i, lookup, bind)
			}
			if !strings.HasPrefix(stmt, "@") {
				decorators = nil
			}
			if end >= len(src) || src[end] != ';' {
				s.pos = lineAfter(src, end)
				break
			}
			i = end + 1
			for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
				i++
			}
		}
	}
	return out
}

// lineAfter returns the start of the line after the one holding i.
func lineAfter(src string, i int) int {
	if j := strings.IndexByte(src[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(src)
}

// endOf returns the end of the logical line that starts at from: its
// newline outside brackets and strings, or, when stopAtSemicolon is set,
// a ";" there that ends a statement first.
func (s *scanner) endOf(from int, stopAtSemicolon bool) int {
	s.pos, s.depth, s.cont = from, 0, false
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		if s.depth == 0 && (c == '\n' || c == ';' && stopAtSemicolon) {
			break
		}
		s.step()
	}
	end := s.pos
	s.depth, s.cont = 0, false
	return end
}

// leadingName returns the identifier s starts with, or "".
func leadingName(s string) string {
	end := 0
	for end < len(s) && (isIdentStart(s, end) || end > 0 && isIdentPart(s, end)) {
		_, n := utf8.DecodeRuneInString(s[end:])
		end += n
	}
	return s[:end]
}

// readHeader reads the def, async def or class statement at start, whose
// first word is word: for a class only its name.
func (s *scanner) readHeader(start int, word string) (funcDef, bool) {
	rest := s.src[start+len(word):]
	if word == "async" {
		after := strings.TrimLeft(rest, " \t")
		if len(after) == len(rest) || leadingName(after) != "def" {
			return funcDef{}, false
		}
		word = s.src[start : len(s.src)-len(after)+len("def")]
	}
	if rest == "" || rest[0] != ' ' && rest[0] != '\t' {
		return funcDef{}, false
	}
	if word == "class" {
		name := leadingName(strings.TrimLeft(rest, " \t"))
		return funcDef{Name: name}, name != ""
	}
	return s.readDef(start, start+len(word))
}

// importedNames returns the names an import statement binds.
func importedNames(stmt string) []string {
	var list string
	if strings.HasPrefix(stmt, "from") {
		i := strings.Index(stmt, " import")
		if i < 0 {
			return nil
		}
		list = strings.Trim(strings.TrimSpace(stmt[i+len(" import"):]), "()")
	} else {
		list = stmt[len("import"):]
	}
	var names []string
	for _, item := range strings.Split(list, ",") {
		name := ""
		switch fields := strings.Fields(stripComments(item)); {
		case len(fields) == 3 && fields[1] == "as":
			name = fields[2]
		case len(fields) == 1:
			name = leadingName(fields[0]) // import a.b binds a
		}
		if name != "" && leadingName(name) == name {
			names = append(names, name)
		}
	}
	return names
}

// assignment binds the names an assignment statement stmt, at offset at,
// assigns: "a = …", "a = b = …", "a: T = …", "a, b = …".
func assignment(stmt string, at int, lookup func(string) (binding, bool), bind func(binding)) {
	var targets []string
	rest := stmt
	for {
		eq := plainEquals(rest)
		if eq < 0 {
			break
		}
		target := strings.TrimSpace(rest[:eq])
		if len(targets) > 0 && slices.Contains(strings.FieldsFunc(target, notIdentRune), "lambda") {
			break // "a = x if c else lambda y=1: y": that = is a default's
		}
		targets = append(targets, target)
		rest = rest[eq+1:]
		if leadingName(strings.TrimSpace(rest)) == "lambda" {
			break
		}
	}
	if len(targets) == 0 {
		return
	}
	value := strings.TrimSpace(stripComments(rest))
	for n, t := range targets {
		if n == 0 {
			if name := leadingName(t); name != "" && len(targets) == 1 && strings.HasPrefix(strings.TrimLeft(t[len(name):], " \t"), ":") {
				t = name // an annotated assignment
			}
		}
		names := targetNames(t)
		if len(names) == 1 && names[0] == t {
			b := valueBinding(value, at, lookup)
			b.Name = t
			if b.Def != nil && b.Def.Name == "" { // a lambda, named after the name it is bound to
				d := *b.Def
				d.Name = t
				b.Def = &d
			}
			bind(b)
			continue
		}
		for _, name := range names {
			bind(binding{Name: name, Offset: at, Kind: isCallable}) // unpacked: what it holds is not read
		}
	}
}

// valueBinding says what the value text of an assignment at offset at
// binds a name to.
func valueBinding(value string, at int, lookup func(string) (binding, bool)) binding {
	name := leadingName(value)
	switch {
	case name == "lambda":
		d := funcDef{Offset: at}
		return binding{Offset: at, Kind: isFunction, Def: &d}.withLambdaParams(value[len(name):])
	case name == "None" || name == "True" || name == "False":
		return binding{Offset: at, Kind: isValue}
	case name != "" && name == value:
		if b, ok := lookup(name); ok {
			b.Offset = at
			return b // another name for the same object
		}
		return binding{Offset: at, Kind: isCallable} // a builtin
	case value != "" && (strings.ContainsRune("0123456789'\"[{", rune(value[0])) || isPrefixedString(value)):
		return binding{Offset: at, Kind: isValue}
	}
	return binding{Offset: at, Kind: isCallable}
}

// withLambdaParams reads the parameters of a lambda, from the text after
// the lambda keyword.
func (b binding) withLambdaParams(text string) binding {
	s := scanner{src: text}
	var pieces []string
	from, lambdas := 0, 0
	for s.pos < len(text) {
		c := text[s.pos]
		if s.inLambdaParams(&lambdas) {
			s.step()
			continue
		}
		if s.depth == 0 && (c == ',' || c == ':') {
			pieces = append(pieces, text[from:s.pos])
			from = s.pos + 1
			if c == ':' {
				d := b.Def.withParams(pieces)
				b.Def = &d
				return b
			}
		}
		s.step()
	}
	b.Def = nil
	return b
}

// plainEquals returns the index of the first "=" of an assignment in
// stmt, outside brackets and strings: not part of ==, <=, +=, := and the
// like; or -1.
func plainEquals(stmt string) int {
	s := scanner{src: stmt}
	for s.pos < len(stmt) {
		if s.depth == 0 && stmt[s.pos] == '=' {
			if s.pos+1 < len(stmt) && stmt[s.pos+1] == '=' {
				s.pos += 2
				continue
			}
			if s.pos > 0 && strings.IndexByte("=!<>+-*/%&|^@:", stmt[s.pos-1]) >= 0 {
				s.pos++
				continue
			}
			return s.pos
		}
		s.step()
	}
	return -1
}

// targetNames returns the names an assignment target binds: one name, or
// names separated by commas, maybe starred or in brackets; none for other
// targets (an attribute, a subscript, a soft keyword's statement such as
// "type X").
func targetNames(t string) []string {
	var names []string
	for _, item := range strings.Split(t, ",") {
		item = strings.Trim(item, " \t()[]*")
		if item == "" {
			continue
		}
		if leadingName(item) != item || pythonKeywords[item] {
			return nil
		}
		names = append(names, item)
	}
	return names
}

// notIdentRune reports whether r cannot be part of a name.
func notIdentRune(r rune) bool { return r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// scanner walks Python source, tracking strings, comments and brackets.
type scanner struct {
	src   string
	pos   int
	depth int
	// cont is set after a backslash continuation.
	cont bool
}

// step moves past one token-ish piece: a string, a comment, a bracket or
// one character.
func (s *scanner) step() {
	c := s.src[s.pos]
	switch {
	case c == '#':
		for s.pos < len(s.src) && s.src[s.pos] != '\n' {
			s.pos++
		}
	case c == '\'' || c == '"':
		s.skipString()
	case isPrefixedString(s.src[s.pos:]):
		for s.src[s.pos] != '\'' && s.src[s.pos] != '"' {
			s.pos++
		}
		s.skipString()
	case c == '(' || c == '[' || c == '{':
		s.depth++
		s.pos++
	case c == ')' || c == ']' || c == '}':
		if s.depth > 0 {
			s.depth--
		}
		s.pos++
	case c == '\\' && s.pos+1 < len(s.src) && s.src[s.pos+1] == '\n':
		s.pos += 2
		s.cont = true
		return
	default:
		if isIdentStart(s.src, s.pos) {
			// Skip whole names so that the r of "bar'" is not a prefix.
			for s.pos < len(s.src) && isIdentPart(s.src, s.pos) {
				_, n := utf8.DecodeRuneInString(s.src[s.pos:])
				s.pos += n
			}
			s.cont = false
			return
		}
		s.pos++
	}
	s.cont = false
}

// isPrefixedString reports whether s starts with a string prefix (r, b,
// f, u and their pairs) followed by a quote.
func isPrefixedString(s string) bool {
	for i := 0; i < 2 && i < len(s); i++ {
		switch s[i] {
		case 'r', 'R', 'b', 'B', 'f', 'F', 'u', 'U':
			if i+1 < len(s) && (s[i+1] == '\'' || s[i+1] == '"') {
				return true
			}
		default:
			return false
		}
	}
	return false
}

// skipString moves past the string literal at pos (its prefix already
// passed), triple-quoted or not. A backslash escapes the next character,
// in raw strings too as far as finding the end goes.
func (s *scanner) skipString() {
	q := s.src[s.pos]
	triple := strings.HasPrefix(s.src[s.pos:], strings.Repeat(string(q), 3))
	if triple {
		s.pos += 3
	} else {
		s.pos++
	}
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		switch {
		case c == '\\':
			s.pos += 2
			continue
		case c == '\n' && !triple:
			return // an unterminated string ends at the line
		case c == q:
			if !triple {
				s.pos++
				return
			}
			if strings.HasPrefix(s.src[s.pos:], strings.Repeat(string(q), 3)) {
				s.pos += 3
				return
			}
		}
		s.pos++
	}
	if s.pos > len(s.src) {
		s.pos = len(s.src)
	}
}

// readDef reads "def name(params):" from start, where at is just past
// the def keyword.
func (s *scanner) readDef(start, at int) (funcDef, bool) {
	i := at
	for i < len(s.src) && (s.src[i] == ' ' || s.src[i] == '\t') {
		i++
	}
	j := i
	for j < len(s.src) && (isIdentPart(s.src, j) && j > i || isIdentStart(s.src, j)) {
		_, n := utf8.DecodeRuneInString(s.src[j:])
		j += n
	}
	name := s.src[i:j]
	for j < len(s.src) && (s.src[j] == ' ' || s.src[j] == '\t') {
		j++
	}
	if name == "" || j >= len(s.src) || s.src[j] != '(' {
		return funcDef{}, false
	}
	// Read the parameter list up to its closing parenthesis.
	s.pos = j + 1
	s.depth = 0
	var pieces []string
	from, lambdas := s.pos, 0
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		if s.inLambdaParams(&lambdas) {
			s.step()
			continue
		}
		if s.depth == 0 && (c == ',' || c == ')') {
			pieces = append(pieces, s.src[from:s.pos])
			s.pos++
			from = s.pos
			if c == ')' {
				return funcDef{Name: name, Offset: start}.withParams(pieces), true
			}
			continue
		}
		s.step()
	}
	s.depth = 0
	return funcDef{}, false
}

// inLambdaParams reports whether pos is inside the parameters of a
// lambda that is a default in a parameter list, as in
// "key=lambda a, b: a", whose commas do not end the parameter; *open
// counts the lambdas whose parameters have not ended.
func (s *scanner) inLambdaParams(open *int) bool {
	if s.depth > 0 {
		return *open > 0
	}
	switch c := s.src[s.pos]; {
	case c == ':' && *open > 0:
		*open--
		return true
	case isIdentStart(s.src, s.pos) && leadingName(s.src[s.pos:]) == "lambda":
		*open++
		return true
	}
	return *open > 0
}

// withParams fills in the parameters from the pieces of a parameter list.
func (f funcDef) withParams(pieces []string) funcDef {
	for _, p := range pieces {
		p = strings.TrimSpace(stripComments(p))
		switch {
		case p == "":
			continue
		case p == "/":
			for i := range f.Params {
				f.Params[i].Positional = true
			}
			continue
		case p == "*":
			continue
		case strings.HasPrefix(p, "**"):
			f.VarKeyword = true
			continue
		case strings.HasPrefix(p, "*"):
			continue // *args; the parameters after it are keyword-only
		}
		end := 0
		for end < len(p) && isIdentPart(p, end) {
			_, n := utf8.DecodeRuneInString(p[end:])
			end += n
		}
		if end == 0 {
			continue
		}
		f.Params = append(f.Params, param{Name: p[:end], HasDefault: hasTopLevelEquals(p[end:])})
	}
	return f
}

// hasTopLevelEquals reports whether an annotation-and-default tail such
// as ": int = 3" holds a default.
func hasTopLevelEquals(s string) bool {
	sc := scanner{src: s}
	for sc.pos < len(s) {
		if sc.depth == 0 && s[sc.pos] == '=' {
			return true
		}
		sc.step()
	}
	return false
}

// stripComments drops # comments from a multi-line parameter.
func stripComments(p string) string {
	if !strings.Contains(p, "#") {
		return p
	}
	var b strings.Builder
	sc := scanner{src: p}
	for sc.pos < len(p) {
		from := sc.pos
		if p[sc.pos] == '#' {
			sc.step()
			continue
		}
		sc.step()
		b.WriteString(p[from:sc.pos])
	}
	return b.String()
}

func isIdentStart(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r == '_' || unicode.IsLetter(r)
}

func isIdentPart(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

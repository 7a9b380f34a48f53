package pyscript

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// funcDef is a function defined at the top level of a script, as far as
// its signature can be read without Python.
type funcDef struct {
	Name string
	// Offset is the byte offset of "def" (or "async") in the script.
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

// topLevelFunctions finds the functions a script defines at its top level
// (column 0), skipping strings, comments and bracketed continuations. It
// never fails: text it cannot read is passed over.
func topLevelFunctions(src string) []funcDef {
	var defs []funcDef
	s := scanner{src: src}
	for s.pos < len(src) {
		if s.atLineStart() && s.depth == 0 {
			rest := src[s.pos:]
			start := s.pos
			kw := ""
			switch {
			case strings.HasPrefix(rest, "def ") || strings.HasPrefix(rest, "def\t"):
				kw = "def"
			case strings.HasPrefix(rest, "async ") || strings.HasPrefix(rest, "async\t"):
				after := strings.TrimLeft(rest[len("async"):], " \t")
				if strings.HasPrefix(after, "def ") || strings.HasPrefix(after, "def\t") {
					kw = rest[:len(rest)-len(after)+len("def")]
				}
			}
			if kw != "" {
				if d, ok := s.readDef(start, start+len(kw)); ok {
					defs = append(defs, d)
					continue
				}
				s.pos, s.depth = start, 0
			}
		}
		s.step()
	}
	return defs
}

// scanner walks Python source, tracking strings, comments and brackets.
type scanner struct {
	src   string
	pos   int
	depth int
	// cont is set after a backslash continuation.
	cont bool
}

// atLineStart reports whether pos starts a logical line.
func (s *scanner) atLineStart() bool {
	if s.cont {
		return false
	}
	return s.pos == 0 || s.src[s.pos-1] == '\n'
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
	from := s.pos
	for s.pos < len(s.src) {
		c := s.src[s.pos]
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

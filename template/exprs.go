package template

import (
	"errors"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/actuatehq/actuate/expr"
)

// stepFields are what steps.<ref> holds for each step that ran.
var stepFields = []string{"result", "result_typename", "error", "error_typename", "interaction", "interaction_id", "interaction_type"}

// checkExpressions compiles every expression in the steps' args and in
// returns, and checks what each reads: declared inputs, earlier steps,
// declared secrets.
func (l *loader) checkExpressions(t *Template) {
	for i, s := range t.Steps {
		if s.Args != nil {
			l.compileTree(t, s.Args, i)
		}
	}
	if t.Returns != nil {
		l.compileTree(t, t.Returns, len(t.Steps))
	}
}

// compileTree compiles the strings of n (values, list items and mapping
// keys). Expressions there may read the steps before step index before.
func (l *loader) compileTree(t *Template, n *Node, before int) {
	switch n.Kind {
	case MappingNode:
		for i, k := range n.Keys {
			l.compileString(t, k, before)
			l.compileTree(t, n.Items[i], before)
		}
	case SequenceNode:
		for _, it := range n.Items {
			l.compileTree(t, it, before)
		}
	default:
		l.compileString(t, n, before)
	}
}

func (l *loader) compileString(t *Template, n *Node, before int) {
	s, ok := n.Value.(string)
	if !ok || !expr.HasExpressions(s) {
		return
	}
	text, err := l.compile(s)
	if err != nil {
		var errs expr.Errors
		if errors.As(err, &errs) {
			for _, e := range errs {
				l.at(l.offsetPos(n, e.Offset), Error, "%s", e.Msg)
			}
		} else {
			l.at(n.Pos, Error, "%v", err)
		}
		return
	}
	n.Text = text
	_, single := text.Single()
	for _, e := range text.Exprs() {
		for _, r := range e.Refs() {
			l.checkRef(t, n, r, before)
		}
		if !single {
			l.checkInterpolation(t, n, e)
		}
	}
}

type compiled struct {
	text *expr.Text
	err  error
}

// compile compiles s once per template: a Text does not change once
// compiled, so strings repeated through aliases share theirs.
func (l *loader) compile(s string) (*expr.Text, error) {
	if c, ok := l.compiled[s]; ok {
		return c.text, c.err
	}
	text, err := expr.Compile(s)
	if l.compiled == nil {
		l.compiled = map[string]compiled{}
	}
	l.compiled[s] = compiled{text, err}
	return text, err
}

func (l *loader) checkRef(t *Template, n *Node, r expr.Ref, before int) {
	at := l.offsetPos(n, r.Pos)
	switch r.Context {
	case "inputs":
		if len(r.Path) == 0 {
			return
		}
		if _, ok := t.Input(r.Path[0]); !ok {
			if len(t.Inputs) == 0 {
				l.at(at, Error, "unknown input %q: this template declares no inputs; declare it under expects:", r.Path[0])
			} else {
				l.at(at, Error, "unknown input %q; declared inputs are: %s", r.Path[0], strings.Join(t.InputNames(), ", "))
			}
		}
	case "steps":
		if len(r.Path) == 0 || len(t.Steps) == 0 {
			return // without steps, the missing steps were reported already
		}
		ref := r.Path[0]
		idx := -1
		for i, s := range t.Steps {
			if s.Ref == ref {
				idx = i
				break
			}
		}
		var earlier []string
		for _, s := range t.Steps[:min(before, len(t.Steps))] {
			earlier = append(earlier, s.Ref)
		}
		switch {
		case idx < 0:
			l.at(at, Error, "unknown step %q; %s", ref, listOr("earlier steps are: ", earlier, "no step runs before this one"))
		case idx == before:
			l.at(at, Error, "step %q cannot read its own result; a step reads only the steps before it", ref)
		case idx > before:
			l.at(at, Error, "step %q runs after this point, so its result is not known yet; %s", ref, listOr("earlier steps are: ", earlier, "no step runs before this one"))
		case len(r.Path) > 1 && !slices.Contains(stepFields, r.Path[1]):
			l.at(at, Error, "steps.%s has no field %q%s", ref, r.Path[1], suggest(r.Path[1], stepFields))
		}
	case "SECRETS":
		l.checkSecretRef(t, at, r)
	}
}

func listOr(prefix string, items []string, none string) string {
	if len(items) == 0 {
		return none
	}
	return prefix + strings.Join(items, ", ")
}

// checkSecretRef checks SECRETS.name.KEY against the declarations. The seed
// document's short form SECRETS.<provider>.<PROVIDER>_USER_TOKEN is accepted
// for a declared OAuth provider when no custom secret has that name, with a
// warning that shows the canonical form.
func (l *loader) checkSecretRef(t *Template, at Pos, r expr.Ref) {
	name, key := r.Path[0], r.Path[1]
	var keys []string
	declared := false
	for _, s := range t.Secrets {
		if s.SecretName() == name {
			declared = true
			keys = append(keys, s.AllKeys()...)
		}
	}
	if declared {
		if !slices.Contains(keys, key) {
			l.at(at, Error, "secret %q has no key %q; its keys are: %s", name, key, strings.Join(keys, ", "))
		}
		return
	}
	for _, s := range t.Secrets {
		if s.Kind == OAuthSecret && s.ProviderID == name && s.TokenKey() == key {
			l.at(at, Warning, "SECRETS.%s.%s is the seed document's short form; the canonical path is SECRETS.%s.%s", name, key, s.SecretName(), key)
			if t.SecretAliases == nil {
				t.SecretAliases = map[string]string{}
			}
			t.SecretAliases[name] = s.SecretName()
			return
		}
	}
	var names []string
	for _, s := range t.Secrets {
		names = append(names, s.SecretName())
	}
	sort.Strings(names)
	if len(names) == 0 {
		l.at(at, Error, "secret %q is not declared; add it under secrets: (e.g. - name: %s, keys: [%s])", name, name, key)
		return
	}
	l.at(at, Error, "secret %q is not declared; declared secrets are: %s", name, strings.Join(names, ", "))
}

// checkInterpolation warns when a string interpolates an input that may be
// None without a fallback: the text would read "None".
func (l *loader) checkInterpolation(t *Template, n *Node, e *expr.Expr) {
	r, ok := e.BareRef()
	if !ok || r.Context != "inputs" || len(r.Path) != 1 {
		return
	}
	in, ok := t.Input(r.Path[0])
	if !ok || in.Type == nil || !in.Type.Optional() || !in.HasDefault || in.Default != nil {
		return
	}
	l.at(l.offsetPos(n, r.Pos), Warning, "input %q defaults to None, which this string would show as the text \"None\"; add a fallback, e.g. ${{ %s || \"...\" }}", in.Name, r.Text)
}

// offsetPos maps a byte offset inside a scalar's value to its place in the
// file. Plain and quoted scalars on one line map exactly; block scalars map
// line by line; other multi-line forms are aligned character by character
// with the source.
func (l *loader) offsetPos(n *Node, off int) Pos {
	return nodeOffsetPos(l.lines, n, off)
}

// Position returns the place in the template file of the character at
// byte offset off of the string node n (an expression error's offset).
func (t *Template) Position(n *Node, off int) Pos {
	return nodeOffsetPos(t.lines, n, off)
}

func nodeOffsetPos(lines []string, n *Node, off int) Pos {
	l := &loader{lines: lines}
	s, _ := n.Value.(string)
	if off < 0 || off > len(s) || !n.Pos.IsValid() {
		return n.Pos
	}
	if line := l.line(n.Pos.Line); strings.HasPrefix(line[runeIndexToByte(line, n.Pos.Column-1):], "*") {
		// An alias: the text is written at its anchor, maybe many times
		// over; point at the alias itself.
		return n.Pos
	}
	switch n.Style {
	case Plain, SingleQuoted, DoubleQuoted:
		line := l.line(n.Pos.Line)
		start := runeIndexToByte(line, n.Pos.Column-1)
		if n.Style != Plain {
			start++
		}
		if !strings.ContainsAny(s, "\n'\\\"") && start <= len(line) && strings.HasPrefix(line[start:], s) {
			return Pos{Line: n.Pos.Line, Column: n.Pos.Column + boolInt(n.Style != Plain) + utf8.RuneCountInString(s[:off])}
		}
		return l.align(n, s, off)
	case Literal:
		k := strings.Count(s[:off], "\n")
		lineStart := strings.LastIndexByte(s[:off], '\n') + 1
		first := n.Pos.Line + 1
		text, _, _ := strings.Cut(s[lineStart:], "\n")
		if src := l.line(first + k); text != "" && strings.HasSuffix(src, text) {
			// The line as written is its indentation, then the text.
			indent := utf8.RuneCountInString(src) - utf8.RuneCountInString(text)
			return Pos{Line: first + k, Column: indent + utf8.RuneCountInString(s[lineStart:off]) + 1}
		}
		indent := 0
		for i := first; i <= len(l.lines); i++ {
			if text := l.line(i); strings.TrimSpace(text) != "" {
				indent = len(text) - len(strings.TrimLeft(text, " "))
				break
			}
		}
		return Pos{Line: first + k, Column: indent + utf8.RuneCountInString(s[lineStart:off]) + 1}
	}
	return l.align(n, s, off)
}

// align walks the source from the scalar's start, matching each character
// of the value in turn, to find where the character at off was written.
func (l *loader) align(n *Node, s string, off int) Pos {
	line, col := n.Pos.Line, n.Pos.Column
	src := []rune(l.line(line))
	ci := col - 1
	if n.Style == Folded || n.Style == Literal {
		line, ci = line+1, 0
		src = []rune(l.line(line))
	}
	next := func() (rune, bool) {
		for ci >= len(src) {
			if line >= len(l.lines) {
				return 0, false
			}
			line++
			src, ci = []rune(l.line(line)), 0
		}
		return src[ci], true
	}
	for i, r := range s {
		width := 1 // of the source text that r was written as
		for {
			c, ok := next()
			if !ok {
				return n.Pos
			}
			if n.Style == DoubleQuoted && c == '\\' && ci+1 < len(src) {
				// An escape sequence: it stands for r.
				width = escapeWidth(src[ci+1])
				break
			}
			if c == r || (r == '\n' || r == ' ') && c == ' ' {
				break
			}
			ci++
		}
		if i == off {
			return Pos{Line: line, Column: ci + 1}
		}
		ci += width
	}
	next()
	return Pos{Line: line, Column: ci + 1}
}

// escapeWidth returns how many characters the escape sequence of a
// double-quoted scalar takes, given the one after its backslash.
func escapeWidth(c rune) int {
	switch c {
	case 'x':
		return 4
	case 'u':
		return 6
	case 'U':
		return 10
	}
	return 2
}

func (l *loader) line(n int) string {
	if n < 1 || n > len(l.lines) {
		return ""
	}
	return l.lines[n-1]
}

func runeIndexToByte(s string, runes int) int {
	i := 0
	for k := 0; k < runes && i < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

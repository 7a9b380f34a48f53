package expr

import (
	"sort"
	"strings"

	"github.com/actuatehq/actuate/expr/value"
)

// Delimiters of expressions inside strings. Both mean the same; $<< >> is
// handy in files that another tool templates with {{ }}.
var delimiters = [][2]string{{"${{", "}}"}, {"$<<", ">>"}}

// Text is a compiled template string: literal text and expressions. It is
// immutable and safe for concurrent use.
type Text struct {
	src   string
	parts []part
	// single is set when the whole string is exactly one expression: the
	// value keeps its type instead of becoming text.
	single *Expr
}

type part struct {
	lit  string
	expr *Expr
}

// Errors is the list of problems found in one string, in order.
type Errors []*Error

// Error joins the messages.
func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Msg
	}
	return strings.Join(msgs, "; ")
}

// HasExpressions reports whether s holds an expression opener (${{ or $<<),
// without compiling anything.
func HasExpressions(s string) bool {
	return strings.Contains(s, "${{") || strings.Contains(s, "$<<")
}

// Compile scans s for ${{ … }} and $<< … >> expressions and compiles each
// one. An expression ends at the first closing delimiter. It returns every
// problem found, as [Errors] whose offsets are into s.
func Compile(s string) (*Text, error) {
	t := &Text{src: s}
	var errs Errors
	i := 0
	for i < len(s) {
		open, d := nextOpener(s, i)
		if open < 0 {
			t.parts = append(t.parts, part{lit: s[i:]})
			break
		}
		if open > i {
			t.parts = append(t.parts, part{lit: s[i:open]})
		}
		start := open + len(d[0])
		closeAt := strings.Index(s[start:], d[1])
		if closeAt < 0 {
			errs = append(errs, errorAt(open, len(s), "%s is not closed: end the expression with %s", d[0], d[1]))
			break
		}
		end := start + closeAt
		e, err := compileRange(s, start, end)
		if err != nil {
			errs = append(errs, err)
		}
		t.parts = append(t.parts, part{expr: e})
		if open == 0 && end+len(d[1]) == len(s) && len(t.parts) == 1 {
			t.single = e
		}
		i = end + len(d[1])
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return t, nil
}

// nextOpener finds the first opening delimiter at or after i.
func nextOpener(s string, i int) (int, [2]string) {
	best, which := -1, delimiters[0]
	for _, d := range delimiters {
		if k := strings.Index(s[i:], d[0]); k >= 0 && (best < 0 || i+k < best) {
			best, which = i+k, d
		}
	}
	return best, which
}

// Source returns the string the text was compiled from.
func (t *Text) Source() string { return t.src }

// IsLiteral reports whether the string holds no expression.
func (t *Text) IsLiteral() bool {
	return len(t.parts) <= 1 && (len(t.parts) == 0 || t.parts[0].expr == nil)
}

// Single returns the expression when the whole string is exactly one, so
// its value keeps its type.
func (t *Text) Single() (*Expr, bool) { return t.single, t.single != nil }

// Exprs returns the expressions in order.
func (t *Text) Exprs() []*Expr {
	var out []*Expr
	for _, p := range t.parts {
		if p.expr != nil {
			out = append(out, p.expr)
		}
	}
	return out
}

// Eval evaluates the string: the typed value of a single expression, or the
// text with each expression replaced by Python's str() of its value.
func (t *Text) Eval(env Env) (any, error) {
	return t.EvalEach(env, nil)
}

// EvalEach is [Text.Eval] that also hands each expression's value to seen
// (when not nil) as it is computed, so a caller can tell which values came
// from which expressions (the engine taints values derived from SECRETS).
func (t *Text) EvalEach(env Env, seen func(e *Expr, v any)) (any, error) {
	if t.single != nil {
		v, err := t.single.Eval(env)
		if err == nil && seen != nil {
			seen(t.single, v)
		}
		return v, err
	}
	if t.IsLiteral() {
		return t.src, nil
	}
	var b strings.Builder
	b.Grow(len(t.src))
	for _, p := range t.parts {
		if p.expr == nil {
			b.WriteString(p.lit)
			continue
		}
		v, err := p.expr.Eval(env)
		if err != nil {
			return nil, err
		}
		if seen != nil {
			seen(p.expr, v)
		}
		if s, ok := v.(string); ok {
			b.WriteString(s)
		} else {
			b.WriteString(value.Str(v))
		}
	}
	return b.String(), nil
}

// Ref is one context read by an expression: the context name and the
// leading named segments of its path (inputs.user_id → ["user_id"];
// SECRETS.okta.TOKEN → ["okta", "TOKEN"]). Pos and End span the whole read.
type Ref struct {
	Context  string
	Path     []string
	Pos, End int
	// Text is the read as written, e.g. "steps.get_user.result.data".
	Text string
}

// Refs returns every context read by the expression, in source order. The
// caller must not modify the slice.
func (e *Expr) Refs() []Ref { return e.refs }

func (e *Expr) collectRefs() []Ref {
	var out []Ref
	walk(e.root, func(n node) {
		c, ok := n.(*contextNode)
		if !ok {
			return
		}
		r := Ref{Context: c.context, Pos: c.pos, End: c.end, Text: c.text}
		for _, s := range c.path.segs {
			if s.kind != segKey {
				break
			}
			r.Path = append(r.Path, s.key)
		}
		out = append(out, r)
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pos < out[j].Pos })
	return out
}

// Reads reports whether the expression reads the context named ctx.
func (e *Expr) Reads(ctx string) bool {
	for _, c := range e.reads {
		if c == ctx {
			return true
		}
	}
	return false
}

// Reads reports whether any expression of the string reads the context
// named ctx.
func (t *Text) Reads(ctx string) bool {
	for _, p := range t.parts {
		if p.expr != nil && p.expr.Reads(ctx) {
			return true
		}
	}
	return false
}

// contextsRead lists the contexts read under n, each once.
func contextsRead(n node) []string {
	var out []string
	walk(n, func(n node) {
		if c, ok := n.(*contextNode); ok {
			for _, seen := range out {
				if seen == c.context {
					return
				}
			}
			out = append(out, c.context)
		}
	})
	return out
}

// BareRef returns the read when the whole expression is one context path
// and nothing else (no fallback, no function).
func (e *Expr) BareRef() (Ref, bool) {
	if _, ok := e.root.(*contextNode); !ok {
		return Ref{}, false
	}
	refs := e.Refs()
	return refs[0], true
}

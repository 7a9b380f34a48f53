// Package pylambda runs the Python lambda strings of Tracecat templates
// (poll_condition, stop_condition, next_request, python_lambda) without a
// Python process: it is a small interpreter for the subset of Python
// expressions that Tracecat's safe_lambda allows.
//
// A lambda is checked completely by [Compile], so that a template with a
// bad lambda fails when it loads: the source must be at most 1000
// characters, hold none of the forbidden substrings (__, \x, \u, chr(,
// ord(, .decode, .encode, base64, codecs), be a single `lambda` with
// positional parameters, and use only:
//
//   - literals: strings (with Python's escapes), ints, floats, True, False,
//     None, lists, tuples (which are lists), dicts and sets;
//   - the parameters, comprehension variables and nested lambdas (for
//     key=);
//   - arithmetic, bitwise, boolean, comparison (chained as in Python),
//     in / not in, is / is not, and x if c else y;
//   - subscripts and slices;
//   - list, dict and set comprehensions and generator expressions;
//   - calls of abs min max sum round len int float str bool list dict tuple
//     set all any sorted reversed enumerate zip range and jsonpath(path,
//     obj);
//   - the methods dict .get .keys .values .items, str .lower .upper .strip
//     .lstrip .rstrip .startswith .endswith .split .replace .join .find
//     .count, list .index .count.
//
// [Lambda.Call] evaluates with Python's semantics on the values of
// package value (nil, bool, int, float64, string, []any, *value.Map).
// Runtime errors read like Python's exceptions ("KeyError: 'state'").
// Results are plain data: tuples, sets, ranges, zip and enumerate results
// are lists. Differences from CPython: integers are 64-bit (an overflow is
// an error), dict keys must be strings (they are JSON objects), sets keep
// insertion order, and reversed, enumerate and zip return lists.
//
// Every call has a budget of [MaxSteps] evaluation steps and limits on
// the size of the lists and strings it builds, so that a lambda cannot run
// away.
package pylambda

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/actuatehq/actuate/expr"
)

const (
	// MaxLen is the longest lambda source, in characters.
	MaxLen = 1000
	// MaxSteps is the evaluation budget of one call.
	MaxSteps = 1_000_000
	// maxItems bounds the length of a list, dict or set a call builds.
	maxItems = 1_000_000
	// maxStringBytes bounds the length of a string a call builds.
	maxStringBytes = 32 << 20
)

// forbidden are the substrings Tracecat rejects in lambdas.
var forbidden = []string{"__", `\x`, `\u`, "chr(", "ord(", ".decode", ".encode", "base64", "codecs"}

// Lambda is a compiled `lambda x: ...` string; safe for concurrent use.
type Lambda struct {
	src string
	lam *lambdaNode
}

// Cached is [Compile] keeping the result, error included, by source, so
// that a step run again does not parse its lambda again. At most
// maxCached sources are kept (a lambda built by an expression may differ
// at each run); past them, Cached compiles each time.
func Cached(src string) (*Lambda, error) {
	if c, ok := cache.Load(src); ok {
		c := c.(compiled)
		return c.l, c.err
	}
	l, err := Compile(src)
	if cached.Load() < maxCached {
		if _, loaded := cache.LoadOrStore(src, compiled{l, err}); !loaded {
			cached.Add(1)
		}
	}
	return l, err
}

// maxCached bounds the sources Cached keeps.
const maxCached = 4096

var (
	cache  sync.Map // source -> compiled
	cached atomic.Int64
)

type compiled struct {
	l   *Lambda
	err error
}

// Compile parses and checks a lambda. All checks happen here, so that
// errors are found when a template loads.
func Compile(src string) (*Lambda, error) {
	if n := utf8.RuneCountInString(src); n > MaxLen {
		return nil, fmt.Errorf("the lambda is %d characters long; at most %d are allowed", n, MaxLen)
	}
	if !utf8.ValidString(src) {
		return nil, fmt.Errorf("the lambda is not valid UTF-8")
	}
	for _, f := range forbidden {
		if strings.Contains(src, f) {
			return nil, fmt.Errorf("the lambda contains %q, which is not allowed in lambdas (forbidden: %s)", f, strings.Join(forbidden, " "))
		}
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	lam, err := p.parseTop()
	if err != nil {
		return nil, err
	}
	r := &resolver{src: src}
	if err := r.lambda(lam, nil); err != nil {
		return nil, err
	}
	return &Lambda{src: src, lam: lam}, nil
}

// String returns the source of the lambda.
func (l *Lambda) String() string { return l.src }

// Params returns the names of the lambda's parameters.
func (l *Lambda) Params() []string { return append([]string(nil), l.lam.params...) }

// Call evaluates the lambda with args, which are values of package value
// (the call never modifies them), and returns plain data.
func (l *Lambda) Call(args ...any) (any, error) {
	m := &machine{}
	v, err := m.call(l.lam, nil, args)
	if err != nil {
		return nil, err
	}
	return m.plain(v)
}

// resolver binds the names of a parsed lambda to frame slots and checks
// calls, after parsing (a comprehension's element comes before the
// variables it uses).
type resolver struct {
	src string
}

// fnScope is one lambda being resolved.
type fnScope struct {
	nslots int
	params []string
}

// scope is a block of names: a lambda's parameters or a comprehension's
// variables.
type scope struct {
	fn     *fnScope
	names  map[string]int
	parent *scope
}

func (s *scope) lookup(name string) (depth, slot int, ok bool) {
	fn := s.fn
	for ; s != nil; s = s.parent {
		if s.fn != fn {
			depth++
			fn = s.fn
		}
		if i, found := s.names[name]; found {
			return depth, i, true
		}
	}
	return 0, 0, false
}

func (r *resolver) lambda(lam *lambdaNode, outer *scope) error {
	fn := &fnScope{nslots: len(lam.params), params: lam.params}
	sc := &scope{fn: fn, names: map[string]int{}, parent: outer}
	for i, p := range lam.params {
		sc.names[p] = i
	}
	if err := r.node(lam.body, sc); err != nil {
		return err
	}
	lam.nslots = fn.nslots
	return nil
}

func (r *resolver) nodes(ns []node, sc *scope) error {
	for _, n := range ns {
		if err := r.node(n, sc); err != nil {
			return err
		}
	}
	return nil
}

func (r *resolver) node(n node, sc *scope) error {
	switch n := n.(type) {
	case *constNode:
	case *nameNode:
		if d, slot, ok := sc.lookup(n.name); ok {
			n.depth, n.slot = d, slot
			return nil
		}
		if b, ok := builtins[n.name]; ok {
			n.builtin = b
			return nil
		}
		return r.undefined(n.name, n.pos, sc)
	case *listNode:
		return r.nodes(n.elts, sc)
	case *setNode:
		return r.nodes(n.elts, sc)
	case *dictNode:
		if err := r.nodes(n.keys, sc); err != nil {
			return err
		}
		return r.nodes(n.vals, sc)
	case *callNode:
		if _, _, ok := sc.lookup(n.name); ok {
			return fmt.Errorf("%s is not a function: only the allowed functions (%s) and methods can be called in lambdas", n.name, builtinList)
		}
		b, ok := builtins[n.name]
		if !ok {
			return fmt.Errorf("%s is not an allowed function in lambdas; allowed: %s", n.name, builtinList)
		}
		if err := b.checkArgs(len(n.args), n.kwnames); err != nil {
			return err
		}
		n.fn = b
		if b.name == "jsonpath" {
			if c, ok := n.args[0].(*constNode); ok {
				if p, ok := c.v.(string); ok {
					q, err := expr.CompileJSONPath(p)
					if err != nil {
						return err
					}
					n.fn = jsonPathWith(b, q)
				}
			}
		}
		if err := r.nodes(n.args, sc); err != nil {
			return err
		}
		return r.nodes(n.kwargs, sc)
	case *methodNode:
		if err := r.node(n.recv, sc); err != nil {
			return err
		}
		if n.ref != nil && n.ref.typ.builtin == nil {
			n.ref = nil // a parameter called str
		}
		if err := r.nodes(n.args, sc); err != nil {
			return err
		}
		return r.nodes(n.kwargs, sc)
	case *indexNode:
		return r.nodes([]node{n.x, n.index}, sc)
	case *sliceNode:
		for _, b := range []node{n.x, n.lo, n.hi, n.step} {
			if b != nil {
				if err := r.node(b, sc); err != nil {
					return err
				}
			}
		}
	case *binNode:
		return r.nodes([]node{n.l, n.r}, sc)
	case *unaryNode:
		return r.node(n.x, sc)
	case *boolNode:
		return r.nodes(n.items, sc)
	case *notNode:
		return r.node(n.x, sc)
	case *compareNode:
		return r.nodes(n.items, sc)
	case *condNode:
		return r.nodes([]node{n.cond, n.yes, n.no}, sc)
	case *compNode:
		inner := &scope{fn: sc.fn, names: map[string]int{}, parent: sc}
		for i, cl := range n.clauses {
			// The first iterable is evaluated outside the comprehension.
			iterScope := inner
			if i == 0 {
				iterScope = sc
			}
			if err := r.node(cl.iter, iterScope); err != nil {
				return err
			}
			r.bind(cl.target, inner)
			if err := r.nodes(cl.ifs, inner); err != nil {
				return err
			}
		}
		if n.key != nil {
			if err := r.node(n.key, inner); err != nil {
				return err
			}
		}
		return r.node(n.elt, inner)
	case *lambdaNode:
		return r.lambda(n, sc)
	case *methodRefNode:
		if err := r.node(n.typ, sc); err != nil {
			return err
		}
		if n.typ.builtin == nil {
			return fmt.Errorf("attribute access %s.%s is not allowed in lambdas: attributes can only be called as methods, e.g. x.get('%s')", n.typ.name, n.name, n.name)
		}
	default:
		return fmt.Errorf("internal error: unknown node %T", n)
	}
	return nil
}

// bind gives the variables of a for clause new slots.
func (r *resolver) bind(t *target, sc *scope) {
	if t.items == nil {
		t.slot = sc.fn.nslots
		sc.fn.nslots++
		sc.names[t.name] = t.slot
		return
	}
	for _, sub := range t.items {
		r.bind(sub, sc)
	}
}

func (r *resolver) undefined(name string, pos int, sc *scope) error {
	var params []string
	for s := sc; s != nil; s = s.parent {
		if s.parent == nil {
			params = s.fn.params
		}
	}
	switch name {
	case "true", "false", "null", "none":
		return fmt.Errorf("name '%s' is not defined; Python writes True, False and None", name)
	}
	return fmt.Errorf("name '%s' is not defined; a lambda can use its parameters (%s), the variables of its comprehensions and the allowed functions: %s", name, strings.Join(params, ", "), builtinList)
}

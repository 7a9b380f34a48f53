package pylambda

import (
	"fmt"
	"strings"

	"github.com/actuatehq/actuate/expr/value"
)

// machine holds the state of one call: the work done so far.
type machine struct {
	steps int
}

// frame holds the variables of one call of a lambda.
type frame struct {
	vars   []any
	parent *frame
}

func (m *machine) step() error {
	m.steps++
	if m.steps > MaxSteps {
		return errBudget
	}
	return nil
}

// chargeItems accounts for building a list of n items.
func (m *machine) chargeItems(n int) error {
	if n > maxItems {
		return errTooBig("list", maxItems)
	}
	m.steps += n
	if m.steps > MaxSteps {
		return errBudget
	}
	return nil
}

// chargeString accounts for building a string of n bytes.
func (m *machine) chargeString(n int) error {
	if n > maxStringBytes {
		return errTooBig("string", maxStringBytes)
	}
	m.steps += n / 256
	if m.steps > MaxSteps {
		return errBudget
	}
	return nil
}

var errBudget = fmt.Errorf("the lambda took more than %d evaluation steps; lambdas are for small computations", MaxSteps)

func errTooBig(what string, limit int) error {
	unit := "items"
	if what == "string" {
		unit = "bytes"
	}
	return fmt.Errorf("the lambda built a %s of more than %d %s; lambdas are for small computations", what, limit, unit)
}

func (n *constNode) eval(m *machine, f *frame) (any, error) { return n.v, nil }

func (n *nameNode) eval(m *machine, f *frame) (any, error) {
	if n.builtin != nil {
		return n.builtin, nil
	}
	for d := n.depth; d > 0; d-- {
		f = f.parent
	}
	return f.vars[n.slot], nil
}

func (m *machine) evalAll(nodes []node, f *frame) ([]any, error) {
	out := make([]any, len(nodes))
	for i, n := range nodes {
		v, err := n.eval(m, f)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (n *listNode) eval(m *machine, f *frame) (any, error) {
	if err := m.step(); err != nil {
		return nil, err
	}
	return m.evalAll(n.elts, f)
}

func (n *setNode) eval(m *machine, f *frame) (any, error) {
	if err := m.step(); err != nil {
		return nil, err
	}
	items, err := m.evalAll(n.elts, f)
	if err != nil {
		return nil, err
	}
	s := newSet(len(items))
	for _, it := range items {
		if err := s.add(it); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (n *dictNode) eval(m *machine, f *frame) (any, error) {
	if err := m.step(); err != nil {
		return nil, err
	}
	d := value.NewMap(len(n.keys))
	for i := range n.keys {
		k, err := n.keys[i].eval(m, f)
		if err != nil {
			return nil, err
		}
		v, err := n.vals[i].eval(m, f)
		if err != nil {
			return nil, err
		}
		if err := setKey(d, k, v); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// setKey stores v under k: dicts hold plain data, whose keys are strings.
func setKey(d *value.Map, k, v any) error {
	s, ok := k.(string)
	if !ok {
		if _, err := hashKey(k); err != nil {
			return err
		}
		return typeErr("dict keys must be strings in lambdas (results are JSON data), not '%s'; convert the key with str()", typeName(k))
	}
	if d.Len() >= maxItems {
		return errTooBig("dict", maxItems)
	}
	d.Set(s, v)
	return nil
}

func (n *callNode) eval(m *machine, f *frame) (any, error) {
	if err := m.step(); err != nil {
		return nil, err
	}
	args, err := m.evalAll(n.args, f)
	if err != nil {
		return nil, err
	}
	kw := kwargs{names: n.kwnames}
	if len(n.kwargs) > 0 {
		if kw.vals, err = m.evalAll(n.kwargs, f); err != nil {
			return nil, err
		}
	}
	return n.fn.fn(m, args, kw)
}

func (n *methodNode) eval(m *machine, f *frame) (any, error) {
	if err := m.step(); err != nil {
		return nil, err
	}
	var recv any
	var err error
	if n.ref == nil {
		if recv, err = n.recv.eval(m, f); err != nil {
			return nil, err
		}
	}
	args, err := m.evalAll(n.args, f)
	if err != nil {
		return nil, err
	}
	kw := kwargs{names: n.kwnames}
	if len(n.kwargs) > 0 {
		if kw.vals, err = m.evalAll(n.kwargs, f); err != nil {
			return nil, err
		}
	}
	if n.ref != nil {
		fn, _ := n.ref.eval(m, f)
		b := fn.(*builtin)
		if len(args) == 0 {
			return nil, typeErr("unbound method %s.%s() needs an argument", n.ref.typ.name, n.name)
		}
		return b.fn(m, args, kw)
	}
	return m.callMethod(recv, n.name, args, kw)
}

func (n *indexNode) eval(m *machine, f *frame) (any, error) {
	if err := m.step(); err != nil {
		return nil, err
	}
	x, err := n.x.eval(m, f)
	if err != nil {
		return nil, err
	}
	i, err := n.index.eval(m, f)
	if err != nil {
		return nil, err
	}
	return m.index(x, i)
}

func (n *sliceNode) eval(m *machine, f *frame) (any, error) {
	if err := m.step(); err != nil {
		return nil, err
	}
	x, err := n.x.eval(m, f)
	if err != nil {
		return nil, err
	}
	var b [3]any
	for i, bn := range [3]node{n.lo, n.hi, n.step} {
		if bn != nil {
			if b[i], err = bn.eval(m, f); err != nil {
				return nil, err
			}
		}
	}
	return m.slice(x, b[0], b[1], b[2])
}

func (n *binNode) eval(m *machine, f *frame) (any, error) {
	if err := m.step(); err != nil {
		return nil, err
	}
	a, err := n.l.eval(m, f)
	if err != nil {
		return nil, err
	}
	b, err := n.r.eval(m, f)
	if err != nil {
		return nil, err
	}
	return m.binary(n.op, a, b)
}

func (n *unaryNode) eval(m *machine, f *frame) (any, error) {
	if err := m.step(); err != nil {
		return nil, err
	}
	x, err := n.x.eval(m, f)
	if err != nil {
		return nil, err
	}
	return unary(n.op, x)
}

func (n *boolNode) eval(m *machine, f *frame) (any, error) {
	if err := m.step(); err != nil {
		return nil, err
	}
	var v any
	for _, it := range n.items {
		var err error
		if v, err = it.eval(m, f); err != nil {
			return nil, err
		}
		if truthy(v) != n.and {
			return v, nil
		}
	}
	return v, nil
}

func (n *notNode) eval(m *machine, f *frame) (any, error) {
	if err := m.step(); err != nil {
		return nil, err
	}
	x, err := n.x.eval(m, f)
	if err != nil {
		return nil, err
	}
	return !truthy(x), nil
}

func (n *compareNode) eval(m *machine, f *frame) (any, error) {
	if err := m.step(); err != nil {
		return nil, err
	}
	a, err := n.items[0].eval(m, f)
	if err != nil {
		return nil, err
	}
	for i, op := range n.ops {
		b, err := n.items[i+1].eval(m, f)
		if err != nil {
			return nil, err
		}
		var r bool
		switch op {
		case "==", "!=":
			r, err = m.eq(a, b)
			r = r == (op == "==")
		case "in", "not in":
			r, err = m.contains(a, b)
			r = r == (op == "in")
		case "is":
			r = is(a, b)
		case "is not":
			r = !is(a, b)
		default:
			r, err = m.compare(op, a, b)
		}
		if err != nil {
			return nil, err
		}
		if !r {
			return false, nil
		}
		a = b
	}
	return true, nil
}

func (n *condNode) eval(m *machine, f *frame) (any, error) {
	if err := m.step(); err != nil {
		return nil, err
	}
	c, err := n.cond.eval(m, f)
	if err != nil {
		return nil, err
	}
	if truthy(c) {
		return n.yes.eval(m, f)
	}
	return n.no.eval(m, f)
}

func (n *lambdaNode) eval(m *machine, f *frame) (any, error) {
	return &closure{lam: n, env: f}, nil
}

// call runs a lambda with args in a new frame below env.
func (m *machine) call(lam *lambdaNode, env *frame, args []any) (any, error) {
	if len(args) != len(lam.params) {
		return nil, arityError(lam.params, len(args))
	}
	if err := m.step(); err != nil {
		return nil, err
	}
	f := &frame{vars: make([]any, lam.nslots), parent: env}
	copy(f.vars, args)
	return lam.body.eval(m, f)
}

func arityError(params []string, n int) error {
	if n > len(params) {
		s := "s"
		if len(params) == 1 {
			s = ""
		}
		was := "were"
		if n == 1 {
			was = "was"
		}
		return typeErr("<lambda>() takes %d positional argument%s but %d %s given", len(params), s, n, was)
	}
	missing := params[n:]
	quoted := make([]string, len(missing))
	for i, p := range missing {
		quoted[i] = "'" + p + "'"
	}
	var list string
	switch len(quoted) {
	case 1:
		list = quoted[0]
	case 2:
		list = quoted[0] + " and " + quoted[1]
	default:
		list = strings.Join(quoted[:len(quoted)-1], ", ") + ", and " + quoted[len(quoted)-1]
	}
	s := "s"
	if len(missing) == 1 {
		s = ""
	}
	return typeErr("<lambda>() missing %d required positional argument%s: %s", len(missing), s, list)
}

// callValue calls a function value: a nested lambda or an allowed
// function passed as key=.
func (m *machine) callValue(fn any, args ...any) (any, error) {
	switch c := fn.(type) {
	case *closure:
		return m.call(c.lam, c.env, args)
	case *builtin:
		if err := c.checkArgs(len(args), nil); err != nil {
			return nil, typeErr("%s", err.Error())
		}
		return c.fn(m, args, kwargs{})
	}
	return nil, typeErr("'%s' object is not callable", typeName(fn))
}

func (n *compNode) eval(m *machine, f *frame) (any, error) {
	if err := m.step(); err != nil {
		return nil, err
	}
	switch n.kind {
	case 'g':
		return &generator{c: n, f: f}, nil
	case 'l':
		out := []any{}
		err := m.runClauses(f, n, 0, func() error {
			v, err := n.elt.eval(m, f)
			if err != nil {
				return err
			}
			if len(out) >= maxItems {
				return errTooBig("list", maxItems)
			}
			out = append(out, v)
			return nil
		})
		return out, err
	case 's':
		out := newSet(0)
		err := m.runClauses(f, n, 0, func() error {
			v, err := n.elt.eval(m, f)
			if err != nil {
				return err
			}
			return out.add(v)
		})
		return out, err
	}
	out := value.NewMap(0)
	err := m.runClauses(f, n, 0, func() error {
		k, err := n.key.eval(m, f)
		if err != nil {
			return err
		}
		v, err := n.elt.eval(m, f)
		if err != nil {
			return err
		}
		return setKey(out, k, v)
	})
	return out, err
}

// runClauses runs the for/if clauses of c from clause k on, calling emit
// for each combination that passes the conditions.
func (m *machine) runClauses(f *frame, c *compNode, k int, emit func() error) error {
	if k == len(c.clauses) {
		return emit()
	}
	cl := c.clauses[k]
	it, err := cl.iter.eval(m, f)
	if err != nil {
		return err
	}
	return m.each(it, func(v any) error {
		if err := m.bind(f, cl.target, v); err != nil {
			return err
		}
		for _, cond := range cl.ifs {
			ok, err := cond.eval(m, f)
			if err != nil {
				return err
			}
			if !truthy(ok) {
				return nil
			}
		}
		return m.runClauses(f, c, k+1, emit)
	})
}

// bind assigns v to the variables of a for clause.
func (m *machine) bind(f *frame, t *target, v any) error {
	if t.items == nil {
		f.vars[t.slot] = v
		return nil
	}
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case string, *value.Map, *pySet, *rangeVal, *generator:
		err := m.each(v, func(it any) error {
			items = append(items, it)
			if len(items) > len(t.items) {
				return errStop
			}
			return nil
		})
		if err != nil && err != errStop {
			return err
		}
	default:
		return typeErr("cannot unpack non-iterable %s object", typeName(v))
	}
	switch {
	case len(items) < len(t.items):
		return valueErr("not enough values to unpack (expected %d, got %d)", len(t.items), len(items))
	case len(items) > len(t.items):
		return valueErr("too many values to unpack (expected %d)", len(t.items))
	}
	for i, sub := range t.items {
		if err := m.bind(f, sub, items[i]); err != nil {
			return err
		}
	}
	return nil
}

// repr is Python's repr() of any value of a call, bounded in size.
func (m *machine) repr(v any) (string, error) {
	var b strings.Builder
	err := m.writeRepr(&b, v)
	return b.String(), err
}

// str is Python's str().
func (m *machine) str(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []any, *value.Map, *pySet, *rangeVal, *closure, *builtin, *generator:
		return m.repr(v)
	}
	return value.Str(v), nil
}

func (m *machine) writeRepr(b *strings.Builder, v any) error {
	if err := m.step(); err != nil {
		return err
	}
	if b.Len() > maxStringBytes {
		return errTooBig("string", maxStringBytes)
	}
	switch x := v.(type) {
	case []any:
		b.WriteByte('[')
		for i, it := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := m.writeRepr(b, it); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case *value.Map:
		b.WriteByte('{')
		if x != nil {
			for i, k := range x.Keys() {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(value.Repr(k))
				b.WriteString(": ")
				it, _ := x.Get(k)
				if err := m.writeRepr(b, it); err != nil {
					return err
				}
			}
		}
		b.WriteByte('}')
	case *pySet:
		if len(x.items) == 0 {
			b.WriteString("set()")
			return nil
		}
		b.WriteByte('{')
		for i, it := range x.items {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := m.writeRepr(b, it); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case *rangeVal:
		if x.step == 1 {
			fmt.Fprintf(b, "range(%d, %d)", x.start, x.stop)
		} else {
			fmt.Fprintf(b, "range(%d, %d, %d)", x.start, x.stop, x.step)
		}
	case *closure:
		b.WriteString("<function <lambda>>")
	case *builtin:
		fmt.Fprintf(b, "<built-in function %s>", x.name)
	case *generator:
		b.WriteString("<generator object <genexpr>>")
	default:
		s := value.Repr(v)
		if err := m.chargeString(b.Len() + len(s)); err != nil {
			return err
		}
		b.WriteString(s)
	}
	return nil
}

// plain turns the result of a call into plain data: sets, ranges and
// generators become lists; functions are an error.
func (m *machine) plain(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		var out []any
		for i, it := range x {
			p, err := m.plain(it)
			if err != nil {
				return nil, err
			}
			if out == nil && !same(p, it) {
				out = append(make([]any, 0, len(x)), x[:i]...)
			}
			if out != nil {
				out = append(out, p)
			}
		}
		if out != nil {
			return out, nil
		}
		return x, nil
	case *value.Map:
		if x == nil {
			return nil, nil
		}
		var out *value.Map
		for i, k := range x.Keys() {
			it, _ := x.Get(k)
			p, err := m.plain(it)
			if err != nil {
				return nil, err
			}
			if out == nil && !same(p, it) {
				out = value.NewMap(x.Len())
				for _, k2 := range x.Keys()[:i] {
					v2, _ := x.Get(k2)
					out.Set(k2, v2)
				}
			}
			if out != nil {
				out.Set(k, p)
			}
		}
		if out != nil {
			return out, nil
		}
		return x, nil
	case *pySet, *rangeVal, *generator:
		l, err := m.list(x)
		if err != nil {
			return nil, err
		}
		return m.plain(l)
	case *closure, *builtin:
		return nil, typeErr("the lambda returned a function (%s); results must be plain data", m.reprOrType(v))
	case int64:
		return int(x), nil
	}
	return v, nil
}

// same reports whether plain left a value as it was.
func same(a, b any) bool {
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	case *value.Map:
		y, ok := b.(*value.Map)
		return ok && x == y
	case int, int64:
		_, ok := b.(int64)
		return !ok
	}
	return true
}

// unboundTypes are the types whose methods can be taken as functions.
var unboundTypes = map[string]bool{"str": true, "dict": true, "list": true}

func (n *methodRefNode) eval(m *machine, f *frame) (any, error) {
	typ, name := n.typ.name, n.name
	return &builtin{name: typ + "." + name, minArgs: 1, maxArgs: -1, fn: func(m *machine, args []any, kw kwargs) (any, error) {
		if typeName(args[0]) != typ {
			return nil, typeErr("descriptor '%s' for '%s' objects doesn't apply to a '%s' object", name, typ, typeName(args[0]))
		}
		return m.callMethod(args[0], name, args[1:], kw)
	}}, nil
}

package pylambda

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/actuatehq/actuate/expr/value"
)

// pyError is a runtime error, shown as Python shows an exception:
// "KeyError: 'state'".
type pyError struct {
	kind, msg string
}

func (e *pyError) Error() string { return e.kind + ": " + e.msg }

func typeErr(format string, args ...any) error {
	return &pyError{"TypeError", fmt.Sprintf(format, args...)}
}

func valueErr(format string, args ...any) error {
	return &pyError{"ValueError", fmt.Sprintf(format, args...)}
}

func overflowErr() error {
	return &pyError{"OverflowError", "integer result does not fit in 64 bits (lambdas use 64-bit integers)"}
}

// errStop ends an iteration early; the code that started the iteration
// turns it back into nil.
var errStop = errors.New("stop")

// Values that exist only inside a call.
type (
	// pySet is a Python set; it keeps insertion order.
	pySet struct {
		items []any
		index map[any]int
	}
	// rangeVal is range(start, stop, step), iterated lazily.
	rangeVal struct{ start, stop, step int }
	// closure is a nested lambda with the frame it was made in.
	closure struct {
		lam *lambdaNode
		env *frame
	}
	// generator is a generator expression, run when iterated.
	generator struct {
		c *compNode
		f *frame
	}
)

func newSet(n int) *pySet { return &pySet{index: make(map[any]int, n)} }

func (s *pySet) add(v any) error {
	k, err := hashKey(v)
	if err != nil {
		return err
	}
	if _, ok := s.index[k]; !ok {
		if len(s.items) >= maxItems {
			return errTooBig("set", maxItems)
		}
		s.index[k] = len(s.items)
		s.items = append(s.items, v)
	}
	return nil
}

func (s *pySet) has(v any) (bool, error) {
	k, err := hashKey(v)
	if err != nil {
		return false, err
	}
	_, ok := s.index[k]
	return ok, nil
}

func (r *rangeVal) len() int {
	switch {
	case r.step > 0 && r.start < r.stop:
		return int((uint64(r.stop-r.start)-1)/uint64(r.step) + 1)
	case r.step < 0 && r.start > r.stop:
		return int((uint64(r.start-r.stop)-1)/uint64(-r.step) + 1)
	}
	return 0
}

func (r *rangeVal) at(i int) int { return r.start + i*r.step }

// typeName is Python's type name of v.
func typeName(v any) string {
	switch v.(type) {
	case *pySet:
		return "set"
	case *rangeVal:
		return "range"
	case *closure:
		return "function"
	case *builtin:
		return "builtin_function_or_method"
	case *generator:
		return "generator"
	}
	return value.TypeName(v)
}

// hashKey is value.HashKey extended to the values of a call.
func hashKey(v any) (any, error) {
	switch x := v.(type) {
	case *pySet, []any, *value.Map:
		return nil, typeErr("unhashable type: '%s'", typeName(v))
	case *rangeVal:
		return *x, nil
	case *closure, *builtin, *generator:
		return x, nil
	}
	k, err := value.HashKey(v)
	if err != nil {
		return nil, typeErr("%s", err.Error())
	}
	return k, nil
}

// asNumber splits a number into an int or a float.
func asNumber(v any) (i int, f float64, isFloat, ok bool) {
	if n, ok := value.Int(v); ok {
		return n, 0, false, true
	}
	if x, ok := v.(float64); ok {
		return 0, x, true, true
	}
	return 0, 0, false, false
}

// eq is Python's ==.
func (m *machine) eq(a, b any) (bool, error) {
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok {
			return false, nil
		}
		if len(x) != len(y) {
			return false, nil
		}
		for i := range x {
			if err := m.step(); err != nil {
				return false, err
			}
			if e, err := m.eq(x[i], y[i]); err != nil || !e {
				return false, err
			}
		}
		return true, nil
	case *value.Map:
		y, ok := b.(*value.Map)
		if !ok || x == nil || y == nil {
			return ok && x == y, nil
		}
		if x.Len() != y.Len() {
			return false, nil
		}
		for _, k := range x.Keys() {
			if err := m.step(); err != nil {
				return false, err
			}
			xv, _ := x.Get(k)
			yv, ok := y.Get(k)
			if !ok {
				return false, nil
			}
			if e, err := m.eq(xv, yv); err != nil || !e {
				return false, err
			}
		}
		return true, nil
	case *pySet:
		y, ok := b.(*pySet)
		if !ok || len(x.items) != len(y.items) {
			return false, nil
		}
		return m.subset(x, y)
	case *rangeVal:
		y, ok := b.(*rangeVal)
		if !ok {
			return false, nil
		}
		n := x.len()
		return n == y.len() && (n == 0 || x.start == y.start && (n == 1 || x.step == y.step)), nil
	case *closure, *builtin, *generator:
		return a == b, nil
	}
	switch b.(type) {
	case []any, *value.Map, *pySet, *rangeVal, *closure, *builtin, *generator:
		return false, nil
	}
	return value.Equal(a, b), nil
}

// subset reports whether every item of x is in y.
func (m *machine) subset(x, y *pySet) (bool, error) {
	for _, it := range x.items {
		if err := m.step(); err != nil {
			return false, err
		}
		if ok, _ := y.has(it); !ok {
			return false, nil
		}
	}
	return true, nil
}

// compare evaluates a < b, a <= b, a > b or a >= b.
func (m *machine) compare(op string, a, b any) (bool, error) {
	notSupported := func() error {
		return typeErr("'%s' not supported between instances of '%s' and '%s'", op, typeName(a), typeName(b))
	}
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok {
			return false, notSupported()
		}
		for i := 0; i < len(x) && i < len(y); i++ {
			if err := m.step(); err != nil {
				return false, err
			}
			e, err := m.eq(x[i], y[i])
			if err != nil {
				return false, err
			}
			if !e {
				return m.compare(op, x[i], y[i])
			}
		}
		return value.CompareOp(op, len(x), len(y))
	case *pySet:
		y, ok := b.(*pySet)
		if !ok {
			return false, notSupported()
		}
		switch op {
		case "<=":
			return m.subset(x, y)
		case ">=":
			return m.subset(y, x)
		case "<":
			s, err := m.subset(x, y)
			return s && len(x.items) < len(y.items), err
		default:
			s, err := m.subset(y, x)
			return s && len(y.items) < len(x.items), err
		}
	case *value.Map, *rangeVal, *closure, *builtin, *generator, nil:
		return false, notSupported()
	}
	switch b.(type) {
	case []any, *value.Map, *pySet, *rangeVal, *closure, *builtin, *generator, nil:
		return false, notSupported()
	}
	r, err := value.CompareOp(op, a, b)
	if err != nil {
		return false, &pyError{"TypeError", err.Error()}
	}
	return r, nil
}

// is is Python's identity test, as far as plain data has one: None, True
// and False are singletons, containers are the same object, and numbers
// and strings of the same type and value are taken as identical.
func is(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	case *value.Map:
		y, ok := b.(*value.Map)
		return ok && x == y
	case int, float64, string:
		return typeName(a) == typeName(b) && value.Equal(a, b)
	}
	switch b.(type) {
	case []any, *value.Map:
		return false
	}
	return a == b
}

// contains is Python's item in container.
func (m *machine) contains(item, container any) (bool, error) {
	switch c := container.(type) {
	case string:
		s, ok := item.(string)
		if !ok {
			return false, typeErr("'in <string>' requires string as left operand, not %s", typeName(item))
		}
		return strings.Contains(c, s), nil
	case *value.Map:
		k, ok := item.(string)
		if !ok {
			if _, err := hashKey(item); err != nil {
				return false, err
			}
			return false, nil
		}
		_, found := c.Get(k)
		return found, nil
	case *pySet:
		return c.has(item)
	case *rangeVal:
		if n, ok := value.Int(item); ok {
			if c.step > 0 && (n < c.start || n >= c.stop) || c.step < 0 && (n > c.start || n <= c.stop) {
				return false, nil
			}
			return (n-c.start)%c.step == 0, nil
		}
	case []any, *generator:
	default:
		return false, typeErr("argument of type '%s' is not iterable", typeName(container))
	}
	found := false
	err := m.each(container, func(v any) error {
		e, err := m.eq(item, v)
		if err != nil {
			return err
		}
		if e {
			found = true
			return errStop
		}
		return nil
	})
	if err == errStop {
		err = nil
	}
	return found, err
}

// each calls fn with the items of an iterable. An error from fn, errStop
// included, ends the iteration and is returned.
func (m *machine) each(v any, fn func(any) error) error {
	switch x := v.(type) {
	case []any:
		for _, it := range x {
			if err := m.step(); err != nil {
				return err
			}
			if err := fn(it); err != nil {
				return err
			}
		}
	case string:
		for _, r := range x {
			if err := m.step(); err != nil {
				return err
			}
			if err := fn(string(r)); err != nil {
				return err
			}
		}
	case *value.Map:
		if x == nil {
			return nil
		}
		for _, k := range x.Keys() {
			if err := m.step(); err != nil {
				return err
			}
			if err := fn(k); err != nil {
				return err
			}
		}
	case *pySet:
		for _, it := range x.items {
			if err := m.step(); err != nil {
				return err
			}
			if err := fn(it); err != nil {
				return err
			}
		}
	case *rangeVal:
		n := x.len()
		for i := 0; i < n; i++ {
			if err := m.step(); err != nil {
				return err
			}
			if err := fn(x.at(i)); err != nil {
				return err
			}
		}
	case *generator:
		return m.runClauses(x.f, x.c, 0, func() error {
			v, err := x.c.elt.eval(m, x.f)
			if err != nil {
				return err
			}
			return fn(v)
		})
	default:
		return typeErr("'%s' object is not iterable", typeName(v))
	}
	return nil
}

// list returns the items of an iterable as a list; a list is returned as
// it is.
func (m *machine) list(v any) ([]any, error) {
	if l, ok := v.([]any); ok {
		return l, nil
	}
	out := []any{}
	err := m.each(v, func(it any) error {
		if len(out) >= maxItems {
			return errTooBig("list", maxItems)
		}
		out = append(out, it)
		return nil
	})
	return out, err
}

// truthy is Python's truth test.
func truthy(v any) bool {
	switch x := v.(type) {
	case *pySet:
		return len(x.items) > 0
	case *rangeVal:
		return x.len() > 0
	case *closure, *builtin, *generator:
		return true
	}
	return value.Truthy(v)
}

// Integer arithmetic with overflow checks.

func addInt(a, b int) (int, error) {
	c := a + b
	if (c > a) != (b > 0) {
		return 0, overflowErr()
	}
	return c, nil
}

func subInt(a, b int) (int, error) {
	c := a - b
	if (c < a) != (b > 0) {
		return 0, overflowErr()
	}
	return c, nil
}

func mulInt(a, b int) (int, error) {
	if a == 0 || b == 0 {
		return 0, nil
	}
	hi, lo := bits.Mul64(uint64(absU(a)), uint64(absU(b)))
	neg := (a < 0) != (b < 0)
	if hi != 0 || !neg && lo > math.MaxInt64 || neg && lo > 1<<63 {
		return 0, overflowErr()
	}
	if neg {
		return int(-lo), nil
	}
	return int(lo), nil
}

func absU(a int) uint64 {
	if a < 0 {
		return uint64(-(a + 1)) + 1
	}
	return uint64(a)
}

// floorDivMod is Python's divmod for integers.
func floorDivMod(a, b int) (int, int, error) {
	if a == math.MinInt64 && b == -1 {
		return 0, 0, overflowErr()
	}
	q, r := a/b, a%b
	if r != 0 && (r < 0) != (b < 0) {
		q--
		r += b
	}
	return q, r, nil
}

// floatDivMod is Python's divmod for floats.
func floatDivMod(a, b float64) (float64, float64) {
	mod := math.Mod(a, b)
	div := (a - mod) / b
	if mod != 0 {
		if (b < 0) != (mod < 0) {
			mod += b
			div -= 1
		}
	} else {
		mod = math.Copysign(0, b)
	}
	var floordiv float64
	if div != 0 {
		floordiv = math.Floor(div)
		if div-floordiv > 0.5 {
			floordiv += 1
		}
	} else {
		floordiv = math.Copysign(0, a/b)
	}
	return floordiv, mod
}

func powInt(a, b int) (int, error) {
	r := 1
	for b > 0 {
		var err error
		if b&1 == 1 {
			if r, err = mulInt(r, a); err != nil {
				return 0, err
			}
		}
		b >>= 1
		if b > 0 {
			if a, err = mulInt(a, a); err != nil {
				return 0, err
			}
		}
	}
	return r, nil
}

func checkFloat(f float64, a, b float64) (float64, error) {
	if math.IsInf(f, 0) && !math.IsInf(a, 0) && !math.IsInf(b, 0) {
		return 0, &pyError{"OverflowError", "(34, 'Numerical result out of range')"}
	}
	return f, nil
}

// binary evaluates the arithmetic and bitwise operators.
func (m *machine) binary(op string, a, b any) (any, error) {
	unsupported := func() error {
		return typeErr("unsupported operand type(s) for %s: '%s' and '%s'", op, typeName(a), typeName(b))
	}
	ai, af, aF, aNum := asNumber(a)
	bi, bf, bF, bNum := asNumber(b)
	bothInt := aNum && bNum && !aF && !bF
	if aNum && bNum && !bothInt {
		if !aF {
			af = float64(ai)
		}
		if !bF {
			bf = float64(bi)
		}
	}
	switch op {
	case "+":
		switch {
		case bothInt:
			return addInt(ai, bi)
		case aNum && bNum:
			return af + bf, nil
		}
		switch x := a.(type) {
		case string:
			y, ok := b.(string)
			if !ok {
				return nil, typeErr("can only concatenate str (not \"%s\") to str", typeName(b))
			}
			if err := m.chargeString(len(x) + len(y)); err != nil {
				return nil, err
			}
			return x + y, nil
		case []any:
			y, ok := b.([]any)
			if !ok {
				return nil, typeErr("can only concatenate list (not \"%s\") to list", typeName(b))
			}
			if err := m.chargeItems(len(x) + len(y)); err != nil {
				return nil, err
			}
			out := make([]any, 0, len(x)+len(y))
			return append(append(out, x...), y...), nil
		}
	case "-":
		switch {
		case bothInt:
			return subInt(ai, bi)
		case aNum && bNum:
			return af - bf, nil
		}
		if x, ok := a.(*pySet); ok {
			if y, ok := b.(*pySet); ok {
				out := newSet(0)
				for _, it := range x.items {
					if err := m.step(); err != nil {
						return nil, err
					}
					if in, _ := y.has(it); !in {
						out.add(it)
					}
				}
				return out, nil
			}
		}
	case "*":
		switch {
		case bothInt:
			return mulInt(ai, bi)
		case aNum && bNum:
			return af * bf, nil
		}
		seq, n := a, b
		if _, ok := value.Int(a); ok {
			seq, n = b, a
		}
		switch s := seq.(type) {
		case string, []any:
			k, ok := value.Int(n)
			if !ok {
				if _, isF := n.(float64); isF || isSeq(n) {
					return nil, typeErr("can't multiply sequence by non-int of type '%s'", typeName(n))
				}
				break
			}
			if k < 0 {
				k = 0
			}
			if str, ok := s.(string); ok {
				if len(str) > 0 && k > maxStringBytes/len(str) {
					return nil, errTooBig("string", maxStringBytes)
				}
				if err := m.chargeString(len(str) * k); err != nil {
					return nil, err
				}
				return strings.Repeat(str, k), nil
			}
			l := s.([]any)
			if len(l) > 0 && k > maxItems/len(l) {
				return nil, errTooBig("list", maxItems)
			}
			if err := m.chargeItems(len(l) * k); err != nil {
				return nil, err
			}
			return slices.Repeat(l, k), nil
		}
	case "/":
		if aNum && bNum {
			if bothInt {
				af, bf = float64(ai), float64(bi)
			}
			if bf == 0 {
				if bothInt {
					return nil, &pyError{"ZeroDivisionError", "division by zero"}
				}
				return nil, &pyError{"ZeroDivisionError", "float division by zero"}
			}
			return af / bf, nil
		}
	case "//", "%":
		if _, ok := a.(string); ok && op == "%" {
			return nil, typeErr("%%-formatting of strings is not supported in lambdas; build the text with + and str()")
		}
		if bothInt {
			if bi == 0 {
				if op == "%" {
					return nil, &pyError{"ZeroDivisionError", "integer modulo by zero"}
				}
				return nil, &pyError{"ZeroDivisionError", "integer division or modulo by zero"}
			}
			if op == "%" && bi == -1 {
				return 0, nil // MinInt64 % -1 fits, where the quotient does not
			}
			q, r, err := floorDivMod(ai, bi)
			if op == "%" {
				return r, err
			}
			return q, err
		}
		if aNum && bNum {
			if bf == 0 {
				if op == "%" {
					return nil, &pyError{"ZeroDivisionError", "float modulo"}
				}
				return nil, &pyError{"ZeroDivisionError", "float floor division by zero"}
			}
			q, r := floatDivMod(af, bf)
			if op == "%" {
				return r, nil
			}
			return q, nil
		}
	case "**":
		if bothInt {
			if bi >= 0 {
				return powInt(ai, bi)
			}
			af, bf = float64(ai), float64(bi)
		}
		if aNum && bNum {
			if af == 0 && bf < 0 {
				return nil, &pyError{"ZeroDivisionError", "0.0 cannot be raised to a negative power"}
			}
			if af < 0 && bf != math.Trunc(bf) && !math.IsInf(bf, 0) {
				return nil, valueErr("a negative number cannot be raised to a fractional power in lambdas (the result is complex)")
			}
			return checkFloat(math.Pow(af, bf), af, bf)
		}
	case "<<", ">>":
		if bothInt {
			if bi < 0 {
				return nil, valueErr("negative shift count")
			}
			if op == ">>" {
				if bi >= 64 {
					if ai < 0 {
						return -1, nil
					}
					return 0, nil
				}
				return ai >> uint(bi), nil
			}
			if ai == 0 {
				return 0, nil
			}
			if (ai<<uint(bi))>>uint(bi) != ai {
				return nil, overflowErr()
			}
			return ai << uint(bi), nil
		}
	case "&", "|", "^":
		if x, ok := a.(bool); ok {
			if y, ok := b.(bool); ok {
				switch op {
				case "&":
					return x && y, nil
				case "|":
					return x || y, nil
				}
				return x != y, nil
			}
		}
		if bothInt {
			switch op {
			case "&":
				return ai & bi, nil
			case "|":
				return ai | bi, nil
			}
			return ai ^ bi, nil
		}
		if x, ok := a.(*pySet); ok {
			if y, ok := b.(*pySet); ok {
				return m.setOp(op, x, y)
			}
		}
		if x, ok := a.(*value.Map); ok && op == "|" {
			if y, ok := b.(*value.Map); ok {
				if err := m.chargeItems(x.Len() + y.Len()); err != nil {
					return nil, err
				}
				out := x.Clone()
				y.Range(func(k string, v any) bool { out.Set(k, v); return true })
				return out, nil
			}
		}
	}
	return nil, unsupported()
}

func isSeq(v any) bool {
	switch v.(type) {
	case string, []any:
		return true
	}
	return false
}

func (m *machine) setOp(op string, x, y *pySet) (any, error) {
	out := newSet(0)
	add := func(it any) error {
		if err := m.step(); err != nil {
			return err
		}
		return out.add(it)
	}
	switch op {
	case "&":
		for _, it := range x.items {
			if in, _ := y.has(it); in {
				if err := add(it); err != nil {
					return nil, err
				}
			}
		}
	case "|":
		for _, it := range append(append([]any{}, x.items...), y.items...) {
			if err := add(it); err != nil {
				return nil, err
			}
		}
	case "^":
		for _, it := range x.items {
			if in, _ := y.has(it); !in {
				if err := add(it); err != nil {
					return nil, err
				}
			}
		}
		for _, it := range y.items {
			if in, _ := x.has(it); !in {
				if err := add(it); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// unary evaluates -x, +x and ~x.
func unary(op string, v any) (any, error) {
	if i, ok := value.Int(v); ok {
		switch op {
		case "-":
			if i == math.MinInt64 {
				return nil, overflowErr()
			}
			return -i, nil
		case "+":
			return i, nil
		case "~":
			return ^i, nil
		}
	}
	if f, ok := v.(float64); ok && op != "~" {
		if op == "-" {
			return -f, nil
		}
		return f, nil
	}
	return nil, typeErr("bad operand type for unary %s: '%s'", op, typeName(v))
}

// index evaluates x[i].
func (m *machine) index(x, i any) (any, error) {
	switch c := x.(type) {
	case []any:
		n, ok := value.Int(i)
		if !ok {
			return nil, typeErr("list indices must be integers or slices, not %s", typeName(i))
		}
		if n < 0 {
			n += len(c)
		}
		if n < 0 || n >= len(c) {
			return nil, &pyError{"IndexError", "list index out of range"}
		}
		return c[n], nil
	case string:
		n, ok := value.Int(i)
		if !ok {
			return nil, typeErr("string indices must be integers, not '%s'", typeName(i))
		}
		if isASCII(c) {
			if n < 0 {
				n += len(c)
			}
			if n < 0 || n >= len(c) {
				return nil, &pyError{"IndexError", "string index out of range"}
			}
			return c[n : n+1], nil
		}
		r := []rune(c)
		if n < 0 {
			n += len(r)
		}
		if n < 0 || n >= len(r) {
			return nil, &pyError{"IndexError", "string index out of range"}
		}
		return string(r[n]), nil
	case *value.Map:
		k, ok := i.(string)
		if !ok {
			if _, err := hashKey(i); err != nil {
				return nil, err
			}
			return nil, &pyError{"KeyError", m.reprOrType(i)}
		}
		if c != nil {
			if v, found := c.Get(k); found {
				return v, nil
			}
		}
		return nil, &pyError{"KeyError", m.reprOrType(k)}
	case *rangeVal:
		n, ok := value.Int(i)
		if !ok {
			return nil, typeErr("range indices must be integers or slices, not %s", typeName(i))
		}
		l := c.len()
		if n < 0 {
			n += l
		}
		if n < 0 || n >= l {
			return nil, &pyError{"IndexError", "range object index out of range"}
		}
		return c.at(n), nil
	}
	return nil, typeErr("'%s' object is not subscriptable", typeName(x))
}

func (m *machine) reprOrType(v any) string {
	s, err := m.repr(v)
	if err != nil {
		return typeName(v)
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// sliceIndices applies Python's slice rules to a sequence of length n.
func sliceIndices(lo, hi, step any, n int) (start, stop, stp int, err error) {
	get := func(v any) (int, bool, error) {
		if v == nil {
			return 0, false, nil
		}
		i, ok := value.Int(v)
		if !ok {
			return 0, false, typeErr("slice indices must be integers or None or have an __index__ method")
		}
		return i, true, nil
	}
	stp = 1
	if s, has, err := get(step); err != nil {
		return 0, 0, 0, err
	} else if has {
		if s == 0 {
			return 0, 0, 0, valueErr("slice step cannot be zero")
		}
		stp = s
	}
	norm := func(v any, def int) (int, error) {
		i, has, err := get(v)
		if err != nil || !has {
			return def, err
		}
		if i < 0 {
			i += n
		}
		if stp > 0 {
			return min(max(i, 0), n), nil
		}
		return min(max(i, -1), n-1), nil
	}
	if stp > 0 {
		start, err = norm(lo, 0)
		if err == nil {
			stop, err = norm(hi, n)
		}
	} else {
		start, err = norm(lo, n-1)
		if err == nil {
			stop, err = norm(hi, -1)
		}
	}
	return start, stop, stp, err
}

// slice evaluates x[lo:hi:step].
func (m *machine) slice(x, lo, hi, step any) (any, error) {
	switch c := x.(type) {
	case []any:
		start, stop, stp, err := sliceIndices(lo, hi, step, len(c))
		if err != nil {
			return nil, err
		}
		if stp == 1 {
			if stop <= start {
				return []any{}, nil
			}
			if err := m.chargeItems(stop - start); err != nil {
				return nil, err
			}
			return append([]any{}, c[start:stop]...), nil
		}
		out := []any{}
		for i := start; stp > 0 && i < stop || stp < 0 && i > stop; i += stp {
			if err := m.step(); err != nil {
				return nil, err
			}
			out = append(out, c[i])
		}
		return out, nil
	case string:
		if isASCII(c) {
			start, stop, stp, err := sliceIndices(lo, hi, step, len(c))
			if err != nil {
				return nil, err
			}
			if stp == 1 {
				if stop <= start {
					return "", nil
				}
				return c[start:stop], nil
			}
			var b strings.Builder
			for i := start; stp > 0 && i < stop || stp < 0 && i > stop; i += stp {
				if err := m.step(); err != nil {
					return nil, err
				}
				b.WriteByte(c[i])
			}
			return b.String(), nil
		}
		r := []rune(c)
		start, stop, stp, err := sliceIndices(lo, hi, step, len(r))
		if err != nil {
			return nil, err
		}
		var out []rune
		for i := start; stp > 0 && i < stop || stp < 0 && i > stop; i += stp {
			out = append(out, r[i])
		}
		return string(out), nil
	case *rangeVal:
		l, err := m.list(c)
		if err != nil {
			return nil, err
		}
		return m.slice(l, lo, hi, step)
	}
	return nil, typeErr("'%s' object is not subscriptable", typeName(x))
}

// sortValues sorts items in place by keys (items when keys is nil) with
// Python's < and a stable order.
func (m *machine) sortValues(items, keys []any, reverse bool) error {
	if keys == nil {
		keys = items
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	var err error
	sort.SliceStable(idx, func(i, j int) bool {
		if err != nil {
			return false
		}
		if err = m.step(); err != nil {
			return false
		}
		a, b := keys[idx[i]], keys[idx[j]]
		if reverse {
			a, b = b, a
		}
		var less bool
		less, err = m.compare("<", a, b)
		return less
	})
	if err != nil {
		return err
	}
	sorted := make([]any, len(items))
	for k, i := range idx {
		sorted[k] = items[i]
	}
	copy(items, sorted)
	return nil
}

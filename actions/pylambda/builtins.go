package pylambda

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/actuatehq/actuate/expr"
	"github.com/actuatehq/actuate/expr/value"
)

// kwargs are the keyword arguments of a call, in the order written.
type kwargs struct {
	names []string
	vals  []any
}

func (k kwargs) get(name string) (any, bool) {
	for i, n := range k.names {
		if n == name {
			return k.vals[i], true
		}
	}
	return nil, false
}

// builtin is a function lambdas may call.
type builtin struct {
	name             string
	minArgs, maxArgs int // maxArgs -1: any number
	kwargs           []string
	anyKwargs        bool // dict(**kwargs)
	fn               func(m *machine, args []any, kw kwargs) (any, error)
}

// checkArgs checks the number of positional arguments and the keyword
// names, with Python's messages.
func (b *builtin) checkArgs(n int, kw []string) error {
	for _, k := range kw {
		if !b.anyKwargs && !slices.Contains(b.kwargs, k) {
			if len(b.kwargs) == 0 {
				return fmt.Errorf("%s() takes no keyword arguments", b.name)
			}
			return fmt.Errorf("%s() got an unexpected keyword argument '%s'", b.name, k)
		}
	}
	return argCount(b.name, n, b.minArgs, b.maxArgs)
}

func argCount(name string, n, lo, hi int) error {
	plural := func(k int) string {
		if k == 1 {
			return ""
		}
		return "s"
	}
	switch {
	case lo == hi && n != lo:
		if lo == 0 {
			return fmt.Errorf("%s() takes no arguments (%d given)", name, n)
		}
		if lo == 1 {
			return fmt.Errorf("%s() takes exactly one argument (%d given)", name, n)
		}
		return fmt.Errorf("%s() takes exactly %d arguments (%d given)", name, lo, n)
	case n < lo:
		return fmt.Errorf("%s expected at least %d argument%s, got %d", name, lo, plural(lo), n)
	case hi >= 0 && n > hi:
		return fmt.Errorf("%s expected at most %d argument%s, got %d", name, hi, plural(hi), n)
	}
	return nil
}

// builtinNames lists the allowed functions in the spec's order.
var builtinNames = []string{
	"abs", "min", "max", "sum", "round", "len", "int", "float", "str", "bool", "list", "dict",
	"tuple", "set", "all", "any", "sorted", "reversed", "enumerate", "zip", "range", "jsonpath",
}

var builtinList = strings.Join(builtinNames, ", ")

var builtins map[string]*builtin

func init() {
	builtins = map[string]*builtin{
		"abs":       {minArgs: 1, maxArgs: 1, fn: biAbs},
		"min":       {minArgs: 1, maxArgs: -1, kwargs: []string{"key", "default"}, fn: minMax("min")},
		"max":       {minArgs: 1, maxArgs: -1, kwargs: []string{"key", "default"}, fn: minMax("max")},
		"sum":       {minArgs: 1, maxArgs: 2, kwargs: []string{"start"}, fn: biSum},
		"round":     {minArgs: 1, maxArgs: 2, kwargs: []string{"ndigits"}, fn: biRound},
		"len":       {minArgs: 1, maxArgs: 1, fn: biLen},
		"int":       {minArgs: 0, maxArgs: 2, kwargs: []string{"base"}, fn: biInt},
		"float":     {minArgs: 0, maxArgs: 1, fn: biFloat},
		"str":       {minArgs: 0, maxArgs: 1, fn: biStr},
		"bool":      {minArgs: 0, maxArgs: 1, fn: biBool},
		"list":      {minArgs: 0, maxArgs: 1, fn: biList},
		"tuple":     {minArgs: 0, maxArgs: 1, fn: biList},
		"dict":      {minArgs: 0, maxArgs: 1, anyKwargs: true, fn: biDict},
		"set":       {minArgs: 0, maxArgs: 1, fn: biSet},
		"all":       {minArgs: 1, maxArgs: 1, fn: allAny(true)},
		"any":       {minArgs: 1, maxArgs: 1, fn: allAny(false)},
		"sorted":    {minArgs: 1, maxArgs: 1, kwargs: []string{"key", "reverse"}, fn: biSorted},
		"reversed":  {minArgs: 1, maxArgs: 1, fn: biReversed},
		"enumerate": {minArgs: 1, maxArgs: 2, kwargs: []string{"start"}, fn: biEnumerate},
		"zip":       {minArgs: 0, maxArgs: -1, kwargs: []string{"strict"}, fn: biZip},
		"range":     {minArgs: 1, maxArgs: 3, fn: biRange},
		"jsonpath":  {minArgs: 2, maxArgs: 2, fn: biJSONPath},
	}
	for name, b := range builtins {
		b.name = name
	}
}

// arg returns positional argument i, or keyword name, or def.
func arg(args []any, i int, kw kwargs, name string, def any) any {
	if i < len(args) {
		return args[i]
	}
	if v, ok := kw.get(name); ok {
		return v
	}
	return def
}

func biAbs(m *machine, args []any, kw kwargs) (any, error) {
	switch x := args[0].(type) {
	case float64:
		return math.Abs(x), nil
	}
	if i, ok := value.Int(args[0]); ok {
		if i < 0 {
			return unary("-", i)
		}
		return i, nil
	}
	return nil, typeErr("bad operand type for abs(): '%s'", typeName(args[0]))
}

func minMax(name string) func(m *machine, args []any, kw kwargs) (any, error) {
	op := "<"
	if name == "max" {
		op = ">"
	}
	return func(m *machine, args []any, kw kwargs) (any, error) {
		key, _ := kw.get("key")
		def, hasDef := kw.get("default")
		items := args
		if len(args) == 1 {
			var err error
			if items, err = m.list(args[0]); err != nil {
				return nil, err
			}
		} else if hasDef {
			return nil, typeErr("Cannot specify a default for %s() with multiple positional arguments", name)
		}
		if len(items) == 0 {
			if hasDef {
				return def, nil
			}
			return nil, valueErr("%s() arg is an empty sequence", name)
		}
		best := items[0]
		bestKey := best
		var err error
		if key != nil {
			if bestKey, err = m.callValue(key, best); err != nil {
				return nil, err
			}
		}
		for _, it := range items[1:] {
			k := it
			if key != nil {
				if k, err = m.callValue(key, it); err != nil {
					return nil, err
				}
			}
			better, err := m.compare(op, k, bestKey)
			if err != nil {
				return nil, err
			}
			if better {
				best, bestKey = it, k
			}
		}
		return best, nil
	}
}

func biSum(m *machine, args []any, kw kwargs) (any, error) {
	start := arg(args, 1, kw, "start", 0)
	switch start.(type) {
	case string:
		return nil, typeErr("sum() can't sum strings [use ''.join(seq) instead]")
	}
	acc := start
	// Floats are added with Neumaier's compensated summation, as
	// Python 3.12 does.
	var comp float64
	inFloat := false
	err := m.each(args[0], func(it any) error {
		if f, ok := acc.(float64); ok {
			if x, ok := it.(float64); ok {
				t := f + x
				if math.Abs(f) >= math.Abs(x) {
					comp += (f - t) + x
				} else {
					comp += (x - t) + f
				}
				acc, inFloat = t, true
				return nil
			}
		}
		if inFloat {
			if _, ok := it.(float64); !ok {
				if f, ok := acc.(float64); ok && comp != 0 && !math.IsInf(comp, 0) && !math.IsNaN(comp) {
					acc = f + comp
				}
				comp, inFloat = 0, false
			}
		}
		var err error
		acc, err = m.binary("+", acc, it)
		return err
	})
	if err != nil {
		return nil, err
	}
	if f, ok := acc.(float64); ok && inFloat && comp != 0 && !math.IsInf(comp, 0) && !math.IsNaN(comp) {
		acc = f + comp
	}
	return acc, nil
}

func biRound(m *machine, args []any, kw kwargs) (any, error) {
	x := args[0]
	nd := arg(args, 1, kw, "ndigits", nil)
	if nd != nil {
		if _, ok := value.Int(nd); !ok {
			return nil, typeErr("'%s' object cannot be interpreted as an integer", typeName(nd))
		}
	}
	if i, ok := value.Int(x); ok {
		if nd == nil {
			return i, nil
		}
		n, _ := value.Int(nd)
		if n >= 0 {
			return i, nil
		}
		if n < -18 {
			return 0, nil
		}
		p, _ := powInt(10, -n)
		q, r, _ := floorDivMod(i, p)
		// Round half to even.
		if 2*r > p || 2*r == p && q%2 != 0 {
			q++
		}
		return mulInt(q, p)
	}
	f, ok := x.(float64)
	if !ok {
		return nil, typeErr("type %s doesn't define __round__ method", typeName(x))
	}
	if nd == nil {
		switch {
		case math.IsInf(f, 0):
			return nil, &pyError{"OverflowError", "cannot convert float infinity to integer"}
		case math.IsNaN(f):
			return nil, valueErr("cannot convert float NaN to integer")
		}
		r := math.RoundToEven(f)
		if r >= 9.223372036854775807e18 || r < -9.223372036854775808e18 {
			return nil, overflowErr()
		}
		return int(r), nil
	}
	n, _ := value.Int(nd)
	if math.IsInf(f, 0) || math.IsNaN(f) || f == 0 {
		return f, nil
	}
	if n >= 0 {
		if n > 330 {
			return f, nil
		}
		r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'f', n, 64), 64)
		if err != nil {
			return f, nil
		}
		return math.Copysign(r, f), nil
	}
	if n < -330 {
		return math.Copysign(0, f), nil
	}
	p := math.Pow(10, float64(-n))
	return math.Copysign(math.RoundToEven(f/p)*p, f), nil
}

func biLen(m *machine, args []any, kw kwargs) (any, error) {
	switch x := args[0].(type) {
	case string:
		if isASCII(x) {
			return len(x), nil
		}
		return len([]rune(x)), nil
	case []any:
		return len(x), nil
	case *value.Map:
		if x == nil {
			return 0, nil
		}
		return x.Len(), nil
	case *pySet:
		return len(x.items), nil
	case *rangeVal:
		return x.len(), nil
	}
	return nil, typeErr("object of type '%s' has no len()", typeName(args[0]))
}

func biInt(m *machine, args []any, kw kwargs) (any, error) {
	if len(args) == 0 {
		if _, ok := kw.get("base"); ok {
			return nil, typeErr("int() missing string argument")
		}
		return 0, nil
	}
	x := args[0]
	baseV, hasBase := kw.get("base")
	if len(args) > 1 {
		baseV, hasBase = args[1], true
	}
	if hasBase {
		s, ok := x.(string)
		if !ok {
			return nil, typeErr("int() can't convert non-string with explicit base")
		}
		b, ok := value.Int(baseV)
		if !ok {
			return nil, typeErr("'%s' object cannot be interpreted as an integer", typeName(baseV))
		}
		if b != 0 && (b < 2 || b > 36) {
			return nil, valueErr("int() base must be >= 2 and <= 36, or 0")
		}
		return parseInt(m, s, b)
	}
	switch v := x.(type) {
	case float64:
		switch {
		case math.IsInf(v, 0):
			return nil, &pyError{"OverflowError", "cannot convert float infinity to integer"}
		case math.IsNaN(v):
			return nil, valueErr("cannot convert float NaN to integer")
		}
		t := math.Trunc(v)
		if t >= 9.223372036854775807e18 || t < -9.223372036854775808e18 {
			return nil, overflowErr()
		}
		return int(t), nil
	case string:
		return parseInt(m, v, 10)
	}
	if i, ok := value.Int(x); ok {
		return i, nil
	}
	return nil, typeErr("int() argument must be a string, a bytes-like object or a real number, not '%s'", typeName(x))
}

// prefixBase is the base of each integer prefix letter (0x, 0o, 0b).
var prefixBase = map[byte]int{'x': 16, 'X': 16, 'o': 8, 'O': 8, 'b': 2, 'B': 2}

// parseInt reads an integer as Python's int(s, base) does.
func parseInt(m *machine, s string, base int) (any, error) {
	bad := func() error {
		r, _ := m.repr(s)
		return valueErr("invalid literal for int() with base %d: %s", base, r)
	}
	t := strings.TrimFunc(s, unicode.IsSpace)
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	b := base
	if len(t) > 1 && t[0] == '0' {
		p := prefixBase[t[1]]
		if p != 0 && (base == 0 || base == p) {
			b, t = p, strings.TrimPrefix(t[2:], "_")
		}
	}
	if b == 0 {
		b = 10
		if len(t) > 1 && t[0] == '0' && strings.Trim(t, "0_") != "" {
			return nil, bad()
		}
	}
	if t == "" || t[0] == '_' || t[len(t)-1] == '_' || strings.Contains(t, "__") {
		return nil, bad()
	}
	t = strings.ReplaceAll(t, "_", "")
	u, err := strconv.ParseUint(t, b, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return nil, overflowErr()
		}
		return nil, bad()
	}
	if neg {
		if u > 1<<63 {
			return nil, overflowErr()
		}
		return int(-u), nil
	}
	if u > math.MaxInt64 {
		return nil, overflowErr()
	}
	return int(u), nil
}

func biFloat(m *machine, args []any, kw kwargs) (any, error) {
	if len(args) == 0 {
		return 0.0, nil
	}
	switch v := args[0].(type) {
	case float64:
		return v, nil
	case string:
		return parseFloat(m, v)
	}
	if i, ok := value.Int(args[0]); ok {
		return float64(i), nil
	}
	return nil, typeErr("float() argument must be a string or a real number, not '%s'", typeName(args[0]))
}

func parseFloat(m *machine, s string) (any, error) {
	t := strings.TrimFunc(s, unicode.IsSpace)
	bad := func() error {
		r, _ := m.repr(s)
		return valueErr("could not convert string to float: %s", r)
	}
	if t == "" || strings.ContainsAny(t, "xXpP") || strings.HasPrefix(t, "_") || strings.HasSuffix(t, "_") || strings.Contains(t, "__") {
		return nil, bad()
	}
	// Underscores may only sit between digits.
	for i := 0; i < len(t); i++ {
		if t[i] == '_' && (i == 0 || !isDigit(t[i-1]) || i+1 >= len(t) || !isDigit(t[i+1])) {
			return nil, bad()
		}
	}
	t = strings.ReplaceAll(t, "_", "")
	f, err := strconv.ParseFloat(t, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, bad()
	}
	return f, nil
}

func biStr(m *machine, args []any, kw kwargs) (any, error) {
	if len(args) == 0 {
		return "", nil
	}
	return m.str(args[0])
}

func biBool(m *machine, args []any, kw kwargs) (any, error) {
	if len(args) == 0 {
		return false, nil
	}
	return truthy(args[0]), nil
}

func biList(m *machine, args []any, kw kwargs) (any, error) {
	if len(args) == 0 {
		return []any{}, nil
	}
	if l, ok := args[0].([]any); ok {
		if err := m.chargeItems(len(l)); err != nil {
			return nil, err
		}
		return append([]any{}, l...), nil
	}
	return m.list(args[0])
}

func biDict(m *machine, args []any, kw kwargs) (any, error) {
	d := value.NewMap(0)
	if len(args) == 1 {
		switch src := args[0].(type) {
		case *value.Map:
			if src != nil {
				if err := m.chargeItems(src.Len()); err != nil {
					return nil, err
				}
				d = src.Clone()
			}
		default:
			i := 0
			err := m.each(args[0], func(it any) error {
				var pair []any
				switch p := it.(type) {
				case []any:
					pair = p
				case string, *pySet, *rangeVal, *value.Map, *generator:
					var err error
					if pair, err = m.list(p); err != nil {
						return err
					}
				default:
					return typeErr("cannot convert dictionary update sequence element #%d to a sequence", i)
				}
				if len(pair) != 2 {
					return valueErr("dictionary update sequence element #%d has length %d; 2 is required", i, len(pair))
				}
				i++
				return setKey(d, pair[0], pair[1])
			})
			if err != nil {
				return nil, err
			}
		}
	}
	for i, k := range kw.names {
		d.Set(k, kw.vals[i])
	}
	return d, nil
}

func biSet(m *machine, args []any, kw kwargs) (any, error) {
	s := newSet(0)
	if len(args) == 0 {
		return s, nil
	}
	err := m.each(args[0], s.add)
	return s, err
}

func allAny(isAll bool) func(m *machine, args []any, kw kwargs) (any, error) {
	return func(m *machine, args []any, kw kwargs) (any, error) {
		result := isAll
		err := m.each(args[0], func(it any) error {
			if truthy(it) != isAll {
				result = !isAll
				return errStop
			}
			return nil
		})
		if err != nil && err != errStop {
			return nil, err
		}
		return result, nil
	}
}

func biSorted(m *machine, args []any, kw kwargs) (any, error) {
	items, err := m.list(args[0])
	if err != nil {
		return nil, err
	}
	if err := m.chargeItems(len(items)); err != nil {
		return nil, err
	}
	items = append([]any{}, items...)
	key, _ := kw.get("key")
	rev, _ := kw.get("reverse")
	if rev != nil {
		if _, isNum := value.Int(rev); !isNum {
			if _, isF := rev.(float64); isF {
				return nil, typeErr("'float' object cannot be interpreted as an integer")
			}
			return nil, typeErr("'%s' object cannot be interpreted as an integer", typeName(rev))
		}
	}
	var keys []any
	if key != nil {
		keys = make([]any, len(items))
		for i, it := range items {
			if keys[i], err = m.callValue(key, it); err != nil {
				return nil, err
			}
		}
	}
	if err := m.sortValues(items, keys, truthy(rev)); err != nil {
		return nil, err
	}
	return items, nil
}

func biReversed(m *machine, args []any, kw kwargs) (any, error) {
	var items []any
	switch x := args[0].(type) {
	case []any, string, *value.Map, *rangeVal:
		var err error
		if items, err = m.list(x); err != nil {
			return nil, err
		}
	default:
		return nil, typeErr("'%s' object is not reversible", typeName(x))
	}
	if err := m.chargeItems(len(items)); err != nil {
		return nil, err
	}
	out := make([]any, len(items))
	for i, it := range items {
		out[len(items)-1-i] = it
	}
	return out, nil
}

func biEnumerate(m *machine, args []any, kw kwargs) (any, error) {
	startV := arg(args, 1, kw, "start", 0)
	n, ok := value.Int(startV)
	if !ok {
		return nil, typeErr("'%s' object cannot be interpreted as an integer", typeName(startV))
	}
	out := []any{}
	err := m.each(args[0], func(it any) error {
		if len(out) >= maxItems {
			return errTooBig("list", maxItems)
		}
		out = append(out, []any{n, it})
		n++
		return nil
	})
	return out, err
}

func biZip(m *machine, args []any, kw kwargs) (any, error) {
	strict, _ := kw.get("strict")
	lists := make([][]any, len(args))
	shortest := -1
	for i, a := range args {
		l, err := m.list(a)
		if err != nil {
			return nil, err
		}
		lists[i] = l
		if shortest < 0 || len(l) < shortest {
			shortest = len(l)
		}
	}
	if len(args) == 0 {
		return []any{}, nil
	}
	if truthy(strict) {
		for i, l := range lists[1:] {
			if len(l) != len(lists[0]) {
				rel := "shorter"
				if len(l) > len(lists[0]) {
					rel = "longer"
				}
				if i == 0 {
					return nil, valueErr("zip() argument 2 is %s than argument 1", rel)
				}
				return nil, valueErr("zip() argument %d is %s than arguments 1-%d", i+2, rel, i+1)
			}
		}
	}
	if err := m.chargeItems(shortest); err != nil {
		return nil, err
	}
	out := make([]any, shortest)
	for k := range out {
		row := make([]any, len(lists))
		for i, l := range lists {
			row[i] = l[k]
		}
		out[k] = row
	}
	return out, nil
}

func biRange(m *machine, args []any, kw kwargs) (any, error) {
	ints := make([]int, len(args))
	for i, a := range args {
		n, ok := value.Int(a)
		if !ok {
			return nil, typeErr("'%s' object cannot be interpreted as an integer", typeName(a))
		}
		ints[i] = n
	}
	r := &rangeVal{step: 1}
	switch len(ints) {
	case 1:
		r.stop = ints[0]
	case 2:
		r.start, r.stop = ints[0], ints[1]
	case 3:
		r.start, r.stop, r.step = ints[0], ints[1], ints[2]
		if r.step == 0 {
			return nil, valueErr("range() arg 3 must not be zero")
		}
	}
	return r, nil
}

// jsonPathWith returns jsonpath() for a call whose path is the constant
// the resolver compiled into q, so that each call does not parse it again.
func jsonPathWith(b *builtin, q *expr.JSONPathQuery) *builtin {
	c := *b
	c.fn = func(m *machine, args []any, kw kwargs) (any, error) {
		obj, err := m.plain(args[1])
		if err != nil {
			return nil, err
		}
		return q.Eval(obj), nil
	}
	return &c
}

func biJSONPath(m *machine, args []any, kw kwargs) (any, error) {
	p, ok := args[0].(string)
	if !ok {
		return nil, typeErr("jsonpath() argument 1 must be str, not %s", typeName(args[0]))
	}
	obj, err := m.plain(args[1])
	if err != nil {
		return nil, err
	}
	r, err := expr.JSONPath(p, obj)
	if err != nil {
		return nil, valueErr("%s", err.Error())
	}
	return r, nil
}

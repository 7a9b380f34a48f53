package expr

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/actuatehq/actuate/expr/fn"
	"github.com/actuatehq/actuate/expr/value"
)

// The operations below give the expression language Python's semantics.
// Compiled programs call them by name; each takes its operands as values.

// maxRepeat bounds the size of a string or list built by repetition, so an
// expression cannot exhaust memory.
const maxRepeat = 10 << 20

func typeErr(op string, a, b any) error {
	return fmt.Errorf("unsupported operand type(s) for %s: '%s' and '%s'", op, value.TypeName(a), value.TypeName(b))
}

var errOverflow = errors.New("integer overflow: the result does not fit in 64 bits")

func opAdd(a, b any) (any, error) {
	if x, ok := value.Int(a); ok {
		if y, ok := value.Int(b); ok {
			s := x + y
			if (s > x) != (y > 0) && y != 0 {
				return nil, errOverflow
			}
			return s, nil
		}
	}
	if x, ok := value.Number(a); ok {
		if y, ok := value.Number(b); ok {
			return x + y, nil
		}
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return x + y, nil
		}
		return nil, fmt.Errorf("can only concatenate str (not \"%s\") to str", value.TypeName(b))
	case []any:
		if y, ok := b.([]any); ok {
			out := make([]any, 0, len(x)+len(y))
			return append(append(out, x...), y...), nil
		}
		return nil, fmt.Errorf("can only concatenate list (not \"%s\") to list", value.TypeName(b))
	case value.DateTime, value.Date, time.Duration:
		// Python's datetime arithmetic (wall-clock time in the value's
		// zone, whole days for a date), as FN.add has it.
		return fn.Add(a, b)
	}
	return nil, typeErr("+", a, b)
}

func opSub(a, b any) (any, error) {
	if x, ok := value.Int(a); ok {
		if y, ok := value.Int(b); ok {
			s := x - y
			if (s < x) != (y > 0) && y != 0 {
				return nil, errOverflow
			}
			return s, nil
		}
	}
	if x, ok := value.Number(a); ok {
		if y, ok := value.Number(b); ok {
			return x - y, nil
		}
	}
	switch a.(type) {
	case value.DateTime, value.Date, time.Duration:
		return fn.Sub(a, b)
	}
	return nil, typeErr("-", a, b)
}

func opMul(a, b any) (any, error) {
	if x, ok := value.Int(a); ok {
		if y, ok := value.Int(b); ok {
			if x != 0 && (x*y/x != y || x == -1 && y == math.MinInt) {
				return nil, errOverflow
			}
			return x * y, nil
		}
	}
	if x, ok := value.Number(a); ok {
		if y, ok := value.Number(b); ok {
			return x * y, nil
		}
	}
	if n, ok := value.Int(b); ok {
		if r, ok, err := repeat(a, n); ok {
			return r, err
		}
	}
	if n, ok := value.Int(a); ok {
		if r, ok, err := repeat(b, n); ok {
			return r, err
		}
	}
	_, aDur := a.(time.Duration)
	if _, bDur := b.(time.Duration); aDur || bDur {
		return fn.Mul(a, b)
	}
	return nil, typeErr("*", a, b)
}

// repeat implements str * int and list * int.
func repeat(v any, n int) (any, bool, error) {
	n = max(n, 0)
	switch x := v.(type) {
	case string:
		// Compared by division: len(x)*n can overflow.
		if len(x) > 0 && n > maxRepeat/len(x) {
			return nil, true, fmt.Errorf("repeating a string of %d bytes %d times would pass the limit of %d bytes", len(x), n, maxRepeat)
		}
		return strings.Repeat(x, n), true, nil
	case []any:
		if len(x) > 0 && n > maxRepeat/len(x) {
			return nil, true, fmt.Errorf("repeating a list of %d items %d times would pass the limit of %d items", len(x), n, maxRepeat)
		}
		out := make([]any, 0, len(x)*n)
		if len(x) > 0 { // an empty list repeated any number of times is empty
			for range n {
				out = append(out, x...)
			}
		}
		return out, true, nil
	}
	return nil, false, nil
}

func opDiv(a, b any) (any, error) {
	x, okA := value.Number(a)
	y, okB := value.Number(b)
	if okA && okB {
		if y == 0 {
			return nil, errors.New("Cannot divide by zero")
		}
		return x / y, nil
	}
	if _, ok := a.(time.Duration); ok {
		return fn.Div(a, b)
	}
	return nil, typeErr("/", a, b)
}

func opMod(a, b any) (any, error) {
	if x, ok := value.Int(a); ok {
		if y, ok := value.Int(b); ok {
			if y == 0 {
				return nil, errors.New("Cannot calculate modulo with zero")
			}
			m := x % y
			if m != 0 && (m < 0) != (y < 0) {
				m += y
			}
			return m, nil
		}
	}
	x, okA := value.Number(a)
	y, okB := value.Number(b)
	if okA && okB {
		if y == 0 {
			return nil, errors.New("Cannot calculate modulo with zero")
		}
		m := math.Mod(x, y)
		if m != 0 && (m < 0) != (y < 0) {
			m += y
		}
		if m == 0 {
			m = math.Copysign(0, y) // Python: a zero has the divisor's sign
		}
		return m, nil
	}
	if _, ok := a.(time.Duration); ok {
		return fn.Mod(a, b)
	}
	return nil, typeErr("%", a, b)
}

func opNeg(a any) (any, error) {
	if x, ok := value.Int(a); ok {
		if x == math.MinInt {
			return nil, errOverflow
		}
		return -x, nil
	}
	switch x := a.(type) {
	case float64:
		return -x, nil
	case time.Duration:
		return -x, nil
	}
	return nil, fmt.Errorf("bad operand type for unary -: '%s'", value.TypeName(a))
}

func opPos(a any) (any, error) {
	if x, ok := value.Int(a); ok {
		return x, nil
	}
	switch a.(type) {
	case float64, time.Duration:
		return a, nil
	}
	return nil, fmt.Errorf("bad operand type for unary +: '%s'", value.TypeName(a))
}

// opIn is Python's `a in b`.
func opIn(a, b any) (bool, error) {
	switch coll := b.(type) {
	case []any:
		for _, it := range coll {
			if value.Equal(a, it) {
				return true, nil
			}
		}
		return false, nil
	case string:
		s, ok := a.(string)
		if !ok {
			return false, fmt.Errorf("'in <string>' requires string as left operand, not %s", value.TypeName(a))
		}
		return strings.Contains(coll, s), nil
	case *value.Map:
		switch k := a.(type) {
		case string:
			if coll == nil {
				return false, nil
			}
			_, ok := coll.Get(k)
			return ok, nil
		case []any, *value.Map:
			return false, fmt.Errorf("unhashable type: '%s'", value.TypeName(a))
		}
		return false, nil
	}
	return false, fmt.Errorf("argument of type '%s' is not iterable", value.TypeName(b))
}

// opIs is Python's `a is b`: identity for None, True and False, and strict
// equality of type and value otherwise.
func opIs(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if value.TypeName(a) != value.TypeName(b) {
		return false
	}
	return value.Equal(a, b)
}

// index is value[index] on a computed value (not a context path): a
// missing key or an index out of range is an error, as in Python.
func index(v, i any) (any, error) {
	switch x := v.(type) {
	case *value.Map:
		// Keys are strings: any other index misses, as in Python.
		if k, ok := i.(string); ok && x != nil {
			if r, ok := x.Get(k); ok {
				return r, nil
			}
		}
		return nil, fmt.Errorf("Key %s not found for mapping access", value.Repr(i))
	case []any:
		n, ok := value.Int(i)
		if !ok {
			return nil, fmt.Errorf("Sequence indices must be integers, got '%s'", value.TypeName(i))
		}
		if n < 0 {
			n += len(x)
		}
		if n < 0 || n >= len(x) {
			return nil, fmt.Errorf("Sequence index %s out of range", value.Str(i))
		}
		return x[n], nil
	case string:
		n, ok := value.Int(i)
		if !ok {
			return nil, fmt.Errorf("Sequence indices must be integers, got '%s'", value.TypeName(i))
		}
		r := []rune(x)
		if n < 0 {
			n += len(r)
		}
		if n < 0 || n >= len(r) {
			return nil, fmt.Errorf("Sequence index %s out of range", value.Str(i))
		}
		return string(r[n]), nil
	}
	return nil, fmt.Errorf("Object of type '%s' is not indexable", value.TypeName(v))
}

// cast converts v as Python's int(), float(), str() and bool() do, with
// Tracecat's rule for bool of strings.
func cast(typ string, v any) (any, error) {
	switch typ {
	case "str":
		return value.Str(v), nil
	case "bool":
		if s, ok := v.(string); ok {
			s = strings.ToLower(strings.TrimSpace(s))
			return s == "true" || s == "1", nil
		}
		return value.Truthy(v), nil
	case "int":
		switch x := v.(type) {
		case int:
			return x, nil
		case bool:
			n, _ := value.Int(x)
			return n, nil
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) >= 9.2e18 {
				return nil, fmt.Errorf("cannot convert float %s to integer", value.FormatFloat(x))
			}
			return int(x), nil
		case string:
			t, ok := stripUnderscores(strings.TrimSpace(x))
			n, err := strconv.Atoi(t)
			if !ok || err != nil {
				return nil, fmt.Errorf("invalid literal for int() with base 10: %s", value.Repr(x))
			}
			return n, nil
		}
		return nil, fmt.Errorf("int() argument must be a string or a number, not '%s'", value.TypeName(v))
	case "float":
		if f, ok := value.Number(v); ok {
			return f, nil
		}
		if s, ok := v.(string); ok {
			t := strings.ToLower(strings.TrimSpace(s))
			switch t {
			case "inf", "+inf", "infinity", "+infinity":
				return math.Inf(1), nil
			case "-inf", "-infinity":
				return math.Inf(-1), nil
			case "nan", "+nan", "-nan":
				return math.NaN(), nil
			}
			t, ok := stripUnderscores(t)
			f, err := strconv.ParseFloat(t, 64)
			if ok && err == nil && !strings.ContainsAny(t, "xp") {
				return f, nil
			}
			return nil, fmt.Errorf("could not convert string to float: %s", value.Repr(s))
		}
		return nil, fmt.Errorf("float() argument must be a string or a real number, not '%s'", value.TypeName(v))
	}
	return nil, fmt.Errorf("Invalid type '%s'.", typ)
}

// stripUnderscores removes the underscores of a number as Python's int()
// and float() read it, and reports whether each one stood between two
// digits, the only place Python allows one.
func stripUnderscores(s string) (string, bool) {
	if !strings.Contains(s, "_") {
		return s, true
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '_' && (i == 0 || i+1 == len(s) || !isDigit(s[i-1]) || !isDigit(s[i+1])) {
			return s, false
		}
	}
	return strings.ReplaceAll(s, "_", ""), true
}

// broadcast runs f over its arguments as FN.name.map does: list arguments
// are zipped (stopping at the shortest) and other arguments repeated; with
// no list argument the result is [f(args)].
func broadcast(f *fn.Func, args []any) (any, error) {
	n := -1
	for _, a := range args {
		if l, ok := a.([]any); ok && (n < 0 || len(l) < n) {
			n = len(l)
		}
	}
	if n < 0 {
		r, err := f.Call(args...)
		if err != nil {
			return nil, err
		}
		return []any{r}, nil
	}
	out := make([]any, n)
	call := make([]any, len(args))
	for i := range n {
		for j, a := range args {
			if l, ok := a.([]any); ok {
				call[j] = l[i]
			} else {
				call[j] = a
			}
		}
		r, err := f.Call(call...)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

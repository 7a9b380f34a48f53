package fn

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/actuatehq/actuate/expr/value"
)

// Math functions: add, sub, mul, div, mod, pow, sum, min, max.
//
// They follow Python's operators: int op int stays an int (bools count as
// 0 and 1), a float makes the result a float, div is true division and
// always gives a float. add also concatenates strings and lists, mul
// repeats them, and both handle datetime and duration arithmetic. Python's
// integers never overflow; ours are 64-bit, so an overflow is an error
// rather than a wrong answer.

func init() {
	register(&Func{Name: "add", MinArgs: 2, MaxArgs: 2, Doc: "a + b.", Call: binaryOp("add", pyAdd)})
	register(&Func{Name: "sub", MinArgs: 2, MaxArgs: 2, Doc: "a - b.", Call: binaryOp("sub", pySub)})
	register(&Func{Name: "mul", MinArgs: 2, MaxArgs: 2, Doc: "a * b.", Call: binaryOp("mul", pyMul)})
	register(&Func{Name: "div", MinArgs: 2, MaxArgs: 2, Doc: "a / b, true division (a float); dividing by zero is an error.", Call: binaryOp("div", pyDiv)})
	register(&Func{Name: "mod", MinArgs: 2, MaxArgs: 2, Doc: "a % b with the sign of b (Python modulo); zero is an error.", Call: binaryOp("mod", pyMod)})
	register(&Func{Name: "pow", MinArgs: 2, MaxArgs: 2, Doc: "a ** b.", Call: binaryOp("pow", pyPow)})
	register(&Func{Name: "sum", MinArgs: 1, MaxArgs: 2, Doc: "start (default 0) plus the items of a list.", Call: mathSum})
	register(&Func{Name: "min", MinArgs: 2, MaxArgs: 2, Doc: "The smaller of two values (the first when equal).", Call: mathMin})
	register(&Func{Name: "max", MinArgs: 2, MaxArgs: 2, Doc: "The larger of two values (the first when equal).", Call: mathMax})
}

// The arithmetic of FN.add, FN.sub, FN.mul, FN.div and FN.mod, Python's,
// without the function's name in errors: the expression language's
// operators hand it their datetime and duration operands.

// Add is Python's a + b.
func Add(a, b any) (any, error) { return pyAdd(a, b) }

// Sub is Python's a - b.
func Sub(a, b any) (any, error) { return pySub(a, b) }

// Mul is Python's a * b.
func Mul(a, b any) (any, error) { return pyMul(a, b) }

// Div is Python's a / b.
func Div(a, b any) (any, error) { return pyDiv(a, b) }

// Mod is Python's a % b.
func Mod(a, b any) (any, error) { return pyMod(a, b) }

func binaryOp(name string, op func(a, b any) (any, error)) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		v, err := op(args[0], args[1])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return v, nil
	}
}

var errIntOverflow = errors.New("integer overflow: the result does not fit in 64 bits")

func unsupportedOperands(op string, a, b any) error {
	return fmt.Errorf("unsupported operand type(s) for %s: '%s' and '%s'", op, value.TypeName(a), value.TypeName(b))
}

// numPair reads two Python numbers: as ints when both are ints (or bools),
// else as floats.
func numPair(a, b any) (ai, bi int64, af, bf float64, isFloat, ok bool) {
	ia, aInt := value.Int(a)
	ib, bInt := value.Int(b)
	if aInt && bInt {
		return int64(ia), int64(ib), 0, 0, false, true
	}
	fa, okA := value.Number(a)
	fb, okB := value.Number(b)
	if !okA || !okB {
		return 0, 0, 0, 0, false, false
	}
	return 0, 0, fa, fb, true, true
}

func pyAdd(a, b any) (any, error) {
	if ai, bi, af, bf, isFloat, ok := numPair(a, b); ok {
		if isFloat {
			return af + bf, nil
		}
		s := ai + bi
		if (s > ai) != (bi > 0) {
			return nil, errIntOverflow
		}
		return int(s), nil
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		if !ok {
			return nil, fmt.Errorf("can only concatenate str (not \"%s\") to str", value.TypeName(b))
		}
		return x + y, nil
	case []any:
		y, ok := b.([]any)
		if !ok {
			return nil, fmt.Errorf("can only concatenate list (not \"%s\") to list", value.TypeName(b))
		}
		out := make([]any, 0, len(x)+len(y))
		return append(append(out, x...), y...), nil
	case value.DateTime:
		if d, ok := b.(time.Duration); ok {
			return addWall(x, d), nil
		}
	case value.Date:
		if d, ok := b.(time.Duration); ok {
			return addDays(x, d), nil
		}
	case time.Duration:
		switch y := b.(type) {
		case time.Duration:
			s := x + y
			if (s > x) != (y > 0) {
				return nil, errors.New("duration overflow")
			}
			return s, nil
		case value.DateTime:
			return addWall(y, x), nil
		case value.Date:
			return addDays(y, x), nil
		}
	}
	return nil, unsupportedOperands("+", a, b)
}

// addWall adds d to the wall-clock time of t and keeps its zone, as Python
// does for datetime + timedelta.
func addWall(t value.DateTime, d time.Duration) value.DateTime {
	if t.Naive {
		return value.DateTime{Time: t.Time.Add(d), Naive: true}
	}
	tt := t.Time
	w := time.Date(tt.Year(), tt.Month(), tt.Day(), tt.Hour(), tt.Minute(), tt.Second(), tt.Nanosecond(), time.UTC).Add(d)
	return value.DateTime{Time: time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), tt.Location())}
}

// addDays is date + timedelta: only whole days count.
func addDays(dt value.Date, d time.Duration) value.Date {
	days := int(d / (24 * time.Hour))
	if d < 0 && d%(24*time.Hour) != 0 {
		days-- // Python floors toward negative infinity
	}
	t := time.Date(dt.Year, dt.Month, dt.Day+days, 0, 0, 0, 0, time.UTC)
	return value.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
}

func dateTime(d value.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

func pySub(a, b any) (any, error) {
	if ai, bi, af, bf, isFloat, ok := numPair(a, b); ok {
		if isFloat {
			return af - bf, nil
		}
		s := ai - bi
		if (s < ai) != (bi > 0) {
			return nil, errIntOverflow
		}
		return int(s), nil
	}
	switch x := a.(type) {
	case value.DateTime:
		switch y := b.(type) {
		case time.Duration:
			return addWall(x, -y), nil
		case value.DateTime:
			if x.Naive != y.Naive {
				return nil, errors.New("can't subtract offset-naive and offset-aware datetimes")
			}
			if !x.Naive && x.Time.Location() == y.Time.Location() {
				// Python ignores the zone when both share it.
				wx, wy := wallUTC(x.Time), wallUTC(y.Time)
				return wx.Sub(wy), nil
			}
			return x.Time.Sub(y.Time), nil
		}
	case value.Date:
		switch y := b.(type) {
		case time.Duration:
			return addDays(x, -y), nil
		case value.Date:
			return dateTime(x).Sub(dateTime(y)), nil
		}
	case time.Duration:
		if y, ok := b.(time.Duration); ok {
			s := x - y
			if (s < x) != (y > 0) {
				return nil, errors.New("duration overflow")
			}
			return s, nil
		}
	}
	return nil, unsupportedOperands("-", a, b)
}

func wallUTC(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// maxRepeat bounds the size of str * n and list * n results.
const maxRepeat = 10_000_000

func pyMul(a, b any) (any, error) {
	if ai, bi, af, bf, isFloat, ok := numPair(a, b); ok {
		if isFloat {
			return af * bf, nil
		}
		p, ok := mulInt(ai, bi)
		if !ok {
			return nil, errIntOverflow
		}
		return int(p), nil
	}
	seq, n := a, b
	if _, ok := value.Int(a); ok {
		seq, n = b, a
	}
	switch s := seq.(type) {
	case string, []any:
		count, ok := value.Int(n)
		if !ok {
			return nil, fmt.Errorf("can't multiply sequence by non-int of type '%s'", value.TypeName(n))
		}
		if count < 0 {
			count = 0
		}
		size := 0
		if str, isStr := s.(string); isStr {
			size = len(str)
		} else {
			size = len(s.([]any))
		}
		if size > 0 && count > maxRepeat/size {
			return nil, fmt.Errorf("the result would have more than %d items", maxRepeat)
		}
		if str, isStr := s.(string); isStr {
			return repeatString(str, count), nil
		}
		l := s.([]any)
		out := make([]any, 0, len(l)*count)
		if len(l) > 0 { // an empty list repeated any number of times is empty
			for range count {
				out = append(out, l...)
			}
		}
		return out, nil
	case time.Duration:
		if f, ok := value.Number(n); ok {
			if i, isInt := value.Int(n); isInt {
				p := s * time.Duration(i)
				if i != 0 && p/time.Duration(i) != s {
					return nil, errors.New("duration overflow")
				}
				return p, nil
			}
			return roundDuration(float64(s) * f)
		}
	}
	return nil, unsupportedOperands("*", a, b)
}

func repeatString(s string, n int) string {
	if n == 0 || s == "" {
		return ""
	}
	b := make([]byte, 0, len(s)*n)
	for range n {
		b = append(b, s...)
	}
	return string(b)
}

// roundDuration turns nanoseconds held in a float into a duration rounded
// to microseconds (timedelta's resolution), half to even.
func roundDuration(ns float64) (any, error) {
	us := math.RoundToEven(ns / 1e3)
	if math.IsNaN(us) || math.Abs(us) > math.MaxInt64/1e3 {
		return nil, errors.New("duration overflow")
	}
	return time.Duration(us) * time.Microsecond, nil
}

func isZero(v any) bool {
	f, ok := value.Number(v)
	return ok && f == 0
}

func pyDiv(a, b any) (any, error) {
	if d, ok := a.(time.Duration); ok {
		switch y := b.(type) {
		case time.Duration:
			if y == 0 {
				return nil, errors.New("Cannot divide by zero")
			}
			return float64(d) / float64(y), nil
		default:
			if f, ok := value.Number(b); ok {
				if f == 0 {
					return nil, errors.New("Cannot divide by zero")
				}
				return roundDuration(float64(d) / f)
			}
		}
	}
	if isZero(b) {
		return nil, errors.New("Cannot divide by zero")
	}
	if ai, bi, af, bf, isFloat, ok := numPair(a, b); ok {
		if !isFloat {
			return float64(ai) / float64(bi), nil
		}
		return af / bf, nil
	}
	return nil, unsupportedOperands("/", a, b)
}

func pyMod(a, b any) (any, error) {
	if isZero(b) {
		return nil, errors.New("Cannot calculate modulo with zero")
	}
	if ai, bi, af, bf, isFloat, ok := numPair(a, b); ok {
		if !isFloat {
			if bi == -1 {
				return 0, nil // avoids MinInt64 % -1 trapping
			}
			r := ai % bi
			if r != 0 && (r < 0) != (bi < 0) {
				r += bi
			}
			return int(r), nil
		}
		return floatMod(af, bf), nil
	}
	if x, ok := a.(time.Duration); ok {
		if y, ok := b.(time.Duration); ok {
			if y == 0 {
				return nil, errors.New("Cannot calculate modulo with zero")
			}
			r := x % y
			if r != 0 && (r < 0) != (y < 0) {
				r += y
			}
			return r, nil
		}
	}
	return nil, unsupportedOperands("%", a, b)
}

// floatMod is Python's float %: the result has the sign of the divisor.
func floatMod(a, b float64) float64 {
	m := math.Mod(a, b)
	if m != 0 {
		if (b < 0) != (m < 0) {
			m += b
		}
	} else {
		m = math.Copysign(0, b)
	}
	return m
}

func pyPow(a, b any) (any, error) {
	ai, bi, af, bf, isFloat, ok := numPair(a, b)
	if !ok {
		return nil, fmt.Errorf("unsupported operand type(s) for ** or pow(): '%s' and '%s'", value.TypeName(a), value.TypeName(b))
	}
	if !isFloat {
		if bi >= 0 {
			return intPow(ai, bi)
		}
		af, bf = float64(ai), float64(bi)
	}
	if af == 0 && bf < 0 {
		return nil, errors.New("0.0 cannot be raised to a negative power")
	}
	if af < 0 && bf != math.Trunc(bf) && !math.IsInf(bf, 0) {
		return nil, errors.New("a negative number raised to a fractional power gives a complex number, which is not supported")
	}
	r := math.Pow(af, bf)
	if math.IsInf(r, 0) && !math.IsInf(af, 0) && !math.IsInf(bf, 0) {
		return nil, errors.New("(34, 'Numerical result out of range')")
	}
	return r, nil
}

func intPow(base, exp int64) (any, error) {
	result := int64(1)
	for exp > 0 {
		if exp&1 == 1 {
			r, ok := mulInt(result, base)
			if !ok {
				return nil, errIntOverflow
			}
			result = r
		}
		exp >>= 1
		if exp > 0 {
			b, ok := mulInt(base, base)
			if !ok {
				return nil, errIntOverflow
			}
			base = b
		}
	}
	return int(result), nil
}

func mulInt(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	p := a * b
	if p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return 0, false
	}
	return p, true
}

// mathSum is Python's sum(iterable, start): an int fast path, then float
// summation with Neumaier compensation (CPython 3.12+), then generic +.
func mathSum(args ...any) (any, error) {
	items, err := argIter("sum", args, 0)
	if err != nil {
		return nil, err
	}
	var acc any = 0
	if len(args) > 1 {
		acc = args[1]
		if _, ok := acc.(string); ok {
			return nil, errors.New("sum: sum() can't sum strings [use ''.join(seq) instead]")
		}
	}
	i := 0
	// Integer phase.
	if _, isBool := acc.(bool); !isBool {
		if n, ok := value.Int(acc); ok {
			total := int64(n)
			for ; i < len(items); i++ {
				v, ok := value.Int(items[i])
				if !ok {
					break
				}
				s := total + int64(v)
				if (s > total) != (v > 0) {
					return nil, fmt.Errorf("sum: %w", errIntOverflow)
				}
				total = s
			}
			acc = int(total)
		}
	}
	// Float phase.
	if i < len(items) {
		if f, isF := items[i].(float64); isF {
			if n, ok := value.Int(acc); ok {
				acc = float64(n) + f
				i++
			}
		}
	}
	if f, ok := acc.(float64); ok {
		c := 0.0
		for ; i < len(items); i++ {
			switch x := items[i].(type) {
			case float64:
				t := f + x
				if math.Abs(f) >= math.Abs(x) {
					c += (f - t) + x
				} else {
					c += (x - t) + f
				}
				f = t
				continue
			case int, int64, bool:
				n, _ := value.Int(x)
				f += float64(n)
				continue
			}
			break
		}
		if c != 0 && !math.IsInf(c, 0) && !math.IsNaN(c) {
			f += c
		}
		acc = f
	}
	// Generic phase.
	for ; i < len(items); i++ {
		if acc, err = pyAdd(acc, items[i]); err != nil {
			return nil, fmt.Errorf("sum: %w", err)
		}
	}
	return acc, nil
}

func mathMin(args ...any) (any, error) {
	less, err := value.CompareOp("<", args[1], args[0])
	if err != nil {
		return nil, fmt.Errorf("min: %w", err)
	}
	if less {
		return args[1], nil
	}
	return args[0], nil
}

func mathMax(args ...any) (any, error) {
	greater, err := value.CompareOp(">", args[1], args[0])
	if err != nil {
		return nil, fmt.Errorf("max: %w", err)
	}
	if greater {
		return args[1], nil
	}
	return args[0], nil
}

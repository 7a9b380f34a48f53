package value

import (
	"fmt"
	"math"
	"time"
)

// Compare orders a and b as Python's < does and returns -1, 0 or +1. Numbers
// (bool, int, float) compare by value, strings by code point, lists item by
// item, and datetimes, dates, times and durations chronologically. Values
// Python cannot order (None, dicts, a string against a number, a naive
// datetime against an aware one, ...) give Python's TypeError text, e.g.
// "'<' not supported between instances of 'str' and 'int'". A NaN compares
// as equal to everything here; use [CompareOp] for Python's exact answer.
func Compare(a, b any) (int, error) {
	c, _, err := compare("<", a, b)
	return c, err
}

// CompareOp evaluates the Python comparison a op b, where op is one of
// "<", "<=", ">" and ">=". Errors carry op in Python's words. As in Python,
// every ordering against a NaN is false.
func CompareOp(op string, a, b any) (bool, error) {
	c, ordered, err := compare(op, a, b)
	if err != nil || !ordered {
		return false, err
	}
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	case ">=":
		return c >= 0, nil
	}
	return false, fmt.Errorf("unknown comparison operator %q", op)
}

// compare returns the order of a and b, and ordered = false when a NaN makes
// them unordered.
func compare(op string, a, b any) (c int, ordered bool, err error) {
	switch x := a.(type) {
	case int:
		if y, ok := b.(int); ok {
			return cmpInt(int64(x), int64(y)), true, nil
		}
	case string:
		if y, ok := b.(string); ok {
			switch {
			case x < y:
				return -1, true, nil
			case x > y:
				return 1, true, nil
			}
			return 0, true, nil
		}
	}
	if ai, af, aFloat, aok := numberParts(a); aok {
		if bi, bf, bFloat, bok := numberParts(b); bok {
			return compareNumbers(ai, af, aFloat, bi, bf, bFloat)
		}
		return 0, false, notSupported(op, a, b)
	}
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok {
			break
		}
		for i := 0; i < len(x) && i < len(y); i++ {
			if Equal(x[i], y[i]) {
				continue
			}
			return compare(op, x[i], y[i])
		}
		return cmpInt(int64(len(x)), int64(len(y))), true, nil
	case DateTime:
		y, ok := b.(DateTime)
		if !ok {
			break
		}
		if x.Naive != y.Naive {
			return 0, false, fmt.Errorf("can't compare offset-naive and offset-aware datetimes")
		}
		return x.Time.Compare(y.Time), true, nil
	case Date:
		y, ok := b.(Date)
		if !ok {
			break
		}
		if c := cmpInt(int64(x.Year), int64(y.Year)); c != 0 {
			return c, true, nil
		}
		if c := cmpInt(int64(x.Month), int64(y.Month)); c != 0 {
			return c, true, nil
		}
		return cmpInt(int64(x.Day), int64(y.Day)), true, nil
	case TimeOfDay:
		y, ok := b.(TimeOfDay)
		if !ok {
			break
		}
		return cmpInt(x.nanos(), y.nanos()), true, nil
	case time.Duration:
		y, ok := b.(time.Duration)
		if !ok {
			break
		}
		return cmpInt(int64(x), int64(y)), true, nil
	}
	return 0, false, notSupported(op, a, b)
}

func (t TimeOfDay) nanos() int64 {
	return ((int64(t.Hour)*60+int64(t.Minute))*60+int64(t.Second))*1e9 + int64(t.Nanosecond)
}

func notSupported(op string, a, b any) error {
	return fmt.Errorf("'%s' not supported between instances of '%s' and '%s'", op, TypeName(a), TypeName(b))
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// numberParts splits a Python number into an exact integer or a float.
func numberParts(v any) (i int64, f float64, isFloat, ok bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, 0, false, true
		}
		return 0, 0, false, true
	case int:
		return int64(x), 0, false, true
	case int64:
		return x, 0, false, true
	case float64:
		return 0, x, true, true
	}
	return 0, 0, false, false
}

// compareNumbers compares two numbers split by numberParts.
func compareNumbers(ai int64, af float64, aFloat bool, bi int64, bf float64, bFloat bool) (int, bool, error) {
	switch {
	case !aFloat && !bFloat:
		return cmpInt(ai, bi), true, nil
	case !aFloat:
		c, ok := cmpIntFloat(ai, bf)
		return c, ok, nil
	case !bFloat:
		c, ok := cmpIntFloat(bi, af)
		return -c, ok, nil
	}
	if math.IsNaN(af) || math.IsNaN(bf) {
		return 0, false, nil
	}
	switch {
	case af < bf:
		return -1, true, nil
	case af > bf:
		return 1, true, nil
	}
	return 0, true, nil
}

// cmpIntFloat compares an integer with a float exactly, as Python does.
func cmpIntFloat(i int64, f float64) (int, bool) {
	if math.IsNaN(f) {
		return 0, false
	}
	// Beyond the int64 range, int64(f) would overflow.
	if f >= 1<<63 {
		return -1, true
	}
	if f < -(1 << 63) {
		return 1, true
	}
	t := math.Trunc(f)
	if c := cmpInt(i, int64(t)); c != 0 {
		return c, true
	}
	switch {
	case f > t:
		return -1, true
	case f < t:
		return 1, true
	}
	return 0, true
}

// HashKey returns a comparable Go value that identifies v the way Python's
// hash and == do, for use as a Go map key in set operations: 1, 1.0 and True
// give the same key, an aware datetime gives the same key in every zone.
// Lists and dicts are unhashable, as in Python: the error says
// "unhashable type: 'list'".
func HashKey(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return noneKey{}, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case float64:
		if t := math.Trunc(x); t == x && x >= -(1<<63) && x < 1<<63 {
			return int64(t), nil
		}
		return x, nil
	case string:
		return x, nil
	case DateTime:
		if x.Naive {
			return naiveKey{x.Time.UnixNano()}, nil
		}
		return awareKey{x.Time.UnixNano()}, nil
	case Date, TimeOfDay, time.Duration:
		return x, nil
	}
	return nil, fmt.Errorf("unhashable type: '%s'", TypeName(v))
}

type (
	noneKey  struct{}
	naiveKey struct{ ns int64 }
	awareKey struct{ ns int64 }
)
